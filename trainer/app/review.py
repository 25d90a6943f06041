"""The review desk's logic: filter sessions, open one, chart and sum up the team, export what is shown.

Every function takes the Viewer: the desk is a manager's, and a trainee who calls these
endpoints directly gets their own calls at most, never a colleague's.

What counts: a call's score is the one `SessionSummary.score` gives (a manager's overrides,
else the regrade after corrections, else the grader's), and the grader's stays beside it.
A call nobody finished (abandoned, or still in progress) has no score: it is listed as such
and counted in no average, trend or team figure. A trainer's test call from the persona
workshop is marked in the log and left out unless the manager asks for test calls.

Turns are numbered the way the pages show them: reply 1 is the trainee's first answer (the
log's turn 0, which also holds the customer's opening line). The conversion happens here,
at the boundary (`reply_turn`); the log keeps its own indices.
"""

import csv
import io
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from statistics import mean

from pydantic import BaseModel, Field, field_validator

from trainer import corrections
from trainer.app.access import Forbidden, Viewer
from trainer.app.plain import cell_text, html_text
from trainer.catalog import Catalog
from trainer.formats.call import Outcome
from trainer.formats.errors import TrainerError
from trainer.playbook import Behaviour, is_good
from trainer.scoring.outcome import outcome_label, outcome_words
from trainer.sessionlog import SessionLog, SessionNotFound, SessionSummary

ROUGH_OUTCOMES = {"customer_hung_up"}
UNFINISHED = {Outcome.abandoned.value, Outcome.in_progress.value}
NO_CALLS_YET = "No calls yet: trainees' calls appear here once they finish one in the practice room."
ONLY_TESTS = (
    "Only test calls from the persona workshop so far: trainees' calls appear here once they finish one "
    "in the practice room (tick “Include test calls” to see the tests)."
)
NO_MATCH = "No calls match these filters: widen the dates or the score range, or clear the trainee and persona."
# "score" is the one that counts (overrides, else a regrade, else the grader's "overall").
CSV_FIELDS = [
    "id",
    "trainee",
    "persona_id",
    "archetype",
    "mode",
    "started_at",
    "outcome",
    "score",
    "overall",
    "regraded_overall",
    "reviewed_overall",
    "rough",
    "turns",
    "test_call",
    "local_mode",
]
# The first eight keep their places (id, when, ..., outcome, score): callers index them.
TABLE_HEADERS = ["id", "when", "trainee", "customer", "archetype", "mode", "outcome", "score", "grader", "notes"]
TEAM_HEADERS = ["trainee", "calls this week", "calls", "average", "trend", "rough calls", "rough calls to check on"]
SHORT_ID = 8  # characters of a call's id shown in tables; any unique prefix of 6 or more opens it


class SessionFilter(BaseModel):
    """The desk's filters, validated once at the boundary (dates typed as YYYY-MM-DD)."""

    trainee: str = ""
    persona: str = ""
    archetype: str = ""
    date_from: date | None = None
    date_to: date | None = None
    score_min: int = Field(0, ge=0, le=100)
    score_max: int = Field(100, ge=0, le=100)
    rough_only: bool = False
    include_tests: bool = False  # trainers' test calls from the workshop: left out unless asked for

    @field_validator("date_from", "date_to", mode="before")
    @classmethod
    def _blank_date(cls, value: object) -> object:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return datetime.fromtimestamp(value).date()  # gr.DateTime sends a timestamp
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("trainee", "persona", "archetype", mode="before")
    @classmethod
    def _none_is_all(cls, value: object) -> object:
        return "" if value is None or value == "(all)" else value


def filter_problem(exc: ValueError) -> str:
    """A filter pydantic refused, in words: which field, and what it takes."""
    fields = {str(e["loc"][0]) for e in getattr(exc, "errors", lambda: [])() if e.get("loc")}
    if fields & {"date_from", "date_to"}:
        return "type the dates as YYYY-MM-DD, for example 2024-05-31 (or leave them empty)"
    if fields & {"score_min", "score_max"}:
        return "the scores go from 0 to 100"
    return "check the filters: one of them could not be read"


class Selection(BaseModel):
    """The calls the filters select, and how many test calls they left out."""

    rows: list[SessionSummary]
    hidden_tests: int = 0


def is_rough(summary: SessionSummary) -> bool:
    """Abuse, a hang-up or a very low score: a manager checks on the trainee (strategies 11, 12)."""
    return summary.hard_call or summary.outcome in ROUGH_OUTCOMES


