"""Make the speech-to-text evaluation set: each line of corpus/stt/replies.txt spoken by the
headless trainee voice into OUT/reply-NN.wav, with its reference text in OUT/reply-NN.txt.

    .venv/bin/python scripts/make_stt_set.py /tmp/stt-set
    .venv/bin/trainer eval stt /tmp/stt-set

The whisper model was never tuned on this voice (piper en_US-joe at the trainee's slower,
plainer setting); the references are the exact text spoken.
"""

import sys
from pathlib import Path

from trainer.settings import PROJECT_ROOT
from trainer.tts.trainee import speak_as_trainee

REPLIES = PROJECT_ROOT / "corpus" / "stt" / "replies.txt"


def main(out: Path) -> int:
    lines = [s.strip() for s in REPLIES.read_text(encoding="utf-8").splitlines() if s.strip() and not s.startswith("#")]
    out.mkdir(parents=True, exist_ok=True)
    for number, text in enumerate(lines, start=1):
        speak_as_trainee(text, out / f"reply-{number:02d}.wav")
        (out / f"reply-{number:02d}.txt").write_text(text + "\n", encoding="utf-8")
    print(f"{len(lines)} replies spoken into {out}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_stt_set.py OUT_DIR")
    sys.exit(main(Path(sys.argv[1])))
