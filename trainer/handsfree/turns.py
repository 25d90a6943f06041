"""When the trainee has finished speaking: voice activity in a streamed microphone, and pauses.

A phone call has no "send" button: the trainee stops talking and the customer answers. The
detector hears the microphone in small chunks as the browser sends them (webrtcvad on 30 ms
frames, at any gain: it judges the shape of the sound, not its loudness) and decides:

- speech started (the customer, if talking, is being talked over: barge-in);
- the turn ended: after a short pause when what was said so far is a finished sentence or a
  question (`finished` is asked: the caller transcribes the words so far, which it needs anyway),
  after a longer pause otherwise ("so what I'd like you to... do" is not cut off at the "...").

It holds no threads and no models: feed it chunks, act on what it returns (`trainer.handsfree`).
A chunk in which the pause becomes long enough may wait up to `check_wait_ms` for the check
still running, once per pause: the turn then ends now, not a chunk (0.2 s) later.
"""

from collections.abc import Callable
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
from pydantic import BaseModel, Field

from trainer.audio import SAMPLE_RATE, AudioError

FRAME_MS = 30
FRAME = SAMPLE_RATE * FRAME_MS // 1000
HARD_STOP_S = 10.0  # past max_turn_s with no pause at all, the turn ends anyway: memory stays bounded


class TurnSettings(BaseModel):
    """How long a pause ends a turn; chosen so nobody is cut off mid-sentence (`trainer bench voice`)."""

    sentence_pause_ms: int = Field(300, ge=90, le=3000, description="a pause after a finished sentence or question")
    # At the first silent frame or so: webrtcvad's own hangover (median 135 ms, mode 2) means a
    # frame it calls silent already follows that much real silence, and the check is the slowest
    # step left when the trainee stops (0.15-0.3 s of whisper). Its words are kept either way:
    # the next check hears only what was said after this pause.
    early_check_ms: int = Field(
        30, ge=30, le=3000, description="the words so far are transcribed this far into a pause, ahead of its end"
    )
    # Short, and never a chunk period (0.2 s) or more: gradio keeps only the newest chunk that
    # arrives while the stream handler is busy (`event.data = body`), so a longer wait could drop
    # the words of a trainee who goes on after the pause.
    check_wait_ms: int = Field(
        100, ge=0, le=150, description="a pause long enough to end the turn waits this long for its check"
    )
    open_pause_ms: int = Field(1000, ge=200, le=5000, description="a pause in mid-sentence")
    min_speech_ms: int = Field(240, ge=60, le=2000, description="voiced time before it counts as speech")
    max_turn_s: float = Field(60.0, ge=5, le=300, description="a turn this long ends at the next pause")
    aggressiveness: int = Field(2, ge=0, le=3, description="webrtcvad's: higher ignores more noise")
    cut_in_after_s: float | None = Field(None, ge=5, le=120, description="the customer cuts in on a speech this long")


class Heard(StrEnum):
    nothing = "nothing"
    speech_started = "speech_started"  # the trainee began a turn: talking over the customer is a barge-in
    turn_ended = "turn_ended"


@dataclass
class TurnEvent:
    kind: Heard
    samples: np.ndarray | None = None  # the whole turn (float32 mono at SAMPLE_RATE), once it ended
    text: str | None = None  # what `finished` heard, when it was asked (the turn's transcript)
    cut_in: bool = False  # the turn ended because it went on too long: the customer cuts in


# The rates a browser's microphone records at. Any other is refused before resampling: a chunk
# that claims 1 Hz would become 16,000 samples per sample, and a prime rate makes the filter huge.
BROWSER_RATES = frozenset({8_000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000, 88_200, 96_000})
MAX_CHUNK_S = 2.0  # a chunk arrives every 0.2 s; anything much longer is not a live microphone


def to_mono_16k(samples: np.ndarray, rate: int) -> np.ndarray:
    """A browser's chunk (int16 or float, mono or stereo, 44.1/48 kHz) as float32 mono at 16 kHz;
    an AudioError for a chunk no browser microphone sends (checked before any work is done)."""
    if rate not in BROWSER_RATES:
        raise AudioError(f"the microphone sends audio at {rate} Hz; a browser's is 8 to 96 kHz")
    if np.ndim(samples) > 2 or len(samples) > rate * MAX_CHUNK_S:
        raise AudioError("that is not a live microphone's chunk: at most 2 s of mono or stereo audio")
    return resampled_16k(samples, rate)


