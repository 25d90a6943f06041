"""Which of the persona's facts a trainee's question asks for, by meaning, not shared words.

"How long has this been going on?" asks for "when it started" without one of its keywords.
Each fact is read several ways (its topic, its keywords, the example questions the persona
file gives for it, its answer) by the sentence encoder (`trainer.meaning`); a question asks
for the fact it is closest to, if that is close enough.
The bars were chosen on `tests/data/fact_questions_tune*.jsonl` and `fact_questions_test.jsonl`
(looked at while tuning, so it is a tuning set now) and are reported on a set written apart by
someone who saw neither those sets nor the persona files' own `asks`
(`trainer eval facts tests/data/fact_questions_heldout.jsonl`).
"""

import re

import numpy as np
from pydantic import BaseModel, ConfigDict

from trainer.formats.persona import Fact
from trainer.meaning import ReadingGroups, embedded, sentence_encoder

# Chosen together on the two tuning sets (`tests/data/fact_questions_tune*.jsonl`, 199 questions):
# the cosine similarity from which a question asks for a fact; how far ahead of the next fact it
# must be (a near tie is a question the customer cannot place); and how close a question about
# something no caller of ours knows (below) may come before it wins over the facts.
FACT_BAR = 0.45
FACT_MARGIN = 0.06
CLEAR_MATCH = 0.8  # this close to a fact, a near tie with another does not matter
UNKNOWN_SLACK = 0.025
# What support agents ask that a customer's facts never cover: their setup in general, their
# account and identity, routine troubleshooting. A persona whose facts do answer one of these
# wins by being closer (its own `asks` name its own things); otherwise the customer does not know.
UNANSWERABLE = (
    "Which web browser are you using?",
    "What operating system is your computer on, Windows or Mac?",
    "Are you on the phone app or on a computer?",
    "Which version of the app do you have?",
    "How is your internet connection?",
    "What's your account number?",
    "What is your email address?",
    "Can I get a phone number to reach you on?",
    "Could you spell your full name for me?",
    "What's your job title?",
    "What is your role in the company?",
    "How many people work at your company?",
    "Which plan or subscription are you on?",
    "How much are you paying per month?",
    "What's your customer ID or reference number?",
    "Have you tried restarting your computer?",
    "Have you tried clearing your browser cache?",
    "Did you try reinstalling the app?",
    "What's the address of your website?",
    "Who is your website hosting provider?",
    "What's the name of the other software you use?",
    "What's your colleague's email address?",
    "How many users do you have on your account?",
    "What time zone are you in?",
    "What's your date of birth?",
    "Which country are you calling from?",
    "What's the weather like where you are?",
    "Do you have a ticket number?",
)
# "Could you refresh the page?" asks the customer to do something, not to tell something:
# it gets no answer and no "I don't know". Asking them to tell, read or check is a question.
_REQUEST = re.compile(
    r"^\W*(?:(?:um|uh|so|okay|ok|and|well|right|now)\W+){0,3}(?:could|can|would|will)\s+you\s+(?:please\s+)?"
    r"(?!tell|read|describe|say|check|see|look|let me know|confirm|remember|recall|explain|mind|give me)",
    re.I,
)


# "Tell me when you're there" asks to hear back after doing something: a check-in, not a question.
_CHECK_IN = re.compile(r"^\W*(?:(?:ok|okay|so|and|now)\W+)?(?:tell me|let me know)\s+(?:when|once)\s+you", re.I)
_SENTENCE = re.compile(r"[^.!?]+[.!?]*")
_ASKS = re.compile(
    r"^\W*(?:(?:um|uh|so|okay|ok|and|well|right|alright|now)\W+){0,3}"
    r"(?:what|whats|when|which|who|how|where|why|can you|could you|would you|did you|do you|have you"
    r"|can i|could i|may i|is it|is there|are you|tell me|any(?!\s+(?:time|way|how)\b))\b",
    re.I,
)


def is_request(question: str) -> bool:
    return bool(_REQUEST.search(question) or _CHECK_IN.search(question))


