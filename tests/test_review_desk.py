"""The review desk a manager uses daily, without a browser: what counts, the team view, the
charts, test calls from the workshop, local-mode calls, a player per turn, and replies
numbered as the pages show them (reply 1 is the trainee's first answer)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import URGENT, play

from trainer.app import practice, review
from trainer.app.access import Forbidden, Viewer
from trainer.app.practice import PracticeRoom
from trainer.formats.errors import TrainerError
from trainer.sessionlog import SessionLog, SessionSummary
from trainer.settings import PROJECT_ROOT, Settings
from trainer.users import Role

ALICE = Viewer("alice", Role.trainee)
BOB = Viewer("bob", Role.trainee)
MEG = Viewer("meg", Role.manager)
TESS = Viewer("tess", Role.trainer)
LOCAL = Viewer("me", None)
DISMISSIVE = "Calm down, it's not a big deal."


def _settings(folder: Path, **extra) -> Settings:
    return Settings(
        warm_voices=False,
        personas_dir=PROJECT_ROOT / "personas",
        rubrics_dir=PROJECT_ROOT / "rubrics",
        sessions_dir=folder / "sessions",
        database_url=None,
        **extra,
    )


@pytest.fixture
def room(tmp_path: Path, request: pytest.FixtureRequest) -> PracticeRoom:
    settings = _settings(tmp_path)
    room = PracticeRoom(settings, SessionLog(settings.resolved_database_url()), voice=False)
    request.addfinalizer(room.close)
    return room


def summary(trainee: str, score: int | None, days_ago: float, **extra) -> SessionSummary:
    """A call as the log lists it, at a chosen time: for the team view's arithmetic."""
    started = datetime(2024, 5, 16, 12, 0, tzinfo=UTC) - timedelta(days=days_ago)  # a Thursday
    fields = {
        "id": f"{trainee}-{days_ago:06.2f}-0000-0000",
        "trainee": trainee,
        "persona_id": "escalated",
        "persona_name": "Dana Whitfield",
        "archetype": "escalated",
        "mode": "coach",
        "engine": "scripted",
        "started_at": started,
        "ended_at": started + timedelta(minutes=5),
        "outcome": "script_ended" if score is not None else "abandoned",
        "overall": score,
        "hard_call": False,
        "turns": 3,
    }
    return SessionSummary(**{**fields, **extra})


NOW = datetime(2024, 5, 16, 15, 0, tzinfo=UTC)  # Thursday afternoon: the week began on Monday the 13th


# -- test calls from the workshop ---------------------------------------------------------------
def test_a_test_call_from_the_workshop_is_marked_and_left_out_unless_asked_for(room: PracticeRoom) -> None:
    play(room, ALICE)
    room.mark_test_call(TESS, "cursing")
    test_id = play(room, TESS, "cursing", (DISMISSIVE,))
    again = play(room, TESS, "cursing", (DISMISSIVE,))  # the mark is used up by the first call
    log = room.log
    assert [s.test_call for s in log.list(trainee="tess")] == [False, True]  # newest first
    shown = review.select_sessions(log, MEG, review.SessionFilter())
    assert {s.trainee for s in shown.rows} == {"alice", "tess"} and again in {s.id for s in shown.rows}
    assert test_id not in {s.id for s in shown.rows} and shown.hidden_tests == 1
    note = review.selection_note(log, shown, review.SessionFilter())
    assert "1 test call left out" in note
    with_tests = review.filter_sessions(log, MEG, review.SessionFilter(include_tests=True))
    row = next(r for r in review.table_rows(with_tests) if r[0] == test_id[:8])
    assert "test call" in row[9]
    assert "test call" in review.session_html(review.open_session(log, MEG, test_id))
    assert [p["call"] for p in review.trend_rows(shown.rows)].count(test_id[:8]) == 0
    assert "tess" in {t.trainee for t in review.team_view(with_tests)}
    assert "tess" in {t.trainee for t in review.team_view(shown.rows)}  # her real call still counts
    csv_rows = review.export_csv(log, MEG, review.SessionFilter()).splitlines()
    assert not any(test_id in line for line in csv_rows)  # the export is what the desk shows


