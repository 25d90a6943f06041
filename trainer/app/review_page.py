"""The review desk's page: the calls, the team and the charts; open one call to hear each turn,
override a score, comment on a reply and correct the grader.

The desk fills itself when a manager's page loads (and on "Show sessions"). A call opens by a
click on its row; each turn of it plays from its own player beside its words. Charts are
vega-lite specifications from `review` drawn by gr.Plot (`chart`), so a trend has a marker
on every call and the rubric names never overlap.
"""

import json
import uuid
from urllib.parse import quote

import gradio as gr
from gradio.components.plot import AltairPlotData

from trainer.app import review
from trainer.app.access import Viewer
from trainer.app.shell import App, user_errors
from trainer.formats.errors import TrainerError
from trainer.playbook import Archetype, Behaviour

FILTER_NAMES = [
    "trainee",
    "persona",
    "archetype",
    "date_from",
    "date_to",
    "score_min",
    "score_max",
    "rough_only",
    "include_tests",
]
TEAM_NOTE = (
    "Each trainee over the calls the filters select (set **From** to a Monday to look at one week). "
    "Abandoned and unfinished calls are not counted; test calls only with “Include test calls”. "
    "**Click a trainee to open their latest rough call**; open the others by their id below."
)
# (id, when, trainee, customer, archetype, mode, outcome, score, grader, notes): 1200 px in all, so
# the table fits a 1280 px screen; a longer name or outcome wraps in its cell.
COLUMN_WIDTHS = ["94px", "166px", "96px", "150px", "120px", "70px", "170px", "68px", "78px", "188px"]


def chart(spec: dict | None) -> AltairPlotData | None:
    """A vega-lite specification from `review` (`trend_chart`, `rubric_chart`, `rubric_trend_chart`)
    as the value of a gr.Plot: `gr.Plot(...)` in the layout, `chart(review.trend_chart(...))`
    from the handler. gradio draws it with its own vega-embed (no plotting package needed), in
    the page's fonts and colours, and fits it to its box, also when it was drawn in a hidden tab."""
    if not spec:
        return None
    kind = "bar" if any(layer["mark"]["type"] == "bar" for layer in spec.get("layer", [])) else "line"
    return AltairPlotData(type="altair", plot=json.dumps(spec), chart=kind)


def file_url(served: str | None) -> str | None:
    """Where the browser fetches a file `App.servable` handed out (relative: works behind a proxy)."""
    return f"gradio_api/file={quote(served, safe='/')}" if served else None


