"""Read persona and rubric files, turning every problem into file, line and field.

A trainer's file is untrusted input on a shared server, so it is bounded before it is parsed:
its size, how deeply it nests (checked by YAML's scanner, which does not recurse) and the
length of every text in it. Parsed files are cached and re-read only when they change on disk,
so a call start costs no parsing at all.
"""

import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from trainer.formats.errors import FormatError
from trainer.formats.messages import duplicate_keys, plain_message, yaml_problem
from trainer.formats.persona import Persona
from trainer.formats.rubric import Rubric

Model = TypeVar("Model", bound=BaseModel)
# The shipped personas are 6-15 KB; 200 KB is room for ten times the lines any call uses.
MAX_FILE_BYTES = 200_000
# Personas nest five levels (problem > fix_steps > step > says > line); rubrics four.
MAX_DEPTH = 12
# The longest shipped text is under 300 characters; a line is something a customer says in one go.
MAX_TEXT_CHARS = 600
_OPENS = (
    yaml.BlockMappingStartToken,
    yaml.BlockSequenceStartToken,
    yaml.FlowMappingStartToken,
    yaml.FlowSequenceStartToken,
)
_CLOSES = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)


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
    node, data = _parse(path, text)
    if not isinstance(data, dict):
        raise FormatError(path, [(1, "", "expected a mapping of fields at the top of the file")])
    duplicates = duplicate_keys(node)
    if duplicates:
        raise FormatError(path, duplicates)
    too_long = [
        (_line_of(node, loc), ".".join(map(str, loc)), f"{n} characters; the limit is {MAX_TEXT_CHARS}: split it")
        for loc, n in _long_texts(data, ())
    ]
    if too_long:
        raise FormatError(path, too_long)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [(_line_of(node, err["loc"]), _field(err["loc"]), plain_message(err, model)) for err in exc.errors()]
        raise FormatError(path, problems) from exc


def read_yaml(text: str, name: str = "text") -> Any:
    """The data of a YAML text bounded as a file is (nesting, aliases), for what reads a file
    while it is typed; a FormatError otherwise, never a RecursionError. A text larger than a
    file may be is refused before it is parsed: PyYAML is pure Python and holds the GIL, so a
    megabyte would stall every user of the server for seconds."""
    if len(text) > MAX_FILE_BYTES or len(text.encode()) > MAX_FILE_BYTES:
        raise FormatError(Path(name), [(None, "", f"larger than {MAX_FILE_BYTES} bytes")])
    return _parse(Path(name), text)[1]


def _field(loc: Sequence[int | str]) -> str:
    """`mood.reactions.offers_tranfser`, without pydantic's `[key]` for a bad dictionary key."""
    return ".".join(str(p) for p in loc if p != "[key]")


def _parse(path: Path, text: str) -> tuple[yaml.Node | None, Any]:
    """The node tree (for lines) and the data; a syntax error names the line a person would fix."""
    try:
        _check_depth(path, text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        line, message = yaml_problem(text, exc)
        raise FormatError(path, [(line, "", message)]) from exc
    return node, data


def _check_depth(path: Path, text: str) -> None:
    """Refuse deep nesting from the token stream: composing 5,000 levels would recurse 5,000 deep.
    And aliases: six lines of `&a`/`*a` stand for a million texts, which checking would walk one
    by one (a "billion laughs" file took the CPU for minutes); no persona or rubric needs them."""
    depth = 0
    for token in yaml.scan(text, Loader=yaml.SafeLoader):
        if isinstance(token, yaml.AliasToken | yaml.AnchorToken):
            line = token.start_mark.line + 1
            raise FormatError(path, [(line, "", "anchors and aliases (&name, *name) are not allowed: write it out")])
        if isinstance(token, _OPENS):
            depth += 1
            if depth > MAX_DEPTH:
                line = token.start_mark.line + 1
                raise FormatError(path, [(line, "", f"nested more than {MAX_DEPTH} levels deep")])
        elif isinstance(token, _CLOSES):
            depth -= 1


def _long_texts(data: Any, loc: tuple[int | str, ...]) -> Iterator[tuple[tuple[int | str, ...], int]]:
    if isinstance(data, str) and len(data) > MAX_TEXT_CHARS:
        yield loc, len(data)
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _long_texts(value, (*loc, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _long_texts(value, (*loc, i))


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


_CACHE: dict[tuple[Path, str], tuple[tuple[int, int, int], Any]] = {}
_CACHE_LOCK = threading.Lock()


def _cached(path: Path, loader) -> Any:
    """The file's model (or its FormatError), parsed again only when its size, time or inode change."""
    try:
        stat = path.stat()
    except OSError as exc:
        return FormatError(path, [(None, "", f"cannot read file: {exc}")])
    signature = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    key = (path.resolve(), loader.__name__)
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
    if hit is not None and hit[0] == signature:
        return hit[1]
    try:
        result = loader(path)
    except FormatError as exc:
        result = exc
    except RecursionError:  # a last guard: the depth check should have refused it
        result = FormatError(path, [(None, "", "nested too deeply to read")])
    with _CACHE_LOCK:
        _CACHE[key] = (signature, result)
    return result


def _load_folder(folder: Path, loader) -> tuple[dict, list[FormatError]]:
    """Load every YAML file; one bad file is reported and never stops the others."""
    loaded, errors = {}, []
    for path in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")):
        item = _cached(path, loader)
        if isinstance(item, FormatError):
            errors.append(item)
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
