"""The n-gram layer of the hybrid detector: TF-IDF word and character n-grams, one logistic
regression per behaviour, trained on the corpus's training parts (never the test part).

Rules are precise but miss paraphrases; the n-gram model catches many of them and picks the
clause to quote for what only a model found (`trainer.detector.hybrid`).

The install step trains the model (`trainer train detector`, run by scripts/setup) into the
cache folder, keyed by a hash of the training data; a changed corpus retrains by itself on
first use.
"""

import functools
import hashlib
import logging
import math
import pickle
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trainer.detector.text import normalize
from trainer.formats.corpus import LabelledRow, read_jsonl
from trainer.formats.errors import TrainerError
from trainer.playbook import Behaviour
from trainer.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

CORPUS = PROJECT_ROOT / "corpus" / "behaviours"
# C: best macro-F1 of the settings tried by leave-one-part-out cross-validation (scripts/cv_detector.py).
C = 10.0
# Corrections are verified labels from the floor's own calls: they count this many times
# in training, so a few of them can outweigh the corpus rows that taught the mistake.
CORRECTION_WEIGHT = 3
MODEL_VERSION = 3


def training_files(folder: Path = CORPUS) -> list[Path]:
    return sorted(folder.glob("train_*.jsonl"))


def _corpus_hash(files: list[Path]) -> str:
    """Each call starts a detector: hash the corpus once, not once a call, while it is unchanged."""
    return _hash_of(tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files))


@functools.lru_cache(maxsize=8)
def _hash_of(files: tuple[tuple[str, int, int], ...]) -> str:
    digest = hashlib.sha256(f"v{MODEL_VERSION} C{C}".encode())
    for path, _, _ in files:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:16]


@dataclass
class Vocabulary:
    """One TF-IDF vectorizer reduced to what scoring needs: the same n-grams, no sklearn call."""

    analyzer: object  # text -> n-grams, from the fitted vectorizer
    index: dict[str, int]
    idf: np.ndarray
    offset: int  # where its columns start in the stacked weight matrix

    def weights(self, text: str) -> dict[int, float]:
        counts: dict[int, int] = {}
        for gram in self.analyzer(text):
            column = self.index.get(gram)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        values = {c: (1 + math.log(n)) * float(self.idf[c]) for c, n in counts.items()}  # sublinear tf x idf
        norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
        return {self.offset + c: v / norm for c, v in values.items()}


@dataclass
class NgramModel:
    """All behaviours' logistic regressions as one weight matrix: one pass scores them all."""

    vocabularies: list[Vocabulary]
    behaviours: list[Behaviour]
    coef: np.ndarray  # (features, behaviours)
    bias: np.ndarray  # (behaviours,)

    def scores(self, texts: list[str]) -> np.ndarray:
        out = np.tile(self.bias, (len(texts), 1))
        for row, text in enumerate(texts):
            weights: dict[int, float] = {}
            for vocabulary in self.vocabularies:
                weights.update(vocabulary.weights(text))
            if weights:
                columns = np.fromiter(weights.keys(), dtype=np.int64, count=len(weights))
                values = np.fromiter(weights.values(), dtype=np.float32, count=len(weights))
                out[row] += values @ self.coef[columns]
        return 1 / (1 + np.exp(-out))

    def probabilities(self, text: str) -> dict[Behaviour, float]:
        return dict(zip(self.behaviours, self.scores([text])[0].tolist(), strict=True))


def sample_weight(row: LabelledRow) -> float:
    """A manager's correction counts more than a corpus row: it is a verified label from the floor."""
    source = getattr(row, "source", None) or ""
    return float(CORRECTION_WEIGHT) if source.startswith("correction:") else 1.0


def corrections_file() -> Path:
    """Where `trainer train detector --with-corrections` keeps the floor's corrected turns."""
    from trainer.settings import load_settings

    return load_settings().sessions_dir / "corrections.jsonl"


def model_files() -> list[Path]:
    """What the n-gram layer learns from: the corpus's training parts, and corrections once exported."""
    extra = corrections_file()
    return training_files() + ([extra] if extra.is_file() and extra.stat().st_size else [])


def train(rows: list[LabelledRow], progress: Callable[[int, int], object] | None = None) -> NgramModel:
    """Fit one logistic regression per behaviour; `progress(done, total)` after each one."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts = [normalize(r.reply).joined for r in rows]
    weights = np.array([sample_weight(r) for r in rows], dtype=float)
    vectorizers = [
        TfidfVectorizer(ngram_range=(1, 3), sublinear_tf=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True),
    ]
    matrix = hstack([v.fit_transform(texts) for v in vectorizers]).tocsr()
    behaviours = [b for b in Behaviour if any(b in r.behaviours for r in rows)]
    coef = np.zeros((matrix.shape[1], len(behaviours)), dtype=np.float32)
    bias = np.zeros(len(behaviours), dtype=np.float32)
    if progress is not None:
        progress(0, len(behaviours))
    for column, behaviour in enumerate(behaviours):
        labels = np.array([behaviour in r.behaviours for r in rows], dtype=int)
        model = LogisticRegression(C=C, solver="liblinear", class_weight="balanced", max_iter=2000)
        model.fit(matrix, labels, sample_weight=weights)
        coef[:, column], bias[column] = model.coef_[0], model.intercept_[0]
        if progress is not None:
            progress(column + 1, len(behaviours))
    vocabularies, offset = [], 0
    for vectorizer in vectorizers:
        vocabularies.append(
            Vocabulary(
                vectorizer.build_analyzer(), dict(vectorizer.vocabulary_), vectorizer.idf_.astype(np.float32), offset
            )
        )
        offset += len(vectorizer.vocabulary_)
    return NgramModel(vocabularies, behaviours, coef, bias)


_LOCK = threading.Lock()
_LOADED: dict[str, NgramModel] = {}


def load_model(
    cache_dir: Path | None = None, files: list[Path] | None = None, progress: Callable[[int, int], object] | None = None
) -> NgramModel:
    """The model for the current training data: from memory, from the cache, or trained now
    (then `progress(done, total)` as each behaviour is fitted)."""
    files = files or model_files()
    if not files:
        raise TrainerError(f"no training data for the behaviour model (train_*.jsonl in {CORPUS})")
    key = _corpus_hash(files)
    with _LOCK:
        if key in _LOADED:
            return _LOADED[key]
        cache = (cache_dir or _default_cache()) / f"detector-{key}.pkl"
        model = _read_cache(cache)
        if model is None:
            log.info("training the behaviour model on %d files (once per corpus version)", len(files))
            model = train([row for path in files for row in read_jsonl(path, LabelledRow)], progress)
            _write_cache(cache, model)
        _LOADED[key] = model
        return model


def _default_cache() -> Path:
    from trainer.settings import load_settings

    return load_settings().cache_dir


def _read_cache(path: Path) -> NgramModel | None:
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)  # our own file, written below from our own training
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None


def _write_cache(path: Path, model: NgramModel) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as handle:
            pickle.dump(model, handle)
        tmp.replace(path)
    except OSError as exc:  # a read-only folder only costs the next start a retraining
        log.warning("cannot cache the behaviour model at %s: %s", path, exc)
