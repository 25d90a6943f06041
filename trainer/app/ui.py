"""The gradio shell: components wired to the plain functions of practice, review and workshop.

This is the only module that imports gradio. Each handler resolves the Viewer from the
request first (gradio's authenticated user name) and lets the plain function decide what
that viewer may see; a TrainerError becomes a gr.Error, a message on the page.
"""

import logging
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from pathlib import Path

import gradio as gr
import pandas as pd
from gradio import processing_utils
from gradio import utils as gradio_utils
from starlette.middleware import Middleware

from trainer.app import review, workshop
from trainer.app.access import LOCAL_NOTICE, Viewer, viewer_for
from trainer.app.files import FileOwners, OwnFilesOnly, sweep_every
from trainer.app.practice import (
    CallView,
    PracticeRoom,
    anger_meter_html,
    cards_html,
    cool_down_markdown,
    persona_cards,
    phrase_bank_markdown,
    progress_rows,
)
from trainer.formats.errors import TrainerError
from trainer.logins import CLIENT_ADDRESS, ClientAddress, guard_from_settings, share_logins
from trainer.playbook import Archetype, Behaviour
from trainer.sessionlog import SessionLog
from trainer.settings import Settings
from trainer.users import Role, UserStore

log = logging.getLogger("callcoach.app")
CSS = """
.cc-cards {display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:8px}
.cc-card {border:1px solid #ccc;border-radius:8px;padding:8px}
.cc-turn {border-bottom:1px solid #eee;padding:4px 0}
#transcript button[aria-label="Clear"] {display:none}  /* the call's transcript is not the trainee's to wipe */
"""


@contextmanager
def _user_errors() -> Iterator[None]:
    """A mistake the user can fix is a message on the page and one line in the server's log,
    never a stack trace (those are for what nobody expected)."""
    try:
        yield
    except TrainerError as exc:
        log.info("user mistake: %s: %s", type(exc).__name__, exc)
        raise gr.Error(str(exc), print_exception=False) from exc


class App:
    """The state one server shares: settings, the log, calls in progress, the users file."""

    def __init__(self, settings: Settings, voice: bool = True) -> None:
        self.settings = settings
        self.log = SessionLog(settings.resolved_database_url())
        self.room = PracticeRoom(settings, self.log, voice=voice)
        self.store = UserStore(settings.resolved_users_file())
        self.local = not self.store.exists()
        self.logins = guard_from_settings(settings, self.store, self.log.audit)
        self.media = Path(tempfile.mkdtemp(prefix="callcoach-media-"))
        self.cache = Path(gradio_utils.get_upload_folder())  # uploads and served files
        self.files = FileOwners()
        self.stopping = threading.Event()

    def viewer(self, request: gr.Request | None) -> Viewer:
        username = getattr(request, "username", None) if request is not None else None
        return viewer_for(username, self.store, self.local)

    async def auth(self, username: str, password: str) -> bool:
        """gradio awaits this on its event loop: the guard hashes on a thread and sleeps its delays."""
        return await self.logins.check(username, password, CLIENT_ADDRESS.get())

    def servable(self, path: str | Path | None, owner: str) -> str | None:
        """The file as gradio will serve it, for `owner` only (`trainer.app.files`): a copy in
        gradio's cache; the sessions folder itself is never exposed over HTTP."""
        if path is None:
            return None
        source = Path(path)
        if not source.is_file():
            return None
        self._prune_media()
        target = self.media / f"{uuid.uuid4().hex}{source.suffix}"
        shutil.copyfile(source, target)
        cached = processing_utils.save_file_to_cache(target, self.cache)  # where gradio itself puts it
        self.files.give(cached, owner)
        return cached

    def role_of(self, name: str) -> Role | None:
        user = self.store.get(name)
        return user.role if user is not None else None

    def _prune_media(self, older_than_s: float = 600) -> None:
        """Gradio copies each file into its own cache at once: our copies can go after a while."""
        cutoff = time.time() - older_than_s
        for old in self.media.iterdir():
            with suppress(OSError):
                if old.stat().st_mtime < cutoff:
                    old.unlink()


