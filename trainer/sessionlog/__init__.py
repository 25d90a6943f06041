"""The session log: every call, turn by turn, in a real database (SQLite or PostgreSQL)."""

from trainer.sessionlog.store import RubricPoint, SessionLog, SessionNotFound, SessionSummary

__all__ = ["RubricPoint", "SessionLog", "SessionNotFound", "SessionSummary"]
