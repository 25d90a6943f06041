"""The grader: turns built by hand (customer lines and detected behaviours), never the detector.

Playbook semantics (order in boundaries, transfers, applicability) are checked against the
shipped rubric files; the mechanics (max_times, clamping, weights) against rubrics built here,
so the numbers in the assertions do not depend on how the shipped files are tuned.
"""

import copy
from typing import Any

import pytest
import yaml

from trainer.formats.call import CustomerLine, Detection, Finding, Outcome, Scorecard, StepWalk, Stuck, Turn
from trainer.formats.load import load_rubric
from trainer.formats.persona import LineKind, Persona
from trainer.formats.rubric import Rubric
from trainer.playbook import Archetype, LearningStyle
from trainer.playbook import Behaviour as B
from trainer.scoring import Grader
from trainer.settings import PROJECT_ROOT

ESCALATED: dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "personas" / "escalated.yaml").read_text())


def make_persona(*, technical: bool = True, **fields: Any) -> Persona:
    data = copy.deepcopy(ESCALATED)
    data.update(fields)
    data["problem"]["technical"] = technical
    return Persona.model_validate(data)


def said(
    kind: LineKind = LineKind.neutral,
    *,
    anger: int = 60,
    swore: bool = False,
    attacked: bool = False,
    asked_transfer: bool = False,
    wants_to_hold: bool = False,
) -> CustomerLine:
    return CustomerLine(
        text=f"({kind.value})",
        kind=kind,
        anger=anger,
        swore=swore,
        attacked=attacked,
        asked_transfer=asked_transfer,
        wants_to_hold=wants_to_hold,
    )


def replied(index: int, customer: CustomerLine, *behaviours: B) -> Turn:
    return Turn(
        index=index,
        customer=customer,
        reply=f"reply {index}",
        detections=[Detection(behaviour=b, evidence=f"{b.value} at {index}") for b in behaviours],
    )


def closing(index: int, customer: CustomerLine | None = None) -> Turn:
    return Turn(index=index, customer=customer or said(LineKind.calmer, anger=40))


FIXED_OUTCOMES = (Outcome.satisfied, Outcome.fixed_unhappy)


def play(
    persona: Persona, rubrics: list[Rubric], turns: list[Turn], outcome: Outcome = Outcome.script_ended
) -> tuple[Scorecard, list[list[Finding]]]:
    """Grade turn by turn, as a live call does (each turn sees only the call so far), then the card.
    A call that ends satisfied had every fix step carried out."""
    if outcome in FIXED_OUTCOMES and turns:
        every = list(range(len(persona.problem.fix_steps)))
        turns = [
            *turns[:-1],
            turns[-1].model_copy(update={"customer": turns[-1].customer.model_copy(update={"steps_done": every})}),
        ]
    grader = Grader(persona, rubrics)
    shown = [grader.grade_turn(turns[: t.index + 1], t.index) for t in turns if t.reply is not None]
    return grader.scorecard(turns, outcome), shown


def applicable(card: Scorecard) -> set[str]:
    return {rid for rid, score in card.rubrics.items() if score.applicable}


def rubric(rid: str, *, start: int = 50, weight: float = 1.0, applies_when: dict | None = None, effects=None) -> Rubric:
    return Rubric.model_validate(
        {
            "id": rid,
            "name": rid,
            "description": "built in a test",
            "strategies": [1],
            "start": start,
            "weight": weight,
            "applies_when": applies_when or {},
            "effects": effects or [{"behaviour": "takes_ownership", "points": 0, "feedback": "noted"}],
        }
    )


@pytest.fixture
def rubrics(catalog) -> list[Rubric]:
    return list(catalog.rubrics.values())


# -- applicability -----------------------------------------------------------------------


PLAIN_CALL = [replied(0, said(LineKind.opening)), replied(1, said(LineKind.calmer), B.takes_ownership), closing(2)]


