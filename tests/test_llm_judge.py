"""The LLM judge (issue 4, item 4): the detector interface, answered by a model.

Everything runs the real `openai` client against `tests/fake_openai.py`, a local server
that answers like the OpenAI API. Its answers here come from a trivial keyword rule over
the reply in the request, so the figures `trainer eval detector --engine llm` prints are
known in advance.
"""

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_openai import FakeOpenAI, Reply, closed_port_url
from pydantic import SecretStr

from trainer.call import Call, CallOptions
from trainer.catalog import Catalog
from trainer.cli import main
from trainer.customer.llm import LlmConfig
from trainer.detector import FallbackDetector, LlmJudge, RuleDetector, detected_ids
from trainer.detector.llm_judge import GUIDELINE, JudgeUnavailable, parse_answer, system_prompt
from trainer.formats.errors import TrainerError
from trainer.playbook import Archetype, Behaviour, LearningStyle
from trainer.settings import PROJECT_ROOT

B = Behaviour
TIMEOUT = 1.0
EMPATHY = "I can hear how frustrating this is, let's fix this together."

# Deliberately naive: it finds empathy in "I don't care how frustrated you are".
KEYWORDS = {
    "frustrat": "acknowledges_feelings",
    "email": "follows_up_async",
    "transfer you": "offers_transfer",
}

ROWS = [
    ("My whole team is locked out!", "I can hear how frustrating this is.", ["acknowledges_feelings"]),
    ("How long will this take?", "I'll email you the moment it's fixed.", ["follows_up_async"]),
    ("This is the third time today!", "I don't care how frustrated you are.", ["dismisses"]),
    ("Get me your manager.", "Let me transfer you to my supervisor.", ["offers_transfer"]),
    ("It's broken again.", "Sorry, what's the account number?", []),
]


