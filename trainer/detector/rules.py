"""The offline detector: patterns, scoped by negation, sarcasm and the customer's line.

Rules keep every decision explainable (each detection names the words that triggered it)
and run in well under a millisecond a reply, with nothing to download.
"""

from dataclasses import dataclass

from trainer.detector.patterns import (
    AGREES,
    CUSTOMER_ASKS_TRANSFER,
    PATTERNS,
    SARCASM_CUES,
    SARCASM_SILENCES,
    SWEAR,
    Pattern,
    compile_pattern,
)
from trainer.detector.text import BOUNDARY, NEGATORS, Normalized, normalize
from trainer.formats.call import Detection
from trainer.playbook import Archetype, Behaviour, LearningStyle

NEGATION_WINDOW = 4
MAX_REPLY_CHARS = 5_000


@dataclass(frozen=True)
class Hit:
    behaviour: Behaviour
    first: int  # token indices
    last: int


def _clause_of(text: Normalized, index: int) -> int:
    return sum(1 for t in text.tokens[:index] if t.text == BOUNDARY)


REPORTING = frozenset({"think", "believe", "say", "saying", "said", "mean", "calling", "suggesting"})
SUBJECTS = frozenset({"i", "we", "let", "you", "they", "that", "this", "it"})


def _negated(text: Normalized, first: int) -> bool:
    """A negator shortly before the match, in the same clause, cancels it.

    A match that starts with its own subject ("i will email you") is a new statement:
    a negator before it belongs to the previous one ("no you don't need to, i'll email").
    """
    window = range(first - 1, max(-1, first - 1 - NEGATION_WINDOW), -1)
    if text.tokens[first].text in SUBJECTS:
        # ...unless the negator governs a verb of saying: "i don't think you're stupid"
        words = [text.tokens[i].text for i in window]
        return any(w in NEGATORS for w in words) and any(w in REPORTING for w in words)
    for index in window:
        word = text.tokens[index].text
        if word == BOUNDARY:
            return False
        if word in NEGATORS:
            return True
    return False


def _pattern_hits(text: Normalized, pattern: Pattern) -> list[Hit]:
    hits = []
    for match in pattern.regex.finditer(text.joined):
        if match.end() == match.start():
            continue
        first, last = text.span_of(match.start(), match.end())
        if text.tokens[first].text == BOUNDARY:
            first += 1
        if text.tokens[last].text == BOUNDARY:
            last -= 1
        if first > last:
            continue
        if pattern.negatable and _negated(text, first):
            continue
        hits.append(Hit(pattern.behaviour, first, last))
    return hits


def _sarcasm_hits(text: Normalized) -> list[Hit]:
    hits = []
    for cue in SARCASM_CUES:
        for match in cue.finditer(text.joined):
            first, last = text.span_of(match.start(), match.end())
            hits.append(Hit(Behaviour.counter_aggression, first, last))
    return hits


def _resolve(text: Normalized, hits: list[Hit], sarcasm: list[Hit]) -> list[Hit]:
    """Apply the cross-behaviour rules of the labelling guideline."""
    if sarcasm:
        sarcastic_clauses = {_clause_of(text, h.first) + d for h in sarcasm for d in (-1, 0, 1)}
        hits = [
            h for h in hits if not (h.behaviour in SARCASM_SILENCES and _clause_of(text, h.first) in sarcastic_clauses)
        ]
        hits = hits + sarcasm
    found = {h.behaviour for h in hits}
    if found & {Behaviour.blames_customer, Behaviour.counter_aggression}:  # a blaming reason explains nothing
        hits = [h for h in hits if h.behaviour is not Behaviour.explains_why]
    cost = [h for h in hits if h.behaviour is Behaviour.explains_transfer_cost]
    hits = [h for h in hits if h.behaviour is not Behaviour.explains_why or not any(_overlap(h, c) for c in cost)]
    if Behaviour.offers_callback in found:  # ending the call with a way back is a callback offer
        callbacks = [h for h in hits if h.behaviour is Behaviour.offers_callback]
        hits = [
            h
            for h in hits
            if h.behaviour is not Behaviour.ends_call_prematurely
            and not (h.behaviour is Behaviour.follows_up_async and any(_overlap(h, c) for c in callbacks))
        ]
    if Behaviour.sets_boundary in found and not sarcasm:
        # "please don't yell at me, I want to help" is a boundary, not a retort
        hits = [h for h in hits if h.behaviour is not Behaviour.counter_aggression or _has_swear(text, h)]
    return hits


def _overlap(a: Hit, b: Hit) -> bool:
    return a.first <= b.last and b.first <= a.last


_SWEARING = compile_pattern(SWEAR)


def _has_swear(text: Normalized, hit: Hit) -> bool:
    words = " ".join(t.text for t in text.tokens[hit.first : hit.last + 1])
    return bool(_SWEARING.search(words))


class RuleDetector:
    """Patterns over normalized text; see `patterns.py` for the vocabulary."""

    name = "rules"

    def detect(
        self,
        reply: str,
        customer: str = "",
        archetype: Archetype | None = None,
        learning_style: LearningStyle | None = None,
    ) -> list[Detection]:
        text = normalize(reply[:MAX_REPLY_CHARS])
        if not text.tokens:
            return []
        hits = [hit for pattern in PATTERNS for hit in _pattern_hits(text, pattern)]
        hits += self._agreed_transfer(text, customer)
        hits = _resolve(text, hits, _sarcasm_hits(text))
        return self._one_per_behaviour(text, hits)

    @staticmethod
    def _agreed_transfer(text: Normalized, customer: str) -> list[Hit]:
        """ "Sure, one moment" to "get me your manager" hands the call off."""
        if not customer or not CUSTOMER_ASKS_TRANSFER.search(normalize(customer).joined):
            return []
        match = AGREES.search(text.joined)
        if not match:
            return []
        first, last = text.span_of(match.start(), match.end())
        return [Hit(Behaviour.offers_transfer, first, last)]

    @staticmethod
    def _one_per_behaviour(text: Normalized, hits: list[Hit]) -> list[Detection]:
        """Keep the longest evidence for each behaviour, in reply order."""
        best: dict[Behaviour, Hit] = {}
        for hit in hits:
            current = best.get(hit.behaviour)
            if current is None or (hit.last - hit.first) > (current.last - current.first):
                best[hit.behaviour] = hit
        ordered = sorted(best.values(), key=lambda h: (h.first, h.behaviour))
        return [Detection(behaviour=h.behaviour, evidence=text.quote(h.first, h.last)) for h in ordered]
