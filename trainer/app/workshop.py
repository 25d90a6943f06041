"""The persona workshop's logic: open, validate as you type, save safely, preview the voice.

Validation goes through `trainer.formats.load` itself, so the editor reports exactly what
`trainer personas check` would (file, line, field), and a file the editor accepts is one
every call can load. Rubrics are edited the same way (`kind="rubric"`).
"""

import functools
import json
import re
import tempfile
from enum import Enum
from html import escape as esc
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from trainer.app.access import Viewer
from trainer.formats import FormatError, Persona, Rubric, load_persona, load_rubric
from trainer.formats.errors import TrainerError
from trainer.formats.load import MAX_FILE_BYTES, read_yaml
from trainer.formats.messages import plain_message
from trainer.formats.persona import Mood
from trainer.settings import Settings
from trainer.speechqueue import speaking_for

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")
KINDS = ("persona", "rubric")


def _folder(settings: Settings, kind: str) -> Path:
    if kind not in KINDS:
        raise TrainerError(f"kind must be persona or rubric, not {kind!r}")
    return settings.personas_dir if kind == "persona" else settings.rubrics_dir


def _load(path: Path, kind: str) -> Persona | Rubric:
    """The library's own loaders; a rubric's id must match its file name too, like a persona's."""
    if kind == "persona":
        return load_persona(path)
    rubric = load_rubric(path)
    if rubric.id != path.stem:
        raise FormatError(path, [(None, "id", f"id '{rubric.id}' must match the file name '{path.stem}'")])
    return rubric


def persona_ids(settings: Settings, viewer: Viewer, kind: str = "persona") -> list[str]:
    """The files a trainer may open; the workshop is for trainers and managers, not trainees."""
    viewer.require_workshop()
    return sorted(p.stem for p in _folder(settings, kind).glob("*.yaml"))


def persona_path(settings: Settings, persona_id: str, kind: str = "persona") -> Path:
    """`personas/<id>.yaml` and nothing else: the id pattern rules out `..`, slashes and dots."""
    if not ID_PATTERN.match(persona_id or ""):
        raise TrainerError(f"invalid {kind} id {persona_id!r}: lowercase letters, digits and _, at most 64")
    root = _folder(settings, kind).resolve()
    path = (root / f"{persona_id}.yaml").resolve()
    if path.parent != root:
        raise TrainerError(f"invalid {kind} id {persona_id!r}")
    return path


def read_persona(settings: Settings, viewer: Viewer, persona_id: str | None, kind: str = "persona") -> str:
    """The file's text as it is on disk, for the editor."""
    viewer.require_workshop()
    if not persona_id:
        raise TrainerError(f"pick a {kind} in the File list first, then Open")
    path = persona_path(settings, persona_id, kind)
    if not path.is_file():
        raise TrainerError(f"no {kind} file {kind}s/{persona_id}.yaml")
    return path.read_text(encoding="utf-8")


def empty_state(kind: str = "persona") -> str:
    """What the workshop says before a file is open: what to do first."""
    return (
        f"### Nothing open yet\n\nOpen a {kind} to edit it (pick it in **File**, then **Open**), "
        f"or **New file** to start from a copy of a shipped one."
    )


def editor_label(kind: str, file_id: str | None) -> str:
    """The editor's title: the file it will be saved as, or that it is new."""
    return f"{kind}s/{file_id}.yaml" if file_id else f"new {kind} (not saved yet)"


def template(settings: Settings, kind: str = "persona") -> str:
    """A new file starts as a copy of a shipped one, so every required field is there."""
    shipped = "escalated" if kind == "persona" else "calm"
    source = _folder(settings, kind) / f"{shipped}.yaml"
    if source.is_file():
        return source.read_text(encoding="utf-8").replace(f"id: {shipped}\n", f"id: new_{kind}\n", 1)
    return f"id: new_{kind}\nname: \ndescription: \n"


def declared_id(text: str) -> str | None:
    """The file's id, also while the YAML is half typed, so errors name the right file."""
    try:
        data = read_yaml(text)
    except FormatError:
        found = re.search(r"^id:\s*([a-z0-9_]+)\s*$", text, re.MULTILINE)
        return found.group(1) if found else None
    value = data.get("id") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


