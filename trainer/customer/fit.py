"""Does the customer's next line make sense after the reply it answers?

A caller does not swear at an apology plus ownership, thank someone who just dismissed them,
or say "go on" once the problem is fixed. `fit_check` plays labelled replies (their behaviours
known, not detected) into a persona and counts the lines whose kind the table below does not
allow after such a reply. `trainer eval fit` prints the rate per persona; CI holds it under 5%.
"""

from collections import Counter

from pydantic import BaseModel, Field

from trainer.customer.scripted import ScriptedCustomer
from trainer.formats.call import CustomerLine, Outcome
from trainer.formats.corpus import LabelledRow
from trainer.formats.persona import LineKind, Persona
from trainer.playbook import BAD_BEHAVIOURS
from trainer.playbook import Behaviour as B

HOSTILE = frozenset({B.counter_aggression, B.dismisses, B.blames_customer})
WARM = frozenset({B.acknowledges_feelings, B.takes_ownership, B.validates_competence, B.acknowledges_urgency})
ESCALATING = frozenset({LineKind.swearing, LineKind.personal_attack, LineKind.angrier})
GRATEFUL = frozenset({LineKind.calmer, LineKind.satisfied, LineKind.pulls_together, LineKind.agrees_to_stay})
STILL_WORKING = frozenset({LineKind.calmer, LineKind.neutral, LineKind.confused, LineKind.slow_down})


def unfitting(behaviours: set[B], line: CustomerLine, fixed_before: bool) -> str | None:
    """Why this line does not fit a reply with these behaviours, or None when it fits."""
    if behaviours & HOSTILE and line.kind in GRATEFUL:
        return "thanks or calms down right after being dismissed, blamed or snapped at"
    if behaviours & WARM and not behaviours & BAD_BEHAVIOURS and line.kind in ESCALATING:
        return "gets angrier or swears at a warm reply with no fault in it"
    if fixed_before and line.kind in STILL_WORKING:
        return "asks to go on after the problem was fixed"
    return None


class FitReport(BaseModel):
    persona: str
    lines: int = 0
    misfits: Counter[str] = Field(default_factory=Counter)
    examples: list[str] = []

    @property
    def rate(self) -> float:
        return sum(self.misfits.values()) / self.lines if self.lines else 0.0


def fit_check(persona: Persona, rows: list[LabelledRow], seed: int = 0, examples: int = 5) -> FitReport:
    """Play the rows in order into the persona; a call that ends starts again."""
    report = FitReport(persona=persona.id)
    customer = _fresh(persona, seed)
    for n, row in enumerate(rows):
        behaviours = set(row.behaviours)
        fixed_before = customer.fixed()
        line = customer.react(behaviours, row.reply)
        report.lines += 1
        why = unfitting(behaviours, line, fixed_before)
        if why:
            report.misfits[why] += 1
            if len(report.examples) < examples:
                report.examples.append(f"{row.reply[:70]!r} -> {line.kind.value}: {line.text[:60]!r}")
        if customer.state.outcome is not Outcome.in_progress:
            customer = _fresh(persona, seed + n + 1)
    return report


def _fresh(persona: Persona, seed: int) -> ScriptedCustomer:
    customer = ScriptedCustomer(persona, seed)
    customer.open()
    return customer
