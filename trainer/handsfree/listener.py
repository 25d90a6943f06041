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
    _work: ThreadPoolExecutor = field(init=False)

    def __post_init__(self) -> None:
        self._detector = TurnDetector(self.settings, finished=self._finished)
        # One thread a call: transcription at a pause and the answer to a turn, in order; the
        # stream's own handler only runs the VAD, so no chunk of the microphone is dropped.
        self._work = ThreadPoolExecutor(max_workers=1, thread_name_prefix="callcoach-listener")

    def answer(self, reply) -> None:
        """Answer a finished turn in the background (`reply()` returns the call's new view)."""
        self.answers.append(self._work.submit(reply))

    def answered(self):
        """The oldest answer if it is ready (its result: the call's new view), else None."""
        if self.answers and self.answers[0].done():
            return self.answers.popleft().result()
        return None

    def feed(self, samples: np.ndarray, rate: int) -> TurnEvent:
        """The next chunk from the browser; a `speech_started` while the customer is still
        speaking is a barge-in (`interrupting`)."""
        return self._detector.feed(samples, rate)

    def interrupting(self) -> bool:
        return time.monotonic() < self.customer_until

    def customer_speaks(self, seconds: float) -> None:
        """The customer's new line starts playing now and lasts `seconds`."""
        self.customer_until = time.monotonic() + seconds

    def quiet(self) -> None:
        """Drop a turn in progress and stop the thread (the call ended)."""
        self._detector.reset()
        self._work.shutdown(wait=False, cancel_futures=True)

    def _finished(self, samples: np.ndarray) -> Future:
        return self._work.submit(self._transcribed, samples)

    def _transcribed(self, samples: np.ndarray) -> tuple[bool, str]:
        started = time.monotonic()
        done, text = self._transcribe(samples)
        log.debug("hands-free: check %.3f -> %.3f %s %r", started, time.monotonic(), done, text[-40:])
        return done, text

    def _transcribe(self, samples: np.ndarray) -> tuple[bool, str]:
        # Measured like a recording (`trainer.audio.level`): a quiet voice is brought up for recognition.
        clip = Clip(samples, "stream", measure_level(samples))
        with speaking_for(self.trainee):
            queue = speech_queue(f"transcriber:{self.transcriber.name}", self.transcriber.slots)
            text = queue.run(lambda: self.transcriber.transcribe(clip)).text
        return ends_a_sentence(text), text


__all__ = ["Heard", "Listener", "TurnEvent", "wav_bytes"]
