"""The rubric file: which strategies it grades, when it applies, how behaviours move it."""

from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator

from trainer.formats.persona import Strict
from trainer.playbook import Archetype, Behaviour, LearningStyle


class CallEvent(StrEnum):
    """Things the customer did in a call that make a rubric apply."""

    customer_swore = "customer_swore"
    customer_attacked = "customer_attacked"
    asked_transfer = "asked_transfer"
    wants_to_hold = "wants_to_hold"


class Context(StrEnum):
    """When a behaviour counts: the playbook cares about order, not just words.

    Each name is a predicate over the call so far, evaluated at the turn of the reply
    (see `trainer.scoring.context`).
    """

    any = "any"
    first_reply = "first_reply"
    customer_swore_now = "customer_swore_now"
    first_mild_swear = "first_mild_swear"
    after_repeated_swearing = "after_repeated_swearing"
    no_swearing_yet = "no_swearing_yet"
    before_boundary = "before_boundary"
    after_boundary = "after_boundary"
    before_transfer_cost = "before_transfer_cost"
    after_transfer_cost = "after_transfer_cost"
    customer_insists = "customer_insists"
    customer_asked_transfer = "customer_asked_transfer"
    customer_wants_to_hold = "customer_wants_to_hold"
    before_grounding = "before_grounding"


class Moment(StrEnum):
    """Findings made of what the trainee did *not* do at a given point."""

    let_first_swear_go = "let_first_swear_go"
    no_boundary_after_attack = "no_boundary_after_attack"
    repeated_reply = "repeated_reply"  # said again what an earlier reply said
    recited_phrases = "recited_phrases"  # phrase-bank lines strung together instead of an answer
    talked_over = "talked_over"  # hands-free: the reply began while the customer was still speaking
    # The fix (`Turn.walk`): what the customer could do with the steps a reply gave.
    problem_fixed = "problem_fixed"  # the customer carried out the last step
    step_followed = "step_followed"  # the customer carried out a step
    step_not_followed = "step_not_followed"  # a step given that the customer could not follow: a wasted step
    one_step_checked = "one_step_checked"  # one step, and the trainee checks it worked before the next
    steps_all_at_once = "steps_all_at_once"  # several steps at once to a step-by-step customer
    steps_before_grounding = "steps_before_grounding"  # steps before asking a vague customer where they are
    steps_before_screen_share = "steps_before_screen_share"  # talking a visual customer through it blind
    steps_with_screen_share = "steps_with_screen_share"  # steps once a visual customer can watch
    steps_before_they_explain = "steps_before_they_explain"  # steering a self-explainer before they explained


class VoiceSign(StrEnum):
    """A change in the trainee's voice against their own first replies (`trainer.prosody`)."""

    louder = "louder"
    faster = "faster"
    higher = "higher"
    frozen = "frozen"
    tense = "tense"  # vocal effort: sharper, higher, rising, even when not louder


class Effect(Strict):
    """One way a call moves the score, with what the trainee is told about it.

    Exactly one of `behaviour` (the reply showed it), `missing` (the call never showed it),
    `moment` (a derived finding) or `voice` (how the reply sounded) triggers the effect.
    Voice feedback may quote the numbers: {wpm}, {baseline_wpm}, {louder_db}, {pitch_up_st},
    {silence_s}, and {when} (" when the customer swore", or nothing).
    """

    behaviour: Behaviour | None = None
    voice: VoiceSign | None = None
    missing: Behaviour | None = None
    moment: Moment | None = None
    context: Context = Context.any
    learning_style: LearningStyle | None = None
    points: Annotated[int, Field(ge=-100, le=100)]
    max_times: Annotated[int, Field(ge=1, le=20)] = 1
    feedback: Annotated[str, Field(min_length=1)]
    quote: str = ""
    tip: str = ""

    @model_validator(mode="after")
    def _one_trigger(self) -> "Effect":
        triggers = [t for t in (self.behaviour, self.missing, self.moment, self.voice) if t is not None]
        if len(triggers) != 1:
            raise ValueError("an effect needs exactly one of behaviour, missing, moment or voice")
        return self


class AppliesWhen(Strict):
    """All conditions given must hold; within a list, any item will do. None given: always."""

    archetypes: list[Archetype] = []
    learning_styles: list[LearningStyle] = []
    technical_problem: bool | None = None
    events: list[CallEvent] = []


class Rubric(Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_]{0,63}$")]
    name: str
    description: str
    strategies: Annotated[list[Annotated[int, Field(ge=1, le=12)]], Field(min_length=1)]
    applies_when: AppliesWhen = AppliesWhen()
    start: Annotated[int, Field(ge=0, le=100)] = Field(
        50, description="The score of a call with no finding at all: no evidence either way."
    )
    weight: Annotated[float, Field(gt=0, le=10)] = 1.0
    effects: Annotated[list[Effect], Field(min_length=1)]
