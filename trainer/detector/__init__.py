"""Which playbook behaviours a trainee's reply shows, each with the words that showed it."""

from typing import Any

from trainer.detector.base import BehaviourDetector, Detection, detected_ids
from trainer.detector.rules import RuleDetector

__all__ = [
    "BehaviourDetector",
    "Detection",
    "FallbackDetector",
    "HybridDetector",
    "LlmJudge",
    "RuleDetector",
    "detected_ids",
    "offline_detector",
]


def offline_detector(name: str = "hybrid") -> BehaviourDetector:
    """The detector a call uses with no endpoint: the hybrid by default, or the rules alone."""
    if name == "rules":
        return RuleDetector()
    from trainer.detector.hybrid import HybridDetector

    return HybridDetector()


def __getattr__(name: str) -> Any:
    """The LLM judge on first use only: importing openai takes most of a second."""
    if name in ("LlmJudge", "FallbackDetector"):
        from trainer.detector import llm_judge

        return getattr(llm_judge, name)
    if name == "HybridDetector":
        from trainer.detector.hybrid import HybridDetector

        return HybridDetector
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
