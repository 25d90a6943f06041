"""Calm heard better: the vocal-effort measures, the combined verdict and `trainer eval calm`.

No recording is kept in the repository: every signal is built here with the property under
test under control (a harmonic voice whose spectral tilt, pitch glide and syllables are set),
so each measure is checked against a known answer. The model's figures on real speech
(EmoDB, by speaker) are in trainer/prosody/README.md; `python -m trainer.prosody.evaluate`
reproduces them.
"""

import csv
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import lfilter

from trainer.audio import SAMPLE_RATE, Clip, load_clip, write_wav
from trainer.formats.call import VoiceMeasures
from trainer.formats.errors import FormatError, TrainerError
from trainer.prosody import compare_to_baseline, measure
from trainer.prosody.compare import TENSE_CUES, cue_changes, not_calm
from trainer.prosody.evaluate import Tally, evaluate_calm, fit_cues, format_fit, judge, main, read_labels
from trainer.prosody.measure import pitch_rise, sound_of, spectral_tilt, syllable_count, track_pitch

VOWELS = [(700, 1220, 2600), (300, 2300, 3000), (500, 900, 2500), (400, 1900, 2550)]  # F1-F3 of a, i, o, e


def harmonics(f0: tuple[float, float], seconds: float, tilt_db_oct: float) -> np.ndarray:
    """A voice source: every harmonic below 7 kHz, falling `tilt_db_oct` dB an octave, its pitch
    gliding from f0[0] to f0[1] Hz evenly in semitones."""
    n = int(seconds * SAMPLE_RATE)
    hz = 2 ** np.linspace(np.log2(f0[0]), np.log2(f0[1]), n)
    phase = 2 * np.pi * np.cumsum(hz) / SAMPLE_RATE
    exponent = tilt_db_oct / 20 / np.log10(2)
    return sum(k**exponent * np.sin(k * phase) * (k * hz < 7000) for k in range(1, 60))


def syllables(source: np.ndarray, count: int, vowels: bool) -> np.ndarray:
    """`count` syllables: the source in rounded bursts with short gaps, through vowel formants."""
    out, per = np.zeros_like(source), len(source) // count
    for i in range(count):
        start, length = i * per, int(per * 0.75)
        burst = source[start : start + length].copy()
        for freq, width in zip(VOWELS[i % 4], (80, 100, 120), strict=True) if vowels else ():
            r, theta = np.exp(-np.pi * width / SAMPLE_RATE), 2 * np.pi * freq / SAMPLE_RATE
            burst = lfilter([1 - r], [1, -2 * r * np.cos(theta), r * r], burst)
        out[start : start + length] = burst * np.sin(np.linspace(0, np.pi, length)) ** 2
    return out


def voice(
    f0: tuple[float, float] = (120, 120),
    tilt: float = -12.0,
    count: int = 8,
    level_dbfs: float = -26.0,
    seconds: float = 2.0,
    vowels: bool = True,
    seed: int = 0,
) -> np.ndarray:
    x = syllables(harmonics(f0, seconds, tilt), count, vowels)
    x *= 10 ** (level_dbfs / 20) / np.sqrt(np.mean(x**2))
    x += np.random.default_rng(seed).normal(0, 10 ** ((level_dbfs - 50) / 20), len(x))  # a quiet room
    return x.astype(np.float32)


def clip(samples: np.ndarray) -> Clip:
    return Clip(samples, "made in the test")


def tilt_of(samples: np.ndarray) -> tuple[float, float]:
    alpha, hammarberg = spectral_tilt(samples.astype(np.float64), track_pitch(sound_of(clip(samples))))
    assert alpha is not None and hammarberg is not None
    return alpha, hammarberg


# -- each measure against a known answer -------------------------------------------------
def test_a_flatter_spectrum_raises_the_alpha_ratio_and_lowers_the_hammarberg_index() -> None:
    relaxed, pressed = tilt_of(voice(tilt=-12)), tilt_of(voice(tilt=-6))
    assert pressed[0] - relaxed[0] > 8, (relaxed, pressed)  # 6 dB/octave more above 1 kHz
    assert relaxed[1] - pressed[1] > 8, (relaxed, pressed)
    steeper = tilt_of(voice(tilt=-18))
    assert steeper[0] < relaxed[0] and steeper[1] > relaxed[1]  # in order, not only at two points


