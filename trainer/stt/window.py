"""Whisper over a window as long as the reply, not 30 s: the encoder is most of a turn's wait.

faster-whisper pads every segment to whisper's full 30 s window, so a 5 s reply costs the
encoder six times the audio it holds (0.34 s of the 0.5 s a reply took on 2 cores).
CTranslate2 encodes shorter inputs as they come, the way whisper.cpp's `audio_ctx` does,
so this encodes the reply plus a little silence and decodes greedily from the same prompt
and token rules faster-whisper uses. Replies too long for one window go to faster-whisper's
own long-form transcription unchanged.

It is a `Transcribable` for SpeechRecognition's whisper recognizer, so audio still comes in
through SpeechRecognition like every other engine.
"""

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from trainer.audio import SAMPLE_RATE

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

FULL_WINDOW = 3000  # whisper's 30 s of 10 ms mel frames
SILENCE_AFTER = 100  # 1 s of padding after the speech, as whisper sees after a short clip
SHORTEST_WINDOW = 1200  # shorter windows make whisper guess at words (scripts/tune_stt_window.py)
NO_SPEECH = 0.6  # faster-whisper's no_speech_threshold
UNSURE_LOG_PROB = -1.0  # faster-whisper's log_prob_threshold
TOKENS_PER_SECOND = 8  # a generous ceiling on how fast anyone speaks, against repetition loops
MAX_PREVIOUS_TOKENS = 223  # whisper's limit on the text before (half its 448-token context, less one)


@dataclass(frozen=True)
class WindowOptions:
    silence_after: int = SILENCE_AFTER
    shortest: int = SHORTEST_WINDOW


def window_frames(frames: int, options: WindowOptions) -> int:
    """The encoder's input length for a reply of `frames` mel frames, a multiple of 100."""
    wanted = max(options.shortest, frames + options.silence_after)
    return min(FULL_WINDOW, -(-wanted // 100) * 100)


class WindowedWhisper:
    """English transcription of one reply, greedy, without timestamps."""

    def __init__(self, model: "WhisperModel", options: WindowOptions | None = None) -> None:
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_suppressed_tokens
        from speech_recognition.recognizers.whisper_local.faster_whisper import TranscribableAdapter

        self.model = model
        self.options = options or WindowOptions()
        self._long_form = TranscribableAdapter(model)
        self._tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language="en")
        self._prompt = [*self._tokenizer.sot_sequence, self._tokenizer.no_timestamps]
        self._suppressed = list(get_suppressed_tokens(self._tokenizer, [-1]))

    def transcribe(self, audio_array: np.ndarray, **kwargs: Any) -> dict[str, Any]:
        features = self.model.feature_extractor(audio_array)
        frames = features.shape[-1]
        if frames + self.options.silence_after > FULL_WINDOW:
            return self._long_form.transcribe(audio_array, **kwargs)
        seconds = len(audio_array) / SAMPLE_RATE
        prompt = self._prompt_with(kwargs.get("initial_prompt"))
        encoded = self._encode(features, window_frames(frames, self.options))
        heard = self._generate(encoded, seconds, prompt)
        if heard.no_speech_prob > NO_SPEECH:
            # Whisper doubts anyone spoke. In a short window it then writes confident
            # nonsense for a tone ("Beep Beep..."); in its full window faster-whisper's
            # rule below is reliable, and a doubtful reply is rare enough to pay for it.
            encoded = self._encode(features, FULL_WINDOW)
            heard = self._generate(encoded, seconds, prompt)
        if prompt is not self._prompt and says_twice(heard.text):
            # Told words before a short reply, whisper now and then writes the reply twice
            # ("What's your problem? What's your problem?"); heard without them, it does not.
            heard = self._generate(encoded, seconds, self._prompt)
        return {"text": "" if heard.nothing_said else heard.text, "segments": [], "language": "en"}

    def _prompt_with(self, previous_text: str | None) -> list[int]:
        """faster-whisper's prompt: `initial_prompt` as the text before this one, then the task."""
        if not previous_text or not previous_text.strip():
            return self._prompt
        previous = self._tokenizer.encode(" " + previous_text.strip())[-MAX_PREVIOUS_TOKENS:]
        return [self._tokenizer.sot_prev, *previous, *self._prompt]

    def _encode(self, features: np.ndarray, window: int):
        """The encoder's output for the reply padded to `window` frames (the costly half of a turn)."""
        import ctranslate2

        padded = np.zeros((1, features.shape[0], window), dtype=np.float32)
        padded[0, :, : features.shape[-1]] = features
        return self.model.model.encode(ctranslate2.StorageView.from_array(padded), to_cpu=False)

    def _generate(self, encoded, seconds: float, prompt: list[int]) -> "Decoded":
        result = self.model.model.generate(
            encoded,
            [prompt],
            beam_size=1,
            max_length=len(prompt) + int(seconds * TOKENS_PER_SECOND) + 16,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=self._suppressed,
        )[0]
        tokens = [t for t in result.sequences_ids[0] if t < self._tokenizer.eot]
        text = self._tokenizer.decode(tokens).strip()
        return Decoded(text, result.no_speech_prob, result.scores[0] / (len(tokens) + 1))


def says_twice(text: str, shortest: int = 3) -> bool:
    """Whether some run of at least `shortest` words follows itself straight away."""
    words = re.findall(r"[a-z0-9']+", text.lower())
    for size in range(shortest, len(words) // 2 + 1):
        for start in range(len(words) - 2 * size + 1):
            if words[start : start + size] == words[start + size : start + 2 * size]:
                return True
    return False


@dataclass(frozen=True)
class Decoded:
    text: str
    no_speech_prob: float
    mean_log_prob: float

    @property
    def nothing_said(self) -> bool:
        """faster-whisper's rule: whisper thinks nobody spoke and is unsure of the words."""
        return self.no_speech_prob > NO_SPEECH and self.mean_log_prob < UNSURE_LOG_PROB
