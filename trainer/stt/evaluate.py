"""Word error rate of a transcriber on recordings with reference transcripts beside them.

Both sides are normalized the same way before counting: lowercase, contractions expanded
("you're" and "you are" are the same words), punctuation dropped. A recording the app would
refuse (`load_clip`: nobody spoke, unreadable, too long) does not stop the evaluation: it is
counted as refused, every word of its reference missed, because a trainee who said them would
have had to say them again.
"""

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jiwer

from trainer.audio import AudioError, load_clip
from trainer.detector.text import CONTRACTIONS
from trainer.formats.errors import TrainerError
from trainer.stt.engines import Transcriber

AUDIO = (".wav", ".ogg", ".webm", ".mp3", ".m4a", ".flac")


def normalize(text: str) -> str:
    words = re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower().replace("’", "'"))
    expanded = " ".join(CONTRACTIONS.get(w, w) for w in words)
    return re.sub(r"'s\b", "", expanded).replace("'", "")


@dataclass
class Scored:
    name: str
    reference: str
    heard: str
    wer: float
    seconds: float
    refused: str = ""  # why the app would not take the recording, or ""
    advice: str = ""  # what the app would tell the trainee about it ("you were very quiet: ...")


def pairs(folder: Path) -> list[tuple[Path, str]]:
    if not folder.is_dir():
        raise TrainerError(f"{folder}: not a folder of recordings")
    found = []
    for audio in sorted(p for p in folder.iterdir() if p.suffix.lower() in AUDIO):
        reference = audio.with_suffix(".txt")
        if reference.is_file():
            found.append((audio, reference.read_text(encoding="utf-8").strip()))
    if not found:
        raise TrainerError(f"{folder}: no recordings with a reference transcript beside them (reply.wav + reply.txt)")
    return found


def evaluate_stt(
    transcriber: Transcriber, folder: Path, progress: Callable[[int, int], None] | None = None
) -> tuple[list[Scored], float]:
    """Per-file results and the corpus word error rate (errors over all reference words, a
    refused recording's all missed); `progress(done, total)` after each recording."""
    found = pairs(folder)
    scored = []
    for done, (audio, reference) in enumerate(found, 1):
        scored.append(score_one(transcriber, audio, reference))
        if progress is not None:
            progress(done, len(found))
    overall = jiwer.wer([normalize(s.reference) for s in scored], [normalize(s.heard) for s in scored])
    return scored, overall


def score_one(transcriber: Transcriber, audio: Path, reference: str) -> Scored:
    """One recording through what a spoken turn goes through: checked, then transcribed."""
    started = time.perf_counter()
    try:
        clip = load_clip(audio)
    except AudioError as refused:
        return Scored(audio.name, reference, "", 1.0, time.perf_counter() - started, refused=str(refused))
    heard = transcriber.transcribe(clip).text
    seconds = time.perf_counter() - started
    wer = jiwer.wer(normalize(reference), normalize(heard))
    return Scored(audio.name, reference, heard, wer, seconds, advice=clip.advice)


def summary(scored: list[Scored], overall: float, engine: str) -> str:
    """The closing line of `trainer eval stt`: the word error rate, and how many were refused."""
    refused = sum(1 for s in scored if s.refused)
    timed = [s.seconds for s in scored if not s.refused] or [0.0]
    quiet = sum(1 for s in scored if s.advice)
    return (
        f"word error rate {overall:.3f} over {len(scored)} recordings ({engine}), "
        f"{refused} refused (their words counted as missed), {quiet} heard as very quiet, "
        f"{sum(timed) / len(timed):.2f} s per recording"
    )


def result_line(s: Scored) -> str:
    """One recording's line: its word error rate, or why it was refused."""
    if s.refused:
        return f"{s.name:<16} REFUSED  {s.refused}"
    mark = "" if s.wer == 0 else f"   heard: {s.heard!r}"
    quiet = "  (very quiet)" if s.advice else ""
    return f"{s.name:<16} WER {s.wer:5.2f}  {s.seconds:5.2f} s{quiet}{mark}"
