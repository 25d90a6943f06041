"""One training call, from the customer's opening line to the scorecard.

A plain object the CLI and the UI both drive: `open`, then `reply` per trainee answer,
then `finish`. Each step is written to the session log as it happens.
"""

from dataclasses import dataclass, field

from trainer.customer import ScriptedCustomer
from trainer.detector import BehaviourDetector, RuleDetector
from trainer.formats.call import CustomerLine, Outcome, Scorecard, Turn
from trainer.formats.errors import TrainerError
from trainer.formats.persona import Persona
from trainer.formats.rubric import Rubric
from trainer.scoring import Grader
from trainer.sessionlog import SessionLog

MAX_REPLY_CHARS = 5_000


@dataclass
class CallOptions:
    trainee: str = "trainee"
    mode: str = "coach"  # coach: feedback every turn; exam: scorecard only
    seed: int = 0


@dataclass
class TurnResult:
    """What the trainee gets back after a reply: feedback and the customer's next line."""

    turn: Turn  # the graded turn
    customer: CustomerLine  # what the customer says next
    ended: bool


@dataclass
class Call:
    persona: Persona
    rubrics: list[Rubric]
    log: SessionLog | None = None
    options: CallOptions = field(default_factory=CallOptions)
    detector: BehaviourDetector = field(default_factory=RuleDetector)
    customer: ScriptedCustomer | None = None
    turns: list[Turn] = field(default_factory=list)
    session_id: str | None = None

    def __post_init__(self) -> None:
        self.customer = self.customer or ScriptedCustomer(self.persona, self.options.seed)
        self.grader = Grader(self.persona, self.rubrics)

    @property
    def outcome(self) -> Outcome:
        return self.customer.state.outcome

    @property
    def ended(self) -> bool:
        return self.outcome is not Outcome.in_progress

    def open(self) -> CustomerLine:
        if self.log is not None:
            self.session_id = self.log.start(
                self.persona, self.options.trainee, self.options.mode, self.customer.engine, self.options.seed
            )
        line = self.customer.open()
        self._record(Turn(index=0, customer=line))
        return line

    def reply(self, text: str) -> TurnResult:
        """Grade the trainee's answer to the current line and let the customer react."""
        if not self.turns:
            raise TrainerError("the call has not started: call open() first")
        if self.ended:
            raise TrainerError(f"the call is over ({self.outcome.value}); start a new one")
        text = " ".join(text.split())
        if not text:
            raise TrainerError("the reply is empty: say or type something to the customer")
        if len(text) > MAX_REPLY_CHARS:
            raise TrainerError(f"the reply is {len(text)} characters long; the limit is {MAX_REPLY_CHARS}")
        turn = self.turns[-1]
        turn.reply = text
        turn.detections = self.detector.detect(
            text, turn.customer.text, self.persona.archetype, self.persona.learning_style
        )
        turn.feedback = self.grader.grade_turn(self.turns, turn.index)
        line = self.customer.react(turn.behaviours, text)
        self._record(turn)
        self._record(Turn(index=turn.index + 1, customer=line))
        return TurnResult(turn=turn, customer=line, ended=self.ended)

    def finish(self) -> Scorecard:
        """Grade the whole call; a call the trainee stops early keeps every turn it had."""
        outcome = self.outcome if self.ended else Outcome.script_ended
        card = self.grader.scorecard(self.turns, outcome)
        if self.log is not None and self.session_id is not None:
            self.log.finish(self.session_id, card)
        return card

    def _record(self, turn: Turn) -> None:
        if turn.index == len(self.turns):
            self.turns.append(turn)
        if self.log is not None and self.session_id is not None:
            self.log.record_turn(self.session_id, turn)
