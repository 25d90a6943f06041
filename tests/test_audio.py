"""Bad audio and odd formats, with real speech made here by the project's own voices.

Every recording that cannot be graded is refused with a plain AudioError, the call loses
nothing and the turn can be retried; every format a browser or a user sends (WAV at any
rate, stereo, 8 kHz telephone audio, ogg, webm, mp3, m4a) is heard as the same words.
"""

import io
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile
from conftest import warm_espeak_cache
from hearing import assert_heard

from trainer.audio import SAMPLE_RATE, AudioError, load_clip
from trainer.audio.clip import _decode, dbfs
from trainer.call import Call, CallVoice
from trainer.catalog import Catalog
from trainer.recordings import AUDIO_DIR, Recordings
from trainer.sessionlog import SessionLog
from trainer.stt import shared_transcriber
from trainer.tts import CustomerVoice, EspeakEngine
from trainer.tts.trainee import speak_as_trainee

PERSONA = "escalated"
REPLY = "I'll email you the moment it's fixed."
LIMIT_S = 3.0  # a small reply limit, so "too long" needs only a few seconds of speech
UNREADABLE = "could not be read"
NOBODY_SPOKE = "the recording is silent or only noise"


pytestmark = pytest.mark.usefixtures("own_sessions_folder")


def _espeak_cache(persona: str, folder: Path) -> Path:
    """Speak a persona's scripted lines with espeak-ng into `folder`, so no call in this
    module has anything left to synthesize in its background warm thread."""
    warm_espeak_cache(persona, folder)
    assert len(list(folder.glob("*.wav"))) > 20
    return folder


# -- audio made in the test ------------------------------------------------------------
def _wav(samples: np.ndarray, rate: int, subtype: str = "PCM_16") -> bytes:
    buf = io.BytesIO()
    soundfile.write(buf, samples, rate, format="WAV", subtype=subtype)
    return buf.getvalue()


def _resample(samples: np.ndarray, rate: int, new_rate: int) -> np.ndarray:
    """FFmpeg's resampler through PyAV, mono float32 in and out."""
    resampler = av.AudioResampler(format="flt", layout="mono", rate=new_rate)
    frame = av.AudioFrame.from_ndarray(
        np.ascontiguousarray(samples[None, :], dtype=np.float32), format="flt", layout="mono"
    )
    frame.sample_rate = rate
    frames = resampler.resample(frame) + resampler.resample(None)
    return np.concatenate([f.to_ndarray().reshape(-1) for f in frames])


def _encode(samples: np.ndarray, rate: int, container: str, codec: str, out_rate: int) -> bytes:
    """Compress with PyAV as a browser or phone would; the encoder resamples and reframes."""
    layout = "stereo" if codec == "vorbis" else "mono"  # FFmpeg's own vorbis encoder is stereo only
    planes = np.stack([samples, samples]) if layout == "stereo" else samples[None, :]
    buf = io.BytesIO()
    with av.open(buf, "w", format=container) as out:
        options = {"strict": "experimental"} if codec == "vorbis" else {}
        stream = out.add_stream(codec, rate=out_rate, layout=layout, options=options)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(planes, dtype=np.float32), format="fltp", layout=layout)
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


def _encoder(name: str) -> bool:
    try:
        av.codec.Codec(name, "w")
    except Exception:
        return False
    return True


def _png(width: int = 32, height: int = 32) -> bytes:
    """A real, valid PNG image (red square), built byte by byte."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + bytes([255, 0, 0]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _tone(seconds: float, hz: float = 440.0, rate: int = SAMPLE_RATE, amplitude: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * hz * t)).astype(np.float32)


@dataclass(frozen=True)
class Spoken:
    samples: np.ndarray  # float32 mono
    rate: int
    wav: Path

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


@pytest.fixture(scope="module")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> Spoken:
    """The reply, spoken once by the headless trainee voice (piper)."""
    path = speak_as_trainee(REPLY, tmp_path_factory.mktemp("spoken") / "reply.wav")
    samples, rate = soundfile.read(str(path), dtype="float32")
    assert rate > 0 and len(samples) / rate > 1.0, "the trainee voice produced no usable speech"
    return Spoken(samples, rate, path)


@pytest.fixture(scope="module")
def tts_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The customer's scripted lines, spoken once (espeak-ng) into a cache every call here shares."""
    return _espeak_cache(PERSONA, tmp_path_factory.mktemp("tts-cache"))


