"""pyttsx3, the system's voices, in worker processes: real speech, and a call that goes on
when its worker is killed mid-line, hangs or cannot start.

Nothing is mocked: lines are spoken by pyttsx3 in its real worker (libespeak-ng here), the
kills are real SIGKILLs, and the hang is the worker really sleeping inside the driver's
word callback (CALLCOACH_TEST_SYSTEM_VOICE_STALL, read only by the worker).
"""

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile
from hearing import assert_heard

from trainer.audio.clip import dbfs, load_clip
from trainer.call import Call, CallVoice
from trainer.catalog import Catalog
from trainer.formats.errors import TrainerError
from trainer.formats.persona import Voice
from trainer.recordings import Recordings
from trainer.sessionlog import SessionLog
from trainer.stt import shared_transcriber
from trainer.tts import (
    CustomerVoice,
    EspeakEngine,
    Pyttsx3Engine,
    Speech,
    available_engine,
    engine_name,
    spec_for,
    system_voice,
)
from trainer.tts import engines as tts_engines
from trainer.tts.system_voice_worker import STALL_ENV, pick_voice

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the kills here are POSIX signals")

HEARD_WELL = "I need to speak to a manager right now."  # heard word for word in espeak's voices
LONG_LINE = (
    "I have called you four times this week, I have been on hold for an hour each time, "
    "and every single person I talk to tells me something different about why my order "
    "still has not arrived and when it finally will."
)
SPEC = spec_for(Voice(rate=170, voice="en-us"), "pyttsx3", 0)


def _seconds(speech: Speech) -> float:
    return len(speech.samples) / speech.rate


def _assert_speech(speech: Speech, low: float = 1.0, high: float = 8.0) -> None:
    assert speech.samples.dtype == np.float32 and speech.samples.ndim == 1
    assert np.isfinite(speech.samples).all() and np.abs(speech.samples).max() <= 1.0
    assert low < _seconds(speech) < high, f"{_seconds(speech):.2f} s"
    assert dbfs(speech.samples) > -35, "the line is nearly silent"


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _kill_after(pid: int, seconds: float) -> dict[str, float]:
    """SIGKILL the worker from another thread after `seconds`; the time it was done is kept."""
    killed: dict[str, float] = {}

    def kill() -> None:
        time.sleep(seconds)
        killed["at"] = time.perf_counter()
        os.kill(pid, signal.SIGKILL)

    threading.Thread(target=kill, daemon=True).start()
    return killed


def _stalled(monkeypatch: pytest.MonkeyPatch, engine: Pyttsx3Engine, seconds_per_word: float) -> int:
    """Start the engine's worker with the stall hook on; the workers started after it are normal."""
    monkeypatch.setenv(STALL_ENV, str(seconds_per_word))
    engine.start()
    monkeypatch.delenv(STALL_ENV)
    [pid] = engine.worker_pids()
    return pid


@pytest.fixture
def engine() -> Iterator[Pyttsx3Engine]:
    engine = Pyttsx3Engine(workers=1, timeout=30.0)  # far longer than any test waits: a crash is seen, not waited out
    yield engine
    engine.close()


# -- the system voice ---------------------------------------------------------------------
def test_pyttsx3_is_installed_and_speaks_through_its_own_process(
    engine: Pyttsx3Engine, capfd: pytest.CaptureFixture[str]
) -> None:
    assert Pyttsx3Engine.installed(), system_voice.probe()
    assert system_voice.probe()["driver"] == "espeak"  # libespeak-ng, from the espeak-ng package

    speech = engine.synthesize(HEARD_WELL, SPEC)

    _assert_speech(speech)
    assert not speech.fallback
    [pid] = engine.worker_pids()
    assert pid != os.getpid() and not _gone(pid)
    assert capfd.readouterr().out == ""  # the driver's "Audio saved to ..." never reaches the app's stdout


def test_a_line_from_the_worker_is_heard_word_for_word(engine: Pyttsx3Engine, tmp_path: Path) -> None:
    from trainer.audio import write_wav

    speech = engine.synthesize(HEARD_WELL, SPEC)
    clip = load_clip(write_wav(tmp_path / "line.wav", speech.samples, speech.rate))
    assert_heard(shared_transcriber().transcribe(clip).text, HEARD_WELL)


def test_the_rate_and_pitch_a_persona_asks_for_are_used(engine: Pyttsx3Engine) -> None:
    slow = engine.synthesize(HEARD_WELL, spec_for(Voice(rate=120), "pyttsx3", 0))
    fast = engine.synthesize(HEARD_WELL, spec_for(Voice(rate=260), "pyttsx3", 0))
    assert _seconds(fast) < 0.7 * _seconds(slow), (_seconds(slow), _seconds(fast))

    import parselmouth

    def median_f0(speech: Speech) -> float:
        sound = parselmouth.Sound(speech.samples.astype(np.float64), sampling_frequency=speech.rate)
        f0 = sound.to_pitch().selected_array["frequency"]
        return float(np.median(f0[f0 > 0]))

    low = engine.synthesize(HEARD_WELL, spec_for(Voice(rate=170, pitch=10), "pyttsx3", 0))
    high = engine.synthesize(HEARD_WELL, spec_for(Voice(rate=170, pitch=85), "pyttsx3", 0))
    assert 12 * np.log2(median_f0(high) / median_f0(low)) >= 2  # semitones


