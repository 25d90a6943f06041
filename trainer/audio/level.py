"""How much of a reply is voice, and how loud that voice is, judged by a speech model, not by loudness.

Why not the whole clip's loudness: a soft voice on a low-gain laptop microphone, with a second of
silence before and after it, is -45 to -55 dBFS over the whole clip, and a "quieter than -50 dBFS:
nobody spoke" rule refused 15 of 105 real recordings. Loudness cannot tell a soft voice from a
quiet room, a voice activity detector can.

Why Silero and not webrtcvad (measured on real speech, JFK and CMU ARCTIC, and real room noise, the
Speech Commands kitchen and exercise-bike recordings, tests/data/audio/README.md): Silero found
1.2 s or more of voice in every sentence at every level from -25 to -70 dBFS, alone or with room
noise 5 dB under it, 0.26 s in a one-word reply, and never more than 0.13 s in any 5 s window of
room noise at any level. webrtcvad lost quiet speech at aggressiveness 3 (0 s voiced at -55 dBFS)
and called all of the room noise speech once it was brought up to a voice's level. faster-whisper
ships Silero (ONNX, about 5 ms a second of audio on one core), so it costs no new dependency.

Gain: the detector listens to the reply brought up by its loudest frames, then recognition gets
a voice quieter than -30 dBFS brought up to about -20 dBFS, never by more than 40 dB (a silent
room is not blown up into hiss) and never past a peak of 0.9 (no clipping). Whisper itself copes
with a clean voice down to -60 dBFS (word error rate within a word or two either way); the gain
is for what is worse: on six ARCTIC sentences at -70 dBFS it took the word error rate from 0.44
to 0.17, at -55 dBFS with kitchen noise 5 dB under from 0.35 to 0.15, with an exercise bike from
0.31 to 0.19 (tests/data/audio/README.md). The recording that is kept, and the voice measures
(loudness against the trainee's own earlier turns), stay as recorded.
"""

import math
from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 16_000
CHUNK = 512  # Silero's window: 32 ms at 16 kHz
SPEECH_PROBABILITY = 0.5  # Silero's own default threshold
# Less voice than this: nobody spoke. Room noise peaked at 0.128 s (4 chunks); a one-word reply
# ("Sure.", "Hi.") is 0.256 s (8 chunks), so the line sits between them rather than on the word.
MIN_VOICED_SECONDS = 0.2
TARGET_DBFS = -20.0  # where recognition hears the voiced part
LEFT_ALONE_DBFS = -30.0  # a voice louder than this is heard as recorded (whisper hears -30 and -20 alike)
MAX_GAIN_DB = 40.0  # a -60 dBFS voice is brought up whole; a silent room is not turned into hiss
PEAK = 0.9  # no sample is brought past this: gain never clips
QUIET_DBFS = -40.0  # a voiced part quieter than this as recorded: the trainee is told
LOUD_FRAMES_PERCENTILE = 90  # before the detector has run, the loud frames stand for the voice
FRAME = 480  # 30 ms frames for that estimate

QUIET_ADVICE = "you were very quiet: move closer to the microphone or turn its input volume up"


@dataclass(frozen=True)
class Level:
    """A reply's voice: how much of it there is and how loud it was recorded."""

    voiced_seconds: float
    speech_dbfs: float  # the voiced part's RMS as recorded (the whole clip's when nothing is voiced)
    gain_db: float  # what recognition adds to it

    @property
    def spoke(self) -> bool:
        return self.voiced_seconds >= MIN_VOICED_SECONDS

    @property
    def quiet(self) -> bool:
        return self.spoke and self.speech_dbfs < QUIET_DBFS


def dbfs(samples: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if len(samples) else 0.0
    return 20 * math.log10(rms) if rms > 0 else -120.0


def gain_db(level_dbfs: float, peak: float) -> float:
    """The boost that brings `level_dbfs` to TARGET_DBFS, within MAX_GAIN_DB and the peak's headroom.
    A voice at a normal level is left as it is: recognition only needs quiet ones brought up."""
    if peak <= 0 or level_dbfs >= LEFT_ALONE_DBFS:
        return 0.0
    wanted = min(MAX_GAIN_DB, TARGET_DBFS - level_dbfs)
    return max(0.0, min(wanted, 20 * math.log10(PEAK / peak)))


def amplified(samples: np.ndarray, gain: float) -> np.ndarray:
    if gain <= 0:
        return samples
    return (samples * np.float32(10 ** (gain / 20))).astype(np.float32)


def measure_level(samples: np.ndarray) -> Level:
    """Find the voice in a 16 kHz mono reply and the gain recognition should hear it with."""
    peak = float(np.max(np.abs(samples))) if len(samples) else 0.0
    if peak == 0:  # digital silence: no model needed
        return Level(voiced_seconds=0.0, speech_dbfs=-120.0, gain_db=0.0)
    first = gain_db(_loud_frames_dbfs(samples), peak)
    voiced = voiced_chunks(amplified(samples, first))
    if not voiced.any():
        return Level(voiced_seconds=0.0, speech_dbfs=round(dbfs(samples), 1), gain_db=0.0)
    speech = _chunks(samples)[voiced]
    level = dbfs(speech)
    return Level(
        voiced_seconds=round(int(voiced.sum()) * CHUNK / SAMPLE_RATE, 3),
        speech_dbfs=round(level, 1),
        gain_db=round(gain_db(level, peak), 1),
    )


def voiced_chunks(samples: np.ndarray) -> np.ndarray:
    """One bool per 32 ms chunk: Silero's speech probability at or over its threshold."""
    from faster_whisper.vad import get_vad_model  # the model loads once per process

    padded = _chunks(samples).reshape(-1)  # a copy: the model writes into the array it is given
    return np.asarray(get_vad_model()(padded)).reshape(-1) >= SPEECH_PROBABILITY


def warm_up() -> None:
    """Load the detector (about half a second, mostly imports) before a trainee's first reply needs it."""
    voiced_chunks(np.zeros(CHUNK, dtype=np.float32))


def _chunks(samples: np.ndarray) -> np.ndarray:
    """The samples, zero-padded to whole chunks, one chunk a row (always a new array)."""
    padded = np.zeros(-(-len(samples) // CHUNK) * CHUNK, dtype=np.float32)
    padded[: len(samples)] = samples
    return padded.reshape(-1, CHUNK)


def _loud_frames_dbfs(samples: np.ndarray) -> float:
    frames = len(samples) // FRAME
    if frames == 0:
        return dbfs(samples)
    energy = np.mean(np.square(samples[: frames * FRAME].reshape(frames, FRAME), dtype=np.float64), axis=1)
    loud = float(np.percentile(energy, LOUD_FRAMES_PERCENTILE))
    return 10 * math.log10(loud) if loud > 0 else -120.0
