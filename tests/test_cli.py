"""The `trainer` command: JSON and CSV a script can read, and one-line errors, never a traceback."""

import csv
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from trainer.cli import main
from trainer.settings import PROJECT_ROOT

TRAINER = PROJECT_ROOT / ".venv" / "bin" / "trainer"
ESCALATED = PROJECT_ROOT / "personas" / "escalated.yaml"

GOOD_SCRIPT = """\
# a good call with Dana: feelings, then urgency and ownership, then the fix
I can hear how frustrating this is.

I know every minute costs you money, so I will personally stay on this until it is fixed.
Open the pipeline board, then click the filter icon next to the search box.
Clear the saved filter Closed archived that the sync put on.
Now reload the board.
"""
GOOD_REPLIES = [line for line in GOOD_SCRIPT.splitlines() if line and not line.startswith("#")]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, out: str, err: str) -> str:
    assert code == 2
    assert "Traceback" not in out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("trainer: error: ")
    assert "unexpected" not in lines[0], "an expected mistake must not fall through to the catch-all"
    return lines[0]


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "good.txt"
    path.write_text(GOOD_SCRIPT, encoding="utf-8")
    return path


def _broken_persona_text() -> str:
    text = ESCALATED.read_text(encoding="utf-8")
    assert "id: escalated\n" in text and "start_anger: 75" in text
    return text.replace("id: escalated\n", "id: broken\n").replace("start_anger: 75", 'start_anger: "very"')