def test_a_persona_names_a_system_voice_by_id_name_or_language() -> None:
    windows = [
        {"id": r"HKEY\Voices\TTS_MS_EN-US_DAVID_11.0", "name": "Microsoft David Desktop", "languages": ["en_US"]},
        {"id": r"HKEY\Voices\TTS_MS_EN-GB_HAZEL_11.0", "name": "Microsoft Hazel Desktop", "languages": ["en_GB"]},
    ]
    mac = [
        {"id": "com.apple.voice.compact.en-US.Samantha", "name": "Samantha", "languages": ["en_US"]},
        {"id": "com.apple.voice.compact.fr-FR.Thomas", "name": "Thomas", "languages": ["fr_FR"]},
    ]
    espeak = [
        {"id": "gmw/en", "name": "English (Great Britain)", "languages": ["en-gb"]},
        {"id": "gmw/en-us", "name": "English (America)", "languages": ["en-us"]},
    ]
    assert pick_voice("en-gb", windows) == windows[1]["id"]  # a language, however it is written
    assert pick_voice("Hazel", windows) == windows[1]["id"]  # part of a name
    assert pick_voice("samantha", mac) == mac[0]["id"]  # a name
    assert pick_voice("fr", mac) == mac[1]["id"]  # a language alone
    assert pick_voice("en-us", espeak) == "gmw/en-us"
    assert pick_voice(mac[1]["id"], mac) == mac[1]["id"]  # an id
    assert pick_voice("Klingon", mac) is None and pick_voice(None, mac) is None  # the system's default


def test_pyttsx3_is_an_engine_name_and_piper_stays_the_default() -> None:
    assert isinstance(available_engine("pyttsx3"), Pyttsx3Engine)
    assert available_engine("pyttsx3") is available_engine("pyttsx3")  # one set of workers per process
    assert available_engine(None).name == "piper"
    assert engine_name(" PyTTSx3 ") == "pyttsx3" and engine_name("") is None
    with pytest.raises(TrainerError, match=r"unknown voice engine 'festival': use piper, espeak or pyttsx3"):
        engine_name("festival")


def test_without_a_working_driver_the_engine_is_not_installed_and_another_speaks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "shadow"
    broken.mkdir()
    (broken / "pyttsx3.py").write_text("raise OSError('libespeak-ng.so.1: cannot open shared object file')\n")
    answer = system_voice._run_probe(env={**os.environ, "PYTHONPATH": str(broken)})
    assert answer["ok"] is False and "libespeak-ng.so.1" in answer["error"], answer

    monkeypatch.setattr(system_voice, "_PROBE", answer)
    monkeypatch.setattr(tts_engines, "_ENGINES", {})
    assert not Pyttsx3Engine.installed()
    assert available_engine("pyttsx3").name == "piper"  # the factory falls back as for the others