class Problem(BaseModel):
    """One thing to fix, where the trainer fixes it."""

    line: int | None
    field: str  # dotted, as the file nests it ("mood.start_anger"); "" for the file as a whole
    message: str


class Checked(BaseModel):
    """What the editor shows beside the text: valid (with advice), or the problems by line."""

    file: str  # "personas/escalated.yaml", as the CLI names it
    model: Persona | Rubric | None = None
    problems: list[Problem] = []

    def lines(self) -> list[int]:
        return sorted({p.line for p in self.problems if p.line})


def check(text: str, kind: str = "persona") -> Checked:
    """The library's own loader on the editor's text: the editor says what `trainer personas check` says."""
    if len(text) > MAX_FILE_BYTES or len(text.encode()) > MAX_FILE_BYTES:  # before any parsing
        return Checked(
            file=f"{kind}s/{kind}.yaml",
            problems=[Problem(line=None, field="", message=f"larger than {MAX_FILE_BYTES} bytes")],
        )
    persona_id = declared_id(text)
    stem = persona_id if persona_id and ID_PATTERN.match(persona_id) else kind
    shown = f"{kind}s/{stem}.yaml"
    with tempfile.TemporaryDirectory(prefix="callcoach-persona-") as folder:
        path = Path(folder) / f"{stem}.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            return Checked(file=shown, model=_load(path, kind))
        except FormatError as exc:
            problems = [Problem(line=line, field=name, message=message) for line, name, message in exc.problems]
            return Checked(file=shown, problems=problems)


def validate(text: str, kind: str = "persona") -> tuple[Persona | Rubric | None, list[str]]:
    """(the persona, []) or (None, one 'personas/<id>.yaml:LINE: field: message' per problem)."""
    checked = check(text, kind)
    return checked.model, [
        f"{checked.file}{f':{p.line}' if p.line else ''}: {p.field or '(file)'}: {p.message}" for p in checked.problems
    ]


def panel_html(checked: Checked, text: str) -> str:
    """The panel beside the editor: each problem with its line (a button that jumps to it), the
    field and the words of that line, so it is found without scrolling a 150-line file."""
    marks = json.dumps(checked.lines())
    if isinstance(checked.model, Persona):
        persona = checked.model
        head = f"✔ valid: <b>{esc(persona.name)}</b> ({persona.archetype.value}, {persona.difficulty.value})"
        notes = "".join(f"<li>advice: <code>{esc(note)}</code></li>" for note in persona.advice())
        return f"<div class='cc-check cc-ok' data-lines='{marks}'><p>{head}</p><ul>{notes}</ul></div>"
    if checked.model is not None:
        strategies = ", ".join(map(str, checked.model.strategies))
        head = f"✔ valid: <b>{esc(checked.model.name)}</b> (strategies {strategies})"
        return f"<div class='cc-check cc-ok' data-lines='{marks}'><p>{head}</p></div>"
    count = len(checked.problems)
    head = f"✘ <b>not valid yet</b>: {count} problem{'s' if count != 1 else ''} in {esc(checked.file)}:"
    items = "".join(_problem_html(p, text.splitlines()) for p in checked.problems)
    return f"<div class='cc-check cc-bad' data-lines='{marks}'><p>{head}</p><ul>{items}</ul></div>"


def _problem_html(problem: Problem, rows: list[str]) -> str:
    where = (
        f"<button class='cc-goto' data-line='{problem.line}' title='show line {problem.line} in the editor'>"
        f"line {problem.line}</button>"
        if problem.line
        else "<span class='cc-goto'>the file</span>"
    )
    field = f" <code>{esc(problem.field)}</code>:" if problem.field else ""
    source = ""
    if problem.line and 0 < problem.line <= len(rows) and rows[problem.line - 1].strip():
        words = rows[problem.line - 1].rstrip()
        source = f"<pre class='cc-src'>{esc(words if len(words) <= 90 else words[:87] + '...')}</pre>"
    return f"<li>{where}{field} {esc(problem.message)}{source}</li>"


