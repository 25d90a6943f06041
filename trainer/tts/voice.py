"""How a persona sounds at a given anger, and a cache so scripted lines are synthesized once.

Anger moves the voice within what each engine can do: faster (rate or length scale),
higher (espeak pitch) and louder (gain), in three bands so the cache still hits.
"""

import contextlib
import hashlib
import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from trainer.audio.clip import write_ogg, write_wav
from trainer.formats.persona import Voice
from trainer.speechqueue import speech_queue
from trainer.tts.engines import Speech, SpeechEngine, available_engine

BANDS = ((0, "calm"), (40, "upset"), (70, "angry"))
_FASTER = {"calm": 1.0, "upset": 1.08, "angry": 1.18}
_HIGHER = {"calm": 0, "upset": 6, "angry": 14}
_LOUDER_DB = {"calm": -3.0, "upset": 0.0, "angry": 2.5}


def band(anger: int) -> str:
    return [name for floor, name in BANDS if anger >= floor][-1]


@dataclass(frozen=True)
class VoiceSpec:
    engine: str
    voice: str | None
    rate: int | None
    pitch: int | None
    length_scale: float | None
    gain_db: float = 0.0
    steady: bool = False

    def key(self, text: str) -> str:
        payload = json.dumps({"text": text, **asdict(self)}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:32]


def spec_for(voice: Voice, engine: str, anger: int) -> VoiceSpec:
    mood = band(anger)
    rate = round((voice.rate or 170) * _FASTER[mood])
    pitch = min(99, (voice.pitch if voice.pitch is not None else 50) + _HIGHER[mood])
    length = round((voice.length_scale or 1.0) / _FASTER[mood], 3)
    return VoiceSpec(engine, voice.voice, rate, pitch, length, _LOUDER_DB[mood])


def _read(path: Path) -> Speech:
    import soundfile

    samples, rate = soundfile.read(str(path), dtype="float32")
    return Speech(samples, rate)


def _write(path: Path, speech: Speech) -> None:
    """The line as WAV, and its Ogg copy beside it first: a call keeps the Ogg in its session
    folder by linking it (`Recordings.save_file`), with no encoding while the trainee waits."""
    write_ogg(path.with_suffix(".ogg"), speech.samples, speech.rate)  # each atomic: a reader never sees half a file
    write_wav(path, speech.samples, speech.rate)


_FALLBACK_SUFFIX = ".fallback.wav"


def _fallback_path(path: Path) -> Path:
    """Where a line spoken by a fallback engine goes: beside the cache, never its entry, so the
    engine the persona asked for is tried again the next time the line is said."""
    return path.with_name(path.stem + _FALLBACK_SUFFIX)


def _is_fallback(path: Path) -> bool:
    return path.name.endswith(_FALLBACK_SUFFIX)


def _with_gain(speech: Speech, gain_db: float) -> Speech:
    samples = np.clip(speech.samples * (10 ** (gain_db / 20)), -1, 1).astype(np.float32)
    return Speech(samples, speech.rate, speech.fallback)


class CustomerVoice:
    """Speaks a persona's lines to WAV files in a cache folder; the same line twice costs nothing."""

    def __init__(self, voice: Voice, cache_dir: Path, engine: SpeechEngine | None = None) -> None:
        self.voice = voice
        self.engine = engine or available_engine(voice.engine)
        self.cache_dir = cache_dir

    def spec(self, anger: int) -> VoiceSpec:
        return spec_for(self.voice, self.engine.name, anger)

    def cached(self, text: str, anger: int) -> Path | None:
        path = self._path(text, self.spec(anger))
        return path if path.is_file() else None

    def speak(self, text: str, anger: int) -> Path:
        spec = self.spec(anger)
        path = self._path(text, spec)
        if not path.is_file():
            queue = speech_queue(f"voice:{self.engine.name}", self.engine.slots)
            speech = queue.run(lambda: self.engine.synthesize(text, spec))
            path = _fallback_path(path) if speech.fallback else path  # tried again next time, not cached
            _write(path, _with_gain(speech, spec.gain_db))
        return path

    def speak_parts(self, parts: list[str], anger: int) -> Path:
        """Several cached pieces joined into one file: joining costs far less than synthesizing."""
        if len(parts) == 1:
            return self.speak(parts[0], anger)
        spec = self.spec(anger)
        path = self._path(" ".join(parts), spec)
        if not path.is_file():
            spoken = [self.speak(part, anger) for part in parts]
            pieces = [_read(piece) for piece in spoken]
            rate = pieces[0].rate
            gap = np.zeros(int(rate * 0.25), np.float32)
            joined = np.concatenate([x for piece in pieces for x in (piece.samples, gap)][:-1])
            path = _fallback_path(path) if any(_is_fallback(piece) for piece in spoken) else path
            _write(path, Speech(joined, rate))
        return path

    def warm(
        self, lines: list[tuple[str, int]], stop: threading.Event | None = None, idle: threading.Event | None = None
    ) -> int:
        """Synthesize lines ahead of the call; returns how many were new.

        Background work: it runs at the lowest CPU priority and, when `idle` is given, waits
        while a live turn is being handled, so it never slows the trainee's own turn. It runs on
        a thread of its own even when the caller waits for it: a thread's nice value is passed
        to every thread it starts, and the caller's cannot be raised back without privileges (a
        bench that warmed on its main thread ran its whole server at nice 19).
        """
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="callcoach-warm-voice") as worker:
            return worker.submit(self._warm_here, lines, stop, idle).result()

    def _warm_here(
        self, lines: list[tuple[str, int]], stop: threading.Event | None, idle: threading.Event | None
    ) -> int:
        _lowest_priority()
        new = 0
        for text, anger in lines:
            while idle is not None and not idle.wait(0.2):
                if stop is not None and stop.is_set():
                    return new
            if stop is not None and stop.is_set():
                break
            if self.cached(text, anger) is None:
                self.speak(text, anger)
                new += 1
        return new

    def _path(self, text: str, spec: VoiceSpec) -> Path:
        return self.cache_dir / f"{spec.key(text)}.wav"


def _lowest_priority() -> None:
    """Nice this thread only (Linux gives each thread its own nice value)."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
