"""`trainer eval calm FOLDER`: is anger heard against the speaker's own calm voice?

FOLDER holds `labels.csv` (columns `file`, `speaker`, `emotion` in neutral|calm|angry, and an
optional `transcript`; files relative to FOLDER) and the recordings. As in a call, each
speaker's first two neutral takes (in the file's order) are the baseline, and every other take
of theirs is compared with it: an angry take should be flagged, a neutral or calm one should not.
The old detector (louder, faster or higher pitch alone) is counted beside the combined verdict,
so a change of the model shows what it bought.

Also here, for whoever retunes the model: `--fit` prints the weights a folder's takes give
(to paste into `compare.TENSE_CUES`), and `--ablate TUNE` fits each subset of the cues on the
TUNE folder and reports it on FOLDER, which says how much each measure helps.
"""

import argparse
import csv
import io
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ValidationError, field_validator

from trainer.audio import AudioError, load_clip
from trainer.formats.call import VoiceChange, VoiceMeasures
from trainer.formats.errors import FormatError, TrainerError
from trainer.prosody.compare import (
    BASELINE_REPLIES,
    HIGHER_ST,
    LOUDER_DB,
    TENSE_CUES,
    Cue,
    compare_to_baseline,
    cue_changes,
    not_calm,
)
from trainer.prosody.measure import measure

LABELS = "labels.csv"
COLUMNS = ("file", "speaker", "emotion")
EMOTIONS = ("neutral", "calm", "angry")
MAX_PROBLEMS = 10  # a broken labels.csv lists this many problems at once, not only the first

Progress = Callable[[int, int], None]


class CalmTake(BaseModel):
    """One row of labels.csv."""

    file: str
    speaker: str
    emotion: Literal["neutral", "calm", "angry"]
    transcript: str = ""

    @field_validator("file", "speaker")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("is empty")
        return value.strip()


@dataclass
class Judged:
    """A take compared with its speaker's baseline."""

    take: CalmTake
    change: VoiceChange
    current: VoiceMeasures
    earlier: list[VoiceMeasures]  # the speaker's baseline takes

    @property
    def changes(self) -> dict[str, float | None]:
        """Each cue's change, for refitting without measuring again."""
        return cue_changes(self.current, self.earlier)

    @property
    def angry(self) -> bool:
        return self.take.emotion == "angry"

    @property
    def flagged(self) -> bool:
        return not_calm(self.change)

    @property
    def tense(self) -> bool:
        return self.change.tense

    @property
    def old_flagged(self) -> bool:
        """What the detector before the combined verdict said: louder, faster or higher alone."""
        change = self.change
        return change.louder_db >= LOUDER_DB or change.faster or change.pitch_up_st >= HIGHER_ST


@dataclass
class Tally:
    """How many takes of one kind were flagged, printed as the issue reads them ("angry flagged 28/32 87.5%")."""

    flagged: int = 0
    total: int = 0

    def line(self, label: str) -> str:
        share = f"{self.flagged / self.total:.1%}" if self.total else "-"
        return f"{label} flagged {self.flagged}/{self.total} {share}"


@dataclass
class CalmReport:
    """Every judged take of a folder, by speaker, with what was left out and why."""

    judged: dict[str, list[Judged]]  # by speaker, in the file's order
    baselines: dict[str, list[str]]  # the files each speaker's baseline is made of
    skipped: list[str] = field(default_factory=list)  # speakers or takes left out, and why

    def tally(self, speaker: str | None = None, angry: bool = True, by: str = "verdict") -> Tally:
        """Flagged takes of one kind: by the whole verdict, the tense model alone, or the old detector."""
        rows = self.judged[speaker] if speaker else [j for js in self.judged.values() for j in js]
        chosen = [j for j in rows if j.angry == angry]
        flagged = {"verdict": Judged.flagged, "tense": Judged.tense, "old": Judged.old_flagged}[by]
        return Tally(sum(flagged.fget(j) for j in chosen), len(chosen))


