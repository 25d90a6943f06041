"""The default detector: rules, n-grams and a semantic model, joined into one probability.

Each layer sees something the others miss: the rules name the exact words and handle
negation and sarcasm scoping; the n-gram model has learned the corpus's phrasings; the
semantic model reads what a reply does in answer to the customer's line, in words nobody put
in a pattern. Every behaviour gets one probability (the layers' blend, raised by a rule match
the model does not contradict), so feedback can say how sure it is, and a fault is only held
against a trainee when the grader is sure (`trainer.detector.confidence`).

The blend and the bars were chosen on a training part held out of both models
(`scripts/tune_hybrid.py`), never on a test part.
"""

import logging
from dataclasses import dataclass

import numpy as np

from trainer.detector.learned import NgramModel, corrections_file, load_model
from trainer.detector.rules import RuleDetector
from trainer.detector.semantic import SemanticModel, load_semantic
from trainer.detector.text import BOUNDARY, Normalized, normalize
from trainer.formats.call import Detection
from trainer.formats.errors import TrainerError
from trainer.playbook import BAD_BEHAVIOURS, Archetype, Behaviour, LearningStyle

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Blend:
    """How the layers combine; the defaults are the settings `scripts/tune_hybrid.py` chose."""

    semantic_weight: float = 0.5  # the rest goes to the n-gram model
    rule_trust: float = 0.5  # a rule match adds this much belief (noisy-or) ...
    rule_veto: float = 0.0  # ... unless the models put the behaviour below this
    bar: float = 0.7  # a good behaviour is detected from here
    fault_bar: float = 0.7  # a fault is detected from here (shown only past the confidence bar)
    # With no model at all, a rule's match is as likely right as the rules are precise on the
    # training parts (0.90 for every match, 0.93 for faults).
    rules_alone: float = 0.9

    def combine(self, semantic: float | None, ngram: float | None, rule_hit: bool) -> float:
        parts = [(self.semantic_weight, semantic), (1 - self.semantic_weight, ngram)]
        known = [(w, p) for w, p in parts if p is not None]
        model = sum(w * p for w, p in known) / sum(w for w, _ in known) if known else None
        if model is None:
            return self.rules_alone if rule_hit else 0.0
        if rule_hit and model >= self.rule_veto:
            return 1 - (1 - model) * (1 - self.rule_trust)
        return model

    def bar_for(self, behaviour: Behaviour) -> float:
        return self.fault_bar if behaviour in BAD_BEHAVIOURS else self.bar


BLEND = Blend()


class HybridDetector:
    """Rules + n-grams + semantic model: a detection per behaviour past its bar, with a probability."""

    name = "hybrid"

    def __init__(
        self,
        model: NgramModel | None = None,
        semantic: SemanticModel | None = None,
        blend: Blend = BLEND,
        use_semantic: bool = True,
    ) -> None:
        self.rules = RuleDetector()
        self.blend = blend
        self._ngram = model
        self._semantic = semantic
        self._missing: set[str] = set() if use_semantic else {"semantic"}

    @property
    def ngram(self) -> NgramModel | None:
        """The n-gram layer, or None without training data."""
        if self._ngram is None and "ngram" not in self._missing:
            try:
                self._ngram = load_model()
            except TrainerError as exc:
                log.warning("%s; grading without the n-gram layer", exc)
                self._missing.add("ngram")
        return self._ngram

    @property
    def semantic(self) -> SemanticModel | None:
        """The semantic layer, or None where its weights are missing."""
        if self._semantic is None and "semantic" not in self._missing:
            try:
                self._semantic = load_semantic(corrections=corrections_file())
            except (TrainerError, OSError, ImportError) as exc:
                log.warning("%s; grading without the semantic layer", exc)
                self._missing.add("semantic")
        return self._semantic

    def detect(
        self,
        reply: str,
        customer: str = "",
        archetype: Archetype | None = None,
        learning_style: LearningStyle | None = None,
    ) -> list[Detection]:
        return self.scored(reply, customer, archetype, learning_style)[0]

    def scored(
        self,
        reply: str,
        customer: str = "",
        archetype: Archetype | None = None,
        learning_style: LearningStyle | None = None,
    ) -> tuple[list[Detection], dict[Behaviour, float]]:
        """The detections past their bars, and how likely every behaviour is, from one pass."""
        probs, found, text = self._score(reply, customer, archetype, learning_style)
        evidence = {d.behaviour: d.evidence for d in found}
        detections = [
            Detection(
                behaviour=b,
                evidence=evidence.get(b) or self._evidence(text, b),
                probability=round(p, 3),
            )
            for b, p in probs.items()
            if p >= self.blend.bar_for(b)
        ]
        return detections, probs

    def _score(
        self, reply: str, customer: str, archetype: Archetype | None, learning_style: LearningStyle | None
    ) -> tuple[dict[Behaviour, float], list[Detection], Normalized]:
        found = self.rules.detect(reply, customer, archetype, learning_style)
        text = normalize(reply)
        hits = {d.behaviour for d in found}
        if not text.tokens:
            return {b: (1.0 if b in hits else 0.0) for b in Behaviour}, found, text
        ngram = self.ngram.probabilities(text.joined) if self.ngram is not None else {}
        semantic = self.semantic.probabilities(reply, customer) if self.semantic is not None else {}
        probs = {b: self.blend.combine(semantic.get(b), ngram.get(b), b in hits) for b in Behaviour}
        return probs, found, text

    def _evidence(self, text: Normalized, behaviour: Behaviour) -> str:
        """The clause the n-gram model finds most telling, in the trainee's own words."""
        clauses, start = [], 0
        for index, token in enumerate([*text.tokens, None]):
            if token is None or token.text == BOUNDARY:
                if index > start:
                    clauses.append((start, index - 1))
                start = index + 1
        model = self.ngram
        if len(clauses) <= 1 or model is None or behaviour not in model.behaviours:
            return text.quote(0, len(text.tokens) - 1)
        joined = [" ".join(t.text for t in text.tokens[a : b + 1]) for a, b in clauses]
        probs = model.scores(joined)[:, model.behaviours.index(behaviour)]
        first, last = clauses[int(np.argmax(probs))]
        return text.quote(first, last)
