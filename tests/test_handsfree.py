"""Hands-free turns: speech in small chunks as a browser streams it, and when a turn ends."""

from pathlib import Path

import numpy as np
import pytest
import soundfile

from trainer.audio import SAMPLE_RATE
from trainer.handsfree.turns import Heard, TurnDetector, TurnSettings, ends_a_sentence, resampled_16k
from trainer.tts.trainee import speak_as_trainee

BROWSER_RATE = 48_000


@pytest.fixture(scope="module")
def sentences(tmp_path_factory: pytest.TempPathFactory) -> tuple[np.ndarray, np.ndarray]:
    folder = tmp_path_factory.mktemp("handsfree")
    first = speak_as_trainee("I am sorry the deals vanished.", folder / "a.wav")
    second = speak_as_trainee("Let us get them back right now.", folder / "b.wav")
    return _read(first), _read(second)


def _read(path: Path) -> np.ndarray:
    samples, rate = soundfile.read(str(path), dtype="float32")
    return resampled_16k(samples, rate)


def _silence(ms: int) -> np.ndarray:
    return np.zeros(SAMPLE_RATE * ms // 1000, np.float32)


def _stream(detector: TurnDetector, audio: np.ndarray, chunk_s: float = 0.25) -> list[tuple[float, Heard]]:
    """Feed the audio as a browser would (48 kHz int16 chunks); the events with when they came."""
    browser = (np.clip(audio, -1, 1) * 32767).astype(np.int16)
    browser = np.repeat(browser, BROWSER_RATE // SAMPLE_RATE)  # crude 16 -> 48 kHz, enough for a VAD
    step = int(BROWSER_RATE * chunk_s)
    events = []
    for start in range(0, len(browser), step):
        event = detector.feed(browser[start : start + step], BROWSER_RATE)
        if event.kind is not Heard.nothing:
            events.append(((start + step) / BROWSER_RATE, event.kind))
    return events


def test_a_finished_sentence_ends_the_turn_after_a_short_pause(sentences) -> None:
    first, _ = sentences
    audio = np.concatenate([_silence(500), first, _silence(1500)])
    detector = TurnDetector(TurnSettings(), finished=lambda samples: (True, "I am sorry the deals vanished."))
    events = _stream(detector, audio)
    assert [kind for _, kind in events] == [Heard.speech_started, Heard.turn_ended]
    speech_end = (500 + len(first) * 1000 / SAMPLE_RATE) / 1000
    waited = events[-1][0] - speech_end
    assert waited < 0.7, waited  # a short pause, not the long one


def test_a_pause_mid_sentence_waits_and_the_turn_holds_both_halves(sentences) -> None:
    first, second = sentences
    audio = np.concatenate([_silence(300), first, _silence(500), second, _silence(1600)])
    asked = []

    def not_yet(samples: np.ndarray) -> tuple[bool, str]:
        asked.append(len(samples))
        return False, "I am sorry the deals vanished and"

    detector = TurnDetector(TurnSettings(open_pause_ms=1000), finished=not_yet)
    events = []
    browser_chunks = np.array_split(audio, int(len(audio) / (SAMPLE_RATE * 0.2)))
    for chunk in browser_chunks:
        event = detector.feed(chunk, SAMPLE_RATE)
        if event.kind is not Heard.nothing:
            events.append(event)
    assert [e.kind for e in events] == [Heard.speech_started, Heard.turn_ended]
    assert asked  # it asked at the short pause, was told "not yet", and waited
    turn = events[-1].samples
    assert turn is not None and len(turn) / SAMPLE_RATE > (len(first) + len(second)) / SAMPLE_RATE


def _slow_check(seconds: float, answer: tuple[bool, str]):
    """A `finished` that answers from another thread after `seconds`, as the listener's does."""
    import threading
    from concurrent.futures import Future

    def finished(samples: np.ndarray) -> Future:
        future: Future = Future()
        threading.Timer(seconds, future.set_result, [answer]).start()
        return future

    return finished


def _chunks(detector: TurnDetector, audio: np.ndarray) -> list[Heard]:
    return [detector.feed(chunk, SAMPLE_RATE).kind for chunk in np.array_split(audio, len(audio) // 3200)]


def test_a_check_still_running_at_the_short_pause_is_waited_for_in_the_same_chunk(sentences) -> None:
    """The answer to "is the sentence finished?" comes 0.15 s after it was asked; the turn ends in
    the chunk where the pause reached its length, not one chunk (0.2 s) later."""
    first, _ = sentences
    settings = TurnSettings()
    detector = TurnDetector(settings, finished=_slow_check(0.06, (True, "I am sorry the deals vanished.")))
    assert Heard.speech_started in _chunks(detector, np.concatenate([_silence(300), first]))
    event = detector.feed(_silence(settings.sentence_pause_ms + 60), SAMPLE_RATE)
    assert event.kind is Heard.turn_ended and event.text == "I am sorry the deals vanished."


def test_a_pause_waits_for_a_slow_check_only_once(sentences, monkeypatch: pytest.MonkeyPatch) -> None:
    """A check slower than `check_wait_ms` does not hold up every chunk of the pause: the stream
    goes on, and the answer is used when it comes."""
    from concurrent.futures import Future

    from trainer.handsfree import turns

    first, _ = sentences
    waits: list[float] = []
    monkeypatch.setattr(turns, "wait", lambda futures, timeout: waits.append(timeout))
    asked: list[Future] = []
    detector = TurnDetector(
        TurnSettings(check_wait_ms=120), finished=lambda samples: asked.append(Future()) or asked[-1]
    )
    _chunks(detector, np.concatenate([_silence(300), first]))
    events = [detector.feed(_silence(100), SAMPLE_RATE).kind for _ in range(6)]
    assert events == [Heard.nothing] * 6 and len(asked) == 1
    assert waits == [0.12]  # one wait in the pause, not one per chunk
    asked[0].set_result((True, "Sorry."))
    assert detector.feed(_silence(100), SAMPLE_RATE).kind is Heard.turn_ended


def test_noise_alone_is_not_speech() -> None:
    rng = np.random.default_rng(0)
    hum = 0.003 * rng.standard_normal(SAMPLE_RATE * 3).astype(np.float32)
    assert _stream(TurnDetector(), hum) == []


@pytest.mark.parametrize(
    ("text", "done"),
    [
        ("What do you see on the board?", True),
        ("I'll fix it right now.", True),
        ("So what I'd like you to do is.", False),
        ("Open the settings and", False),
        ("There is a saved filter called Closed archived. Remove it.", True),
        ("Thank you.", True),
        ("", False),
        ("okay so", False),
    ],
)
def test_what_reads_as_a_finished_sentence(text: str, done: bool) -> None:
    assert ends_a_sentence(text) is done


def test_talking_over_a_self_explainer_costs_points_and_others_not() -> None:
    """The playbook cares about interrupting a customer who explains things themselves."""
    from trainer.call import Call, CallOptions
    from trainer.catalog import load_catalog
    from trainer.corrections import regrade
    from trainer.scoring.grader import Grader
    from trainer.settings import Settings

    catalog = load_catalog(Settings())

    def learning_style_score(persona_id: str, interrupted: bool) -> tuple[int | None, list[str]]:
        call = Call(catalog.persona(persona_id), list(catalog.rubrics.values()), options=CallOptions(seed=1))
        call.open()
        call.reply("I'm sorry, walk me through what you did and I'll chime in.")
        call.turns[0].interrupted = interrupted  # as a hands-free reply said over the opening line
        card = regrade(call.turns, Grader(call.persona, list(catalog.rubrics.values())), call.outcome)
        score = card.rubrics["learning_style"]
        return score.score, [f.feedback for f in score.findings]

    plain, _ = learning_style_score("transfer_demanding_self_explainer", False)
    over, said = learning_style_score("transfer_demanding_self_explainer", True)
    assert plain is not None and over is not None and over < plain
    assert any("talked over them" in line for line in said)


def test_an_angry_customer_cuts_in_on_a_long_speech(sentences) -> None:
    first, second = sentences
    speech = np.concatenate([first, second] * 4)  # about 20 s with no pause long enough to end a turn
    detector = TurnDetector(TurnSettings(cut_in_after_s=6), finished=lambda samples: (False, ""))
    events = _stream(detector, np.concatenate([_silence(300), speech, _silence(1500)]))
    ended = [t for t, kind in events if kind is Heard.turn_ended]
    assert ended and ended[0] < len(speech) / SAMPLE_RATE  # before the trainee stopped


def test_the_cut_in_is_in_the_customers_line_and_the_log(sentences, tmp_path: Path) -> None:
    """What the customer says when they cut in comes first in their line; the turn says so."""
    from trainer.audio import Clip
    from trainer.call import Call, CallOptions, Heard
    from trainer.catalog import load_catalog
    from trainer.prosody.measure import measure
    from trainer.sessionlog import SessionLog
    from trainer.settings import Settings

    catalog = load_catalog(Settings())
    persona = catalog.persona("escalated")
    assert persona.interrupts_after_s is not None  # the shipped angry customers cut in
    log = SessionLog(f"sqlite:///{tmp_path / 'log.db'}")
    call = Call(persona, list(catalog.rubrics.values()), log=log, options=CallOptions(seed=3))
    call.open()
    clip = Clip(np.concatenate([sentences[0], sentences[1]]), "speech")
    text = "I am sorry the deals vanished. Let us get them back right now."
    heard = Heard(text, "test", clip, measure(clip, text), cut_off=True)
    result = call.reply(text, heard)
    assert result.customer.text.startswith(tuple(persona.lines.cuts_in))
    (turn, *_) = [t for t in log.get(call.session_id)["turns"] if t["reply"]]
    assert turn["cut_off"] is True and turn["interrupted"] is False


def test_a_stream_that_never_pauses_still_ends_its_turn(sentences) -> None:
    """Continuous sound (a stuck microphone, or someone streaming on purpose) cannot grow a turn
    without bound: past max_turn_s it ends even with no pause."""
    first, second = sentences
    speech = np.concatenate([first, second] * 6)
    detector = TurnDetector(TurnSettings(max_turn_s=5), finished=lambda samples: (False, ""))
    events = _stream(detector, speech)
    ended = [t for t, kind in events if kind is Heard.turn_ended]
    assert ended and ended[0] < 5 + 10 + 1


@pytest.mark.parametrize(("rate", "seconds"), [(1, 0.1), (999_983, 0.1), (0, 0.1), (48_000, 30.0)])
def test_a_chunk_no_browser_would_send_is_refused_before_any_work(rate: int, seconds: float) -> None:
    """An attack probe: a 19 KB chunk claiming 1 Hz cost 8 s of CPU and 1 GB to resample."""
    import time

    from trainer.audio import AudioError

    samples = np.zeros(max(1, int(max(rate, 1) * seconds)) if rate < 100_000 else 9_600, np.int16)
    started = time.perf_counter()
    with pytest.raises(AudioError):
        TurnDetector().feed(samples, rate)
    assert time.perf_counter() - started < 0.5


class _Noting:
    """The real transcriber, noting how much audio it was given."""

    def __init__(self) -> None:
        from trainer.stt import shared_transcriber

        self.real = shared_transcriber()
        self.name, self.slots, self.warning = self.real.name, self.real.slots, self.real.warning
        self.asked: list[float] = []

    def transcribe(self, clip, vocabulary=""):
        self.asked.append(clip.seconds)
        return self.real.transcribe(clip, vocabulary)


def test_a_turn_is_heard_while_it_is_spoken_and_only_the_rest_at_its_end(tmp_path: Path) -> None:
    """Transcribe while the trainee speaks: at the mid-sentence pause the words so far are heard
    (and shown); at the end only the words after that pause are."""
    from trainer.handsfree.listener import Listener

    first = _read(speak_as_trainee("On the pipeline board, open the filter menu and", tmp_path / "a.wav"))
    second = _read(speak_as_trainee("remove the saved filter called closed archived.", tmp_path / "b.wav"))
    audio = np.concatenate([_silence(300), first, _silence(600), second, _silence(1500)])
    noting = _Noting()
    listener = Listener(noting, "bob")
    shown, ended = [], []
    for chunk in np.array_split(audio, int(len(audio) / (SAMPLE_RATE * 0.2))):
        event = listener.feed(chunk, SAMPLE_RATE)
        listener._work.submit(lambda: None).result()  # as if the browser took its 0.2 s: checks finish
        if words := listener.new_words():
            shown.append(words)
        if event.kind is Heard.turn_ended:
            ended.append(event)
    listener.quiet()
    assert len(ended) == 1, [e.text for e in ended]  # not cut off at the pause after "and"
    text = (ended[0].text or "").lower()
    assert "pipeline board" in text and "filter called" in text and text.count("filter menu") == 1
    assert shown and "pipeline board" in shown[0].lower() and "archived" not in shown[0].lower()
    whole = len(ended[0].samples) / SAMPLE_RATE
    assert noting.asked[-1] < whole - len(first) / SAMPLE_RATE  # the end heard alone, not the whole turn again


def test_the_voice_bench_counts_a_reply_cut_at_its_pause() -> None:
    """`trainer bench voice`'s cut-off count: a turn that holds the words before a reply's
    mid-sentence pause without its end was cut off; the whole reply in one turn was not."""
    from trainer.bench_voice import REPLIES, _cut_at_a_pause

    paused = [r for r in REPLIES if "|" in r]
    whole = [{"reply": r.replace("|", "")} for r in REPLIES]
    assert _cut_at_a_pause(whole) == 0
    cut = [{"reply": paused[0].split("|")[0]}, {"reply": paused[0].split("|")[1]}, *whole[2:]]
    assert _cut_at_a_pause(cut) == 1