@pytest.mark.parametrize("archetype", list(Archetype))
def test_persona_rubrics_apply_by_archetype(rubrics: list[Rubric], archetype: Archetype) -> None:
    card, _ = play(make_persona(archetype=archetype, learning_style=None), rubrics, PLAIN_CALL)
    expected = {"calm", "resolution"}
    if archetype is Archetype.passive_angry:
        expected.add("care")
    if archetype is Archetype.escalated:
        expected.add("urgency")
    assert applicable(card) == expected
    for rid, score in card.rubrics.items():
        if rid not in expected:
            assert (score.applicable, score.score, score.findings) == (False, None, [])
        else:
            assert score.score is not None


@pytest.mark.parametrize(
    ("style", "technical", "applies"),
    [
        (LearningStyle.visual, True, True),
        (LearningStyle.vague, True, True),
        (LearningStyle.self_explainer, True, True),
        (None, True, False),
        (LearningStyle.visual, False, False),
    ],
)
def test_learning_style_applies_to_a_style_and_a_technical_problem(
    rubrics: list[Rubric], style: LearningStyle | None, technical: bool, applies: bool
) -> None:
    card, _ = play(make_persona(learning_style=style, technical=technical), rubrics, PLAIN_CALL)
    assert card.rubrics["learning_style"].applicable is applies
    assert (card.rubrics["learning_style"].score is None) is not applies


@pytest.mark.parametrize(
    ("line", "applies"),
    [
        (said(LineKind.angrier), False),
        (said(LineKind.swearing, swore=True), True),
        (said(LineKind.personal_attack, swore=False, attacked=True), True),
    ],
)
def test_boundaries_apply_only_once_the_customer_swore_or_attacked(
    rubrics: list[Rubric], line: CustomerLine, applies: bool
) -> None:
    turns = [replied(0, said(LineKind.opening)), replied(1, line, B.acknowledges_feelings), closing(2)]
    card, _ = play(make_persona(), rubrics, turns)
    assert card.rubrics["boundaries"].applicable is applies
    assert "transfers" not in applicable(card)


@pytest.mark.parametrize("asked", [False, True])
def test_transfers_apply_only_when_the_customer_asked_for_someone_else(rubrics: list[Rubric], asked: bool) -> None:
    kind = LineKind.asks_manager if asked else LineKind.angrier
    turns = [replied(0, said(LineKind.opening)), replied(1, said(kind, asked_transfer=asked), B.takes_ownership)]
    card, _ = play(make_persona(), rubrics, [*turns, closing(2)])
    assert card.rubrics["transfers"].applicable is asked
    assert "boundaries" not in applicable(card)


def test_overall_is_the_weight_average_of_applicable_rubrics_only() -> None:
    rubrics = [
        rubric("heavy", start=80, weight=3),
        rubric("light", start=40, weight=1),
        rubric("other_archetype", start=0, weight=5, applies_when={"archetypes": ["passive_angry"]}),
        rubric("never_swore", start=0, weight=5, applies_when={"events": ["customer_swore"]}),
    ]
    card, _ = play(make_persona(), rubrics, PLAIN_CALL, Outcome.satisfied)
    assert applicable(card) == {"heavy", "light"}
    assert card.rubrics["other_archetype"].score is None
    assert card.rubrics["never_swore"].score is None
    assert card.overall == 70  # (80 * 3 + 40 * 1) / 4


def test_overall_with_the_shipped_rubrics_ignores_the_ones_that_do_not_apply(rubrics: list[Rubric]) -> None:
    card, _ = play(make_persona(), rubrics, PLAIN_CALL)
    scored = [s for s in card.rubrics.values() if s.applicable]
    assert {s.rubric for s in scored} == {"calm", "urgency", "resolution"}
    expected = round(sum(s.score * s.weight for s in scored) / sum(s.weight for s in scored))
    assert card.overall == expected


# -- boundaries: order matters -------------------------------------------------------------

MILD = said(LineKind.opening, anger=80, swore=True)
DIRECTED = said(LineKind.swearing, anger=82, swore=True)
ATTACK = said(LineKind.personal_attack, anger=85, swore=True, attacked=True)


def cursing() -> Persona:
    return make_persona(archetype="cursing")


def _effect(r: Rubric, trigger: str, context: str | None = None):
    return next(
        e
        for e in r.effects
        if trigger in (e.behaviour, e.moment, e.missing) and (context is None or e.context.value == context)
    )


