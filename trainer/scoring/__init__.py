"""Grade a call against the rubrics: each turn as it happens, and the whole call at the end."""

from trainer.scoring.grader import Grader, rubric_applies

__all__ = ["Grader", "rubric_applies"]
