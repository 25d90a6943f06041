"""The practice room's page: choose a customer in one compact step, then the page is the call.

During a call everything a trainee needs is on one laptop screen (1366x768) at once: the
customer's line (read out by screen readers as it changes), their anger, their voice, the
transcript, the answer controls, what was heard and the coach's feedback. Controls are enabled
only when they do something: Start once a customer is picked, Send once there is something to
send, End while a call is on.
"""

import gradio as gr
import pandas as pd

from trainer.app import review
from trainer.app.plain import html_text
from trainer.app.practice import (
    CallView,
    anger_meter_html,
    call_rows,
    cool_down_markdown,
    persona_cards,
    phrase_bank_markdown,
)
from trainer.app.review_page import chart
from trainer.app.shell import App, user_errors
from trainer.formats.errors import TrainerError

HANDS_FREE = "hands-free"
HIDDEN = "cc-hidden"  # display: none (`trainer.app.ui.CSS`)
# How often the open microphone sends what it heard. Each chunk is a request: at 0.1 s the page
# could not keep up on 2 cores and voice to voice got no faster (`trainer bench voice`).
STREAM_EVERY_S = 0.2
STOP_LISTENING = "() => { document.querySelector('#live-mic .stop-button')?.click(); }"
# The page presses the streaming microphone's record button itself: after Start nobody clicks.
START_LISTENING = """(talk) => {
  if (talk !== 'hands-free') return;
  const press = (tries) => {
    const button = document.querySelector('#live-mic .record-button');
    if (button) button.click(); else if (tries > 0) setTimeout(() => press(tries - 1), 100);
  };
  setTimeout(() => press(30), 100);
}"""
NO_CALLS_YET = "<p class='cc-empty'>No calls yet: choose a customer above and start your first call.</p>"
NO_CUSTOMERS = (
    "<p class='cc-empty'>No customers to practise with yet: a trainer adds personas in the "
    "Persona workshop (or as YAML files in <code>personas/</code>).</p>"
)


def _choices(app: App) -> list[tuple[str, str]]:
    """The customers as they are on disk now: a persona saved a minute ago is playable."""
    try:
        return [(c.label(), c.id) for c in persona_cards(app.room.catalog())]
    except TrainerError:
        return []


def picker_updates(app: App, value: str | None = None) -> tuple:
    """The customer cards as on disk now, and the empty-state message when there are none; with
    a `value` (the workshop's test call) that customer is picked and the page shows the picker
    (a call in progress is left alone otherwise: a persona saved meanwhile only adds a card)."""
    choices = _choices(app)
    empty = "" if choices else NO_CUSTOMERS
    if value is None:
        return empty, gr.Radio(choices=choices), gr.skip(), gr.skip()
    return empty, gr.Radio(choices=choices, value=value), gr.Column(visible=True), gr.Column(visible=False)


def customer_line_html(view: CallView) -> str:
    """The customer's last line, big, under their name: the page's live region (see `LIVE_REGION_JS`)."""
    if not view.customer:
        return ""
    return (
        f"<div class='cc-line'><span class='cc-who'>{html_text(view.customer)}:</span> "
        f"<q>{html_text(view.line)}</q></div>"
    )


def _any_listed_or_new(picker: gr.Radio) -> gr.Radio:
    """The customer picker's choices are the files on disk when the page was built; it must not
    refuse an id it has not listed: a persona saved in the workshop a minute ago has to be
    playable through the HTTP API before any browser reloads the page. The practice room
    checks the id against the catalog itself (a clear "no persona ..." message). (An instance
    override, not a subclass: gradio writes a .pyi stub beside any module that subclasses one.)"""
    picker.preprocess = lambda payload: payload  # type: ignore[method-assign]
    return picker


