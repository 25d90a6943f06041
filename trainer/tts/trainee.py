"""A headless trainee: script lines spoken aloud, so `play --voice` tests the real pipeline.

The trainee speaks with the natural voice at a slower, plainer setting than customers use,
and never with anger styling, so it does not sound like the customer it answers. It is
steady: a line always gives the same sound, so a scripted voice call is reproducible.
"""

from pathlib import Path

from trainer.audio.clip import write_wav
from trainer.tts.engines import available_engine
from trainer.tts.voice import VoiceSpec

TRAINEE = VoiceSpec(engine="piper", voice=None, rate=150, pitch=40, length_scale=1.12, steady=True)


def speak_as_trainee(text: str, path: Path) -> Path:
    engine = available_engine("piper")
    speech = engine.synthesize(text, TRAINEE)
    return write_wav(path, speech.samples, speech.rate)
