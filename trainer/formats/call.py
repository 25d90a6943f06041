"""What a call produces: customer lines, turns, findings and the scorecard.

These are the shapes the session log stores and the CLI prints as JSON.
"""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from trainer.formats.persona import LineKind
from trainer.playbook import Behaviour


class Detection(BaseModel):
    behaviour: Behaviour
    evidence: str  # the trainee's own words, quoted back in feedback ("" when too unsure to quote)
    # How sure the detector is (0-1); None from an engine that gives no probability (the LLM judge).
    probability: float | None = None


class VoiceMeasures(BaseModel):
    """How a reply sounded (see `trainer.prosody`)."""

    seconds: float
    voiced_seconds: float
    loudness_dbfs: float
    words_per_minute: int | None
    pitch_hz: float | None
    pitch_range_st: float | None
    silence_before_s: float
    # Vocal effort, for anger that is not louder (None in logs written before they were measured).
    alpha_ratio_db: float | None = None  # energy 1-5 kHz over 50 Hz-1 kHz of the voiced frames
    hammarberg_db: float | None = None  # strongest peak below 2 kHz over the strongest of 2-5 kHz
    pitch_rise_st_s: float | None = None  # mean upward pitch slope, semitones a second
    syllables_per_s: float | None = None  # syllable nuclei a second of voiced time: pace without words


class VoiceChange(BaseModel):
    """What changed, with the numbers feedback quotes ("you sped up to 210 words a minute")."""

    louder: bool = False
    faster: bool = False
    higher: bool = False
    frozen: bool = False
    louder_db: float = 0.0
    wpm: int | None = None
    baseline_wpm: int | None = None
    pitch_up_st: float = 0.0
    silence_s: float = 0.0
    # The voice as a whole against the first replies: tense is the combined "not calm" verdict of
    # `trainer.prosody.compare` (pitch, spectral tilt, pitch rises, pace), which catches anger that
    # is not louder; tension is its probability (None before there was a baseline).
    tense: bool = False
    tension: float | None = None
    sharper_db: float = 0.0  # alpha ratio change: more energy above 1 kHz, a pressed voice
    range_up_st: float = 0.0  # pitch range change
    syllable_ratio: float | None = None  # syllables a second against the first replies (1.3: 30% faster)

    @property
    def flags(self) -> set[str]:
        return {name for name in ("louder", "faster", "higher", "frozen", "tense") if getattr(self, name)}


class Outcome(StrEnum):
    in_progress = "in_progress"
    satisfied = "satisfied"
    customer_hung_up = "customer_hung_up"
    trainee_ended = "trainee_ended"
    transferred = "transferred"
    fixed_unhappy = "fixed_unhappy"  # the fix worked, and the customer left still upset
    script_ended = "script_ended"
    abandoned = "abandoned"


class CustomerLine(BaseModel):
    text: str
    kind: LineKind
    anger: int
    swore: bool = False
    attacked: bool = False
    asked_transfer: bool = False
    wants_to_hold: bool = False
    engine: str = "scripted"
    # The state machine's own words when a model reworded the line: the detector reads the
    # trainee's reply against these, so a model's wording never moves the grade.
    decided: str | None = None
    steps_done: list[int] = []  # the fix steps the customer has carried out so far (`FixStep` indices)
    outcome: Outcome = Outcome.in_progress
    audio: str | None = None  # the recording of this line, relative to the sessions folder


class Finding(BaseModel):
    rubric: str
    turn: int | None  # None: about the whole call ("you never ...")
    trigger: str  # the behaviour, moment or missing behaviour that made it
    points: int
    feedback: str
    evidence: str = ""
    quote: str = ""
    tip: str = ""

    @property
    def good(self) -> bool:
        return self.points > 0

    @property
    def where(self) -> str:
        """Where in the call it happened, as every scorecard labels it: the trainee's replies
        counted from 1 (the log's turn 0 is the customer's opening and the first reply)."""
        return f"reply {self.turn + 1}" if self.turn is not None else "whole call"


class Stuck(StrEnum):
    """Why the customer could not follow a step they were given."""

    out_of_order = "out_of_order"  # a later step before the one it needs
    too_many = "too_many"  # several at once, to a customer who takes one at a time
    not_grounded = "not_grounded"  # a vague customer, told where to click before anyone asked where they are


class StepWalk(BaseModel):
    """What one reply did for the fix: the steps it gave, the steps the customer carried out."""

    model_config = ConfigDict(extra="forbid")

    given: list[int] = []
    done: list[int] = []
    stuck: Stuck | None = None
    fixed: bool = False  # with this reply the customer carried out the last step missing


class Turn(BaseModel):
    """One customer line and the trainee's answer to it (none for a closing line)."""

    index: int
    customer: CustomerLine
    reply: str | None = None
    detections: list[Detection] = []
    feedback: list[Finding] = []
    reply_audio: str | None = None  # relative to the sessions folder
    transcript_engine: str | None = None  # None: the reply was typed
    voice: VoiceMeasures | None = None
    voice_change: VoiceChange | None = None  # against the trainee's first replies
    repeated: bool = False  # the reply says again what an earlier one said: no credit, an annoyed customer
    recited: bool = False  # phrase-bank lines strung together (RECITAL_BEHAVIOURS at once): likewise
    walk: StepWalk | None = None  # the fix steps the reply gave, and how far the customer got
    interrupted: bool = False  # hands-free: the trainee started this reply over the customer's line
    cut_off: bool = False  # hands-free: the customer cut in on this reply (it went on too long)

    @property
    def behaviours(self) -> set[Behaviour]:
        return {d.behaviour for d in self.detections}


class RubricScore(BaseModel):
    rubric: str
    name: str
    applicable: bool
    score: int | None
    weight: float
    findings: list[Finding] = []


class Missed(BaseModel):
    """Something the call needed and never had, with a line that would have done it."""

    what: str  # "step" or "question"
    about: str  # the step, or the fact's topic
    better: str  # what the trainee could have said


class Scorecard(BaseModel):
    rubrics: dict[str, RubricScore]
    overall: int | None
    # The rubrics' weighted average before the cap for an unfixed problem, when it was capped.
    uncapped: int | None = None
    outcome: Outcome
    fixed: bool = False  # the customer carried out every fix step
    hard_call: bool
    worst_moment: Finding | None = None
    missed: list[Missed] = []  # fix steps never given, questions never asked
