"""Read persona and rubric files, turning every problem into file, line and field."""

from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from trainer.formats.errors import FormatError
from trainer.formats.persona import Persona
from trainer.formats.rubric import Rubric

Model = TypeVar("Model", bound=BaseModel)
MAX_FILE_BYTES = 1_000_000


def _line_of(node: yaml.Node | None, loc: Sequence[int | str]) -> int | None:
    """Walk the YAML node tree along a pydantic error location to the line it names."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == key), None)
            if match is None:  # a missing field: point at its parent mapping
                return line
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            return line
        line = node.start_mark.line + 1
    return line


def load_model(path: Path, model: type[Model]) -> Model:
    """Parse and validate one YAML file; any problem is a FormatError naming the place."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise FormatError(path, [(None, "", f"file is larger than {MAX_FILE_BYTES} bytes")])
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FormatError(path, [(None, "", f"cannot read file: {exc}")]) from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise FormatError(path, [(line, "", f"not valid YAML: {problem}")]) from exc
    if not isinstance(data, dict):
        raise FormatError(path, [(1, "", "expected a mapping of fields at the top of the file")])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [
            (_line_of(node, err["loc"]), ".".join(str(p) for p in err["loc"]), err["msg"]) for err in exc.errors()
        ]
        raise FormatError(path, problems) from exc


def load_persona(path: Path) -> Persona:
    persona = load_model(path, Persona)
    if persona.id != path.stem:
        raise FormatError(path, [(_id_line(path), "id", f"id '{persona.id}' must match the file name '{path.stem}'")])
    return persona


def load_rubric(path: Path) -> Rubric:
    return load_model(path, Rubric)


def _id_line(path: Path) -> int | None:
    node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    return _line_of(node, ["id"])


def _load_folder(folder: Path, loader) -> tuple[dict, list[FormatError]]:
    """Load every YAML file; one bad file is reported and never stops the others."""
    loaded, errors = {}, []
    for path in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")):
        try:
            item = loader(path)
        except FormatError as exc:
            errors.append(exc)
            continue
        if item.id in loaded:
            errors.append(FormatError(path, [(None, "id", f"duplicate id '{item.id}'")]))
            continue
        loaded[item.id] = item
    return loaded, errors


def load_personas(folder: Path) -> tuple[dict[str, Persona], list[FormatError]]:
    return _load_folder(folder, load_persona)


def load_rubrics(folder: Path) -> tuple[dict[str, Rubric], list[FormatError]]:
    return _load_folder(folder, load_rubric)
