"""The detector interface: engines (rules, an LLM judge...) plug in behind it."""

from typing import Protocol, runtime_checkable

from trainer.formats.call import Detection
from trainer.playbook import Archetype, Behaviour, LearningStyle


class BehaviourDetector(Protocol):
    name: str

    def detect(
        self,
        reply: str,
        customer: str = "",
        archetype: Archetype | None = None,
        learning_style: LearningStyle | None = None,
    ) -> list[Detection]: ...


def detected_ids(detections: list[Detection]) -> list[Behaviour]:
    return sorted({d.behaviour for d in detections})


@runtime_checkable
class ScoresBehaviours(Protocol):
    """A detector that can say how likely every behaviour is, not only which ones it found:
    what calibration (`trainer eval detector`) and `trainer detect` print."""

    def probabilities(
        self,
        reply: str,
        customer: str = "",
        archetype: Archetype | None = None,
        learning_style: LearningStyle | None = None,
    ) -> dict[Behaviour, float]: ...