def test_let_one_go_then_boundary_then_callback_scores_high(catalog, rubrics: list[Rubric]) -> None:
    turns = [
        replied(0, MILD, B.acknowledges_feelings, B.takes_ownership),  # let the exasperated swear go
        replied(1, DIRECTED, B.sets_boundary),
        replied(2, ATTACK, B.offers_callback),
        closing(3, said(LineKind.pulls_together, anger=50)),
    ]
    card, _ = play(cursing(), rubrics, turns)
    boundaries = card.rubrics["boundaries"]
    assert boundaries.score >= 90
    assert all(f.points >= 0 for f in boundaries.findings)
    found = {f.trigger: f for f in boundaries.findings}
    assert set(found) == {"let_first_swear_go", "sets_boundary", "offers_callback"}

    spec = catalog.rubrics["boundaries"]
    for trigger, turn, context in [
        ("let_first_swear_go", 0, None),
        ("sets_boundary", 1, "after_repeated_swearing"),
        ("offers_callback", 2, "after_boundary"),
    ]:
        finding, effect = found[trigger], _effect(spec, trigger, context)
        assert finding.turn == turn
        assert finding.points == effect.points > 0
        assert finding.feedback == effect.feedback
        assert finding.quote == effect.quote != ""
    assert found["let_first_swear_go"].evidence == "reply 0"
    assert found["sets_boundary"].evidence == "sets_boundary at 1"


LET_GO = (B.acknowledges_feelings, B.takes_ownership)  # a reply that sets no limit


def _three_swears(*replies: tuple[B, ...]) -> list[Turn]:
    """A mild swear, a directed swear and an attack, answered with `replies` in that order."""
    lines = [MILD, DIRECTED, ATTACK]
    return [replied(i, line, *r) for i, (line, r) in enumerate(zip(lines, replies, strict=False))] + [
        closing(len(replies), said(LineKind.neutral, anger=60))
    ]


def _check_faults(catalog, card: Scorecard, faults: set[tuple[str, int]]) -> None:
    boundaries = card.rubrics["boundaries"]
    negative = {(f.trigger, f.turn): f for f in boundaries.findings if f.points < 0}
    assert set(negative) == faults
    spec = catalog.rubrics["boundaries"]
    for (trigger, turn), finding in negative.items():
        matching = [e for e in spec.effects if e.behaviour == trigger and e.points < 0]
        assert (finding.points, finding.feedback, finding.tip) in {(e.points, e.feedback, e.tip) for e in matching}
        assert finding.evidence == f"{trigger} at {turn}"


@pytest.mark.parametrize(
    ("replies", "faults"),
    [
        pytest.param(
            [(B.ends_call_prematurely,)],  # the call ends there
            {("ends_call_prematurely", 0)},
            id="hang-up-threat-at-the-first-mild-swear",
        ),
        pytest.param(
            [(B.sets_boundary, B.offers_callback), LET_GO, LET_GO],
            {("sets_boundary", 0), ("offers_callback", 0)},
            id="boundary-and-callback-at-the-mild-swear-then-nothing",
        ),
    ],
)
def test_the_same_behaviours_in_the_wrong_order_score_low(
    catalog, rubrics: list[Rubric], replies: list[tuple[B, ...]], faults: set[tuple[str, int]]
) -> None:
    card, _ = play(cursing(), rubrics, _three_swears(*replies))
    assert card.rubrics["boundaries"].score <= 30
    assert not any(f.trigger == "let_first_swear_go" for f in card.rubrics["boundaries"].findings)
    _check_faults(catalog, card, faults)