def test_spectral_tilt_does_not_depend_on_the_recording_level() -> None:
    loud, quiet = tilt_of(voice(level_dbfs=-18)), tilt_of(voice(level_dbfs=-42))
    assert loud == pytest.approx(quiet, abs=0.5)


def test_pitch_rise_follows_a_glide_in_semitones_a_second() -> None:
    steady = pitch_rise(track_pitch(sound_of(clip(voice(vowels=False)))))
    # 120 to 240 Hz in 2 s: 12 semitones, 6 a second, heard in the voiced 75% of the time
    glide = pitch_rise(track_pitch(sound_of(clip(voice(f0=(120, 240), vowels=False)))))
    assert steady is not None and glide is not None
    assert glide == pytest.approx(6.0, abs=1.5), glide
    assert glide > steady + 2.5, (steady, glide)


def test_a_falling_voice_has_no_rise_to_speak_of() -> None:
    falling = pitch_rise(track_pitch(sound_of(clip(voice(f0=(240, 120), vowels=False)))))
    rising = pitch_rise(track_pitch(sound_of(clip(voice(f0=(120, 240), vowels=False)))))
    assert falling is not None and rising is not None
    assert falling < 0.5 < rising - 4, (falling, rising)


@pytest.mark.parametrize("count", [5, 8, 12])
def test_syllables_are_counted_from_loudness_peaks(count: int) -> None:
    samples = voice(count=count, seconds=0.25 * count)
    sound = sound_of(clip(samples))
    assert syllable_count(sound, track_pitch(sound)) == count


def test_silence_has_no_syllables_and_no_tilt() -> None:
    room = np.random.default_rng(1).normal(0, 1e-4, SAMPLE_RATE).astype(np.float32)
    sound = sound_of(clip(room))
    track = track_pitch(sound)
    assert syllable_count(sound, track) == 0
    assert spectral_tilt(room.astype(np.float64), track) == (None, None)
    assert pitch_rise(track) is None


def test_measure_fills_the_new_fields_and_old_logs_still_load() -> None:
    heard = measure(clip(voice()), "one two three four five")
    assert heard.alpha_ratio_db is not None and heard.hammarberg_db is not None
    assert heard.pitch_rise_st_s is not None
    assert heard.syllables_per_s == pytest.approx(8 / heard.voiced_seconds, rel=0.15)
    new = {"alpha_ratio_db", "hammarberg_db", "pitch_rise_st_s", "syllables_per_s"}
    old = VoiceMeasures.model_validate_json(heard.model_dump_json(exclude=new))  # as a log before them
    assert old.alpha_ratio_db is None
    change = compare_to_baseline(old, [old, old])  # a log from before: pitch alone, no error
    assert change.tension is not None and not change.tense and change.sharper_db == 0.0


# -- the verdict ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def baseline() -> list[VoiceMeasures]:
    return [measure(clip(voice(seed=s, count=7 + s)), "") for s in (0, 1)]


def test_anger_that_is_not_louder_is_heard(baseline: list[VoiceMeasures]) -> None:
    """Higher, pressed and with steep rises, at the very same level: the old rules said
    "higher" at most; the verdict says tense, and why."""
    angry = measure(clip(voice(f0=(150, 190), tilt=-7, seed=2)), "")
    change = compare_to_baseline(angry, baseline)
    assert abs(change.louder_db) < 1 and not change.louder
    assert change.tense and change.tension is not None and change.tension > 0.9, change
    assert change.sharper_db > 3 and change.pitch_up_st > 3
    assert {"higher"} <= change.flags and not_calm(change)


def test_the_same_calm_voice_is_not_flagged(baseline: list[VoiceMeasures]) -> None:
    again = measure(clip(voice(seed=3, count=9)), "")
    change = compare_to_baseline(again, baseline)
    assert not change.tense and change.tension is not None and change.tension < 0.1, change
    assert change.flags == set() and not not_calm(change)


def test_a_louder_recording_alone_needs_a_big_jump(baseline: list[VoiceMeasures]) -> None:
    """A closer microphone or a gain control moves the level, not the voice: 7 dB with the
    voice unchanged is no flag, 10 dB is (a shout is a shout)."""
    closer = compare_to_baseline(measure(clip(voice(seed=4, level_dbfs=-19)), ""), baseline)
    shout = compare_to_baseline(measure(clip(voice(seed=4, level_dbfs=-16)), ""), baseline)
    assert 6 <= closer.louder_db < 9 and not closer.louder and not closer.tense, closer
    assert shout.louder_db >= 9 and shout.louder, shout
    pressed = compare_to_baseline(measure(clip(voice(f0=(150, 190), tilt=-7, seed=4, level_dbfs=-19)), ""), baseline)
    assert pressed.tense and pressed.louder  # 7 dB counts when the voice itself is tense


