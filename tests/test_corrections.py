"""Managers correct the grader: the call is regraded, corrections become training rows, and
a detector trained with them reads held-out calls of the same kind better."""

import itertools
import json
from pathlib import Path

import pytest

from trainer import corrections
from trainer.call import Call, CallOptions
from trainer.catalog import Catalog
from trainer.cli import main
from trainer.detector import offline_detector
from trainer.evaluation import evaluate
from trainer.formats.corpus import LabelledRow, read_jsonl
from trainer.formats.errors import TrainerError
from trainer.playbook import Behaviour as B
from trainer.sessionlog import SessionLog
from trainer.settings import PROJECT_ROOT, load_settings

# One support floor's own way of promising a report back: chat jargon the corpus never uses.
OPENINGS = ["No need to hang on,", "Leave it with me,", "Go grab a coffee,", "You can drop off now,", "Right,"]
PROMISES = [
    "I'll ping you on the ticket thread",
    "you'll get a ping from me in the portal",
    "I'll drop a note in your inbox",
    "expect a DM from me",
    "I'll nudge you on Slack",
]
WHEN = ["as soon as eng ships the hotfix.", "the second the sync goes green.", "once the rebuild's done."]
KIND = [f"{o} {p} {w}" for o, p, w in itertools.product(OPENINGS, PROMISES, WHEN)]
CUSTOMER = "Fine, but I'm not sitting on this line all day while you poke at it."


def _split() -> tuple[list[str], list[str]]:
    """Taught and held out share no opening: the held-out replies are new sentences of the kind."""
    taught = [r for r in KIND if not r.startswith(("Right,", "Go grab"))]
    held_out = [r for r in KIND if r.startswith(("Right,", "Go grab"))]
    return taught, held_out


def _rows(replies: list[str]) -> list[LabelledRow]:
    return [
        LabelledRow(customer=CUSTOMER, reply=r, archetype="escalated", behaviours=[B.follows_up_async]) for r in replies
    ]


@pytest.fixture
def floor(sessions_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SessionLog:
    monkeypatch.setenv("CALLCOACH_CACHE_DIR", str(tmp_path / "cache"))
    return SessionLog(load_settings().resolved_database_url())


def _call(catalog: Catalog, log: SessionLog, reply: str) -> str:
    call = Call(catalog.persona("escalated"), list(catalog.rubrics.values()), log=log, options=CallOptions(seed=1))
    call.open()
    call.reply(reply)
    call.finish()
    assert call.session_id is not None
    return call.session_id


def test_a_correction_regrades_the_call_and_keeps_the_first_score(catalog: Catalog, floor: SessionLog) -> None:
    sid = _call(catalog, floor, "Calm down, it's not a big deal.")
    first = floor.get(sid)
    assert "dismisses" in first["turns"][0]["behaviours"]
    card = corrections.correct(floor, catalog, sid, 0, B.dismisses, "wrong", "said kindly, not dismissive", "mia")
    assert card is not None
    again = floor.get(sid)
    assert again["scorecard"] == first["scorecard"]  # the grader's first word stays
    assert again["regraded_scorecard"] == card.model_dump(mode="json")
    assert card.overall is not None and first["overall"] is not None and card.overall > first["overall"]
    assert floor.list()[0].regraded_overall == card.overall
    assert floor.corrections(sid)[0] | {"created_at": ""} == {
        "session_id": sid,
        "turn": 0,
        "behaviour": "dismisses",
        "verdict": "wrong",
        "reason": "said kindly, not dismissive",
        "author": "mia",
        "created_at": "",
    }


def test_a_correction_that_does_not_fit_the_turn_is_refused(catalog: Catalog, floor: SessionLog) -> None:
    sid = _call(catalog, floor, "I'll email you the moment it's fixed.")
    # The messages number replies as every page does: the log's turn 0 holds reply 1.
    with pytest.raises(TrainerError, match="was not found in reply 1; mark it as missed instead"):
        floor.correct_behaviour(sid, 0, B.dismisses, "wrong", "x", "mia")
    with pytest.raises(TrainerError, match="already found in reply 1"):
        floor.correct_behaviour(sid, 0, B.follows_up_async, "missed", "x", "mia")
    with pytest.raises(TrainerError, match="this call has no reply 8"):
        floor.correct_behaviour(sid, 7, B.dismisses, "missed", "x", "mia")
    with pytest.raises(TrainerError, match="needs a reason"):
        floor.correct_behaviour(sid, 0, B.dismisses, "missed", "  ", "mia")
    assert floor.corrections(sid) == []


def test_corrections_on_some_calls_raise_f1_on_held_out_calls_of_the_same_kind(
    catalog: Catalog, floor: SessionLog, capsys: pytest.CaptureFixture[str]
) -> None:
    taught, held_out = _split()
    before = evaluate(offline_detector(), _rows(held_out)).counts[B.follows_up_async]
    assert before.recall < 0.6, "the shipped detector already reads this floor's jargon: pick another kind"

    for reply in taught:
        sid = _call(catalog, floor, reply)
        if B.follows_up_async.value not in floor.get(sid)["turns"][0]["behaviours"]:
            floor.correct_behaviour(sid, 0, B.follows_up_async, "missed", "a promise to report back", "mia")
    assert main(["corrections", "export"]) == 0
    exported = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert exported and all("follows_up_async" in row["behaviours"] for row in exported)
    assert {row["reply"] for row in exported} <= set(taught)

    assert main(["train", "detector", "--with-corrections"]) == 0
    after = evaluate(offline_detector(), _rows(held_out)).counts[B.follows_up_async]
    print(f"held-out recall of the corrected kind: {before.recall:.2f} -> {after.recall:.2f}")
    assert after.recall >= before.recall + 0.3
    # ...and the rest of what the grader knows still holds on the held-out test part.
    test = list(read_jsonl(PROJECT_ROOT / "corpus" / "behaviours" / "test.jsonl", LabelledRow))
    assert evaluate(offline_detector(), test).macro_f1 >= 0.88


def test_a_call_still_going_is_corrected_once_it_has_ended(catalog: Catalog, floor: SessionLog) -> None:
    call = Call(catalog.persona("escalated"), list(catalog.rubrics.values()), log=floor, options=CallOptions(seed=1))
    call.open()
    call.reply("Calm down, it's not a big deal.")
    assert call.session_id is not None
    with pytest.raises(TrainerError, match="has not ended yet"):
        corrections.correct(floor, catalog, call.session_id, 0, B.dismisses, "wrong", "kind", "mia")
    assert floor.corrections(call.session_id) == []