# -- labels.csv -----------------------------------------------------------------------------
def read_labels(folder: Path) -> list[CalmTake]:
    """The takes of labels.csv, every recording checked to exist; all problems in one error."""
    if not folder.is_dir():
        raise TrainerError(f"{folder}: not a folder (it should hold {LABELS} and the recordings)")
    path = folder / LABELS
    if not path.is_file():
        raise TrainerError(f"{folder}: no {LABELS} (columns: file, speaker, emotion, and optionally transcript)")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise FormatError(path, [(None, "", "not UTF-8 text")]) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))  # a quoted transcript may hold line breaks
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        found = ", ".join(header) if header else "nothing"
        raise FormatError(path, [(1, "", f"the header needs the columns {', '.join(missing)} (found: {found})")])
    takes, problems = [], []
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        take, problem = _take(folder, number, row)
        if problem:
            problems.append(problem)
        elif take:
            takes.append(take)
    if problems:
        raise FormatError(path, problems[:MAX_PROBLEMS])
    if not takes:
        raise TrainerError(f"{path}: no takes listed")
    return takes


def _take(folder: Path, number: int, row: dict[str, str]) -> tuple[CalmTake | None, tuple | None]:
    row["emotion"] = row.get("emotion", "").lower()
    if row["emotion"] not in EMOTIONS:
        said = f"'{row['emotion']}'" if row["emotion"] else "nothing"
        return None, (number, "emotion", f"{said} is not one of {', '.join(EMOTIONS)}")
    try:
        take = CalmTake.model_validate({k: row.get(k, "") for k in (*COLUMNS, "transcript")})
    except ValidationError as exc:
        name = str(exc.errors()[0]["loc"][0])
        return None, (number, name, f"the {name} is missing")
    if not (folder / take.file).is_file():
        return None, (number, "file", f"no recording at {folder / take.file}")
    return take, None


# -- measuring and judging ------------------------------------------------------------------
def measure_takes(
    folder: Path, takes: list[CalmTake], progress: Progress | None = None, quieter_db: float = 0.0
) -> tuple[dict[str, VoiceMeasures], list[str]]:
    """Each take's measures, by file; a recording the app would refuse is left out, with why.

    `quieter_db` turns each take down by a random 0 to that many dB (the same every run), as a
    browser's gain control or a moving microphone would: a verdict that hangs on the recording
    level shows it there."""
    measured, refused = {}, []
    gains = random.Random(0)
    for done, take in enumerate(takes, 1):
        try:
            clip = load_clip(folder / take.file)
        except AudioError as exc:
            refused.append(f"{take.file}: refused as the app would refuse it ({exc})")
        else:
            if quieter_db:
                clip = replace(clip, samples=clip.samples * 10 ** (-gains.uniform(0, quieter_db) / 20))
            measured[take.file] = measure(clip, take.transcript)
        if progress is not None:
            progress(done, len(takes))
    return measured, refused


def judge(takes: list[CalmTake], measured: dict[str, VoiceMeasures], skipped: list[str] | None = None) -> CalmReport:
    """Every take after each speaker's first two neutral ones, compared with those two."""
    report = CalmReport({}, {}, list(skipped or []))
    speakers: dict[str, list[CalmTake]] = {}
    for take in takes:
        if take.file in measured:
            speakers.setdefault(take.speaker, []).append(take)
    for speaker, own in speakers.items():
        base = [t for t in own if t.emotion == "neutral"][:BASELINE_REPLIES]
        if len(base) < BASELINE_REPLIES:
            report.skipped.append(f"speaker {speaker}: fewer than {BASELINE_REPLIES} neutral takes for a baseline")
            continue
        earlier = [measured[t.file] for t in base]
        report.baselines[speaker] = [t.file for t in base]
        report.judged[speaker] = [
            Judged(t, compare_to_baseline(measured[t.file], earlier), measured[t.file], earlier)
            for t in own
            if t not in base
        ]
    return report


