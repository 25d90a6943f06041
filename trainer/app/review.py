"""The review desk's logic: filter sessions, open one, plot trends, export what is shown.

Every function takes the Viewer: the desk is a manager's, and a trainee who calls these
endpoints directly gets their own calls at most, never a colleague's.
"""

import csv
import io
from datetime import date, datetime, time
from pathlib import Path

from pydantic import BaseModel, Field, field_validator

from trainer import corrections
from trainer.app.access import Forbidden, Viewer
from trainer.app.plain import cell_text, html_text
from trainer.catalog import Catalog
from trainer.formats.errors import TrainerError
from trainer.playbook import Behaviour, is_good
from trainer.scoring.outcome import outcome_label, outcome_words
from trainer.sessionlog import SessionLog, SessionNotFound, SessionSummary

ROUGH_OUTCOMES = {"customer_hung_up"}
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
]
TABLE_HEADERS = ["id", "when", "trainee", "customer", "archetype", "mode", "outcome", "score", "rough"]


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


def is_rough(summary: SessionSummary) -> bool:
    """Abuse, a hang-up or a very low score: a manager checks on the trainee (strategies 11, 12)."""
    return summary.hard_call or summary.outcome in ROUGH_OUTCOMES


def filter_sessions(log: SessionLog, viewer: Viewer, wanted: SessionFilter) -> list[SessionSummary]:
    """A manager sees everyone's calls; anyone else only their own, whatever filter they send."""
    trainee = wanted.trainee or None
    if not viewer.can_review:
        if trainee not in (None, viewer.name):
            raise Forbidden("you can only see your own calls")
        trainee = viewer.name
    rows = log.list(trainee=trainee, persona=wanted.persona or None)
    start = datetime.combine(wanted.date_from, time.min) if wanted.date_from else None
    end = datetime.combine(wanted.date_to, time.max) if wanted.date_to else None
    full_range = wanted.score_min == 0 and wanted.score_max == 100
    kept = []
    for s in rows:
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
        kept.append(s)
    return kept


def table_rows(rows: list[SessionSummary]) -> list[list]:
    return [
        [
            s.id,
            f"{s.started_at:%Y-%m-%d %H:%M}",
            cell_text(s.trainee),
            cell_text(s.persona_name),
            s.archetype,
            s.mode,
            outcome_label(s.outcome),
            s.score,
            "⚑ rough" if is_rough(s) else "",
        ]
        for s in rows
    ]


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


def trend_rows(rows: list[SessionSummary]) -> list[dict]:
    """One point per finished call: each trainee's overall score over time."""
    return [
        {"when": s.started_at.replace(tzinfo=None), "trainee": s.trainee, "score": s.score}
        for s in sorted(rows, key=lambda s: s.started_at)
        if s.score is not None
    ]


def rubric_averages(log: SessionLog, rows: list[SessionSummary], limit: int = 500) -> list[dict]:
    """The mean score per rubric over the shown calls (where the rubric applied)."""
    totals: dict[str, list[int]] = {}
    for s in rows[:limit]:
        if s.score is None:
            continue
        session = log.get(s.id)
        card = session.get("regraded_scorecard") or session.get("scorecard") or {}
        overridden = {r["rubric"]: r["score"] for r in log.reviews(s.id) if r["rubric"]}  # the latest counts
        for key, rubric in (card.get("rubrics") or {}).items():
            if rubric.get("applicable") and rubric.get("score") is not None:
                score = overridden.get(key, rubric["score"])
                totals.setdefault(rubric.get("name") or rubric["rubric"], []).append(score)
    return [{"rubric": name, "average": round(sum(v) / len(v), 1)} for name, v in sorted(totals.items())]


def open_session(log: SessionLog, viewer: Viewer, session_id: str) -> dict:
    """The whole session, if the viewer may read it; a colleague's call looks like a missing one."""
    if not session_id or not session_id.strip():
        raise TrainerError("pick a session first")
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


def comment_turn(log: SessionLog, viewer: Viewer, session_id: str, turn: int, comment: str) -> None:
    viewer.require_review()
    session = open_session(log, viewer, session_id)
    log.comment_turn(session["id"], int(turn), comment, viewer.name)


