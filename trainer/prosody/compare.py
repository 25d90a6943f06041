"""Compare a reply's voice with the trainee's own first replies, as the playbook asks.

A calm voice under attack keeps its loudness and pace; these are signals for feedback,
never a verdict on their own, so thresholds are generous.
"""

from statistics import mean

from trainer.formats.call import VoiceChange, VoiceMeasures

BASELINE_REPLIES = 2
LOUDER_DB = 6.0
FASTER_RATIO = 1.3
FAST_WPM = 185
HIGHER_ST = 3.0
FROZEN_S = 4.0


def _semitones(hz: float, base_hz: float) -> float:
    from math import log2

    return 12 * log2(hz / base_hz)


def compare_to_baseline(current: VoiceMeasures, earlier: list[VoiceMeasures]) -> VoiceChange:
    """`earlier` are the trainee's previous replies in this call; the first ones set the baseline."""
    change = VoiceChange(wpm=current.words_per_minute, silence_s=current.silence_before_s)
    change.frozen = current.silence_before_s > FROZEN_S
    base = earlier[:BASELINE_REPLIES]
    if len(base) < BASELINE_REPLIES:  # one reply is too little to know how this trainee speaks
        return change
    change.louder_db = round(current.loudness_dbfs - mean(m.loudness_dbfs for m in base), 1)
    change.louder = change.louder_db >= LOUDER_DB
    rates = [m.words_per_minute for m in base if m.words_per_minute]
    if rates and current.words_per_minute:
        change.baseline_wpm = round(mean(rates))
        change.faster = current.words_per_minute >= max(FAST_WPM, change.baseline_wpm * FASTER_RATIO)
    pitches = [m.pitch_hz for m in base if m.pitch_hz]
    if pitches and current.pitch_hz:
        change.pitch_up_st = round(_semitones(current.pitch_hz, mean(pitches)), 1)
        change.higher = change.pitch_up_st >= HIGHER_ST
    return change
