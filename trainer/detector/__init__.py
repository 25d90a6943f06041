"""Which playbook behaviours a trainee's reply shows, each with the words that showed it."""

from trainer.detector.base import BehaviourDetector, Detection, detected_ids
from trainer.detector.rules import RuleDetector

__all__ = ["BehaviourDetector", "Detection", "RuleDetector", "detected_ids"]