@pytest.fixture
def personas_dir(tmp_path: Path, sessions_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A personas folder with a valid escalated.yaml and a broken.yaml (start_anger: "very")."""
    folder = tmp_path / "personas"
    folder.mkdir()
    shutil.copy(ESCALATED, folder / "escalated.yaml")
    (folder / "broken.yaml").write_text(_broken_persona_text(), encoding="utf-8")
    monkeypatch.setenv("CALLCOACH_PERSONAS_DIR", str(folder))
    return folder


def _start_anger_line(path: Path) -> int:
    return next(n for n, row in enumerate(path.read_text().splitlines(), 1) if "start_anger" in row)


# -- play, then the session log ------------------------------------------------------------


def test_play_json_then_list_show_and_export(capsys, sessions_dir: Path, script: Path, tmp_path: Path) -> None:
    code, out, err = run(
        capsys, "play", "--persona", "escalated", "--script", str(script), "--json", "--trainee", "ana"
    )
    assert code == 0, err
    assert len(out.strip().splitlines()) == 1, "exactly one JSON object on one line"
    data = json.loads(out)
    assert {"session_id", "persona", "turns", "rubrics", "overall", "outcome"} <= set(data)
    assert data["persona"] == "escalated"
    assert data["outcome"] == "satisfied"
    assert isinstance(data["overall"], int) and 0 <= data["overall"] <= 100

    turns = data["turns"]
    assert [t["reply"] for t in turns] == [*GOOD_REPLIES, None]  # the closing line has no reply
    for turn in turns:
        assert {"customer", "reply", "behaviours", "anger"} <= set(turn)
        assert isinstance(turn["customer"], str) and turn["customer"]
        assert isinstance(turn["anger"], int) and 0 <= turn["anger"] <= 100
        assert isinstance(turn["behaviours"], list)
    assert turns[0]["behaviours"] == ["acknowledges_feelings"]
    assert turns[1]["behaviours"] == ["acknowledges_urgency", "takes_ownership"]
    assert turns[-1]["anger"] < turns[0]["anger"]

    assert data["rubrics"], "every shipped rubric is scored or marked not applicable"
    for rubric in data["rubrics"].values():
        assert {"score", "applicable", "findings"} <= set(rubric)
        assert isinstance(rubric["applicable"], bool)
        assert isinstance(rubric["findings"], list)
        if rubric["applicable"]:
            assert 0 <= rubric["score"] <= 100
    assert data["rubrics"]["urgency"]["applicable"] is True
    assert data["rubrics"]["urgency"]["findings"]

    session_id = data["session_id"]
    code, out, err = run(capsys, "sessions", "list")
    assert code == 0, err
    [row] = out.strip().splitlines()
    assert row.startswith(session_id[:8])
    assert "ana" in row and "escalated" in row and "satisfied" in row and str(data["overall"]) in row

    for ident in (session_id, session_id[:8]):
        code, out, err = run(capsys, "sessions", "show", ident)
        assert code == 0, err
        shown = json.loads(out)
        assert shown["id"] == session_id
        assert shown["outcome"] == "satisfied"
        assert shown["overall"] == data["overall"]
        assert [t["reply"] for t in shown["turns"]] == [t["reply"] for t in turns]
        assert [t["behaviours"] for t in shown["turns"]] == [t["behaviours"] for t in turns]

    code, out, err = run(capsys, "sessions", "export", "--csv")
    assert code == 0, err
    [exported] = list(csv.DictReader(io.StringIO(out)))
    assert exported["id"] == session_id
    assert exported["trainee"] == "ana"
    assert exported["persona_id"] == "escalated"
    assert exported["outcome"] == "satisfied"
    assert exported["overall"] == str(data["overall"])
    assert exported["turns"] == str(len(turns))
    assert exported["ended_at"]

    target = tmp_path / "out.csv"
    code, out, err = run(capsys, "sessions", "export", "--csv", "-o", str(target))
    assert code == 0, err
    with target.open(newline="", encoding="utf-8") as handle:
        assert [r["id"] for r in csv.DictReader(handle)] == [session_id]


def test_sessions_list_filters_by_trainee(capsys, sessions_dir: Path, script: Path) -> None:
    ids = {}
    for trainee in ("ana", "ben"):
        code, out, err = run(
            capsys, "play", "--persona", "escalated", "--script", str(script), "--json", "--trainee", trainee
        )
        assert code == 0, err
        ids[trainee] = json.loads(out)["session_id"]
    code, out, _ = run(capsys, "sessions", "list", "--trainee", "ben")
    assert code == 0
    assert [line[:8] for line in out.strip().splitlines()] == [ids["ben"][:8]]


def test_console_script_plays_and_shows_a_session(sessions_dir: Path, script: Path) -> None:
    env = dict(os.environ)
    played = subprocess.run(
        [str(TRAINER), "play", "--persona", "escalated", "--script", str(script), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert played.returncode == 0, played.stderr
    data = json.loads(played.stdout)
    assert data["outcome"] == "satisfied"
    assert (sessions_dir / "callcoach.db").is_file(), "the subprocess wrote to the test's own database"

    shown = subprocess.run(
        [str(TRAINER), "sessions", "show", data["session_id"][:8]],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["id"] == data["session_id"]

    failed = subprocess.run(
        [str(TRAINER), "play", "--persona", "nobody", "--script", str(script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert failed.returncode == 2
    assert "Traceback" not in failed.stdout + failed.stderr
    [line] = failed.stderr.strip().splitlines()
    assert line.startswith("trainer: error: no persona 'nobody'")


# -- errors ---------------------------------------------------------------------------------


def _case(tmp_path: Path, name: str) -> tuple[list[str], list[str]]:
    """The arguments for one mistake, and what its message must contain."""
    good = tmp_path / "good.txt"
    good.write_text(GOOD_SCRIPT, encoding="utf-8")
    if name == "unknown persona":
        return ["play", "--persona", "nobody", "--script", str(good)], [
            "no persona 'nobody'",
            "known: ",
            "escalated",
            "cursing",
            "transfer_demanding",
        ]
    if name == "missing script":
        path = tmp_path / "missing.txt"
        return ["play", "--persona", "escalated", "--script", str(path)], [str(path), "cannot read script"]
    if name == "empty script":
        path = tmp_path / "empty.txt"
        path.write_text("\n   \n\t\n\n", encoding="utf-8")
        return ["play", "--persona", "escalated", "--script", str(path)], [str(path), "no replies"]
    if name == "binary script":
        path = tmp_path / "binary.txt"
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe\x80\x81 not text\n")
        return ["play", "--persona", "escalated", "--script", str(path)], [str(path), "not UTF-8"]
    if name == "detect missing file":
        path = tmp_path / "missing.jsonl"
        return ["detect", str(path)], [str(path), "cannot read file"]
    if name == "detect broken line":
        path = tmp_path / "broken.jsonl"
        path.write_text('{"customer": "Fix it!", "reply": "I hear you."}\n\n{"customer": "x", "reply": \n')
        return ["detect", str(path)], [f"{path}:3:", "not valid JSON"]
    if name == "eval rows without behaviours":
        path = tmp_path / "unlabelled.jsonl"
        path.write_text('{"customer": "Fix it!", "reply": "I can hear how frustrating this is."}\n')
        return ["eval", "detector", str(path)], [f"{path}:1: behaviours:"]
    if name == "show unknown id":
        return ["sessions", "show", "deadbeef"], ["no session with id 'deadbeef'"]
    if name == "show without id":
        return ["sessions", "show"], ["sessions show needs a session id"]
    raise AssertionError(name)


ERROR_CASES = [
    "unknown persona",
    "missing script",
    "empty script",
    "binary script",
    "detect missing file",
    "detect broken line",
    "eval rows without behaviours",
    "show unknown id",
    "show without id",
]


@pytest.mark.parametrize("name", ERROR_CASES)
def test_mistakes_are_one_line_on_stderr_with_exit_2(capsys, sessions_dir: Path, tmp_path: Path, name: str) -> None:
    argv, expected = _case(tmp_path, name)
    line = assert_one_line_error(*run(capsys, *argv))
    for part in expected:
        assert part in line


@pytest.mark.parametrize("name", ["missing script", "empty script", "binary script"])
def test_an_unplayable_script_leaves_no_session(capsys, sessions_dir: Path, tmp_path: Path, name: str) -> None:
    argv, _ = _case(tmp_path, name)
    assert_one_line_error(*run(capsys, *argv))
    code, out, _ = run(capsys, "sessions", "list")
    assert code == 0
    assert out.strip() == "", "no call was played, so the log has no session"


def test_detect_on_a_file_that_is_not_utf8(capsys, sessions_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes('{"customer": "Où est ma facture?", "reply": "Désolé"}\n'.encode("latin-1"))
    line = assert_one_line_error(*run(capsys, "detect", str(path)))
    assert str(path) in line
    assert "UTF-8" in line


# -- personas --------------------------------------------------------------------------------


def test_personas_check_reports_the_good_and_the_broken(capsys, personas_dir: Path) -> None:
    code, out, err = run(capsys, "personas", "check")
    assert code == 1
    assert "Traceback" not in out + err
    broken = personas_dir / "broken.yaml"
    assert f"ok    {personas_dir / 'escalated.yaml'}: Dana Whitfield (escalated)" in out.splitlines()
    assert "broken.yaml" not in out
    [error] = err.strip().splitlines()
    assert error.startswith(f"error {broken}:{_start_anger_line(broken)}: mood.start_anger: ")
    assert "escalated.yaml" not in err

    code, out, err = run(capsys, "personas", "check", str(personas_dir / "escalated.yaml"))
    assert (code, err) == (0, "")
    assert out.startswith("ok ")


def test_personas_check_says_what_a_misspelt_field_likely_meant(capsys, personas_dir: Path) -> None:
    """The same words as the workshop's panel: the loader itself says "did you mean"."""
    typo = personas_dir / "typo.yaml"
    text = ESCALATED.read_text(encoding="utf-8").replace("id: escalated\n", "id: typo\n")
    typo.write_text(text.replace("pass_mark: 70", "passmark: 70"), encoding="utf-8")
    code, _, err = run(capsys, "personas", "check", str(typo))
    line = next(n for n, row in enumerate(typo.read_text().splitlines(), 1) if row.startswith("passmark"))
    assert code == 1
    assert err.strip() == f"error {typo}:{line}: passmark: unknown field; did you mean 'pass_mark'?"


def test_play_with_a_broken_persona_says_it_is_invalid(capsys, personas_dir: Path, script: Path) -> None:
    code, out, err = run(capsys, "play", "--persona", "broken", "--script", str(script), "--json")
    assert code == 2
    assert "Traceback" not in out + err
    errors = [line for line in err.splitlines() if line.startswith("trainer: error:")]
    assert len(errors) == 1, err
    assert errors[0].startswith("trainer: error: persona 'broken' is invalid: ")
    assert f"broken.yaml:{_start_anger_line(personas_dir / 'broken.yaml')}: mood.start_anger:" in errors[0]
    assert run(capsys, "sessions", "list")[1] == "", "no call started, so no session"

    # One broken persona never stops the others: the valid one still plays, with a warning.
    code, out, err = run(capsys, "play", "--persona", "escalated", "--script", str(script), "--json")
    assert code == 0
    assert json.loads(out)["persona"] == "escalated"
    assert "trainer: warning: skipped" in err and "broken.yaml" in err


# -- detect ----------------------------------------------------------------------------------


def test_detect_replaces_behaviours_and_keeps_extra_keys(capsys, sessions_dir: Path, tmp_path: Path) -> None:
    rows = [
        {
            "customer": "Our pipeline is empty!",
            "reply": "I can hear how frustrating this is.",
            "behaviours": ["sets_boundary", "offers_transfer"],
            "source": "shift-3",
            "meta": {"agent": "ana", "tags": [1, 2]},
        },
        {"customer": "Well?", "reply": "Okay.", "archetype": "escalated", "id": 7},
    ]
    path = tmp_path / "replies.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows[:1]) + "\n\n" + json.dumps(rows[1]) + "\n")

    code, out, err = run(capsys, "detect", str(path))
    assert code == 0, err
    first, second = (json.loads(line) for line in out.strip().splitlines())

    assert first["behaviours"] == ["acknowledges_feelings"]
    assert first["evidence"]["acknowledges_feelings"] in rows[0]["reply"]  # the trainee's own words
    assert first["source"] == "shift-3"
    assert first["meta"] == {"agent": "ana", "tags": [1, 2]}
    assert (first["customer"], first["reply"]) == (rows[0]["customer"], rows[0]["reply"])

    assert second["behaviours"] == []
    assert second["id"] == 7
    assert second["archetype"] == "escalated"
    assert second["reply"] == "Okay."


def test_role_changes_and_exports_show_in_trainer_audit(
    capsys: pytest.CaptureFixture[str], sessions_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import io

    monkeypatch.setenv("CALLCOACH_USERS_FILE", str(tmp_path / "users.json"))
    monkeypatch.setattr("sys.stdin", io.StringIO("ana-password\n"))
    assert run(capsys, "users", "add", "ana", "--role", "trainee")[0] == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("ana-password\n"))
    assert run(capsys, "users", "add", "ana", "--role", "manager", "--replace")[0] == 0
    assert run(capsys, "sessions", "export", "--csv", "-o", str(tmp_path / "s.csv"))[0] == 0
    code, out, _ = run(capsys, "audit")
    lines = out.strip().splitlines()
    assert code == 0 and len(lines) == 3
    assert "export" in lines[0] and "role_change" in lines[1] and "ana: trainee -> manager" in lines[1]
    assert "ana: new trainee" in lines[2]
    code, out, _ = run(capsys, "audit", "--action", "role_change")
    assert len(out.strip().splitlines()) == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["bench", "load", "--trainees", "0"], "--trainees is 1 to 200"),
        (["bench", "load", "--turns", "9"], "--turns is 1 to 5"),
        (["bench", "load", "--kill-one"], "--kill-one needs --processes 2"),
        (["audit", "--limit", "0"], "--limit is 1 to 10000"),
    ],
)
def test_bad_bench_and_audit_options_are_one_clear_line(
    capsys: pytest.CaptureFixture[str], sessions_dir: Path, argv: list[str], message: str
) -> None:
    assert message in assert_one_line_error(*run(capsys, *argv))


