"""The scripted customer as a state machine: driven with behaviour ids, never with the detector.

Personas are built here from `personas/escalated.yaml` with the fields a test is about
replaced, so the tests do not depend on the tuning numbers of the shipped personas.
"""

import copy
import itertools
from typing import Any

import pytest
import yaml

from trainer.customer import LinePicker, ScriptedCustomer
from trainer.formats.call import Outcome, StepWalk
from trainer.formats.persona import LineKind, Persona
from trainer.playbook import Behaviour as B
from trainer.settings import PROJECT_ROOT

ESCALATED: dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "personas" / "escalated.yaml").read_text())

# Small, round reactions so every expected anger is easy to read off.
REACTIONS: dict[str, int] = {
    B.acknowledges_feelings: -5,
    B.takes_ownership: -10,
    B.acknowledges_urgency: -10,
    B.explains_transfer_cost: -5,
    B.sets_boundary: -15,
    B.offers_callback: -20,
    B.offers_transfer: 10,
    B.dismisses: 7,
    B.counter_aggression: 15,
    B.blames_customer: 20,
}

MANAGER_LINES = {
    "asks_manager": ["Get me your manager.", "I want a supervisor.", "Who is above you?"],
    "insists_transfer": ["I heard you. I still want your manager.", "Transfer me anyway."],
    "agrees_to_stay": ["Fine, I'll stay with you.", "Okay, let's do it with you."],
}

CURSING_LINES = {
    "swearing": ["What the hell is this?", "Fix your damn software!", "This is crap!"],
    "personal_attack": ["Are you an idiot?", "You're useless.", "Do they hire anyone with a brain?"],
    "after_boundary": ["Fine. Sorry.", "Okay, that was out of line."],
    "pulls_together": ["No, wait, I'll calm down.", "Sorry, let's keep going."],
}


# The reply that gets the customer through every fix step of escalated.yaml.
ALL_STEPS = StepWalk(given=[0, 1, 2], done=[0, 1, 2])


def make_persona(
    *,
    mood: dict[str, Any] | None = None,
    lines: dict[str, Any] | None = None,
    problem: dict[str, Any] | None = None,
    reactions: dict[str, int] | None = None,
    drop_lines: tuple[str, ...] = (),
    **fields: Any,
) -> Persona:
    """escalated.yaml with the given fields replaced (and validated like a file would be).

    The file's facts are dropped unless given, so no reply gets a fact answer appended by
    accident; the fact tests give their own.
    """
    data = copy.deepcopy(ESCALATED)
    data["problem"]["facts"] = []
    data.update(fields)
    data["mood"]["reactions"] = {str(k): v for k, v in (REACTIONS if reactions is None else reactions).items()}
    data["mood"].update(mood or {})
    data["lines"].update(lines or {})
    for kind in drop_lines:
        data["lines"].pop(kind, None)
    data["problem"].update(problem or {})
    return Persona.model_validate(data)


def cursing_persona(**mood: Any) -> Persona:
    settings = {
        "start_anger": 75,
        "swears_at": 70,
        "attacks_at": 90,
        "swears_in_opening": True,
        "satisfied_at": 20,
        "wants_to_hold": False,
        "patience": 30,
    }
    return make_persona(archetype="cursing", mood={**settings, **mood}, lines=CURSING_LINES)


def transfer_persona(**mood: Any) -> Persona:
    settings = {"start_anger": 60, "asks_manager_in_opening": True, "wants_to_hold": False, "patience": 30}
    return make_persona(archetype="transfer_demanding", mood={**settings, **mood}, lines=MANAGER_LINES)


def variants(persona: Persona, kind: LineKind) -> list[str]:
    return persona.lines.variants(kind)


# -- lines: seeded, no repeats ------------------------------------------------------------


def _play(persona: Persona, seed: int, script: list[set[B]]) -> list[str]:
    customer = ScriptedCustomer(persona, seed=seed)
    texts = [customer.open().text]
    for behaviours in script:
        texts.append(customer.react(behaviours, "okay").text)
    return texts


def test_same_seed_and_behaviours_give_identical_lines() -> None:
    persona = make_persona(mood={"patience": 50, "start_anger": 60})
    script = [set(), {B.dismisses}, {B.acknowledges_feelings}, set(), {B.dismisses, B.takes_ownership}] * 4
    first = _play(persona, 7, script)
    assert first == _play(persona, 7, script)
    assert len(first) == len(script) + 1


