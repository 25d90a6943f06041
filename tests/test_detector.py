"""The rule detector on the playbook's own examples and on the hard cases it promises to handle."""

from pathlib import Path

import pytest

from trainer.detector import RuleDetector, detected_ids
from trainer.evaluation import evaluate
from trainer.formats.corpus import LabelledRow, read_jsonl
from trainer.playbook import Behaviour as B
from trainer.settings import PROJECT_ROOT

DETECTOR = RuleDetector()


def found(reply: str, customer: str = "") -> set[B]:
    return set(detected_ids(DETECTOR.detect(reply, customer)))


PLAYBOOK_EXAMPLES = {
    B.acknowledges_feelings: "I can hear how frustrating this has been.",
    B.validates_competence: "You did nothing wrong, this screen trips up a lot of people.",
    B.takes_ownership: "Let's get this fixed together, I'll stay on it.",
    B.acknowledges_urgency: "I know every minute this is down costs you. I'm on it right now.",
    B.asks_what_they_see: "At the top of the page there's an address bar, what does it say?",
    B.gives_step_by_step: "First, click Settings in the top right. Tell me when you're there.",
    B.offers_screen_share: "Let's set up a screen share so you can follow along.",
    B.explains_why: "We do it this way because the import keeps your history intact.",
    B.sets_boundary: "I want to help, but I can't if you attack me personally.",
    B.offers_callback: "You can call me back when you're ready, or I can call you in an hour.",
    B.follows_up_async: "I'll email you the moment it's fixed.",
    B.explains_transfer_cost: "I can transfer you, but you'd repeat everything to someone who knows what I know.",
    B.offers_transfer: "Let me transfer you to my supervisor.",
    B.blames_customer: "You should have read the documentation.",
    B.counter_aggression: "Well maybe if you listened for once.",
    B.dismisses: "Calm down, it's not a big deal.",
    B.ends_call_prematurely: "If you keep talking like that I'm hanging up.",
}


@pytest.mark.parametrize("behaviour", list(B), ids=str)
def test_every_playbook_example_is_detected(behaviour: B) -> None:
    assert behaviour in found(PLAYBOOK_EXAMPLES[behaviour])


def test_negation_cancels_empathy() -> None:
    assert found("I don't care how upset you are.") == {B.dismisses}
    assert B.offers_transfer not in found("I won't transfer you, I'll fix it myself.")
    assert B.follows_up_async not in found("I'm not going to email you about it.")


def test_sarcastic_empathy_is_aggression() -> None:
    assert found("Oh I'm so sorry you can't read a screen.") == {B.counter_aggression}
    assert B.validates_competence not in found("Wow, you figured that out all by yourself? Impressive.")


def test_unpunctuated_speech_with_fillers_and_stutters() -> None:
    reply = "um so uh i i can hear how uh frustrating this is and and i'll i'll stay on it till it works"
    assert found(reply) >= {B.acknowledges_feelings, B.takes_ownership}
    no_apostrophes = "dont worry ill email you the moment its fixed you dont need to hold"
    assert B.follows_up_async in found(no_apostrophes)


def test_non_native_english() -> None:
    assert B.acknowledges_feelings in found("I am understanding you are very angry, is frustrating situation.")
    assert B.follows_up_async in found("I will be sending you the mail when is fixed, you don't need to wait.")


def test_several_behaviours_in_one_reply() -> None:
    reply = (
        "I'm happy to transfer you, but you will have to tell your story once more, "
        "to a person who will tell you the same things I do."
    )
    assert found(reply) == {B.offers_transfer, B.explains_transfer_cost}


def test_callback_with_an_end_is_not_a_premature_hang_up() -> None:
    reply = "You can call me back when you're ready, or I can call you later, but I have to end the call now."
    assert found(reply) == {B.offers_callback}


def test_neutral_questions_show_nothing() -> None:
    assert found("What's the email address on the account?") == set()
    assert found("Sorry, which plan are you on?") == set()


def test_agreeing_to_a_demand_for_a_manager_is_a_transfer() -> None:
    assert B.offers_transfer in found("Sure, one moment please.", customer="Get me your manager. Now.")
    assert B.offers_transfer not in found("Sure, one moment please.", customer="Can you check the import?")


