"""How well a detector agrees with labelled replies: per-behaviour precision, recall, F1."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from trainer.detector import BehaviourDetector, detected_ids
from trainer.detector.base import ScoresBehaviours
from trainer.detector.confidence import FAULT_CONFIDENCE, counted
from trainer.formats.corpus import LabelledRow
from trainer.playbook import BAD_BEHAVIOURS, Behaviour

CALIBRATION_BINS = 10


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else (1.0 if not self.fn else 0.0)

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def support(self) -> int:
        return self.tp + self.fn


@dataclass
class Mistake:
    row: int
    reply: str
    missed: list[str]
    wrong: list[str]


@dataclass
class Calibration:
    """Expected calibration error over every (reply, behaviour) pair: how far "70% sure" is
    from being right 70% of the time, weighted by how many pairs fall in each bin."""

    pairs: list[tuple[float, bool]] = field(default_factory=list)

    def add(self, probability: float, truth: bool) -> None:
        self.pairs.append((probability, truth))

    def bins(self) -> list[tuple[float, float, int]]:
        """(mean probability, fraction right, pairs) for each non-empty bin."""
        grouped: dict[int, list[tuple[float, bool]]] = {}
        for p, t in self.pairs:
            grouped.setdefault(min(int(p * CALIBRATION_BINS), CALIBRATION_BINS - 1), []).append((p, t))
        return [
            (sum(p for p, _ in g) / len(g), sum(t for _, t in g) / len(g), len(g)) for _, g in sorted(grouped.items())
        ]

    @property
    def ece(self) -> float:
        total = len(self.pairs)
        return sum(n / total * abs(conf - right) for conf, right, n in self.bins()) if total else 0.0


@dataclass
class Report:
    rows: int
    counts: dict[Behaviour, Counts]
    mistakes: list[Mistake] = field(default_factory=list)
    seconds: float = 0.0
    shown_faults: Counts = field(default_factory=Counts)  # faults past the confidence bar
    detected_faults: Counts = field(default_factory=Counts)  # faults past the detection bar
    calibration: Calibration | None = None

    @property
    def macro_f1(self) -> float:
        scored = [c for c in self.counts.values() if c.support or c.fp]
        return sum(c.f1 for c in scored) / len(scored) if scored else 0.0

    @property
    def exact_match(self) -> float:
        return 1 - len(self.mistakes) / self.rows if self.rows else 0.0

    def worst_behaviours(self) -> list[tuple[Behaviour, Counts]]:
        return sorted(self.counts.items(), key=lambda kv: kv[1].f1)

    def to_json(self) -> dict:
        return {
            "rows": self.rows,
            "macro_f1": round(self.macro_f1, 4),
            "exact_match": round(self.exact_match, 4),
            "seconds": round(self.seconds, 3),
            "ece": round(self.calibration.ece, 4) if self.calibration else None,
            "shown_faults": {
                "precision": round(self.shown_faults.precision, 4),
                "recall": round(self.shown_faults.recall, 4),
                "recall_detected": round(self.detected_faults.recall, 4),
            },
            "behaviours": {
                b.value: {
                    "precision": round(c.precision, 4),
                    "recall": round(c.recall, 4),
                    "f1": round(c.f1, 4),
                    "support": c.support,
                }
                for b, c in self.counts.items()
            },
            "mistakes": [m.__dict__ for m in self.mistakes],
        }


def evaluate(
    detector: BehaviourDetector, rows: list[LabelledRow], progress: Callable[[int, int], object] | None = None
) -> Report:
    """Grade every row and count agreement; `progress(done, total)` after each row (thousands of
    rows with the LLM judge take minutes: the command line shows a bar)."""
    counts = {b: Counts() for b in Behaviour}
    report = Report(rows=len(rows), counts=counts)
    started = time.perf_counter()
    scores = isinstance(detector, ScoresBehaviours)
    report.calibration = Calibration() if scores else None
    for number, row in enumerate(rows, start=1):
        args = (row.reply, row.customer, row.archetype, row.learning_style)
        found, probs = detector.scored(*args) if scores else (detector.detect(*args), {})
        predicted = set(detected_ids(found))
        truth = set(row.behaviours)
        _count_faults(report.detected_faults, predicted, truth)
        _count_faults(report.shown_faults, set(detected_ids(counted(found))), truth)
        if report.calibration is not None:
            for b in Behaviour:
                report.calibration.add(probs.get(b, 0.0), b in truth)
        for b in predicted & truth:
            counts[b].tp += 1
        for b in predicted - truth:
            counts[b].fp += 1
        for b in truth - predicted:
            counts[b].fn += 1
        if predicted != truth:
            missed = sorted(b.value for b in truth - predicted)
            wrong = sorted(b.value for b in predicted - truth)
            report.mistakes.append(Mistake(number, row.reply, missed, wrong))
        if progress is not None:
            progress(number, len(rows))
    report.seconds = time.perf_counter() - started
    return report


def _count_faults(counts: Counts, predicted: set[Behaviour], truth: set[Behaviour]) -> None:
    faults = predicted & BAD_BEHAVIOURS
    counts.tp += len(faults & truth)
    counts.fp += len(faults - truth)
    counts.fn += len((truth & BAD_BEHAVIOURS) - faults)


def format_report(report: Report, show_mistakes: int = 15) -> str:
    lines = [f"{'behaviour':<24} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}"]
    for behaviour, c in report.counts.items():
        lines.append(f"{behaviour.value:<24} {c.precision:>9.3f} {c.recall:>7.3f} {c.f1:>6.3f} {c.support:>8}")
    lines.append("")
    lines.append(f"macro-F1 {report.macro_f1:.3f}   exact match {report.exact_match:.3f}")
    shown, detected = report.shown_faults, report.detected_faults
    lines.append(
        f"faults shown to the trainee (confidence >= {FAULT_CONFIDENCE:.2f}): precision {shown.precision:.3f}"
        f"   recall {shown.recall:.3f} (all detected faults: precision {detected.precision:.3f},"
        f" recall {detected.recall:.3f})"
    )
    if report.calibration is not None:
        lines.append(f"calibration: expected calibration error {report.calibration.ece:.4f}")
    lines.append(f"rows {report.rows}   {report.seconds:.2f} s")
    if show_mistakes and report.mistakes:
        lines.append("")
        lines.append(f"worst confusions (first {min(show_mistakes, len(report.mistakes))} of {len(report.mistakes)}):")
        for m in report.mistakes[:show_mistakes]:
            parts = ([f"missed {', '.join(m.missed)}"] if m.missed else []) + (
                [f"wrongly found {', '.join(m.wrong)}"] if m.wrong else []
            )
            lines.append(f"  row {m.row}: {'; '.join(parts)}: {m.reply[:110]!r}")
    return "\n".join(lines)
