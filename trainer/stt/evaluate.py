"""Word error rate of a transcriber on recordings with reference transcripts beside them.

Both sides are normalized the same way before counting: lowercase, contractions expanded
("you're" and "you are" are the same words), punctuation dropped.
"""

import re
import time
from dataclasses import dataclass
from pathlib import Path

import jiwer

from trainer.audio import load_clip
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


def evaluate_stt(transcriber: Transcriber, folder: Path) -> tuple[list[Scored], float]:
    """Per-file results and the corpus word error rate (errors over all reference words)."""
    scored: list[Scored] = []
    for audio, reference in pairs(folder):
        started = time.perf_counter()
        heard = transcriber.transcribe(load_clip(audio)).text
        seconds = time.perf_counter() - started
        scored.append(Scored(audio.name, reference, heard, jiwer.wer(normalize(reference), normalize(heard)), seconds))
    overall = jiwer.wer([normalize(s.reference) for s in scored], [normalize(s.heard) for s in scored])
    return scored, overall
