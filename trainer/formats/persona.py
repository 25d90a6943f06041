"""The persona file: who the customer is, what is broken, and how they react."""

import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from trainer.playbook import Archetype, Behaviour, LearningStyle

Anger = Annotated[int, Field(ge=0, le=100)]
Lines = Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)]
OptionalLines = list[Annotated[str, Field(min_length=1)]]


class Strict(BaseModel):
    """Unknown keys are errors: a typo in a trainer's file must not be silently ignored."""

    model_config = ConfigDict(extra="forbid")


class Difficulty(StrEnum):
    easy = "easy"
    medium = "medium"
    hard = "hard"


class LineKind(StrEnum):
    """What the customer is doing with a line; rubrics and the UI read it, not the words."""

    opening = "opening"
    angrier = "angrier"
    calmer = "calmer"
    neutral = "neutral"
    asks_manager = "asks_manager"
    insists_transfer = "insists_transfer"
    agrees_to_stay = "agrees_to_stay"
    swearing = "swearing"
    vents = "vents"  # still swearing, about the situation, not at the trainee: the reply gave no new reason
    personal_attack = "personal_attack"
    after_boundary = "after_boundary"
    pulls_together = "pulls_together"
    refuses_transfer = "refuses_transfer"
    step_done = "step_done"  # carried out a fix step; the words come from the step (`FixStep.done`)
    confused = "confused"  # could not follow a step: out of order, or before they know where they are
    slow_down = "slow_down"  # several steps at once, to a customer who takes one at a time
    after_fix = "after_fix"  # it works now, and they are still upset: they leave
    transferred = "transferred"
    satisfied = "satisfied"
    hang_up = "hang_up"
    agent_hung_up = "agent_hung_up"


LINE_FALLBACKS: dict[LineKind, LineKind] = {
    LineKind.asks_manager: LineKind.angrier,
    LineKind.insists_transfer: LineKind.asks_manager,
    LineKind.agrees_to_stay: LineKind.calmer,
    LineKind.swearing: LineKind.angrier,
    LineKind.vents: LineKind.neutral,
    LineKind.personal_attack: LineKind.swearing,
    LineKind.after_boundary: LineKind.calmer,
    LineKind.pulls_together: LineKind.after_boundary,
    LineKind.refuses_transfer: LineKind.angrier,
    LineKind.step_done: LineKind.calmer,
    LineKind.slow_down: LineKind.confused,
    LineKind.transferred: LineKind.neutral,
    LineKind.agent_hung_up: LineKind.hang_up,
}


class Fact(Strict):
    """Something the trainee can ask about; the scripted customer answers when asked."""

    topic: str
    keywords: Annotated[list[str], Field(min_length=1)]
    # Example questions this fact answers: the customer recognises others that mean the same.
    asks: list[str] = []
    answer: str

    def readings(self) -> list[str]:
        """What a question is compared with: the topic, the keywords, the examples, the answer."""
        return [self.topic, " ".join(self.keywords), *self.asks, self.answer]


class FixStep(Strict):
    """One step of the fix, which the trainee must get the customer through.

    The trainee's words are recognised by meaning (`trainer.customer.steps`): `do` and the
    example phrasings in `says` are what a reply is compared with. Once the customer has done
    it, they say one of the `done` lines: what they now see.
    """

    do: Annotated[str, Field(min_length=1)]
    says: OptionalLines = []
    done: Lines = ["Okay, done that. What's next?", "Right, I've done it. Now what?"]

    def readings(self) -> list[str]:
        """What a reply is compared with: the instruction itself, without the explanation a file
        adds after ";" or "so ..." (an outcome such as "the bookings reach Outlook" is no step)."""
        said = [_instruction(s) for s in self.says]
        return list(dict.fromkeys([_instruction(self.do), *self.says, *said]))