def test_one_reply_is_no_baseline(baseline: list[VoiceMeasures]) -> None:
    change = compare_to_baseline(baseline[1], baseline[:1])
    assert change.tension is None and not change.tense and change.flags == set()


def test_the_shipped_cues_are_the_ones_compared() -> None:
    changes = cue_changes(VoiceMeasures.model_validate(_numbers(pitch_hz=200)), [VoiceMeasures(**_numbers())] * 2)
    assert set(TENSE_CUES) <= set(changes)
    assert changes["pitch_up_st"] == pytest.approx(12 * np.log2(2), abs=1e-6)
    assert all(cue.weight > 0 and cue.scale > 0 for cue in TENSE_CUES.values())  # more of each: less calm


def _numbers(**changed: float) -> dict:
    values = {
        "seconds": 3.0,
        "voiced_seconds": 2.5,
        "loudness_dbfs": -30.0,
        "words_per_minute": None,
        "pitch_hz": 100.0,
        "pitch_range_st": 5.0,
        "silence_before_s": 0.2,
        "alpha_ratio_db": -20.0,
        "hammarberg_db": 30.0,
        "pitch_rise_st_s": 10.0,
        "syllables_per_s": 4.0,
    }
    return values | changed


# -- labels.csv ------------------------------------------------------------------------------
def _labels(folder: Path, rows: list[dict], header: list[str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "labels.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header or ["file", "speaker", "emotion", "transcript"])
        writer.writeheader()
        writer.writerows(rows)
    return folder


def _touch(folder: Path, *names: str) -> None:
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"RIFF")


def test_labels_are_read_in_order_with_an_optional_transcript(tmp_path: Path) -> None:
    _touch(tmp_path, "a/1.wav", "a/2.wav", "3.wav")
    (tmp_path / "labels.csv").write_text(
        "\ufeffFile, Speaker ,EMOTION\na/1.wav,s1,Neutral\n\na/2.wav,s1,calm\n3.wav, s2 ,angry\n", encoding="utf-8"
    )
    takes = read_labels(tmp_path)
    assert [(t.file, t.speaker, t.emotion, t.transcript) for t in takes] == [
        ("a/1.wav", "s1", "neutral", ""),
        ("a/2.wav", "s1", "calm", ""),
        ("3.wav", "s2", "angry", ""),
    ]
    said = "No, listen,\nI said stop it"  # a comma and a line break inside a quoted field
    _labels(tmp_path, [{"file": "3.wav", "speaker": "s2", "emotion": "angry", "transcript": said}])
    assert read_labels(tmp_path)[0].transcript == said


def test_every_bad_row_is_named_at_once_in_plain_words(tmp_path: Path) -> None:
    _touch(tmp_path, "ok.wav")
    rows = [
        {"file": "ok.wav", "speaker": "s1", "emotion": "happy"},
        {"file": "gone.wav", "speaker": "s1", "emotion": "angry"},
        {"file": "ok.wav", "speaker": "", "emotion": "neutral"},
        {"file": "ok.wav", "speaker": "s1", "emotion": ""},
    ]
    _labels(tmp_path, rows, header=["file", "speaker", "emotion"])
    with pytest.raises(FormatError) as raised:
        read_labels(tmp_path)
    message = str(raised.value)
    assert "labels.csv:2: emotion: 'happy' is not one of neutral, calm, angry" in message
    assert "labels.csv:3: file: no recording at" in message and "gone.wav" in message
    assert "labels.csv:4: speaker: the speaker is missing" in message
    assert "labels.csv:5: emotion: nothing is not one of neutral, calm, angry" in message
    assert "pydantic" not in message and "Input should" not in message


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("no-folder", "not a folder"),
        ("no-labels", "no labels.csv"),
        ("no-columns", "the header needs the columns speaker, emotion (found: file, who)"),
        ("empty", "no takes listed"),
    ],
)
def test_a_folder_that_cannot_be_evaluated_says_why(tmp_path: Path, setup: str, expected: str) -> None:
    folder = tmp_path / "set"
    if setup == "no-labels":
        folder.mkdir()
    elif setup == "no-columns":
        _labels(folder, [{"file": "x.wav", "who": "s1"}], header=["file", "who"])
    elif setup == "empty":
        _labels(folder, [])
    with pytest.raises(TrainerError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        read_labels(folder)


# -- the evaluation, end to end --------------------------------------------------------------
def test_tally_lines_read_as_the_issue_asks() -> None:
    assert Tally(28, 32).line("angry") == "angry flagged 28/32 87.5%"
    assert Tally(1, 32).line("neutral/calm") == "neutral/calm flagged 1/32 3.1%"
    assert Tally(0, 0).line("angry") == "angry flagged 0/0 -"


@pytest.fixture(scope="module")
def made_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two speakers who say their first two takes calmly, then get angry without getting louder
    (a higher, pressed voice at the same level). Silero, the app's check that someone spoke,
    hears these made voices up to about 210 Hz, so the pitches stay below that."""
    folder = tmp_path_factory.mktemp("calmset")
    takes = {
        "low": {"f0": 100, "rows": ["neutral", "neutral", "angry", "calm", "angry"]},
        "high": {"f0": 150, "rows": ["neutral", "angry", "neutral", "neutral", "angry"]},
        "alone": {"f0": 120, "rows": ["neutral", "angry"]},  # one neutral take: no baseline
    }
    rows = []
    for speaker, spec in takes.items():
        for n, emotion in enumerate(spec["rows"]):
            f0 = spec["f0"] * (1.35 if emotion == "angry" else 1.0)
            samples = voice(f0=(f0, f0 * 1.15), tilt=-7 if emotion == "angry" else -12, seed=n, count=7 + n % 3)
            name = f"{speaker}/{n}-{emotion}.wav"
            write_wav(folder / name, samples, SAMPLE_RATE)
            rows.append({"file": name, "speaker": speaker, "emotion": emotion, "transcript": ""})
    _labels(folder, rows)
    load_clip(folder / rows[0]["file"])  # the app would take these recordings
    return folder


def test_eval_calm_prints_per_speaker_and_overall_lines(made_set: Path, capsys: pytest.CaptureFixture) -> None:
    assert main([str(made_set), "--mistakes", "5"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "speaker low: angry flagged 2/2 100.0%, neutral/calm flagged 0/1 0.0%" in out, out
    assert "speaker high: angry flagged 2/2 100.0%, neutral/calm flagged 0/1 0.0%" in out, out
    assert "angry flagged 4/4 100.0%" in out and "neutral/calm flagged 0/2 0.0%" in out, out
    assert "  speaker alone: fewer than 2 neutral takes for a baseline" in out
    assert "tense verdict alone (no loudness): angry flagged 4/4 100.0%, neutral/calm flagged 0/2 0.0%" in out
    assert any(line.startswith("old detector (louder, faster or higher alone): angry flagged") for line in out)


def test_eval_calm_refuses_bad_arguments_plainly(made_set: Path, capsys: pytest.CaptureFixture) -> None:
    assert main([str(made_set / "nowhere")]) == 2
    assert "not a folder" in capsys.readouterr().err
    assert main([str(made_set), "--quieter", "-3"]) == 2
    assert "--quieter takes 0 to 40 dB, not -3" in capsys.readouterr().err
    assert main([str(made_set), "--fit", "pitch_up_st,loudness"]) == 2
    assert "unknown cues loudness" in capsys.readouterr().err


def test_the_baseline_is_each_speakers_first_two_neutral_takes(made_set: Path) -> None:
    takes = read_labels(made_set)
    measured = {t.file: VoiceMeasures(**_numbers(pitch_hz=100.0 + i)) for i, t in enumerate(takes)}
    report = judge(takes, measured)
    assert report.baselines["high"] == ["high/0-neutral.wav", "high/2-neutral.wav"]
    judged = [j.take.file for j in report.judged["high"]]
    assert judged == ["high/1-angry.wav", "high/3-neutral.wav", "high/4-angry.wav"]
    assert "alone" not in report.judged


def test_fit_gives_positive_weights_on_anger_it_can_hear(made_set: Path) -> None:
    report = evaluate_calm(made_set)
    cues, bias = fit_cues(report, ["pitch_up_st", "sharper_db"])
    assert all(c.weight > 0 for c in cues.values()) and bias < 0, (cues, bias)
    assert format_fit(cues, bias).startswith('TENSE_CUES: dict[str, Cue] = {\n    "pitch_up_st": Cue(')