def review_page(app: App) -> None:
    current = gr.State("")  # the full id of the opened call
    shown = gr.State({})  # short id in the table -> full id
    team_calls = gr.State({})  # trainee as the team table shows it -> their latest rough call's id
    with gr.Row():
        trainee = gr.Textbox(label="Trainee", placeholder="all")
        persona = gr.Textbox(label="Persona id", placeholder="all")
        archetype = gr.Dropdown(["(all)", *[a.value for a in Archetype]], value="(all)", label="Archetype")
        date_from = gr.Textbox(label="From (YYYY-MM-DD)")
        date_to = gr.Textbox(label="To (YYYY-MM-DD)")
    with gr.Row():
        score_min = gr.Slider(0, 100, value=0, step=1, label="Score at least")
        score_max = gr.Slider(0, 100, value=100, step=1, label="Score at most")
        with gr.Column(min_width=220):
            rough = gr.Checkbox(label="Rough calls only (abuse, hang-ups, very low scores)")
            tests = gr.Checkbox(label="Include test calls (trainers trying a persona)", elem_id="include-tests")
        apply = gr.Button("Show sessions", variant="primary", elem_id="review-apply")
    note = gr.Markdown(elem_id="desk-note")
    with gr.Tabs():
        with gr.Tab("Calls", id="calls"):
            table = gr.Dataframe(
                headers=review.TABLE_HEADERS,
                datatype=["str", "str", "str", "str", "str", "str", "str", "number", "number", "str"],
                interactive=False,
                wrap=True,
                column_widths=COLUMN_WIDTHS,
                max_height=420,
                elem_id="sessions-table",
            )
            with gr.Row():
                export = gr.Button("Export these sessions as CSV", size="sm")
                csv_file = gr.File(label="CSV", interactive=False, visible=False)  # shown once there is a file
        with gr.Tab("Team", id="team"):
            gr.Markdown(TEAM_NOTE)
            team = gr.Dataframe(
                headers=review.TEAM_HEADERS,
                datatype=["str", "number", "number", "number", "str", "number", "str"],
                interactive=False,
                wrap=True,
                elem_id="team-table",
            )
        with gr.Tab("Charts", id="charts"):
            with gr.Row():
                trend = gr.Plot(label="Scores over time", show_label=False, elem_id="trend")
                averages = gr.Plot(label="Average per rubric", show_label=False, elem_id="rubric-averages")
            rubric_trend = gr.Plot(label="Each rubric over time", show_label=False, elem_id="rubric-trend")
    with gr.Row():
        session_id = gr.Textbox(label="Session id (or click a row above)", elem_id="session-id", scale=3)
        open_button = gr.Button("Open session", elem_id="open-session", scale=1, min_width=160)
    detail = gr.HTML(elem_id="session-detail")
    with gr.Accordion("Override a score or comment on a reply (the original score is kept)", open=False):
        with gr.Row():
            rubric = gr.Dropdown([], label="Rubric", interactive=True)
            # Text, not a number box: an untouched number box reads 0 and saved an override to 0.
            new_score = gr.Textbox(label="New score", placeholder="0 to 100", elem_id="override-score")
            reason = gr.Textbox(label="Reason (the trainee sees it)")
            override = gr.Button("Save override")
        with gr.Row():
            turn = gr.Number(label="Reply (1 = the trainee's first)", precision=0, elem_id="comment-turn")
            comment = gr.Textbox(label="Comment on that reply")
            add_comment = gr.Button("Save comment")
    with (
        gr.Accordion("Correct the grader: a behaviour found wrongly or missed (the call is regraded)", open=False),
        gr.Row(),
    ):
        fix_turn = gr.Number(label="Reply (1 = the trainee's first)", precision=0, elem_id="correct-turn")
        fix_behaviour = gr.Dropdown(
            [b.value for b in Behaviour], label="Behaviour", interactive=True, elem_id="correct-behaviour"
        )
        fix_verdict = gr.Radio(list(review.VERDICTS), label="It was", elem_id="correct-verdict")
        fix_reason = gr.Textbox(label="Why (kept with the correction)", elem_id="correct-reason")
        fix = gr.Button("Save correction", elem_id="correct-save")
    filters = [trainee, persona, archetype, date_from, date_to, score_min, score_max, rough, tests]

    def _filter(*values) -> review.SessionFilter:
        try:
            return review.SessionFilter(**dict(zip(FILTER_NAMES, values, strict=True)))
        except ValueError as exc:
            raise TrainerError(review.filter_problem(exc)) from exc

    def _desk(viewer: Viewer, wanted: review.SessionFilter) -> tuple:
        selection = review.select_sessions(app.log, viewer, wanted)
        rows, label_local = selection.rows, not viewer.local
        people = review.team_view(rows)
        team_rows = review.team_table(people, label_local)
        said = review.selection_note(app.log, selection, wanted)
        return (
            review.table_rows(rows, label_local),
            f"<div class='cc-empty'>{said}</div>" if not rows else said,  # what to do first, in a box
            team_rows,
            chart(review.trend_chart(review.trend_rows(rows))),
            chart(review.rubric_chart(review.rubric_averages(app.log, rows))),
            chart(review.rubric_trend_chart(review.rubric_points(app.log, rows))),
            {review.short_id(s.id): s.id for s in rows},
            {row[0]: (p.rough[0] if p.rough else None) for p, row in zip(people, team_rows, strict=True)},
        )

    def on_apply(t, p, a, df, dt, smin, smax, r, with_tests, request: gr.Request) -> tuple:
        with user_errors():
            viewer = app.viewer(request)
            viewer.require_review()
            return _desk(viewer, _filter(t, p, a, df, dt, smin, smax, r, with_tests))

    def on_load(request: gr.Request) -> tuple:
        """A manager's desk is filled as the page opens; anyone else's page is left alone."""
        try:
            viewer = app.viewer(request)
        except TrainerError:
            viewer = None
        if viewer is None or not viewer.can_review:
            return tuple(gr.skip() for _ in desk_outputs)
        return _desk(viewer, review.SessionFilter())

    def on_export(t, p, a, df, dt, smin, smax, r, with_tests, request: gr.Request) -> gr.File:
        with user_errors():
            viewer = app.viewer(request)
            text = review.export_csv(app.log, viewer, _filter(t, p, a, df, dt, smin, smax, r, with_tests))
        path = app.media / f"sessions-{uuid.uuid4().hex[:8]}.csv"
        path.write_text(text, encoding="utf-8")
        return gr.File(value=app.servable(path, viewer.name), visible=True)

    def _detail(viewer: Viewer, session: dict) -> str:
        """The call's HTML with a player per recording, each file handed to this viewer alone."""
        audio = review.turn_audio(
            session, app.settings.sessions_dir, lambda path: file_url(app.servable(path, viewer.name))
        )
        return review.session_html(session, audio)

    def on_open(sid: str, request: gr.Request) -> tuple:
        with user_errors():
            viewer = app.viewer(request)
            session = review.open_session(app.log, viewer, sid)
            html = _detail(viewer, session)
        return session["id"], html, gr.Dropdown(choices=review.scored_rubrics(session), value=None)

    def on_select(ids: dict, evt: gr.SelectData, request: gr.Request) -> tuple:
        row = evt.row_value if evt is not None else None
        if not row or not str(row[0]).strip():  # an empty table's blank row
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        sid = (ids or {}).get(str(row[0]), str(row[0]))
        return (sid, *on_open(sid, request))

    def on_team_select(calls: dict, evt: gr.SelectData, request: gr.Request) -> tuple:
        row = evt.row_value if evt is not None else None
        if not row:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        sid = (calls or {}).get(str(row[0]))
        if not sid:
            gr.Info(f"{row[0]} has no rough calls in this selection.")
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return (sid, *on_open(sid, request))

    def on_override(sid: str, rubric_id: str | None, score: str | None, why: str, request: gr.Request) -> str:
        with user_errors():
            if not rubric_id:
                raise TrainerError("pick the rubric the new score is for")
            viewer = app.viewer(request)
            review.override_score(app.log, viewer, sid, rubric_id, review.parse_score(score), why or "")
            html = _detail(viewer, review.open_session(app.log, viewer, sid))
        gr.Info("Override saved; the original score is kept.")
        return html

    def on_comment(sid: str, reply: float | None, text: str, request: gr.Request) -> str:
        """`reply` as the page numbers them: 1 is the trainee's first answer."""
        with user_errors():
            viewer = app.viewer(request)
            review.comment_turn(app.log, viewer, sid, reply, text or "")
            html = _detail(viewer, review.open_session(app.log, viewer, sid))
        return html

    def on_correct(
        sid: str, reply: float | None, behaviour: str | None, verdict: str | None, why: str, request: gr.Request
    ) -> str:
        """`reply` as the page numbers them: 1 is the trainee's first answer."""
        with user_errors():
            viewer = app.viewer(request)
            review.correct_behaviour(
                app.log, app.room.catalog(), viewer, sid, reply, behaviour or "", verdict or "", why or ""
            )
            html = _detail(viewer, review.open_session(app.log, viewer, sid))
        gr.Info("Correction saved; the call was regraded and the first score kept.")
        return html

    desk_outputs = [table, note, team, trend, averages, rubric_trend, shown, team_calls]
    # A mistake's message pops up and marks the line above the table only: the table, the team
    # and the charts keep what they showed (a red "Error" badge on each panel hid them all).
    apply.click(on_apply, filters, desk_outputs, api_name="review_sessions", show_progress_on=note)
    tests.change(on_apply, filters, desk_outputs, api_visibility="private", show_progress_on=note)
    gr.on(None, on_load, None, desk_outputs, api_visibility="private", show_progress_on=note)  # as the page loads
    export.click(on_export, filters, csv_file, api_name="export_csv")
    opened = [current, detail, rubric]
    open_button.click(on_open, session_id, opened, api_name="open_session", show_progress_on=detail)
    picked = {"api_visibility": "private", "scroll_to_output": True, "show_progress_on": detail}
    table.select(on_select, shown, [session_id, *opened], **picked)
    team.select(on_team_select, team_calls, [session_id, *opened], **picked)
    # An override or a correction changes the score that counts: the table, team and charts follow.
    refresh = {
        "fn": on_apply,
        "inputs": filters,
        "outputs": desk_outputs,
        "api_visibility": "private",
        "show_progress_on": note,
    }
    # A form's mistake is its message only: the opened call stays in view, unmarked.
    saved = override.click(
        on_override, [current, rubric, new_score, reason], detail, api_name="override_score", show_progress_on=override
    )
    saved.success(**refresh)
    add_comment.click(
        on_comment, [current, turn, comment], detail, api_name="comment_turn", show_progress_on=add_comment
    )
    fixed = fix.click(
        on_correct,
        [current, fix_turn, fix_behaviour, fix_verdict, fix_reason],
        detail,
        api_name="correct_behaviour",
        show_progress_on=fix,
    )
    fixed.success(**refresh)