def test_evidence_quotes_the_trainees_own_words() -> None:
    reply = "Um, I TOTALLY understand why you're furious. First, click Settings."
    evidence = {d.behaviour: d.evidence for d in DETECTOR.detect(reply)}
    assert evidence[B.acknowledges_feelings] in reply
    assert "furious" in evidence[B.acknowledges_feelings]
    assert evidence[B.gives_step_by_step] in reply


def test_empty_and_huge_replies() -> None:
    assert found("") == set()
    assert found("   ...  ") == set()
    assert isinstance(found("I can hear how frustrating this is. " * 2000), set)


def test_held_out_part_stays_above_its_measured_level() -> None:
    """The test part was written apart from the training parts and never used for tuning.

    The floor sits a little below the figure measured when it was set (macro-F1 0.80), so
    a change that makes the detector worse on unseen replies fails here.
    """
    rows = list(read_jsonl(PROJECT_ROOT / "corpus" / "behaviours" / "test.jsonl", LabelledRow))
    assert len(rows) >= 500
    assert evaluate(DETECTOR, rows).macro_f1 >= 0.78


def test_training_parts_are_separate_files(tmp_path: Path) -> None:
    folder = PROJECT_ROOT / "corpus" / "behaviours"
    train = {r.reply for f in folder.glob("train_*.jsonl") for r in read_jsonl(f, LabelledRow)}
    test = {r.reply for r in read_jsonl(folder / "test.jsonl", LabelledRow)}
    assert len(train) >= 1000
    assert not train & test


def test_the_hybrid_detector_meets_the_bar_on_the_held_out_part() -> None:
    """The n-gram layer was chosen and tuned by cross-validation on the training parts only;
    the bar is the product's: macro-F1 0.90, no behaviour under 0.75."""
    from trainer.detector import offline_detector

    rows = list(read_jsonl(PROJECT_ROOT / "corpus" / "behaviours" / "test.jsonl", LabelledRow))
    hybrid = evaluate(offline_detector("hybrid"), rows)
    assert hybrid.macro_f1 >= 0.92  # measured 0.936 when set (0.912 before the semantic layer)
    assert hybrid.macro_f1 > evaluate(DETECTOR, rows).macro_f1 + 0.05
    assert min(c.f1 for c in hybrid.counts.values()) >= 0.77  # weakest: blames_customer, 0.792


def test_raw_speech_to_text_costs_the_hybrid_under_three_points(tmp_path: Path) -> None:
    """The held-out part lowercased, unpunctuated and with fillers (scripts/degrade_corpus.py)."""
    import subprocess
    import sys

    from trainer.detector import offline_detector

    test = PROJECT_ROOT / "corpus" / "behaviours" / "test.jsonl"
    degraded = tmp_path / "degraded.jsonl"
    script = PROJECT_ROOT / "scripts" / "degrade_corpus.py"
    subprocess.run([sys.executable, str(script), str(test), str(degraded)], check=True, capture_output=True)
    rows, raw = list(read_jsonl(test, LabelledRow)), list(read_jsonl(degraded, LabelledRow))
    assert len(raw) == len(rows) and raw[0].reply != rows[0].reply
    detector = offline_detector("hybrid")
    assert evaluate(detector, rows).macro_f1 - evaluate(detector, raw).macro_f1 < 0.03  # measured 0.015


def test_the_hybrid_quotes_the_trainee_even_for_what_only_the_model_found() -> None:
    from trainer.detector import offline_detector

    reply = (
        "Honestly the way the import wizard is laid out confuses everybody, so don't feel bad. "
        "What does your screen show?"
    )
    for detection in offline_detector("hybrid").detect(reply):
        assert detection.evidence and detection.evidence in reply


