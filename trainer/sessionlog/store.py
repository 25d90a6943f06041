"""Write each turn the moment it happens (one commit per turn) and read sessions back."""

import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import Engine, create_engine, delete, event, func, inspect, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from trainer.formats.call import Outcome, Scorecard, Turn
from trainer.formats.errors import TrainerError
from trainer.formats.persona import Persona
from trainer.playbook import Behaviour
from trainer.scoring.outcome import capped, weighted_overall
from trainer.sessionlog.tables import (
    AuditRow,
    Base,
    CorrectionRow,
    LoginTokenRow,
    ReviewRow,
    ScoreRow,
    SecretRow,
    SessionRow,
    TurnRow,
)

# A turn's fields kept in its `voice` JSON column: how it was said and heard.
VOICE_FIELDS = {
    "reply_audio",
    "transcript_engine",
    "voice",
    "voice_change",
    "repeated",
    "recited",
    "interrupted",
    "cut_off",
}


class SessionNotFound(TrainerError):
    pass


AUDIT_ACTIONS = ("login", "login_failed", "login_locked", "role_change", "override", "correction", "export")


class AuditEvent(BaseModel):
    """One line of the audit log (`trainer audit`)."""

    at: datetime
    action: str
    actor: str
    detail: str
    address: str | None = None


class SessionSummary(BaseModel):
    id: str
    trainee: str
    persona_id: str
    persona_name: str
    archetype: str
    mode: str
    engine: str
    started_at: datetime
    ended_at: datetime | None
    outcome: str
    overall: int | None
    hard_call: bool
    turns: int
    regraded_overall: int | None = None  # the call graded again after a manager's corrections
    reviewed_overall: int | None = None  # with a manager's score overrides in
    test_call: bool = False  # a trainer trying a persona from the workshop, not a trainee's practice
    local_mode: bool = False  # made in the single-user local mode (no accounts, nobody logged in)

    @property
    def score(self) -> int | None:
        """The score that counts: the manager's overrides, else the regrade after corrections,
        else the grader's. Every table, trend, average and export shows this one."""
        for value in (self.reviewed_overall, self.regraded_overall, self.overall):
            if value is not None:
                return value
        return None

    level: str | None = None  # easy, medium or hard: how the customer was played


class RubricPoint(BaseModel):
    """One rubric's score on one call, as it counts (a manager's override in place of the grader's)."""

    session_id: str
    rubric: str
    name: str
    score: int
    graded: int  # the grader's (or, after corrections, the regrade's) score, kept beside it
    overridden: bool = False


RubricScores = dict[str, list[RubricPoint]]  # session id -> its rubrics' scores (a name: `list` is a method below)


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL keeps readers (the review desk) from blocking the writer (a call)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _add_new_columns(engine: Engine) -> None:
    """Logs written by an older version gain the newer (nullable) columns; nothing is lost."""
    existing = inspect(engine)
    with engine.begin() as connection:
        for table in Base.metadata.sorted_tables:
            present = {c["name"] for c in existing.get_columns(table.name)}
            for column in table.columns:
                if column.name not in present and column.nullable:
                    kind = column.type.compile(dialect=engine.dialect)
                    connection.execute(text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}'))


def _create_tables(engine: Engine, attempts: int = 5) -> None:
    """Create what is missing. Several server processes starting at once on a new PostgreSQL
    race to create the same tables; the loser's error only means the winner did it: try again."""
    for attempt in range(attempts):
        try:
            Base.metadata.create_all(engine)
            _add_new_columns(engine)
            return
        except SQLAlchemyError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))


