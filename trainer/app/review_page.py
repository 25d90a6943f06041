"""The review desk's page: filter scored calls, open one, override, comment and correct the grader."""

import uuid

import gradio as gr
import pandas as pd

from trainer.app import review
from trainer.app.shell import App, user_errors
from trainer.formats.errors import TrainerError
from trainer.playbook import Archetype, Behaviour


def review_page(app: App) -> None:
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
        with user_errors():
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
        with user_errors():
            viewer = app.viewer(request)
            text = review.export_csv(app.log, viewer, _filter(*values))
        path = app.media / f"sessions-{uuid.uuid4().hex[:8]}.csv"
        path.write_text(text, encoding="utf-8")
        return gr.File(value=app.servable(path, viewer.name), visible=True)

    def on_open(sid: str, request: gr.Request) -> tuple:
        with user_errors():
            session = review.open_session(app.log, app.viewer(request), sid)
        return (
            session["id"],
            review.session_html(session),
            gr.Dropdown(choices=review.recordings(session), value=None),
            None,
            gr.Dropdown(choices=review.scored_rubrics(session), value=None),
        )

    def on_override(sid: str, rubric_id: str | None, score: float | None, why: str, request: gr.Request) -> str:
        with user_errors():
            if not rubric_id or score is None:
                raise TrainerError("pick a rubric and give the new score")
            viewer = app.viewer(request)
            review.override_score(app.log, viewer, sid, rubric_id, int(score), why or "")
            session = review.open_session(app.log, viewer, sid)
        gr.Info("Override saved; the original score is kept.")
        return review.session_html(session)

    def on_comment(sid: str, index: float | None, text: str, request: gr.Request) -> str:
        with user_errors():
            if index is None:
                raise TrainerError("say which turn the comment is about")
            viewer = app.viewer(request)
            review.comment_turn(app.log, viewer, sid, int(index), text or "")
            session = review.open_session(app.log, viewer, sid)
        return review.session_html(session)

    def on_correct(
        sid: str, index: float | None, behaviour: str | None, verdict: str | None, why: str, request: gr.Request
    ) -> str:
        with user_errors():
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
        with user_errors():
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