def _open_call(catalog: Catalog, folder: Path, cache: Path, max_seconds: float = 120.0) -> Call:
    persona = catalog.persona(PERSONA)
    voice = CallVoice(
        customer=CustomerVoice(persona.voice, cache, engine=EspeakEngine()),
        transcriber=shared_transcriber(),
        recordings=Recordings(folder / "sessions"),
        max_reply_seconds=max_seconds,
    )
    log = SessionLog(f"sqlite:///{folder / 'log.db'}")
    call = Call(persona, list(catalog.rubrics.values()), log=log, voice=voice)
    call.open()
    return call


@pytest.fixture
def voice_call(catalog: Catalog, tmp_path: Path, tts_cache: Path):
    call = _open_call(catalog, tmp_path, tts_cache, max_seconds=LIMIT_S)
    yield call
    call.close()


# -- bad audio ---------------------------------------------------------------------------
def _bad_cases(spoken: Spoken, folder: Path) -> dict[str, tuple[Path | bytes, str]]:
    """Every kind of recording that must be refused, with the words its message must hold."""
    rng = np.random.default_rng(7)
    text_file = folder / "notes.wav"  # a text file renamed .wav
    text_file.write_text("Customer was angry, call back tomorrow.\n" * 20, encoding="utf-8")
    png_file = folder / "screenshot.png"
    png_file.write_bytes(_png())
    png_as_wav = folder / "screenshot.wav"
    png_as_wav.write_bytes(_png())
    empty_file = folder / "empty.wav"
    empty_file.write_bytes(b"")
    long_speech = np.concatenate([spoken.samples, spoken.samples])  # about 4 s of real speech
    assert len(long_speech) / spoken.rate > LIMIT_S + 0.5
    return {
        "empty bytes": (b"", "the recording is empty"),
        "empty file": (empty_file, "the recording is empty"),
        "missing file": (folder / "never-recorded.wav", "no recording at"),
        "header only, no samples": (_wav(np.zeros(0, np.float32), 44_100), "has no sound in it"),
        "silent zeros 2 s": (_wav(np.zeros(2 * 44_100, np.float32), 44_100), "the recording is silent"),
        "very low noise 2 s": (
            _wav(rng.normal(0, 10 ** (-70 / 20), 2 * 44_100).astype(np.float32), 44_100),
            "the recording is silent",
        ),
        **{name: (data, NOBODY_SPOKE) for name, data in _wordless_cases().items()},
        "speech cut to 0.3 s": (_wav(spoken.samples[: int(0.3 * spoken.rate)], spoken.rate), "only 0.3 s long"),
        "longer than the limit": (_wav(long_speech, spoken.rate), f"the limit is {LIMIT_S:.0f} s"),
        "random bytes": (rng.bytes(40_000), UNREADABLE),
        "RIFF/WAVE header then garbage": (
            b"RIFF" + struct.pack("<I", 40_004) + b"WAVE" + rng.bytes(40_000),
            UNREADABLE,
        ),
        "text renamed .wav": (text_file, UNREADABLE),
        "PNG bytes": (_png(), UNREADABLE),
        "PNG file": (png_file, UNREADABLE),
        "PNG renamed .wav": (png_as_wav, UNREADABLE),
    }


# Loud sound, but no voice in it: the voice activity detector refuses it before the transcriber
# is asked (a whole-clip loudness rule let these through to whisper).
def _wordless_cases() -> dict[str, bytes]:
    rng = np.random.default_rng(11)
    header = _wav(np.zeros(2 * SAMPLE_RATE, np.float32), SAMPLE_RATE)[:44]
    return {
        "pure tone 2 s": _wav(_tone(2.0, rate=44_100), 44_100),
        "noise burst 2 s": _wav(np.clip(rng.normal(0, 0.2, 2 * 44_100), -1, 1).astype(np.float32), 44_100),
        # A valid 44-byte PCM header, then garbage: FFmpeg reads the garbage as loud noise.
        "full WAV header then garbage": header + rng.bytes(2 * SAMPLE_RATE * 2),
    }


BAD_NAMES = [
    "empty bytes",
    "empty file",
    "missing file",
    "header only, no samples",
    "silent zeros 2 s",
    "very low noise 2 s",
    "speech cut to 0.3 s",
    "longer than the limit",
    "random bytes",
    "RIFF/WAVE header then garbage",
    "text renamed .wav",
    "PNG bytes",
    "PNG file",
    "PNG renamed .wav",
    "pure tone 2 s",
    "noise burst 2 s",
    "full WAV header then garbage",
]