def _instruction(text: str) -> str:
    """A step as said, without the outcome after ";" or "so ..." ("refresh the page so the board
    loads again" asks to refresh the page); "Okay so click it" is instruction throughout, and so
    is "click the deal so it opens, and use Mark as won", whose "so" is followed by more steps."""
    head, *outcome = re.split(r";|\s+so\s+(?:that\s+)?|,\s+so\s+", text, maxsplit=1)
    more_steps = bool(outcome) and re.search(r"[.!?]\s+\w|\band\b|\bthen\b", outcome[0])
    return head.strip() if len(head.split()) >= 2 and not more_steps else text


def _steps_from_text(steps: object) -> object:
    """A step written as plain text (files from before steps had lines) is its `do`."""
    if isinstance(steps, list):
        return [{"do": s} if isinstance(s, str) else s for s in steps]
    return steps


class Problem(Strict):
    summary: str
    product_area: str
    technical: bool = True
    facts: list[Fact] = []
    # When asked something no fact answers, and when asked again what they already said
    # ("{answer}" is replaced by that answer).
    dont_know: Annotated[list[str], Field(min_length=1)] = [
        "I don't know. I just use the thing.",
        "No idea, honestly. I'm not the technical one.",
    ]
    already_said: Annotated[list[str], Field(min_length=1)] = [
        "I already told you: {answer}",
        "Like I said, {answer}",
    ]
    fix_steps: Annotated[list[FixStep], Field(min_length=1), BeforeValidator(_steps_from_text)]
    steps_in_order: bool = Field(True, description="Each step needs the one before it (a menu path, a form).")
    needs: Annotated[list[Behaviour], Field(min_length=1)] = Field(
        description="Behaviours the trainee must have shown before the problem counts as solved."
    )
    # Words of the product a trainee will say that speech recognition gets wrong unprompted
    # ("sync" heard as "sink", a filter called "Closed - archived"): recognition is told them.
    vocabulary: Annotated[list[Annotated[str, Field(min_length=1, max_length=60)]], Field(max_length=30)] = []


class Mood(Strict):
    start_anger: Anger
    reactions: dict[Behaviour, Annotated[int, Field(ge=-100, le=100)]] = Field(
        description="Change in anger when the trainee shows each behaviour (negative calms)."
    )
    hang_up_at: Anger = 100
    satisfied_at: Anger = Field(30, description="Anger at or below which, needs met, they are satisfied.")
    swears_at: Anger | None = None
    attacks_at: Anger | None = None
    demands_manager_at: Anger | None = None
    swears_in_opening: bool = False
    asks_manager_in_opening: bool = False
    insists_on_transfer: bool = Field(False, description="Still wants a transfer after its cost is explained.")
    wants_to_hold: bool = Field(False, description="Wants to stay on the line until it is fixed.")
    patience: Annotated[int, Field(ge=1, le=50)] = Field(12, description="Replies before they give up.")

    @model_validator(mode="after")
    def _thresholds_ordered(self) -> "Mood":
        if self.satisfied_at >= self.hang_up_at:
            raise ValueError("satisfied_at must be below hang_up_at")
        if self.start_anger >= self.hang_up_at:
            raise ValueError("start_anger must be below hang_up_at, or the call ends before it starts")
        return self


class PersonaLines(Strict):
    """Several variants of each; the customer never repeats one until all were used."""

    opening: Lines
    angrier: Lines
    calmer: Lines
    neutral: Lines
    satisfied: Lines
    hang_up: Lines
    asks_manager: OptionalLines = []
    insists_transfer: OptionalLines = []
    agrees_to_stay: OptionalLines = []
    swearing: OptionalLines = []
    vents: OptionalLines = []  # a furious customer after a warm reply: swears at the situation, not at you
    personal_attack: OptionalLines = []
    after_boundary: OptionalLines = []
    pulls_together: OptionalLines = []
    refuses_transfer: OptionalLines = []
    confused: Lines = [
        "Sorry, I don't follow. Where is that?",
        "Hang on, I can't see that. What am I looking for?",
    ]
    slow_down: OptionalLines = []
    after_fix: Lines = [
        "Well, it works now. I've lost half my day to this, though. Bye.",
        "Fine. It's working. I've got to go.",
    ]
    transferred: OptionalLines = []
    agent_hung_up: OptionalLines = []
    cuts_in: Lines = [  # said before their answer when they cut in on a long speech (`interrupts_after_s`)
        "Stop, stop. I don't need a speech.",
        "Hang on. Hang on.",
    ]

    def variants(self, kind: LineKind) -> list[str]:
        """The lines for a kind, or for the nearest kind the file has: optional kinds never crash a call."""
        while not getattr(self, kind.value, None):  # step_done's words are the step's own
            kind = LINE_FALLBACKS[kind]
        return getattr(self, kind.value)