def evaluate_calm(folder: Path, progress: Progress | None = None, quieter_db: float = 0.0) -> CalmReport:
    """The whole evaluation of one folder: read, measure, judge."""
    takes = read_labels(folder)
    measured, refused = measure_takes(folder, takes, progress, quieter_db)
    return judge(takes, measured, refused)


def format_report(report: CalmReport, mistakes: int = 0) -> str:
    """A line a speaker, the overall lines, the tense model alone and the old detector beside them,
    then up to `mistakes` missed or wrongly flagged takes with the numbers that decided them."""
    lines = [f"  {note}" for note in report.skipped]
    for speaker in report.judged:
        angry, other = report.tally(speaker), report.tally(speaker, angry=False)
        lines.append(f"speaker {speaker}: {angry.line('angry')}, {other.line('neutral/calm')}")
    if not report.judged:
        lines.append("no speaker had two neutral takes for a baseline: nothing to evaluate")
        return "\n".join(lines)
    lines += [
        f"overall, {len(report.judged)} speakers:",
        report.tally().line("angry"),
        report.tally(angry=False).line("neutral/calm"),
        f"tense verdict alone (no loudness): {report.tally(by='tense').line('angry')}, "
        f"{report.tally(angry=False, by='tense').line('neutral/calm')}",
        f"old detector (louder, faster or higher alone): {report.tally(by='old').line('angry')}, "
        f"{report.tally(angry=False, by='old').line('neutral/calm')}",
    ]
    wrong = [j for js in report.judged.values() for j in js if j.flagged != j.angry]
    for j in wrong[:mistakes]:
        what = "missed angry" if j.angry else f"flagged {j.take.emotion}"
        lines.append(f"  {what}: {j.take.file} (speaker {j.take.speaker}) {_numbers(j)}")
    return "\n".join(lines)


def _numbers(judged: Judged) -> str:
    change, rise = judged.change, judged.changes["rise_up_st_s"]
    return (
        f"tension {change.tension:.2f}: pitch {change.pitch_up_st:+.1f} st, sharper {change.sharper_db:+.1f} dB, "
        f"rises {rise or 0.0:+.1f} st/s, louder {change.louder_db:+.1f} dB"
    )


# -- tuning ---------------------------------------------------------------------------------
def _rows(report: CalmReport, names: list[str]) -> tuple[list[list[float]], list[bool]]:
    judged = [j for js in report.judged.values() for j in js]
    return [[j.changes.get(n) or 0.0 for n in names] for j in judged], [j.angry for j in judged]