# -- a crash, a hang ---------------------------------------------------------------------
def test_a_worker_killed_mid_line_still_gives_the_line_and_the_next_goes_through_a_new_one(
    engine: Pyttsx3Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    pid = _stalled(monkeypatch, engine, seconds_per_word=0.25)  # this line would take 10 s and more
    killed = _kill_after(pid, 0.5)

    started = time.perf_counter()
    with caplog.at_level(logging.WARNING, logger=system_voice.__name__):
        speech = engine.synthesize(LONG_LINE, SPEC)
    done = time.perf_counter()

    assert killed and started < killed["at"] < done  # it was killed while on the line
    assert done - started < 3.0, "the crash was waited out instead of seen"
    assert speech.fallback
    _assert_speech(speech, low=8.0, high=25.0)  # the whole line, in espeak-ng
    assert _gone(pid) and engine.failures == 1
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "died" in warning.getMessage() and "espeak-ng speaks this line" in warning.getMessage()
    assert warning.exc_info is None  # one line in the log, no traceback

    after = engine.synthesize(HEARD_WELL, SPEC)
    assert not after.fallback
    _assert_speech(after)
    [new] = engine.worker_pids()
    assert new != pid and engine.failures == 1


def test_a_hung_worker_is_given_up_within_the_line_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = Pyttsx3Engine(workers=1, timeout=1.0, seconds_per_char=0.0)
    try:
        pid = _stalled(monkeypatch, engine, seconds_per_word=600)
        started = time.perf_counter()
        speech = engine.synthesize(HEARD_WELL, SPEC)
        waited = time.perf_counter() - started

        assert 1.0 <= waited < 2.5, waited
        assert speech.fallback
        _assert_speech(speech)
        assert _gone(pid)  # the hung worker was killed, not left behind

        after = engine.synthesize(HEARD_WELL, SPEC)
        assert not after.fallback and engine.worker_pids() != [pid]
    finally:
        engine.close()


def test_after_three_failed_lines_in_a_row_the_engine_rests(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A system voice that hangs on every line must not cost the trainee a timeout per line."""
    monkeypatch.setenv(STALL_ENV, "600")  # every worker hangs
    engine = Pyttsx3Engine(workers=1, timeout=0.3, seconds_per_char=0.0)
    samantha = spec_for(Voice(rate=170, voice="Samantha"), "pyttsx3", 0)  # a Mac's voice: espeak-ng has none
    try:
        with caplog.at_level(logging.WARNING, logger=system_voice.__name__):
            for _ in range(system_voice.BREAK_AFTER):
                assert engine.synthesize(HEARD_WELL, SPEC).fallback
            started = time.perf_counter()
            rested = engine.synthesize(HEARD_WELL, samantha)
        assert rested.fallback and time.perf_counter() - started < 0.25  # no worker was waited for
        _assert_speech(rested)  # in espeak-ng's own default voice
        assert engine.failures == system_voice.BREAK_AFTER
        assert "3 lines in a row; espeak-ng speaks for the next 60 s" in caplog.records[-1].getMessage()
    finally:
        engine.close()


def test_a_fallback_line_is_not_cached_as_the_system_voice(
    engine: Pyttsx3Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    voice = CustomerVoice(Voice(rate=170, voice="en-us"), tmp_path, engine=engine)
    pid = _stalled(monkeypatch, engine, seconds_per_word=0.25)
    _kill_after(pid, 0.3)

    spoken = voice.speak(LONG_LINE, 50)
    assert spoken.name.endswith(".fallback.wav") and soundfile.info(str(spoken)).duration > 8
    assert voice.cached(LONG_LINE, 50) is None  # the system voice is tried again next time

    again = voice.speak(LONG_LINE, 50)
    assert not again.name.endswith(".fallback.wav") and voice.cached(LONG_LINE, 50) == again


def test_a_call_with_the_system_voice_goes_on_after_its_worker_is_killed(
    catalog: Catalog, engine: Pyttsx3Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    persona = catalog.persona("escalated")
    log = SessionLog(f"sqlite:///{tmp_path / 'callcoach.db'}")
    voice = CallVoice(
        customer=CustomerVoice(persona.voice.model_copy(update={"engine": "pyttsx3"}), tmp_path / "tts", engine),
        transcriber=shared_transcriber(),
        recordings=Recordings(tmp_path / "sessions"),
    )
    call = Call(persona, list(catalog.rubrics.values()), log=log, voice=voice)
    pid = _stalled(monkeypatch, engine, seconds_per_word=0.25)
    killed = _kill_after(pid, 0.5)

    started = time.perf_counter()
    opening = call.open()  # the worker is killed while it speaks the opening line
    assert killed and time.perf_counter() - started < 4.0
    call.close()  # no background warm-up: every line below goes through the new worker
    assert _gone(pid) and engine.failures == 1
    assert list((tmp_path / "tts").glob("*.fallback.wav"))  # the opening, in espeak-ng

    replies = [
        "I'm sorry about all this, I can hear how frustrating it is.",
        "Can you tell me the order number, please?",
        "I will sort this out for you myself, right now.",
    ]
    lines = [opening, *(call.reply(text).customer for text in replies if not call.ended)]
    for line in lines:
        audio = call.audio_path(line)
        assert audio is not None and audio.is_file(), line
        samples, _ = soundfile.read(str(audio), dtype="float32")
        assert dbfs(samples) > -35, f"silent audio for {line.text!r}"
    [new] = engine.worker_pids()
    assert new != pid and engine.failures == 1  # every line after the kill: the system voice again

    card = call.finish()
    assert card.overall is not None
    assert len(log.turns_of(call.session_id)) == len(lines)


def test_espeak_the_fallback_is_installed() -> None:
    """The fallback the engine counts on: the espeak-ng program, from scripts/setup."""
    assert EspeakEngine.installed()


def test_the_persona_format_and_the_settings_name_the_same_engines() -> None:
    """A persona's `voice.engine` and CALLCOACH_TTS_ENGINE take exactly the engines there are."""
    from typing import get_args

    from trainer.formats.persona import VoiceEngine
    from trainer.settings import Settings
    from trainer.tts.engines import ENGINE_NAMES

    assert set(get_args(VoiceEngine)) == set(ENGINE_NAMES)
    assert set(get_args(Settings.model_fields["tts_engine"].annotation.__args__[0])) == set(ENGINE_NAMES)