def build(settings: Settings, voice: bool = True) -> tuple[gr.Blocks, App]:
    app = App(settings, voice=voice)
    with gr.Blocks(title="callcoach") as demo:
        who = gr.Markdown()
        with gr.Tabs() as tabs:
            with gr.Tab("Practice room", id="practice") as practice_tab:
                picker, resume = _practice(app)
            with gr.Tab("Review desk", id="review", visible=False) as review_tab:
                _review(app)
            with gr.Tab("Persona workshop", id="workshop", visible=False) as workshop_tab:
                chooser = _workshop(app, picker, tabs)

        def on_load(request: gr.Request):
            with _user_errors():
                viewer = app.viewer(request)
            if viewer.local:
                banner = f"**{LOCAL_NOTICE}**"
            else:
                banner = f"Logged in as **{viewer.name}** ({viewer.role.value}) · [log out](/logout)"
            ids = workshop.persona_ids(app.settings, viewer) if viewer.can_edit_personas else []
            pending = app.room.pending(viewer)
            return (
                banner,
                gr.Button(value=f"Resume your call with {pending}", visible=True)
                if pending
                else gr.Button(visible=False),
                gr.Tab(visible=True),
                gr.Tab(visible=viewer.can_review),
                gr.Tab(visible=viewer.can_edit_personas),
                gr.Dropdown(choices=ids),
                *_picker_updates(app),
            )

        demo.load(
            on_load,
            None,
            [who, resume, practice_tab, review_tab, workshop_tab, chooser, *picker],
            api_visibility="private",
        )
    return demo, app


# -- the practice room ----------------------------------------------------------------------
def _picker_updates(app: App, value: str | None = None) -> tuple[str, gr.Radio]:
    """The persona cards and choices as they are on disk now: a persona saved a minute ago is playable."""
    try:
        cards = persona_cards(app.room.catalog())
    except TrainerError:
        cards = []
    choices = [(c.label(), c.id) for c in cards]
    return cards_html(cards), gr.Radio(choices=choices) if value is None else gr.Radio(choices=choices, value=value)


def _any_listed_or_new(picker: gr.Radio) -> gr.Radio:
    """The customer picker's choices are the files on disk when the page was built; it must not
    refuse an id it has not listed: a persona saved in the workshop a minute ago has to be
    playable through the HTTP API before any browser reloads the page. The practice room
    checks the id against the catalog itself (a clear "no persona ..." message). (An instance
    override, not a subclass: gradio writes a .pyi stub beside any module that subclasses one.)"""
    picker.preprocess = lambda payload: payload  # type: ignore[method-assign]
    return picker