@pytest.mark.parametrize(
    ("replies", "faults"),
    [
        pytest.param(
            [(B.offers_callback,), (B.sets_boundary,), LET_GO], {("offers_callback", 0)}, id="callback-boundary-let"
        ),
        pytest.param(
            [(B.offers_callback,), LET_GO, (B.sets_boundary,)], {("offers_callback", 0)}, id="callback-let-boundary"
        ),
        pytest.param(
            [(B.sets_boundary,), LET_GO, (B.offers_callback,)], {("sets_boundary", 0)}, id="boundary-let-callback"
        ),
        pytest.param(
            [(B.sets_boundary,), (B.offers_callback,), LET_GO], {("sets_boundary", 0)}, id="boundary-callback-let"
        ),
        pytest.param(
            [LET_GO, (B.offers_callback,), (B.sets_boundary,)],
            {("offers_callback", 1)},
            id="let-callback-boundary",
        ),
    ],
)
def test_every_other_order_of_the_same_three_replies_fails_the_rubric(
    catalog, rubrics: list[Rubric], replies: list[tuple[B, ...]], faults: set[tuple[str, int]]
) -> None:
    """Permutations of [let it go, boundary, callback]: each is a fault at the turn out of order,
    and none reaches the persona's pass mark (the right order reaches 90+)."""
    persona = cursing()
    card, _ = play(persona, rubrics, _three_swears(*replies))
    _check_faults(catalog, card, faults)
    assert card.rubrics["boundaries"].score < persona.pass_mark


def test_an_attack_with_no_boundary_is_a_fault(rubrics: list[Rubric]) -> None:
    turns = [replied(0, ATTACK, B.acknowledges_feelings), closing(1)]
    card, _ = play(cursing(), rubrics, turns)
    triggers = {(f.trigger, f.turn) for f in card.rubrics["boundaries"].findings if f.points < 0}
    assert ("no_boundary_after_attack", 0) in triggers


# -- transfers -------------------------------------------------------------------------------

ASKS = said(LineKind.opening, asked_transfer=True)


def _transfer_offers(card: Scorecard) -> list[Finding]:
    return [f for f in card.rubrics["transfers"].findings if f.trigger == "offers_transfer"]


def test_offering_a_transfer_before_explaining_its_cost_is_a_fault(rubrics: list[Rubric]) -> None:
    turns = [replied(0, ASKS, B.offers_transfer), closing(1, said(LineKind.transferred))]
    card, _ = play(make_persona(archetype="transfer_demanding"), rubrics, turns)
    [offer] = _transfer_offers(card)
    assert offer.points < 0
    assert offer.turn == 0
    assert card.rubrics["transfers"].score < 50


@pytest.mark.parametrize(
    "turns",
    [
        pytest.param(
            [replied(0, ASKS, B.explains_transfer_cost, B.offers_transfer), closing(1, said(LineKind.transferred))],
            id="same-reply",
        ),
        pytest.param(
            [
                replied(0, ASKS, B.explains_transfer_cost),
                replied(1, said(LineKind.insists_transfer, asked_transfer=True), B.offers_transfer),
                closing(2, said(LineKind.transferred)),
            ],
            id="after-the-customer-insists",
        ),
    ],
)
def test_offering_a_transfer_with_or_after_its_cost_is_not_a_fault(rubrics: list[Rubric], turns: list[Turn]) -> None:
    card, _ = play(make_persona(archetype="transfer_demanding"), rubrics, turns)
    [offer] = _transfer_offers(card)
    assert offer.points == 0
    assert offer.turn == turns[-2].index
    assert all(f.points >= 0 for f in card.rubrics["transfers"].findings)


# -- mechanics -------------------------------------------------------------------------------


def test_max_times_caps_repeated_credit(catalog, rubrics: list[Rubric]) -> None:
    calm = catalog.rubrics["calm"]
    effect = _effect(calm, "acknowledges_feelings")
    assert effect.max_times >= 1
    turns = [replied(i, said(), B.acknowledges_feelings) for i in range(effect.max_times + 2)]
    card, shown = play(make_persona(), rubrics, turns)
    credited = [f for f in card.rubrics["calm"].findings if f.trigger == "acknowledges_feelings"]
    assert [f.turn for f in credited] == list(range(effect.max_times))
    assert card.rubrics["calm"].score == calm.start + effect.points * effect.max_times
    assert not any(f.trigger == "acknowledges_feelings" for f in shown[-1])


def test_max_times_counts_per_effect() -> None:
    effects = [
        {"behaviour": "takes_ownership", "points": 5, "max_times": 3, "feedback": "owned"},
        {"behaviour": "dismisses", "points": -1, "max_times": 1, "feedback": "dismissed"},
    ]
    turns = [replied(i, said(), B.takes_ownership, B.dismisses) for i in range(5)]
    card, _ = play(make_persona(), [rubric("r", start=50, effects=effects)], turns)
    assert card.rubrics["r"].score == 50 + 3 * 5 - 1


