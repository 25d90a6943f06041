"""Measure one reply: webrtcvad finds the voiced time, Praat (parselmouth) tracks the pitch.

Besides loudness, pace and pitch, a reply gets the measures of vocal effort that show anger
which is not louder (a recording's level says little: browsers and headsets adjust the gain,
and people who get angry on a call often press their voice rather than raise it):

- spectral tilt, as the alpha ratio and the Hammarberg index of the voiced frames: a pressed,
  tense voice puts more of its energy above 1 kHz, whatever the volume;
- how steeply the pitch rises within voiced stretches, in semitones a second;
- syllables a second of speaking time, counted from loudness peaks of voiced sound, so pace
  is known when the transcript is missing or its words are of different lengths.
"""

from dataclasses import dataclass

import numpy as np

from trainer.audio import SAMPLE_RATE, Clip
from trainer.audio.clip import dbfs
from trainer.formats.call import VoiceMeasures

FRAME_MS = 30
FRAME = SAMPLE_RATE * FRAME_MS // 1000
PITCH_STEP_S = 0.01
PITCH_FLOOR_HZ = 75
PITCH_CEILING_HZ = 500
SPECTRUM_WINDOW = 512  # 32 ms at 16 kHz: two or more glottal periods of any speaking voice
ALPHA_LOW_HZ, ALPHA_SPLIT_HZ, ALPHA_HIGH_HZ = 50, 1000, 5000  # eGeMAPS's alpha ratio bands
HAMMARBERG_SPLIT_HZ, HAMMARBERG_TOP_HZ = 2000, 5000
MAX_SLOPE_ST_S = 100  # steeper than this between 10 ms frames is a tracking jump (an octave error), not a voice
RISE_PIECE = 10  # pitch frames (100 ms, about a syllable) fitted with one line for `pitch_rise`
NUCLEUS_DIP_DB = 2.0  # de Jong & Wempe (2009): a syllable is a loudness peak with a dip of 2 dB before the next
NUCLEUS_FLOOR_DB = 25.0  # peaks this far below the reply's loudest (99th percentile) are not syllables
# A short loudness window (3.2 / 200 Hz = 16 ms) every 5 ms keeps quick syllables apart: with a 100 Hz
# window every 10 ms, a fast sentence of 16 syllables counted 10 (12 with this).
NUCLEUS_MIN_PITCH_HZ, NUCLEUS_STEP_S = 200, 0.005


@dataclass(frozen=True)
class PitchTrack:
    hz: np.ndarray  # one value every PITCH_STEP_S, 0 where unvoiced
    times: np.ndarray

    @property
    def voiced(self) -> np.ndarray:
        return self.hz > 0


def _voiced_frames(clip: Clip, aggressiveness: int = 2) -> np.ndarray:
    import webrtcvad

    vad = webrtcvad.Vad(aggressiveness)
    pcm = clip.pcm16()
    step = FRAME * 2
    frames = [pcm[i : i + step] for i in range(0, len(pcm) - step + 1, step)]
    return np.array([vad.is_speech(f, SAMPLE_RATE) for f in frames], dtype=bool)


def sound_of(clip: Clip):
    """The clip as a Praat sound, for the pitch, loudness and spectrum measures."""
    import parselmouth

    return parselmouth.Sound(clip.samples.astype(np.float64), sampling_frequency=SAMPLE_RATE)


def track_pitch(sound) -> PitchTrack:
    """Praat's pitch every 10 ms (0 where unvoiced): every pitch and tilt measure reads it."""
    pitch = sound.to_pitch(time_step=PITCH_STEP_S, pitch_floor=PITCH_FLOOR_HZ, pitch_ceiling=PITCH_CEILING_HZ)
    return PitchTrack(pitch.selected_array["frequency"], pitch.xs())


def _pitch(track: PitchTrack) -> tuple[float | None, float | None]:
    """Median F0 in Hz and its spread (10th to 90th percentile) in semitones."""
    f0 = track.hz[track.voiced]
    if len(f0) < 5:
        return None, None
    low, high = np.percentile(f0, [10, 90])
    return float(np.median(f0)), float(12 * np.log2(high / low))


def pitch_rise(track: PitchTrack) -> float | None:
    """How steeply the pitch goes up, in semitones a second: the upward slope of each 100 ms of
    voice (a straight line through its pitch, so tracking jitter cancels out), a falling or level
    piece counting as 0, averaged. An agitated voice pushes its pitch up in steep rises; a calm
    one glides, and a voice falling to the end of a sentence does not rise at all."""
    st = np.where(track.voiced, 12 * np.log2(np.maximum(track.hz, 1e-9) / 100), np.nan)
    slopes = []
    for start in range(0, len(st) - RISE_PIECE + 1, RISE_PIECE):
        piece = st[start : start + RISE_PIECE]
        if np.isnan(piece).any() or np.abs(np.diff(piece)).max() / PITCH_STEP_S > MAX_SLOPE_ST_S:
            continue  # not all voiced, or an octave jump of the tracker
        slopes.append(max(0.0, np.polyfit(np.arange(RISE_PIECE) * PITCH_STEP_S, piece, 1)[0]))
    return float(np.mean(slopes)) if len(slopes) >= 3 else None


