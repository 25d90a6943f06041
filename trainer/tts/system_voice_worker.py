"""The process that owns pyttsx3: it speaks one line at a time and answers with its audio.

pyttsx3 is the one engine that speaks with the system voices (SAPI5 on Windows, NSSpeech on
macOS, libespeak-ng on Linux), but its drivers run native callbacks on their own threads
and have crashed and hung the process they live in. So they live here, in a worker that
`trainer.tts.system_voice` starts, and kills and replaces when it crashes or hangs.

It is started by file path with `python -P` (nothing of the app is imported: a fresh
worker is ready in ~0.15 s instead of the app's seconds) and uses only the standard
library and pyttsx3. `--folder DIR`: where it writes each line's file (the parent's, which
removes it even after a kill); without it, a temporary folder of its own.

The protocol, on the worker's stdin and stdout (bytes):

- requests: one JSON object a line, `{"text": ..., "rate": wpm|null, "voice": name|null,
  "pitch": 0-100|null}`;
- answers: one JSON header line, `{"ok": true, "size": n, "voice": id}` and then n bytes of
  the audio file the driver wrote (WAV; AIFF on macOS), or `{"ok": false, "error": "..."}`;
- first of all, once: `{"ok": true, "driver": name, "voices": [...]}` when pyttsx3 is up
  (`--check`: that line, then exit), or `{"ok": false, "error": ...}` and exit 1.

The test hook: CALLCOACH_TEST_SYSTEM_VOICE_STALL=<seconds> makes this worker sleep that
long at every word it speaks, so a test can kill it mid-line or watch it hang.
"""

import contextlib
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, BinaryIO

STALL_ENV = "CALLCOACH_TEST_SYSTEM_VOICE_STALL"
NO_AUDIO_BYTES = 100  # a WAV header and nothing after it: the espeak driver's rare empty line
FINISH_SECONDS = 120.0  # the parent gives up on a line long before this; it is only a backstop


def _language(tag: str) -> str:
    """'en_US', 'en-US' and 'en-us' are one language."""
    return tag.strip().lower().replace("_", "-")


def pick_voice(wanted: str | None, voices: list[dict[str, Any]]) -> str | None:
    """The id of the system voice a persona asks for, None for the system's default.

    A persona names a voice the way its author knows it: a driver's id, a voice's name
    ("Samantha", "Microsoft Zira Desktop"), or a language ("en-us", "en_GB"). Ids and
    names are tried before languages, exact matches before partial ones.
    """
    if not wanted or not wanted.strip():
        return None
    key = wanted.strip().lower()
    tag = _language(wanted)
    rules = (
        lambda v: str(v["id"]).lower() == key,
        lambda v: str(v.get("name") or "").lower() == key,
        lambda v: tag in [_language(lang) for lang in v.get("languages") or []],
        lambda v: str(v["id"]).lower().endswith("/" + key),  # espeak's "gmw/en-us" for "en-us"
        lambda v: key in str(v.get("name") or "").lower(),
        lambda v: any(_language(lang).split("-")[0] == tag.split("-")[0] for lang in v.get("languages") or []),
    )
    for rule in rules:
        for voice in voices:
            if rule(voice):
                return str(voice["id"])
    return None


def _languages(voice: Any) -> list[str]:
    return [lang.decode(errors="ignore") if isinstance(lang, bytes) else str(lang) for lang in voice.languages or []]