@pytest.mark.parametrize("case", BAD_NAMES)
def test_load_clip_refuses_bad_audio_with_a_plain_message(spoken: Spoken, tmp_path: Path, case: str) -> None:
    data, expected = _bad_cases(spoken, tmp_path)[case]
    with pytest.raises(AudioError) as refused:
        load_clip(data, max_seconds=LIMIT_S)
    message = str(refused.value)
    assert expected in message
    assert "\n" not in message and len(message) < 200, message  # one plain line, no traceback
    assert "Errno" not in message and "Error" not in message  # no FFmpeg internals for the trainee
    if case not in ("missing file",):
        # It says what to do next.
        assert "again" in message or "keep a reply" in message, message


def test_the_limit_is_the_setting_not_a_constant(spoken: Spoken) -> None:
    """The same 4 s reply is fine under the default limit and refused under a 3 s one."""
    long_speech = _wav(np.concatenate([spoken.samples, spoken.samples]), spoken.rate)
    assert load_clip(long_speech).seconds == pytest.approx(2 * spoken.seconds, abs=0.05)
    with pytest.raises(AudioError, match="the limit is 3 s"):
        load_clip(long_speech, max_seconds=3)


@pytest.mark.parametrize("case", ["pure tone 2 s", "noise burst 2 s", "full WAV header then garbage"])
def test_loud_sound_without_a_voice_is_refused_by_the_call(voice_call: Call, case: str) -> None:
    data = _wordless_cases()[case]
    assert dbfs(_decode(data, LIMIT_S)) > -25  # loud: a whole-clip loudness rule let it through
    with pytest.raises(AudioError, match=NOBODY_SPOKE):
        voice_call.reply_audio(data)
    assert len(voice_call.turns) == 1 and voice_call.turns[0].reply is None


def _audio_files(call: Call) -> list[str]:
    call.voice.recordings.flush()  # trainee recordings are written just after their turn
    root = call.voice.recordings.root / AUDIO_DIR
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_a_refused_recording_loses_nothing_and_the_turn_can_be_retried(
    voice_call: Call, spoken: Spoken, tmp_path: Path
) -> None:
    call = voice_call
    log = call.log
    first = call.reply_audio(spoken.wav)  # one good turn already in the call
    assert_heard(first.turn.reply, REPLY)

    turns_before = [t.model_dump() for t in call.turns]
    logged_before = log.get(call.session_id)
    files_before = _audio_files(call)
    assert len(turns_before) == 2 and len(logged_before["turns"]) == 2

    cases = _bad_cases(spoken, tmp_path)
    for name, (data, expected) in cases.items():
        with pytest.raises(AudioError) as refused:
            call.reply_audio(data)
        assert expected in str(refused.value), name
        assert [t.model_dump() for t in call.turns] == turns_before, f"{name}: the call changed"
        assert log.get(call.session_id) == logged_before, f"{name}: the session log changed"
        assert _audio_files(call) == files_before, f"{name}: a recording was kept for a refused reply"
        assert not call.ended

    retried = call.reply_audio(spoken.wav.read_bytes())  # the same turn, recorded again
    assert retried.turn.index == 1
    assert_heard(retried.turn.reply, REPLY)
    assert retried.turn.transcript_engine and retried.turn.transcript_engine.startswith("faster-whisper")
    assert len(call.turns) == 3
    logged = log.get(call.session_id)
    assert [t["reply"] for t in logged["turns"]][:2] == [call.turns[0].reply, call.turns[1].reply]
    assert logged["turns"][1]["reply_audio"] == retried.turn.reply_audio
    assert len(_audio_files(call)) > len(files_before)


# -- formats that must be accepted -------------------------------------------------------
FORMATS = {
    # name: (suffix, maker(samples, rate) -> bytes, encoder it needs)
    "wav 44.1 kHz mono (browser mic)": (".wav", lambda s, r: _wav(_resample(s, r, 44_100), 44_100), "pcm_s16le"),
    "wav 48 kHz stereo": (
        ".wav",
        lambda s, r: _wav(np.stack([_resample(s, r, 48_000)] * 2, axis=1) * np.array([1.0, 0.6]), 48_000),
        "pcm_s16le",
    ),
    "wav 8 kHz telephone (mu-law)": (".wav", lambda s, r: _wav(_resample(s, r, 8_000), 8_000, "ULAW"), "pcm_mulaw"),
    "ogg vorbis": (".ogg", lambda s, r: _encode(s, r, "ogg", "vorbis", 44_100), "vorbis"),
    "ogg opus": (".ogg", lambda s, r: _encode(s, r, "ogg", "libopus", 48_000), "libopus"),
    "webm opus (browser MediaRecorder)": (".webm", lambda s, r: _encode(s, r, "webm", "libopus", 48_000), "libopus"),
    "mp3": (".mp3", lambda s, r: _encode(s, r, "mp3", "libmp3lame", 44_100), "libmp3lame"),
    "m4a aac (phone voice memo)": (".m4a", lambda s, r: _encode(s, r, "ipod", "aac", 44_100), "aac"),
}