def resampled_16k(samples: np.ndarray, rate: int) -> np.ndarray:
    """Any audio (int or float, mono or stereo) as float32 mono at 16 kHz, unchecked: for files."""
    data = np.asarray(samples)
    if data.ndim == 2:
        data = data.mean(axis=1)
    if data.dtype.kind in "iu":
        data = data.astype(np.float32) / 32768.0
    data = data.astype(np.float32)
    if rate == SAMPLE_RATE or len(data) == 0:
        return data
    from math import gcd

    from scipy.signal import resample_poly

    step = gcd(rate, SAMPLE_RATE)
    return resample_poly(data, SAMPLE_RATE // step, rate // step).astype(np.float32)


@dataclass
class TurnDetector:
    """One trainee's microphone, chunk by chunk. `finished(samples) -> (done, text)` says whether
    the words so far end a sentence; without it every pause waits `open_pause_ms`. It may return
    a Future instead: the chunks keep coming while it transcribes (a stream must not stall), and
    the answer is used once it is there, if the trainee is still silent."""

    settings: TurnSettings = field(default_factory=TurnSettings)
    finished: Callable[[np.ndarray], "tuple[bool, str] | Future[tuple[bool, str]]"] | None = None
    _asked: "Future[tuple[bool, str]] | None" = None  # a check in flight (maybe for words since added to)
    _fresh: bool = False  # nothing was said since that check was asked for: its answer holds
    _verdict: bool | None = None  # the answer for this pause: finished or not
    _pending: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    _turn: list[np.ndarray] = field(default_factory=list)
    _voiced_ms: int = 0
    _silence_ms: int = 0
    _speaking: bool = False
    _asked_at_ms: int | None = None  # the pause length at which `finished` said "not yet"
    _text: str | None = None
    _waited: bool = False  # this pause already waited for its check
    turns: int = 0  # turns ended or dropped so far: what `finished` hears belongs to turn number `turns`

    def __post_init__(self) -> None:
        import webrtcvad

        self._vad = webrtcvad.Vad(self.settings.aggressiveness)

    def feed(self, samples: np.ndarray, rate: int = SAMPLE_RATE) -> TurnEvent:
        """The next chunk; at most one event per chunk (the later one wins: a turn that ended)."""
        audio = np.concatenate([self._pending, to_mono_16k(samples, rate)])
        whole = len(audio) // FRAME * FRAME
        self._pending = audio[whole:]
        event = TurnEvent(Heard.nothing)
        for start in range(0, whole, FRAME):
            step = self._frame(audio[start : start + FRAME])
            if step.kind is not Heard.nothing:
                event = step
            if step.kind is Heard.turn_ended:
                break
        return event

    def speech_so_far(self) -> np.ndarray | None:
        """The turn being spoken, while the trainee is talking (None between turns)."""
        return np.concatenate(self._turn) if self._speaking and self._turn else None

    def reset(self) -> None:
        """Forget a turn in progress (the call ended, or the customer is speaking over it)."""
        self._turn, self._voiced_ms, self._silence_ms, self._speaking = [], 0, 0, False
        self._asked_at_ms, self._text, self._asked, self._fresh, self._verdict = None, None, None, False, None
        self._waited = False
        self.turns += 1

    def _frame(self, frame: np.ndarray) -> TurnEvent:
        pcm = (np.clip(frame, -1, 1) * 32767).astype("<i2").tobytes()
        voiced = self._vad.is_speech(pcm, SAMPLE_RATE)
        if not self._speaking:
            return self._before_speech(frame, voiced)
        self._turn.append(frame)
        if voiced:
            self._waited = False
            self._silence_ms, self._asked_at_ms, self._text, self._fresh, self._verdict = 0, None, None, False, None
            seconds = len(self._turn) * FRAME_MS / 1000
            limit = self.settings.cut_in_after_s
            if limit is not None and seconds >= limit:
                return self._ended(cut_in=True)
            if seconds >= self.settings.max_turn_s + HARD_STOP_S:  # a stream that never pauses (noise, abuse)
                return self._ended()
            return TurnEvent(Heard.nothing)
        self._silence_ms += FRAME_MS
        return self._after_pause()

    def _before_speech(self, frame: np.ndarray, voiced: bool) -> TurnEvent:
        """Keep a little sound before the first word (its onset); speech once enough is voiced."""
        self._turn = [*self._turn[-10:], frame]
        self._voiced_ms = self._voiced_ms + FRAME_MS if voiced else max(0, self._voiced_ms - FRAME_MS // 2)
        if self._voiced_ms >= self.settings.min_speech_ms:
            self._speaking, self._silence_ms = True, 0
            return TurnEvent(Heard.speech_started)
        return TurnEvent(Heard.nothing)

    def _after_pause(self) -> TurnEvent:
        s = self.settings
        seconds = len(self._turn) * FRAME_MS / 1000
        if self._silence_ms >= s.open_pause_ms or (seconds >= s.max_turn_s and self._silence_ms >= s.sentence_pause_ms):
            return self._ended()
        self._check(min(s.early_check_ms, s.sentence_pause_ms))
        if self._silence_ms >= s.sentence_pause_ms and self._verdict is None and not self._waited:
            self._waited = True  # once a pause: a check that takes longer is used when it comes
            self._await_check(s.check_wait_ms / 1000)
        if self._verdict and self._silence_ms >= s.sentence_pause_ms:
            return self._ended()
        return TurnEvent(Heard.nothing)

    def _check(self, after_ms: int) -> None:
        """Ask whether the words so far are finished early in the pause, so the answer is there
        by the time the pause is long enough; one check in flight at a time (a check for words
        since added to runs on, and its answer is dropped)."""
        if self._asked is not None and self._asked.done():
            asked, self._asked = self._asked, None
            if self._fresh:
                try:
                    self._verdict, self._text = asked.result()
                except Exception:  # no transcript at the pause: the long pause decides
                    self._verdict = False
        wanted = self.finished is not None and self._asked_at_ms is None and self._silence_ms >= after_ms
        if wanted and self._asked is None:
            self._asked_at_ms, self._fresh = self._silence_ms, True
            answer = self.finished(np.concatenate(self._turn))  # type: ignore[misc]
            self._asked = answer if isinstance(answer, Future) else _done(answer)
            self._check(after_ms)  # a plain answer is there at once

    def _await_check(self, seconds: float) -> None:
        """The pause is long enough to end a finished sentence, and its check is still running:
        wait for it here rather than for the next chunk, a fifth of a second later."""
        if self._asked is not None and self._fresh:
            wait([self._asked], timeout=seconds)
            self._check(self.settings.early_check_ms)

    def _ended(self, cut_in: bool = False) -> TurnEvent:
        samples = np.concatenate(self._turn)
        keep = len(samples) - max(0, self._silence_ms - 150) * SAMPLE_RATE // 1000  # most of the pause goes
        text = self._text
        self.reset()
        return TurnEvent(Heard.turn_ended, samples[:keep], text, cut_in)


def _done(answer: tuple[bool, str]) -> "Future[tuple[bool, str]]":
    future: Future[tuple[bool, str]] = Future()
    future.set_result(answer)
    return future


# A sentence that stops on one of these is not finished, whatever the punctuation says
# (speech recognition puts a full stop at every pause). Not "it" or "you": "Remove it.", "Thank you."
_GOES_ON = {
    "and", "or", "but", "so", "because", "if", "then", "that", "which", "who", "to", "the", "a", "an",
    "of", "for", "with", "in", "on", "at", "your", "my", "our", "is", "are", "was", "um", "uh", "like",
    "when", "while", "just", "also", "can", "could", "will", "would", "should", "i", "we",
}  # fmt: skip


def ends_a_sentence(text: str) -> bool:
    """Whether a transcript so far reads as finished: ends with . ? or ! and not on a word that
    carries on ("...and.", "...to the.")."""
    words = text.strip().rstrip(".?!…").split()
    if not words or not text.strip().endswith((".", "?", "!")):
        return False
    return words[-1].lower().strip(",;:'\"") not in _GOES_ON