def test_without_training_data_the_rules_grade_alone(monkeypatch, capsys) -> None:
    """An install without the corpus still grades every reply, and says why it cannot train."""
    from trainer.cli import main
    from trainer.detector import learned
    from trainer.detector.hybrid import HybridDetector

    monkeypatch.setattr(learned, "training_files", lambda folder=None: [])
    reply = "I can hear how frustrating this is. Let me transfer you to my supervisor."
    alone = HybridDetector(use_semantic=False).detect(reply)
    assert sorted((d.behaviour, d.evidence) for d in alone) == sorted(
        (d.behaviour, d.evidence) for d in DETECTOR.detect(reply)
    )
    assert main(["train", "detector"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no training data for the behaviour model" in err


def test_the_semantic_layer_earns_its_place_on_the_held_out_part() -> None:
    """The blend with the fine-tuned encoder beats rules + n-grams alone on replies it never saw."""
    from trainer.detector.hybrid import HybridDetector

    rows = list(read_jsonl(PROJECT_ROOT / "corpus" / "behaviours" / "test.jsonl", LabelledRow))
    full = evaluate(HybridDetector(), rows)
    without = evaluate(HybridDetector(use_semantic=False), rows)
    assert full.macro_f1 >= without.macro_f1 + 0.01  # measured 0.936 against 0.91 when set
    assert full.calibration is not None and full.calibration.ece < 0.08  # measured 0.043


def test_every_detection_says_how_sure_it_is() -> None:
    from trainer.detector import offline_detector

    reply = "I'm so sorry, that sounds awful. Calm down though, it's really not a big deal."
    found = offline_detector().detect(reply, "You deleted my whole pipeline!")
    assert found and all(d.probability is not None and 0.0 <= d.probability <= 1.0 for d in found)
    bars = offline_detector().blend
    assert all(d.probability >= bars.bar_for(d.behaviour) for d in found)


def test_a_weak_fault_is_not_held_against_the_trainee() -> None:
    """Below the confidence bar a fault is dropped; a borderline good behaviour is credited unquoted."""
    from trainer.detector.confidence import FAULT_CONFIDENCE, QUOTE_CONFIDENCE, counted
    from trainer.formats.call import Detection

    weak_fault = Detection(behaviour=B.blames_customer, evidence="you clicked", probability=FAULT_CONFIDENCE - 0.01)
    sure_fault = Detection(behaviour=B.dismisses, evidence="calm down", probability=FAULT_CONFIDENCE)
    weak_good = Detection(behaviour=B.takes_ownership, evidence="on it", probability=QUOTE_CONFIDENCE - 0.01)
    sure_good = Detection(behaviour=B.acknowledges_feelings, evidence="so sorry", probability=0.99)
    judged = Detection(behaviour=B.counter_aggression, evidence="as I said", probability=None)  # the LLM judge
    kept = counted([weak_fault, sure_fault, weak_good, sure_good, judged])
    assert [(d.behaviour, d.evidence) for d in kept] == [
        (B.dismisses, "calm down"),
        (B.takes_ownership, ""),
        (B.acknowledges_feelings, "so sorry"),
        (B.counter_aggression, "as I said"),
    ]


def test_eval_prints_calibration_and_how_often_shown_faults_are_right(capsys) -> None:
    from trainer.cli import main

    assert (
        main(["eval", "detector", str(PROJECT_ROOT / "corpus" / "behaviours" / "test.jsonl"), "--mistakes", "0"]) == 0
    )
    out = capsys.readouterr().out
    assert "expected calibration error 0.0" in out
    shown = next(line for line in out.splitlines() if line.startswith("faults shown to the trainee"))
    precision = float(shown.split("precision ")[1].split()[0])
    assert precision >= 0.95  # measured 0.974 when set


def test_detect_prints_each_probability_and_what_is_shown(tmp_path: Path, capsys) -> None:
    import json

    from trainer.cli import main

    rows = tmp_path / "replies.jsonl"
    rows.write_text(json.dumps({"customer": "Nothing works!", "reply": "Calm down, it's not a big deal."}) + "\n")
    assert main(["detect", str(rows)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["behaviours"] == ["dismisses"] and out["shown"] == ["dismisses"]
    assert 0.85 <= out["probability"]["dismisses"] <= 1.0


@pytest.mark.parametrize(
    ("reply", "blames"),
    [
        ("you should see a saved filter called closed archived, remove it", False),  # walkthrough
        ("you should now see a button called Reconnect", False),
        ("you should have read the documentation", True),
        ("you should have saved it first", True),
    ],
)
def test_telling_the_customer_what_they_will_see_is_no_blame(reply: str, blames: bool) -> None:
    assert (B.blames_customer in found(reply)) is blames