# Spoken replies come without "?": a question is also a question word followed by the verb
# ("roughly when did the deals vanish", "what calendar app does your team use"), but not an
# embedded one ("I know what you mean", "a person who will tell you"), or a yes/no question,
# each at the start, after a pause word or after a comma ("ok so is it only you or the whole team").
_AUX = r"(?:did|do|does|is|are|was|were|has|have|had|can|could|would|will|should)"
_OPENS = r"(?:^|[,;:]|\b(?:and|so|but|ok|okay|uh|um|also|just|now|right|roughly|then|exactly|actually|honestly)\b)\s*"
_WH_QUESTION = re.compile(
    rf"{_OPENS}(?:what|whats|when|which|who|whose|where|why|how(?:\s+(?:long|many|much|often|come))?)\s+"
    rf"(?:(?!(?:i|you|he|she|it|we|they|that|this|these|those|there)\b)\w+\s+){{0,3}}?{_AUX}\b"
    r"|\bsince (?:when|what)\b|\b(?:walk|talk|take) me through\b|\bthen what\W*$|\b(?:describe|tell me)\b",
    re.I,
)
_YES_NO = re.compile(
    rf"{_OPENS}{_AUX}\s+"
    r"(?:you|he|she|they|it|we|anyone|anybody|anything|someone|somebody|there|this|that|the|your|any|some|other|others|people|everyone|everybody|all)\b",
    re.I,
)


def _asks(sentence: str) -> bool:
    s = sentence.strip()
    return s.endswith("?") or bool(_ASKS.search(s) or _WH_QUESTION.search(s) or _YES_NO.search(s))


def questions_in(reply: str) -> list[str]:
    """The sentences of a reply that ask something: "...?", or a question in words (see above)."""
    return [s for s in _SENTENCE.findall(reply) if _asks(s)]


def first_question(reply: str) -> str | None:
    """The question a caller answers: the first that asks them to tell something, not to do it."""
    return next((q for q in questions_in(reply) if not is_request(q)), None)


class FactMatcher:
    """The facts of one persona, embedded once; `match` is one encoder call per question."""

    def __init__(self, facts: list[Fact]) -> None:
        self.facts = facts
        self._readings = ReadingGroups([f.readings() for f in facts])

    def scores(self, question: str) -> np.ndarray:
        """(facts,) the closest reading of each fact to the question."""
        if not self.facts:
            return np.zeros(0)
        return self._scores(sentence_encoder().embed([question])[0])

    def _scores(self, vector: np.ndarray) -> np.ndarray:
        return self._readings.closest(vector[None, :])[0]

    def match(self, question: str, bar: float = FACT_BAR) -> Fact | None:
        """The fact asked for, or None: too far from every fact, a near tie between two, or
        closer to something no customer of ours would know."""
        if not self.facts:
            return None
        vector = sentence_encoder().embed([question])[0]
        scores = self._scores(vector)
        ranked = np.sort(scores)[::-1]
        best = ranked[0]
        tied = len(ranked) > 1 and best - ranked[1] < FACT_MARGIN and best < CLEAR_MATCH
        unknown = float((embedded(UNANSWERABLE) @ vector).max())
        if best < bar or tied or best < unknown - UNKNOWN_SLACK:
            return None
        return self.facts[int(scores.argmax())]


class FactQuestion(BaseModel):
    """A row of a question set: which fact of which persona it asks for (None: no fact does)."""

    model_config = ConfigDict(extra="forbid")

    persona: str
    question: str
    topic: str | None


def question_accuracy(rows: list[FactQuestion], personas: dict, bar: float = FACT_BAR) -> tuple[int, int, list[str]]:
    """(right, total, mistakes): the fact asked for, or none when no fact answers the question."""
    matchers: dict[str, FactMatcher] = {}
    right, mistakes = 0, []
    for row in rows:
        persona = personas[row.persona]
        matcher = matchers.setdefault(persona.id, FactMatcher(persona.problem.facts))
        question = first_question(row.question)  # what the customer answers, as in a call
        found = matcher.match(question, bar) if question else None
        got = found.topic if found else None
        if got == row.topic:
            right += 1
        else:
            mistakes.append(f"{persona.id}: {row.question!r}: wanted {row.topic}, got {got}")
    return right, len(rows), mistakes
