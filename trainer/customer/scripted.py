"""A state machine driven by the persona file: detected behaviours move the anger,
thresholds in the file decide what the customer does, and the lines come from the file.

The decision (`decide`) is separate from the words (`LinePicker`) so that an LLM customer
can reuse the decision and only write the words.
"""

from trainer.customer.facts import FactMatcher, first_question
from trainer.customer.lines import LinePicker
from trainer.customer.state import CustomerState
from trainer.customer.steps import StepMatcher, fixed, walk
from trainer.formats.call import CustomerLine, Outcome, StepWalk, Stuck
from trainer.formats.persona import LineKind, Persona
from trainer.playbook import Behaviour as B

ANNOYED_BY_UNNEEDED_LIMIT = 5  # a lecture about language nobody used
REPEAT_ANNOYANCE = 8  # "you just said that": the same words again answer nothing
# A reply that gave a step ends with its check ("do you see the banner?"): the step line answers it.
_SHOWS_PROGRESS = (LineKind.step_done, LineKind.slow_down, LineKind.confused)


class ScriptedCustomer:
    engine = "scripted"

    def __init__(self, persona: Persona, seed: int = 0) -> None:
        self.persona = persona
        self.state = CustomerState(anger=persona.mood.start_anger)
        self.lines = LinePicker(persona, seed)
        self.facts = FactMatcher(persona.problem.facts)
        self.steps = StepMatcher(persona.problem.fix_steps)

    # -- the call -------------------------------------------------------------------
    def open(self) -> CustomerLine:
        mood = self.persona.mood
        self.state.wants_transfer = mood.asks_manager_in_opening
        return self._line(LineKind.opening, self.lines.pick(LineKind.opening))

    def follow(self, reply: str, behaviours: set[B]) -> StepWalk:
        """The fix steps a reply gives and how far this customer gets with them; nothing changes
        until `react`, so the grade can read the walk first."""
        grounded = B.asks_what_they_see in self.state.shown | behaviours
        given = self.steps.given(reply)
        return walk(self.persona.problem, self.persona.learning_style, self.state.steps_done, given, grounded)

    def react(
        self, behaviours: set[B], reply: str, repeated: bool = False, steps: StepWalk | None = None
    ) -> CustomerLine:
        """The customer's answer to a reply; a reply that only says again what was said annoys."""
        steps = steps or StepWalk()
        kind = self.decide(behaviours, repeated, steps)
        text = self._step_line(steps) if kind is LineKind.step_done else self.lines.pick(kind)
        fact = self._fact_asked(reply, kind)
        return self._line(kind, f"{text} {fact}" if fact else text)

    # -- the decision -----------------------------------------------------------------
    def decide(self, behaviours: set[B], repeated: bool = False, steps: StepWalk | None = None) -> LineKind:
        """Move the anger and walk the fix, then choose what the customer does next."""
        state, mood = self.state, self.persona.mood
        steps = steps or StepWalk()
        state.replies += 1
        state.shown |= behaviours
        was_fixed = self.fixed()
        state.steps_done += [s for s in steps.done if s not in state.steps_done]
        delta = self._anger_change(behaviours) + (REPEAT_ANNOYANCE if repeated else 0)
        state.anger = max(0, min(100, state.anger + delta))
        if B.follows_up_async in behaviours:
            state.promised_follow_up = True

        if B.ends_call_prematurely in behaviours:
            return self._end(LineKind.agent_hung_up, Outcome.trainee_ended)
        if B.explains_transfer_cost in behaviours and state.wants_transfer:
            return self._after_transfer_cost()  # "happy to transfer you, but..." lets them choose
        if B.offers_transfer in behaviours and state.wants_transfer:
            return self._end(LineKind.transferred, Outcome.transferred)
        if state.anger >= mood.hang_up_at:
            return self._end(LineKind.hang_up, Outcome.customer_hung_up)
        if self.needs_met() and state.anger <= mood.satisfied_at:
            return self._end(LineKind.satisfied, Outcome.satisfied)
        if was_fixed:  # it works, and this reply did not win them over either: they leave
            return self._end(LineKind.after_fix, Outcome.fixed_unhappy)
        if state.replies >= mood.patience:
            return self._end(LineKind.hang_up, Outcome.customer_hung_up)
        if B.offers_transfer in behaviours:
            return LineKind.refuses_transfer
        if B.offers_callback in behaviours and state.boundary_set and self.persona.lines.pulls_together:
            return LineKind.pulls_together
        if B.sets_boundary in behaviours and state.directed_swears:
            state.boundary_set = True
            if self.persona.lines.after_boundary and not self._at(mood.attacks_at):
                return LineKind.after_boundary
        return self._step_kind(steps, delta) or self._mood_line(delta)

    def fixed(self) -> bool:
        """Every fix step carried out: the problem is solved, whatever the mood."""
        return fixed(self.persona.problem, self.state.steps_done)

    def needs_met(self) -> bool:
        """Solved, and the trainee showed what this customer needs before they are satisfied."""
        return self.fixed() and set(self.persona.problem.needs) <= self.state.shown

    def _step_kind(self, steps: StepWalk, delta: int) -> LineKind | None:
        """A step carried out says what they now see; one they could not follow, confusion.
        A customer angry enough to swear at the trainee does that instead."""
        if delta > 0 and (self._at(self.persona.mood.swears_at) or self._at(self.persona.mood.attacks_at)):
            return None
        if steps.done:
            return LineKind.step_done
        if steps.stuck is Stuck.too_many:
            return LineKind.slow_down
        return LineKind.confused if steps.stuck else None

    def _step_line(self, steps: StepWalk) -> str:
        return self.lines.choose(self.persona.problem.fix_steps[steps.done[-1]].done)

    def _anger_change(self, behaviours: set[B]) -> int:
        """The persona's reaction per behaviour, with the playbook's sense of timing:
        a boundary or a callback offer only calms someone who has been abusive."""
        reactions = self.persona.mood.reactions
        delta = 0
        for behaviour in behaviours:
            change = reactions.get(behaviour, 0)
            if behaviour in (B.sets_boundary, B.offers_callback) and not self.state.directed_swears:
                change = max(change, ANNOYED_BY_UNNEEDED_LIMIT)
            delta += change
        return delta

    def _after_transfer_cost(self) -> LineKind:
        state = self.state
        if self.persona.mood.insists_on_transfer and not state.insisted and self.persona.lines.insists_transfer:
            state.insisted = True
            return LineKind.insists_transfer
        state.wants_transfer = False
        state.agreed_to_stay = True
        return LineKind.agrees_to_stay if self.persona.lines.agrees_to_stay else LineKind.calmer

    def _mood_line(self, delta: int) -> LineKind:
        mood, lines = self.persona.mood, self.persona.lines
        hot = self._at(mood.attacks_at) or self._at(mood.swears_at)
        if hot and delta < 0 and lines.vents:  # a kind reply gives no reason to turn on the trainee
            self.state.directed_swears += 1
            return LineKind.vents
        if self._at(mood.attacks_at) and lines.personal_attack:
            self.state.directed_swears += 1
            return LineKind.personal_attack
        if self._at(mood.swears_at) and lines.swearing:
            self.state.directed_swears += 1
            return LineKind.swearing
        if self._at(mood.demands_manager_at) and lines.asks_manager and not self.state.agreed_to_stay:
            self.state.wants_transfer = True
            return LineKind.asks_manager
        if delta < 0:
            return LineKind.calmer
        return LineKind.angrier if delta > 0 else LineKind.neutral

    def _at(self, threshold: int | None) -> bool:
        return threshold is not None and self.state.anger >= threshold

    def _end(self, kind: LineKind, outcome: Outcome) -> LineKind:
        self.state.outcome = outcome
        return kind

    # -- the words ----------------------------------------------------------------------
    def _fact_asked(self, reply: str, kind: LineKind) -> str:
        """Answer the first real question, the way a caller would: the fact it asks for (matched
        by meaning), the same fact again with some impatience, or an honest "I don't know"."""
        self.state.last_answer = ""
        question = first_question(reply)
        if self.state.outcome is not Outcome.in_progress or question is None or kind in _SHOWS_PROGRESS:
            return ""
        problem = self.persona.problem
        fact = self.facts.match(question)
        if fact is None:
            answer = self.lines.choose(problem.dont_know)
        elif fact.topic in self.state.answered_facts:
            answer = _said_again(self.lines.choose(problem.already_said), fact.answer, problem.summary)
        else:
            self.state.answered_facts.add(fact.topic)
            answer = fact.answer
        self.state.last_answer = answer
        return answer

    def _line(self, kind: LineKind, text: str) -> CustomerLine:
        state, mood = self.state, self.persona.mood
        swore = kind in (LineKind.swearing, LineKind.vents, LineKind.personal_attack) or (
            kind is LineKind.opening and mood.swears_in_opening
        )
        return CustomerLine(
            text=text,
            kind=kind,
            anger=state.anger,
            swore=swore,
            attacked=kind is LineKind.personal_attack,
            asked_transfer=kind in (LineKind.asks_manager, LineKind.insists_transfer)
            or (kind is LineKind.opening and mood.asks_manager_in_opening),
            wants_to_hold=mood.wants_to_hold and not state.promised_follow_up and state.outcome is Outcome.in_progress,
            engine=self.engine,
            steps_done=list(state.steps_done),
            outcome=state.outcome,
        )


def _said_again(template: str, answer: str, summary: str) -> str:
    """ "Like I said, since Tuesday": the answer goes on the sentence, so its first word drops its
    capital unless it is a name ("I", or a word the persona's own text capitalises mid-sentence)."""
    if template.startswith("{answer}") or not answer:
        return template.replace("{answer}", answer)
    first = answer.split()[0].strip(".,!?")
    named = first == "I" or first.startswith("I'") or f" {first}" in f"{summary} {answer[len(first) :]}"
    return template.replace("{answer}", answer if named else answer[0].lower() + answer[1:])
