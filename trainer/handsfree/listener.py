"""One call's open microphone: chunks in, "the trainee started talking" and finished turns out.

At a short pause the words so far are transcribed (through the transcriber's fair queue, as a
recording would be) to tell a finished sentence from a breath; a finished turn goes to the call
as a WAV, like a push-to-talk recording, so it is checked, heard, measured and kept the same way.
"""

import io
import logging
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import soundfile

from trainer.audio import SAMPLE_RATE, Clip
from trainer.audio.level import measure_level
from trainer.handsfree.turns import Heard, TurnDetector, TurnEvent, TurnSettings, ends_a_sentence
from trainer.speechqueue import speaking_for, speech_queue
from trainer.stt.engines import Transcriber

log = logging.getLogger("callcoach.handsfree")
SHORT_PIECE_S = 1.2  # the words after a pause, this short, are checked against the whole turn
SHOW_EVERY_S = 3.0  # a speech without pauses shows its words this often


def wav_bytes(samples: np.ndarray) -> bytes:
    """A finished turn as the WAV a browser would have uploaded."""
    out = io.BytesIO()
    soundfile.write(out, samples, SAMPLE_RATE, format="WAV", subtype="PCM_16")
    return out.getvalue()


@dataclass
class Listener:
    """The hands-free side of one call. `customer_until` is when the customer's current line
    stops playing on the page (monotonic seconds): speech before then talks over the customer."""

    transcriber: Transcriber
    trainee: str
    settings: TurnSettings = field(default_factory=TurnSettings)
    customer_until: float = 0.0
    barged_in: bool = False  # the turn being spoken began over the customer's line
    # Finished turns being answered, oldest first: the stream goes on while the call replies.
    answers: deque[Future] = field(default_factory=deque)
    _detector: TurnDetector = field(init=False)
    _so_far: "_SoFar | None" = None  # the turn heard up to its last pause (each check adds to it)
    _shown_so_far: "_SoFar | None" = None  # ... or mid-speech, for the page only
    _shown: str = ""
    _showing: Future | None = None
    _work: ThreadPoolExecutor = field(init=False)

    def __post_init__(self) -> None:
        self._detector = TurnDetector(self.settings, finished=self._finished)
        # One thread a call: transcription at a pause and the answer to a turn, in order; the
        # stream's own handler only runs the VAD, so no chunk of the microphone is dropped.
        self._work = ThreadPoolExecutor(max_workers=1, thread_name_prefix="callcoach-listener")
        self._display = ThreadPoolExecutor(max_workers=1, thread_name_prefix="callcoach-listener-words")

    def answer(self, reply) -> None:
        """Answer a finished turn in the background (`reply()` returns the call's new view)."""
        self.answers.append(self._work.submit(self._timed, reply))

    @staticmethod
    def _timed(reply):
        started = time.monotonic()
        view = reply()
        log.debug("hands-free: answered %.3f -> %.3f", started, time.monotonic())
        return view

    def answered(self, wait_s: float = 0.0):
        """The oldest answer if it is ready within `wait_s` (its result: the call's new view), else None."""
        if not self.answers:
            return None
        try:
            self.answers[0].result(timeout=wait_s)
        except TimeoutError:
            return None
        return self.answers.popleft().result()

    def feed(self, samples: np.ndarray, rate: int) -> TurnEvent:
        """The next chunk from the browser; a `speech_started` while the customer is still
        speaking is a barge-in (`interrupting`)."""
        event = self._detector.feed(samples, rate)
        self._show_long_speech()
        return event

    def _show_long_speech(self) -> None:
        """A speech that goes on without a pause is heard every few seconds for the page alone
        (on its own thread: a pause's check never waits behind it)."""
        speech = self._detector.speech_so_far()
        if speech is None or (self._showing is not None and not self._showing.done()):
            return
        turn = self._detector.turns
        heard = [h for h in (self._so_far, self._shown_so_far) if h is not None and h.turn == turn]
        since = len(speech) - max((h.samples for h in heard), default=0)
        if since >= SHOW_EVERY_S * SAMPLE_RATE:
            self._showing = self._display.submit(self._heard_for_the_page, speech, turn)

    def _heard_for_the_page(self, speech: np.ndarray, turn: int) -> None:
        before = self._so_far if self._so_far is not None and self._so_far.turn == turn else _SoFar(turn, 0, "")
        text = f"{before.text} {self._transcribe(speech[before.samples :])}".strip()
        self._shown_so_far = _SoFar(turn, len(speech), text)

    def interrupting(self) -> bool:
        return time.monotonic() < self.customer_until

    def customer_speaks(self, seconds: float) -> None:
        """The customer's new line starts playing now and lasts `seconds`."""
        self.customer_until = time.monotonic() + seconds

    def quiet(self) -> None:
        """Drop a turn in progress and stop the thread (the call ended)."""
        self._detector.reset()
        self._work.shutdown(wait=False, cancel_futures=True)
        self._display.shutdown(wait=False, cancel_futures=True)

    @property
    def partial(self) -> str:
        """What the trainee has said so far in the turn being spoken (as of its last pause, or
        of the last few seconds of a speech with none)."""
        turn = self._detector.turns
        heard = [h for h in (self._so_far, self._shown_so_far) if h is not None and h.turn == turn]
        return max(heard, key=lambda h: h.samples).text if heard else ""

    def new_words(self) -> str | None:
        """The words so far, once each time they grow: for the page to show as the trainee talks."""
        words = self.partial
        if not words or words == self._shown:
            return None
        self._shown = words
        return words

    def _finished(self, samples: np.ndarray) -> Future:
        return self._work.submit(self._transcribed, samples, self._detector.turns)

    def _transcribed(self, samples: np.ndarray, turn: int) -> tuple[bool, str]:
        """The turn so far, heard at a pause. Only the words since the last pause are transcribed
        (that pause cut the audio in silence, so no word is split): most of a turn is heard while
        the trainee is still talking, and little is left when they stop."""
        started = time.monotonic()
        before = self._so_far if self._so_far is not None and self._so_far.turn == turn else _SoFar(turn, 0, "")
        tail = self._transcribe(samples[before.samples :])
        text = f"{before.text} {tail}".strip()
        # Words spoken but not recognised at the end ("...closing, and") are a hesitation: not finished.
        done = bool(tail) and ends_a_sentence(text)
        if done and before.samples and len(samples) - before.samples < SHORT_PIECE_S * SAMPLE_RATE:
            # A short last piece is heard again with the whole turn before the turn ends on it:
            # alone, whisper takes a hesitant "click the" for "Click this." (whole, it drops a
            # hesitant "and", so each reading guards the other's mistake).
            done = ends_a_sentence(self._transcribe(samples))
        self._so_far = _SoFar(turn, len(samples), text)
        log.debug("hands-free: check %.3f -> %.3f %s %r", started, time.monotonic(), done, text[-40:])
        return done, text

    def _transcribe(self, samples: np.ndarray) -> str:
        # Measured like a recording (`trainer.audio.level`): a quiet voice is brought up for recognition.
        clip = Clip(samples, "stream", measure_level(samples))
        with speaking_for(self.trainee):
            queue = speech_queue(f"transcriber:{self.transcriber.name}", self.transcriber.slots)
            return queue.run(lambda: self.transcriber.transcribe(clip)).text.strip()


@dataclass(frozen=True)
class _SoFar:
    """A turn's words up to a pause: `samples` of its audio were heard as `text`."""

    turn: int
    samples: int
    text: str


__all__ = ["Heard", "Listener", "TurnEvent", "wav_bytes"]
