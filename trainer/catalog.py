"""The personas and rubrics a trainer has written, loaded from the configured folders."""

from dataclasses import dataclass

from trainer.formats import FormatError, Persona, Rubric, load_personas, load_rubrics
from trainer.formats.errors import TrainerError
from trainer.settings import Settings


@dataclass
class Catalog:
    personas: dict[str, Persona]
    rubrics: dict[str, Rubric]
    errors: list[FormatError]

    def persona(self, persona_id: str) -> Persona:
        if persona_id in self.personas:
            return self.personas[persona_id]
        broken = [e for e in self.errors if e.path.stem == persona_id]
        if broken:
            raise TrainerError(f"persona '{persona_id}' is invalid: {broken[0]}")
        known = ", ".join(sorted(self.personas)) or "none"
        raise TrainerError(f"no persona '{persona_id}' (known: {known})")


def load_catalog(settings: Settings) -> Catalog:
    for folder in (settings.personas_dir, settings.rubrics_dir):
        if not folder.is_dir():
            raise TrainerError(f"folder not found: {folder} (set CALLCOACH_PERSONAS_DIR / CALLCOACH_RUBRICS_DIR)")
    personas, persona_errors = load_personas(settings.personas_dir)
    rubrics, rubric_errors = load_rubrics(settings.rubrics_dir)
    if not rubrics:
        raise TrainerError(f"no valid rubric in {settings.rubrics_dir}: " + "; ".join(map(str, rubric_errors)))
    return Catalog(personas, rubrics, persona_errors + rubric_errors)