class SessionLog:
    def __init__(self, url: str) -> None:
        try:
            if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
                Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
            self.engine = create_engine(url)
            if self.engine.dialect.name == "sqlite":
                event.listen(self.engine, "connect", _sqlite_pragmas)
            _create_tables(self.engine)
        except (SQLAlchemyError, OSError) as exc:
            reason = exc.args[0] if isinstance(exc, SQLAlchemyError) and exc.args else exc
            raise TrainerError(f"cannot open the session database {url!r}: {reason}") from exc
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    # -- writing, as the call happens ---------------------------------------------------
    def start(self, persona: Persona, trainee: str, mode: str, engine: str, seed: int) -> str:
        session_id = str(uuid.uuid4())
        with self._sessions.begin() as db:
            db.add(
                SessionRow(
                    id=session_id,
                    trainee=trainee,
                    persona_id=persona.id,
                    persona_name=persona.name,
                    archetype=persona.archetype.value,
                    learning_style=persona.learning_style.value if persona.learning_style else None,
                    mode=mode,
                    level=persona.difficulty.value,
                    engine=engine,
                    seed=seed,
                    started_at=_now(),
                    outcome=Outcome.in_progress.value,
                )
            )
        return session_id

    def mark_origin(self, session_id: str, test_call: bool = False, local_mode: bool = False) -> None:
        """Say where a call came from once it has started: a trainer's test call from the workshop
        (kept out of the review desk's statistics), or the single-user local mode."""
        with self._sessions.begin() as db:
            row = self._get(db, session_id)
            row.test_call = test_call
            row.local_mode = local_mode

    def record_turns(self, session_id: str, *turns: Turn) -> None:
        """Insert or update turns in one commit, at once: a crash loses nothing said, and
        never leaves a reply without the customer's answer to it."""
        with self._sessions.begin() as db:
            for turn in turns:
                self._write_turn(db, session_id, turn)

    @staticmethod
    def _write_turn(db: Session, session_id: str, turn: Turn) -> None:
        row = db.scalar(select(TurnRow).where(TurnRow.session_id == session_id, TurnRow.index == turn.index))
        if row is None:
            row = TurnRow(session_id=session_id, index=turn.index, said_at=_now())
            db.add(row)
        row.customer_line = turn.customer.text
        row.customer_kind = turn.customer.kind.value
        row.customer_engine = turn.customer.engine
        row.anger = turn.customer.anger
        row.customer = turn.customer.model_dump(mode="json")
        row.reply = turn.reply
        row.behaviours = [b.value for b in sorted(turn.behaviours)]
        row.detections = [d.model_dump(mode="json") for d in turn.detections]
        row.feedback = [f.model_dump(mode="json") for f in turn.feedback]
        row.voice = turn.model_dump(mode="json", include=VOICE_FIELDS)
        if turn.reply is not None and row.replied_at is None:
            row.replied_at = _now()

    def finish(self, session_id: str, card: Scorecard) -> None:
        with self._sessions.begin() as db:
            row = self._get(db, session_id)
            row.ended_at = _now()
            row.outcome = card.outcome.value
            row.overall = card.overall
            row.hard_call = card.hard_call
            row.scorecard = card.model_dump(mode="json")
            row.scores = [
                ScoreRow(rubric=s.rubric, applicable=s.applicable, score=s.score, weight=s.weight)
                for s in card.rubrics.values()
            ]

    # -- calls left open: resumed, or closed as abandoned -------------------------------
    def in_progress(self, trainee: str) -> SessionSummary | None:
        """The trainee's latest call still in progress (what "resume your call" offers)."""
        with self._sessions() as db:
            query = (
                select(SessionRow)
                .where(SessionRow.trainee == trainee, SessionRow.outcome == Outcome.in_progress.value)
                .order_by(SessionRow.started_at.desc())
                .limit(1)
            )
            row = db.scalar(query)
            return self._summary(row) if row is not None else None

    def abandon(self, session_id: str) -> None:
        """Close a call nobody finished: no grade, so it counts in no average; every turn stays."""
        with self._sessions.begin() as db:
            row = self._get(db, session_id)
            if row.outcome != Outcome.in_progress.value:
                return
            row.outcome = Outcome.abandoned.value
            row.ended_at = _last_activity(row)
            row.overall = None
            row.scores = []

    def abandon_idle(self, idle_since: datetime) -> list[str]:
        """Close as abandoned every call in progress with nothing said since `idle_since`
        (a tab closed, a process killed); returns their ids."""
        with self._sessions() as db:
            rows = db.scalars(select(SessionRow).where(SessionRow.outcome == Outcome.in_progress.value)).all()
            idle = [r.id for r in rows if _last_activity(r) < _utc(idle_since)]
        for session_id in idle:
            self.abandon(session_id)
        return idle

    # -- a manager's review: overrides and comments, beside the original ----------------
    MAX_REVIEW_CHARS = 2_000

    def override_score(self, session_id: str, rubric: str, score: int, reason: str, author: str) -> None:
        """Record a manager's score for one rubric; the grader's score is kept as it was."""
        reason = " ".join(reason.split())
        if not reason:
            raise TrainerError("an override needs a reason the trainee can read")
        if not 0 <= score <= 100:
            raise TrainerError(f"a score is 0 to 100, not {score}")
        with self._sessions.begin() as db:
            row = self._get(db, session_id)
            if not any(s.rubric == rubric and s.applicable for s in row.scores):
                raise TrainerError(f"rubric {rubric!r} was not scored in this call")
            db.add(self._review(row.id, author, reason, rubric=rubric, score=score))
            db.flush()
            row.reviewed_overall = _with_overrides(db, row)
            db.add(_audit_row("override", author, f"session {row.id} {rubric} -> {score}: {reason}"))

    def comment_turn(self, session_id: str, turn: int, comment: str, author: str) -> None:
        comment = " ".join(comment.split())
        if not comment:
            raise TrainerError("the comment is empty")
        with self._sessions.begin() as db:
            row = self._get(db, session_id)
            if not any(t.index == turn for t in row.turns):
                raise TrainerError(f"this call has no turn {turn} (the customer's opening line is turn 0)")
            db.add(self._review(row.id, author, comment, turn=turn))

    def reviews(self, session_id: str) -> list[dict]:
        """Every override and comment on a call, oldest first (the latest override counts)."""
        with self._sessions() as db:
            row = self._get(db, session_id)
            rows = db.scalars(select(ReviewRow).where(ReviewRow.session_id == row.id).order_by(ReviewRow.id))
            return [
                {
                    "author": r.author,
                    "rubric": r.rubric,
                    "score": r.score,
                    "turn": r.turn,
                    "text": r.text,
                    "created_at": _utc(r.created_at).isoformat(),
                }
                for r in rows
            ]

    def _review(self, session_id: str, author: str, text: str, **fields) -> ReviewRow:
        self._check_length(text)
        return ReviewRow(session_id=session_id, author=author, text=text, created_at=_now(), **fields)

    def _check_length(self, text: str) -> None:
        if len(text) > self.MAX_REVIEW_CHARS:
            raise TrainerError(f"at most {self.MAX_REVIEW_CHARS} characters, please")

    # -- the audit log ------------------------------------------------------------------------
    def audit(self, action: str, actor: str, detail: str = "", address: str | None = None) -> None:
        """Keep one audit event; an event that cannot be written is not worth failing a login for,
        so database errors are swallowed here (and the next write will tell)."""
        try:
            with self._sessions.begin() as db:
                db.add(_audit_row(action, actor, detail, address))
        except SQLAlchemyError:
            pass

    def audit_events(
        self, action: str | None = None, actor: str | None = None, since: datetime | None = None, limit: int = 500
    ) -> list[AuditEvent]:
        """Newest first."""
        with self._sessions() as db:
            query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
            if action:
                query = query.where(AuditRow.action == action)
            if actor:
                query = query.where(AuditRow.actor == actor)
            if since:
                query = query.where(AuditRow.at >= since)
            return [
                AuditEvent(at=_utc(r.at), action=r.action, actor=r.actor, detail=r.detail, address=r.address)
                for r in db.scalars(query)
            ]

    # -- what every server process shares: login tokens, a secret ---------------------------
    def secret(self, name: str) -> str:
        """A random value made once and read by every process on this database."""
        import secrets

        with self._sessions.begin() as db:
            row = db.get(SecretRow, name)
            if row is not None:
                return row.value
        try:
            with self._sessions.begin() as db:
                db.add(SecretRow(name=name, value=secrets.token_urlsafe(32)))
        except SQLAlchemyError:  # another process made it at the same moment: theirs counts
            pass
        with self._sessions() as db:
            return db.get(SecretRow, name).value

    def token_user(self, token: str, max_age: timedelta) -> str | None:
        with self._sessions() as db:
            row = db.get(LoginTokenRow, token)
            if row is None or _utc(row.created_at) < _now() - max_age:
                return None
            return row.user

    def save_token(self, token: str, user: str) -> None:
        with self._sessions.begin() as db:
            db.merge(LoginTokenRow(token=token, user=user, created_at=_now()))

    def drop_tokens(self, token: str | None = None, user: str | None = None) -> None:
        """Log out one browser (its token) or a user everywhere."""
        with self._sessions.begin() as db:
            query = delete(LoginTokenRow)
            if token is not None:
                query = query.where(LoginTokenRow.token == token)
            if user is not None:
                query = query.where(LoginTokenRow.user == user)
            db.execute(query)

    def all_tokens(self) -> list[str]:
        with self._sessions() as db:
            return list(db.scalars(select(LoginTokenRow.token)))

    # -- a manager's corrections of the detector -------------------------------------------
    def correct_behaviour(
        self, session_id: str, turn: int, behaviour: Behaviour, verdict: str, reason: str, author: str
    ) -> None:
        """Record that a behaviour on one turn was found wrongly ("wrong") or missed ("missed")."""
        reason = " ".join(reason.split())
        if verdict not in ("wrong", "missed"):
            raise TrainerError(f"a correction says the behaviour was 'wrong' or 'missed', not {verdict!r}")
        if not reason:
            raise TrainerError("a correction needs a reason")
        self._check_length(reason)
        with self._sessions.begin() as db:
            row = self._get(db, session_id)
            target = next((t for t in row.turns if t.index == turn and t.reply is not None), None)
            if target is None:
                raise TrainerError(f"this call has no reply {turn + 1}")
            shown = {d["behaviour"] for d in target.detections or []}
            earlier = select(CorrectionRow).where(CorrectionRow.session_id == row.id, CorrectionRow.turn == turn)
            for c in db.scalars(earlier.order_by(CorrectionRow.id)):  # as corrected so far
                (shown.add if c.verdict == "missed" else shown.discard)(c.behaviour)
            # In the numbers the pages show: reply 1 is the trainee's first answer (the log's turn 0).
            if verdict == "wrong" and behaviour.value not in shown:
                raise TrainerError(f"{behaviour.value} was not found in reply {turn + 1}; mark it as missed instead")
            if verdict == "missed" and behaviour.value in shown:
                raise TrainerError(f"{behaviour.value} was already found in reply {turn + 1}; mark it as wrong instead")
            db.add(
                CorrectionRow(
                    session_id=row.id,
                    turn=turn,
                    behaviour=behaviour.value,
                    verdict=verdict,
                    reason=reason,
                    author=author,
                    created_at=_now(),
                )
            )
            db.add(_audit_row("correction", author, f"session {row.id} turn {turn} {behaviour.value} {verdict}"))

    def corrections(self, session_id: str | None = None) -> list[dict]:
        """Corrections, oldest first: of one call, or of every call (for training rows)."""
        with self._sessions() as db:
            query = select(CorrectionRow).order_by(CorrectionRow.id)
            if session_id is not None:
                query = query.where(CorrectionRow.session_id == self._get(db, session_id).id)
            return [
                {
                    "session_id": c.session_id,
                    "turn": c.turn,
                    "behaviour": c.behaviour,
                    "verdict": c.verdict,
                    "reason": c.reason,
                    "author": c.author,
                    "created_at": _utc(c.created_at).isoformat(),
                }
                for c in db.scalars(query)
            ]

    def turns_of(self, session_id: str) -> list[Turn]:
        """The call's turns as the grader saw them, rebuilt from the log."""
        with self._sessions() as db:
            row = self._get(db, session_id)
            return [
                Turn(
                    index=t.index,
                    customer=t.customer,
                    reply=t.reply,
                    detections=t.detections or [],
                    feedback=t.feedback or [],
                    **(t.voice or {}),
                )
                for t in row.turns
            ]

    def save_regrade(self, session_id: str, card: Scorecard) -> None:
        """Keep the regraded scorecard beside the original one, which stays as it was."""
        with self._sessions.begin() as db:
            row = self._get(db, session_id)
            row.regraded_overall = card.overall
            row.regraded_scorecard = card.model_dump(mode="json")

    # -- reading ----------------------------------------------------------------------
    def list(self, trainee: str | None = None, persona: str | None = None) -> list[SessionSummary]:
        """Newest first. The turns are counted in the query: the review desk lists every call on
        each page load, and loading each call's turns to count them was a query per call."""
        counts = (
            select(TurnRow.session_id, func.count(TurnRow.id).label("turns")).group_by(TurnRow.session_id).subquery()
        )
        with self._sessions() as db:
            query = (
                select(SessionRow, func.coalesce(counts.c.turns, 0))
                .outerjoin(counts, counts.c.session_id == SessionRow.id)
                .order_by(SessionRow.started_at.desc())
            )
            if trainee:
                query = query.where(SessionRow.trainee == trainee)
            if persona:
                query = query.where(SessionRow.persona_id == persona)
            return [self._summary(row, turns) for row, turns in db.execute(query)]

    def count(self) -> int:
        """How many calls the log holds at all (the review desk's "no calls yet")."""
        with self._sessions() as db:
            return db.scalar(select(func.count(SessionRow.id))) or 0

    def rubric_scores(self, session_ids: Sequence[str]) -> RubricScores:
        """Each call's rubric scores as they count: the regrade's after corrections, each with the
        latest manager override in place; in two queries per 500 calls, not two per call."""
        found: RubricScores = {}
        with self._sessions() as db:
            for start in range(0, len(session_ids), 500):
                chunk = list(session_ids[start : start + 500])
                cards = db.execute(
                    select(SessionRow.id, SessionRow.scorecard, SessionRow.regraded_scorecard).where(
                        SessionRow.id.in_(chunk)
                    )
                )
                overrides = db.execute(
                    select(ReviewRow.session_id, ReviewRow.rubric, ReviewRow.score)
                    .where(ReviewRow.session_id.in_(chunk), ReviewRow.rubric.is_not(None))
                    .order_by(ReviewRow.id)
                )
                latest = {(sid, rubric): score for sid, rubric, score in overrides if score is not None}
                for sid, card, regraded in cards:
                    found[sid] = _points(sid, regraded or card or {}, latest)
        return found

    def get(self, session_id: str) -> dict:
        """The whole session as plain data: summary, turns and scorecard."""
        with self._sessions() as db:
            row = self._get(db, session_id)
            return {
                **self._summary(row).model_dump(mode="json"),
                "score": self._summary(row).score,
                "seed": row.seed,
                "learning_style": row.learning_style,
                "turns": [self._turn(t) for t in row.turns],
                "scorecard": row.scorecard,
                "regraded_scorecard": row.regraded_scorecard,
            }

    @staticmethod
    def _get(db: Session, session_id: str) -> SessionRow:
        row = db.get(SessionRow, session_id)
        if row is None:
            matches = db.scalars(select(SessionRow).where(SessionRow.id.startswith(session_id, autoescape=True))).all()
            if len(matches) == 1 and len(session_id) >= 6:
                return matches[0]
            raise SessionNotFound(f"no session with id {session_id!r}")
        return row

    @staticmethod
    def _turn(row: TurnRow) -> dict:
        return {
            "index": row.index,
            "customer": row.customer_line,
            "customer_kind": row.customer_kind,
            "customer_engine": row.customer_engine,
            "anger": row.anger,
            "reply": row.reply,
            "behaviours": row.behaviours,
            "detections": row.detections,
            "feedback": row.feedback,
            **(row.voice or {}),
            "customer_audio": (row.customer or {}).get("audio"),
        }

    @staticmethod
    def _summary(row: SessionRow, turns: int | None = None) -> SessionSummary:
        return SessionSummary(
            id=row.id,
            trainee=row.trainee,
            persona_id=row.persona_id,
            persona_name=row.persona_name,
            archetype=row.archetype,
            mode=row.mode,
            engine=row.engine,
            started_at=_utc(row.started_at),
            ended_at=_utc(row.ended_at) if row.ended_at else None,
            outcome=row.outcome,
            overall=row.overall,
            hard_call=row.hard_call,
            turns=len(row.turns) if turns is None else turns,
            regraded_overall=row.regraded_overall,
            reviewed_overall=row.reviewed_overall,
            test_call=bool(row.test_call),
            local_mode=bool(row.local_mode),
            level=row.level,
        )


