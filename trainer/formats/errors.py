"""Errors that point a trainer at the exact place in a data file to fix."""

from pathlib import Path


class TrainerError(Exception):
    """An error with a message meant for the user; the CLI prints it as one line."""


class FormatError(TrainerError):
    """A data file is invalid; says the file, the line and the field."""

    def __init__(self, path: Path | str, problems: list[tuple[int | None, str, str]]) -> None:
        self.path = Path(path)
        self.problems = problems  # (line, field, message)
        super().__init__(self.describe())

    def describe(self) -> str:
        parts = []
        for line, field, message in self.problems:
            where = f"{self.path}:{line}" if line else str(self.path)
            parts.append(f"{where}: {field or '(file)'}: {message}" if field else f"{where}: {message}")
        return "; ".join(parts)
