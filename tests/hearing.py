"""Did the transcriber hear what the trainee said? A word error rate, not exact words.

Whisper's output for the same sound can differ a word or two between CPUs (its int8
kernels differ), so a test that needs a reply heard allows a few wrong words and says
which ones when it fails.
"""

import jiwer

from trainer.stt.evaluate import normalize

MOST_WORDS = 0.3  # at most about one word in three wrong


def assert_heard(heard: str, said: str, max_wer: float = MOST_WORDS) -> None:
    words = normalize(heard)
    error = jiwer.wer(normalize(said), words) if words else 1.0
    assert error <= max_wer, f"heard {heard!r} for {said!r}: word error rate {error:.2f} > {max_wer}"
