"""Choose the whisper window (trainer/stt/window.py) on replies the STT evaluation never uses.

The tuning replies are clean-style replies from the detector's *training* corpus
(corpus/behaviours/train_*.jsonl), spoken three ways: the headless trainee voice, the same
with noise at 20 dB SNR, and espeak-ng. The evaluation set (corpus/stt/replies.txt, see
make_stt_set.py) plays no part here, so its word error rate stays a held-out figure.

    .venv/bin/python scripts/tune_stt_window.py [N_REPLIES]
"""

import json
import random
import sys
import time
from pathlib import Path

import jiwer
import numpy as np
from scipy.signal import resample_poly

from trainer.audio import SAMPLE_RATE, load_clip
from trainer.settings import PROJECT_ROOT
from trainer.stt.engines import shared_transcriber
from trainer.stt.evaluate import normalize
from trainer.stt.window import WindowedWhisper, WindowOptions
from trainer.tts.engines import EspeakEngine
from trainer.tts.trainee import speak_as_trainee
from trainer.tts.voice import VoiceSpec

FULL = (100, 3000)  # whisper's whole 30 s window, for comparison
CANDIDATES = [(after, shortest) for shortest in (500, 800, 1000, 1200, 1500) for after in (100, 300)] + [FULL]


def tuning_replies(count: int) -> list[str]:
    rows = []
    for part in sorted((PROJECT_ROOT / "corpus" / "behaviours").glob("train_*.jsonl")):
        rows += [json.loads(line) for line in part.read_text(encoding="utf-8").splitlines() if line.strip()]
    clean = sorted({r["reply"] for r in rows if r.get("style") == "clean" and len(r["reply"].split()) >= 6})
    return random.Random(7).sample(clean, count)


def spoken(replies: list[str], folder: Path) -> dict[str, list[np.ndarray]]:
    trainee = [load_clip(speak_as_trainee(text, folder / f"{n}.wav")).samples for n, text in enumerate(replies)]
    rng = np.random.default_rng(0)
    noisy = [a + rng.normal(0, 1, a.shape).astype(np.float32) * float(np.sqrt(np.mean(a**2))) / 10 for a in trainee]
    espeak, spec = EspeakEngine(), VoiceSpec("espeak", "en-us", 160, 50, None)
    robotic = []
    for text in replies:
        speech = espeak.synthesize(text, spec)
        robotic.append(resample_poly(speech.samples, SAMPLE_RATE, speech.rate).astype(np.float32))
    return {"trainee": trainee, "noise 20 dB": noisy, "espeak": robotic}


def main(count: int) -> int:
    import tempfile

    replies = tuning_replies(count)
    model = shared_transcriber().model  # the loaded faster-whisper model
    with tempfile.TemporaryDirectory() as folder:
        voices = spoken(replies, Path(folder))
    references = [normalize(r) for r in replies]
    for after, shortest in CANDIDATES:
        whisper = WindowedWhisper(model, WindowOptions(silence_after=after, shortest=shortest))
        figures = []
        for name, audios in voices.items():
            started = time.perf_counter()
            heard = [normalize(whisper.transcribe(a)["text"]) for a in audios]
            each = (time.perf_counter() - started) / len(audios)
            figures.append(f"{name} WER {jiwer.wer(references, heard):.3f} ({each:.2f} s)")
        print(f"silence_after {after:4d} shortest {shortest:4d}: " + "  ".join(figures), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 40))