@pytest.fixture(scope="module")
def encoded(spoken: Spoken, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("formats")
    made = {}
    for n, (name, (suffix, make, encoder)) in enumerate(FORMATS.items()):
        if _encoder(encoder):
            made[name] = folder / f"reply-{n}{suffix}"
            made[name].write_bytes(make(spoken.samples, spoken.rate))
    return made


MAGIC = {".wav": (b"RIFF",), ".ogg": (b"OggS",), ".webm": (b"\x1a\x45\xdf\xa3",), ".mp3": (b"ID3", b"\xff\xfb")}


def test_the_made_recordings_really_are_in_their_formats(encoded: dict[str, Path]) -> None:
    """The inputs below are what they claim to be (a webm is a webm), made by whichever encoders exist."""
    assert len(encoded) >= 3, "this PyAV cannot encode even the WAV variants"
    assert {name for name in FORMATS if name.startswith("wav")} <= set(encoded)
    for name, path in encoded.items():
        head = path.read_bytes()[:12]
        expected = MAGIC.get(path.suffix, ())
        if path.suffix == ".m4a":
            assert head[4:8] == b"ftyp", name
        else:
            assert head.startswith(expected), (name, head)
        with av.open(str(path)) as container:
            (stream,) = container.streams.audio
            made_with = av.codec.Codec(FORMATS[name][2], "w").canonical_name
            assert stream.codec_context.codec.canonical_name == made_with, name


@pytest.mark.parametrize("as_path", [False, True], ids=["bytes", "path"])
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_accepted_format_is_heard_as_the_same_words(
    encoded: dict[str, Path], spoken: Spoken, catalog: Catalog, tmp_path: Path, tts_cache: Path, fmt: str, as_path: bool
) -> None:
    if fmt not in encoded:
        pytest.skip(f"this PyAV has no encoder for {fmt}")
    path = encoded[fmt]
    data = path if as_path else path.read_bytes()
    clip = load_clip(data)
    assert clip.seconds == pytest.approx(spoken.seconds, abs=0.15)  # decoded whole, at the right speed
    assert clip.samples.dtype == np.float32 and clip.samples.ndim == 1
    call = _open_call(catalog, tmp_path, tts_cache)
    try:
        result = call.reply_audio(data)
    finally:
        call.close()
    assert_heard(result.turn.reply, REPLY)
    assert result.turn.voice is not None and result.turn.voice.seconds == pytest.approx(spoken.seconds, abs=0.15)
    kept = call.voice.recordings.path(result.turn.reply_audio)
    assert kept.suffix == ".ogg" and soundfile.info(str(kept)).duration == pytest.approx(spoken.seconds, abs=0.15)


def _long_silence(fmt: str, subtype: str | None, minutes: int) -> bytes:
    buffer = io.BytesIO()
    with soundfile.SoundFile(buffer, "w", samplerate=16_000, channels=1, format=fmt, subtype=subtype) as out:
        for _ in range(minutes):
            out.write(np.zeros(16_000 * 60, dtype="float32"))
    return buffer.getvalue()


@pytest.mark.parametrize(("fmt", "subtype", "minutes"), [("FLAC", None, 60), ("OGG", "VORBIS", 20)])
def test_hours_of_compressed_silence_are_refused_without_decoding_them(
    fmt: str, subtype: str | None, minutes: int
) -> None:
    """A half-megabyte upload holding an hour of audio must not cost the server an hour of samples."""
    import tracemalloc

    data = _long_silence(fmt, subtype, minutes)
    assert len(data) < 1_000_000
    tracemalloc.start()
    try:
        with pytest.raises(AudioError, match="the limit is 120 s"):
            load_clip(data, max_seconds=120)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 40_000_000, f"{peak / 1e6:.0f} MB decoded for a refusal"  # an hour of samples is 230 MB


def test_a_voice_that_cannot_be_measured_costs_the_figures_not_the_turn(
    voice_call: Call, spoken: Spoken, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The voice is measured on a thread beside the grading of the words: a measure that fails
    there leaves the turn graded on its words, with no voice figures, and the call goes on."""
    import trainer.call

    def broken(clip, text):
        raise ValueError("a measure that breaks")

    monkeypatch.setattr(trainer.call, "_measured", broken)
    result = voice_call.reply_audio(spoken.wav)
    assert_heard(result.turn.reply, REPLY)
    assert result.turn.voice is None and result.turn.voice_change is None
    assert result.turn.feedback and result.customer.text
    assert voice_call.log.get(voice_call.session_id)["turns"][result.turn.index]["reply"] == result.turn.reply
