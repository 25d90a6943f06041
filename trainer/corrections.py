"""Managers correct the detector; the call is graded again and the grader learns from it.

A correction says a behaviour on one turn was found wrongly, or was missed. It never edits
what the grader decided at the time (the turns and the first scorecard stay in the log):
the call is regraded from its logged turns with the corrected behaviours, and the new
scorecard is kept beside the original. Corrected turns become labelled corpus rows
(`trainer corrections export`), which `trainer train detector --with-corrections` folds into
the n-gram layer, so a floor's own phrasings stop being misread.
"""

from pathlib import Path

from trainer.catalog import Catalog
from trainer.formats.call import Detection, Outcome, Scorecard, Turn
from trainer.formats.corpus import LabelledRow
from trainer.formats.errors import TrainerError
from trainer.playbook import Behaviour
from trainer.scoring.grader import Grader
from trainer.sessionlog import SessionLog


def corrected_turns(turns: list[Turn], corrections: list[dict]) -> list[Turn]:
    """The turns with each correction applied in order (a later one wins)."""
    fixed = {t.index: t.model_copy(deep=True) for t in turns}
    for c in corrections:
        turn = fixed.get(c["turn"])
        if turn is None:
            continue
        behaviour = Behaviour(c["behaviour"])
        kept = [d for d in turn.detections if d.behaviour != behaviour]
        if c["verdict"] == "missed":
            kept.append(Detection(behaviour=behaviour, evidence="", probability=None))
        turn.detections = kept
    return [fixed[i] for i in sorted(fixed)]


def regrade(persona_turns: list[Turn], grader: Grader, outcome: Outcome) -> Scorecard:
    """Grade logged turns again, turn by turn in order, as the call would have been."""
    for i, turn in enumerate(persona_turns):
        if turn.reply is not None:
            turn.feedback = grader.grade_turn(persona_turns, i)
    return grader.scorecard(persona_turns, outcome)


def correct(
    log: SessionLog,
    catalog: Catalog,
    session_id: str,
    turn: int,
    behaviour: Behaviour,
    verdict: str,
    reason: str,
    author: str,
) -> Scorecard:
    """Record a correction and regrade the call; a call still going is corrected once it ends."""
    if log.get(session_id)["scorecard"] is None:
        raise TrainerError("this call has not ended yet: correct it once it has a scorecard")
    log.correct_behaviour(session_id, turn, behaviour, verdict, reason, author)
    return regrade_session(log, catalog, session_id)


def regrade_session(log: SessionLog, catalog: Catalog, session_id: str) -> Scorecard:
    session = log.get(session_id)
    persona = catalog.persona(session["persona_id"])
    turns = corrected_turns(log.turns_of(session_id), log.corrections(session_id))
    card = regrade(turns, Grader(persona, list(catalog.rubrics.values())), Outcome(session["outcome"]))
    log.save_regrade(session_id, card)
    return card


def correction_rows(log: SessionLog) -> list[LabelledRow]:
    """Every corrected turn as a labelled row: the behaviours shown after the corrections."""
    rows = []
    by_session: dict[str, list[dict]] = {}
    for c in log.corrections():
        by_session.setdefault(c["session_id"], []).append(c)
    for session_id, corrections in by_session.items():
        session = log.get(session_id)
        verdicts: dict[int, dict[str, str]] = {}
        for c in corrections:  # a later correction of the same behaviour wins
            verdicts.setdefault(c["turn"], {})[c["behaviour"]] = c["verdict"]
        for turn in corrected_turns(log.turns_of(session_id), corrections):
            if turn.index in verdicts and turn.reply:
                rows.append(
                    LabelledRow(
                        customer=turn.customer.text,
                        reply=turn.reply,
                        archetype=session["archetype"],
                        learning_style=session.get("learning_style"),
                        behaviours=sorted(turn.behaviours),
                        source=f"correction:{session_id}:{turn.index}",
                        verdicts=verdicts[turn.index],
                    )
                )
    return rows


def write_rows(rows: list[LabelledRow], path: Path) -> None:
    try:
        path.write_text("".join(r.model_dump_json(exclude_none=True) + "\n" for r in rows), encoding="utf-8")
    except OSError as exc:
        raise TrainerError(f"cannot write {path}: {exc.strerror or exc}") from exc
