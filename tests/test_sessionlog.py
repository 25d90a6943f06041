"""The session log: every turn is committed as it happens, a killed call keeps what was said."""

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from trainer.call import Call, CallOptions
from trainer.catalog import Catalog
from trainer.formats.errors import TrainerError
from trainer.playbook import Behaviour
from trainer.sessionlog import SessionLog, SessionNotFound
from trainer.sessionlog.tables import ScoreRow
from trainer.settings import PROJECT_ROOT

TRAINER = PROJECT_ROOT / ".venv" / "bin" / "trainer"

# Two replies that calm Dana a little but never meet her needs: the call stays open.
OPEN_REPLIES = [
    ("I can hear how frustrating this is.", ["acknowledges_feelings"]),
    ("What do you see on the screen right now?", ["asks_what_they_see"]),
]
# Three replies that meet her needs (urgency, ownership) and solve the problem.
GOOD_REPLIES = [
    "I can hear how frustrating this is.",
    "I know every minute costs you money, so I will personally stay on this until it is fixed.",
    "Open the pipeline board, then click the filter icon next to the search box.",
    "Clear the saved filter Closed archived that the sync put on.",
    "Now reload the board.",
]


def _url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'log.db'}"


def _read(url: str, session_id: str) -> dict:
    """The session as a brand-new reader sees it: nothing shared with the writer."""
    log = SessionLog(url)
    try:
        return log.get(session_id)
    finally:
        log.engine.dispose()


def _call(catalog: Catalog, url: str, trainee: str = "ana") -> Call:
    return Call(
        catalog.persona("escalated"),
        list(catalog.rubrics.values()),
        log=SessionLog(url),
        options=CallOptions(trainee=trainee, seed=0),
    )


def _play(call: Call, replies: list[str]) -> None:
    call.open()
    for reply in replies:
        if call.reply(reply).ended:
            break


def test_each_turn_is_committed_the_moment_it_happens(catalog: Catalog, tmp_path: Path) -> None:
    url = _url(tmp_path)
    call = _call(catalog, url)
    opening = call.open()

    seen = _read(url, call.session_id)
    assert seen["outcome"] == "in_progress"
    assert seen["ended_at"] is None
    assert [t["customer"] for t in seen["turns"]] == [opening.text]
    assert seen["turns"][0]["reply"] is None
    assert seen["turns"][0]["anger"] == opening.anger

    feedback_seen = 0
    for index, (reply, behaviours) in enumerate(OPEN_REPLIES):
        result = call.reply(reply)
        assert not result.ended

        seen = _read(url, call.session_id)
        assert len(seen["turns"]) == index + 2  # this turn and the customer's next line
        turn = seen["turns"][index]
        assert turn["index"] == index
        assert turn["reply"] == reply
        assert turn["behaviours"] == behaviours
        assert turn["anger"] == result.turn.customer.anger
        assert turn["feedback"] == [f.model_dump(mode="json") for f in result.turn.feedback]
        feedback_seen += len(turn["feedback"])
        assert [d["behaviour"] for d in turn["detections"]] == behaviours

        following = seen["turns"][index + 1]
        assert following["customer"] == result.customer.text
        assert following["anger"] == result.customer.anger
        assert following["reply"] is None
        assert seen["ended_at"] is None
        assert seen["outcome"] == "in_progress"
    assert feedback_seen, "acknowledging feelings earns feedback from the calm rubric"


def _replied_turns(url: str, trainee: str) -> list[dict]:
    log = SessionLog(url)
    try:
        sessions = log.list(trainee=trainee)
        if not sessions:
            return []
        return [t for t in log.get(sessions[0].id)["turns"] if t["reply"] is not None]
    finally:
        log.engine.dispose()


