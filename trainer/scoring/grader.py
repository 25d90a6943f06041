"""Turn detections into findings and scores, the way the rubric files say.

A rubric's score is its `start` plus the points of its findings, clamped to 0-100; each
effect counts at most `max_times`. The overall score is the weight-averaged score of the
rubrics that apply to the call, capped when the problem was not fixed (`outcome.py`).
"""

from collections import Counter

from trainer.customer.steps import fixed
from trainer.formats.call import Finding, Outcome, RubricScore, Scorecard, Turn
from trainer.formats.persona import Persona
from trainer.formats.rubric import CallEvent, Effect, Rubric
from trainer.scoring.context import CONTEXTS, MOMENTS
from trainer.scoring.outcome import capped, missed, weighted_overall

HARD_CALL_SCORE = 50
HARD_CALL_ANGER = 90


def _events(turns: list[Turn]) -> set[CallEvent]:
    events = set()
    for turn in turns:
        line = turn.customer
        if line.swore:
            events.add(CallEvent.customer_swore)
        if line.attacked:
            events.add(CallEvent.customer_attacked)
        if line.asked_transfer:
            events.add(CallEvent.asked_transfer)
        if line.wants_to_hold:
            events.add(CallEvent.wants_to_hold)
    return events


def rubric_applies(rubric: Rubric, persona: Persona, turns: list[Turn]) -> bool:
    when = rubric.applies_when
    if when.archetypes and persona.archetype not in when.archetypes:
        return False
    if when.learning_styles and persona.learning_style not in when.learning_styles:
        return False
    if when.technical_problem is not None and persona.problem.technical != when.technical_problem:
        return False
    return not when.events or bool(set(when.events) & _events(turns))


def _voice_feedback(template: str, turn: Turn) -> str:
    """Fill in the numbers, so the trainee reads "you sped up to 210 words a minute"."""
    change = turn.voice_change
    values = change.model_dump() if change else {}
    values["when"] = " when the customer swore" if turn.customer.swore else ""
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return template


class Grader:
    """Grades the turns of one call in order; keeps the counts that `max_times` needs."""

    def __init__(self, persona: Persona, rubrics: list[Rubric]) -> None:
        self.persona = persona
        self.rubrics = rubrics
        self._counts: Counter[tuple[str, int]] = Counter()
        self._findings: dict[str, list[Finding]] = {r.id: [] for r in rubrics}

    def grade_turn(self, turns: list[Turn], i: int) -> list[Finding]:
        """Findings for reply `i` from the rubrics that apply so far: shown turn by turn, kept for the end."""
        shown: list[Finding] = []
        for rubric in self.rubrics:
            if not rubric_applies(rubric, self.persona, turns[: i + 1]):
                continue  # hostility before any swearing is calm's business, not boundaries'
            found = [f for n, e in enumerate(rubric.effects) if (f := self._match(rubric, n, e, turns, i))]
            self._findings[rubric.id].extend(found)
            shown.extend(found)
        return shown

    def scorecard(self, turns: list[Turn], outcome: Outcome) -> Scorecard:
        scores = {r.id: self._score(r, turns) for r in self.rubrics}
        applicable = [s for s in scores.values() if s.applicable and s.score is not None]
        average = weighted_overall([(s.score, s.weight) for s in applicable])
        done = turns[-1].customer.steps_done if turns else []
        is_fixed = fixed(self.persona.problem, done)
        overall = capped(average, is_fixed)
        findings = [f for s in applicable for f in s.findings]
        worst = min((f for f in findings if f.points < 0), key=lambda f: f.points, default=None)
        return Scorecard(
            rubrics=scores,
            overall=overall,
            uncapped=average if overall != average else None,
            outcome=outcome,
            fixed=is_fixed,
            hard_call=self._hard(turns, overall, outcome),
            worst_moment=worst,
            missed=missed(self.persona, turns),
        )

    def _score(self, rubric: Rubric, turns: list[Turn]) -> RubricScore:
        if not rubric_applies(rubric, self.persona, turns):
            return RubricScore(rubric=rubric.id, name=rubric.name, applicable=False, score=None, weight=rubric.weight)
        findings = self._findings[rubric.id] + self._missing(rubric, turns)
        score = max(0, min(100, rubric.start + sum(f.points for f in findings)))
        return RubricScore(
            rubric=rubric.id, name=rubric.name, applicable=True, score=score, weight=rubric.weight, findings=findings
        )

    def _match(self, rubric: Rubric, n: int, effect: Effect, turns: list[Turn], i: int) -> Finding | None:
        turn = turns[i]
        if effect.missing is not None or turn.reply is None:
            return None
        if effect.learning_style is not None and effect.learning_style != self.persona.learning_style:
            return None
        if self._counts[(rubric.id, n)] >= effect.max_times:
            return None
        if effect.behaviour is not None:
            detection = next((d for d in turn.detections if d.behaviour == effect.behaviour), None)
            if detection is None or not CONTEXTS[effect.context](turns, i):
                return None
            evidence, trigger = detection.evidence, effect.behaviour.value
        elif effect.voice is not None:
            change = turn.voice_change
            if change is None or effect.voice.value not in change.flags or not CONTEXTS[effect.context](turns, i):
                return None
            self._counts[(rubric.id, n)] += 1
            finding = self._finding(rubric, effect, i, f"voice:{effect.voice.value}", turn.reply or "")
            finding.feedback = _voice_feedback(effect.feedback, turn)
            return finding
        else:
            assert effect.moment is not None
            if not MOMENTS[effect.moment](turns, i):
                return None
            evidence, trigger = turn.reply, effect.moment.value
        self._counts[(rubric.id, n)] += 1
        return self._finding(rubric, effect, i, trigger, evidence)

    def _missing(self, rubric: Rubric, turns: list[Turn]) -> list[Finding]:
        shown = set().union(*(t.behaviours for t in turns)) if turns else set()
        return [
            self._finding(rubric, e, None, f"missing:{e.missing.value}", "")
            for e in rubric.effects
            if e.missing is not None
            and e.missing not in shown
            and (e.learning_style is None or e.learning_style == self.persona.learning_style)
            and any(t.reply for t in turns)
        ]

    @staticmethod
    def _finding(rubric: Rubric, effect: Effect, turn: int | None, trigger: str, evidence: str) -> Finding:
        return Finding(
            rubric=rubric.id,
            turn=turn,
            trigger=trigger,
            points=effect.points,
            feedback=effect.feedback,
            evidence=evidence,
            quote=effect.quote,
            tip=effect.tip,
        )

    @staticmethod
    def _hard(turns: list[Turn], overall: int | None, outcome: Outcome) -> bool:
        """A rough call for the trainee: abuse, a hang-up, fury, or a low score (strategies 10-12)."""
        abused = any(t.customer.attacked for t in turns)
        furious = any(t.customer.anger >= HARD_CALL_ANGER for t in turns)
        low = overall is not None and overall < HARD_CALL_SCORE
        return abused or furious or low or outcome is Outcome.customer_hung_up