def counted(summary: SessionSummary) -> bool:
    """A finished, graded call: only these go into averages, trends and the team view."""
    return summary.outcome not in UNFINISHED and summary.score is not None


def short_id(session_id: str) -> str:
    return session_id[:SHORT_ID]


def select_sessions(log: SessionLog, viewer: Viewer, wanted: SessionFilter) -> Selection:
    """A manager sees everyone's calls; anyone else only their own, whatever filter they send."""
    trainee = wanted.trainee or None
    if not viewer.can_review:
        if trainee not in (None, viewer.name):
            raise Forbidden("you can only see your own calls")
        trainee = viewer.name
    start = datetime.combine(wanted.date_from, time.min) if wanted.date_from else None
    end = datetime.combine(wanted.date_to, time.max) if wanted.date_to else None
    full_range = wanted.score_min == 0 and wanted.score_max == 100
    kept, hidden = [], 0
    for s in log.list(trainee=trainee, persona=wanted.persona or None):
        when = s.started_at.replace(tzinfo=None)
        if wanted.archetype and s.archetype != wanted.archetype:
            continue
        if (start and when < start) or (end and when > end):
            continue
        if s.score is None and not full_range:
            continue
        if s.score is not None and not wanted.score_min <= s.score <= wanted.score_max:
            continue
        if wanted.rough_only and not is_rough(s):
            continue
        if s.test_call and not wanted.include_tests:
            hidden += 1
            continue
        kept.append(s)
    return Selection(rows=kept, hidden_tests=hidden)


def filter_sessions(log: SessionLog, viewer: Viewer, wanted: SessionFilter) -> list[SessionSummary]:
    """The calls the filters select, newest first (test calls only when asked for)."""
    return select_sessions(log, viewer, wanted).rows


def notes(s: SessionSummary, label_local: bool = True) -> str:
    """What a manager should know about a row at a glance. `label_local`: say "local mode" (off
    when the desk itself runs in local mode, where every call is one)."""
    words = []
    if is_rough(s):
        words.append("⚑ rough")
    if s.outcome in UNFINISHED:
        words.append("not counted")
    if s.test_call:
        words.append("test call")
    if s.local_mode and label_local:
        words.append("local mode")
    return " · ".join(words)


def table_rows(rows: list[SessionSummary], label_local: bool = True) -> list[list]:
    """One row per call: the score that counts, and the grader's beside it when a manager changed it."""
    return [
        [
            short_id(s.id),
            f"{s.started_at:%Y-%m-%d %H:%M}",
            cell_text(s.trainee),
            cell_text(s.persona_name),
            s.archetype.replace("_", " "),
            s.mode,
            outcome_label(s.outcome),
            s.score,
            s.overall if s.score is not None and s.overall is not None and s.overall != s.score else None,
            notes(s, label_local),
        ]
        for s in rows
    ]


def selection_note(log: SessionLog, selection: Selection, wanted: SessionFilter) -> str:
    """Above the table: what to do first when it is empty, else what is in it and what is not."""
    rows = selection.rows
    if not rows:
        total = log.count()
        if total == 0:
            return NO_CALLS_YET
        if selection.hidden_tests and total == selection.hidden_tests and not wanted.include_tests:
            return ONLY_TESTS
        return NO_MATCH
    parts = [f"{len(rows)} call{'s' if len(rows) != 1 else ''} shown"]
    open_calls = sum(1 for s in rows if s.outcome in UNFINISHED)
    if open_calls:
        parts.append(f"{open_calls} abandoned or still going, counted in no average")
    if selection.hidden_tests:
        parts.append(f"{selection.hidden_tests} test call{'s' if selection.hidden_tests != 1 else ''} left out")
    return " · ".join(parts) + ". Click a row to open the call."


def export_csv(log: SessionLog, viewer: Viewer, wanted: SessionFilter) -> str:
    """The sessions a manager sees under these filters, as CSV; the export is audited."""
    viewer.require_review()
    rows = filter_sessions(log, viewer, wanted)
    log.audit("export", viewer.name, f"{len(rows)} sessions as CSV ({wanted.model_dump_json(exclude_defaults=True)})")
    return csv_text(rows, log)