def test_different_seeds_eventually_differ() -> None:
    persona = make_persona(mood={"patience": 50, "start_anger": 60})
    script = [set()] * 20  # neutral lines all the way
    reference = _play(persona, 0, script)
    assert any(_play(persona, seed, script) != reference for seed in range(1, 6))


@pytest.mark.parametrize("kind", [LineKind.neutral, LineKind.angrier, LineKind.opening])
@pytest.mark.parametrize("seed", range(10))
def test_a_line_is_not_repeated_until_every_variant_was_used(kind: LineKind, seed: int) -> None:
    persona = make_persona(
        lines={"neutral": ["n1", "n2", "n3", "n4", "n5"], "angrier": ["a1", "a2", "a3"], "opening": ["o1", "o2"]}
    )
    picker = LinePicker(persona, seed)
    pool = variants(persona, kind)
    drawn = [picker.pick(kind) for _ in range(len(pool) * 6)]
    for start in range(0, len(drawn), len(pool)):
        assert sorted(drawn[start : start + len(pool)]) == sorted(pool)  # a full deck before any repeat
    assert all(a != b for a, b in itertools.pairwise(drawn))  # not even across a reshuffle


def test_the_customer_never_says_the_same_line_twice_in_a_row() -> None:
    persona = make_persona(mood={"patience": 50, "start_anger": 60}, lines={"neutral": ["n1", "n2"]})
    for seed in range(20):
        customer = ScriptedCustomer(persona, seed=seed)
        customer.open()
        said = [customer.react(set(), "okay").text for _ in range(12)]
        assert all(a != b for a, b in itertools.pairwise(said)), (seed, said)


# -- anger ------------------------------------------------------------------------------------


def test_anger_moves_by_the_personas_reactions() -> None:
    customer = ScriptedCustomer(make_persona(mood={"start_anger": 60, "patience": 30}))
    assert customer.open().anger == 60
    line = customer.react({B.dismisses}, "Calm down.")
    assert (line.anger, line.kind) == (67, LineKind.angrier)
    line = customer.react({B.takes_ownership, B.acknowledges_feelings}, "I'll fix it.")
    assert (line.anger, line.kind) == (52, LineKind.calmer)
    line = customer.react({B.gives_step_by_step}, "Click Settings.")  # no reaction in the file: no change
    assert (line.anger, line.kind) == (52, LineKind.neutral)
    assert customer.state.anger == 52


def test_anger_clamps_at_zero() -> None:
    persona = make_persona(mood={"start_anger": 10}, reactions={B.takes_ownership: -100})
    customer = ScriptedCustomer(persona)
    customer.open()
    assert customer.react({B.takes_ownership}, "I'm on it.").anger == 0
    assert customer.state.anger == 0


def test_anger_clamps_at_a_hundred() -> None:
    persona = make_persona(mood={"start_anger": 90, "hang_up_at": 100}, reactions={B.blames_customer: 100})
    customer = ScriptedCustomer(persona)
    customer.open()
    line = customer.react({B.blames_customer}, "Your fault.")
    assert line.anger == 100
    assert customer.state.anger == 100


# -- how the call ends ------------------------------------------------------------------------


def test_hangs_up_when_anger_reaches_hang_up_at() -> None:
    customer = ScriptedCustomer(make_persona(mood={"start_anger": 60, "hang_up_at": 80, "patience": 30}))
    customer.open()
    line = customer.react({B.counter_aggression}, "Whatever.")  # 75: not yet
    assert (line.anger, line.outcome) == (75, Outcome.in_progress)
    line = customer.react({B.dismisses}, "Calm down.")  # 82 >= 80
    assert line.kind is LineKind.hang_up
    assert line.outcome is Outcome.customer_hung_up
    assert customer.state.outcome is Outcome.customer_hung_up
    assert line.text in variants(customer.persona, LineKind.hang_up)


