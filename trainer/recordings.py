"""Each call's audio, kept beside the log: a folder per session, compressed (Ogg Vorbis).

Paths stored in the log are relative to the sessions folder, so the folder can move.
Old recordings are removed after the retention period; the transcript stays in the log.
"""

import shutil
import time
from pathlib import Path

import numpy as np
import soundfile

AUDIO_DIR = "audio"


class Recordings:
    def __init__(self, sessions_dir: Path, retention_days: int = 90) -> None:
        self.root = sessions_dir
        self.retention_days = retention_days

    def save(self, session_id: str, name: str, samples: np.ndarray, rate: int) -> str:
        folder = self.root / AUDIO_DIR / session_id
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.ogg"
        soundfile.write(str(path), np.clip(samples, -1, 1), rate, format="OGG", subtype="VORBIS")
        return str(path.relative_to(self.root))

    def save_file(self, session_id: str, name: str, wav: Path) -> str:
        samples, rate = soundfile.read(str(wav), dtype="float32")
        return self.save(session_id, name, samples, rate)

    def path(self, relative: str) -> Path:
        return self.root / relative

    def prune(self, now: float | None = None) -> int:
        """Delete session audio folders older than the retention period; 0 days keeps all."""
        if self.retention_days <= 0 or not (self.root / AUDIO_DIR).is_dir():
            return 0
        cutoff = (now or time.time()) - self.retention_days * 86_400
        old = [f for f in (self.root / AUDIO_DIR).iterdir() if f.is_dir() and f.stat().st_mtime < cutoff]
        for folder in old:
            shutil.rmtree(folder, ignore_errors=True)
        return len(old)
