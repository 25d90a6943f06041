"""pyttsx3, the system's own voices, kept in worker processes so a crash costs one line at most.

pyttsx3 is the one engine that speaks with the voices a Windows or macOS laptop already
has. Its drivers run native code on callback threads that have segfaulted and hung the
process they run in (see `EspeakEngine`), so `Pyttsx3Engine` never imports it: each of its
workers (`trainer.tts.system_voice_worker`) is a long-lived child process that owns one
pyttsx3 engine and answers one line at a time. When a worker crashes (it died: EOF), hangs
(no answer within the line's timeout) or fails, the engine kills it, starts a new one for
the next line, and speaks this line with espeak-ng, so the call goes on.
"""

import contextlib
import io
import json
import logging
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from trainer.formats.errors import TrainerError
from trainer.speechqueue import cores
from trainer.tts.engines import EspeakEngine, PiperEngine, Speech, SpeechEngine, VoiceSettings

log = logging.getLogger(__name__)

WORKER = Path(__file__).with_name("system_voice_worker.py")
BREAK_AFTER = 3  # failed lines in a row before the engine rests
REST_SECONDS = 60.0  # ... and lets espeak-ng speak every line for this long before trying again


class WorkerFailed(Exception):
    """A worker crashed, hung or could not speak a line; `reason` says which, in a few words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def worker_command(check: bool = False, folder: Path | None = None) -> list[str]:
    """`python -P <file>`: the worker imports nothing of the app, so it starts in ~0.15 s."""
    return [
        sys.executable,
        "-P",
        str(WORKER),
        *(["--check"] if check else []),
        *(["--folder", str(folder)] if folder is not None else []),
    ]


@dataclass
class _Process:
    """One running worker and the answers its reader thread has read so far."""

    popen: subprocess.Popen
    answers: "queue.Queue[tuple[dict[str, Any], bytes] | None]"
    folder: Path
    ready: bool = False

    @classmethod
    def start(cls) -> "_Process":
        folder = Path(tempfile.mkdtemp(prefix="callcoach-system-voice-"))
        popen = subprocess.Popen(
            worker_command(folder=folder),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),  # no console flashing up on Windows
        )
        answers: queue.Queue[tuple[dict[str, Any], bytes] | None] = queue.Queue()
        threading.Thread(target=_read_answers, args=(popen, answers), daemon=True, name="callcoach-pyttsx3").start()
        return cls(popen, answers, folder)

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
        self.popen.wait()
        for stream in (self.popen.stdin, self.popen.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        shutil.rmtree(self.folder, ignore_errors=True)  # a killed worker leaves its half-written line


def _read_answers(popen: subprocess.Popen, answers: "queue.Queue[tuple[dict[str, Any], bytes] | None]") -> None:
    """Answers as they come, on a thread: a blocking read is how a timeout works on every OS."""
    stream = popen.stdout
    assert stream is not None
    try:
        while header := stream.readline():
            message = json.loads(header)
            size = int(message.get("size") or 0)
            payload = stream.read(size) if size else b""
            if len(payload) < size:
                break
            answers.put((message, payload))
    except (OSError, ValueError):
        pass
    answers.put(None)  # the worker is gone


class _Worker:
    """One slot of the engine: a worker process, started when first needed and again after a failure."""

    def __init__(self, start_timeout: float) -> None:
        self.start_timeout = start_timeout
        self._process: _Process | None = None

    @property
    def pid(self) -> int | None:
        process = self._process
        return process.popen.pid if process is not None and process.popen.poll() is None else None

    def ask(self, request: dict[str, Any], timeout: float) -> tuple[dict[str, Any], bytes]:
        """Send one line, wait for its answer; WorkerFailed if the worker crashes, hangs or fails."""
        process = self._ready()
        try:
            assert process.popen.stdin is not None
            process.popen.stdin.write(json.dumps(request).encode() + b"\n")
            process.popen.stdin.flush()
        except OSError as exc:
            raise WorkerFailed(f"died ({self._exit(process)})") from exc
        return self._answer(process, timeout, "hung (no answer in {:.0f} s)")

    def restart(self) -> None:
        """Kill this worker (whatever it is doing) and start its replacement, which gets ready
        while this line is spoken by the fallback."""
        if self._process is not None:
            self._process.kill()
        self._process = _Process.start()

    def close(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process = None

    def _ready(self) -> _Process:
        if self._process is None or self._process.popen.poll() is not None:
            self.restart()
        process = self._process
        assert process is not None
        if not process.ready:
            self._answer(process, self.start_timeout, "did not start in {:.0f} s")
            process.ready = True
        return process

    def _answer(self, process: _Process, timeout: float, hung: str) -> tuple[dict[str, Any], bytes]:
        try:
            answer = process.answers.get(timeout=timeout)
        except queue.Empty:
            raise WorkerFailed(hung.format(timeout)) from None
        if answer is None:
            raise WorkerFailed(f"died ({self._exit(process)})")
        if not answer[0].get("ok"):
            raise WorkerFailed(f"failed: {answer[0].get('error') or 'no reason given'}")
        return answer

    @staticmethod
    def _exit(process: _Process) -> str:
        try:
            code = process.popen.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "its output closed"
        return f"exit code {code}"


def _decode(audio: bytes) -> Speech:
    """The driver's file (WAV; AIFF on macOS) as mono float32."""
    import soundfile

    try:
        samples, rate = soundfile.read(io.BytesIO(audio), dtype="float32", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError) as exc:
        raise WorkerFailed(f"wrote audio that cannot be read ({exc})") from exc
    if not len(samples):
        raise WorkerFailed("wrote no audio")
    return Speech(np.ascontiguousarray(samples.mean(axis=1), dtype=np.float32), int(rate))


