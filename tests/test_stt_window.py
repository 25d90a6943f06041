"""Whisper over a window as long as the reply: the same words as the full 30 s window."""

from pathlib import Path

import numpy as np
import pytest
from hearing import assert_heard

from trainer.audio import SAMPLE_RATE, load_clip
from trainer.audio.clip import _read_with_ffmpeg, _read_with_soundfile
from trainer.stt import shared_transcriber
from trainer.stt.window import FULL_WINDOW, WindowedWhisper, WindowOptions, window_frames
from trainer.tts.trainee import speak_as_trainee

FIRST = "I know every minute costs you money, so I will personally stay on this until it is fixed."
LAST = "I will email you the moment the export works again."


def test_the_window_covers_the_reply_and_a_second_of_silence_within_whisper_s_limits() -> None:
    options = WindowOptions(silence_after=100, shortest=1200)
    assert window_frames(300, options) == 1200  # a short reply: the shortest window
    assert window_frames(1150, options) == 1300  # rounded up to whole seconds
    assert window_frames(2950, options) == FULL_WINDOW  # never past 30 s


@pytest.fixture(scope="module")
def whisper() -> WindowedWhisper:
    return WindowedWhisper(shared_transcriber().model)


@pytest.fixture(scope="module")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> dict[str, np.ndarray]:
    folder = tmp_path_factory.mktemp("window")
    return {
        text: load_clip(speak_as_trainee(text, folder / f"{n}.wav")).samples for n, text in enumerate((FIRST, LAST))
    }


def test_a_short_reply_is_heard_as_in_the_full_window(whisper: WindowedWhisper, spoken: dict[str, np.ndarray]) -> None:
    full = WindowedWhisper(whisper.model, WindowOptions(shortest=FULL_WINDOW))
    for text, samples in spoken.items():
        short = whisper.transcribe(samples)["text"]
        assert_heard(short, text)
        assert_heard(short, full.transcribe(samples)["text"], max_wer=0.15)


def test_a_reply_longer_than_one_window_is_heard_to_the_end(
    whisper: WindowedWhisper, spoken: dict[str, np.ndarray]
) -> None:
    pause = np.zeros(SAMPLE_RATE * 24, np.float32)  # 24 s of silence between two sentences
    long = np.concatenate([spoken[FIRST], pause, spoken[LAST]])
    assert len(long) / SAMPLE_RATE > FULL_WINDOW / 100  # more than one window
    heard = whisper.transcribe(long, language="en", beam_size=1)["text"]
    assert_heard(heard, f"{FIRST} {LAST}")


def test_a_tone_is_not_turned_into_words(whisper: WindowedWhisper) -> None:
    seconds = np.arange(2 * SAMPLE_RATE) / SAMPLE_RATE
    tone = (0.3 * np.sin(2 * np.pi * 440 * seconds)).astype(np.float32)
    assert whisper.transcribe(tone)["text"] == ""


def test_a_wav_read_without_ffmpeg_is_the_same_sound_as_ffmpeg_decodes(tmp_path: Path) -> None:
    path = speak_as_trainee(LAST, tmp_path / "reply.wav")  # 22.05 kHz from piper: resampled
    ours, ffmpeg = _read_with_soundfile(str(path), 60.0), _read_with_ffmpeg(str(path), 60.0)
    assert abs(len(ours) - len(ffmpeg)) <= SAMPLE_RATE // 100  # within 10 ms
    n = min(len(ours), len(ffmpeg))
    assert np.corrcoef(ours[:n], ffmpeg[:n])[0, 1] > 0.98
    assert_heard(shared_transcriber().transcribe(load_clip(path)).text, LAST)


def test_told_the_persona_s_words_whisper_hears_the_product_s_terms(tmp_path: Path) -> None:
    """A trainee says Marcus's "Sync now" button; told the persona's words (`vocabulary`), whisper
    writes the button's name, and a short reply it would then write twice is heard once."""
    from trainer.catalog import load_catalog
    from trainer.settings import Settings
    from trainer.stt.engines import WithVocabulary, vocabulary_text

    marcus = load_catalog(Settings()).personas["cursing"]
    hears = WithVocabulary(shared_transcriber(), vocabulary_text(marcus.spoken_words()))
    assert "Sync now" in hears.vocabulary and "Marcus Doyle" in hears.vocabulary
    said = "Now hit Reconnect and log in with your new Microsoft password, then press Sync now."
    heard = hears.transcribe(load_clip(speak_as_trainee(said, tmp_path / "steps.wav"))).text
    assert "sync now" in heard.lower(), heard
    short = hears.transcribe(load_clip(speak_as_trainee("what the hell is your problem", tmp_path / "short.wav")))
    assert short.text.lower().count("problem") == 1, short.text


def test_a_run_of_words_said_twice_in_a_row_is_found() -> None:
    from trainer.stt.window import says_twice

    assert says_twice("What is your problem? What is your problem?")
    assert not says_twice("okay okay so click save")  # a word said twice is speech, not a loop
    assert not says_twice("I am on it right now, and I am staying on it")
