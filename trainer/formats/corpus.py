"""Rows of a labelled behaviour corpus (`corpus/behaviours/*.jsonl`) and of `trainer detect`."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from trainer.formats.errors import FormatError
from trainer.playbook import Archetype, Behaviour, LearningStyle


class ReplyRow(BaseModel):
    """A reply to grade; extra keys are kept and written back untouched."""

    model_config = ConfigDict(extra="allow")

    customer: str
    reply: str
    archetype: Archetype | None = None
    learning_style: LearningStyle | None = None


class LabelledRow(ReplyRow):
    behaviours: list[Behaviour]


Row = TypeVar("Row", bound=BaseModel)  # a corpus row, or any other JSONL row model


def read_jsonl(path: Path, model: type[Row]) -> Iterator[Row]:
    """Rows of a JSONL file; a bad line is an error naming the file, line and field."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise FormatError(path, [(None, "", f"cannot read file: {exc.strerror or exc}")]) from exc
    with handle:
        number = 0
        try:
            for number, line in enumerate(handle, start=1):  # number is read in the handler
                if line.strip():
                    yield _parse(path, number, line, model)
        except UnicodeDecodeError as exc:
            raise FormatError(path, [(number + 1, "", "not UTF-8 text")]) from exc


def _parse(path: Path, number: int, line: str, model: type[Row]) -> Row:
    try:
        return model.model_validate(json.loads(line))
    except json.JSONDecodeError as exc:
        raise FormatError(path, [(number, "", f"not valid JSON: {exc.msg}")]) from exc
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise FormatError(path, [(number, field, err["msg"])]) from exc
