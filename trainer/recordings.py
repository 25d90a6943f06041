"""Each call's audio, kept beside the log: a folder per session, compressed (Ogg Vorbis).

Paths stored in the log are relative to the sessions folder, so the folder can move.
Old recordings are removed after the retention period; the transcript stays in the log.
"""

import contextlib
import os
import shutil
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path

import numpy as np
import soundfile

from trainer.audio.clip import write_ogg

AUDIO_DIR = "audio"


def _lowest_priority() -> None:
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


# Encodes trainee recordings after their turn's answer has gone out; at the lowest CPU priority,
# so a live turn (anyone's) is never slowed by it.
_writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="callcoach-recordings", initializer=_lowest_priority)


class Recordings:
    def __init__(self, sessions_dir: Path, retention_days: int = 90) -> None:
        self.root = sessions_dir
        self.retention_days = retention_days
        self._pending: dict[str, Future] = {}  # relative path -> its encoding, for `save_later`
        self._lock = threading.Lock()  # one store serves every call in the process

    def save(self, session_id: str, name: str, samples: np.ndarray, rate: int) -> str:
        """Keep audio in the session's folder as Ogg Vorbis; returns its path for the log."""
        return str(write_ogg(self._file(session_id, name), samples, rate).relative_to(self.root))

    def save_later(self, session_id: str, name: str, samples: np.ndarray, rate: int) -> str:
        """`save`, with the encoding done after the turn is answered (it took 15-60 ms of the
        trainee's wait); the path is returned now, and `flush` waits for the file."""
        path = self._file(session_id, name)
        relative = str(path.relative_to(self.root))
        encoding = _writer.submit(write_ogg, path, np.array(samples, np.float32), rate)
        with self._lock:
            self._pending = {path: f for path, f in self._pending.items() if not f.done()} | {relative: encoding}
        return relative

    def flush(self, timeout_s: float = 30.0) -> None:
        """Wait until every recording handed to `save_later` is on disk (a call ending, a reader)."""
        with self._lock:
            pending = list(self._pending.values())
        wait(pending, timeout=timeout_s)

    def save_file(self, session_id: str, name: str, wav: Path) -> str:
        """Keep a customer line: the voice cache's Ogg copy of it is linked, not encoded again."""
        path, ready = self._file(session_id, name), wav.with_suffix(".ogg")
        if not ready.is_file():
            samples, rate = soundfile.read(str(wav), dtype="float32")
            return self.save(session_id, name, samples, rate)
        path.unlink(missing_ok=True)
        try:
            os.link(ready, path)
        except OSError:  # another file system, or links not allowed
            shutil.copyfile(ready, path)
        return str(path.relative_to(self.root))

    def path(self, relative: str) -> Path:
        """Where a kept recording is on disk, once written (`save_later`'s too: only a reader of
        that one waits for it; the customer's line played after a turn never waits)."""
        with self._lock:
            pending = self._pending.get(relative)
        if pending is not None:
            wait([pending], timeout=30.0)
        return self.root / relative

    def _file(self, session_id: str, name: str) -> Path:
        folder = self.root / AUDIO_DIR / session_id
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{name}.ogg"

    def prune(self, now: float | None = None) -> int:
        """Delete session audio folders older than the retention period; 0 days keeps all."""
        if self.retention_days <= 0 or not (self.root / AUDIO_DIR).is_dir():
            return 0
        cutoff = (now or time.time()) - self.retention_days * 86_400
        old = [f for f in (self.root / AUDIO_DIR).iterdir() if f.is_dir() and f.stat().st_mtime < cutoff]
        for folder in old:
            shutil.rmtree(folder, ignore_errors=True)
        return len(old)
