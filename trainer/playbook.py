"""The vocabulary of `shared/cx-playbook.md`, as code.

These ids are a contract shared by persona files, rubric files, labelled corpora and the
session log, so they live in one place and every file format validates against them.
"""

from enum import StrEnum


class Archetype(StrEnum):
    passive_angry = "passive_angry"
    escalated = "escalated"
    cursing = "cursing"
    transfer_demanding = "transfer_demanding"


class LearningStyle(StrEnum):
    vague = "vague"
    step_by_step = "step_by_step"
    self_explainer = "self_explainer"
    visual = "visual"


class Behaviour(StrEnum):
    acknowledges_feelings = "acknowledges_feelings"
    validates_competence = "validates_competence"
    takes_ownership = "takes_ownership"
    acknowledges_urgency = "acknowledges_urgency"
    asks_what_they_see = "asks_what_they_see"
    gives_step_by_step = "gives_step_by_step"
    offers_screen_share = "offers_screen_share"
    explains_why = "explains_why"
    sets_boundary = "sets_boundary"
    offers_callback = "offers_callback"
    follows_up_async = "follows_up_async"
    explains_transfer_cost = "explains_transfer_cost"
    offers_transfer = "offers_transfer"
    blames_customer = "blames_customer"
    counter_aggression = "counter_aggression"
    dismisses = "dismisses"
    ends_call_prematurely = "ends_call_prematurely"


BAD_BEHAVIOURS: frozenset[Behaviour] = frozenset(
    {
        Behaviour.offers_transfer,
        Behaviour.blames_customer,
        Behaviour.counter_aggression,
        Behaviour.dismisses,
        Behaviour.ends_call_prematurely,
    }
)
GOOD_BEHAVIOURS: frozenset[Behaviour] = frozenset(set(Behaviour) - BAD_BEHAVIOURS)


def is_good(behaviour: Behaviour) -> bool:
    return behaviour in GOOD_BEHAVIOURS


STRATEGIES: dict[int, str] = {
    1: "Staying calm makes the customer calm",
    2: "Find the customer's learning style first",
    3: "Passive-angry customers need to know you care",
    4: "Escalated customers need urgency and a fast fix",
    5: "Keep a shared document of things to say",
    6: "Set clear boundaries and keep them",
    7: "Offer to end the call if the disrespect continues",
    8: "Transferring only makes the problem take longer",
    9: "Same knowledge and authority: no need to transfer",
    10: "Take a walk after a bad call",
    11: "Lean on your teammates",
    12: "Caring has a cost: mental health first",
}