def _voiced_spectra(samples: np.ndarray, track: PitchTrack) -> np.ndarray | None:
    """Power spectra of the frames where Praat hears a pitch: vowels and voiced consonants,
    the sounds whose tilt tells a relaxed voice from a pressed one."""
    half = SPECTRUM_WINDOW // 2
    starts = [round(t * SAMPLE_RATE) - half for t in track.times[track.voiced]]
    starts = [s for s in starts if s >= 0 and s + SPECTRUM_WINDOW <= len(samples)]
    if len(starts) < 5:
        return None
    frames = np.stack([samples[s : s + SPECTRUM_WINDOW] for s in starts]) * np.hanning(SPECTRUM_WINDOW)
    return np.abs(np.fft.rfft(frames, axis=1)) ** 2


def spectral_tilt(samples: np.ndarray, track: PitchTrack) -> tuple[float | None, float | None]:
    """Alpha ratio (energy 1-5 kHz over 50 Hz-1 kHz, median of the voiced frames) and
    Hammarberg index (strongest peak below 2 kHz over the strongest of 2-5 kHz), both in dB.

    Vocal effort flattens the spectrum: the alpha ratio rises and the Hammarberg index falls,
    and neither depends on how loud the recording is."""
    spectra = _voiced_spectra(samples, track)
    if spectra is None:
        return None, None
    freqs = np.fft.rfftfreq(SPECTRUM_WINDOW, 1 / SAMPLE_RATE)
    low = spectra[:, (freqs >= ALPHA_LOW_HZ) & (freqs < ALPHA_SPLIT_HZ)].sum(axis=1)
    high = spectra[:, (freqs >= ALPHA_SPLIT_HZ) & (freqs < ALPHA_HIGH_HZ)].sum(axis=1)
    keep = (low > 0) & (high > 0)
    if keep.sum() < 5:
        return None, None
    alpha = float(np.median(10 * np.log10(high[keep] / low[keep])))
    mean_db = 10 * np.log10(spectra[keep].mean(axis=0) + 1e-20)
    below = mean_db[freqs < HAMMARBERG_SPLIT_HZ].max()
    above = mean_db[(freqs >= HAMMARBERG_SPLIT_HZ) & (freqs < HAMMARBERG_TOP_HZ)].max()
    return alpha, float(below - above)


def syllable_count(sound, track: PitchTrack) -> int:
    """Syllable nuclei after de Jong & Wempe (2009): loudness peaks that are voiced, not far
    below the reply's loudest, with a dip of 2 dB before the next peak."""
    intensity = sound.to_intensity(minimum_pitch=NUCLEUS_MIN_PITCH_HZ, time_step=NUCLEUS_STEP_S)
    db, times = intensity.values[0], intensity.xs()
    if len(db) < 3:
        return 0
    floor = max(np.percentile(db, 99) - NUCLEUS_FLOOR_DB, np.median(db))
    voiced = np.interp(times, track.times, track.voiced.astype(float)) > 0.5
    peaks = [k for k in range(1, len(db) - 1) if db[k] > db[k - 1] and db[k] >= db[k + 1] and db[k] > floor]
    nuclei: list[int] = []
    for k in peaks:
        if nuclei and db[nuclei[-1] : k + 1].min() > min(db[nuclei[-1]], db[k]) - NUCLEUS_DIP_DB:
            if db[k] > db[nuclei[-1]]:  # no dip between them: one syllable, counted at its louder peak
                nuclei[-1] = k
            continue
        nuclei.append(k)
    return int(sum(voiced[k] for k in nuclei))


def measure(clip: Clip, transcript: str) -> VoiceMeasures:
    """Everything `compare_to_baseline` needs about one reply; each measure is None when the
    reply is too short or too unvoiced to say, never a guess."""
    voiced = _voiced_frames(clip)
    voiced_seconds = voiced.sum() * FRAME_MS / 1000
    first = int(np.argmax(voiced)) if voiced.any() else len(voiced)
    speech = (
        np.concatenate([clip.samples[i * FRAME : (i + 1) * FRAME] for i in np.flatnonzero(voiced)])
        if voiced.any()
        else clip.samples
    )
    words = len(transcript.split())
    sound = sound_of(clip)
    track = track_pitch(sound)
    pitch, pitch_range = _pitch(track)
    alpha, hammarberg = spectral_tilt(clip.samples.astype(np.float64), track)
    rise = pitch_rise(track)
    spoken = voiced_seconds >= 0.5
    return VoiceMeasures(
        seconds=round(clip.seconds, 2),
        voiced_seconds=round(float(voiced_seconds), 2),
        loudness_dbfs=round(dbfs(speech), 1),
        words_per_minute=round(words / voiced_seconds * 60) if spoken else None,
        pitch_hz=round(pitch, 1) if pitch else None,
        pitch_range_st=round(pitch_range, 1) if pitch_range else None,
        silence_before_s=round(first * FRAME_MS / 1000, 2),
        alpha_ratio_db=_rounded(alpha, 2),
        hammarberg_db=_rounded(hammarberg, 2),
        pitch_rise_st_s=_rounded(rise, 2),
        syllables_per_s=round(syllable_count(sound, track) / voiced_seconds, 2) if spoken else None,
    )


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)