def test_hangs_up_exactly_at_hang_up_at() -> None:
    customer = ScriptedCustomer(make_persona(mood={"start_anger": 60, "hang_up_at": 70}))
    customer.open()
    line = customer.react({B.counter_aggression, B.acknowledges_feelings, B.acknowledges_urgency}, "x")  # 60
    assert line.outcome is Outcome.in_progress
    line = customer.react({B.counter_aggression, B.acknowledges_feelings}, "x")  # 70
    assert (line.anger, line.kind, line.outcome) == (70, LineKind.hang_up, Outcome.customer_hung_up)


def test_hangs_up_when_patience_runs_out() -> None:
    customer = ScriptedCustomer(make_persona(mood={"start_anger": 60, "patience": 3}))
    customer.open()
    for _ in range(2):
        line = customer.react(set(), "Hmm.")
        assert line.outcome is Outcome.in_progress
        assert line.kind is LineKind.neutral
    line = customer.react(set(), "Hmm.")
    assert line.anger == 60  # not angry enough to hang up, just out of patience
    assert (line.kind, line.outcome) == (LineKind.hang_up, Outcome.customer_hung_up)


def test_hangs_up_when_an_unwanted_transfer_offer_takes_anger_to_hang_up_at() -> None:
    customer = ScriptedCustomer(make_persona(mood={"start_anger": 95, "hang_up_at": 100}))
    customer.open()
    line = customer.react({B.offers_transfer}, "Let me transfer you.")
    assert line.anger == 100
    assert (line.kind, line.outcome) == (LineKind.hang_up, Outcome.customer_hung_up)


def test_solving_the_problem_on_the_last_reply_of_patience_satisfies() -> None:
    customer = ScriptedCustomer(make_persona(mood={"start_anger": 30, "satisfied_at": 35, "patience": 1}))
    customer.open()
    line = customer.react({B.acknowledges_urgency, B.takes_ownership}, "I'm on it, top priority.", steps=ALL_STEPS)
    assert (line.kind, line.outcome) == (LineKind.satisfied, Outcome.satisfied)


def test_satisfied_once_every_need_was_shown_and_anger_is_low_enough() -> None:
    persona = make_persona(mood={"start_anger": 50, "satisfied_at": 35, "patience": 30})
    assert set(persona.problem.needs) == {B.acknowledges_urgency, B.takes_ownership}
    customer = ScriptedCustomer(persona)
    customer.open()
    line = customer.react({B.acknowledges_urgency}, "I know it costs you.")  # 40, one need missing
    assert line.outcome is Outcome.in_progress
    line = customer.react({B.takes_ownership}, "I'll fix it.", steps=ALL_STEPS)  # 30, needs met across replies
    assert (line.kind, line.outcome) == (LineKind.satisfied, Outcome.satisfied)
    assert line.text in variants(persona, LineKind.satisfied)


def test_not_satisfied_with_low_anger_while_a_need_is_missing() -> None:
    persona = make_persona(mood={"start_anger": 40, "satisfied_at": 35, "patience": 30})
    customer = ScriptedCustomer(persona)
    customer.open()
    line = customer.react({B.acknowledges_urgency, B.acknowledges_feelings}, "I know, I'm sorry.")
    assert line.anger == 25 <= persona.mood.satisfied_at
    assert not customer.needs_met()
    assert line.outcome is Outcome.in_progress
    assert line.kind is not LineKind.satisfied
    line = customer.react({B.acknowledges_feelings}, "This must be awful.")
    assert line.anger == 20
    assert line.outcome is Outcome.in_progress


def test_not_satisfied_with_every_need_shown_while_still_too_angry() -> None:
    persona = make_persona(mood={"start_anger": 70, "satisfied_at": 35, "patience": 30})
    customer = ScriptedCustomer(persona)
    customer.open()
    line = customer.react({B.acknowledges_urgency, B.takes_ownership}, "I'm on it.", steps=ALL_STEPS)
    assert customer.needs_met()
    assert line.anger == 50
    assert (line.kind, line.outcome) == (LineKind.step_done, Outcome.in_progress)
    line = customer.react({B.acknowledges_urgency, B.acknowledges_feelings}, "I know.")  # 35: at the mark
    assert (line.kind, line.outcome) == (LineKind.satisfied, Outcome.satisfied)


