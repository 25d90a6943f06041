"""The session log: every call, turn by turn, in a real database (SQLite or PostgreSQL)."""

from trainer.sessionlog.store import SessionLog, SessionNotFound, SessionSummary

__all__ = ["SessionLog", "SessionNotFound", "SessionSummary"]