def test_missing_behaviour_findings_are_about_the_whole_call(rubrics: list[Rubric]) -> None:
    turns = [replied(0, said(), B.takes_ownership), closing(1)]
    card, _ = play(make_persona(), rubrics, turns)
    missing = [f for f in card.rubrics["calm"].findings if f.trigger == "missing:acknowledges_feelings"]
    assert len(missing) == 1
    assert missing[0].turn is None
    assert missing[0].points < 0
    urgency = {f.trigger: f for f in card.rubrics["urgency"].findings}
    assert urgency["missing:acknowledges_urgency"].turn is None


def test_no_missing_finding_for_a_behaviour_that_was_shown(rubrics: list[Rubric]) -> None:
    turns = [replied(0, said(), B.takes_ownership), replied(1, said(), B.acknowledges_feelings)]
    card, _ = play(make_persona(), rubrics, turns)
    assert not any(f.trigger.startswith("missing:") for f in card.rubrics["calm"].findings)


def test_a_call_with_no_reply_has_no_missing_findings(rubrics: list[Rubric]) -> None:
    card, shown = play(make_persona(), rubrics, [closing(0, said(LineKind.opening))], Outcome.abandoned)
    assert shown == []
    assert all(not s.findings for s in card.rubrics.values())


@pytest.mark.parametrize(
    ("start", "points", "expected"),
    [(90, 20, 100), (10, -20, 0), (50, 20, 100), (50, -20, 0)],
)
def test_score_clamps_to_0_100(start: int, points: int, expected: int) -> None:
    effects = [{"behaviour": "takes_ownership", "points": points, "max_times": 3, "feedback": "x"}]
    turns = [replied(i, said(), B.takes_ownership) for i in range(3)]
    card, _ = play(make_persona(), [rubric("r", start=start, effects=effects)], turns, Outcome.satisfied)
    assert card.rubrics["r"].score == expected
    assert card.overall == expected


@pytest.mark.parametrize("outcome", [o for o in Outcome if o not in FIXED_OUTCOMES])
def test_an_unfixed_problem_caps_the_overall_score_and_keeps_the_average(outcome: Outcome) -> None:
    card, _ = play(make_persona(), [rubric("r", start=90)], PLAIN_CALL, outcome)
    assert card.rubrics["r"].score == 90  # the rubric itself is not touched
    assert (card.overall, card.uncapped) == (60, 90)
    low, _ = play(make_persona(), [rubric("r", start=40)], PLAIN_CALL, outcome)
    assert (low.overall, low.uncapped) == (40, None)  # under the cap nothing changes


def test_a_fix_carried_out_is_not_capped_even_if_the_customer_left_upset() -> None:
    card, _ = play(make_persona(), [rubric("r", start=90)], PLAIN_CALL, Outcome.fixed_unhappy)
    assert card.fixed and (card.overall, card.uncapped) == (90, None)
    assert not [m for m in card.missed if m.what == "step"]


def test_the_scorecard_lists_the_steps_never_carried_out_with_a_line_to_try() -> None:
    persona = make_persona()
    card, _ = play(persona, [rubric("r", start=90)], PLAIN_CALL, Outcome.script_ended)
    steps = [m for m in card.missed if m.what == "step"]
    assert [m.about for m in steps] == [s.do for s in persona.problem.fix_steps]
    assert all(m.better for m in steps)


# -- hard call ------------------------------------------------------------------------------

GOOD = [
    replied(0, said(LineKind.opening, anger=75), B.acknowledges_feelings, B.acknowledges_urgency, B.takes_ownership),
    closing(1, said(LineKind.satisfied, anger=30)),
]


def test_a_good_calm_call_is_not_hard(rubrics: list[Rubric]) -> None:
    card, _ = play(make_persona(), rubrics, GOOD, Outcome.satisfied)
    assert card.overall >= 50
    assert card.hard_call is False