def test_ending_the_call_prematurely_is_the_trainee_hanging_up() -> None:
    customer = ScriptedCustomer(make_persona())
    customer.open()
    line = customer.react({B.ends_call_prematurely, B.acknowledges_urgency}, "I'm hanging up.")
    assert (line.kind, line.outcome) == (LineKind.agent_hung_up, Outcome.trainee_ended)
    assert line.text in variants(customer.persona, LineKind.agent_hung_up)


@pytest.mark.parametrize(
    ("behaviour", "outcome"),
    [(B.ends_call_prematurely, Outcome.trainee_ended), (B.offers_transfer, Outcome.transferred)],
)
def test_a_persona_without_the_optional_closing_lines_still_ends_the_call(behaviour: B, outcome: Outcome) -> None:
    persona = make_persona(mood={"asks_manager_in_opening": True}, drop_lines=("agent_hung_up", "transferred"))
    customer = ScriptedCustomer(persona)
    customer.open()
    line = customer.react({behaviour}, "Bye.")
    assert line.outcome is outcome
    assert line.text


# -- transfers --------------------------------------------------------------------------------


def test_offering_a_transfer_the_customer_asked_for_transfers_the_call() -> None:
    customer = ScriptedCustomer(transfer_persona())
    assert customer.open().asked_transfer
    line = customer.react({B.offers_transfer}, "Let me put you through.")
    assert (line.kind, line.outcome) == (LineKind.transferred, Outcome.transferred)


def test_offering_a_transfer_nobody_asked_for_is_refused_and_angers() -> None:
    persona = make_persona(mood={"start_anger": 60})
    customer = ScriptedCustomer(persona)
    assert not customer.open().asked_transfer
    line = customer.react({B.offers_transfer}, "Let me get my supervisor.")
    assert line.kind is LineKind.refuses_transfer
    assert line.outcome is Outcome.in_progress
    assert line.anger == 70 > persona.mood.start_anger


def test_asking_for_a_manager_at_demands_manager_at_then_transfer() -> None:
    customer = ScriptedCustomer(transfer_persona(asks_manager_in_opening=False, start_anger=50, demands_manager_at=55))
    assert not customer.open().asked_transfer
    line = customer.react({B.dismisses}, "Calm down.")  # 57 >= 55
    assert (line.kind, line.asked_transfer) == (LineKind.asks_manager, True)
    assert customer.react({B.offers_transfer}, "Okay, transferring.").outcome is Outcome.transferred


def test_transfer_demanding_customer_stays_once_the_cost_is_explained() -> None:
    persona = transfer_persona()
    customer = ScriptedCustomer(persona)
    opening = customer.open()
    assert (opening.kind, opening.asked_transfer) == (LineKind.opening, True)
    line = customer.react({B.explains_transfer_cost}, "You'd tell it all again to someone who knows what I know.")
    assert line.kind is LineKind.agrees_to_stay
    assert line.text in variants(persona, LineKind.agrees_to_stay)
    assert not line.asked_transfer
    assert line.outcome is Outcome.in_progress
    assert not customer.state.wants_transfer


def test_insisting_customer_insists_once_then_agrees() -> None:
    customer = ScriptedCustomer(transfer_persona(insists_on_transfer=True))
    customer.open()
    cost = {B.explains_transfer_cost}
    line = customer.react(cost, "A transfer means starting over.")
    assert (line.kind, line.asked_transfer) == (LineKind.insists_transfer, True)
    line = customer.react(cost, "Again: they know what I know.")
    assert (line.kind, line.asked_transfer) == (LineKind.agrees_to_stay, False)
    line = customer.react(cost, "And once more.")
    assert line.kind is not LineKind.insists_transfer


def test_insisting_customer_gets_the_transfer_when_it_is_offered() -> None:
    customer = ScriptedCustomer(transfer_persona(insists_on_transfer=True))
    customer.open()
    assert customer.react({B.explains_transfer_cost}, "...").kind is LineKind.insists_transfer
    line = customer.react({B.offers_transfer}, "Of course, I'll put you through.")
    assert (line.kind, line.outcome) == (LineKind.transferred, Outcome.transferred)


# -- cursing and boundaries -----------------------------------------------------------------


def test_an_exasperated_swear_in_the_opening_is_flagged() -> None:
    opening = ScriptedCustomer(cursing_persona()).open()
    assert (opening.kind, opening.swore, opening.attacked) == (LineKind.opening, True, False)
    assert not ScriptedCustomer(cursing_persona(swears_in_opening=False)).open().swore


