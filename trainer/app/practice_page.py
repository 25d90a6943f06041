"""The practice room's page: pick a customer, then the call (audio, line, anger, answer, coach)."""

import gradio as gr
import pandas as pd

from trainer.app import review
from trainer.app.practice import (
    CallView,
    anger_meter_html,
    cards_html,
    cool_down_markdown,
    persona_cards,
    phrase_bank_markdown,
    progress_rows,
)
from trainer.app.shell import App, user_errors
from trainer.formats.errors import TrainerError


def picker_updates(app: App, value: str | None = None) -> tuple[str, gr.Radio]:
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


def practice_page(app: App) -> tuple[tuple[gr.HTML, gr.Radio], gr.Button]:
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
        with user_errors():
            viewer = app.viewer(request)
            view = app.room.start(
                viewer, persona_id, mode_value, engine=engine_value or "scripted", level=level_value or None
            )
        return show(view, mode_value, viewer.name)

    def on_text(token_value: str, text: str, mode_value: str, request: gr.Request) -> tuple:
        with user_errors():
            viewer = app.viewer(request)
            view = app.room.reply_text(viewer, token_value, text)
        return show(view, mode_value, viewer.name)

    def on_audio(token_value: str, recording: str | None, mode_value: str, request: gr.Request) -> tuple:
        with user_errors():
            viewer = app.viewer(request)
            if recording:
                app.files.give(recording, viewer.name)  # the upload is theirs alone from now on
            view = app.room.reply_audio(viewer, token_value, recording)
        return show(view, mode_value, viewer.name)

    def on_resume(request: gr.Request) -> tuple:
        """Reload, another tab or a restarted server: back into the trainee's unfinished call."""
        with user_errors():
            viewer = app.viewer(request)
            view = app.room.resume(viewer)
        return (*show(view, view.mode, viewer.name), gr.Button(visible=False))

    def on_end(token_value: str, mode_value: str, request: gr.Request) -> tuple:
        with user_errors():
            viewer = app.viewer(request)
            view = app.room.end(viewer, token_value)
        return show(view, mode_value, viewer.name)

    def on_progress(request: gr.Request) -> tuple[pd.DataFrame, pd.DataFrame]:
        with user_errors():
            rows = progress_rows(app.log, app.viewer(request))
        frame = pd.DataFrame(rows)
        points = pd.DataFrame(
            [{"when": pd.Timestamp(r["when"]), "score": r["score"]} for r in rows if r["score"] is not None],
            columns=["when", "score"],
        )
        return frame, points

    def on_mine(sid: str, request: gr.Request) -> str:
        """A trainee's own call with the manager's overrides and comments; nobody else's."""
        with user_errors():
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
