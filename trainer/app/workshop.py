"""The persona workshop's logic: open, validate as you type, save safely, preview the voice.

Validation goes through `trainer.formats.load` itself, so the editor reports exactly what
`trainer personas check` would (file, line, field), and a file the editor accepts is one
every call can load. Rubrics are edited the same way (`kind="rubric"`).
"""

import re
import tempfile
from pathlib import Path

import yaml

from trainer.app.access import Viewer
from trainer.formats import FormatError, Persona, Rubric, load_persona, load_rubric
from trainer.formats.errors import TrainerError
from trainer.formats.load import MAX_FILE_BYTES
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


def read_persona(settings: Settings, viewer: Viewer, persona_id: str, kind: str = "persona") -> str:
    viewer.require_workshop()
    path = persona_path(settings, persona_id, kind)
    if not path.is_file():
        raise TrainerError(f"no {kind} file {kind}s/{persona_id}.yaml")
    return path.read_text(encoding="utf-8")


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
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        found = re.search(r"^id:\s*([a-z0-9_]+)\s*$", text, re.MULTILINE)
        return found.group(1) if found else None
    value = data.get("id") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def validate(text: str, kind: str = "persona") -> tuple[Persona | Rubric | None, list[str]]:
    """(the persona, []) or (None, one 'personas/<id>.yaml:LINE: field: message' per problem)."""
    if len(text.encode()) > MAX_FILE_BYTES:
        return None, [f"the file is larger than {MAX_FILE_BYTES} bytes"]
    persona_id = declared_id(text)
    stem = persona_id if persona_id and ID_PATTERN.match(persona_id) else kind
    with tempfile.TemporaryDirectory(prefix="callcoach-persona-") as folder:
        path = Path(folder) / f"{stem}.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            persona = _load(path, kind)
        except FormatError as exc:
            shown = f"{kind}s/{stem}.yaml"
            problems = [
                f"{shown}:{line}: {name or '(file)'}: {message}" if line else f"{shown}: {name or '(file)'}: {message}"
                for line, name, message in exc.problems
            ]
            return None, problems
    return persona, []


def validation_markdown(text: str, kind: str = "persona") -> str:
    persona, problems = validate(text, kind)
    if isinstance(persona, Persona):
        valid = f"✔ valid: **{persona.name}** ({persona.archetype.value}, {persona.difficulty.value})"
        return "\n\n".join([valid, *(f"- advice: `{note}`" for note in persona.advice())])
    if persona is not None:
        return f"✔ valid: **{persona.name}** (strategies {', '.join(map(str, persona.strategies))})"
    return "✘ **not valid yet**\n\n" + "\n".join(f"- `{p}`" for p in problems)


def save(settings: Settings, viewer: Viewer, text: str, overwrite: bool = False, kind: str = "persona") -> str:
    """Write personas/<id>.yaml, only when valid and, for an existing file, only when told to."""
    viewer.require_workshop()
    persona, problems = validate(text, kind)
    if persona is None:
        raise TrainerError(f"not saved, the {kind} is invalid: " + "; ".join(problems))
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