def test_swears_at_swears_at_and_attacks_at_attacks_at() -> None:
    persona = cursing_persona(start_anger=62)
    customer = ScriptedCustomer(persona)
    customer.open()
    line = customer.react({B.dismisses}, "Calm down.")  # 69
    assert (line.kind, line.swore) == (LineKind.angrier, False)
    line = customer.react({B.acknowledges_feelings, B.dismisses}, "Calm down, I hear you.")  # 69 - 5 + 7
    assert line.anger == 71
    assert (line.kind, line.swore, line.attacked) == (LineKind.swearing, True, False)
    assert line.text in variants(persona, LineKind.swearing)
    line = customer.react({B.counter_aggression, B.acknowledges_feelings}, "Whatever.")  # 81
    assert (line.kind, line.swore, line.attacked) == (LineKind.swearing, True, False)
    line = customer.react({B.dismisses}, "Calm down.")  # 88
    assert line.kind is LineKind.swearing
    line = customer.react({B.acknowledges_urgency, B.counter_aggression}, "Oh please.")  # 93
    assert (line.kind, line.swore, line.attacked) == (LineKind.personal_attack, True, True)
    assert line.text in variants(persona, LineKind.personal_attack)
    assert customer.state.directed_swears == 4


def test_a_boundary_before_any_directed_swearing_does_not_calm() -> None:
    persona = cursing_persona(start_anger=50)
    customer = ScriptedCustomer(persona)
    assert customer.open().swore  # only the exasperated opening swear
    line = customer.react({B.sets_boundary}, "I can't help you if you swear at me.")
    assert line.anger >= 50
    assert line.kind is not LineKind.after_boundary
    assert not customer.state.boundary_set
    line = customer.react({B.offers_callback}, "You can call me back when you're ready.")
    assert line.anger >= 50
    assert line.kind is not LineKind.pulls_together


def test_a_boundary_after_directed_swearing_calms_then_a_callback_pulls_them_together() -> None:
    persona = cursing_persona()
    customer = ScriptedCustomer(persona)
    customer.open()
    line = customer.react(set(), "Let me look.")
    assert line.kind is LineKind.swearing
    line = customer.react({B.sets_boundary}, "I'm here to help, and swearing at me only gets in the way.")
    assert line.anger == 60 < 75
    assert line.kind is LineKind.after_boundary
    assert line.text in variants(persona, LineKind.after_boundary)
    assert not line.swore
    assert customer.state.boundary_set
    line = customer.react({B.offers_callback}, "You can call me back when you're ready, or I call you.")
    assert line.anger == 40
    assert line.kind is LineKind.pulls_together
    assert line.text in variants(persona, LineKind.pulls_together)
    assert line.outcome is Outcome.in_progress


def test_a_boundary_after_a_personal_attack_calms() -> None:
    customer = ScriptedCustomer(cursing_persona(start_anger=89))
    customer.open()
    assert customer.react({B.dismisses}, "Calm down.").attacked  # 96
    line = customer.react({B.sets_boundary}, "This is where I draw the line.")  # 81
    assert line.anger == 81
    assert line.kind is LineKind.after_boundary


def test_a_callback_offer_without_a_boundary_does_not_pull_them_together() -> None:
    customer = ScriptedCustomer(cursing_persona())
    customer.open()
    assert customer.react(set(), "Let me look.").kind is LineKind.swearing
    line = customer.react({B.offers_callback}, "I can call you back later.")
    assert line.kind is not LineKind.pulls_together
    assert not customer.state.boundary_set


# -- facts ----------------------------------------------------------------------------------

FACTS = [
    {"topic": "error", "keywords": ["error", "message"], "answer": "It says E42, whatever that means."},
    {
        "topic": "when it started",
        "keywords": ["when", "started"],
        "asks": ["When did this start?"],
        "answer": "Since the sync last night.",
    },
    {"topic": "who", "keywords": ["who", "team"], "answer": "All twelve of my reps."},
]


def _fact_customer() -> ScriptedCustomer:
    persona = make_persona(mood={"start_anger": 60, "patience": 30}, problem={"facts": FACTS})
    customer = ScriptedCustomer(persona)
    customer.open()
    return customer