VERDICTS = {"found wrongly": "wrong", "missed": "missed"}


def correct_behaviour(
    log: SessionLog,
    catalog: Catalog,
    viewer: Viewer,
    session_id: str,
    turn: int,
    behaviour: str,
    verdict: str,
    reason: str,
) -> None:
    """A manager marks a behaviour on one turn as found wrongly or missed; the call is regraded,
    the grader's first scorecard kept beside the new one."""
    viewer.require_review()
    session = open_session(log, viewer, session_id)
    try:
        picked = Behaviour(behaviour)
    except ValueError as exc:
        raise TrainerError("pick the behaviour the correction is about") from exc
    if verdict not in VERDICTS:
        raise TrainerError("say whether the behaviour was found wrongly or missed")
    corrections.correct(log, catalog, session["id"], int(turn), picked, VERDICTS[verdict], reason, viewer.name)


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


def _behaviour_html(behaviour: str, evidence: str) -> str:
    try:
        good = is_good(Behaviour(behaviour))
    except ValueError:
        good = False
    colour = "#2e7d32" if good else "#c62828"
    said = f" — “{html_text(evidence)}”" if evidence else ""
    return f'<span style="color:{colour}"><b>{html_text(behaviour.replace("_", " "))}</b>{said}</span>'


def session_html(session: dict) -> str:
    """The transcript turn by turn with behaviours and feedback, then the scores."""
    esc = html_text
    overall = session.get("score")
    grader = session.get("overall")
    beside = f" (the grader gave {grader})" if overall is not None and grader is not None and overall != grader else ""
    parts = [
        f"<h3>{esc(session['persona_name'])} · {esc(session['trainee'])} · "
        f"{esc(session['started_at'][:16].replace('T', ' '))}</h3>",
        f"<p>mode {esc(session['mode'])} · level {esc(session.get('level') or '-')} · "
        f"{esc(outcome_words(session['outcome']))} · "
        f"overall {'-' if overall is None else overall}{beside}"
        f"{' · ⚑ rough call' if session.get('hard_call') else ''}</p>",
    ]
    reviews = session.get("reviews") or []
    for turn in session["turns"]:
        parts.append(
            f"<div class='cc-turn'><p><b>[{turn['index']}] customer</b> (anger {turn['anger']}): "
            f"{esc(turn['customer'])}</p>"
        )
        if turn.get("reply") is not None:
            engine = turn.get("transcript_engine")
            how = f" <small>(heard by speech recognition, {esc(engine.split(':')[0])})</small>" if engine else ""
            parts.append(f"<p><b>trainee</b>{how}: {esc(turn['reply'])}</p>")
            found = [_behaviour_html(d["behaviour"], d.get("evidence", "")) for d in turn.get("detections") or []]
            parts.append("<p>heard: " + (", ".join(found) or "nothing from the playbook") + "</p>")
            items = [
                f"<li>{'✔' if f['points'] > 0 else '✘' if f['points'] < 0 else '•'} {esc(f['feedback'])}</li>"
                for f in turn.get("feedback") or []
            ]
            if items:
                parts.append("<ul>" + "".join(items) + "</ul>")
        for c in reviews:
            if c["turn"] == turn["index"]:
                parts.append(f"<p class='cc-comment'>💬 <b>{esc(c['author'])}</b>: {esc(c['text'])}</p>")
        for c in session.get("corrections") or []:
            if c["turn"] == turn["index"]:
                what = "found wrongly" if c["verdict"] == "wrong" else "missed"
                parts.append(
                    f"<p class='cc-correction'>✎ <b>{esc(c['author'])}</b>: "
                    f"{esc(c['behaviour'].replace('_', ' '))} was {what} — {esc(c['reason'])}</p>"
                )
        parts.append("</div>")
    card = session.get("scorecard") or {}
    scores = [r for r in (card.get("rubrics") or {}).values() if r.get("applicable")]
    if scores:
        overrides = {r["rubric"]: r for r in reviews if r["rubric"]}  # the latest one counts
        parts.append("<h4>Scores</h4><ul>")
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
    parts.append(_regraded_html(session))
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
