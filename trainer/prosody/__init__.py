"""Calm in the voice: loudness, pace, pitch and hesitation of each reply, against the trainee's own."""

from trainer.prosody.compare import VoiceChange, compare_to_baseline
from trainer.prosody.measure import measure

__all__ = ["VoiceChange", "compare_to_baseline", "measure"]