def _practice(app: App) -> tuple[tuple[gr.HTML, gr.Radio], gr.Button]:
    token = gr.State("")
    try:
        cards = persona_cards(app.room.catalog())
    except TrainerError:
        cards = []
    with gr.Row():
        with gr.Column(scale=3):
            cards_box = gr.HTML(cards_html(cards))
            persona = _any_listed_or_new(gr.Radio([(c.label(), c.id) for c in cards], label="Your customer"))
            mode = gr.Radio(
                [("Coach: feedback after every turn", "coach"), ("Exam: no hints, a pass mark", "exam")],
                value="coach",
                label="Mode",
            )
            level = gr.Radio(
                [("As the persona is written", ""), ("Easy", "easy"), ("Medium", "medium"), ("Hard", "hard")],
                value="",
                label="Difficulty",
                elem_id="level",
            )
            model = app.room.llm_model()
            engine = gr.Radio(
                [("Scripted customer (offline)", "scripted"), (f"LLM customer ({model})", "llm")],
                value="scripted",
                label="Who words the customer's lines",
                visible=model is not None,  # shown only when an endpoint is configured
            )
            resume = gr.Button(visible=False, variant="primary", elem_id="resume-call")
            start = gr.Button("Start the call", variant="primary", elem_id="start-call")
        with (
            gr.Column(scale=2),
            gr.Accordion("Phrase bank: things to say when it turns hostile", open=False, visible=True) as bank,
        ):
            gr.Markdown(phrase_bank_markdown())
    anger = gr.HTML(anger_meter_html(0), elem_id="anger-meter")
    customer_audio = gr.Audio(
        label="Customer", type="filepath", autoplay=True, interactive=False, elem_id="customer-audio"
    )
    chat = gr.Chatbot(label="Transcript", height=320, elem_id="transcript")
    status = gr.Markdown(elem_id="call-status")
    with gr.Row():
        with gr.Column():
            # Record, or upload a recording: a trainee without a microphone can still answer aloud.
            mic = gr.Audio(sources=["microphone", "upload"], type="filepath", label="Your answer", elem_id="mic")
            send_audio = gr.Button("Send my recording", elem_id="send-recording")
        with gr.Column():
            # One line, so Enter sends it (a walkthrough lost a reply to Enter adding a new line).
            typed = gr.Textbox(
                label="...or type your answer (Enter sends)", lines=1, max_lines=4, elem_id="typed-reply"
            )
            send_text = gr.Button("Send typed answer", elem_id="send-typed")
    heard = gr.Textbox(label="What was heard", interactive=False, elem_id="heard")
    coach = gr.HTML(elem_id="coach")
    end = gr.Button("End the call", variant="stop", elem_id="end-call")
    scorecard = gr.Markdown(elem_id="scorecard")
    with gr.Accordion("My progress", open=False):
        refresh = gr.Button("Show my past calls")
        past = gr.Dataframe(interactive=False, elem_id="progress")
        past_plot = gr.LinePlot(
            x="when", y="score", title="My scores over time", y_lim=[0, 100], elem_id="progress-plot"
        )
        with gr.Row():
            mine_id = gr.Textbox(label="Call id (click a row above)")
            open_mine = gr.Button("Open this call")
        mine = gr.HTML(elem_id="my-call")

    outputs = [token, chat, customer_audio, anger, heard, coach, status, scorecard, bank, mic, typed]
    # Progress and a mistake's message show on the status line only, not as a red "Error" badge on
    # every panel of the call (a walkthrough found one mistake painting them all).

    def show(view: CallView, mode_value: str, view_owner: str) -> tuple:
        if view.warning:
            gr.Warning(view.status)
        status_text = view.status
        if view.ended and view.hard_call:
            status_text += "\n\n" + cool_down_markdown()
        return (
            view.token,  # kept after the end: a late Send or End gets "this call is over", not an error
            view.messages,
            app.servable(view.audio, view_owner) if view.audio else gr.skip(),
            anger_meter_html(view.anger),
            view.heard,
            view.coach,
            status_text,
            view.scorecard,
            gr.Accordion(visible=mode_value == "coach"),
            None,
            "",
        )

    def on_start(persona_id: str, mode_value: str, engine_value: str, level_value: str, request: gr.Request) -> tuple:
        with _user_errors():
            viewer = app.viewer(request)
            view = app.room.start(
                viewer, persona_id, mode_value, engine=engine_value or "scripted", level=level_value or None
            )
        return show(view, mode_value, viewer.name)

    def on_text(token_value: str, text: str, mode_value: str, request: gr.Request) -> tuple:
        with _user_errors():
            viewer = app.viewer(request)
            view = app.room.reply_text(viewer, token_value, text)
        return show(view, mode_value, viewer.name)

    def on_audio(token_value: str, recording: str | None, mode_value: str, request: gr.Request) -> tuple:
        with _user_errors():
            viewer = app.viewer(request)
            if recording:
                app.files.give(recording, viewer.name)  # the upload is theirs alone from now on
            view = app.room.reply_audio(viewer, token_value, recording)
        return show(view, mode_value, viewer.name)

    def on_resume(request: gr.Request) -> tuple:
        """Reload, another tab or a restarted server: back into the trainee's unfinished call."""
        with _user_errors():
            viewer = app.viewer(request)
            view = app.room.resume(viewer)
        return (*show(view, view.mode, viewer.name), gr.Button(visible=False))

    def on_end(token_value: str, mode_value: str, request: gr.Request) -> tuple:
        with _user_errors():
            viewer = app.viewer(request)
            view = app.room.end(viewer, token_value)
        return show(view, mode_value, viewer.name)

    def on_progress(request: gr.Request) -> tuple[pd.DataFrame, pd.DataFrame]:
        with _user_errors():
            rows = progress_rows(app.log, app.viewer(request))
        frame = pd.DataFrame(rows)
        points = pd.DataFrame(
            [{"when": pd.Timestamp(r["when"]), "score": r["score"]} for r in rows if r["score"] is not None],
            columns=["when", "score"],
        )
        return frame, points

    def on_mine(sid: str, request: gr.Request) -> str:
        """A trainee's own call with the manager's overrides and comments; nobody else's."""
        with _user_errors():
            return review.session_html(review.open_session(app.log, app.viewer(request), sid))

    def on_pick(evt: gr.SelectData, request: gr.Request) -> tuple[str, str]:
        row = evt.row_value if evt is not None else None
        sid = str(row[0]) if row else ""
        return sid, on_mine(sid, request)

    start.click(
        on_start, [persona, mode, engine, level], outputs, api_name="start_call", show_progress_on=status
    ).success(lambda: gr.Button(visible=False), None, resume, api_visibility="private")
    open_mine.click(on_mine, mine_id, mine, api_name="my_session")
    past.select(on_pick, None, [mine_id, mine], api_visibility="private")
    send_text.click(on_text, [token, typed, mode], outputs, api_name="reply_text", show_progress_on=status)
    typed.submit(on_text, [token, typed, mode], outputs, api_visibility="private", show_progress_on=status)
    send_audio.click(on_audio, [token, mic, mode], outputs, api_name="reply_audio", show_progress_on=status)
    end.click(on_end, [token, mode], outputs, api_name="end_call", show_progress_on=status)
    refresh.click(on_progress, None, [past, past_plot], api_name="my_progress")
    resume.click(on_resume, None, [*outputs, resume], api_name="resume_call", show_progress_on=status)
    return (cards_box, persona), resume


