"""Reactions fit the words: the customer's next line makes sense after the reply it answers."""

from pathlib import Path

import pytest

from trainer.customer import ScriptedCustomer
from trainer.customer.fit import fit_check, unfitting
from trainer.formats.call import CustomerLine
from trainer.formats.corpus import LabelledRow, read_jsonl
from trainer.formats.load import load_persona
from trainer.formats.persona import LineKind
from trainer.playbook import Archetype
from trainer.playbook import Behaviour as B

ROOT = Path(__file__).parent.parent
ROWS = list(read_jsonl(ROOT / "corpus" / "behaviours" / "test.jsonl", LabelledRow))


@pytest.mark.parametrize("archetype", list(Archetype))
def test_under_five_percent_of_lines_do_not_fit_the_reply_they_answer(archetype: Archetype) -> None:
    report = fit_check(load_persona(ROOT / "personas" / f"{archetype.value}.yaml"), ROWS)
    assert report.lines == len(ROWS) > 400
    assert report.rate < 0.05, (report.misfits, report.examples)


def test_the_table_catches_what_does_not_fit() -> None:
    line = CustomerLine(text="", kind=LineKind.swearing, anger=80)
    assert unfitting({B.acknowledges_feelings, B.takes_ownership}, line, False)
    assert not unfitting({B.acknowledges_feelings, B.blames_customer}, line, False)
    thanks = line.model_copy(update={"kind": LineKind.calmer})
    assert unfitting({B.dismisses}, thanks, False)
    assert unfitting(set(), thanks, True), "no 'go on' once the problem is fixed"


def test_a_furious_cursing_customer_vents_after_an_apology_instead_of_swearing_at_the_trainee() -> None:
    marcus = load_persona(ROOT / "personas" / "cursing.yaml")
    customer = ScriptedCustomer(marcus)
    customer.open()
    line = customer.react({B.acknowledges_feelings, B.takes_ownership}, "I'm so sorry, I'll sort this out myself.")
    assert line.kind is LineKind.vents and line.swore and not line.attacked
    assert line.text in marcus.lines.vents
    line = customer.react({B.counter_aggression}, "Calm down, it's only a calendar.")
    assert line.kind in (LineKind.swearing, LineKind.personal_attack)
