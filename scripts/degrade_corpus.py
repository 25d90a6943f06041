"""Make a labelled corpus look like raw speech-to-text output, to measure robustness.

Every reply is lowercased, stripped of punctuation (apostrophes too: "dont", "im"), and
given fillers ("um", "uh", "like", "you know") and a repeated word, placed by a seeded
random generator; labels stay as they are.

    .venv/bin/python scripts/degrade_corpus.py corpus/behaviours/test.jsonl /tmp/test_stt.jsonl
    .venv/bin/trainer eval detector /tmp/test_stt.jsonl
"""

import json
import random
import re
import sys
from pathlib import Path

FILLERS = ["um", "uh", "like", "you know", "um", "uh"]


def degrade(reply: str, rng: random.Random) -> str:
    words = re.sub(r"[^\w\s]", "", reply.lower().replace("’", "'").replace("'", "")).split()
    if not words:
        return reply.lower()
    out: list[str] = []
    for index, word in enumerate(words):
        if rng.random() < 0.15:
            out.append(rng.choice(FILLERS))
        out.append(word)
        if index < 3 and rng.random() < 0.15:
            out.append(word)  # a false start: "i i"
    return " ".join(out)


def main(source: Path, target: Path, seed: int = 7) -> int:
    rng = random.Random(seed)
    rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    with target.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps({**row, "reply": degrade(row["reply"], rng)}, ensure_ascii=False) + "\n")
    print(f"{len(rows)} replies degraded into {target}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: degrade_corpus.py SOURCE.jsonl TARGET.jsonl")
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