def csv_text(rows: list[SessionSummary], log: SessionLog | None = None) -> str:
    """One row per call. With the log: each rubric's score as it counts (a manager's override in
    place of the grader's), and the managers' overrides and comments in words."""
    details = {s.id: _review_columns(log, s.id) for s in rows} if log is not None else {}
    rubric_columns = sorted({k for d in details.values() for k in d if k.startswith("rubric:")})
    fields = CSV_FIELDS + ([*rubric_columns, "overrides", "comments"] if log is not None else [])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    for s in rows:
        data = s.model_dump(mode="json")
        row = {**{k: data.get(k) for k in CSV_FIELDS}, "score": s.score, "rough": is_rough(s)}
        writer.writerow({**row, **details.get(s.id, {})})
    return out.getvalue()


def _review_columns(log: SessionLog, session_id: str) -> dict[str, object]:
    session = log.get(session_id)
    card = session.get("regraded_scorecard") or session.get("scorecard") or {}
    reviews = log.reviews(session_id)
    overridden = {r["rubric"]: r for r in reviews if r["rubric"]}  # the latest counts
    columns: dict[str, object] = {}
    for key, rubric in (card.get("rubrics") or {}).items():
        if rubric.get("applicable"):
            columns[f"rubric:{key}"] = overridden[key]["score"] if key in overridden else rubric.get("score")
    columns["overrides"] = "; ".join(
        f"{r['rubric']} {r['score']} by {r['author']}: {r['text']}" for r in overridden.values()
    )
    columns["comments"] = "; ".join(
        f"reply {r['turn'] + 1} by {r['author']}: {r['text']}" for r in reviews if r["turn"] is not None
    )
    return columns


# -- charts: vega-lite specifications, drawn by the page (`review_page.chart`) -------------------
def _when(moment: datetime) -> str:
    """The wall-clock time the tables show (UTC), for a chart that reads it as it is written."""
    return moment.replace(tzinfo=None).isoformat(timespec="minutes")


def trend_rows(rows: list[SessionSummary]) -> list[dict]:
    """One point per finished call, oldest first: each trainee's score (as it counts) over time."""
    return [
        {
            "when": _when(s.started_at),
            "trainee": s.trainee,
            "score": s.score,
            "call": short_id(s.id),
            "customer": s.persona_name,
        }
        for s in sorted(rows, key=lambda s: s.started_at)
        if counted(s)
    ]


def rubric_points(log: SessionLog, rows: list[SessionSummary], limit: int = 500) -> list[dict]:
    """Each rubric's score on each of the newest `limit` finished calls, with the call's time."""
    shown = [s for s in rows if counted(s)][:limit]
    scores = log.rubric_scores([s.id for s in shown])
    return [
        {"when": _when(s.started_at), "rubric": p.name, "score": p.score, "call": short_id(s.id)}
        for s in shown
        for p in scores.get(s.id, [])
    ]


def rubric_averages(log: SessionLog, rows: list[SessionSummary], limit: int = 500) -> list[dict]:
    """The mean score per rubric over the shown calls (where the rubric applied)."""
    totals: dict[str, list[int]] = {}
    for point in rubric_points(log, rows, limit):
        totals.setdefault(point["rubric"], []).append(point["score"])
    return [
        {"rubric": name, "average": round(sum(v) / len(v), 1), "calls": len(v)} for name, v in sorted(totals.items())
    ]


CHART_HEIGHT = 240


def trend_chart(points: list[dict], title: str = "Scores over time", series: str | None = "trainee") -> dict | None:
    """Scores over time, a line per `series` (e.g. trainee) with a marker on every call, so a
    trainee with one call is a dot, not nothing. None without points. The practice room's
    "My progress" can draw a trainee's own: `trend_chart(trend_rows(calls), "My scores", None)`."""
    if not points:
        return None
    tooltip = [{"field": "when", "type": "temporal", "title": "when", "format": "%Y-%m-%d %H:%M"}]
    tooltip += [{"field": k, "type": "nominal"} for k in ("trainee", "rubric", "customer", "call") if k in points[0]]
    tooltip.append({"field": "score", "type": "quantitative"})
    encoding: dict = {
        "x": {"field": "when", "type": "temporal", "title": None, "axis": _time_axis(points)},
        "y": {"field": "score", "type": "quantitative", "scale": {"domain": [0, 100]}, "title": "score"},
        "tooltip": tooltip,
    }
    if series:
        encoding["color"] = {"field": series, "type": "nominal", "title": None, "legend": {"orient": "bottom"}}
    return _spec(title, points, encoding, [_line(), _marker()])