def _without_answer(text: str, answer: str) -> str:
    assert text.endswith(" " + answer), text
    return text[: -len(answer) - 1]


def test_a_question_about_a_fact_gets_its_answer_and_a_repeat_gets_impatience() -> None:
    customer = _fact_customer()
    answer = FACTS[0]["answer"]
    line = customer.react(set(), "What does the ERROR say?")
    assert _without_answer(line.text, answer) in variants(customer.persona, line.kind)
    again = customer.react(set(), "And what was the error message again?")
    # "I already told you: it says E42": the answer goes on the sentence, lower-case (not a name)
    again_said = answer[0].lower() + answer[1:]
    repeats = [t.replace("{answer}", again_said) for t in customer.persona.problem.already_said]
    assert any(again.text.endswith(" " + r) for r in repeats), again.text
    assert customer.state.answered_facts == {"error"}
    other = customer.react(set(), "How long has this been going on?")  # no keyword of the fact
    assert _without_answer(other.text, FACTS[1]["answer"]) in variants(customer.persona, other.kind)


def test_a_question_no_fact_answers_gets_an_honest_dont_know() -> None:
    customer = _fact_customer()
    line = customer.react(set(), "Which browser version are you on?")
    assert any(line.text.endswith(" " + d) for d in customer.persona.problem.dont_know), line.text
    assert customer.state.answered_facts == set()


def test_no_fact_without_a_question_or_without_a_keyword() -> None:
    customer = _fact_customer()
    line = customer.react(set(), "I saw the error message.")  # a statement
    assert line.text in variants(customer.persona, line.kind)
    line = customer.react(set(), "Could you refresh the page?")  # a question, no keyword
    assert line.text in variants(customer.persona, line.kind)
    assert customer.state.answered_facts == set()


@pytest.mark.parametrize(
    "statement",
    [
        "You can call me back when you're ready, or I can call you later, but I have to end the call now.",
        "I'm happy to transfer you, but you will have to tell your story once more, to a person who will tell "
        "you the same things I do, because they know nothing I don't.",
    ],
)
def test_a_statement_with_a_conjunction_like_when_or_who_gets_no_fact(statement: str) -> None:
    customer = _fact_customer()
    line = customer.react(set(), statement)
    assert line.text in variants(customer.persona, line.kind)
    assert customer.state.answered_facts == set()


def test_questions_in_other_words_get_the_right_fact_or_an_honest_dont_know(capsys) -> None:
    """141 questions written blind (their writer saw each fact's topic and answer, nothing else;
    36 with no fact behind them), never fit on. Measured 92.2% when the chooser was fit; the
    issue's bar is 90%."""
    from trainer.cli import main

    held_out = PROJECT_ROOT / "corpus" / "questions" / "heldout.jsonl"
    assert main(["eval", "facts", str(held_out), "--mistakes", "0"]) == 0
    out = capsys.readouterr().out
    assert "questions 141 (105 with a fact, 36 without)" in out
    share = float(out.rsplit(" ", 1)[1].rstrip("%\n")) / 100
    assert share >= 0.9


def test_the_committed_fact_chooser_is_what_the_committed_questions_fit(tmp_path, capsys) -> None:
    """The chooser's weights are a file in the package: refitting them from `corpus/questions/fit`
    gives the same numbers, so nobody can tune them by hand or fit on the held-out set unseen."""
    from trainer.cli import main
    from trainer.customer.fact_chooser import WEIGHTS_FILE, ChooserWeights

    out = tmp_path / "chooser.json"
    assert main(["train", "facts", "--out", str(out)]) == 0
    refit = ChooserWeights.model_validate_json(out.read_text())
    committed = ChooserWeights.model_validate_json(WEIGHTS_FILE.read_text())
    assert refit.fit_on == committed.fit_on and "heldout.jsonl" not in refit.fit_on
    assert refit.questions == committed.questions == 746
    assert refit.coefficients == pytest.approx(committed.coefficients, abs=1e-3)
    assert refit.intercept == pytest.approx(committed.intercept, abs=1e-3)


# -- difficulty as a dial -------------------------------------------------------------------


