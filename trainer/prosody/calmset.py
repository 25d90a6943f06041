"""Write the labels.csv folders `trainer eval calm` reads, from the Berlin Emotional Speech Database.

EmoDB (Burkhardt et al. 2005, "A database of German emotional speech", Interspeech; CC BY 4.0,
https://doi.org/10.5281/zenodo.7447302): ten actors, five women and five men, each saying the
same ten sentences in seven emotions. Its file names say the speaker (first two digits) and the
emotion (sixth letter: W anger, N neutral). Only neutral and angry takes are used.

Split by speaker, every other speaker id in order: 03 09 11 13 15 tune the model, 08 10 12 14 16
are held out and were never looked at while tuning. Each folder gets a `wav` link to the source
folder and a labels.csv in file-name order (so a speaker's baseline is their first two neutral
takes by name). The audio stays where it is, outside the repository:

    python -m trainer.prosody.calmset /path/to/emodb/wav .cache/calmdata
    python -m trainer.prosody.evaluate .cache/calmdata/emodb-heldout
"""

import argparse
import csv
import sys
from pathlib import Path

EMOTION = {"W": "angry", "N": "neutral"}
TUNE = ("03", "09", "11", "13", "15")
HELDOUT = ("08", "10", "12", "14", "16")


def write_split(source: Path, out: Path, speakers: tuple[str, ...]) -> int:
    """`out`/labels.csv for the neutral and angry takes of `speakers`; returns how many."""
    out.mkdir(parents=True, exist_ok=True)
    link = out / "wav"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(source.resolve(), target_is_directory=True)
    rows = [
        {"file": f"wav/{p.name}", "speaker": p.name[:2], "emotion": EMOTION[p.name[5]]}
        for p in sorted(source.glob("*.wav"))
        if len(p.stem) >= 6 and p.name[:2] in speakers and p.name[5] in EMOTION
    ]
    with (out / "labels.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["file", "speaker", "emotion"])
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trainer.prosody.calmset", description=__doc__.splitlines()[0])
    parser.add_argument("source", help="EmoDB's wav folder (03a01Fa.wav, ...)")
    parser.add_argument("out", help="where the emodb-tune and emodb-heldout folders go")
    args = parser.parse_args(argv)
    source, out = Path(args.source), Path(args.out)
    if not any(source.glob("??a01*.wav")):
        print(f"error: {source}: no EmoDB recordings (03a01Fa.wav, ...) in it", file=sys.stderr)
        return 2
    for name, speakers in (("emodb-tune", TUNE), ("emodb-heldout", HELDOUT)):
        print(f"{out / name}: {write_split(source, out / name, speakers)} takes of speakers {' '.join(speakers)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