def rubric_trend_chart(points: list[dict], title: str = "Each rubric over time (daily average)") -> dict | None:
    """Each rubric's average per day, a line and a marker per rubric: which skill is moving."""
    if not points:
        return None
    day = {"field": "when", "timeUnit": "yearmonthdate", "type": "temporal"}
    encoding = {
        "x": {**day, "title": None, "axis": _time_axis(points, by_day=True)},
        "y": {"aggregate": "mean", "field": "score", "type": "quantitative", "scale": {"domain": [0, 100]}},
        "color": {"field": "rubric", "type": "nominal", "title": None, "legend": {"orient": "bottom", "columns": 2}},
        "tooltip": [
            {**day, "title": "day", "format": "%Y-%m-%d"},
            {"field": "rubric", "type": "nominal"},
            {"aggregate": "mean", "field": "score", "type": "quantitative", "title": "average", "format": ".0f"},
            {"aggregate": "count", "field": "score", "type": "quantitative", "title": "calls"},
        ],
    }
    spec = _spec(title, points, encoding, [_line(), _marker()])
    spec["encoding"]["y"]["title"] = "average score"
    return spec


def rubric_chart(averages: list[dict], title: str = "Average per rubric") -> dict | None:
    """Horizontal bars, one per rubric, its name beside it in full and its average at the bar's
    end: long rubric names never overlap as they did under vertical bars."""
    if not averages:
        return None
    encoding = {
        "y": {"field": "rubric", "type": "nominal", "sort": "-x", "title": None, "axis": {"labelLimit": 280}},
        "x": {"field": "average", "type": "quantitative", "scale": {"domain": [0, 100]}, "title": "average score"},
        "tooltip": [
            {"field": "rubric", "type": "nominal"},
            {"field": "average", "type": "quantitative"},
            {"field": "calls", "type": "quantitative"},
        ],
    }
    label = {"mark": {"type": "text", "align": "left", "dx": 4}, "encoding": {"text": {"field": "average"}}}
    spec = _spec(title, averages, encoding, [{"mark": {"type": "bar"}, "encoding": {}}, label])
    spec["height"] = {"step": 30}
    return spec


def _time_axis(points: list[dict], by_day: bool = False) -> dict:
    """Hours and minutes (24 h, as the tables) within one day; else a tick per day (per week over
    more than a month), each labelled once."""
    days = sorted({p["when"][:10] for p in points})
    if len(days) == 1:
        return {"format": "%b %d" if by_day else "%H:%M", "tickCount": 6, "labelOverlap": True}
    span = (date.fromisoformat(days[-1]) - date.fromisoformat(days[0])).days
    return {"format": "%b %d", "tickCount": {"interval": "day" if span <= 31 else "week"}, "labelOverlap": True}


def _spec(title: str, values: list[dict], encoding: dict, layers: list[dict]) -> dict:
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": title,
        "height": CHART_HEIGHT,  # the page sets the width to its own
        "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": values},
        "encoding": encoding,
        "layer": layers,
    }


def _line() -> dict:
    return {"mark": {"type": "line", "strokeWidth": 2}, "encoding": {}}


def _marker() -> dict:
    mark = {"type": "point", "filled": True, "size": 80, "opacity": 1, "stroke": "white", "strokeWidth": 1}
    return {"mark": mark, "encoding": {}}


# -- the team: each trainee at a glance ---------------------------------------------------
class TeamRow(BaseModel):
    """One trainee over the selected calls: how much they practised this week, how they score,
    which way it goes, and the rough calls a manager should check on (strategies 11, 12)."""

    trainee: str
    calls_this_week: int
    calls: int
    average: int
    trend: str
    rough: list[str]  # the rough calls' ids, newest first
    local_mode: bool = False


def week_start(now: datetime) -> datetime:
    """Monday 00:00 (UTC, as the tables show times) of the week `now` is in."""
    now = now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC)
    return datetime.combine(now.date() - timedelta(days=now.weekday()), time.min, tzinfo=UTC)


