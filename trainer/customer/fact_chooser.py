"""Which fact a question asks for, chosen by a small learned model over how the question relates
to each fact, rather than by hand-set bars on one similarity.

One cosine similarity with a fixed bar cannot tell "close to the answer's words" from "asks what
the example questions ask"; a near tie, the kind of question word ("when" for a time, "who" for a
person) and shared words all matter too. Each (question, fact) pair is described by a dozen such
measures (`FEATURES`), and a logistic regression fit on labelled questions gives the chance that
the question asks for that fact. The customer answers the likeliest fact if its chance reaches
`threshold`, and otherwise does not know. The measures are about the relation, never about a
persona, so the model carries over to personas it never saw.

Fit by `trainer train facts` on `corpus/questions/fit/` (746 questions from six sets written
apart); the weights are a dozen numbers in `weights/fact_chooser.json`, committed, and
reproduced by the test that refits them. Reported on `corpus/questions/heldout.jsonl`, written
blind (its writer saw only each fact's topic and answer) and never fit on.
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict

from trainer.formats.persona import Fact
from trainer.meaning import embedded

WEIGHTS_FILE = Path(__file__).parent / "weights" / "fact_chooser.json"
QUESTIONS = Path(__file__).resolve().parents[2] / "corpus" / "questions"

FEATURES = (
    "closest reading",
    "closest example question",
    "two closest example questions",
    "topic",
    "keywords",
    "answer",
    "shared words",
    "says a keyword",
    "closest question nobody knows",
    "same question word as the examples",
    "ahead of the next fact",
    "ahead of the unknowable",
    "question word behind the best fact's",
)

# Words that say nothing of what is asked about: left out of "shared words".
_FILLER = (
    "the a an is are was were do did does you your i to of and or in on it that this what when which who how so "
    "um uh okay ok right for me my be have has had can could would with at there any"
)
_STOP = frozenset(_FILLER.split())
_QUESTION_WORD = re.compile(
    r"\b(how (?:long|many|much|often)|when|since|who|whose|which|where|why|what time|what day|how|what)\b", re.I
)


def _stems(text: str) -> set[str]:
    """Content words cut to five letters, so "deals" meets "deal" and "started" meets "start"."""
    return {w[:5] for w in re.findall(r"[a-z']+", text.lower()) if w not in _STOP and len(w) > 2}


def question_word(text: str) -> str:
    """The kind of thing asked for: "when", "how many", "who"...; "yes/no" when none is said."""
    found = _QUESTION_WORD.search(text)
    return found.group(1).lower() if found else "yes/no"


@dataclass(frozen=True)
class _FactView:
    """One fact's readings as vectors and words, computed once per persona."""

    topic: np.ndarray
    keywords: np.ndarray
    asks: np.ndarray  # (examples, dim), maybe empty
    answer: np.ndarray
    stems: frozenset[str]
    keyword_stems: tuple[str, ...]
    question_words: tuple[str, ...]

    @classmethod
    def of(cls, fact: Fact) -> "_FactView":
        vectors = embedded((fact.topic, " ".join(fact.keywords), fact.answer, *fact.asks))
        return cls(
            topic=vectors[0],
            keywords=vectors[1],
            answer=vectors[2],
            asks=vectors[3:],
            stems=frozenset(_stems(" ".join(fact.readings()))),
            keyword_stems=tuple(k.lower()[:5] for k in fact.keywords),
            question_words=tuple(question_word(t) for t in (fact.topic, *fact.asks)),
        )


def _pair(view: _FactView, vector: np.ndarray, stems: set[str], asked: str, unknown: float) -> list[float]:
    asks = np.sort(view.asks @ vector)[::-1] if len(view.asks) else np.array([-1.0])
    topic, keywords, answer = float(view.topic @ vector), float(view.keywords @ vector), float(view.answer @ vector)
    return [
        max(topic, keywords, answer, float(asks[0])),
        float(asks[0]),
        float(asks[:2].mean()),
        topic,
        keywords,
        answer,
        len(stems & view.stems) / max(1, len(stems)),
        float(any(k in stems for k in view.keyword_stems)),
        unknown,
        sum(w == asked for w in view.question_words) / len(view.question_words),
    ]


