"""What happened on the call, in words a trainee reads, and what an unfixed problem costs.

A call can sound kind from start to finish and still leave the customer's CRM broken; the
grade must not call that a success. The problem counts as fixed only when the customer ended
satisfied; otherwise the overall score is capped, and an exam is not passed.
"""

from trainer.formats.call import Outcome

# An unresolved call scores at most this overall, however well each rubric went.
UNRESOLVED_CAP = 60

OUTCOME_WORDS: dict[Outcome, str] = {
    Outcome.satisfied: "the problem is fixed and the customer is satisfied",
    Outcome.script_ended: "you ended the call before the problem was fixed",
    Outcome.trainee_ended: "you hung up on the customer before the problem was fixed",
    Outcome.customer_hung_up: "the customer hung up before the problem was fixed",
    Outcome.transferred: "you transferred the call, and the problem is still not fixed",
    Outcome.abandoned: "the call was left unfinished",
    Outcome.in_progress: "the call is still going",
}


def outcome_words(outcome: Outcome | str) -> str:
    """The outcome as a sentence ("you ended the call before the problem was fixed")."""
    try:
        return OUTCOME_WORDS[Outcome(outcome)]
    except ValueError:
        return str(outcome).replace("_", " ")


def resolved(outcome: Outcome) -> bool:
    return outcome is Outcome.satisfied


def capped(overall: int | None, outcome: Outcome) -> int | None:
    """The overall score with the unresolved cap applied."""
    if overall is None or resolved(outcome):
        return overall
    return min(overall, UNRESOLVED_CAP)