_PROBE: dict[str, Any] = {}
_PROBE_LOCK = threading.Lock()


def probe() -> dict[str, Any]:
    """What a worker says when it starts here (`{"ok", "driver", "voices"}` or `{"ok": False,
    "error"}`), asked once per process: pyttsx3 importable is not enough, a driver must work."""
    with _PROBE_LOCK:
        if not _PROBE:
            _PROBE.update(_run_probe())
        return dict(_PROBE)


def _run_probe(env: dict[str, str] | None = None) -> dict[str, Any]:
    """Start a worker with `--check` (in `env`, default this process's) and read its first answer."""
    import importlib.util

    if env is None and importlib.util.find_spec("pyttsx3") is None:
        return {"ok": False, "error": "pyttsx3 is not installed"}
    try:
        done = subprocess.run(
            worker_command(check=True),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=20,
            env=env,
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
        )
        first = done.stdout.splitlines()[0] if done.stdout else b""
        answer = json.loads(first) if first else {"ok": False, "error": f"exit code {done.returncode}, no answer"}
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        answer = {"ok": False, "error": f"{exc.__class__.__name__}: {exc}"}
    if not answer.get("ok"):
        log.info("the pyttsx3 system voice is not available here: %s", answer.get("error"))
    return answer


class Pyttsx3Engine:
    """The system's voices through pyttsx3, in worker processes (see the module docstring).

    Persona settings map to pyttsx3's properties: `rate` is words per minute in both, `voice`
    picks a system voice by id, name or language (`system_voice_worker.pick_voice`; none
    given or none found: the system's default), `pitch` is used where the driver has one
    (espeak on Linux). A line that fails falls back to espeak-ng (piper where espeak-ng is
    not installed) and is marked `fallback`, so the voice cache does not keep it as this
    engine's sound.
    """

    name = "pyttsx3"

    def __init__(
        self,
        workers: int | None = None,
        timeout: float = 10.0,
        seconds_per_char: float = 0.02,
        start_timeout: float = 15.0,
        fallback: SpeechEngine | None = None,
    ) -> None:
        self.slots = max(1, workers or cores())  # one line at a time per worker
        self.timeout = timeout
        self.seconds_per_char = seconds_per_char
        self._fallback = fallback
        self._workers = [_Worker(start_timeout) for _ in range(self.slots)]
        self._free: queue.LifoQueue[_Worker] = queue.LifoQueue()  # the last used first: one warm worker does most
        for worker in reversed(self._workers):
            self._free.put(worker)
        weakref.finalize(self, _close_all, self._workers)  # no worker outlives the app, even a hung one
        self._lock = threading.Lock()
        self.failures = 0  # lines that fell back, since start
        self._in_a_row = 0
        self._resting_until = 0.0

    @staticmethod
    def installed() -> bool:
        return bool(probe().get("ok"))

    def synthesize(self, text: str, spec: VoiceSettings) -> Speech:
        """The line in the system voice, or, if its worker crashes, hangs or fails, in espeak-ng."""
        speech = None if time.monotonic() < self._resting_until else self._through_a_worker(text, spec)
        return speech if speech is not None else self._fall_back(text, spec)

    def _through_a_worker(self, text: str, spec: VoiceSettings) -> Speech | None:
        """None when the worker failed: it is replaced, and the failure logged."""
        worker = self._free.get()
        try:
            _, audio = worker.ask(self._request(text, spec), self.line_timeout(text))
            speech = _decode(audio)
        except WorkerFailed as exc:
            worker.restart()
            self._failed(exc.reason)
            return None
        finally:
            self._free.put(worker)
        with self._lock:
            self._in_a_row = 0
        return speech

    def line_timeout(self, text: str) -> float:
        """How long a line may take before its worker counts as hung: a long line takes longer."""
        return self.timeout + self.seconds_per_char * len(text)

    def start(self) -> None:
        """Get one worker ready now, so the first line does not wait for it to start."""
        worker = self._free.get()
        try:
            worker._ready()
        except WorkerFailed as exc:
            worker.restart()
            log.warning("the pyttsx3 system voice did not start (%s); it is tried again on the next line", exc)
        finally:
            self._free.put(worker)

    def worker_pids(self) -> list[int]:
        """The running workers' process ids (for tests and for an operator looking at `ps`)."""
        return [pid for pid in (w.pid for w in self._workers) if pid is not None]

    def close(self) -> None:
        """Stop every worker; one that is still needed is started again on the next line."""
        _close_all(self._workers)

    @staticmethod
    def _request(text: str, spec: VoiceSettings) -> dict[str, Any]:
        return {"text": text, "rate": spec.rate, "voice": spec.voice, "pitch": spec.pitch}

    def _failed(self, reason: str) -> None:
        with self._lock:
            self.failures += 1
            self._in_a_row += 1
            resting = self._in_a_row >= BREAK_AFTER
            if resting:
                self._in_a_row = 0
                self._resting_until = time.monotonic() + REST_SECONDS
        if resting:
            log.warning(
                "the pyttsx3 system voice %s, %d lines in a row; espeak-ng speaks for the next %.0f s",
                reason,
                BREAK_AFTER,
                REST_SECONDS,
            )
        else:
            log.warning("the pyttsx3 system voice %s; restarted it, espeak-ng speaks this line", reason)

    def _fall_back(self, text: str, spec: VoiceSettings) -> Speech:
        engine = self._fallback or _fallback_engine()
        try:
            speech = engine.synthesize(text, spec)
        except TrainerError:
            if spec.voice is None:
                raise
            speech = engine.synthesize(text, _without_voice(spec))  # a system voice's name means nothing to espeak
        return replace(speech, fallback=True)


def _close_all(workers: list[_Worker]) -> None:
    for worker in workers:
        worker.close()


def _without_voice(spec: VoiceSettings) -> VoiceSettings:
    from trainer.tts.voice import VoiceSpec

    return VoiceSpec("espeak", None, spec.rate, spec.pitch, spec.length_scale, steady=spec.steady)


_FALLBACK: list[SpeechEngine] = []


def _fallback_engine() -> SpeechEngine:
    """espeak-ng, the program; piper where it is not installed (a Windows laptop)."""
    if not _FALLBACK:
        if EspeakEngine.installed():
            _FALLBACK.append(EspeakEngine())
        elif PiperEngine.installed():
            from trainer.tts.engines import available_engine

            _FALLBACK.append(available_engine("piper"))  # the shared one: the model is loaded once
        else:
            raise TrainerError("the system voice failed and no other voice is installed: run scripts/setup")
    return _FALLBACK[0]
