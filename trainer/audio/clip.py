"""One recorded reply as 16 kHz mono float samples, checked before anything grades it.

Decoding goes through libsndfile where it can and PyAV (FFmpeg, which faster-whisper
already depends on) otherwise, so WAV at any rate, stereo, 8 kHz telephone audio, ogg,
webm, mp3 and m4a all arrive the same way. Whether anyone spoke is decided by voice activity,
not loudness, and a quiet voice is brought up for recognition (`trainer.audio.level`).
"""

import io
import math
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile
from scipy.signal import resample_poly

from trainer.audio.level import QUIET_ADVICE, SAMPLE_RATE, Level, amplified, measure_level
from trainer.audio.level import dbfs as dbfs  # where the voice measures and tests have always found it
from trainer.formats.errors import TrainerError

MIN_SECONDS = 0.5
NOBODY_SPOKE = "the recording is silent or only noise (no speech was heard); check the microphone and record again"


class AudioError(TrainerError):
    """A recording that cannot be graded; the message says what to do, the turn can be retried."""


@dataclass(frozen=True)
class Clip:
    samples: np.ndarray  # float32 in [-1, 1], mono, SAMPLE_RATE, as recorded
    source: str
    level: Level | None = None  # the voice in it (load_clip measures it)

    @property
    def seconds(self) -> float:
        return len(self.samples) / SAMPLE_RATE

    @property
    def advice(self) -> str:
        """What the trainee should change about the microphone, or "": a quiet reply is heard, not refused."""
        return QUIET_ADVICE if self.level is not None and self.level.quiet else ""

    def pcm16(self) -> bytes:
        return (np.clip(self.samples, -1, 1) * 32767).astype("<i2").tobytes()

    def for_recognition(self) -> "Clip":
        """The reply with its voice brought up to where recognition hears it best (no clipping);
        the clip itself, as recorded, is what is kept and measured."""
        if self.level is None or self.level.gain_db <= 0:
            return self
        return Clip(amplified(self.samples, self.level.gain_db), self.source)