# -- the review desk ------------------------------------------------------------------------
def _review(app: App) -> None:
    current = gr.State("")
    with gr.Row():
        trainee = gr.Textbox(label="Trainee", placeholder="all")
        persona = gr.Textbox(label="Persona id", placeholder="all")
        archetype = gr.Dropdown(["(all)", *[a.value for a in Archetype]], value="(all)", label="Archetype")
        date_from = gr.Textbox(label="From (YYYY-MM-DD)")
        date_to = gr.Textbox(label="To (YYYY-MM-DD)")
    with gr.Row():
        score_min = gr.Slider(0, 100, value=0, step=1, label="Score at least")
        score_max = gr.Slider(0, 100, value=100, step=1, label="Score at most")
        rough = gr.Checkbox(label="Rough calls only (abuse, hang-ups, very low scores)")
        apply = gr.Button("Show sessions", variant="primary", elem_id="review-apply")
    table = gr.Dataframe(headers=review.TABLE_HEADERS, interactive=False, elem_id="sessions-table")
    with gr.Row():
        trend = gr.LinePlot(
            x="when", y="score", color="trainee", title="Scores over time", y_lim=[0, 100], elem_id="trend"
        )
        averages = gr.BarPlot(
            x="rubric", y="average", title="Average per rubric", y_lim=[0, 100], elem_id="rubric-averages"
        )
    export = gr.Button("Export these sessions as CSV")
    csv_file = gr.File(label="CSV", interactive=False, visible=False)  # shown once there is a file
    with gr.Row():
        session_id = gr.Textbox(label="Session id", elem_id="session-id")
        open_button = gr.Button("Open session", elem_id="open-session")
    detail = gr.HTML(elem_id="session-detail")
    with gr.Row():
        recording = gr.Dropdown([], label="Recording", interactive=True)
        player = gr.Audio(label="Play", type="filepath", interactive=False)
    with gr.Accordion("Override a score or comment on a turn (the original score is kept)", open=False):
        with gr.Row():
            rubric = gr.Dropdown([], label="Rubric", interactive=True)
            new_score = gr.Number(label="New score", minimum=0, maximum=100, precision=0)
            reason = gr.Textbox(label="Reason (the trainee sees it)")
            override = gr.Button("Save override")
        with gr.Row():
            turn = gr.Number(label="Turn", minimum=0, precision=0)
            comment = gr.Textbox(label="Comment on that turn")
            add_comment = gr.Button("Save comment")
    with (
        gr.Accordion("Correct the grader: a behaviour found wrongly or missed (the call is regraded)", open=False),
        gr.Row(),
    ):
        fix_turn = gr.Number(label="Turn", minimum=0, precision=0, elem_id="correct-turn")
        fix_behaviour = gr.Dropdown(
            [b.value for b in Behaviour], label="Behaviour", interactive=True, elem_id="correct-behaviour"
        )
        fix_verdict = gr.Radio(list(review.VERDICTS), label="It was", elem_id="correct-verdict")
        fix_reason = gr.Textbox(label="Why (kept with the correction)", elem_id="correct-reason")
        fix = gr.Button("Save correction", elem_id="correct-save")
    filters = [trainee, persona, archetype, date_from, date_to, score_min, score_max, rough]

    def _filter(*values) -> review.SessionFilter:
        names = ["trainee", "persona", "archetype", "date_from", "date_to", "score_min", "score_max", "rough_only"]
        try:
            return review.SessionFilter(**dict(zip(names, values, strict=True)))
        except ValueError as exc:
            raise TrainerError(f"check the filters: {exc}") from exc

    def on_apply(*args) -> tuple:
        *values, request = args
        with _user_errors():
            viewer = app.viewer(request)
            viewer.require_review()
            rows = review.filter_sessions(app.log, viewer, _filter(*values))
            means = review.rubric_averages(app.log, rows)
        return (
            review.table_rows(rows),
            pd.DataFrame(review.trend_rows(rows), columns=["when", "trainee", "score"]),
            pd.DataFrame(means, columns=["rubric", "average"]),
        )

    def on_export(*args) -> gr.File:
        *values, request = args
        with _user_errors():
            viewer = app.viewer(request)
            text = review.export_csv(app.log, viewer, _filter(*values))
        path = app.media / f"sessions-{uuid.uuid4().hex[:8]}.csv"
        path.write_text(text, encoding="utf-8")
        return gr.File(value=app.servable(path, viewer.name), visible=True)

    def on_open(sid: str, request: gr.Request) -> tuple:
        with _user_errors():
            session = review.open_session(app.log, app.viewer(request), sid)
        return (
            session["id"],
            review.session_html(session),
            gr.Dropdown(choices=review.recordings(session), value=None),
            None,
            gr.Dropdown(choices=review.scored_rubrics(session), value=None),
        )

    def on_override(sid: str, rubric_id: str | None, score: float | None, why: str, request: gr.Request) -> str:
        with _user_errors():
            if not rubric_id or score is None:
                raise TrainerError("pick a rubric and give the new score")
            viewer = app.viewer(request)
            review.override_score(app.log, viewer, sid, rubric_id, int(score), why or "")
            session = review.open_session(app.log, viewer, sid)
        gr.Info("Override saved; the original score is kept.")
        return review.session_html(session)

    def on_comment(sid: str, index: float | None, text: str, request: gr.Request) -> str:
        with _user_errors():
            if index is None:
                raise TrainerError("say which turn the comment is about")
            viewer = app.viewer(request)
            review.comment_turn(app.log, viewer, sid, int(index), text or "")
            session = review.open_session(app.log, viewer, sid)
        return review.session_html(session)

    def on_correct(
        sid: str, index: float | None, behaviour: str | None, verdict: str | None, why: str, request: gr.Request
    ) -> str:
        with _user_errors():
            if index is None:
                raise TrainerError("say which turn the correction is about")
            viewer = app.viewer(request)
            review.correct_behaviour(
                app.log, app.room.catalog(), viewer, sid, int(index), behaviour or "", verdict or "", why or ""
            )
            session = review.open_session(app.log, viewer, sid)
        gr.Info("Correction saved; the call was regraded and the first score kept.")
        return review.session_html(session)

    def on_select(evt: gr.SelectData, request: gr.Request) -> tuple:
        row = evt.row_value if evt is not None else None
        return on_open(row[0] if row else "", request)

    def on_play(sid: str, relative: str | None, request: gr.Request) -> str | None:
        if not relative:
            return None
        with _user_errors():
            session = review.open_session(app.log, app.viewer(request), sid)
            path = review.recording_file(session, relative, app.settings.sessions_dir)
        return app.servable(path, app.viewer(request).name)

    def on_apply_named(t, p, a, df, dt, smin, smax, r, request: gr.Request) -> tuple:
        return on_apply(t, p, a, df, dt, smin, smax, r, request)

    def on_export_named(t, p, a, df, dt, smin, smax, r, request: gr.Request) -> gr.File:
        return on_export(t, p, a, df, dt, smin, smax, r, request)

    apply.click(on_apply_named, filters, [table, trend, averages], api_name="review_sessions")
    export.click(on_export_named, filters, csv_file, api_name="export_csv")
    opened = [current, detail, recording, player, rubric]
    open_button.click(on_open, session_id, opened, api_name="open_session")
    table.select(on_select, None, opened, api_visibility="private")
    recording.change(on_play, [current, recording], player, api_name="play_recording")
    override.click(on_override, [current, rubric, new_score, reason], detail, api_name="override_score")
    add_comment.click(on_comment, [current, turn, comment], detail, api_name="comment_turn")
    fix.click(
        on_correct, [current, fix_turn, fix_behaviour, fix_verdict, fix_reason], detail, api_name="correct_behaviour"
    )


