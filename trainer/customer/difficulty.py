"""Difficulty as a dial: the same customer played easy, medium or hard.

The persona file's mood is written at its own `difficulty`; each level up starts angrier,
runs out of patience sooner, is inflamed more by a fault and calmed less by a good move (each
level down the reverse). A persona's `levels:` section overrides any of these per level.
"""

from trainer.formats.persona import Difficulty, Level, Persona

ORDER = [Difficulty.easy, Difficulty.medium, Difficulty.hard]
# One level's shift: starting anger, patience (replies), and the multipliers on reactions.
ANGER_STEP = 12
PATIENCE_STEP = 3
INFLAME_STEP = 1.3
CALM_STEP = 0.75


def at_level(persona: Persona, level: Difficulty | None) -> Persona:
    """The persona as it plays at `level` (itself when None or its own level)."""
    if level is None or level is persona.difficulty:
        return persona
    steps = ORDER.index(level) - ORDER.index(persona.difficulty)
    shift = persona.levels.get(level, Level())
    mood = persona.mood
    inflame = shift.inflame if shift.inflame is not None else INFLAME_STEP**steps
    calm = shift.calm if shift.calm is not None else CALM_STEP**steps
    reactions = {b: round(v * (inflame if v > 0 else calm)) for b, v in mood.reactions.items()}
    start = shift.start_anger if shift.start_anger is not None else mood.start_anger + ANGER_STEP * steps
    patience = shift.patience if shift.patience is not None else mood.patience - PATIENCE_STEP * steps
    played = mood.model_copy(
        update={
            "start_anger": max(0, min(mood.hang_up_at - 1, start)),
            "patience": max(2, min(50, patience)),
            "reactions": reactions,
        }
    )
    return persona.model_copy(update={"mood": played, "difficulty": level})