def practice_page(app: App) -> tuple[tuple[gr.HTML, gr.Radio, gr.Column, gr.Column], gr.Button]:
    """The room's components and events; returns the picker (empty state, cards, the choosing
    and the call areas), which the workshop's test call and a page load update, and Resume."""
    token = gr.State("")
    choices = _choices(app)
    with gr.Column(elem_id="choose") as choose:
        gr.Markdown("### Choose your customer", elem_id="choose-title")
        empty_box = gr.HTML("" if choices else NO_CUSTOMERS, elem_id="no-customers")
        persona = _any_listed_or_new(
            gr.Radio(choices, label="Your customer", elem_id="persona-picker", elem_classes="cc-cards")
        )
        with gr.Row(equal_height=True, elem_id="call-options"):
            mode = gr.Radio(
                [("Coach: feedback after every reply", "coach"), ("Exam: no hints, a pass mark", "exam")],
                value="coach",
                label="Mode",
                scale=3,
            )
            level = gr.Radio(
                [("As written", ""), ("Easy", "easy"), ("Medium", "medium"), ("Hard", "hard")],
                value="",
                label="Difficulty",
                elem_id="level",
                scale=3,
            )
            model = app.room.llm_model()
            engine = gr.Radio(
                [("Scripted (offline)", "scripted"), (f"LLM ({model})", "llm")],
                value="scripted",
                label="Who words the customer's lines",
                visible=model is not None,  # shown only when an endpoint is configured
                scale=2,
            )
            hands_free = app.settings.hands_free_default
            talk = gr.Radio(
                [("Hands-free: just talk", HANDS_FREE), ("Push to talk", "push")],
                value=HANDS_FREE if hands_free else "push",
                label="How you answer",
                elem_id="talk-mode",
                scale=2,
            )
            with gr.Column(scale=2, min_width=200):
                resume = gr.Button(visible=False, variant="primary", elem_id="resume-call")
                start = gr.Button("Start the call", variant="primary", elem_id="start-call", interactive=False)
        past, past_plot, mine_id, open_mine, refresh, mine = _my_progress()

    with gr.Column(visible=False, elem_id="call") as call_area:
        status = gr.Markdown(elem_id="call-status")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                anger = gr.HTML(anger_meter_html(0), elem_id="anger-meter")
                line = gr.HTML(elem_id="customer-line")
                customer_audio = gr.Audio(
                    label="Customer's voice",
                    type="filepath",
                    autoplay=True,
                    interactive=False,
                    elem_id="customer-audio",
                    waveform_options=gr.WaveformOptions(show_recording_waveform=False),
                )
                chat = gr.Chatbot(label="Transcript", show_label=False, height=220, elem_id="transcript", buttons=[])
                heard = gr.Textbox(label="What was heard", interactive=False, lines=1, max_lines=2, elem_id="heard")
            with gr.Column(scale=2, elem_id="answer"):
                with gr.Column(elem_id="answer-box"):
                    # Hands-free: the microphone streams; a pause after the trainee's words sends them.
                    live = gr.Audio(
                        sources=["microphone"],
                        streaming=True,
                        label="Listening: just talk, a pause sends your answer",
                        elem_id="live-mic",
                        # No live waveform: drawing it took a third of a core in the trainee's browser
                        # (chromium 99% -> 65% of a core over a hands-free call); the words heard so
                        # far show on the page instead.
                        waveform_options=gr.WaveformOptions(show_recording_waveform=False),
                        # Always mounted, hidden by a class: a stream mounted later hears nothing, and
                        # gradio shows a "hidden" component again when it is updated.
                        elem_classes=[] if hands_free else [HIDDEN],
                    )
                    with gr.Column(visible=not hands_free) as push_box:
                        # Record, or upload a recording: a trainee without a microphone can still answer aloud.
                        mic = gr.Audio(
                            sources=["microphone", "upload"], type="filepath", label="Your answer", elem_id="mic"
                        )
                        send_audio = gr.Button("Send my recording", elem_id="send-recording", interactive=False)
                    with gr.Row(equal_height=True) as typed_row:
                        # One line, so Enter sends it (a walkthrough lost a reply to Enter adding a new line).
                        typed = gr.Textbox(
                            label="...or type your answer (Enter sends)",
                            lines=1,
                            max_lines=3,
                            elem_id="typed-reply",
                            scale=4,
                        )
                        send_text = gr.Button("Send", elem_id="send-typed", interactive=False, scale=1, min_width=80)
                coach = gr.HTML(elem_id="coach")
                end = gr.Button("End the call", variant="stop", elem_id="end-call")
                scorecard = gr.Markdown(elem_id="scorecard")
                again = gr.Button("Choose another customer", variant="primary", elem_id="new-call", visible=False)
                with gr.Accordion("Phrase bank: things to say when it turns hostile", open=False) as bank:
                    gr.Markdown(phrase_bank_markdown())

    outputs = [token, chat, customer_audio, anger, line, heard, coach, status, scorecard, bank, mic, typed]
    outputs += [send_audio, send_text, end, again, choose, call_area, live, push_box, typed_row]
    # Progress and a mistake's message show on the status line only, not as a red "Error" badge on
    # every panel of the call (a walkthrough found one mistake painting them all).

    def show(view: CallView, mode_value: str, view_owner: str) -> tuple:
        if view.warning:
            gr.Warning(view.status)
        status_text = view.status
        if view.ended and view.hard_call:
            status_text += "\n\n" + cool_down_markdown()
        on = not view.ended  # a finished call takes no more answers; its scorecard is shown instead
        return (
            view.token,  # kept after the end: a late Send or End gets "this call is over", not an error
            view.messages,
            _voice(view, view_owner),
            anger_meter_html(view.anger),
            customer_line_html(view),
            view.heard,
            view.coach,
            status_text,
            view.scorecard,
            gr.Accordion(visible=mode_value == "coach" and on),
            gr.Audio(value=None, interactive=on),
            gr.Textbox(value="", interactive=on),
            gr.Button(interactive=False),  # enabled again once there is a recording
            gr.Button(interactive=False),  # ... or typed words
            gr.Button(interactive=on, visible=on),
            gr.Button(visible=not on),
            gr.Column(visible=False),
            gr.Column(visible=True),
            # How the trainee answers is set when the call starts (`listening`); a finished call
            # takes no more answers. (A parent shown again would bring a "hidden" stream back.)
            gr.skip() if on else gr.Audio(elem_classes=[HIDDEN]),
            gr.skip() if on else gr.Column(visible=False),
            gr.Row(visible=on),
        )

    def _voice(view: CallView, view_owner: str):
        """The customer's new line; none when the trainee ended the call: their voice stops, as
        on a phone hung up (a walkthrough heard Dana talk on over the scorecard)."""
        if view.audio:
            return app.servable(view.audio, view_owner)
        return gr.Audio(value=None) if view.ended else gr.skip()

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

    def on_chunk(token_value: str, chunk: tuple | None, mode_value: str, request: gr.Request) -> tuple:
        """Hands-free: a chunk of the open microphone. The page changes when the trainee talks
        over the customer (their voice stops), pauses (the words so far show) or finishes a turn
        (answered)."""
        unchanged = tuple(gr.skip() for _ in outputs)
        if not chunk or not token_value:
            return unchanged
        rate, samples = chunk
        with user_errors():
            viewer = app.viewer(request)
            listened = app.room.listen(viewer, token_value, samples, rate)
        if listened.view is not None:
            return show(listened.view, mode_value, viewer.name)
        if listened.interrupted:  # barge-in: the customer stops mid-line, as on a phone
            stopped = list(unchanged)
            stopped[outputs.index(customer_audio)] = gr.Audio(value=None)
            return tuple(stopped)
        if listened.words_so_far:  # the words as they are heard, before the turn is over
            so_far = list(unchanged)
            so_far[outputs.index(heard)] = f"{listened.words_so_far} …"
            return tuple(so_far)
        return unchanged

    def listening(talk_value: str) -> tuple:
        hands = talk_value == HANDS_FREE
        return gr.Audio(elem_classes=[] if hands else [HIDDEN]), gr.Column(visible=not hands), gr.Row(visible=True)

    def on_again() -> tuple:
        """Back to choosing: the finished call's scorecard stays in "My progress"."""
        return gr.Column(visible=True), gr.Column(visible=False), gr.Radio(value=None)

    def on_progress(request: gr.Request) -> tuple:
        with user_errors():
            viewer = app.viewer(request)
            calls = app.log.list(trainee=viewer.name)  # once: the table and the chart show the same calls
            rows = call_rows(calls)
        points = review.trend_rows(calls)
        return (
            pd.DataFrame(rows),
            chart(review.trend_chart(points, "My scores over time", series=None)),
            ("" if rows else NO_CALLS_YET),
        )

    def on_mine(sid: str, request: gr.Request) -> str:
        """A trainee's own call with the manager's overrides and comments; nobody else's."""
        with user_errors():
            return review.session_html(review.open_session(app.log, app.viewer(request), sid))

    def on_pick(evt: gr.SelectData, request: gr.Request) -> tuple[str, str]:
        row = evt.row_value if evt is not None else None
        sid = str(row[0]) if row else ""
        return sid, on_mine(sid, request)

    enable = {"api_visibility": "private", "queue": False, "show_progress": "hidden"}
    persona.change(lambda chosen: gr.Button(interactive=bool(chosen)), persona, start, **enable)
    mic.change(lambda recording: gr.Button(interactive=bool(recording)), mic, send_audio, **enable)
    typed.change(
        lambda text: gr.Button(interactive=bool((text or "").strip())),
        typed,
        send_text,
        trigger_mode="always_last",
        **enable,
    )
    started = start.click(
        on_start, [persona, mode, engine, level], outputs, api_name="start_call", show_progress_on=status
    )
    started.success(lambda: gr.Button(visible=False), None, resume, api_visibility="private")
    started.success(listening, talk, [live, push_box, typed_row], api_visibility="private").then(
        None, talk, None, js=START_LISTENING
    )
    live.stream(
        on_chunk,
        [token, live, mode],
        outputs,
        stream_every=STREAM_EVERY_S,
        time_limit=1800,
        api_visibility="private",
        show_progress="hidden",
        concurrency_limit=None,  # each trainee's own stream: the library bounds the heavy work
    )
    open_mine.click(on_mine, mine_id, mine, api_name="my_session")
    past.select(on_pick, None, [mine_id, mine], api_visibility="private")
    send_text.click(on_text, [token, typed, mode], outputs, api_name="reply_text", show_progress_on=status)
    typed.submit(on_text, [token, typed, mode], outputs, api_visibility="private", show_progress_on=status)
    send_audio.click(on_audio, [token, mic, mode], outputs, api_name="reply_audio", show_progress_on=status)
    end.click(on_end, [token, mode], outputs, api_name="end_call", show_progress_on=status).then(
        None, None, None, js=STOP_LISTENING
    )
    again.click(on_again, None, [choose, call_area, persona], api_visibility="private")
    refresh.click(on_progress, None, [past, past_plot, mine], api_name="my_progress")
    resume.click(on_resume, None, [*outputs, resume], api_name="resume_call", show_progress_on=status).success(
        listening, talk, [live, push_box, typed_row], api_visibility="private"
    )
    return (empty_box, persona, choose, call_area), resume


def _my_progress() -> tuple:
    """The trainee's own past calls, scores over time and any one call opened, under the picker."""
    with gr.Accordion("My progress", open=False):
        refresh = gr.Button("Show my past calls")
        past = gr.Dataframe(interactive=False, elem_id="progress")
        past_plot = gr.Plot(label="My scores over time", elem_id="progress-plot")  # a marker per call
        with gr.Row():
            mine_id = gr.Textbox(label="Call id (click a row above)")
            open_mine = gr.Button("Open this call")
        mine = gr.HTML(elem_id="my-call")
    return past, past_plot, mine_id, open_mine, refresh, mine
