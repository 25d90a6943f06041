"""The customer's mood and memory of the call, owned by code so any writer of lines
(scripted or an LLM) plays the same customer."""

from pydantic import BaseModel, Field

from trainer.formats.call import Outcome
from trainer.playbook import Behaviour


class CustomerState(BaseModel):
    anger: int
    replies: int = 0
    shown: set[Behaviour] = Field(default_factory=set)
    directed_swears: int = 0  # swearing after the opening: at the trainee, or venting on (a boundary is due)
    boundary_set: bool = False
    wants_transfer: bool = False
    insisted: bool = False
    agreed_to_stay: bool = False
    promised_follow_up: bool = False
    steps_done: list[int] = Field(default_factory=list)  # fix steps carried out, in the order done
    answered_facts: set[str] = Field(default_factory=set)
    last_answer: str = ""  # what the customer just told, when asked: a fact, "I don't know", a repeat
    outcome: Outcome = Outcome.in_progress
