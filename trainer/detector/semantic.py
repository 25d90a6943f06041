"""The detector's semantic layer: a fine-tuned sentence encoder that reads what a reply means.

Rules and n-grams see words; this sees meaning ("Maybe plan ahead next time?" is blame with
no blame word in it). It is all-MiniLM-L6-v2 fine-tuned on the training parts with one output
per behaviour, reading the reply together with the customer's line it answers
(`scripts/train_semantic.py` rebuilds it), exported to ONNX and quantized to int8 so that it
runs on one CPU core with onnxruntime (piper's dependency) and `tokenizers` (faster-whisper's):
no PyTorch and no download at run time. The weights ship in `weights/` beside this file.

Managers' corrections cannot retrain the encoder without PyTorch, so the model remembers
them instead: a reply that means nearly the same as a corrected one (close in the encoder's
own space) moves toward the manager's verdict, the closer the further
(`trainer train detector --with-corrections`).
"""

import copy
import functools
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trainer.formats.corpus import LabelledRow, read_jsonl
from trainer.formats.errors import TrainerError
from trainer.meaning import one_core_session, padded
from trainer.playbook import Behaviour

log = logging.getLogger(__name__)

WEIGHTS = Path(__file__).parent / "weights"
BATCH = 32


# How close (cosine, in the encoder's pooled space) a reply must be to a corrected one for the
# correction to start counting, and to count in full.
MEMORY_FROM = 0.75
MEMORY_FULL = 0.9


@dataclass
class CorrectionMemory:
    """Corrected replies in the encoder's space, each with the verdict a manager gave."""

    encodings: np.ndarray  # (corrections, width), unit length
    behaviours: list[Behaviour]
    targets: np.ndarray  # (corrections,) 1.0: the behaviour was there (missed); 0.0: it was not

    def adjust(self, probs: np.ndarray, pooled: np.ndarray, order: list[Behaviour]) -> np.ndarray:
        unit = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-9)
        closeness = np.clip((unit @ self.encodings.T - MEMORY_FROM) / (MEMORY_FULL - MEMORY_FROM), 0, 1)
        out = probs.copy()
        for k, behaviour in enumerate(self.behaviours):
            column = order.index(behaviour)
            pull = closeness[:, k]
            better = pull > 0
            out[better, column] += (self.targets[k] - out[better, column]) * pull[better]
        return out


class SemanticModel:
    """Probabilities per behaviour for a reply read after the customer's line."""

    def __init__(self, folder: Path = WEIGHTS, memory: CorrectionMemory | None = None) -> None:
        from tokenizers import Tokenizer

        meta_file, model_file = folder / "meta.json", folder / "model.onnx"
        if not model_file.exists() or not meta_file.exists():
            raise TrainerError(f"no semantic model in {folder} (scripts/train_semantic.py builds it)")
        meta = json.loads(meta_file.read_text())
        self.folder = folder
        self.behaviours = [Behaviour(b) for b in meta["behaviours"]]
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=int(meta["max_tokens"]), strategy="only_second")
        self.session = one_core_session(model_file)
        self.memory = memory

    def with_memory(self, memory: CorrectionMemory | None) -> "SemanticModel":
        """The same encoder remembering corrections (shares the loaded session)."""
        twin = copy.copy(self)
        twin.memory = memory
        return twin

    def run(self, replies: list[str], customers: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(rows, behaviours) logits of the shipped layer and (rows, width) pooled encodings."""
        encodings = self.tokenizer.encode_batch(list(zip(replies, customers, strict=True)))
        logits, pooled = self.session.run(None, padded(encodings))
        return logits, pooled

    def scores(self, replies: list[str], customers: list[str]) -> np.ndarray:
        """(rows, behaviours) probabilities, in the order of `self.behaviours`."""
        logits, pooled = self.run(replies, customers)
        probs = 1 / (1 + np.exp(-logits))
        return probs if self.memory is None else self.memory.adjust(probs, pooled, self.behaviours)

    def probabilities(self, reply: str, customer: str = "") -> dict[Behaviour, float]:
        row = self.scores([reply], [customer])[0]
        return dict(zip(self.behaviours, row.tolist(), strict=True))

    def encodings(self, rows: list[LabelledRow]) -> np.ndarray:
        parts = [
            self.run([r.reply for r in rows[i : i + BATCH]], [r.customer or "" for r in rows[i : i + BATCH]])[1]
            for i in range(0, len(rows), BATCH)
        ]
        return np.concatenate(parts) if parts else np.zeros((0, 384), dtype=np.float32)


def remember(
    model: SemanticModel, rows: list[LabelledRow], verdicts: list[tuple[Behaviour, float]]
) -> CorrectionMemory:
    """The corrected replies' encodings, one entry per (reply, behaviour, verdict)."""
    encoded = model.encodings(rows)
    unit = encoded / np.maximum(np.linalg.norm(encoded, axis=1, keepdims=True), 1e-9)
    return CorrectionMemory(
        unit.astype(np.float32), [b for b, _ in verdicts], np.array([t for _, t in verdicts], dtype=np.float32)
    )


_LOCK = threading.Lock()


@functools.cache
def _load(folder: Path) -> SemanticModel:
    return SemanticModel(folder)


def load_semantic(folder: Path = WEIGHTS, corrections: Path | None = None) -> SemanticModel:
    """The shared model, loaded once a process; with a corrections file, remembering them."""
    with _LOCK:
        model = _load(folder)
        if corrections is None or not corrections.is_file() or not corrections.stat().st_size:
            return model
        stat = corrections.stat()
        return model.with_memory(_memory(folder, str(corrections), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=4)
def _memory(folder: Path, corrections: str, mtime: int, size: int) -> CorrectionMemory:
    """Corrections are few (a manager's clicks): encoding them takes a moment, once per file version."""
    rows, verdicts = [], []
    for row in read_jsonl(Path(corrections), LabelledRow):
        for behaviour, verdict in (getattr(row, "verdicts", None) or {}).items():
            rows.append(row)
            verdicts.append((Behaviour(behaviour), 1.0 if verdict == "missed" else 0.0))
    log.info("the semantic layer remembers %d corrections", len(verdicts))
    return remember(_load(folder), rows, verdicts)
