"""Trainee speech to text through SpeechRecognition; the engine is a setting."""

from trainer.stt.engines import Transcriber, Transcript, load_transcriber, shared_transcriber

__all__ = ["Transcriber", "Transcript", "load_transcriber", "shared_transcriber"]
