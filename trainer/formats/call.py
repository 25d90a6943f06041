"""What a call produces: customer lines, turns, findings and the scorecard.

These are the shapes the session log stores and the CLI prints as JSON.
"""

from enum import StrEnum

from pydantic import BaseModel

from trainer.formats.persona import LineKind
from trainer.playbook import Behaviour


class Detection(BaseModel):
    behaviour: Behaviour
    evidence: str  # the trainee's own words, quoted back in feedback


class Outcome(StrEnum):
    in_progress = "in_progress"
    satisfied = "satisfied"
    customer_hung_up = "customer_hung_up"
    trainee_ended = "trainee_ended"
    transferred = "transferred"
    script_ended = "script_ended"
    abandoned = "abandoned"


class CustomerLine(BaseModel):
    text: str
    kind: LineKind
    anger: int
    swore: bool = False
    attacked: bool = False
    asked_transfer: bool = False
    wants_to_hold: bool = False
    engine: str = "scripted"
    outcome: Outcome = Outcome.in_progress


class Finding(BaseModel):
    rubric: str
    turn: int | None  # None: about the whole call ("you never ...")
    trigger: str  # the behaviour, moment or missing behaviour that made it
    points: int
    feedback: str
    evidence: str = ""
    quote: str = ""
    tip: str = ""

    @property
    def good(self) -> bool:
        return self.points > 0


class Turn(BaseModel):
    """One customer line and the trainee's answer to it (none for a closing line)."""

    index: int
    customer: CustomerLine
    reply: str | None = None
    detections: list[Detection] = []
    feedback: list[Finding] = []

    @property
    def behaviours(self) -> set[Behaviour]:
        return {d.behaviour for d in self.detections}


class RubricScore(BaseModel):
    rubric: str
    name: str
    applicable: bool
    score: int | None
    weight: float
    findings: list[Finding] = []


class Scorecard(BaseModel):
    rubrics: dict[str, RubricScore]
    overall: int | None
    outcome: Outcome
    hard_call: bool
    worst_moment: Finding | None = None
