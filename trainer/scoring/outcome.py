"""What happened on the call, in words a trainee reads, and what an unfixed problem costs.

A call can sound kind from start to finish and still leave the customer's CRM broken; the
grade must not call that a success. The problem counts as fixed only when the customer carried
out every fix step (`trainer.customer.steps`); otherwise the overall score is capped, and an
exam is not passed.
"""

from trainer.formats.call import Missed, Outcome, Turn
from trainer.formats.persona import Persona

# An unresolved call scores at most this overall, however well each rubric went.
UNRESOLVED_CAP = 60

OUTCOME_WORDS: dict[Outcome, str] = {
    Outcome.satisfied: "the problem is fixed and the customer is satisfied",
    Outcome.script_ended: "you ended the call before the problem was fixed",
    Outcome.trainee_ended: "you hung up on the customer before the problem was fixed",
    Outcome.customer_hung_up: "the customer hung up before the problem was fixed",
    Outcome.transferred: "you transferred the call, and the problem is still not fixed",
    Outcome.fixed_unhappy: "the problem is fixed, but the customer left still upset",
    Outcome.abandoned: "the call was left unfinished",
    Outcome.in_progress: "the call is still going",
}


# The same outcomes in a few words, for table cells.
OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.satisfied: "fixed, satisfied",
    Outcome.fixed_unhappy: "fixed, still upset",
    Outcome.script_ended: "ended before the fix",
    Outcome.trainee_ended: "trainee hung up",
    Outcome.customer_hung_up: "customer hung up",
    Outcome.transferred: "transferred",
    Outcome.abandoned: "abandoned",
    Outcome.in_progress: "in progress",
}


def outcome_label(outcome: Outcome | str) -> str:
    """The outcome in a few words ("ended before the fix"), for a table."""
    try:
        return OUTCOME_LABELS[Outcome(outcome)]
    except ValueError:
        return str(outcome).replace("_", " ")


def outcome_words(outcome: Outcome | str) -> str:
    """The outcome as a sentence ("you ended the call before the problem was fixed")."""
    try:
        return OUTCOME_WORDS[Outcome(outcome)]
    except ValueError:
        return str(outcome).replace("_", " ")


def weighted_overall(scores: list[tuple[int, float]]) -> int | None:
    """The rubrics' weighted average (score, weight), before any cap; None with nothing scored."""
    total = sum(weight for _, weight in scores)
    return round(sum(score * weight for score, weight in scores) / total) if total else None


def capped(overall: int | None, fixed: bool) -> int | None:
    """The overall score with the cap for an unfixed problem applied."""
    if overall is None or fixed:
        return overall
    return min(overall, UNRESOLVED_CAP)


def missed(persona: Persona, turns: list[Turn]) -> list[Missed]:
    """The fix steps the customer never carried out and the facts nobody asked for, each with
    a line that would have done it: what the scorecard tells the trainee to try next time."""
    problem = persona.problem
    done = set(turns[-1].customer.steps_done) if turns else set()
    told = " ".join(t.customer.decided or t.customer.text for t in turns[1:])
    steps = [
        Missed(what="step", about=step.do, better=(step.says or [step.do])[0])
        for i, step in enumerate(problem.fix_steps)
        if i not in done
    ]
    questions = [
        Missed(what="question", about=fact.topic, better=(fact.asks or [f"Can you tell me {fact.topic}?"])[0])
        for fact in problem.facts
        if fact.answer not in told
    ]
    return steps + questions
