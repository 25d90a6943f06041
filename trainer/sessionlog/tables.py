"""Tables of the session log. JSON columns hold the pydantic shapes of `formats.call`."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class SessionRow(Base):
    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    trainee: Mapped[str] = mapped_column(String(200), index=True)
    persona_id: Mapped[str] = mapped_column(String(64), index=True)
    persona_name: Mapped[str] = mapped_column(String(200))
    archetype: Mapped[str] = mapped_column(String(32), index=True)
    learning_style: Mapped[str | None] = mapped_column(String(32), nullable=True)
    mode: Mapped[str] = mapped_column(String(32))
    level: Mapped[str | None] = mapped_column(String(16), nullable=True)  # the difficulty it was played at
    engine: Mapped[str] = mapped_column(String(32))
    seed: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    outcome: Mapped[str] = mapped_column(String(32))
    overall: Mapped[int | None] = mapped_column(Integer, nullable=True)
    hard_call: Mapped[bool] = mapped_column(default=False)
    scorecard: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    # After a manager corrected the grader: the call graded again, beside the original above.
    regraded_overall: Mapped[int | None] = mapped_column(Integer, nullable=True)
    regraded_scorecard: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    # After a manager overrode a rubric score: the overall with the overrides in (the scores above stay).
    reviewed_overall: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Where the call came from: a trainer's test call from the persona workshop (kept out of the
    # desk's statistics), or the single-user local mode (no accounts). Nullable so that an older
    # log gains them (`store._add_new_columns`); NULL reads as False.
    test_call: Mapped[bool | None] = mapped_column(Boolean, nullable=True, default=False)
    local_mode: Mapped[bool | None] = mapped_column(Boolean, nullable=True, default=False)

    turns: Mapped[list["TurnRow"]] = relationship(
        back_populates="session", order_by="TurnRow.index", cascade="all, delete-orphan"
    )
    scores: Mapped[list["ScoreRow"]] = relationship(back_populates="session", cascade="all, delete-orphan")


class TurnRow(Base):
    __tablename__ = "turns"
    __table_args__ = (UniqueConstraint("session_id", "index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    index: Mapped[int] = mapped_column(Integer)
    customer_line: Mapped[str] = mapped_column(Text)
    customer_kind: Mapped[str] = mapped_column(String(32))
    customer_engine: Mapped[str] = mapped_column(String(32))
    anger: Mapped[int] = mapped_column(Integer)
    customer: Mapped[dict] = mapped_column(JSON)
    reply: Mapped[str | None] = mapped_column(Text, nullable=True)
    behaviours: Mapped[list] = mapped_column(JSON, default=list)
    detections: Mapped[list] = mapped_column(JSON, default=list)
    feedback: Mapped[list] = mapped_column(JSON, default=list)
    voice: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # audio, transcript engine, measures
    said_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    replied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    session: Mapped[SessionRow] = relationship(back_populates="turns")


class ScoreRow(Base):
    __tablename__ = "scores"
    __table_args__ = (UniqueConstraint("session_id", "rubric"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    rubric: Mapped[str] = mapped_column(String(64), index=True)
    applicable: Mapped[bool] = mapped_column()
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    weight: Mapped[float] = mapped_column(Float)

    session: Mapped[SessionRow] = relationship(back_populates="scores")


class ReviewRow(Base):
    """A manager's word on a call: a rubric score override with its reason, or a comment on a turn.

    A row of its own, never an edit of `scores`: the grader's original score stays in the log.
    """

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(200))
    rubric: Mapped[str | None] = mapped_column(String(64), nullable=True)  # set: a score override
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    turn: Mapped[int | None] = mapped_column(Integer, nullable=True)  # set: a comment on one turn
    text: Mapped[str] = mapped_column(Text)  # the reason, or the comment
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CorrectionRow(Base):
    """A manager's correction of the detector on one turn: a behaviour found wrongly, or missed.

    The grader's detections stay in `turns` as they were; corrections regrade the call and
    become training rows (`trainer corrections export`, `trainer train detector --with-corrections`).
    """

    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    turn: Mapped[int] = mapped_column(Integer)
    behaviour: Mapped[str] = mapped_column(String(64))
    verdict: Mapped[str] = mapped_column(String(16))  # "wrong" (not shown) or "missed" (shown)
    reason: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditRow(Base):
    """Who did what that matters for trust: logins, role changes, score overrides, exports."""

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    action: Mapped[str] = mapped_column(String(32), index=True)
    actor: Mapped[str] = mapped_column(String(200), index=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str | None] = mapped_column(String(64), nullable=True)


class LoginTokenRow(Base):
    """A logged-in browser's token (gradio's cookie), shared by every server process, so a
    trainee whose process died is still logged in on the one that takes over."""

    __tablename__ = "login_tokens"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    user: Mapped[str] = mapped_column(String(200), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class SecretRow(Base):
    """A random value all server processes must agree on (the login cookie's name)."""

    __tablename__ = "secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