class _TooLong(Exception):
    """More audio than a reply may hold, found before decoding the rest."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds


def _decode(data: Path | bytes, max_seconds: float) -> np.ndarray:
    """WAV and FLAC through libsndfile (a few ms); anything else through FFmpeg (PyAV).

    Never more than `max_seconds` is decoded: the length in the header is checked first, and the
    decode stops as soon as it passes the limit, so an hour of silence compressed into half a
    megabyte costs a few milliseconds and no memory, not a stalled server.

    faster-whisper's PyAV decoder runs the garbage collector after every file to free its
    resampler: 50 ms of a turn's wait before whisper even starts. The browser records WAV,
    which needs no FFmpeg. (libsndfile misreads some Ogg files FFmpeg writes, so Ogg stays
    with FFmpeg.)
    """
    source = io.BytesIO(data) if isinstance(data, bytes) else str(data)
    if _signature(data) in (b"RIFF", b"fLaC"):
        try:
            return _read_with_soundfile(source, max_seconds)
        except (soundfile.LibsndfileError, RuntimeError, ValueError):
            if isinstance(source, io.BytesIO):
                source.seek(0)
    return _read_with_ffmpeg(source, max_seconds)


def _signature(data: Path | bytes) -> bytes:
    if isinstance(data, bytes):
        return data[:4]
    with data.open("rb") as handle:
        return handle.read(4)


def _read_with_soundfile(source: io.BytesIO | str, max_seconds: float) -> np.ndarray:
    with soundfile.SoundFile(source) as sound:
        rate = sound.samplerate
        limit = int(max_seconds * rate) + 1
        if sound.frames > limit:
            raise _TooLong(sound.frames / rate)
        samples = sound.read(frames=limit, dtype="float32", always_2d=True)
    if len(samples) >= limit:
        raise _TooLong(None)
    mono = samples.mean(axis=1)
    if rate == SAMPLE_RATE:
        return mono
    common = math.gcd(rate, SAMPLE_RATE)
    return resample_poly(mono, SAMPLE_RATE // common, rate // common).astype(np.float32)


def _read_with_ffmpeg(source: io.BytesIO | str, max_seconds: float) -> np.ndarray:
    import av

    limit = int(max_seconds * SAMPLE_RATE) + 1
    resampler = av.audio.resampler.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    chunks: list[np.ndarray] = []
    total = 0
    try:
        with av.open(source, mode="r", metadata_errors="ignore") as container:
            if container.duration is not None and container.duration / av.time_base > max_seconds + 1:
                raise _TooLong(container.duration / av.time_base)
            for frame in _valid_frames(container.decode(audio=0)):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
                    total += len(chunks[-1])
                if total > limit:
                    raise _TooLong(None)
            chunks += [out.to_ndarray().reshape(-1) for out in resampler.resample(None)]
    except (av.error.FFmpegError, ValueError, IndexError, EOFError) as exc:
        raise AudioError(
            "the recording could not be read (corrupt, or not an audio format we know: "
            "use WAV, ogg, webm, mp3 or m4a); please record the reply again"
        ) from exc
    samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
    if len(samples) > limit:
        raise _TooLong(len(samples) / SAMPLE_RATE)
    return samples.astype(np.float32) / 32768.0


def _valid_frames(frames):
    """Decoded frames, skipping the damaged ones FFmpeg reports (as faster-whisper does)."""
    import av

    iterator = iter(frames)
    while True:
        try:
            yield next(iterator)
        except StopIteration:
            return
        except av.error.InvalidDataError:
            continue


def load_clip(data: Path | bytes, max_seconds: float = 120.0, max_bytes: int = 50_000_000) -> Clip:
    """Decode and check a reply; every refusal is an AudioError with a plain message.

    "Nobody spoke" means too little voice activity, however loud the clip: digital silence, room
    noise and a tone are refused, a soft voice is not (its clip carries advice instead)."""
    name = data.name if isinstance(data, Path) else "upload"
    if isinstance(data, Path):
        if not data.is_file():
            raise AudioError(f"no recording at {data}")
        size = data.stat().st_size
    else:
        size = len(data)
    if size == 0:
        raise AudioError("the recording is empty: nothing was captured; check the microphone and record again")
    if size > max_bytes:
        raise AudioError(f"the recording is too large ({size // 1_000_000} MB); keep a reply under {max_seconds:.0f} s")
    try:
        samples = _decode(data, max_seconds)
    except _TooLong as long:
        length = f"{long.seconds:.0f} s long" if long.seconds else "longer than that"
        raise AudioError(
            f"the recording is {length}; the limit is {max_seconds:.0f} s: keep a reply short, as on a real call"
        ) from None
    clip = Clip(samples, name)
    if clip.seconds == 0:
        raise AudioError("the recording has no sound in it; check the microphone and record again")
    if clip.seconds < MIN_SECONDS:
        raise AudioError(f"the recording is only {clip.seconds:.1f} s long; say your whole reply and record again")
    if clip.seconds > max_seconds:
        raise AudioError(
            f"the recording is {clip.seconds:.0f} s long; the limit is {max_seconds:.0f} s: "
            "keep a reply short, as on a real call"
        )
    level = measure_level(samples)
    if not level.spoke:
        raise AudioError(NOBODY_SPOKE)
    return Clip(samples, name, level)


def write_ogg(path: Path, samples: np.ndarray, rate: int) -> Path:
    """Ogg Vorbis: a tenth of the WAV's size, for keeping and for sending to a browser. Written
    beside and then renamed: a reader (a player, a link into a session) never sees half a file."""
    import soundfile

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.ogg")
    soundfile.write(str(tmp), np.clip(samples, -1, 1), rate, format="OGG", subtype="VORBIS")
    return tmp.replace(path)


def write_wav(path: Path, samples: np.ndarray, rate: int) -> Path:
    """16-bit PCM WAV, the one format every player and browser takes; written beside and then
    renamed, as `write_ogg` is."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.wav")
    with wave.open(str(tmp), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return tmp.replace(path)
