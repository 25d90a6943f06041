"""A call survives the page and the process: reload, another tab or a restarted server offers
"resume your call", and the customer goes on exactly as if nothing had happened (the state is
replayed from the log); a call left idle is closed as abandoned and counts in no average."""

import time
from pathlib import Path

import pytest

from trainer.app import review
from trainer.app.access import Viewer
from trainer.app.practice import PracticeRoom, progress_rows
from trainer.formats.call import Outcome
from trainer.sessionlog import SessionLog
from trainer.settings import PROJECT_ROOT, Settings
from trainer.users import Role

ALICE = Viewer("alice", Role.trainee)
MEG = Viewer("meg", Role.manager)
REPLIES = [
    "I'm so sorry, Marcus. When did the appointments stop showing up in Outlook?",
    "Okay, open Settings, then Integrations, then Calendar, and tell me what you see.",
    "Click Reconnect and sign in with your new Microsoft password.",
]


def _settings(folder: Path, **extra) -> Settings:
    return Settings(
        personas_dir=PROJECT_ROOT / "personas",
        rubrics_dir=PROJECT_ROOT / "rubrics",
        sessions_dir=folder / "sessions",
        database_url=None,
        **extra,
    )


def _room(settings: Settings, request: pytest.FixtureRequest) -> PracticeRoom:
    room = PracticeRoom(settings, SessionLog(settings.resolved_database_url()), voice=False)
    request.addfinalizer(room.close)
    return room


def test_after_a_restart_the_call_resumes_and_goes_on_exactly_as_it_would_have(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    reference = _room(_settings(tmp_path / "a"), request)
    view = reference.start(ALICE, "cursing", "coach", seed=7)
    for reply in REPLIES:
        view = reference.reply_text(ALICE, view.token, reply)
    expected = view.messages

    settings = _settings(tmp_path / "b")
    before = _room(settings, request)
    view = before.start(ALICE, "cursing", "coach", seed=7)
    for reply in REPLIES[:2]:
        view = before.reply_text(ALICE, view.token, reply)
    shown = view.messages
    after = _room(settings, request)  # a new process on the same database: nothing in memory
    assert after.pending(ALICE) == "Marcus Doyle"
    resumed = after.resume(ALICE)
    assert resumed.messages == shown and "back in your call with Marcus Doyle" in resumed.status
    with pytest.raises(Exception, match="no call in progress"):
        after.reply_text(ALICE, view.token, REPLIES[2])  # the old page's token died with the process
    resumed = after.resume(ALICE)
    final = after.reply_text(ALICE, resumed.token, REPLIES[2])
    assert final.messages == expected  # the same customer lines, step lines and facts
    sessions = SessionLog(settings.resolved_database_url()).list()
    assert len(sessions) == 1 and sessions[0].turns == 4  # one call, every turn in it


def test_a_reload_gets_the_same_call_back_and_a_second_start_closes_the_first_openly(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    settings = _settings(tmp_path)
    room = _room(settings, request)
    assert room.pending(ALICE) is None
    view = room.start(ALICE, "cursing", "coach", seed=1)
    room.reply_text(ALICE, view.token, REPLIES[0])
    again = room.resume(ALICE)  # the page reloaded: its token is gone from the page, not the server
    assert again.token == view.token and len(again.messages) == 3
    other = room.start(ALICE, "escalated", "coach", seed=1)
    assert "Your unfinished call with Marcus Doyle was closed" in other.status
    log = SessionLog(settings.resolved_database_url())
    outcomes = {s.persona_id: s.outcome for s in log.list()}
    assert outcomes == {"cursing": Outcome.abandoned.value, "escalated": Outcome.in_progress.value}
    assert room.pending(ALICE) == "Dana Whitfield"


def test_a_call_left_idle_is_abandoned_and_kept_out_of_the_averages(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    settings = _settings(tmp_path, abandon_after_minutes=0.005)  # 0.3 s
    room = _room(settings, request)
    finished = room.start(ALICE, "escalated", "coach", seed=0)
    room.reply_text(ALICE, finished.token, "I know every minute costs you money; I'm on it.")
    room.end(ALICE, finished.token)
    idle = room.start(ALICE, "cursing", "coach", seed=0)
    room.reply_text(ALICE, idle.token, REPLIES[0])
    time.sleep(0.5)
    assert len(room.close_idle()) == 1
    assert room.pending(ALICE) is None
    log = SessionLog(settings.resolved_database_url())
    rows = review.filter_sessions(log, MEG, review.SessionFilter())
    abandoned = [s for s in rows if s.outcome == Outcome.abandoned.value]
    assert len(abandoned) == 1 and abandoned[0].overall is None and abandoned[0].turns == 2
    labels = {row[6] for row in review.table_rows(rows)}  # shown as such, in words
    assert "abandoned" in labels and "abandoned" in {r["outcome"] for r in progress_rows(log, ALICE)}
    assert [p["score"] for p in review.trend_rows(rows)] == [s.overall for s in rows if s.persona_id == "escalated"]
    averages = review.rubric_averages(log, rows)
    graded = log.get(next(s.id for s in rows if s.persona_id == "escalated"))["scorecard"]["rubrics"]
    assert {a["rubric"]: a["average"] for a in averages} == {
        r["name"]: float(r["score"]) for r in graded.values() if r["applicable"]
    }


def test_calls_left_in_progress_by_a_killed_process_are_closed_once_idle(tmp_path: Path) -> None:
    log = SessionLog(f"sqlite:///{tmp_path / 'log.db'}")
    from trainer.call import Call, CallOptions
    from trainer.catalog import load_catalog

    catalog = load_catalog(_settings(tmp_path))
    call = Call(catalog.persona("cursing"), list(catalog.rubrics.values()), log=log, options=CallOptions("bo"))
    call.open()
    call.reply(REPLIES[0])  # ... and the process dies here
    from datetime import UTC, datetime, timedelta

    assert log.abandon_idle(datetime.now(UTC) - timedelta(minutes=30)) == []  # still recent
    assert log.abandon_idle(datetime.now(UTC) + timedelta(seconds=1)) == [call.session_id]
    assert log.list()[0].outcome == Outcome.abandoned.value