@pytest.fixture(autouse=True)
def no_endpoint_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own endpoint settings must not leak into these tests."""
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "CALLCOACH_LLM_MODEL", "CALLCOACH_LLM_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)


def answer(*found: tuple[str, str]) -> Reply:
    return Reply(json.dumps({"behaviours": [{"id": i, "evidence": e} for i, e in found]}))


def asked(body: dict[str, Any]) -> dict[str, Any]:
    """What the judge asked about: the JSON object in the last user message."""
    return json.loads(body["messages"][-1]["content"])


def keyword_judge(body: dict[str, Any]) -> Reply:
    reply = asked(body)["trainee_reply"]
    found = []
    for keyword, behaviour in KEYWORDS.items():
        at = reply.lower().find(keyword)
        if at >= 0:
            found.append((behaviour, reply[at : at + len(keyword)]))
    return answer(*found)


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(respond=keyword_judge) as server:
        yield server


def judge(url: str, timeout: float = TIMEOUT) -> LlmJudge:
    return LlmJudge(LlmConfig(base_url=url, api_key=SecretStr("test-key"), model="judge-model", timeout=timeout))


# -- the prompt ---------------------------------------------------------------------------
def test_the_prompt_carries_the_guideline_for_every_behaviour() -> None:
    prompt = system_prompt()
    assert {b for b, _, _ in GUIDELINE} == set(Behaviour)
    for behaviour in Behaviour:
        assert f"- {behaviour.value}\n" in prompt
    for rule in ("Negation cancels", "Sarcasm inverts", "Mentioned is not done", "Disfluency does not matter"):
        assert rule in prompt
    assert '"behaviours"' in prompt and "JSON" in prompt
    guideline = (PROJECT_ROOT / "corpus" / "behaviours" / "GUIDELINE.md").read_text(encoding="utf-8")
    for behaviour in Behaviour:  # the same ids as the labelling guide's tables
        assert f"| `{behaviour.value}` |" in guideline


def test_the_request_asks_for_json_about_this_reply(fake: FakeOpenAI) -> None:
    found = judge(fake.base_url).detect(
        "I can hear how frustrating this is.", "Nothing works!", Archetype.escalated, LearningStyle.visual
    )
    assert detected_ids(found) == [B.acknowledges_feelings]
    body = fake.received[-1].body
    assert body["model"] == "judge-model"
    assert body["response_format"] == {"type": "json_object"}
    assert body["temperature"] == 0
    assert not body.get("stream")
    assert fake.received[-1].authorization == "Bearer test-key"
    assert body["messages"][0]["role"] == "system" and "acknowledges_feelings" in body["messages"][0]["content"]
    assert asked(body) == {
        "archetype": "escalated",
        "learning_style": "visual",
        "customer_last_line": "Nothing works!",
        "trainee_reply": "I can hear how frustrating this is.",
    }


# -- the answer ---------------------------------------------------------------------------
def test_the_judge_returns_what_the_server_answers(fake: FakeOpenAI) -> None:
    reply = "Let's fix this together. First, click Settings in the top right."
    fake.queue(answer(("gives_step_by_step", "click Settings in the top right"), ("takes_ownership", "fix this")))
    found = judge(fake.base_url).detect(reply, "It's broken.")
    assert [(d.behaviour, d.evidence) for d in found] == [  # in reply order, as the rules give them
        (B.takes_ownership, "fix this"),
        (B.gives_step_by_step, "click Settings in the top right"),
    ]


def test_unknown_ids_are_dropped_and_fabricated_evidence_becomes_the_whole_reply(fake: FakeOpenAI) -> None:
    fake.queue(
        answer(
            ("acknowledges_feelings", '"I CAN HEAR how   frustrating"'),  # case, spacing and quotes differ
            ("be_nice", "I can hear"),
            ("takes_ownership", "I will personally fix everything tonight"),  # not in the reply
            ("acknowledges_feelings", "this is"),  # a second entry for the same id
        )
    )
    found = judge(fake.base_url).detect(EMPATHY)
    assert [(d.behaviour, d.evidence) for d in found] == [
        (B.acknowledges_feelings, "I can hear how frustrating"),  # the trainee's own words and case
        (B.takes_ownership, EMPATHY),
    ]


def test_lenient_about_form_strict_about_content() -> None:
    reply = "I'll email you the moment it's fixed."
    fenced = '```json\n{"behaviours": ["follows_up_async", {"id": "Offers Transfer"}, {"evidence": "x"}]}\n```'
    assert [(d.behaviour, d.evidence) for d in parse_answer(fenced, reply)] == [
        (B.follows_up_async, reply),
        (B.offers_transfer, reply),
    ]
    assert parse_answer('{"behaviours": [], "reasoning": "none"}', reply) == []
    for bad, message in [
        ("I think it's empathy.", "not JSON"),
        ('["follows_up_async"]', '"behaviours"'),
        ('{"labels": []}', '"behaviours"'),
        ('{"behaviours": "follows_up_async"}', "behaviours"),
    ]:
        with pytest.raises(ValueError, match=message):
            parse_answer(bad, reply)


def test_an_empty_reply_asks_nothing(fake: FakeOpenAI) -> None:
    assert judge(fake.base_url).detect("   ") == []
    assert fake.received == []


# -- faults -------------------------------------------------------------------------------
def fault(fake: FakeOpenAI, name: str) -> tuple[LlmJudge, str]:
    """A judge facing one kind of fault, and the words its error must contain."""
    if name == "malformed json":
        fake.queue(Reply("Sure! The reply shows empathy."))
        return judge(fake.base_url), "the answer is not JSON"
    if name == "wrong shape":
        fake.queue(Reply('{"labels": ["acknowledges_feelings"]}'))
        return judge(fake.base_url), '"behaviours"'
    if name == "malformed body":
        fake.queue(Reply(malformed='{"id": "chatcmpl-fake", "choi'))
        return judge(fake.base_url), "malformed response"
    if name == "http 500":
        fake.queue(*[Reply(status=500)] * 3)
        return judge(fake.base_url), "HTTP 500"
    if name == "http 400":  # e.g. a server without response_format support
        fake.queue(Reply(status=400))
        return judge(fake.base_url), "HTTP 400"
    if name == "timeout":
        fake.queue(Reply(delay=3))
        return judge(fake.base_url, timeout=0.3), "timed out after 0.3 s (CALLCOACH_LLM_TIMEOUT)"
    if name == "refused":
        return judge(closed_port_url()), "cannot connect"
    if name == "cut off":
        fake.queue(Reply('{"behaviours": [{"id": "acknowledges_fe', finish_reason="length"))
        return judge(fake.base_url), "cut off"
    raise AssertionError(name)


FAULTS = ["malformed json", "wrong shape", "malformed body", "http 500", "http 400", "timeout", "refused", "cut off"]


@pytest.mark.parametrize("name", FAULTS)
def test_a_fault_is_a_clear_error(fake: FakeOpenAI, name: str) -> None:
    detector, expected = fault(fake, name)
    started = time.monotonic()
    with pytest.raises(JudgeUnavailable) as caught:
        detector.detect(EMPATHY, "Fix it!")
    assert time.monotonic() - started < TIMEOUT + 0.6
    assert isinstance(caught.value, TrainerError)
    message = str(caught.value)
    assert expected in message
    assert "judge-model" in message and "I can hear how frustrating" in message  # which endpoint, which reply
    assert "\n" not in message and "Traceback" not in message


@pytest.mark.parametrize("name", FAULTS)
def test_the_fallback_detector_grades_with_the_rules_on_a_fault(fake: FakeOpenAI, name: str) -> None:
    primary, _ = fault(fake, name)
    told: list[str] = []
    detector = FallbackDetector(primary, RuleDetector(), notify=told.append)
    found = detector.detect(EMPATHY, "Fix it!")
    assert found == RuleDetector().detect(EMPATHY, "Fix it!")
    assert detected_ids(found) == [B.acknowledges_feelings, B.takes_ownership]
    assert detector.last_engine == "rules" and detector.fallbacks == 1
    assert len(told) == 1 and told[0].startswith("llm detector unavailable (") and "using the rules detector" in told[0]


def test_a_transient_500_is_retried_within_the_budget(fake: FakeOpenAI) -> None:
    fake.queue(Reply(status=500))
    found = judge(fake.base_url).detect("I can hear how frustrating this is.")
    assert detected_ids(found) == [B.acknowledges_feelings]
    assert len(fake.received) == 2


def test_the_fallback_uses_the_judge_when_it_answers_and_tells_only_once(fake: FakeOpenAI) -> None:
    told: list[str] = []
    detector = FallbackDetector(judge(fake.base_url), RuleDetector(), notify=told.append)
    assert detector.name == "llm/rules"
    assert detected_ids(detector.detect("I'll email you when it's back.")) == [B.follows_up_async]
    assert detector.last_engine == "llm" and not told
    fake.queue(Reply("not json"), Reply("still not json"))
    detector.detect(EMPATHY)
    detector.detect(EMPATHY)
    assert detector.fallbacks == 2 and len(told) == 1 and detector.notices == told
    assert detected_ids(detector.detect("Let me transfer you to billing.")) == [B.offers_transfer]
    assert detector.last_engine == "llm"


def test_a_call_graded_by_the_judge_goes_on_when_the_endpoint_is_gone(catalog: Catalog) -> None:
    persona = catalog.persona("escalated")
    detector = FallbackDetector(judge(closed_port_url()), RuleDetector(), notify=lambda _: None)
    call = Call(persona, list(catalog.rubrics.values()), options=CallOptions(seed=0), detector=detector)
    call.open()
    result = call.reply("I know every minute this is down costs you, I'm on it right now.")
    assert B.acknowledges_urgency in result.turn.behaviours
    assert detector.fallbacks == 1 and len(detector.notices) == 1


# -- the CLI ------------------------------------------------------------------------------
@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "small.jsonl"
    lines = [
        json.dumps({"customer": c, "reply": r, "archetype": "escalated", "learning_style": None, "behaviours": b})
        for c, r, b in ROWS
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def endpoint(fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> FakeOpenAI:
    monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
    monkeypatch.setenv("CALLCOACH_LLM_MODEL", "judge-model")
    return fake


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def figures(out: str, behaviour: str) -> list[str]:
    return next(line.split()[1:] for line in out.splitlines() if line.startswith(behaviour + " "))


def test_eval_with_the_llm_engine(capsys, endpoint: FakeOpenAI, corpus: Path, tmp_path: Path) -> None:
    out_json = tmp_path / "llm.json"
    code, out, err = run(capsys, "eval", "detector", str(corpus), "--engine", "llm", "--json", str(out_json))
    assert code == 0, err
    assert out.splitlines()[0] == f"== llm: LLM judge judge-model at {endpoint.base_url} =="
    assert len(endpoint.received) == len(ROWS)
    assert figures(out, "acknowledges_feelings") == ["0.500", "1.000", "0.667", "1"]  # the naive keyword
    assert figures(out, "dismisses") == ["0.000", "0.000", "0.000", "1"]
    assert figures(out, "follows_up_async") == ["1.000", "1.000", "1.000", "1"]
    assert "macro-F1 0.667" in out
    assert "row 3: missed dismisses; wrongly found acknowledges_feelings" in out
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert data["macro_f1"] == 0.6667 and data["behaviours"]["dismisses"]["recall"] == 0.0


def test_eval_with_both_engines_compares_them(capsys, endpoint: FakeOpenAI, corpus: Path, tmp_path: Path) -> None:
    """`both` sets the LLM judge beside the offline detector the product uses (the hybrid)."""
    out_json = tmp_path / "both.json"
    code, out, err = run(capsys, "eval", "detector", str(corpus), "--engine", "both", "--json", str(out_json))
    assert code == 0, err
    offline_at, llm_at, compare_at = (
        out.index("== hybrid: offline (patterns + n-gram model + semantic model) =="),
        out.index("== llm: LLM judge judge-model"),
        out.index("F1 by engine"),
    )
    assert offline_at < llm_at < compare_at
    assert "macro-F1 0.667" in out[llm_at:compare_at]
    comparison = out[compare_at:]
    assert comparison.splitlines()[0].split() == ["F1", "by", "engine", "hybrid", "llm", "support"]
    assert figures(comparison, "acknowledges_feelings")[1:] == ["0.667", "1"]
    assert figures(comparison, "dismisses")[1:] == ["0.000", "1"]
    assert figures(comparison, "sets_boundary") == ["-", "-", "0"]
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert set(data) == {"hybrid", "llm"} and data["llm"]["macro_f1"] == 0.6667
    assert figures(comparison, "macro-F1") == [f"{data['hybrid']['macro_f1']:.3f}", "0.667"]


def test_eval_defaults_to_the_offline_hybrid_and_asks_no_endpoint(capsys, endpoint: FakeOpenAI, corpus: Path) -> None:
    code, out, _ = run(capsys, "eval", "detector", str(corpus))
    assert code == 0 and out.startswith("behaviour ") and "macro-F1" in out
    assert endpoint.received == []


def test_eval_llm_stops_with_one_line_when_the_endpoint_fails(capsys, endpoint: FakeOpenAI, corpus: Path) -> None:
    endpoint.queue(answer(), Reply("this is not json"))
    code, out, err = run(capsys, "eval", "detector", str(corpus), "--engine", "llm")
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("trainer: error: LLM judge judge-model at ")
    assert "the answer is not JSON" in err and "I'll email you the moment" in err
    assert "macro-F1" not in out


def test_eval_llm_without_an_endpoint_says_what_to_set(capsys, corpus: Path) -> None:
    code, out, err = run(capsys, "eval", "detector", str(corpus), "--engine", "both")
    assert code == 2 and out == ""  # nothing graded before the setting is known to be missing
    assert err.startswith("trainer: error: the LLM judge needs an OpenAI-compatible endpoint: set OPENAI_BASE_URL")


def test_detect_with_the_llm_engine_adds_its_findings_and_evidence(capsys, endpoint: FakeOpenAI, corpus: Path) -> None:
    code, out, err = run(capsys, "detect", str(corpus), "--engine", "llm")
    assert code == 0, err
    rows = [json.loads(line) for line in out.strip().splitlines()]
    assert len(rows) == len(ROWS) == len(endpoint.received)
    for row in rows:
        assert set(row["evidence"]) == set(row["behaviours"])
        assert all(quote and quote in row["reply"] for quote in row["evidence"].values())
    assert any(row["behaviours"] for row in rows)
