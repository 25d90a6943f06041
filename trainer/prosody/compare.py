"""Compare a reply's voice with the trainee's own first replies, as the playbook asks.

A calm voice under attack keeps its loudness and pace; these are signals for feedback,
never a verdict on their own, so thresholds are generous.

Loudness alone misses most anger: a recording's level moves with the microphone and the
browser's gain control, and an angry voice is often pressed, not raised. So besides the
single-measure flags, every reply gets one combined verdict, `tense`: a small logistic model
over how far its pitch, spectral tilt, pitch rises and pace moved from the first replies,
each change divided by how much a calm speaker's replies differ among themselves.

The single-measure flags then say what changed, and a louder or higher voice is only a flag
when the voice as a whole sounds tense (or, for loudness, when the jump is too big for a
microphone to explain): one verdict, and the flags are its reasons, never a verdict on their own.
"""

from dataclasses import dataclass
from math import exp, log, log2
from statistics import mean

from trainer.formats.call import VoiceChange, VoiceMeasures

BASELINE_REPLIES = 2
LOUDER_DB = 6.0  # louder by this much counts when the voice itself also sounds tense...
LOUD_ALONE_DB = 9.0  # ...and by this much on its own: a gain control or a closer microphone moves less
FASTER_RATIO = 1.3
FAST_WPM = 185
HIGHER_ST = 3.0
FROZEN_S = 4.0


@dataclass(frozen=True)
class Cue:
    """One change the tense verdict weighs: `scale` is how much it varies between the calm
    (neutral) takes of one speaker, `weight` what a change of one scale adds to the log-odds."""

    scale: float
    weight: float


# Fitted by `python -m trainer.prosody.evaluate .cache/calmdata/emodb-tune --fit` (logistic
# regression, L2, C=1, on the changes divided by `scale`) on the Berlin Emotional Speech Database
# (EmoDB, CC BY 4.0): the angry and neutral takes of speakers 03, 09, 11, 13 and 15 against each
# one's first two neutral takes. Speakers 08, 10, 12, 14 and 16 were never used for tuning:
# they are the held-out check (see trainer/prosody/README.md for the figures).
TENSE_CUES: dict[str, Cue] = {
    "pitch_up_st": Cue(scale=1.2, weight=1.24),
    "sharper_db": Cue(scale=2.23, weight=0.94),
    "rise_up_st_s": Cue(scale=2.09, weight=0.65),
}
TENSE_BIAS = -5.93
TENSE_AT = 0.5  # probability from which a reply counts as not calm


def _semitones(hz: float, base_hz: float) -> float:
    return 12 * log2(hz / base_hz)


def _baseline(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return mean(known) if known else None


def cue_changes(current: VoiceMeasures, base: list[VoiceMeasures]) -> dict[str, float | None]:
    """How far each measure moved from the baseline replies' mean; None where either side is unknown."""

    def moved(name: str) -> float | None:
        now, before = getattr(current, name), _baseline([getattr(m, name) for m in base])
        return None if now is None or before is None else now - before

    pitch, base_pitch = current.pitch_hz, _baseline([m.pitch_hz for m in base])
    rate, base_rate = current.syllables_per_s, _baseline([m.syllables_per_s for m in base])
    hammarberg = moved("hammarberg_db")
    return {
        "pitch_up_st": _semitones(pitch, base_pitch) if pitch and base_pitch else None,
        "range_up_st": moved("pitch_range_st"),
        "sharper_db": moved("alpha_ratio_db"),
        "flatter_db": -hammarberg if hammarberg is not None else None,  # a lower Hammarberg index: more effort
        "rise_up_st_s": moved("pitch_rise_st_s"),
        "pace_log": log(rate / base_rate) if rate and base_rate else None,
        "louder_db": current.loudness_dbfs - mean(m.loudness_dbfs for m in base),
    }


def tension(changes: dict[str, float | None], cues: dict[str, Cue] | None = None, bias: float | None = None) -> float:
    """Probability that the reply is not calm; an unknown change counts as no change."""
    cues = TENSE_CUES if cues is None else cues
    score = TENSE_BIAS if bias is None else bias
    for name, cue in cues.items():
        value = changes.get(name)
        if value is not None:
            score += cue.weight * value / cue.scale
    return 1 / (1 + exp(-max(-50.0, min(50.0, score))))


def not_calm(change: VoiceChange) -> bool:
    """The reply sounded less calm than the first ones: what `trainer eval calm` counts as flagged.
    Freezing is about hesitation, not temper, so it is left out."""
    return change.tense or change.louder or change.faster or change.higher


def compare_to_baseline(
    current: VoiceMeasures, earlier: list[VoiceMeasures], cues: dict[str, Cue] | None = None, bias: float | None = None
) -> VoiceChange:
    """`earlier` are the trainee's previous replies in this call; the first ones set the baseline.
    `cues` and `bias` replace the shipped tense model (for tuning it)."""
    change = VoiceChange(wpm=current.words_per_minute, silence_s=current.silence_before_s)
    change.frozen = current.silence_before_s > FROZEN_S
    base = earlier[:BASELINE_REPLIES]
    if len(base) < BASELINE_REPLIES:  # one reply is too little to know how this trainee speaks
        return change
    _add_tension(change, cue_changes(current, base), cues, bias)
    change.louder_db = round(current.loudness_dbfs - mean(m.loudness_dbfs for m in base), 1)
    change.louder = change.louder_db >= LOUD_ALONE_DB or (change.tense and change.louder_db >= LOUDER_DB)
    rates = [m.words_per_minute for m in base if m.words_per_minute]
    if rates and current.words_per_minute:
        change.baseline_wpm = round(mean(rates))
        change.faster = current.words_per_minute >= max(FAST_WPM, change.baseline_wpm * FASTER_RATIO)
    pitches = [m.pitch_hz for m in base if m.pitch_hz]
    if pitches and current.pitch_hz:
        change.pitch_up_st = round(_semitones(current.pitch_hz, mean(pitches)), 1)
        change.higher = change.tense and change.pitch_up_st >= HIGHER_ST
    return change


def _add_tension(
    change: VoiceChange, changes: dict[str, float | None], cues: dict[str, Cue] | None, bias: float | None
) -> None:
    change.sharper_db = round(changes["sharper_db"] or 0.0, 1)
    change.range_up_st = round(changes["range_up_st"] or 0.0, 1)
    pace = changes["pace_log"]
    change.syllable_ratio = round(exp(pace), 2) if pace is not None else None
    change.tension = round(tension(changes, cues, bias), 3)
    change.tense = change.tension >= TENSE_AT
