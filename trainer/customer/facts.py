"""Which of the persona's facts a trainee's question asks for, by meaning, not shared words.

"How long has this been going on?" asks for "when it started" without one of its keywords.
Each fact is read several ways (its topic, its keywords, the example questions the persona
file gives for it, its answer) by the sentence encoder (`trainer.meaning`); a question asks
for the fact it is closest to, if that is close enough.
The bar was chosen on `tests/data/fact_questions_tune.jsonl` and is reported on a separate set
(`trainer eval facts`).
"""

import functools
import re

import numpy as np
from pydantic import BaseModel, ConfigDict

from trainer.formats.persona import Fact
from trainer.meaning import sentence_encoder

# Cosine similarity from which a question asks for a fact: 33 of the 36 tuning questions right
# at 0.4 (a margin over the second-closest fact gained nothing there).
FACT_BAR = 0.4
# "Could you refresh the page?" asks the customer to do something, not to tell something:
# it gets no answer and no "I don't know". Asking them to tell, read or check is a question.
_REQUEST = re.compile(
    r"^\W*(?:(?:um|uh|so|okay|ok|and|well|right|now)\W+){0,3}(?:could|can|would|will)\s+you\s+(?:please\s+)?"
    r"(?!tell|read|describe|say|check|see|look|let me know|confirm|remember|recall|explain)",
    re.I,
)


def is_request(question: str) -> bool:
    return bool(_REQUEST.search(question))


class FactMatcher:
    """The facts of one persona, embedded once; `match` is one encoder call per question."""

    def __init__(self, facts: list[Fact]) -> None:
        self.facts = facts
        readings = tuple(tuple(f.readings()) for f in facts)
        self._owner = np.array([i for i, texts in enumerate(readings) for _ in texts], dtype=np.int64)
        self._vectors = _embedded(tuple(t for texts in readings for t in texts))

    def scores(self, question: str) -> np.ndarray:
        """(facts,) the closest reading of each fact to the question."""
        if not self.facts:
            return np.zeros(0)
        similarity = self._vectors @ sentence_encoder().embed([question])[0]
        best = np.full(len(self.facts), -1.0)
        np.maximum.at(best, self._owner, similarity)
        return best

    def match(self, question: str, bar: float = FACT_BAR) -> Fact | None:
        scores = self.scores(question)
        if not len(scores) or scores.max() < bar:
            return None
        return self.facts[int(scores.argmax())]


@functools.lru_cache(maxsize=64)
def _embedded(texts: tuple[str, ...]) -> np.ndarray:
    return sentence_encoder().embed(list(texts))


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
        found = matcher.match(row.question, bar)
        got = found.topic if found else None
        if got == row.topic:
            right += 1
        else:
            mistakes.append(f"{persona.id}: {row.question!r}: wanted {row.topic}, got {got}")
    return right, len(rows), mistakes
