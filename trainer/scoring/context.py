"""The named moments of a call that rubric effects can require (`Context`, `Moment`).

Each predicate reads the turns up to and including turn `i`; the playbook's order rules
(let one swear go, then a boundary, then the callback) are written with them.
"""

import re
from collections.abc import Callable, Sequence

from trainer.formats.call import StepWalk, Stuck, Turn
from trainer.formats.persona import LineKind
from trainer.formats.rubric import Context, Moment
from trainer.playbook import Behaviour as B

Predicate = Callable[[Sequence[Turn], int], bool]


def _replied(turns: Sequence[Turn], upto: int, behaviour: B) -> bool:
    """Whether any reply in turns[:upto] showed the behaviour."""
    return any(behaviour in t.behaviours for t in turns[:upto])


def _swears(turns: Sequence[Turn], upto: int) -> int:
    return sum(1 for t in turns[:upto] if t.customer.swore)


_AIMED = (LineKind.swearing, LineKind.personal_attack)


def _first_mild_swear(turns: Sequence[Turn], i: int) -> bool:
    """An exasperated swear ("this is so damn broken"), not one aimed at the trainee."""
    line = turns[i].customer
    return line.swore and line.kind not in _AIMED and _swears(turns, i) == 0


def _repeated_swearing(turns: Sequence[Turn], i: int) -> bool:
    """The swearing went on, or turned on the trainee: time for a boundary."""
    return _swears(turns, i + 1) >= 2 or any(t.customer.kind in _AIMED for t in turns[: i + 1])


CONTEXTS: dict[Context, Predicate] = {
    Context.any: lambda turns, i: True,
    Context.first_reply: lambda turns, i: i == 0,
    Context.customer_swore_now: lambda turns, i: turns[i].customer.swore,
    Context.first_mild_swear: _first_mild_swear,
    Context.after_repeated_swearing: _repeated_swearing,
    Context.no_swearing_yet: lambda turns, i: _swears(turns, i + 1) == 0,
    Context.before_boundary: lambda turns, i: not _replied(turns, i, B.sets_boundary),
    Context.after_boundary: lambda turns, i: _replied(turns, i, B.sets_boundary),
    Context.before_transfer_cost: lambda turns, i: not _replied(turns, i + 1, B.explains_transfer_cost),
    Context.after_transfer_cost: lambda turns, i: _replied(turns, i + 1, B.explains_transfer_cost),
    Context.customer_insists: lambda turns, i: turns[i].customer.kind is LineKind.insists_transfer,
    Context.customer_asked_transfer: lambda turns, i: turns[i].customer.asked_transfer,
    Context.customer_wants_to_hold: lambda turns, i: turns[i].customer.wants_to_hold,
    Context.before_grounding: lambda turns, i: not _replied(turns, i + 1, B.asks_what_they_see),
}

_NO_WALK = StepWalk()
# "Tell me when you're there", "do you see it?": the trainee checks a step worked before the next.
_CHECKS = re.compile(
    r"\?|\b(?:tell|let) me (?:know )?(?:when|once|if|what)\b|\bdo you see\b|\bcan you see\b|\bare you there\b", re.I
)


def _walk(turns: Sequence[Turn], i: int) -> StepWalk:
    return turns[i].walk or _NO_WALK


_LIMITS = {B.sets_boundary, B.counter_aggression, B.ends_call_prematurely, B.dismisses, B.offers_callback}

MOMENTS: dict[Moment, Predicate] = {
    Moment.let_first_swear_go: lambda turns, i: (
        _first_mild_swear(turns, i) and turns[i].reply is not None and not (turns[i].behaviours & _LIMITS)
    ),
    Moment.no_boundary_after_attack: lambda turns, i: (
        turns[i].customer.attacked
        and turns[i].reply is not None
        and B.sets_boundary not in turns[i].behaviours
        and not _replied(turns, i, B.sets_boundary)
    ),
    Moment.repeated_reply: lambda turns, i: turns[i].repeated,
    Moment.recited_phrases: lambda turns, i: turns[i].recited and not turns[i].repeated,
    Moment.talked_over: lambda turns, i: turns[i].interrupted,
    Moment.problem_fixed: lambda turns, i: _walk(turns, i).fixed,
    Moment.step_followed: lambda turns, i: bool(_walk(turns, i).done),
    Moment.step_not_followed: lambda turns, i: _walk(turns, i).stuck is not None,
    Moment.one_step_checked: lambda turns, i: (
        len(_walk(turns, i).done) == 1 and bool(_CHECKS.search(turns[i].reply or ""))
    ),
    Moment.steps_all_at_once: lambda turns, i: _walk(turns, i).stuck is Stuck.too_many,
    Moment.steps_before_grounding: lambda turns, i: _walk(turns, i).stuck is Stuck.not_grounded,
    Moment.steps_before_screen_share: lambda turns, i: (
        bool(_walk(turns, i).given) and not _replied(turns, i + 1, B.offers_screen_share)
    ),
    Moment.steps_with_screen_share: lambda turns, i: (
        bool(_walk(turns, i).done) and _replied(turns, i + 1, B.offers_screen_share)
    ),
    Moment.steps_before_they_explain: lambda turns, i: (
        bool(_walk(turns, i).given)
        and not _replied(turns, i + 1, B.asks_what_they_see)
        and not _replied(turns, i + 1, B.validates_competence)
    ),
}