def test_a_personal_attack_makes_a_hard_call(rubrics: list[Rubric]) -> None:
    turns = [
        GOOD[0],
        replied(1, said(LineKind.personal_attack, anger=80, swore=True, attacked=True), B.sets_boundary),
        closing(2, said(LineKind.after_boundary, anger=60)),
    ]
    card, _ = play(make_persona(), rubrics, turns)
    assert card.overall >= 50
    assert card.hard_call is True


def test_a_customer_hang_up_makes_a_hard_call(rubrics: list[Rubric]) -> None:
    card, _ = play(make_persona(), rubrics, GOOD, Outcome.customer_hung_up)
    assert card.overall >= 50
    assert card.hard_call is True


def test_a_low_score_makes_a_hard_call(rubrics: list[Rubric]) -> None:
    turns = [replied(0, said(anger=70), B.counter_aggression, B.dismisses), closing(1, said(anger=80))]
    card, _ = play(make_persona(), rubrics, turns)
    assert card.overall < 50
    assert card.hard_call is True


# -- turn-by-turn feedback ------------------------------------------------------------------


def test_grade_turn_shows_only_rubrics_that_apply_so_far(rubrics: list[Rubric]) -> None:
    turns = [
        replied(0, said(LineKind.opening), B.counter_aggression, B.offers_transfer, B.dismisses),
        replied(1, said(LineKind.swearing, swore=True), B.counter_aggression),
        replied(2, said(LineKind.asks_manager, asked_transfer=True), B.takes_ownership),
    ]
    _, shown = play(make_persona(), rubrics, turns)
    first, second, third = ({f.rubric for f in found} for found in shown)
    # Turn 0: boundaries, transfers and care all have effects for these behaviours, but none applies yet.
    assert first == {"calm", "urgency"}
    assert "boundaries" in second
    assert "transfers" not in second
    assert "transfers" in third
    assert "care" not in first | second | third
    assert all(f.turn == i for i, found in enumerate(shown) for f in found)


def test_grade_turn_findings_carry_the_rubric_text(catalog, rubrics: list[Rubric]) -> None:
    turns = [replied(0, said(), B.dismisses)]
    _, [found] = play(make_persona(), rubrics, turns)
    calm = next(f for f in found if f.rubric == "calm")
    effect = _effect(catalog.rubrics["calm"], "dismisses")
    assert (calm.turn, calm.trigger, calm.points) == (0, "dismisses", effect.points)
    assert (calm.feedback, calm.quote, calm.tip) == (effect.feedback, effect.quote, effect.tip)
    assert calm.evidence == "dismisses at 0"


def test_a_hidden_finding_does_not_use_up_the_feedback_once_the_rubric_applies(rubrics: list[Rubric]) -> None:
    turns = [
        replied(0, said(LineKind.opening), B.offers_transfer),  # transfers does not apply yet
        replied(1, said(LineKind.asks_manager, asked_transfer=True), B.offers_transfer),
    ]
    _, shown = play(make_persona(archetype="transfer_demanding"), rubrics, turns)
    assert not any(f.rubric == "transfers" for f in shown[0])
    assert any(f.rubric == "transfers" and f.trigger == "offers_transfer" and f.points < 0 for f in shown[1])


# -- how the fix was given (resolution and learning style read Turn.walk) ---------------------
SHIPPED_RUBRICS = {p.stem: load_rubric(p) for p in (PROJECT_ROOT / "rubrics").glob("*.yaml")}


def walked(index: int, walk: StepWalk, *behaviours: B, reply: str = "") -> Turn:
    turn = replied(index, said(), *behaviours)
    return turn.model_copy(update={"walk": walk, "reply": reply or turn.reply})


def _triggers(persona: Persona, turns: list[Turn], rubric: str) -> dict[str, int]:
    card, _ = play(persona, [SHIPPED_RUBRICS[rubric]], [*turns, closing(len(turns))])
    return {f.trigger: f.points for f in card.rubrics[rubric].findings}


def test_the_resolution_rubric_counts_steps_done_steps_wasted_and_the_fix() -> None:
    turns = [
        walked(0, StepWalk(given=[1], stuck=Stuck.out_of_order)),
        walked(1, StepWalk(given=[0], done=[0])),
        walked(2, StepWalk(given=[1, 2], done=[1, 2], fixed=True)),
    ]
    found = _triggers(make_persona(), turns, "resolution")
    assert found["step_not_followed"] < 0 < found["step_followed"] and found["problem_fixed"] > 0
    unfixed = _triggers(make_persona(), turns[:2], "resolution")
    assert "problem_fixed" not in unfixed