# -- the persona workshop -------------------------------------------------------------------
def _workshop(app: App, picker: tuple[gr.HTML, gr.Radio], tabs: gr.Tabs) -> gr.Dropdown:
    with gr.Row():
        kind = gr.Radio(list(workshop.KINDS), value="persona", label="Edit", elem_id="workshop-kind")
        chooser = gr.Dropdown([], label="File", interactive=True, elem_id="persona-chooser")
        refresh = gr.Button("Refresh list")
        open_button = gr.Button("Open")
        new = gr.Button("New file", elem_id="workshop-new")
    checked = gr.Markdown(elem_id="persona-validation")  # above the editor: errors are seen while typing
    editor = gr.Code(language="yaml", label="<id>.yaml", lines=30, interactive=True, elem_id="persona-editor")
    with gr.Row():
        overwrite = gr.Checkbox(label="Overwrite the existing file")
        save = gr.Button("Save", variant="primary")
        preview = gr.Button("Preview the opening line")
        try_it = gr.Button("Test call with this persona")
    saved = gr.Markdown()
    voice = gr.Audio(label="Opening line", type="filepath", autoplay=True, interactive=False)

    def on_refresh(what: str, request: gr.Request):
        with _user_errors():
            return gr.Dropdown(choices=workshop.persona_ids(app.settings, app.viewer(request), what), value=None)

    def on_open(what: str, file_id: str, request: gr.Request) -> tuple[str, str]:
        with _user_errors():
            text = workshop.read_persona(app.settings, app.viewer(request), file_id, what)
        return text, workshop.validation_markdown(text, what)

    def on_new(what: str, request: gr.Request) -> tuple[str, str]:
        with _user_errors():
            app.viewer(request).require_workshop()
            text = workshop.template(app.settings, what)
        return text, workshop.validation_markdown(text, what)

    def on_validate(what: str, text: str, request: gr.Request) -> str:
        with _user_errors():
            app.viewer(request).require_workshop()
            return workshop.validation_markdown(text or "", what)

    def on_save(what: str, text: str, replace: bool, request: gr.Request) -> str:
        with _user_errors():
            return "✔ " + workshop.save(app.settings, app.viewer(request), text or "", overwrite=replace, kind=what)

    def on_preview(text: str, request: gr.Request) -> tuple[str | None, str]:
        with _user_errors():
            wav, line = workshop.preview_opening(app.settings, app.viewer(request), text or "")
        return app.servable(wav, app.viewer(request).name), f"Opening line: “{line}”"

    def on_try(text: str, request: gr.Request) -> tuple:
        """A test call straight from the editor: the saved persona, picked in the practice room."""
        with _user_errors():
            app.viewer(request).require_workshop()
            persona_id = workshop.declared_id(text or "")
            if not persona_id or persona_id not in app.room.catalog().personas:
                raise TrainerError("save the persona first; a test call plays the saved file")
        return (*_picker_updates(app, persona_id), gr.Tabs(selected="practice"))

    refresh.click(on_refresh, kind, chooser, api_name="persona_list")
    kind.change(on_refresh, kind, chooser, api_visibility="private")
    open_button.click(on_open, [kind, chooser], [editor, checked], api_name="persona_open")
    new.click(on_new, kind, [editor, checked], api_name="persona_new")
    editor.change(on_validate, [kind, editor], checked, api_name="persona_validate", trigger_mode="always_last")
    save.click(on_save, [kind, editor, overwrite], saved, api_name="persona_save").success(
        lambda: _picker_updates(app), None, list(picker), api_visibility="private"
    )
    preview.click(on_preview, editor, [voice, saved], api_name="persona_preview")
    try_it.click(on_try, editor, [*picker, tabs], api_visibility="private")
    return chooser