def pair_features(views: list[_FactView], question: str, vector: np.ndarray, unknown: float) -> np.ndarray:
    """(facts, FEATURES): how the question relates to each fact, and to the others."""
    stems, asked = _stems(question), question_word(question)
    rows = np.array([_pair(view, vector, stems, asked, unknown) for view in views])
    closest = rows[:, 0]
    others = np.array([np.delete(closest, i).max() if len(closest) > 1 else 0.0 for i in range(len(closest))])
    same_word = rows[:, 9]
    return np.column_stack([rows, closest - others, closest - rows[:, 8], same_word - same_word.max()])


class ChooserWeights(BaseModel):
    """The fitted model as committed: what it was fit on, its weights, and the answering chance."""

    model_config = ConfigDict(extra="forbid")

    features: list[str]
    coefficients: list[float]
    intercept: float
    threshold: float
    fit_on: list[str]
    questions: int

    def chances(self, features: np.ndarray) -> np.ndarray:
        """(facts,) the chance the question asks for each fact."""
        return 1.0 / (1.0 + np.exp(-(features @ np.array(self.coefficients) + self.intercept)))

    def choose(self, features: np.ndarray) -> int | None:
        """The index of the fact asked for, or None when none is likely enough."""
        if not len(features):
            return None
        chances = self.chances(features)
        best = int(chances.argmax())
        return best if chances[best] >= self.threshold else None


def load_weights(path: Path = WEIGHTS_FILE) -> ChooserWeights:
    weights = ChooserWeights.model_validate_json(path.read_text())
    if tuple(weights.features) != FEATURES:
        raise ValueError(f"{path} was fit on other features; run `trainer train facts`")
    return weights


def views_of(facts: list[Fact]) -> list[_FactView]:
    return [_FactView.of(f) for f in facts]


def unknown_closeness(vector: np.ndarray, unanswerable: tuple[str, ...]) -> float:
    return float((embedded(unanswerable) @ vector).max())


# Chosen by leaving one fit set out at a time, each set scored by a model fit on the other five
# (`trainer train facts --cross-check` prints it): 89.7% of 746 questions right at these values.
REGULARISATION = 10.0
THRESHOLD = 0.4

# A question as fitted: its pair features (None: the customer hears no question in it) and the
# index of the fact it asks for (None: no fact).
FitRow = tuple[np.ndarray | None, int | None]


def fit(rows: list[FitRow], fit_on: list[str]) -> ChooserWeights:
    """A model from labelled questions; rows the customer hears no question in teach nothing."""
    from sklearn.linear_model import LogisticRegression

    heard = [(x, right) for x, right in rows if x is not None]
    features = np.vstack([x for x, _ in heard])
    labels = np.concatenate([np.arange(len(x)) == right for x, right in heard])
    model = LogisticRegression(C=REGULARISATION, max_iter=5000).fit(features, labels)
    return ChooserWeights(
        features=list(FEATURES),
        coefficients=[round(c, 6) for c in model.coef_[0].tolist()],
        intercept=round(float(model.intercept_[0]), 6),
        threshold=THRESHOLD,
        fit_on=fit_on,
        questions=len(rows),
    )


def right_answers(weights: ChooserWeights, rows: list[FitRow]) -> int:
    """How many questions get the fact they ask for, or no fact when none answers them."""
    return sum((weights.choose(x) if x is not None else None) == right for x, right in rows)


def cross_check(sets: dict[str, list[FitRow]]) -> dict[str, tuple[int, int]]:
    """Each set's (right, total) under a model fit on all the other sets."""
    scores = {}
    for name, rows in sets.items():
        others = [row for other, more in sets.items() if other != name for row in more]
        scores[name] = (right_answers(fit(others, []), rows), len(rows))
    return scores


def write_weights(weights: ChooserWeights, path: Path = WEIGHTS_FILE) -> None:
    path.write_text(json.dumps(weights.model_dump(), indent=1) + "\n")