def save(settings: Settings, viewer: Viewer, text: str, overwrite: bool = False, kind: str = "persona") -> str:
    """Write personas/<id>.yaml, only when valid and, for an existing file, only when told to."""
    viewer.require_workshop()
    persona, problems = validate(text, kind)
    if persona is None:
        more = f"; and {len(problems) - 1} more, listed beside the editor" if len(problems) > 1 else ""
        raise TrainerError(f"not saved, the {kind} is invalid: {problems[0]}{more}")
    path = persona_path(settings, persona.id, kind)
    if path.exists() and not overwrite:
        raise TrainerError(f"{kind}s/{persona.id}.yaml exists; tick 'overwrite' to replace it")
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)  # atomic: a call loading personas never sees half a file
    return f"saved {kind}s/{persona.id}.yaml"


def preview_opening(settings: Settings, viewer: Viewer, text: str) -> tuple[Path, str]:
    """The first opening line spoken in the persona's voice at its starting anger."""
    from trainer.tts import CustomerVoice

    viewer.require_workshop()
    persona, problems = validate(text)
    if not isinstance(persona, Persona):
        raise TrainerError("fix the persona first: " + "; ".join(problems))
    voice = persona.voice
    if settings.tts_engine:
        voice = voice.model_copy(update={"engine": settings.tts_engine})
    line = persona.lines.opening[0]
    with speaking_for(viewer.name):  # queued fairly with the trainees' speech, not ahead of it
        wav = CustomerVoice(voice, settings.sessions_dir / "cache" / "tts").speak(line, persona.mood.start_anger)
    return wav, line


# -- the form beside the YAML: the common fields, edited line by line ----------------------
# Each form field and where it sits in the file. Only these lines change when the form is
# used: the rest of the file, its comments and its order stay as the trainer wrote them.
FORM_FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "archetype": ("archetype",),
    "learning_style": ("learning_style",),
    "difficulty": ("difficulty",),
    "pass_mark": ("pass_mark",),
    "start_anger": ("mood", "start_anger"),
    "patience": ("mood", "patience"),
    "satisfied_at": ("mood", "satisfied_at"),
    "hang_up_at": ("mood", "hang_up_at"),
}
# The sliders: label, lowest, highest (the persona model's own bounds).
SLIDERS: dict[str, tuple[str, int, int]] = {
    "start_anger": ("Starting anger", 0, 100),
    "patience": ("Patience (replies)", 1, 50),
    "satisfied_at": ("Satisfied at anger", 0, 100),
    "hang_up_at": ("Hangs up at anger", 0, 100),
    "pass_mark": ("Pass mark", 0, 100),
}
NO_STYLE = "none"  # the form's word for `learning_style: null`
FormValue = str | int | None


def _field_info(field: str) -> FieldInfo:
    path = FORM_FIELDS[field]
    model = Mood if path[0] == "mood" else Persona
    return model.model_fields[path[-1]]


@functools.cache
def _adapter(field: str) -> TypeAdapter:
    info = _field_info(field)
    return TypeAdapter(Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation)


def _checked_value(field: str, value: object) -> FormValue:
    """The value if the persona model accepts it for this field, else a TrainerError in words."""
    try:
        return _adapter(field).validate_python(value)
    except ValidationError as exc:
        raise TrainerError(f"{field.replace('_', ' ')}: {plain_message(exc.errors()[0], Persona)}") from exc


def form_values(text: str) -> dict[str, FormValue] | None:
    """The form's fields as the YAML has them (a default where the file leaves one out), or None
    while the YAML does not parse. A value the model would refuse is None: the form leaves it."""
    try:
        data = read_yaml(text)
    except FormatError:
        return None
    if not isinstance(data, dict):
        return None
    values: dict[str, FormValue] = {}
    for field, path in FORM_FIELDS.items():
        found: object = data
        for key in path:
            found = found.get(key, PydanticUndefined) if isinstance(found, dict) else PydanticUndefined
        if found is PydanticUndefined:
            found = _field_info(field).default
        try:
            value = None if found is PydanticUndefined else _checked_value(field, found)
        except TrainerError:
            value = None
        values[field] = NO_STYLE if field == "learning_style" and value is None and found is None else value
    return {k: (v.value if isinstance(v, Enum) else v) for k, v in values.items()}