def fit_cues(report: CalmReport, names: list[str]) -> tuple[dict[str, Cue], float]:
    """Logistic regression (L2, C=1) on the named changes, each divided by its spread among
    the neutral takes, so a weight reads as "log-odds per typical calm difference"."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x, y = _rows(report, names)
    features, labels = np.array(x, dtype=float), np.array(y, dtype=bool)
    if labels.all() or not labels.any():
        raise TrainerError("fitting needs both angry and neutral/calm takes")
    scales = np.maximum(features[~labels].std(axis=0), 1e-3)
    model = LogisticRegression(C=1.0).fit(features / scales, labels)
    weights = zip(names, scales, model.coef_[0], strict=True)
    cues = {n: Cue(scale=round(float(s), 2), weight=round(float(w), 2)) for n, s, w in weights}
    return cues, round(float(model.intercept_[0]), 2)


def rescored(report: CalmReport, cues: dict[str, Cue], bias: float) -> tuple[Tally, Tally]:
    """Angry and neutral/calm tallies had the tense verdict used these cues."""
    angry, other = Tally(), Tally()
    for j in (j for js in report.judged.values() for j in js):
        tally = angry if j.angry else other
        tally.total += 1
        tally.flagged += not_calm(compare_to_baseline(j.current, j.earlier, cues, bias))
    return angry, other


ALL_CUES = ["pitch_up_st", "sharper_db", "flatter_db", "range_up_st", "rise_up_st_s", "pace_log"]


def ablation(tune: CalmReport, check: CalmReport) -> list[str]:
    """Each cue alone, and all of them but one, fitted on `tune` and reported on `check`."""
    subsets = [("all six", ALL_CUES), ("shipped", list(TENSE_CUES))]
    subsets += [(f"{n} alone", [n]) for n in ALL_CUES]
    subsets += [(f"all but {n}", [m for m in ALL_CUES if m != n]) for n in ALL_CUES]
    lines = []
    for label, names in subsets:
        cues, bias = fit_cues(tune, names)
        angry, other = rescored(check, cues, bias)
        lines.append(f"{label:<22} {angry.line('angry')}, {other.line('neutral/calm')}")
    return lines


def format_fit(cues: dict[str, Cue], bias: float) -> str:
    """The fitted model as the Python to paste into compare.py, so the shipped weights are reproducible."""
    body = "\n".join(f'    "{n}": Cue(scale={c.scale}, weight={c.weight}),' for n, c in cues.items())
    return f"TENSE_CUES: dict[str, Cue] = {{\n{body}\n}}\nTENSE_BIAS = {bias}"


# -- command line ---------------------------------------------------------------------------
def add_arguments(parser: argparse.ArgumentParser, tuning: bool = False) -> None:
    """The arguments of `trainer eval calm`, shared with `python -m trainer.prosody.evaluate`;
    the tuning options are listed in the second's --help only (a trainer has no use for them)."""
    parser.add_argument("folder", help=f"a folder with {LABELS} (file, speaker, emotion[, transcript]) and recordings")
    parser.add_argument("--mistakes", type=int, default=0, help="list this many missed or wrongly flagged takes")
    parser.add_argument(
        "--quieter",
        type=float,
        default=0.0,
        metavar="DB",
        help="turn each take down by a random 0 to DB dB first, as a gain control would (default 0)",
    )
    shown = {
        "fit": f"print the weights these takes give CUES (default: the shipped ones; known: {', '.join(ALL_CUES)})",
        "ablate": "fit each subset of the cues on the TUNE folder and report it on FOLDER",
    }
    hidden = {name: argparse.SUPPRESS for name in shown}
    helps = shown if tuning else hidden
    parser.add_argument("--fit", nargs="?", const=",".join(TENSE_CUES), metavar="CUES", help=helps["fit"])
    parser.add_argument("--ablate", metavar="TUNE", help=helps["ablate"])


def render(args: argparse.Namespace, progress: Progress | None = None) -> str:
    """The evaluation of `args.folder` as printed (with a fit or an ablation when asked); the
    CLI measures under its progress bar and prints once the bar is gone."""
    if args.mistakes < 0:
        raise TrainerError(f"--mistakes takes 0 or more, not {args.mistakes}")
    if not 0 <= args.quieter <= 40:
        raise TrainerError(f"--quieter takes 0 to 40 dB, not {args.quieter:g}")
    names = [n.strip() for n in (args.fit or "").split(",") if n.strip()]
    unknown = [n for n in names if n not in ALL_CUES]
    if unknown:
        raise TrainerError(f"unknown cues {', '.join(unknown)}; known: {', '.join(ALL_CUES)}")
    report = evaluate_calm(Path(args.folder), progress, args.quieter)
    parts = [format_report(report, args.mistakes)]
    if names:
        parts.append(format_fit(*fit_cues(report, names)))
    if args.ablate:
        lines = ablation(evaluate_calm(Path(args.ablate)), report)
        parts.append(f"fitted on {args.ablate}, reported on {args.folder}:\n" + "\n".join(lines))
    return "\n\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    """`python -m trainer.prosody.evaluate FOLDER`: the same as `trainer eval calm FOLDER`, plus the
    tuning options; an error is one plain line and exit status 2, as in the CLI."""
    parser = argparse.ArgumentParser(prog="python -m trainer.prosody.evaluate", description=__doc__.splitlines()[0])
    add_arguments(parser, tuning=True)
    args = parser.parse_args(argv)
    try:
        print(render(args))
    except TrainerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
