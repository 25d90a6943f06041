"""Cross-validate the hybrid detector on the training parts only: leave one part out.

Each training part (corpus/behaviours/train_*.jsonl) was written in its own sitting, so
holding out a whole part is the closest the training data gets to the separately written
test part, which this script never reads. This retrains the rules + n-gram layers per fold
(the semantic layer needs PyTorch to retrain: scripts/train_semantic.py --dev PART, then
scripts/tune_hybrid.py).

    .venv/bin/python scripts/cv_detector.py [--bar 0.5] [--fault-bar 0.5]
"""

import argparse
import sys
from pathlib import Path

from trainer.detector.hybrid import BLEND, Blend, HybridDetector
from trainer.detector.learned import train, training_files
from trainer.evaluation import Counts, evaluate
from trainer.formats.corpus import LabelledRow, read_jsonl
from trainer.playbook import Behaviour


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bar", type=float, default=BLEND.bar)
    parser.add_argument("--fault-bar", type=float, default=BLEND.fault_bar)
    parser.add_argument("--parts", nargs="*", type=Path, help="training part files (default: all)")
    parser.add_argument("--show", metavar="BEHAVIOUR", help="print the held-out replies it got wrong")
    args = parser.parse_args()
    parts = {path.stem: list(read_jsonl(path, LabelledRow)) for path in args.parts or training_files()}
    total = {b: Counts() for b in Behaviour}
    for held_out, rows in parts.items():
        seen = [row for name, part in parts.items() if name != held_out for row in part]
        blend = Blend(
            semantic_weight=0.0,
            rule_trust=BLEND.rule_trust,
            rule_veto=BLEND.rule_veto,
            bar=args.bar,
            fault_bar=args.fault_bar,
        )
        detector = HybridDetector(train(seen), blend=blend, use_semantic=False)
        report = evaluate(detector, rows)
        for mistake in report.mistakes:
            if args.show in mistake.missed + mistake.wrong:
                kind = "missed" if args.show in mistake.missed else "wrong"
                print(f"  {kind}: {mistake.reply}")
        print(f"{held_out:<10} {len(rows):4d} rows   macro-F1 {report.macro_f1:.3f}")
        for behaviour, counts in report.counts.items():
            total[behaviour].tp += counts.tp
            total[behaviour].fp += counts.fp
            total[behaviour].fn += counts.fn
    for behaviour, counts in sorted(total.items(), key=lambda kv: kv[1].f1):
        print(f"  {behaviour.value:<24} P {counts.precision:.2f}  R {counts.recall:.2f}  F1 {counts.f1:.3f}")
    scored = [c for c in total.values() if c.support or c.fp]
    print(f"pooled macro-F1 {sum(c.f1 for c in scored) / len(scored):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