def set_field(text: str, field: str, value: object) -> str:
    """The YAML with one form field changed, on its own line; every other line is kept as it is,
    comments included. A missing field is added after the one the model puts before it."""
    if field not in FORM_FIELDS:
        raise TrainerError(f"the form has no field {field!r}")
    if field == "learning_style" and value in (NO_STYLE, "", None):
        value = None
    elif isinstance(value, float) and value.is_integer():
        value = int(value)  # a slider's 75.0
    if field == "name" and not str(value or "").strip():
        raise TrainerError("a persona needs a name: type one in the form")
    checked = _checked_value(field, value)
    scalar = _yaml_scalar(checked.value if isinstance(checked, Enum) else checked)
    rows = text.splitlines(keepends=True)
    path = FORM_FIELDS[field]
    if len(path) == 1:
        return "".join(_set_in_block(rows, 0, len(rows), 0, path[0], scalar, list(Persona.model_fields)))
    parent = _find_key(rows, 0, len(rows), 0, path[0])
    if parent is None:  # no `mood:` yet: a new block at the end
        rows = [*_ended(rows), f"{path[0]}:\n"]
        parent = len(rows) - 1
    start, end = parent + 1, _extent(rows, parent, 0)
    indent = _child_indent(rows, start, end)
    return "".join(_set_in_block(rows, start, end, indent, path[1], scalar, list(Mood.model_fields)))


def _yaml_scalar(value: FormValue | bool) -> str:
    """The value as YAML writes it: plain where that reads back the same, else double-quoted."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    try:
        plain = text == text.strip() and "#" not in text and yaml.safe_load(f"k: {text}") == {"k": text}
    except (yaml.YAMLError, RecursionError):  # "[[[[..." typed as a name
        plain = False
    return text if plain else json.dumps(text, ensure_ascii=False)  # JSON strings are YAML strings


def _indent_of(row: str) -> int:
    return len(row) - len(row.lstrip(" "))


def _is_content(row: str) -> bool:
    stripped = row.strip()
    return bool(stripped) and not stripped.startswith("#")


def _find_key(rows: list[str], start: int, end: int, indent: int, key: str) -> int | None:
    pattern = re.compile(rf"^ {{{indent}}}{re.escape(key)}:(\s|$)")
    return next((i for i in range(start, end) if pattern.match(rows[i])), None)


def _extent(rows: list[str], at: int, indent: int) -> int:
    """Just past the last line that belongs to the key on row `at` (its value's lines)."""
    last = at
    for i in range(at + 1, len(rows)):
        if _is_content(rows[i]):
            if _indent_of(rows[i]) <= indent:
                break
            last = i
    return last + 1


def _child_indent(rows: list[str], start: int, end: int) -> int:
    return next((_indent_of(rows[i]) for i in range(start, end) if _is_content(rows[i])), 2)


def _set_in_block(rows: list[str], start: int, end: int, indent: int, key: str, scalar: str, order: list[str]):
    at = _find_key(rows, start, end, indent, key)
    if at is not None:
        line = f"{' ' * indent}{key}: {scalar}{_comment(rows[at])}\n"
        return [*rows[:at], line, *rows[_extent(rows, at, indent) :]]
    before = order[: order.index(key)]
    found = [i for k in before if (i := _find_key(rows, start, end, indent, k)) is not None]
    where = _extent(rows, max(found), indent) if found else _first_content(rows, start, end)
    rows = _ended(rows[:where]) + rows[where:]
    return [*rows[:where], f"{' ' * indent}{key}: {scalar}\n", *rows[where:]]


def _first_content(rows: list[str], start: int, end: int) -> int:
    return next((i for i in range(start, end) if _is_content(rows[i])), end)


def _ended(rows: list[str]) -> list[str]:
    """The rows with a newline after the last one, so a line can follow it."""
    return [*rows[:-1], rows[-1] if rows[-1].endswith("\n") else rows[-1] + "\n"] if rows else rows


def _comment(row: str) -> str:
    """A trailing `# comment` of a `key: value` line, with the spaces before it, or ""."""
    body = row.rstrip("\n").strip()
    try:
        tokens = list(yaml.scan(body, Loader=yaml.SafeLoader))
    except yaml.YAMLError:
        return ""
    ends = [t.end_mark.column for t in tokens if isinstance(t, yaml.ScalarToken | yaml.ValueToken)]
    rest = body[max(ends) :] if ends else ""
    return rest if rest.strip().startswith("#") else ""
