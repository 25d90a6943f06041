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
    """A detector that can say how likely every behaviour is, not only which ones it found,
    in the same pass: what calibration (`trainer eval detector`) needs."""

    def scored(
        self,
        reply: str,
        customer: str = "",
        archetype: Archetype | None = None,
        learning_style: LearningStyle | None = None,
    ) -> tuple[list[Detection], dict[Behaviour, float]]: ...