class Speaker:
    """One pyttsx3 engine, set per line to the voice and rate asked for."""

    def __init__(self, folder: Path) -> None:
        import pyttsx3

        self.engine = pyttsx3.init()
        self.driver = str(self.engine)
        self.voices = [
            {"id": str(v.id), "name": v.name, "languages": _languages(v)} for v in self.engine.getProperty("voices")
        ]
        self.default_voice = self.engine.getProperty("voice")
        self.folder = folder
        # The espeak driver synthesizes on libespeak-ng's own thread: runAndWait can return
        # before the file is written. It says "finished-utterance" once the file is closed.
        self._finished = threading.Event()
        self.engine.connect("finished-utterance", lambda **_: self._finished.set())
        # A first line: the driver is known to make audio before the worker says it is ready,
        # and pyttsx3's command queue is idle after it, so the settings of every later line
        # are applied when set, not queued behind the line.
        if len(self._save("Ready.")) <= NO_AUDIO_BYTES:
            raise RuntimeError("the system voice made no audio")
        stall = float(os.environ.get(STALL_ENV) or 0)
        if stall > 0:
            self.engine.connect("started-word", lambda **_: time.sleep(stall))

    def speak(self, text: str, rate: int | None, voice: str | None, pitch: int | None) -> tuple[bytes, str | None]:
        chosen = pick_voice(voice, self.voices) or self.default_voice
        if chosen:
            self.engine.setProperty("voice", chosen)
        self.engine.setProperty("rate", int(rate or 170))
        if self.driver == "espeak":
            if pitch is not None:  # the other drivers have no pitch
                self.engine.setProperty("pitch", int(pitch))
            from pyttsx3.drivers import _espeak

            # libespeak-ng applies settings on its own thread: without this wait a line is
            # often spoken at the last line's rate (about 1 line in 3 here).
            _espeak.Synchronize()
        for _ in range(2):  # the espeak driver rarely writes an empty file; a second try speaks
            audio = self._save(text)
            if len(audio) > NO_AUDIO_BYTES:
                return audio, chosen
        raise RuntimeError("the system voice wrote no audio")

    def _save(self, text: str) -> bytes:
        path = self.folder / "line.wav"
        path.unlink(missing_ok=True)
        self._finished.clear()
        self.engine.save_to_file(text, str(path))
        self.engine.runAndWait()
        # SAPI5 and NSSpeech are done when runAndWait returns (SAPI5 does not even say
        # "finished" for a file); the espeak driver is done when it says so.
        if self.driver == "espeak" and not self._finished.wait(FINISH_SECONDS):
            raise RuntimeError("the system voice never finished the line")
        audio = path.read_bytes() if path.is_file() else b""
        path.unlink(missing_ok=True)
        return audio


def _send(out: BinaryIO, header: dict[str, Any], payload: bytes = b"") -> None:
    out.write(json.dumps(header).encode() + b"\n" + payload)
    out.flush()


def _protocol_stream() -> BinaryIO:
    """The real stdout, kept for answers; fd 1 itself goes to the null device, because
    pyttsx3's espeak driver prints "Audio saved to ..." for every line it saves."""
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, sys.stdout.fileno())
    os.close(null)
    return out


def serve(requests: BinaryIO, out: BinaryIO, folder: Path, check: bool = False) -> int:
    try:
        speaker = Speaker(folder)
    except Exception as exc:  # no driver on this system: the parent falls back
        _send(out, {"ok": False, "error": f"{exc.__class__.__name__}: {exc}"})
        return 1
    _send(out, {"ok": True, "driver": speaker.driver, "voices": speaker.voices})
    if check:
        return 0
    for line in requests:
        try:
            request = json.loads(line)
            audio, voice = speaker.speak(
                str(request["text"]), request.get("rate"), request.get("voice"), request.get("pitch")
            )
        except Exception as exc:
            _send(out, {"ok": False, "error": f"{exc.__class__.__name__}: {exc}"})
            continue
        _send(out, {"ok": True, "size": len(audio), "voice": voice}, audio)
    return 0


def main() -> None:
    args = sys.argv[1:]
    out = _protocol_stream()
    given = args[args.index("--folder") + 1] if "--folder" in args[:-1] else None
    folder = Path(given or tempfile.mkdtemp(prefix="callcoach-system-voice-"))
    code = serve(sys.stdin.buffer, out, folder, check="--check" in args)
    with contextlib.suppress(OSError):
        out.flush()
    if given is None:
        shutil.rmtree(folder, ignore_errors=True)
    # The espeak driver cannot be shut down cleanly (pyttsx3 says so itself): leave at once.
    os._exit(code)


if __name__ == "__main__":
    main()