def test_a_step_by_step_customer_rewards_one_checked_step_and_not_a_list() -> None:
    persona = make_persona(learning_style="step_by_step")
    one = [walked(0, StepWalk(given=[0], done=[0]), reply="Open the board. Tell me when you're there.")]
    assert _triggers(persona, one, "learning_style")["one_step_checked"] > 0
    many = [walked(0, StepWalk(given=[0, 1], stuck=Stuck.too_many))]
    found = _triggers(persona, many, "learning_style")
    assert found["steps_all_at_once"] < 0 and "one_step_checked" not in found


def test_a_visual_customer_wants_the_screen_share_before_the_steps() -> None:
    persona = make_persona(learning_style="visual")
    blind = [walked(0, StepWalk(given=[0], done=[0]))]
    assert _triggers(persona, blind, "learning_style")["steps_before_screen_share"] < 0
    shared = [walked(0, StepWalk(), B.offers_screen_share), walked(1, StepWalk(given=[0], done=[0]))]
    found = _triggers(persona, shared, "learning_style")
    assert found["steps_with_screen_share"] > 0 and "steps_before_screen_share" not in found


def test_a_self_explainer_explains_before_the_trainee_steers() -> None:
    persona = make_persona(learning_style="self_explainer")
    steered = [walked(0, StepWalk(given=[0], done=[0]))]
    assert _triggers(persona, steered, "learning_style")["steps_before_they_explain"] < 0
    listened = [walked(0, StepWalk(), B.asks_what_they_see), walked(1, StepWalk(given=[0], done=[0]))]
    assert "steps_before_they_explain" not in _triggers(persona, listened, "learning_style")


def test_a_vague_customer_is_grounded_before_the_steps() -> None:
    persona = make_persona(learning_style="vague")
    early = [walked(0, StepWalk(given=[0], stuck=Stuck.not_grounded))]
    assert _triggers(persona, early, "learning_style")["steps_before_grounding"] < 0


def test_a_phrase_bank_recitation_is_a_recital_even_when_the_detector_finds_two_behaviours() -> None:
    from trainer.scoring.recital import recites_phrase_bank

    recital = (
        "I hear you I understand I'm sorry that's not okay you did nothing wrong I'm on it right now "
        "I'll email you let me explain why"
    )
    assert recites_phrase_bank(recital)
    # the same phrases around a real answer about the customer's problem are not a recital
    assert not recites_phrase_bank(
        "I'm sorry, I understand. You did nothing wrong: since the password change Outlook needs to be "
        "reconnected. I'm on it. Open Settings, then Integrations, then Calendar, and tell me what the "
        "yellow banner says."
    )
    assert not recites_phrase_bank("I hear you. I'm so sorry, that must be frustrating.")


def test_reciting_the_phrase_bank_three_times_scores_at_most_40_for_every_persona(catalog) -> None:
    from trainer.call import Call

    recital = (
        "I hear you I understand I'm sorry that's not okay you did nothing wrong I'm on it right now "
        "I'll email you let me explain why"
    )
    for persona in catalog.personas.values():
        call = Call(persona, list(catalog.rubrics.values()))
        call.open()
        for _ in range(3):
            if not call.ended:
                call.reply(recital)
        card = call.finish()
        assert card.overall is not None and card.overall <= 40, (persona.id, card.overall)


def test_findings_count_the_trainees_replies_from_one_and_outcomes_read_as_words() -> None:
    """Walkthrough: scorecards numbered turns from 0; tables showed `script_ended`."""
    from trainer.scoring.outcome import outcome_label

    assert Finding(rubric="calm", turn=0, trigger="x", points=5, feedback="f").where == "reply 1"
    assert Finding(rubric="calm", turn=None, trigger="x", points=5, feedback="f").where == "whole call"
    assert outcome_label(Outcome.script_ended) == "ended before the fix"
    assert all("_" not in outcome_label(o) for o in Outcome)
