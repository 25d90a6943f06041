"""Whole calls through `trainer play --json`: good calls score high, bad calls low, and
only the rubrics that fit the call apply. Scripts live in tests/calls/<archetype>/."""

import json
from pathlib import Path

import pytest

from trainer.cli import main
from trainer.playbook import Archetype

CALLS = Path(__file__).parent / "calls"
SCRIPTS = sorted(CALLS.glob("*/*.txt"))

# Which rubrics must (and must not) apply to a call with each archetype's persona.
EXPECTED_RUBRICS = {
    "passive_angry": {"calm", "care", "resolution"},
    "escalated": {"calm", "urgency", "resolution"},
    "cursing": {"calm", "boundaries", "resolution"},
    "transfer_demanding": {"calm", "transfers", "resolution"},
}


def _play(capsys: pytest.CaptureFixture[str], script: Path) -> dict:
    code = main(["play", "--persona", script.parent.name, "--script", str(script), "--json", "--trainee", "tester"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def test_three_good_and_three_bad_scripts_per_archetype() -> None:
    for archetype in Archetype:
        names = {p.stem for p in (CALLS / archetype.value).glob("*.txt")}
        assert {"good_1", "good_2", "good_3", "bad_1", "bad_2", "bad_3", "nofix_1"} <= names


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_good_calls_score_high_and_bad_calls_low(capsys, sessions_dir: Path, script: Path) -> None:
    result = _play(capsys, script)
    if script.stem.startswith("good"):
        assert result["overall"] >= 80, result["rubrics"]
        assert result["outcome"] == "satisfied"
        assert result["fixed"] and not [m for m in result["missed"] if m["what"] == "step"]
    elif script.stem.startswith("nofix"):  # kind from start to finish, and the CRM still broken
        assert result["overall"] <= 60, result["rubrics"]
        assert not result["fixed"] and result["outcome"] != "satisfied"
        assert len([m for m in result["missed"] if m["what"] == "step"]) >= 3  # every step, never given
    else:
        assert result["overall"] <= 40, result["rubrics"]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_only_the_fitting_rubrics_apply(capsys, sessions_dir: Path, script: Path) -> None:
    result = _play(capsys, script)
    applied = {rid for rid, r in result["rubrics"].items() if r["applicable"]}
    assert applied == EXPECTED_RUBRICS[script.parent.name]
    for rid, rubric in result["rubrics"].items():
        assert (rubric["score"] is None) == (rid not in applied)


def test_no_boundaries_rubric_on_a_call_without_swearing(capsys, sessions_dir: Path) -> None:
    result = _play(capsys, CALLS / "escalated" / "good_1.txt")
    assert result["rubrics"]["boundaries"] == {"score": None, "applicable": False, "findings": []}


def test_a_good_call_quotes_the_trainee_and_the_playbook(capsys, sessions_dir: Path) -> None:
    result = _play(capsys, CALLS / "cursing" / "good_1.txt")
    findings = result["rubrics"]["boundaries"]["findings"]
    boundary = next(f for f in findings if f["trigger"] == "sets_boundary")
    assert boundary["turn"] == 1 and boundary["points"] > 0
    assert "swearing at me only gets in the way" in boundary["evidence"]
    assert "I'm here to help" in boundary["quote"]
    assert any(f["trigger"] == "let_first_swear_go" and f["turn"] == 0 for f in findings)


def test_the_same_script_and_seed_plays_the_same_call(capsys, sessions_dir: Path) -> None:
    first = _play(capsys, CALLS / "transfer_demanding" / "good_2.txt")
    second = _play(capsys, CALLS / "transfer_demanding" / "good_2.txt")
    assert [t["customer"] for t in first["turns"]] == [t["customer"] for t in second["turns"]]
    assert first["session_id"] != second["session_id"]


def test_a_call_ended_before_the_fix_scores_at_most_60(capsys, sessions_dir: Path, tmp_path: Path) -> None:
    """Kind words and the first step, then the trainee ends the call: no high score for that."""
    script = tmp_path / "cursing" / "unfinished.txt"
    script.parent.mkdir()
    script.write_text("\n".join((CALLS / "cursing" / "good_2.txt").read_text().splitlines()[:4]) + "\n")
    result = _play(capsys, script)
    assert result["outcome"] == "script_ended"
    assert result["overall"] == 60 and result["uncapped"] > 60  # the other rubrics alone liked it
    assert result["rubrics"]["resolution"]["score"] < 60

    assert main(["play", "--persona", "cursing", "--script", str(script), "--no-log"]) == 0
    out = capsys.readouterr().out
    assert "you ended the call before the problem was fixed" in out
    assert "an unfixed problem scores at most 60" in out


RECITAL = (
    "I hear you I understand I'm sorry that's not okay you did nothing wrong I'm on it right now "
    "I'll email you the moment it's fixed let me explain why"
)


@pytest.mark.parametrize("archetype", [a.value for a in Archetype])
def test_reciting_the_phrase_bank_earns_nothing(capsys, sessions_dir: Path, tmp_path: Path, archetype: str) -> None:
    """An outside tester's recital, sent three times, scored 85-100 and left customers satisfied."""
    script = tmp_path / archetype / "recital.txt"
    script.parent.mkdir()
    script.write_text(f"{RECITAL}\n{RECITAL}\n{RECITAL}\n")
    result = _play(capsys, script)
    assert result["overall"] <= 40 and result["outcome"] != "satisfied", result
    triggers = [f["trigger"] for r in result["rubrics"].values() for f in r["findings"]]
    assert "recited_phrases" in triggers and "repeated_reply" in triggers


def test_saying_the_same_thing_again_annoys_the_customer(capsys, sessions_dir: Path, tmp_path: Path) -> None:
    once = tmp_path / "escalated" / "once.txt"
    once.parent.mkdir()
    line = "I know every minute costs you money."
    once.write_text(f"{line}\n")
    twice = once.with_name("twice.txt")
    twice.write_text(f"{line}\nI know every single minute costs you money.\n")
    first, second = _play(capsys, once), _play(capsys, twice)
    assert first["turns"][0]["behaviours"] == ["acknowledges_urgency"]
    assert second["turns"][1]["behaviours"] == []  # no credit the second time
    assert second["turns"][2]["anger"] > second["turns"][1]["anger"]  # and it annoyed her
    triggers = [f["trigger"] for r in second["rubrics"].values() for f in r["findings"]]
    assert triggers.count("repeated_reply") == 1


def test_a_call_played_hard_starts_angrier_and_the_log_keeps_the_level(capsys, sessions_dir: Path) -> None:
    from trainer.sessionlog import SessionLog
    from trainer.settings import load_settings

    script = CALLS / "escalated" / "good_1.txt"
    as_written = _play(capsys, script)
    code = main(["play", "--persona", "escalated", "--script", str(script), "--json", "--level", "hard"])
    hard = json.loads(capsys.readouterr().out)
    assert code == 0 and (as_written["level"], hard["level"]) == ("medium", "hard")
    assert hard["turns"][0]["anger"] > as_written["turns"][0]["anger"]
    log = SessionLog(load_settings().resolved_database_url())
    assert {s.level for s in log.list()} == {"medium", "hard"}
