"""Calm in the voice: loudness, pace, pitch, vocal effort and hesitation of each reply, against
the trainee's own first replies, with one combined "tense" verdict (see README.md here)."""

from trainer.prosody.compare import VoiceChange, compare_to_baseline, not_calm
from trainer.prosody.measure import measure

__all__ = ["VoiceChange", "compare_to_baseline", "measure", "not_calm"]