def _logins_shared_with(app: App):
    """At server start: logins live in the session database, under a cookie name every process
    agrees on, so several `trainer serve` processes behind nginx are one app to a trainee."""

    @asynccontextmanager
    async def lifespan(server_app) -> AsyncIterator[None]:
        share_logins(server_app, app.log)
        yield

    return lifespan


def launch(settings: Settings, host: str | None = None, port: int | None = None, voice: bool = True, **kwargs):
    """Start the server; `prevent_thread_lock=True` in kwargs returns at once (tests)."""
    if "GRADIO_TEMP_DIR" not in os.environ:  # our own folder: swept without touching anyone else's files
        os.environ["GRADIO_TEMP_DIR"] = str((settings.sessions_dir / "web-cache").resolve())
    demo, app = build(settings, voice=voice)
    auth = None if app.local else app.auth
    where = host or settings.host
    if app.local and where not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"trainer: warning: no users file ({app.store.path}) and listening on {where}: "
            "anyone who can reach this address sees every room. Add users with `trainer users add`.",
            file=sys.stderr,
        )
    middleware = [Middleware(ClientAddress)]
    if not app.local:  # with logins, a served file goes to its owner only (one local user otherwise)
        middleware.append(Middleware(OwnFilesOnly, owners=app.files, role_of=app.role_of))
    # The library bounds the heavy work itself (`trainer.speechqueue`): gradio must not queue
    # typed turns and call starts behind four recordings, as its default limit would.
    demo.queue(default_concurrency_limit=32)
    app.sweeper = sweep_every(app.cache, 600, app.stopping)  # at start, then every 10 minutes
    demo.launch(
        app_kwargs={"middleware": middleware, "lifespan": _logins_shared_with(app)},
        max_file_size=f"{settings.max_upload_mb}mb",
        server_name=where,
        server_port=port or settings.port,
        auth=auth,
        auth_message="callcoach: log in with the account a manager made for you (`trainer users add`).",
        css=CSS,
        **kwargs,
    )
    return demo, app
