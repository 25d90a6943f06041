"""The customer's voice: speech engines behind one interface, anger in the voice, a cache."""

from trainer.tts.engines import EspeakEngine, PiperEngine, Speech, SpeechEngine, available_engine
from trainer.tts.voice import CustomerVoice, VoiceSpec, spec_for

__all__ = [
    "CustomerVoice",
    "EspeakEngine",
    "PiperEngine",
    "Speech",
    "SpeechEngine",
    "VoiceSpec",
    "available_engine",
    "spec_for",
]
