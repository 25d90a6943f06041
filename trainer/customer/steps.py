"""Which fix steps a trainee's reply gives, and how far the customer gets with them.

The fix is a path the customer walks: "go into settings then integrations" is recognised as
the step "Open Settings, then Integrations, then Calendar" by meaning, not by its words, in
typed or spoken replies, one step or several in one reply. A reply is cut into pieces (its
sentences, and the clauses joined by "then", "and then", "after that"...), each piece and each
two neighbouring pieces are compared with every step's readings (`FixStep.readings`), and a
piece gives the step it is closest to, if close enough. Whether the customer can follow is a
separate decision (`walk`), made from the learning style and the steps already done.

The bar was chosen on `tests/data/fix_steps_tune.jsonl` and is reported on a separate set
(`trainer eval steps`).
"""

import itertools
import re

import numpy as np
from pydantic import BaseModel, ConfigDict

from trainer.customer.facts import is_request
from trainer.formats.call import StepWalk, Stuck
from trainer.formats.persona import FixStep, Problem
from trainer.meaning import ReadingGroups, sentence_encoder
from trainer.playbook import LearningStyle

# Cosine similarity from which a piece of a reply gives a step (chosen on the tuning set).
STEP_BAR = 0.6
_SENTENCES = re.compile(r"[^.!?;]+[.!?;]*")
# "and hit Sync now" begins another instruction as "then" does (speech recognition often writes
# a spoken "then" as "and").
_INSTRUCTION = r"(?:hit|click|press|choose|pick|open|select|tap|push|sign|log|fill|tick|run|save|reload|refresh)\b"
_JOINS = re.compile(
    r",?\s+\b(?:and then|then|after that|afterwards|next|once that's done|once you're there"
    rf"|and(?=\s+{_INSTRUCTION}))\b\s*",
    re.I,
)
_ASKS_ONLY = re.compile(
    r"^\W*(?:(?:um|uh|so|okay|ok|and|well|right|now)\W+){0,3}"
    r"(?:what|which|who|why|how|is|are|do|does|did|have|has)\b",  # not "when/where you get there, ..."
    re.I,
)


def pieces(reply: str) -> list[str]:
    """The parts of a reply that can each give a step; a question that asks, not tells, is none.
    A part of one or two words ("then Calendar") belongs to the part before it."""
    parts: list[str] = []
    for sentence in _SENTENCES.findall(reply):
        if _asks(sentence) and not is_request(sentence):
            continue
        for part in (p.strip(" ,.") for p in _JOINS.split(sentence)):
            if parts and parts[-1] and len(part.split()) <= 2:
                parts[-1] = f"{parts[-1]} then {part}" if part else parts[-1]
            elif part:
                parts.append(part)
        parts.append("")  # a sentence boundary: nothing joins across it
    return [p for p in parts if p]


def _asks(piece: str) -> bool:
    return piece.rstrip().endswith("?") or bool(_ASKS_ONLY.search(piece))


class StepMatcher:
    """The fix steps of one persona, embedded once; `given` is one encoder call per reply."""

    def __init__(self, steps: list[FixStep]) -> None:
        self.steps = steps
        self._readings = ReadingGroups([s.readings() for s in steps])

    def scores(self, reply: str) -> np.ndarray:
        """(windows, steps): each piece of the reply, and each two neighbours, against each step."""
        parts = pieces(reply)
        windows = parts + [f"{a} then {b}" for a, b in itertools.pairwise(parts)]
        windows += [f"{a} then {b} then {c}" for a, b, c in zip(parts, parts[1:], parts[2:], strict=False)]
        if not windows or not self.steps:
            return np.zeros((0, len(self.steps)))
        return self._readings.closest(sentence_encoder().embed(windows))

    def given(self, reply: str, bar: float = STEP_BAR) -> list[int]:
        """The steps the reply gives, in step order: each window gives the step closest to it."""
        scores = self.scores(reply)
        found = {int(row.argmax()) for row in scores if row.max() >= bar}
        return sorted(found)


def walk(problem: Problem, style: LearningStyle | None, done: list[int], given: list[int], grounded: bool) -> StepWalk:
    """How far the customer gets with the steps a reply gives, from the steps already done.

    A `step_by_step` customer takes one new step at a time; a `vague` one cannot follow
    anything until the trainee has asked where they are; when order matters, a step is
    carried out only once the step before it is done (several in one reply, in turn).
    """
    new = [s for s in given if s not in done]
    if not new:
        return StepWalk(given=given)
    if style is LearningStyle.step_by_step and len(new) > 1:
        return StepWalk(given=given, stuck=Stuck.too_many)
    if style is LearningStyle.vague and not grounded:
        return StepWalk(given=given, stuck=Stuck.not_grounded)
    if not problem.steps_in_order:
        return StepWalk(given=given, done=new, fixed=fixed(problem, done + new))
    carried: list[int] = []
    pending = set(new)
    while (following := _next_step(problem, done + carried)) in pending:
        carried.append(following)
        pending.discard(following)
    return StepWalk(
        given=given, done=carried, stuck=None if carried else Stuck.out_of_order, fixed=fixed(problem, done + carried)
    )


def _next_step(problem: Problem, done: list[int]) -> int | None:
    return next((i for i in range(len(problem.fix_steps)) if i not in done), None)


def fixed(problem: Problem, done: list[int]) -> bool:
    """The problem is fixed when the customer has carried out every step."""
    return set(range(len(problem.fix_steps))) <= set(done)


class StepReply(BaseModel):
    """A row of a step set: a trainee's reply and the fix steps it gives ([] for none)."""

    model_config = ConfigDict(extra="forbid")

    persona: str
    reply: str
    steps: list[int]
    kind: str = ""


class StepScores(BaseModel):
    """How well replies were read for steps: per step given, and whole replies exactly right."""

    replies: int
    exact: int
    true_pos: int
    false_pos: int
    false_neg: int
    mistakes: list[str]

    @property
    def precision(self) -> float:
        return self.true_pos / max(1, self.true_pos + self.false_pos)

    @property
    def recall(self) -> float:
        return self.true_pos / max(1, self.true_pos + self.false_neg)


def step_recognition(rows: list[StepReply], personas: dict, bar: float = STEP_BAR) -> StepScores:
    """Compare the steps recognised in each reply with the labelled ones."""
    matchers: dict[str, StepMatcher] = {}
    exact = tp = fp = fn = 0
    mistakes: list[str] = []
    for row in rows:
        persona = personas[row.persona]
        matcher = matchers.setdefault(persona.id, StepMatcher(persona.problem.fix_steps))
        got, want = set(matcher.given(row.reply, bar)), set(row.steps)
        tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
        if got == want:
            exact += 1
        else:
            mistakes.append(f"{persona.id}: {row.reply!r}: wanted {sorted(want)}, got {sorted(got)}")
    return StepScores(replies=len(rows), exact=exact, true_pos=tp, false_pos=fp, false_neg=fn, mistakes=mistakes)
