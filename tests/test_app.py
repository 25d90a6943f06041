"""The web app's logic without a browser: accounts, roles, the three rooms' plain functions.

Role enforcement is tested on the plain functions every handler calls, so a hidden tab is
never the only thing between a trainee and a colleague's calls.
"""

import io
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile
from conftest import URGENT, play
from hearing import assert_heard

from trainer.app import review, workshop
from trainer.app.access import Forbidden, Viewer, viewer_for
from trainer.app.practice import (
    PracticeRoom,
    anger_meter_html,
    best_tip,
    persona_cards,
    phrase_bank_markdown,
    progress_rows,
)
from trainer.cli import main
from trainer.formats.call import Finding
from trainer.formats.errors import TrainerError
from trainer.sessionlog import SessionLog
from trainer.settings import PROJECT_ROOT, Settings
from trainer.users import Role, UserStore, hash_password, verify_password

ALICE = Viewer("alice", Role.trainee)
BOB = Viewer("bob", Role.trainee)
MEG = Viewer("meg", Role.manager)
TESS = Viewer("tess", Role.trainer)
LOCAL = Viewer("me", None)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    personas = tmp_path / "personas"
    personas.mkdir()
    for path in (PROJECT_ROOT / "personas").glob("*.yaml"):
        (personas / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return Settings(
        warm_voices=False,
        personas_dir=personas,
        rubrics_dir=PROJECT_ROOT / "rubrics",
        sessions_dir=tmp_path / "sessions",
        database_url=None,
    )


@pytest.fixture
def log(settings: Settings) -> SessionLog:
    return SessionLog(settings.resolved_database_url())


@pytest.fixture
def room(settings: Settings, log: SessionLog) -> PracticeRoom:
    return PracticeRoom(settings, log, voice=False)


# -- accounts -------------------------------------------------------------------------------
def test_passwords_are_salted_hashes_checked_in_constant_time() -> None:
    one, two = hash_password("correct horse"), hash_password("correct horse")
    assert one != two and "correct horse" not in one
    assert verify_password("correct horse", one)
    assert not verify_password("wrong horse", one)
    assert not verify_password("correct horse", "garbage")


def test_user_store_adds_refuses_duplicates_and_authenticates(tmp_path: Path) -> None:
    store = UserStore(tmp_path / "users.json")
    assert not store.exists()
    store.add("alice", Role.trainee, "password-a")
    with pytest.raises(TrainerError, match="already exists"):
        store.add("alice", Role.manager, "password-b")
    with pytest.raises(TrainerError, match="too short"):
        store.add("bob", Role.trainee, "short")
    with pytest.raises(TrainerError, match="invalid user name"):
        store.add("../evil", Role.trainee, "password-a")
    assert store.authenticate("alice", "password-a").role is Role.trainee
    assert store.authenticate("alice", "password-b") is None
    assert store.authenticate("nobody", "password-a") is None
    assert "password-a" not in (tmp_path / "users.json").read_text()
    store.add("alice", Role.manager, "password-c", replace=True)
    assert store.get("alice").role is Role.manager


def test_cli_users_add_reads_the_password_from_stdin(
    sessions_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    assert main(["users", "add", "alice", "--role", "trainee"]) == 0
    assert main(["users", "list"]) == 0
    out = capsys.readouterr().out
    assert "alice (trainee) saved" in out and "alice" in out.splitlines()[-1]
    data = json.loads((sessions_dir / "users.json").read_text())
    assert data["users"][0]["password"].startswith("scrypt$")
    assert main(["users", "add", "bob"]) == 2  # no role: a one-line error


def test_serve_is_a_command_that_imports_gradio_only_when_run(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["serve", "--help"])
    assert done.value.code == 0 and "--port" in capsys.readouterr().out
    settings = Settings()
    assert (settings.host, settings.port) == ("127.0.0.1", 7860)


def test_viewer_comes_from_the_login_or_the_local_mode(tmp_path: Path) -> None:
    store = UserStore(tmp_path / "users.json")
    assert viewer_for(None, store, local=True).local
    store.add("alice", Role.trainee, "password-a")
    assert viewer_for("alice", store, local=False) == ALICE
    with pytest.raises(Forbidden):
        viewer_for(None, store, local=False)
    with pytest.raises(Forbidden):
        viewer_for("mallory", store, local=False)


def test_no_users_file_is_the_local_mode_and_says_so(settings: Settings) -> None:
    from trainer.app.access import LOCAL_NOTICE
    from trainer.app.ui import App

    app = App(settings, voice=False)
    assert app.local and app.viewer(None).local
    assert "Single-user local mode" in LOCAL_NOTICE and "trainer users add" in LOCAL_NOTICE
    UserStore(settings.resolved_users_file()).add("alice", Role.trainee, "password-a")
    assert not App(settings, voice=False).local


def test_roles() -> None:
    assert not ALICE.can_review and not ALICE.can_edit_personas
    assert MEG.can_review and TESS.can_edit_personas and not TESS.can_review
    assert LOCAL.can_review and LOCAL.can_edit_personas
    assert ALICE.may_read("alice") and not ALICE.may_read("bob") and MEG.may_read("bob")


# -- the practice room ----------------------------------------------------------------------
def test_cards_and_phrase_bank(room: PracticeRoom) -> None:
    cards = persona_cards(room.catalog())
    assert {c.id for c in cards} >= {"escalated", "cursing", "passive_angry"}
    card = next(c for c in cards if c.id == "escalated")
    assert card.archetype == "escalated" and card.difficulty
    assert card.label().split("\n") == [
        "Dana Whitfield",
        card.description,
        "Yelling: losing money every minute · " + card.difficulty,
    ]  # a kind of caller in words, no raw ids
    styled = next(c for c in cards if c.id == "passive_angry_vague")
    assert styled.kind() == "Sarcastic and quietly furious, vague about what they see"
    assert "swearing at me only gets in the way" in phrase_bank_markdown()
    assert "width:75%" in anger_meter_html(75)


def test_a_typed_call_in_coach_mode(room: PracticeRoom) -> None:
    view = room.start(ALICE, "escalated", "coach", seed=0)
    assert view.messages[0]["role"] == "assistant" and "Dana" in view.messages[0]["content"]
    assert view.audio is None and view.anger == 75  # no voice in this room
    view = room.reply_text(ALICE, view.token, URGENT)
    assert view.messages[1] == {"role": "user", "content": URGENT}
    assert "acknowledges urgency" in view.coach and "#2e7d32" in view.coach  # good in green, words quoted
    assert "every minute costs you money" in view.coach
    view = room.reply_text(ALICE, view.token, "Calm down, it's not a big deal, you should have read the docs.")
    assert "#c62828" in view.coach and "Tip:" in view.coach
    done = room.end(ALICE, view.token)
    assert done.ended and "## Scorecard" in done.scorecard and "Playbook:" in done.scorecard
    assert "better line" in done.scorecard
    [row] = progress_rows(room.log, ALICE)
    assert row["customer"] == "Dana Whitfield" and row["score"] is not None
    assert progress_rows(room.log, BOB) == []


def test_the_coach_says_what_a_reply_did_for_the_fix_and_the_scorecard_what_was_missed(room: PracticeRoom) -> None:
    view = room.start(ALICE, "escalated", "coach", seed=0)
    view = room.reply_text(ALICE, view.token, "Now reload the board.")  # the last step first
    assert "could not follow that step" in view.coach and "give that one first" in view.coach
    view = room.reply_text(ALICE, view.token, "Open the pipeline board and click the filter icon by the search box.")
    assert "fix step carried out" in view.coach and "1 of 3 steps done" in view.coach
    card = room.end(ALICE, view.token).scorecard
    assert "Not done on this call" in card and "Step never carried out" in card and "Try:" in card
    assert "at most 60" in card or "/100" in card


def test_exam_mode_gives_no_hints_and_a_pass_mark(room: PracticeRoom) -> None:
    view = room.start(ALICE, "escalated", "exam", seed=0)
    view = room.reply_text(ALICE, view.token, URGENT)
    assert view.coach == ""
    assert "pass mark" in room.end(ALICE, view.token).scorecard


def test_a_hard_call_ends_with_a_cool_down(room: PracticeRoom) -> None:
    replies = (PROJECT_ROOT / "tests/calls/cursing/bad_1.txt").read_text().splitlines() * 4
    view = room.start(ALICE, "cursing", "coach", seed=0)
    for text in replies:
        view = room.reply_text(ALICE, view.token, text)
        if view.ended:
            break
    if not view.ended:
        view = room.end(ALICE, view.token)
    assert view.hard_call
    assert "tough call, not a failure" in view.scorecard


def test_mistakes_in_a_call_are_messages_and_the_call_goes_on(room: PracticeRoom) -> None:
    view = room.start(ALICE, "escalated", "coach", seed=0)
    empty = room.reply_text(ALICE, view.token, "   ")
    assert empty.warning and "empty" in empty.status and not empty.ended
    no_recording = room.reply_audio(ALICE, view.token, None)
    assert no_recording.warning and "No recording" in no_recording.status
    voiceless = room.reply_audio(ALICE, view.token, b"RIFF")
    assert voiceless.warning and "type the reply" in voiceless.status
    assert not room.reply_text(ALICE, view.token, URGENT).warning
    with pytest.raises(TrainerError, match="pick a customer"):
        room.start(ALICE, "", "coach")
    with pytest.raises(TrainerError, match="no persona"):
        room.start(ALICE, "nobody", "coach")


def test_a_call_belongs_to_the_trainee_who_started_it(room: PracticeRoom) -> None:
    view = room.start(ALICE, "escalated", "coach", seed=0)
    with pytest.raises(Forbidden):
        room.reply_text(BOB, view.token, URGENT)
    with pytest.raises(Forbidden):
        room.end(BOB, view.token)
    with pytest.raises(Forbidden):
        room.reply_text(ALICE, "made-up-token", URGENT)


def test_best_tip_prefers_a_better_line_for_the_worst_fault() -> None:
    findings = [
        Finding(rubric="calm", turn=1, trigger="dismisses", points=-10, feedback="Dismissive.", tip="Say A."),
        Finding(rubric="calm", turn=1, trigger="blames_customer", points=-30, feedback="Blame.", tip="Say B."),
        Finding(rubric="calm", turn=1, trigger="acknowledges_feelings", points=10, feedback="Good."),
    ]
    assert "Say B." in best_tip(findings)
    assert best_tip(findings[2:]) == "Keep it up: Good."
    assert best_tip([]) == ""


def test_a_spoken_reply_a_silent_one_and_a_corrupt_upload(
    settings: Settings, log: SessionLog, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from trainer.tts.trainee import speak_as_trainee

    room = PracticeRoom(settings, log, voice=True)
    request.addfinalizer(room.close)  # no synthesis thread left running when the test fails
    view = room.start(ALICE, "escalated", "coach", seed=0)
    assert view.audio and Path(view.audio).is_file()  # the opening line, ready to autoplay
    silent = tmp_path / "silent.wav"
    soundfile.write(str(silent), np.zeros(44_100 * 2, np.float32), 44_100)
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF....WAVEjunk")
    for bad in (silent, corrupt):
        result = room.reply_audio(ALICE, view.token, str(bad))
        assert result.warning and "could not be used" in result.status and not result.ended
    spoken = speak_as_trainee(URGENT, tmp_path / "reply.wav")
    result = room.reply_audio(ALICE, view.token, str(spoken))
    assert_heard(result.heard, URGENT)
    assert not result.warning
    assert result.audio and result.audio != view.audio
    room.end(ALICE, view.token)
    session = review.open_session(log, ALICE, log.list()[0].id)
    assert [label for label, _ in review.recordings(session)][:3] == [
        "turn 0: customer",
        "turn 0: trainee",
        "turn 1: customer",
    ]


def test_typing_and_starting_a_call_never_wait_behind_someone_elses_recording(
    settings: Settings, log: SessionLog, request: pytest.FixtureRequest
) -> None:
    """The transcriber's one slot is busy with another trainee's recording (held here until
    released): a typed turn and a new call go on, they queue behind nothing."""
    import threading

    from trainer.speechqueue import speech_queue
    from trainer.stt import shared_transcriber

    room = PracticeRoom(settings, log, voice=True)
    request.addfinalizer(room.close)
    engine = shared_transcriber(settings.stt_engine, settings.stt_model, settings.stt_threads)
    queue = speech_queue(f"transcriber:{engine.name}", engine.slots)
    busy, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=queue.run, args=(lambda: (busy.set(), release.wait(30)), "bob"))
    holder.start()
    request.addfinalizer(release.set)
    assert busy.wait(10)
    view = room.start(ALICE, "escalated", "coach", seed=0)
    view = room.reply_text(ALICE, view.token, URGENT)
    assert not view.warning and len(view.messages) == 3
    assert holder.is_alive() and queue.waiting() == 0  # still transcribing; nothing of alice's waited
    release.set()
    holder.join(10)


# -- the review desk ------------------------------------------------------------------------
def test_a_manager_filters_everyone_a_trainee_only_themselves(room: PracticeRoom, log: SessionLog) -> None:
    alice_id = play(room, ALICE)
    bob_id = play(room, BOB, "cursing", ("Watch your language, I'm not listening to that.",))
    everyone = review.filter_sessions(log, MEG, review.SessionFilter())
    assert {s.id for s in everyone} == {alice_id, bob_id}
    assert [s.id for s in review.filter_sessions(log, MEG, review.SessionFilter(trainee="bob"))] == [bob_id]
    assert [s.id for s in review.filter_sessions(log, MEG, review.SessionFilter(archetype="cursing"))] == [bob_id]
    assert [s.id for s in review.filter_sessions(log, ALICE, review.SessionFilter())] == [alice_id]
    with pytest.raises(Forbidden):
        review.filter_sessions(log, ALICE, review.SessionFilter(trainee="bob"))
    with pytest.raises(Forbidden, match="no such session"):
        review.open_session(log, ALICE, bob_id)
    with pytest.raises(Forbidden, match="no such session"):
        review.open_session(log, ALICE, "00000000-does-not-exist")
    assert review.open_session(log, MEG, bob_id)["trainee"] == "bob"
    assert review.open_session(log, ALICE, alice_id)["trainee"] == "alice"


def test_score_date_and_rough_filters_and_csv(room: PracticeRoom, log: SessionLog) -> None:
    play(room, ALICE)
    rows = review.filter_sessions(log, MEG, review.SessionFilter())
    score = rows[0].overall
    assert review.filter_sessions(log, MEG, review.SessionFilter(score_min=score, score_max=score))
    assert not review.filter_sessions(log, MEG, review.SessionFilter(score_min=min(100, score + 1)))
    assert not review.filter_sessions(log, MEG, review.SessionFilter(date_to="2000-01-01"))
    assert review.filter_sessions(log, MEG, review.SessionFilter(date_from="2000-01-01", date_to=""))
    rough = review.filter_sessions(log, MEG, review.SessionFilter(rough_only=True))
    assert all(review.is_rough(s) for s in rough)
    with pytest.raises(ValueError):
        review.SessionFilter(date_from="yesterday")
    text = review.csv_text(rows)
    assert text.splitlines()[0] == ",".join(review.CSV_FIELDS) and rows[0].id in text
    assert review.trend_rows(rows)[0]["score"] == score
    assert review.rubric_averages(log, rows)
    assert review.table_rows(rows)[0][0] == rows[0].id[:8]  # short: the table fits a 1280 px screen
    html = review.session_html(review.open_session(log, MEG, rows[0].id))
    assert "acknowledges urgency" in html and "Scores" in html


def test_a_manager_overrides_a_score_and_comments_and_the_original_stays(room: PracticeRoom, log: SessionLog) -> None:
    sid = play(room, ALICE)
    session = review.open_session(log, MEG, sid)
    (name, rubric), *_ = review.scored_rubrics(session)
    original = session["scorecard"]["rubrics"][rubric]["score"]
    review.override_score(log, MEG, sid, rubric, 95, "She handled the silence well.")
    review.comment_turn(log, MEG, sid, 1, "Good first sentence.")  # reply 1, as the page numbers them
    with pytest.raises(Forbidden):
        review.override_score(log, ALICE, sid, rubric, 100, "I deserve it")
    with pytest.raises(Forbidden):
        review.comment_turn(log, ALICE, sid, 1, "me too")
    with pytest.raises(TrainerError, match="reason"):
        review.override_score(log, MEG, sid, rubric, 90, "  ")
    with pytest.raises(TrainerError, match="not scored"):
        review.override_score(log, MEG, sid, "no_such_rubric", 90, "why")
    with pytest.raises(TrainerError, match="reply 1 is the trainee's first answer, not 99"):
        review.comment_turn(log, MEG, sid, 99, "where?")
    mine = review.open_session(log, ALICE, sid)  # the trainee sees both
    html = review.session_html(mine)
    assert "→ <b>95</b>" in html and "She handled the silence well." in html and "Good first sentence." in html
    assert f"the grader&#x27;s score was {original}" in html or f"the grader's score was {original}" in html
    assert log.get(sid)["scorecard"]["rubrics"][rubric]["score"] == original  # the log keeps the original
    assert name


def test_an_override_reaches_the_overall_score_everywhere_with_the_graders_beside_it(
    room: PracticeRoom, log: SessionLog
) -> None:
    """A walkthrough found overrides that never reached the overall score: not in the detail,
    the table, the trend, the CSV, the averages or the trainee's own progress."""
    import csv

    sid = play(room, ALICE, "escalated", (URGENT, "Open the filter icon and remove Closed archived, then reload."))
    session = review.open_session(log, MEG, sid)
    graded = session["overall"]
    rubrics = {k: v for k, v in session["scorecard"]["rubrics"].items() if v["applicable"]}
    low = min(rubrics, key=lambda k: rubrics[k]["score"])
    review.override_score(log, MEG, sid, low, 100, "The grader missed how well she handled it.")
    expected = round(
        sum((100 if k == low else v["score"]) * v["weight"] for k, v in rubrics.items())
        / sum(v["weight"] for v in rubrics.values())
    )
    if not session["scorecard"]["fixed"]:
        expected = min(expected, 60)
    assert expected != graded  # the override changes the overall, else this test proves nothing
    (summary,) = review.filter_sessions(log, MEG, review.SessionFilter())
    assert (summary.score, summary.overall) == (expected, graded)  # the grader's stays beside it
    assert review.table_rows([summary])[0][7] == expected
    assert [p["score"] for p in review.trend_rows([summary])] == [expected]
    review.comment_turn(log, MEG, sid, 1, "Strong first sentence.")
    row = next(csv.DictReader(review.export_csv(log, MEG, review.SessionFilter()).splitlines()))
    assert (int(row["score"]), int(row["overall"]), int(row["reviewed_overall"])) == (expected, graded, expected)
    assert int(row[f"rubric:{low}"]) == 100  # per rubric, as it counts
    assert all(row[f"rubric:{k}"] == str(v["score"]) for k, v in rubrics.items() if k != low)
    assert "The grader missed how well she handled it." in row["overrides"]
    assert row["comments"] == "reply 1 by meg: Strong first sentence."
    averages = {a["rubric"]: a["average"] for a in review.rubric_averages(log, [summary])}
    assert averages[rubrics[low]["name"]] == 100
    assert [p["score"] for p in progress_rows(log, ALICE)] == [expected]
    html = review.session_html(review.open_session(log, ALICE, sid))
    assert f"overall {expected} (the grader gave {graded})" in html


def test_recordings_only_from_the_session_itself(tmp_path: Path) -> None:
    session = {"turns": [{"index": 0, "customer_audio": "audio/s1/turn-00-customer.ogg", "reply_audio": None}]}
    (tmp_path / "audio/s1").mkdir(parents=True)
    (tmp_path / "audio/s1/turn-00-customer.ogg").write_bytes(b"ogg")
    assert review.recording_file(session, "audio/s1/turn-00-customer.ogg", tmp_path).is_file()
    for trick in ("callcoach.db", "../etc/passwd", "audio/s2/turn-00-customer.ogg"):
        with pytest.raises(Forbidden):
            review.recording_file(session, trick, tmp_path)


# -- the persona workshop -------------------------------------------------------------------
def test_validation_names_file_line_and_field(settings: Settings) -> None:
    text = workshop.read_persona(settings, TESS, "escalated")
    persona, problems = workshop.validate(text)
    assert persona is not None and problems == []
    broken = text.replace("start_anger: 75", 'start_anger: "very"')
    persona, problems = workshop.validate(broken)
    line = broken.splitlines().index('  start_anger: "very"') + 1
    assert persona is None and problems[0].startswith(f"personas/escalated.yaml:{line}: mood.start_anger:")
    assert "not valid YAML" in workshop.panel_html(workshop.check("id: [unclosed"), "id: [unclosed")
    half_typed = workshop.check(text + "\nbogus")  # the id still names the file
    assert half_typed.file == "personas/escalated.yaml" and "not valid YAML" in half_typed.problems[0].message
    assert "✔ valid" in workshop.panel_html(workshop.check(text), text)


def test_saving_checks_the_id_and_never_overwrites_silently(settings: Settings) -> None:
    text = workshop.template(settings)
    assert workshop.declared_id(text) == "new_persona"
    assert workshop.save(settings, TESS, text) == "saved personas/new_persona.yaml"
    assert (settings.personas_dir / "new_persona.yaml").is_file()
    with pytest.raises(TrainerError, match="overwrite"):
        workshop.save(settings, TESS, text)
    assert workshop.save(settings, TESS, text.replace("name: Dana", "name: Dina"), overwrite=True)
    for bad_id in ("../escaped", "a/b", "UPPER", "x.yaml"):
        with pytest.raises(TrainerError):
            workshop.save(settings, TESS, text.replace("id: new_persona", f"id: {bad_id}"))
        with pytest.raises(TrainerError):
            workshop.persona_path(settings, bad_id)
    assert not (settings.personas_dir.parent / "escaped.yaml").exists()
    with pytest.raises(TrainerError, match="invalid"):
        workshop.save(settings, TESS, "id: broken\n")
    assert "new_persona" in workshop.persona_ids(settings, TESS)


def test_rubrics_are_edited_the_same_way(settings: Settings, tmp_path: Path) -> None:
    rubrics = tmp_path / "rubrics"
    rubrics.mkdir()
    for path in (PROJECT_ROOT / "rubrics").glob("*.yaml"):
        (rubrics / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    settings = settings.model_copy(update={"rubrics_dir": rubrics})
    assert "calm" in workshop.persona_ids(settings, TESS, "rubric")
    text = workshop.template(settings, "rubric")
    assert "✔ valid" in workshop.panel_html(workshop.check(text, "rubric"), text)
    assert workshop.save(settings, TESS, text, kind="rubric") == "saved rubrics/new_rubric.yaml"
    broken = text.replace("weight:", "weigth:")
    assert workshop.validate(broken, "rubric")[1][0].startswith("rubrics/new_rubric.yaml:")
    checked = workshop.check(broken, "rubric")
    assert [(p.field, p.message) for p in checked.problems] == [("weigth", "unknown field; did you mean 'weight'?")]
    with pytest.raises(TrainerError, match="kind"):
        workshop.persona_ids(settings, TESS, "../etc")


def test_trainees_cannot_use_the_workshop(settings: Settings) -> None:
    for step in (
        lambda: workshop.persona_ids(settings, ALICE),
        lambda: workshop.read_persona(settings, ALICE, "escalated"),
        lambda: workshop.save(settings, ALICE, workshop.template(settings)),
        lambda: workshop.preview_opening(settings, ALICE, workshop.template(settings)),
    ):
        with pytest.raises(Forbidden):
            step()


def test_preview_speaks_the_opening_line(settings: Settings) -> None:
    wav, line = workshop.preview_opening(settings, TESS, workshop.read_persona(settings, TESS, "escalated"))
    assert wav.is_file() and wav.stat().st_size > 1000 and "pipeline" in line


# -- the rule: gradio stays in trainer/app ---------------------------------------------------
def test_only_the_app_package_imports_gradio() -> None:
    """The UI library stays in trainer/app. (gradio_client, an HTTP client of the running app,
    is what `trainer bench load` drives the server with, as an outside program would.)"""
    import re

    ui_import = re.compile(r"^\s*(?:import gradio\b|from gradio(?:\.| import))", re.M)
    offenders = [
        str(path.relative_to(PROJECT_ROOT))
        for path in (PROJECT_ROOT / "trainer").rglob("*.py")
        if "app" not in path.relative_to(PROJECT_ROOT / "trainer").parts[:1] and ui_import.search(path.read_text())
    ]
    assert offenders == []


def test_a_server_puts_every_personas_lines_in_the_voice_cache_in_the_background(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Once a server has run, a call's scripted lines are on disk: turns seldom synthesize."""
    import time

    from trainer.call import warm_lines
    from trainer.tts import CustomerVoice, EspeakEngine

    personas = tmp_path / "personas"
    personas.mkdir()
    (personas / "cursing.yaml").write_text((PROJECT_ROOT / "personas" / "cursing.yaml").read_text(encoding="utf-8"))
    settings = Settings(
        personas_dir=personas,
        rubrics_dir=PROJECT_ROOT / "rubrics",
        sessions_dir=tmp_path / "sessions",
        database_url=None,
        tts_engine="espeak",
    )
    room = PracticeRoom(settings, SessionLog(settings.resolved_database_url()), voice=True)
    request.addfinalizer(room.close)
    marcus = room.catalog().persona("cursing")
    voice = CustomerVoice(marcus.voice.model_copy(update={"engine": "espeak"}), settings.sessions_dir / "cache" / "tts")
    voice.engine = EspeakEngine()
    lines = warm_lines(marcus)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and any(voice.cached(text, anger) is None for text, anger in lines):
        time.sleep(0.5)
    assert all(voice.cached(text, anger) is not None for text, anger in lines)


def test_send_or_end_after_the_customer_ended_the_call_is_a_message_not_an_error(room: PracticeRoom) -> None:
    """Walkthrough: after "I've got to go", End or Send painted red error badges everywhere."""
    view = room.start(ALICE, "escalated", "coach", seed=0)
    view = room.end(ALICE, view.token)
    assert view.ended and "Scorecard" in view.scorecard
    for late in (room.reply_text(ALICE, view.token, "hello?"), room.end(ALICE, view.token)):
        assert late.warning and "This call is over" in late.status and late.scorecard == view.scorecard
    with pytest.raises(Forbidden):
        room.reply_text(BOB, view.token, "not my call")  # someone else's ended call is no call at all