def test_the_test_mark_is_for_that_viewer_that_persona_and_fifteen_minutes(
    room: PracticeRoom, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(Forbidden):
        room.mark_test_call(ALICE, "escalated")  # a trainee has no workshop
    room.mark_test_call(TESS, "escalated")
    play(room, MEG, "escalated")  # someone else's call with that persona: not a test
    play(room, TESS, "cursing", (DISMISSIVE,))  # her own call with another persona: not a test
    assert not any(s.test_call for s in room.log.list())
    clock = practice.time.monotonic
    monkeypatch.setattr(practice.time, "monotonic", lambda: clock() + practice.TEST_CALL_MARK_SECONDS + 1)
    play(room, TESS, "escalated")  # sixteen minutes later: a practice call after all
    assert not any(s.test_call for s in room.log.list())
    monkeypatch.undo()
    room.mark_test_call(TESS, "escalated")
    play(room, TESS, "escalated")
    assert room.log.list(trainee="tess")[0].test_call


def test_only_test_calls_so_far_says_so(room: PracticeRoom) -> None:
    assert review.selection_note(room.log, review.Selection(rows=[]), review.SessionFilter()) == review.NO_CALLS_YET
    room.mark_test_call(TESS, "cursing")
    play(room, TESS, "cursing", (DISMISSIVE,))
    wanted = review.SessionFilter()
    assert review.selection_note(room.log, review.select_sessions(room.log, MEG, wanted), wanted) == review.ONLY_TESTS
    play(room, ALICE)
    nobody = review.SessionFilter(trainee="nobody")
    assert review.selection_note(room.log, review.select_sessions(room.log, MEG, nobody), nobody) == review.NO_MATCH


# -- abandoned and unfinished calls, local mode ------------------------------------------------
def test_abandoned_and_unfinished_calls_are_listed_as_such_and_counted_nowhere(room: PracticeRoom) -> None:
    finished = play(room, ALICE)
    left = room.start(ALICE, "cursing", "coach", seed=0)
    room.reply_text(ALICE, left.token, "I'm sorry, Marcus. What do you see on the screen right now?")
    room.start(ALICE, "passive_angry", "coach", seed=0)  # closes the cursing call as abandoned; this one goes on
    log = room.log
    rows = review.filter_sessions(log, MEG, review.SessionFilter())
    by_outcome = {r[6]: r for r in review.table_rows(rows)}
    assert set(by_outcome) == {"abandoned", "in progress", review.outcome_label(log.get(finished)["outcome"])}
    assert by_outcome["abandoned"][9] == by_outcome["in progress"][9] == "not counted"
    assert by_outcome["abandoned"][7] is None
    assert [p["call"] for p in review.trend_rows(rows)] == [finished[:8]]
    (alice,) = review.team_view(rows)
    assert alice.calls == 1 and alice.average == log.list()[-1].score
    assert {p["call"] for p in review.rubric_points(log, rows)} == {finished[:8]}
    note = review.selection_note(log, review.select_sessions(log, MEG, review.SessionFilter()), review.SessionFilter())
    assert note.startswith("3 calls shown · 2 abandoned or still going, counted in no average")


def test_local_mode_calls_are_that_users_own_and_labelled_once_accounts_exist(room: PracticeRoom) -> None:
    sid = play(room, LOCAL)
    theirs = play(room, ALICE)
    (mine,) = room.log.list(trainee="me")
    assert mine.local_mode and not mine.test_call
    rows = review.filter_sessions(room.log, MEG, review.SessionFilter())
    labelled = {r[0]: r[9] for r in review.table_rows(rows, label_local=True)}
    assert labelled[sid[:8]] == "local mode" and labelled[theirs[:8]] == ""
    # On the local desk itself every call is a local one: no label on each row.
    on_the_local_desk = review.filter_sessions(room.log, LOCAL, review.SessionFilter())
    assert {r[9] for r in review.table_rows(on_the_local_desk, label_local=False)} == {""}
    team = {r[0]: r for r in review.team_table(review.team_view(rows))}
    assert set(team) == {"me (local mode)", "alice"}  # counted as the local user's own calls, labelled
    assert team["me (local mode)"][2] == 1


# -- the team view -------------------------------------------------------------------------------
def test_the_team_view_sums_up_each_trainee() -> None:
    rough = {"hard_call": True}
    rows = [
        summary("ana", 40, 20),
        summary("ana", 50, 10),
        summary("ana", 60, 2),  # Tuesday: this week
        summary("ana", 80, 1, **rough),  # Wednesday: this week, and rough
        summary("ana", None, 0.5),  # abandoned this morning: not counted anywhere
        summary("ben", 70, 3, reviewed_overall=90),  # Monday; a manager's override counts
        summary("cy", 65, 30),
        summary("cy", 64, 8, **rough),
    ]
    team = {t.trainee: t for t in review.team_view(rows, now=NOW)}
    assert list(team) == ["ana", "ben", "cy"]
    ana, ben, cy = team["ana"], team["ben"], team["cy"]
    assert (ana.calls_this_week, ana.calls, ana.average) == (2, 4, 58)
    assert ana.trend == "▲ up 25"  # (60 + 80) / 2 against (40 + 50) / 2
    assert ana.rough == [rows[3].id]
    assert (ben.calls_this_week, ben.average, ben.trend, ben.rough) == (1, 90, "one call so far", [])
    assert (cy.calls_this_week, cy.trend, cy.rough) == (0, "→ steady", [rows[7].id])
    assert review.trend_words([90, 80, 70, 60]) == "▼ down 20"
    table = review.team_table(list(team.values()))
    assert table[0] == ["ana", 2, 4, 58, "▲ up 25", 1, rows[3].id[:8]]
    assert review.week_start(NOW) == datetime(2024, 5, 13, tzinfo=UTC)
    assert review.team_view([summary("ana", None, 1)], now=NOW) == []  # nothing finished: nobody listed


def test_the_team_table_lists_at_most_four_rough_ids_and_says_how_many_more() -> None:
    rows = [summary("ana", 20 + i, i, hard_call=True) for i in range(6)]
    (row,) = review.team_table(review.team_view(rows, now=NOW))
    assert row[5] == 6 and row[6].endswith("+2 more") and len(row[6].split()) == 6
    assert row[6].startswith(rows[0].id[:8])  # newest first


# -- the grader's score beside a manager's --------------------------------------------------------
def test_the_table_shows_the_graders_score_beside_an_override(room: PracticeRoom) -> None:
    sid = play(room, ALICE)
    session = review.open_session(room.log, MEG, sid)
    scores = {r: session["scorecard"]["rubrics"][r]["score"] for _, r in review.scored_rubrics(session)}
    rubric = max(scores, key=scores.get)  # its best rubric to 0: the overall must move
    before = review.table_rows(review.filter_sessions(room.log, MEG, review.SessionFilter()))[0]
    assert before[8] is None  # nothing to put beside it yet
    review.override_score(room.log, MEG, sid, rubric, 0, "She talked over the customer.")
    (row,) = review.table_rows(review.filter_sessions(room.log, MEG, review.SessionFilter()))
    assert row[8] == session["overall"] and row[7] != row[8]
    points = review.rubric_points(room.log, review.filter_sessions(room.log, MEG, review.SessionFilter()))
    name = dict((r, n) for n, r in review.scored_rubrics(session))[rubric]
    assert {p["score"] for p in points if p["rubric"] == name} == {0}


# -- replies numbered as the page shows them --------------------------------------------------------
def test_comments_and_corrections_take_the_reply_number_the_page_shows(room: PracticeRoom) -> None:
    sid = play(room, ALICE, "escalated", (DISMISSIVE, URGENT))
    log = room.log
    review.comment_turn(log, MEG, sid, 1, "Never tell Dana to calm down.")
    review.comment_turn(log, MEG, sid, 2, "Much better.")
    assert [(r["turn"], r["text"]) for r in log.reviews(sid)] == [
        (0, "Never tell Dana to calm down."),
        (1, "Much better."),
    ]  # the log's turns: reply 1 is turn 0
    html = review.session_html(review.open_session(log, MEG, sid))
    first, second = html.index("Reply 1"), html.index("Reply 2")
    assert first < html.index("Never tell Dana to calm down.") < second < html.index("Much better.")
    assert "[0]" not in html and "Customer (opening)" in html
    for bad, words in [
        (0, "this call has replies 1 to 2: reply 1 is the trainee's first answer, not 0"),
        (3, "not 3"),
        (1.5, "not 1.5"),
        (None, "say which reply"),
    ]:
        with pytest.raises(TrainerError, match=words):
            review.comment_turn(log, MEG, sid, bad, "where?")
    review.correct_behaviour(log, room.catalog(), MEG, sid, 2, "follows_up_async", "missed", "a promise")
    assert [(c["turn"], c["behaviour"]) for c in log.corrections(sid)] == [(1, "follows_up_async")]
    with pytest.raises(TrainerError, match="dismisses was already found in reply 1; mark it as wrong instead"):
        review.correct_behaviour(log, room.catalog(), MEG, sid, 1, "dismisses", "missed", "again")
    with pytest.raises(Forbidden):
        review.comment_turn(log, ALICE, sid, 1, "me too")


def test_a_call_without_replies_says_there_is_none_to_pick(room: PracticeRoom) -> None:
    view = room.start(ALICE, "escalated", "coach", seed=0)
    room.end(ALICE, view.token)
    sid = room.log.list()[0].id
    with pytest.raises(TrainerError, match="the trainee never replied on this call"):
        review.comment_turn(room.log, MEG, sid, 1, "hello?")


# -- a player per turn --------------------------------------------------------------------------------
def test_each_turn_has_its_own_player_beside_its_words(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    settings = _settings(tmp_path, tts_engine="espeak")
    room = PracticeRoom(settings, SessionLog(settings.resolved_database_url()), voice=True)
    request.addfinalizer(room.close)
    sid = play(room, ALICE, "escalated", (DISMISSIVE, URGENT))
    session = review.open_session(room.log, MEG, sid)
    served: list[Path] = []

    def serve(path: Path) -> str:
        served.append(path)
        return f"files/{path.name}"

    audio = review.turn_audio(session, settings.sessions_dir, serve)
    customer_lines = [t["customer_audio"] for t in session["turns"]]
    assert len(customer_lines) == 3 and all(customer_lines) and set(audio) == set(customer_lines)
    assert all(p.is_file() and p.is_relative_to(settings.sessions_dir.resolve()) for p in served)
    html = review.session_html(session, audio)
    assert html.count("<audio") == 3
    turns = html.split("class='cc-turn'")[1:]
    for turn, relative in zip(turns, customer_lines, strict=True):  # each player in its own turn
        assert turn.count("<audio") == 1 and f'src="files/{Path(audio[relative]).name}"' in turn
    # A recording deleted after the retention period: the turn says so, the rest still play.
    (settings.sessions_dir / customer_lines[1]).unlink()
    audio = review.turn_audio(session, settings.sessions_dir, serve)
    html = review.session_html(session, audio)
    assert html.count("<audio") == 2 and "recording deleted after the retention period" in html
    assert "<audio" not in review.session_html(session)  # without players (the trainee's own view)


# -- charts --------------------------------------------------------------------------------------------
def test_the_trend_has_a_marker_per_call_so_one_call_shows(room: PracticeRoom) -> None:
    sid = play(room, BOB, "cursing", (DISMISSIVE,))
    rows = review.filter_sessions(room.log, MEG, review.SessionFilter())
    spec = review.trend_chart(review.trend_rows(rows))
    assert spec is not None and [p["call"] for p in spec["data"]["values"]] == [sid[:8]]
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["line", "point"]
    assert spec["encoding"]["color"]["field"] == "trainee"
    assert spec["encoding"]["x"]["axis"]["format"] == "%H:%M"  # all on one day: the time, 24 h
    days = [{**p, "when": f"2024-05-{d:02d}T10:00"} for d, p in zip((13, 15), spec["data"]["values"] * 2, strict=True)]
    assert review.trend_chart(days)["encoding"]["x"]["axis"]["tickCount"] == {"interval": "day"}  # one label a day
    own = review.trend_chart(review.trend_rows(rows), "My scores over time", series=None)
    assert "color" not in own["encoding"] and own["title"] == "My scores over time"
    assert review.trend_chart([]) is None


def test_the_rubric_charts_are_horizontal_bars_and_a_line_per_rubric(room: PracticeRoom) -> None:
    play(room, ALICE)
    play(room, BOB, "cursing", (DISMISSIVE,))
    rows = review.filter_sessions(room.log, MEG, review.SessionFilter())
    averages = review.rubric_averages(room.log, rows)
    bars = review.rubric_chart(averages)
    assert bars["encoding"]["y"]["field"] == "rubric" and bars["encoding"]["y"]["type"] == "nominal"
    assert bars["encoding"]["x"]["field"] == "average" and bars["encoding"]["y"]["axis"]["labelLimit"] >= 250
    assert [layer["mark"]["type"] for layer in bars["layer"]] == ["bar", "text"]  # the value at the bar's end
    assert all(a["calls"] >= 1 for a in averages)
    over_time = review.rubric_trend_chart(review.rubric_points(room.log, rows))
    assert over_time["encoding"]["color"]["field"] == "rubric"
    assert over_time["encoding"]["x"]["timeUnit"] == "yearmonthdate"
    assert {p["rubric"] for p in over_time["data"]["values"]} == {a["rubric"] for a in averages}
    assert review.rubric_chart([]) is None and review.rubric_trend_chart([]) is None


def test_a_filter_pydantic_refuses_is_said_in_plain_words() -> None:
    for field, value, words in [
        ("date_from", "yesterday", "type the dates as YYYY-MM-DD"),
        ("score_min", 140, "the scores go from 0 to 100"),
    ]:
        with pytest.raises(ValueError) as refused:
            review.SessionFilter(**{field: value})
        said = review.filter_problem(refused.value)
        assert said.startswith(words) and "pydantic" not in said and "validation" not in said


def test_a_typed_score_is_a_whole_number_from_0_to_100() -> None:
    assert [review.parse_score(v) for v in ("0", " 85 ", 100, "70.0")] == [0, 85, 100, 70]
    for bad, words in [
        (None, "give the new score"),
        ("  ", "give the new score"),
        ("abc", "not 'abc'"),
        ("101", "not '101'"),
        ("7.5", r"not '7\.5'"),
    ]:
        with pytest.raises(TrainerError, match=words):
            review.parse_score(bad)