# -- help and progress -------------------------------------------------------------------------


def _commands(parser, path: tuple[str, ...] = ()):
    """Every command and subcommand parser, with the words that call it."""
    import argparse

    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _commands(child, (*path, name))


def test_every_command_help_ends_with_an_example_that_calls_it() -> None:
    from trainer.cli import build_parser

    commands = list(_commands(build_parser()))
    assert len(commands) > 20  # play, detect, eval detector, bench load, ...
    for path, parser in commands:
        text = parser.format_help()
        assert "\nexample" in text, f"trainer {' '.join(path)} --help has no example"
        examples = text.split("\nexample", 1)[1].splitlines()[1:]
        calls = [line.strip() for line in examples if line.strip()]
        assert calls and all(c.startswith(("trainer ", "python ")) for c in calls), (path, calls)
        assert any(" ".join(("trainer", *path)) in c for c in calls), (path, calls)


@pytest.fixture
def labelled(tmp_path: Path) -> Path:
    path = tmp_path / "labelled.jsonl"
    rows = [
        {"customer": "Down!", "reply": "I can hear how frustrating this is.", "behaviours": ["acknowledges_feelings"]},
        {"customer": "Well?", "reply": "Calm down, it's not a big deal.", "behaviours": ["dismisses"]},
        {"customer": "And?", "reply": "Okay.", "behaviours": []},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _untimed(report: str) -> str:
    import re

    return re.sub(r"[0-9.]+ s\b", "", report)


def test_a_progress_bar_only_for_a_terminal_or_when_asked(
    capsys, sessions_dir: Path, labelled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CI logs and piped output stay clean; a person at a terminal sees the rows go by."""
    argv = ("eval", "detector", str(labelled), "--engine", "rules", "--mistakes", "0")
    monkeypatch.delenv("CALLCOACH_PROGRESS", raising=False)
    code, plain, err = run(capsys, *argv)
    assert (code, err) == (0, "")  # stderr is not a terminal here
    assert "macro-F1" in plain

    monkeypatch.setenv("CALLCOACH_PROGRESS", "1")
    code, out, err = run(capsys, *argv)
    assert code == 0 and "grading (rules)" in err and "/3" in err
    assert _untimed(out) == _untimed(plain)  # the report itself is the same, bar or not

    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    monkeypatch.delenv("CALLCOACH_PROGRESS")
    assert "grading (rules)" in run(capsys, *argv)[2]  # a terminal: shown
    monkeypatch.setenv("CALLCOACH_PROGRESS", "0")
    assert run(capsys, *argv)[2] == ""  # told not to


def test_the_long_jobs_report_their_progress_to_the_caller(labelled: Path) -> None:
    """The library says how far it is (`progress(done, total)`); the command line draws the bar."""
    from trainer.bench import bench_detector
    from trainer.detector import offline_detector
    from trainer.detector.learned import train
    from trainer.evaluation import evaluate
    from trainer.formats.corpus import LabelledRow, read_jsonl

    rows = list(read_jsonl(labelled, LabelledRow))
    seen: list[tuple[int, int]] = []
    evaluate(offline_detector("rules"), rows, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]
    seen.clear()
    bench_detector(offline_detector("rules"), rows * 40, rounds=1, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(100, 120), (120, 120)]  # every 100 replies and the last, outside the timed calls
    seen.clear()
    corpus = list(read_jsonl(PROJECT_ROOT / "corpus" / "behaviours" / "train_a.jsonl", LabelledRow))[:80]
    model = train(corpus, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(n, len(model.behaviours)) for n in range(len(model.behaviours) + 1)]


def test_eval_stt_counts_the_recordings_it_transcribed(
    capsys, sessions_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder without recordings is refused before the speech model loads (no bar for nothing)."""
    monkeypatch.setenv("CALLCOACH_PROGRESS", "1")
    line = assert_one_line_error(*run(capsys, "eval", "stt", str(tmp_path)))
    assert "no recordings with a reference transcript" in line