# The speech engines by name (`trainer.tts.engines.EngineName`, kept equal by a test).
VoiceEngine = Literal["piper", "espeak", "pyttsx3"]


class Voice(Strict):
    """How the customer sounds; read by the speech engines."""

    engine: VoiceEngine | None = None
    voice: str | None = None
    rate: Annotated[int, Field(ge=60, le=400)] | None = None
    pitch: Annotated[int, Field(ge=0, le=100)] | None = None
    length_scale: Annotated[float, Field(gt=0.3, lt=3.0)] | None = None


class LlmHints(Strict):
    """What an LLM-driven customer is told beyond the persona itself."""

    backstory: str = ""
    speaking_style: str = ""
    temperature: Annotated[float, Field(ge=0, le=2)] = 0.8


class Level(Strict):
    """How this persona plays at one difficulty level; whatever is left out follows the default
    shift from the level the file is written at (`trainer.customer.difficulty`)."""

    start_anger: Anger | None = None
    patience: Annotated[int, Field(ge=1, le=50)] | None = None
    inflame: Annotated[float, Field(gt=0, le=5)] | None = Field(None, description="Multiplies what faults add.")
    calm: Annotated[float, Field(gt=0, le=5)] | None = Field(None, description="Multiplies what good moves take off.")


class Persona(Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_]{0,63}$")]
    name: str
    description: str
    archetype: Archetype
    learning_style: LearningStyle | None = None
    difficulty: Difficulty  # the level the mood below is written at
    levels: dict[Difficulty, Level] = {}  # optional overrides for playing it easier or harder
    pass_mark: Annotated[int, Field(ge=0, le=100)] = 70
    company: str = ""
    problem: Problem
    mood: Mood
    lines: PersonaLines
    voice: Voice = Voice()
    llm: LlmHints = LlmHints()
    # Hands-free: the customer cuts in on a trainee who has talked this many seconds without a
    # pause (an angry caller does not wait out a speech); None: never.
    interrupts_after_s: Annotated[float, Field(ge=5, le=120)] | None = None

    def spoken_words(self) -> list[str]:
        """What a trainee is likely to say that a general speech recogniser may not expect: the
        customer's name, their company, the product area, and the problem's vocabulary."""
        words = [self.name, self.company, self.problem.product_area.replace("_", " "), *self.problem.vocabulary]
        return list(dict.fromkeys(w.strip() for w in words if w.strip()))

    def advice(self) -> list[str]:
        """What still loads but makes a poorer call: a step the customer answers with the default
        "Okay, done that" instead of what they now see, or one with no other ways to say it."""
        notes = []
        default_done = FixStep.model_fields["done"].default
        for n, step in enumerate(self.problem.fix_steps):
            if step.done == default_done:
                notes.append(f"problem.fix_steps.{n}.done: add what the customer sees once it is done")
            if not step.says:
                notes.append(f"problem.fix_steps.{n}.says: add other ways a trainee might say this step")
        return notes

    @model_validator(mode="after")
    def _lines_for_moods(self) -> "Persona":
        """A persona that can swear must have swearing lines, and so on."""
        required = {
            "swears_at": "swearing",
            "attacks_at": "personal_attack",
            "demands_manager_at": "asks_manager",
        }
        for threshold, kind in required.items():
            if getattr(self.mood, threshold) is not None and not getattr(self.lines, kind):
                raise ValueError(f"mood.{threshold} is set, so lines.{kind} needs at least one line")
        return self
