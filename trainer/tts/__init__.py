"""The customer's voice: speech engines behind one interface, anger in the voice, a cache."""

from trainer.tts.engines import (
    ENGINE_NAMES,
    EngineName,
    EspeakEngine,
    PiperEngine,
    Speech,
    SpeechEngine,
    available_engine,
    engine_name,
)
from trainer.tts.system_voice import Pyttsx3Engine
from trainer.tts.voice import CustomerVoice, VoiceSpec, spec_for

__all__ = [
    "ENGINE_NAMES",
    "CustomerVoice",
    "EngineName",
    "EspeakEngine",
    "PiperEngine",
    "Pyttsx3Engine",
    "Speech",
    "SpeechEngine",
    "VoiceSpec",
    "available_engine",
    "engine_name",
    "spec_for",
]