def trend_words(scores: list[int]) -> str:
    """The latest calls against the ones before them, up to three each (`scores` oldest first)."""
    if len(scores) < 2:
        return "one call so far"
    n = min(3, len(scores) // 2)
    change = round(mean(scores[-n:]) - mean(scores[-2 * n : -n]))
    if change >= 3:
        return f"▲ up {change}"
    if change <= -3:
        return f"▼ down {-change}"
    return "→ steady"


def team_view(rows: list[SessionSummary], now: datetime | None = None) -> list[TeamRow]:
    """Per trainee, over the finished calls in `rows` (abandoned and unfinished ones left out)."""
    since = week_start(now or datetime.now(UTC))
    by_trainee: dict[str, list[SessionSummary]] = {}
    for s in sorted((s for s in rows if counted(s)), key=lambda s: s.started_at):
        by_trainee.setdefault(s.trainee, []).append(s)
    team = []
    for trainee, calls in sorted(by_trainee.items()):
        scores = [s.score for s in calls if s.score is not None]
        team.append(
            TeamRow(
                trainee=trainee,
                calls_this_week=sum(1 for s in calls if s.started_at >= since),
                calls=len(calls),
                average=round(mean(scores)),
                trend=trend_words(scores),
                rough=[s.id for s in reversed(calls) if is_rough(s)],
                local_mode=any(s.local_mode for s in calls),
            )
        )
    return team


def team_table(team: list[TeamRow], label_local: bool = True) -> list[list]:
    def ids(row: TeamRow) -> str:
        shown = " ".join(short_id(i) for i in row.rough[:4])
        return shown + (f" +{len(row.rough) - 4} more" if len(row.rough) > 4 else "")

    return [
        [
            cell_text(r.trainee) + (" (local mode)" if r.local_mode and label_local else ""),
            r.calls_this_week,
            r.calls,
            r.average,
            r.trend,
            len(r.rough),
            ids(r),
        ]
        for r in team
    ]


# -- one call ---------------------------------------------------------------------------------
def open_session(log: SessionLog, viewer: Viewer, session_id: str) -> dict:
    """The whole session, if the viewer may read it; a colleague's call looks like a missing one."""
    if not session_id or not session_id.strip():
        raise TrainerError("pick a session first: click a row in the table, or type its id")
    try:
        session = log.get(session_id.strip())
    except SessionNotFound as exc:
        raise Forbidden("no such session") from exc
    viewer.require_read(session["trainee"])
    session["reviews"] = log.reviews(session["id"])
    session["corrections"] = log.corrections(session["id"])
    return session


def override_score(log: SessionLog, viewer: Viewer, session_id: str, rubric: str, score: int, reason: str) -> None:
    """A manager's score for one rubric, with a reason; the trainee sees it beside the original."""
    viewer.require_review()
    session = open_session(log, viewer, session_id)
    log.override_score(session["id"], rubric, int(score), reason, viewer.name)


def parse_score(value: object) -> int:
    """A score typed on the page: a whole number from 0 to 100, or a message saying so."""
    text = "" if value is None else str(value).strip()
    if not text:
        raise TrainerError("give the new score: a whole number from 0 to 100")
    try:
        number = float(text)
    except ValueError:
        number = -1.0
    if not number.is_integer() or not 0 <= number <= 100:
        raise TrainerError(f"the new score is a whole number from 0 to 100, not {text!r}")
    return int(number)


def reply_turn(session: dict, reply: int | float | None) -> int:
    """The log's turn index of "reply N" as the page numbers them (reply 1 = turn 0)."""
    if reply is None:
        raise TrainerError("say which reply: reply 1 is the trainee's first answer")
    number = int(reply)
    replied = [t["index"] for t in session["turns"] if t.get("reply") is not None]
    if not replied:
        raise TrainerError("the trainee never replied on this call: there is no reply to pick")
    if number != reply or not 1 <= number <= len(replied):
        many = "reply 1 only" if len(replied) == 1 else f"replies 1 to {len(replied)}"
        raise TrainerError(f"this call has {many}: reply 1 is the trainee's first answer, not {reply}")
    return replied[number - 1]


def comment_turn(log: SessionLog, viewer: Viewer, session_id: str, reply: int, comment: str) -> None:
    """A manager's comment on one reply (numbered as the page shows: reply 1 is the first)."""
    viewer.require_review()
    session = open_session(log, viewer, session_id)
    log.comment_turn(session["id"], reply_turn(session, reply), comment, viewer.name)


VERDICTS = {"found wrongly": "wrong", "missed": "missed"}


def correct_behaviour(
    log: SessionLog,
    catalog: Catalog,
    viewer: Viewer,
    session_id: str,
    reply: int,
    behaviour: str,
    verdict: str,
    reason: str,
) -> None:
    """A manager marks a behaviour on one reply (reply 1 is the first) as found wrongly or
    missed; the call is regraded, the grader's first scorecard kept beside the new one."""
    viewer.require_review()
    session = open_session(log, viewer, session_id)
    try:
        picked = Behaviour(behaviour)
    except ValueError as exc:
        raise TrainerError("pick the behaviour the correction is about") from exc
    if verdict not in VERDICTS:
        raise TrainerError("say whether the behaviour was found wrongly or missed")
    turn = reply_turn(session, reply)
    corrections.correct(log, catalog, session["id"], turn, picked, VERDICTS[verdict], reason, viewer.name)


def scored_rubrics(session: dict) -> list[tuple[str, str]]:
    """(name, id) of the rubrics that applied, for the override picker."""
    rubrics = ((session.get("scorecard") or {}).get("rubrics") or {}).values()
    return [(r["name"], r["rubric"]) for r in rubrics if r.get("applicable")]


def recordings(session: dict) -> list[tuple[str, str]]:
    """(label, path relative to the sessions folder) for every recording the session has."""
    found = []
    for turn in session["turns"]:
        if turn.get("customer_audio"):
            found.append((f"turn {turn['index']}: customer", turn["customer_audio"]))
        if turn.get("reply_audio"):
            found.append((f"turn {turn['index']}: trainee", turn["reply_audio"]))
    return found


def recording_file(session: dict, relative: str, sessions_dir: Path) -> Path:
    """Only a path the session itself names, inside the sessions folder: no path tricks."""
    if relative not in {path for _, path in recordings(session)}:
        raise Forbidden("that recording is not part of this session")
    root = sessions_dir.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise TrainerError("the recording is gone (recordings are deleted after the retention period)")
    return path


def turn_audio(session: dict, sessions_dir: Path, serve: Callable[[Path], str | None]) -> dict[str, str | None]:
    """Each recording of the call (its path in the log) -> where the page can play it, from
    `serve` (the app hands the file to the viewer alone); None for one deleted since."""
    players: dict[str, str | None] = {}
    for _, relative in recordings(session):
        try:
            players[relative] = serve(recording_file(session, relative, sessions_dir))
        except TrainerError:
            players[relative] = None
    return players


def _behaviour_html(behaviour: str, evidence: str) -> str:
    try:
        good = is_good(Behaviour(behaviour))
    except ValueError:
        good = False
    colour = "#2e7d32" if good else "#c62828"
    said = f" — “{html_text(evidence)}”" if evidence else ""
    return f'<span style="color:{colour}"><b>{html_text(behaviour.replace("_", " "))}</b>{said}</span>'


def _player(relative: str | None, audio: dict[str, str | None] | None, what: str) -> str:
    """An audio player for one recording, right beside the words it holds."""
    if not relative or audio is None:
        return ""
    url = audio.get(relative)
    if url is None:
        return "<small>(recording deleted after the retention period)</small>"
    return (
        f'<audio class="cc-player" controls preload="metadata" src="{html_text(url)}" '
        f'aria-label="Play {html_text(what)}" style="height:32px;max-width:100%"></audio>'
    )


def _said(who: str, player: str, words: str) -> str:
    """Who spoke, their recording's player on the same line, and their words under it."""
    head = f'<div style="display:flex;flex-wrap:wrap;align-items:center;gap:4px 10px">{who}{player}</div>'
    return f'<div class="cc-said" style="margin:6px 0">{head}<div>{words}</div></div>'


def _turn_html(turn: dict, session: dict, audio: dict[str, str | None] | None) -> str:
    esc = html_text
    i = turn["index"]
    who = "Customer (opening)" if i == 0 else "Customer"
    customer = _player(turn.get("customer_audio"), audio, f"the customer's line {i + 1}")
    parts = [
        f"<div class='cc-turn' data-turn='{i}'>",
        _said(f"<b>{who}</b> <small>(anger {turn['anger']})</small>", customer, esc(turn["customer"])),
    ]
    if turn.get("reply") is not None:
        engine = turn.get("transcript_engine")
        how = f" <small>(heard by speech recognition, {esc(engine.split(':')[0])})</small>" if engine else ""
        if turn.get("interrupted"):
            how += " <small><b>· talked over the customer</b></small>"
        if turn.get("cut_off"):
            how += " <small><b>· the customer cut in: it went on too long</b></small>"
        player = _player(turn.get("reply_audio"), audio, f"reply {i + 1}")
        parts.append(_said(f"<b>Reply {i + 1}</b>{how}", player, esc(turn["reply"])))
        found = [_behaviour_html(d["behaviour"], d.get("evidence", "")) for d in turn.get("detections") or []]
        parts.append("<p>heard: " + (", ".join(found) or "nothing from the playbook") + "</p>")
        items = [
            f"<li>{'✔' if f['points'] > 0 else '✘' if f['points'] < 0 else '•'} {esc(f['feedback'])}</li>"
            for f in turn.get("feedback") or []
        ]
        if items:
            parts.append("<ul>" + "".join(items) + "</ul>")
    for c in session.get("reviews") or []:
        if c["turn"] == i:
            parts.append(f"<p class='cc-comment'>💬 <b>{esc(c['author'])}</b>: {esc(c['text'])}</p>")
    for c in session.get("corrections") or []:
        if c["turn"] == i:
            what = "found wrongly" if c["verdict"] == "wrong" else "missed"
            parts.append(
                f"<p class='cc-correction'>✎ <b>{esc(c['author'])}</b>: "
                f"{esc(c['behaviour'].replace('_', ' '))} was {what} — {esc(c['reason'])}</p>"
            )
    parts.append("</div>")
    return "".join(parts)


def session_html(session: dict, audio: dict[str, str | None] | None = None) -> str:
    """The transcript turn by turn: each line's words, the behaviours heard and, with `audio`
    (`turn_audio`), that line's own recording to play right there; then the scores."""
    esc = html_text
    overall = session.get("score")
    grader = session.get("overall")
    beside = f" (the grader gave {grader})" if overall is not None and grader is not None and overall != grader else ""
    tags = [t for t, on in (("test call", session.get("test_call")), ("local mode", session.get("local_mode"))) if on]
    parts = [
        f"<h3>{esc(session['persona_name'])} · {esc(session['trainee'])} · "
        f"{esc(session['started_at'][:16].replace('T', ' '))}</h3>",
        f"<p>mode {esc(session['mode'])} · level {esc(session.get('level') or '-')} · "
        f"{esc(outcome_words(session['outcome']))} · "
        f"overall {'-' if overall is None else overall}{beside}"
        f"{' · ⚑ rough call' if session.get('hard_call') else ''}"
        f"{''.join(f' · {t}' for t in tags)}"
        f"{' · not counted in any average' if session['outcome'] in UNFINISHED else ''}"
        f" · <small>id {esc(session['id'])}</small></p>",
    ]
    parts += [_turn_html(turn, session, audio) for turn in session["turns"]]
    parts.append(_scores_html(session))
    parts.append(_regraded_html(session))
    return "".join(parts)


def _scores_html(session: dict) -> str:
    card = session.get("scorecard") or {}
    scores = [r for r in (card.get("rubrics") or {}).values() if r.get("applicable")]
    if not scores:
        return ""
    esc = html_text
    overrides = {r["rubric"]: r for r in session.get("reviews") or [] if r["rubric"]}  # the latest one counts
    parts = ["<h4>Scores</h4><ul>"]
    for r in scores:
        item = f"<li>{esc(r['name'])}: {r['score']}"
        if r["rubric"] in overrides:
            o = overrides[r["rubric"]]
            item += (
                f" → <b>{o['score']}</b> <small>(manager override by {esc(o['author'])}: "
                f"{esc(o['text'])}; the grader's score was {r['score']})</small>"
            )
        parts.append(item + "</li>")
    parts.append("</ul>")
    return "".join(parts)


def _regraded_html(session: dict) -> str:
    """The call graded again after the corrections, beside the grader's first scores."""
    card = session.get("regraded_scorecard")
    if not card:
        return ""
    first = {r: v.get("score") for r, v in ((session.get("scorecard") or {}).get("rubrics") or {}).items()}
    items = [
        f"<li>{html_text(r['name'])}: {r['score']} <small>(first graded {first.get(key, '-')})</small></li>"
        for key, r in (card.get("rubrics") or {}).items()
        if r.get("applicable")
    ]
    overall = card.get("overall")
    return (
        f"<h4>Regraded after corrections: overall {'-' if overall is None else overall} "
        f"<small>(first graded {session.get('overall', '-')})</small></h4><ul>{''.join(items)}</ul>"
    )
