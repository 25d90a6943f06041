"""Audio in: decode whatever a browser or a user sends, and refuse what cannot be graded."""

from trainer.audio.clip import SAMPLE_RATE, AudioError, Clip, load_clip, write_wav
from trainer.audio.level import QUIET_ADVICE, Level

__all__ = ["QUIET_ADVICE", "SAMPLE_RATE", "AudioError", "Clip", "Level", "load_clip", "write_wav"]