def _wait_for_replies(url: str, trainee: str, count: int, proc: subprocess.Popen, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(_replied_turns(url, trainee)) >= count:
            return
        if proc.poll() is not None:
            pytest.fail(f"trainer exited early with {proc.returncode}: {proc.stderr.read()}")
        time.sleep(0.05)
    pytest.fail(f"the session log never showed {count} replied turns within {timeout} s")


def test_a_killed_call_keeps_every_reply_already_given(sessions_dir: Path) -> None:
    url = f"sqlite:///{(sessions_dir / 'callcoach.db').resolve()}"
    SessionLog(url).engine.dispose()  # create the tables first, so the poller never races the writer
    proc = subprocess.Popen(
        [str(TRAINER), "play", "--persona", "escalated", "--trainee", "crash_test"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
        cwd=PROJECT_ROOT,
    )
    try:
        for count, (reply, _) in enumerate(OPEN_REPLIES, start=1):
            proc.stdin.write(reply + "\n")
            proc.stdin.flush()
            _wait_for_replies(url, "crash_test", count, proc)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL  # it died mid-call, it did not finish

    log = SessionLog(url)
    [summary] = log.list(trainee="crash_test")
    session = log.get(summary.id)
    log.engine.dispose()
    assert session["ended_at"] is None
    assert session["outcome"] == "in_progress"
    assert session["overall"] is None
    assert session["scorecard"] is None
    replied = [t for t in session["turns"] if t["reply"] is not None]
    assert [(t["reply"], t["behaviours"]) for t in replied] == OPEN_REPLIES
    assert session["turns"][-1]["reply"] is None  # the line the customer said before the kill


def test_finish_stores_the_scorecard_and_a_score_row_per_rubric(catalog: Catalog, tmp_path: Path) -> None:
    url = _url(tmp_path)
    call = _call(catalog, url)
    _play(call, GOOD_REPLIES)
    card = call.finish()
    assert card.outcome.value == "satisfied"
    assert card.overall is not None

    seen = _read(url, call.session_id)
    assert seen["ended_at"] is not None
    assert seen["outcome"] == "satisfied"
    assert seen["overall"] == card.overall
    assert seen["hard_call"] == card.hard_call
    assert seen["scorecard"] == card.model_dump(mode="json")
    assert seen["turns"][-1]["reply"] is None and len(seen["turns"]) == len(GOOD_REPLIES) + 1

    log = SessionLog(url)
    with Session(log.engine) as db:
        rows = db.scalars(select(ScoreRow).where(ScoreRow.session_id == call.session_id)).all()
        stored = {r.rubric: (r.applicable, r.score, r.weight) for r in rows}
    log.engine.dispose()
    assert stored == {s.rubric: (s.applicable, s.score, s.weight) for s in card.rubrics.values()}
    assert set(stored) == set(catalog.rubrics)
    assert any(applicable and score is not None for applicable, score, _ in stored.values())


def test_list_filters_by_trainee(catalog: Catalog, tmp_path: Path) -> None:
    url = _url(tmp_path)
    ana, ben = _call(catalog, url, "ana"), _call(catalog, url, "ben")
    _play(ana, GOOD_REPLIES[:1])
    ana.finish()
    _play(ben, GOOD_REPLIES)
    ben.finish()

    log = SessionLog(url)
    assert {s.id for s in log.list()} == {ana.session_id, ben.session_id}
    [only_ana] = log.list(trainee="ana")
    assert only_ana.id == ana.session_id
    assert only_ana.trainee == "ana"
    assert only_ana.persona_id == "escalated"
    assert only_ana.turns == 2
    assert only_ana.outcome == "script_ended"
    assert [s.id for s in log.list(trainee="ben")] == [ben.session_id]
    assert log.list(trainee="nobody") == []


def test_get_accepts_a_unique_prefix_and_rejects_an_unknown_id(catalog: Catalog, tmp_path: Path) -> None:
    url = _url(tmp_path)
    call = _call(catalog, url)
    _play(call, GOOD_REPLIES[:1])
    log = SessionLog(url)

    assert log.get(call.session_id[:8])["id"] == call.session_id
    assert log.get(call.session_id)["id"] == call.session_id
    with pytest.raises(SessionNotFound, match="no session with id 'feedface'") as err:
        log.get("feedface")
    assert isinstance(err.value, TrainerError)


def test_get_treats_the_prefix_literally(catalog: Catalog, tmp_path: Path) -> None:
    url = _url(tmp_path)
    _play(_call(catalog, url), GOOD_REPLIES[:1])
    log = SessionLog(url)
    with pytest.raises(SessionNotFound):
        log.get("______")  # six wildcards: "any id", yet no id starts with underscores


@pytest.mark.parametrize("url", ["sqlite:////proc/x.db", "nosuchdialect://host/db"])
def test_a_database_that_cannot_be_opened_is_a_readable_error(url: str) -> None:
    with pytest.raises(TrainerError) as err:
        SessionLog(url)
    message = str(err.value)
    assert message.startswith(f"cannot open the session database {url!r}: ")
    assert "\n" not in message


def test_a_database_folder_that_cannot_be_created_is_a_readable_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    url = f"sqlite:///{blocker / 'sub' / 'b.db'}"
    with pytest.raises(TrainerError, match="cannot open the session database"):
        SessionLog(url)


def test_an_older_log_gains_the_test_call_and_local_mode_columns_and_keeps_its_calls(
    catalog: Catalog, tmp_path: Path
) -> None:
    """A log written before calls were marked: opening it adds the columns; its calls read as
    ordinary practice (neither a test call nor local mode), and new marks are kept."""
    url = _url(tmp_path)
    call = _call(catalog, url)
    _play(call, GOOD_REPLIES[:1])
    call.finish()
    old = SessionLog(url)
    with old.engine.begin() as db:  # as an older version left it: no such columns
        db.execute(text('ALTER TABLE sessions DROP COLUMN "test_call"'))
        db.execute(text('ALTER TABLE sessions DROP COLUMN "local_mode"'))
    old.engine.dispose()

    log = SessionLog(url)
    columns = {c["name"] for c in inspect(log.engine).get_columns("sessions")}
    assert {"test_call", "local_mode"} <= columns
    [before] = log.list()
    assert (before.id, before.test_call, before.local_mode, before.turns) == (call.session_id, False, False, 2)
    log.mark_origin(call.session_id, test_call=True)
    [marked] = SessionLog(url).list()
    assert marked.test_call and not marked.local_mode
    assert _read(url, call.session_id)["test_call"] is True


def test_rubric_scores_put_the_latest_override_in_place_and_keep_the_graders(catalog: Catalog, tmp_path: Path) -> None:
    url = _url(tmp_path)
    one, two = _call(catalog, url, "ana"), _call(catalog, url, "ben")
    _play(one, GOOD_REPLIES)
    one.finish()
    _play(two, GOOD_REPLIES[:1])
    two.finish()
    log = SessionLog(url)
    card = log.get(one.session_id)["scorecard"]["rubrics"]
    rubric = next(k for k, v in card.items() if v["applicable"])
    log.override_score(one.session_id, rubric, 3, "first thought", "mia")
    log.override_score(one.session_id, rubric, 7, "second thought", "mia")  # the latest counts
    scores = log.rubric_scores([one.session_id, two.session_id, "no-such-call"])
    assert set(scores) == {one.session_id, two.session_id}
    points = {p.rubric: p for p in scores[one.session_id]}
    assert set(points) == {k for k, v in card.items() if v["applicable"] and v["score"] is not None}
    assert (points[rubric].score, points[rubric].graded, points[rubric].overridden) == (7, card[rubric]["score"], True)
    assert points[rubric].name == card[rubric]["name"]
    assert all(not p.overridden for p in scores[two.session_id])
    assert log.count() == 2


def test_messages_about_a_reply_number_it_as_the_pages_do(catalog: Catalog, tmp_path: Path) -> None:
    url = _url(tmp_path)
    call = _call(catalog, url)
    _play(call, GOOD_REPLIES[:1])
    call.finish()
    log = SessionLog(url)
    with pytest.raises(TrainerError, match="this call has no reply 5"):
        log.correct_behaviour(call.session_id, 4, Behaviour.dismisses, "missed", "why", "mia")
    with pytest.raises(TrainerError, match="acknowledges_feelings was already found in reply 1"):
        log.correct_behaviour(call.session_id, 0, Behaviour.acknowledges_feelings, "missed", "why", "mia")
