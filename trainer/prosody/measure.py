"""Measure one reply: webrtcvad finds the voiced time, Praat (parselmouth) tracks the pitch."""

import numpy as np

from trainer.audio import SAMPLE_RATE, Clip
from trainer.audio.clip import dbfs
from trainer.formats.call import VoiceMeasures

FRAME_MS = 30
FRAME = SAMPLE_RATE * FRAME_MS // 1000


def _voiced_frames(clip: Clip, aggressiveness: int = 2) -> np.ndarray:
    import webrtcvad

    vad = webrtcvad.Vad(aggressiveness)
    pcm = clip.pcm16()
    step = FRAME * 2
    frames = [pcm[i : i + step] for i in range(0, len(pcm) - step + 1, step)]
    return np.array([vad.is_speech(f, SAMPLE_RATE) for f in frames], dtype=bool)


def _pitch(clip: Clip) -> tuple[float | None, float | None]:
    """Median F0 in Hz and its spread (10th to 90th percentile) in semitones."""
    import parselmouth

    sound = parselmouth.Sound(clip.samples.astype(np.float64), sampling_frequency=SAMPLE_RATE)
    f0 = sound.to_pitch(time_step=0.01, pitch_floor=75, pitch_ceiling=500).selected_array["frequency"]
    f0 = f0[f0 > 0]
    if len(f0) < 5:
        return None, None
    low, high = np.percentile(f0, [10, 90])
    return float(np.median(f0)), float(12 * np.log2(high / low))


def measure(clip: Clip, transcript: str) -> VoiceMeasures:
    voiced = _voiced_frames(clip)
    voiced_seconds = voiced.sum() * FRAME_MS / 1000
    first = int(np.argmax(voiced)) if voiced.any() else len(voiced)
    speech = (
        np.concatenate([clip.samples[i * FRAME : (i + 1) * FRAME] for i in np.flatnonzero(voiced)])
        if voiced.any()
        else clip.samples
    )
    words = len(transcript.split())
    pitch, pitch_range = _pitch(clip)
    return VoiceMeasures(
        seconds=round(clip.seconds, 2),
        voiced_seconds=round(float(voiced_seconds), 2),
        loudness_dbfs=round(dbfs(speech), 1),
        words_per_minute=round(words / voiced_seconds * 60) if voiced_seconds >= 0.5 else None,
        pitch_hz=round(pitch, 1) if pitch else None,
        pitch_range_st=round(pitch_range, 1) if pitch_range else None,
        silence_before_s=round(first * FRAME_MS / 1000, 2),
    )