def _audit_row(action: str, actor: str, detail: str, address: str | None = None) -> AuditRow:
    return AuditRow(at=_now(), action=action, actor=actor[:200], detail=detail[:2000], address=address)


def _last_activity(row: SessionRow) -> datetime:
    moments = [row.started_at] + [t.said_at for t in row.turns] + [t.replied_at for t in row.turns if t.replied_at]
    return max(_utc(m) for m in moments)


def _with_overrides(db: Session, row: SessionRow) -> int | None:
    """The overall with each rubric's latest override in place of its score (the regraded
    scores when the call was regraded), weighted and capped as the grader does."""
    card = row.regraded_scorecard or row.scorecard or {}
    rubrics = {
        k: v for k, v in (card.get("rubrics") or {}).items() if v.get("applicable") and v.get("score") is not None
    }
    reviews = db.scalars(select(ReviewRow).where(ReviewRow.session_id == row.id).order_by(ReviewRow.id))
    latest = {r.rubric: r.score for r in reviews if r.rubric and r.score is not None}
    scores = [(latest.get(key, value["score"]), float(value.get("weight", 1.0))) for key, value in rubrics.items()]
    return capped(weighted_overall(scores), bool(card.get("fixed")))


def _points(session_id: str, card: dict, latest: dict[tuple[str, str], int]) -> list[RubricPoint]:
    points = []
    for key, rubric in (card.get("rubrics") or {}).items():
        if not rubric.get("applicable") or rubric.get("score") is None:
            continue
        override = latest.get((session_id, key))
        points.append(
            RubricPoint(
                session_id=session_id,
                rubric=key,
                name=rubric.get("name") or key,
                score=rubric["score"] if override is None else override,
                graded=rubric["score"],
                overridden=override is not None,
            )
        )
    return points
