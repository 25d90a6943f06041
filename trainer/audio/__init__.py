"""Audio in: decode whatever a browser or a user sends, and refuse what cannot be graded."""

from trainer.audio.clip import SAMPLE_RATE, AudioError, Clip, load_clip, write_wav

__all__ = ["SAMPLE_RATE", "AudioError", "Clip", "load_clip", "write_wav"]