def test_the_same_customer_plays_easier_or_harder() -> None:
    from trainer.customer.difficulty import ANGER_STEP, at_level
    from trainer.formats.persona import Difficulty

    persona = make_persona(mood={"start_anger": 60, "patience": 10})  # written at "medium"
    assert persona.difficulty is Difficulty.medium and at_level(persona, None) is persona
    easy, hard = at_level(persona, Difficulty.easy), at_level(persona, Difficulty.hard)
    assert (easy.mood.start_anger, persona.mood.start_anger, hard.mood.start_anger) == (
        60 - ANGER_STEP,
        60,
        60 + ANGER_STEP,
    )
    assert easy.mood.patience > persona.mood.patience > hard.mood.patience
    fault, good = B.dismisses, B.acknowledges_feelings
    assert easy.mood.reactions[fault] < persona.mood.reactions[fault] < hard.mood.reactions[fault]
    assert easy.mood.reactions[good] < persona.mood.reactions[good] < hard.mood.reactions[good] < 0
    assert hard.difficulty is Difficulty.hard and persona.mood.start_anger == 60  # the file is untouched


def test_a_persona_file_overrides_a_level() -> None:
    from trainer.customer.difficulty import at_level
    from trainer.formats.persona import Difficulty

    persona = make_persona(levels={"hard": {"start_anger": 95, "inflame": 2.0}})
    hard = at_level(persona, Difficulty.hard)
    assert hard.mood.start_anger == 95
    assert hard.mood.reactions[B.dismisses] == round(persona.mood.reactions[B.dismisses] * 2.0)


def test_a_broken_question_file_is_one_clear_line(tmp_path, capsys) -> None:
    from trainer.cli import main

    broken = tmp_path / "questions.jsonl"
    broken.write_text('{"persona": "cursing", "question": "when?"}\n')
    assert main(["eval", "facts", str(broken)]) == 2
    assert capsys.readouterr().err == f"trainer: error: {broken}:1: topic: Field required\n"
    broken.write_text('{"persona": "nobody", "question": "when?", "topic": null}\n')
    assert main(["eval", "facts", str(broken)]) == 2
    assert "unknown persona(s): nobody" in capsys.readouterr().err


def test_a_line_with_an_answer_is_spoken_from_cached_pieces(catalog) -> None:
    """Typed turns on a busy server must not wait for synthesis: every piece is a warmed line."""
    from trainer.call import spoken_parts, warm_lines

    marcus = catalog.persona("cursing")
    warmed = {text for text, _ in warm_lines(marcus)}
    line = marcus.lines.angrier[0]
    answer = marcus.problem.facts[0].answer
    again = marcus.problem.already_said[1].replace("{answer}", answer[0].lower() + answer[1:])
    for text in (f"{line} {answer}", f"{line} {again}", f"{line} {marcus.problem.dont_know[0]}", line):
        parts = spoken_parts(marcus, text)
        assert all(part in warmed for part in parts), parts
        assert " ".join(parts).lower() == text.lower()


@pytest.mark.parametrize(
    "spoken",
    [
        "can you give me the name of the calendar you use",
        "so talk me through what you see on the board",
        "do other people on your team have the same problem",
        "can you walk me through what you did on the import",
        "could you please tell me when it started",
        "would you be able to tell me which calendar you use",
        "I'd like to know when this started",
        "I was wondering who set the dashboard up",
        "just to check, it's only you that's affected",
        "and it started on Monday, right",
        "before you hit go on the import did it all look right",
        "and on a normal day how often would you expect a new lead",
        "while it's bouncing back do you notice anything on the card",
        "you've asked for someone higher up, what's behind that",
        "has support let you down before",
        "okay so are contacts from the web form still coming in",
    ],
)
def test_spoken_questions_without_a_question_mark_are_questions(spoken: str) -> None:
    """Speech recognition writes no "?": "give me", "talk me through", "do other people" still ask."""
    from trainer.customer.facts import first_question

    assert first_question(spoken) == spoken


@pytest.mark.parametrize(
    "spoken",
    [
        "could you please refresh the page",
        "can you just click Settings",
        "I know what you mean",
        "I need to check something",
        "I have you down as the account owner",
        "if you do you'll see a banner",
        "I see what the problem is it's the sync",
        "have a look at the settings page",
    ],
)
def test_asking_to_do_something_or_saying_something_is_no_question(spoken: str) -> None:
    from trainer.customer.facts import first_question

    assert first_question(spoken) is None
