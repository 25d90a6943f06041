"""Every file format the trainer reads or writes, as pydantic models, in one place."""

from trainer.formats.errors import FormatError
from trainer.formats.load import load_persona, load_personas, load_rubric, load_rubrics
from trainer.formats.persona import Difficulty, LineKind, Persona
from trainer.formats.rubric import CallEvent, Context, Effect, Moment, Rubric

__all__ = [
    "CallEvent",
    "Context",
    "Difficulty",
    "Effect",
    "FormatError",
    "LineKind",
    "Moment",
    "Persona",
    "Rubric",
    "load_persona",
    "load_personas",
    "load_rubric",
    "load_rubrics",
]
