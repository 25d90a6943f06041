"""Choose the hybrid detector's blend and bars on a training part held out of both models.

    /tmp/torchenv/bin/python scripts/train_semantic.py --dev corpus/behaviours/train_h.jsonl \
        --save-dev /tmp/sem.npy                       # semantic model trained without part H
    .venv/bin/python scripts/tune_hybrid.py corpus/behaviours/train_h.jsonl /tmp/sem-train_h.npy

The n-gram model is retrained here without the held-out part; the semantic probabilities come
from a model that never saw it either. Prints the best settings by macro-F1 (ties: the better
weakest behaviour), then the confidence bar at which shown faults are right 95% of the time.
The test parts are never read.
"""

import argparse
import itertools
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from trainer.detector.hybrid import Blend  # noqa: E402
from trainer.detector.learned import train, training_files  # noqa: E402
from trainer.detector.rules import RuleDetector  # noqa: E402
from trainer.detector.text import normalize  # noqa: E402
from trainer.formats.corpus import LabelledRow, read_jsonl  # noqa: E402
from trainer.playbook import BAD_BEHAVIOURS, Behaviour  # noqa: E402

BEHAVIOURS = list(Behaviour)


SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def read_semantic(model, reply: str, customer: str, reading: str) -> dict[Behaviour, float]:
    """How the semantic layer reads a reply of several sentences: "whole" at once (what the
    detector does: the others gained nothing on part H); "sentences" also each sentence, keeping
    the highest probability; "fault-sentences" so for faults only."""
    parts = [p for p in SENTENCE_END.split(reply.strip()) if p] if reading != "whole" else []
    if len(parts) < 2:
        return model.probabilities(reply, customer)
    scores = model.scores([reply, *parts], [customer] * (len(parts) + 1))
    best = scores[1:].max(axis=0)
    out = {}
    for column, behaviour in enumerate(model.behaviours):
        whole = float(scores[0, column])
        use_parts = reading == "sentences" or behaviour in BAD_BEHAVIOURS
        out[behaviour] = max(whole, float(best[column])) if use_parts else whole
    return out


def semantic_scores(rows: list[LabelledRow], source: Path, reading: str) -> np.ndarray:
    """From saved probabilities (.npy), or from an exported model folder read `reading`-wise."""
    if source.suffix == ".npy":
        return np.load(source)
    from trainer.detector.semantic import SemanticModel

    model = SemanticModel(source)
    out = np.zeros((len(rows), len(BEHAVIOURS)))
    for i, r in enumerate(rows):
        probs = read_semantic(model, r.reply, r.customer, reading)
        out[i] = [probs[b] for b in BEHAVIOURS]
    return out


def layer_scores(dev: Path, semantic_file: Path, reading: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rows = list(read_jsonl(dev, LabelledRow))
    seen = [r for p in training_files() if p.resolve() != dev.resolve() for r in read_jsonl(p, LabelledRow)]
    ngram = train(seen)
    ng = np.zeros((len(rows), len(BEHAVIOURS)))
    scores = ngram.scores([normalize(r.reply).joined for r in rows])
    for column, behaviour in enumerate(ngram.behaviours):
        ng[:, BEHAVIOURS.index(behaviour)] = scores[:, column]
    rules = RuleDetector()
    hits = np.zeros_like(ng, dtype=bool)
    for i, r in enumerate(rows):
        for d in rules.detect(r.reply, r.customer, r.archetype, r.learning_style):
            hits[i, BEHAVIOURS.index(d.behaviour)] = True
    labels = np.array([[b in r.behaviours for b in BEHAVIOURS] for r in rows])
    return labels, semantic_scores(rows, semantic_file, reading), ng, hits


def blended(blend: Blend, sem: np.ndarray, ng: np.ndarray, hits: np.ndarray) -> np.ndarray:
    model = blend.semantic_weight * sem + (1 - blend.semantic_weight) * ng
    boosted = 1 - (1 - model) * (1 - blend.rule_trust)
    return np.where(hits & (model >= blend.rule_veto), boosted, model)


def f1s(labels: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    tp = (predicted & labels).sum(0)
    fp = (predicted & ~labels).sum(0)
    fn = (~predicted & labels).sum(0)
    return np.where(tp + fp + fn > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1), np.nan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dev", type=Path)
    parser.add_argument("semantic", type=Path, help="semantic probabilities on the dev rows (.npy) or a model folder")
    parser.add_argument("--reading", default="whole", help="with a model folder: whole, sentences or fault-sentences")
    args = parser.parse_args()
    labels, sem, ng, hits = layer_scores(args.dev, args.semantic, args.reading)
    faults = np.array([b in BAD_BEHAVIOURS for b in BEHAVIOURS])
    results = []
    grid = itertools.product(
        [0.0, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0],
        [0.0, 0.5, 0.7, 0.9],
        [0.0, 0.05, 0.1, 0.2],
        [0.3, 0.4, 0.5, 0.6, 0.7],
        [0.3, 0.4, 0.5, 0.6, 0.7],
    )
    for weight, trust, veto, bar, fault_bar in grid:
        blend = Blend(weight, trust, veto, bar, fault_bar)
        probs = blended(blend, sem, ng, hits)
        bars = np.where(faults, fault_bar, bar)
        per = f1s(labels, probs >= bars)
        results.append((float(np.nanmean(per)), float(np.nanmin(per)), blend))
    results.sort(key=lambda r: (r[0], r[1]), reverse=True)
    for macro, worst, blend in results[:8]:
        print(f"macro-F1 {macro:.3f}  worst {worst:.3f}  {blend}")
    for name, only in (
        ("rules + n-grams", Blend(0.0, 0.7, 0.1, 0.5, 0.5)),
        ("semantic alone", Blend(1.0, 0.0, 0, 0.5, 0.5)),
    ):
        per = f1s(labels, blended(only, sem, ng, hits) >= 0.5)
        print(f"{name}: macro-F1 {np.nanmean(per):.3f}")
    best = results[0][2]
    probs = blended(best, sem, ng, hits)
    for confidence in (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95):
        shown = (probs >= max(confidence, best.fault_bar)) & faults
        right = (shown & labels).sum()
        recall = right / max((labels & faults).sum(), 1)
        print(f"faults shown from {confidence:.2f}: precision {right / max(shown.sum(), 1):.3f}  recall {recall:.3f}")


if __name__ == "__main__":
    main()
