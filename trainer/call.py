"""One training call, from the customer's opening line to the scorecard.

A plain object the CLI and the UI both drive: `open`, then `reply` per trainee answer,
then `finish`. Each step is written to the session log as it happens.
"""

import itertools
import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from trainer.audio import AudioError, Clip, load_clip
from trainer.customer import ScriptedCustomer
from trainer.customer.steps import fixed
from trainer.detector import BehaviourDetector, offline_detector
from trainer.detector.confidence import counted
from trainer.formats.call import CustomerLine, Outcome, Scorecard, Turn, VoiceMeasures
from trainer.formats.errors import TrainerError
from trainer.formats.persona import LineKind, Persona
from trainer.formats.rubric import Rubric
from trainer.meaning import repeats
from trainer.playbook import BAD_BEHAVIOURS, GOOD_BEHAVIOURS, Behaviour
from trainer.prosody import compare_to_baseline, measure
from trainer.recordings import Recordings
from trainer.scoring import Grader
from trainer.scoring.recital import recites_phrase_bank
from trainer.sessionlog import SessionLog
from trainer.settings import Settings
from trainer.speechqueue import speaking_for, speech_queue
from trainer.stt import Transcriber, Transcript, shared_transcriber
from trainer.stt.engines import WithVocabulary, vocabulary_text
from trainer.tts import CustomerVoice

log = logging.getLogger("callcoach.call")

MAX_REPLY_CHARS = 5_000
# This many good behaviours in one reply is a recital of the phrase bank, not an answer: one
# labelled reply in 4,420 of the corpus shows four (a real reply does one to three things).
RECITAL_BEHAVIOURS = 4


@dataclass
class CallOptions:
    trainee: str = "trainee"
    mode: str = "coach"  # coach: feedback every turn; exam: scorecard only
    seed: int = 0


@dataclass
class CallVoice:
    """The voice half of a call: the customer speaks, the trainee is heard and measured."""

    customer: CustomerVoice
    transcriber: Transcriber
    recordings: Recordings
    max_reply_seconds: float = 120.0

    @classmethod
    def from_settings(cls, settings: Settings, persona: Persona) -> "CallVoice":
        voice = (
            persona.voice
            if not settings.tts_engine
            else persona.voice.model_copy(update={"engine": settings.tts_engine})
        )
        return cls(
            customer=CustomerVoice(voice, settings.sessions_dir / "cache" / "tts"),
            transcriber=WithVocabulary(
                shared_transcriber(settings.stt_engine, settings.stt_model, settings.stt_threads),
                vocabulary_text(persona.spoken_words()),
            ),
            recordings=Recordings(settings.sessions_dir, settings.recordings_retention_days),
            max_reply_seconds=settings.max_reply_seconds,
        )


@dataclass
class Heard:
    """A spoken reply after transcription: what was said, how, and where it is kept."""

    text: str
    engine: str
    clip: Clip
    measures: VoiceMeasures | Future[VoiceMeasures]  # measured while the words are graded (`_measuring`)
    interrupted: bool = False  # said over the customer's line (hands-free barge-in)
    cut_off: bool = False  # the customer cut in: the reply went on too long


@dataclass
class TurnResult:
    """What the trainee gets back after a reply: feedback and the customer's next line."""

    turn: Turn  # the graded turn
    customer: CustomerLine  # what the customer says next
    ended: bool
    seconds: dict[str, float] = field(default_factory=dict)  # where the time went
    # About the recording, not the reply: "you were very quiet: ..." (the reply was still heard)
    advice: str = ""


@dataclass
class Call:
    persona: Persona
    rubrics: list[Rubric]
    log: SessionLog | None = None
    options: CallOptions = field(default_factory=CallOptions)
    detector: BehaviourDetector = field(default_factory=offline_detector)
    customer: ScriptedCustomer | None = None
    turns: list[Turn] = field(default_factory=list)
    session_id: str | None = None
    voice: CallVoice | None = None

    def __post_init__(self) -> None:
        self.customer = self.customer or ScriptedCustomer(self.persona, self.options.seed)
        self.grader = Grader(self.persona, self.rubrics)
        self._stop_warming = threading.Event()
        self._idle = threading.Event()  # set between turns: background synthesis may run
        self._idle.set()
        self._warming: threading.Thread | None = None

    @property
    def outcome(self) -> Outcome:
        return self.customer.state.outcome

    @property
    def ended(self) -> bool:
        return self.outcome is not Outcome.in_progress

    def open(self) -> CustomerLine:
        with speaking_for(self.options.trainee):
            return self._open()

    def _open(self) -> CustomerLine:
        if self.log is not None:
            self.session_id = self.log.start(
                self.persona, self.options.trainee, self.options.mode, self.customer.engine, self.options.seed
            )
        line = self._speak(self.customer.open(), 0)
        self._record(Turn(index=0, customer=line))
        if self.voice is not None:
            self._start_warming()
        return line

    def reply(self, text: str, heard: Heard | None = None) -> TurnResult:
        """Grade the trainee's answer to the current line and let the customer react."""
        self._idle.clear()  # background synthesis waits: this turn has the machine
        try:
            with speaking_for(self.options.trainee):
                return self._reply(text, heard)
        finally:
            self._idle.set()

    def _reply(self, text: str, heard: Heard | None) -> TurnResult:
        self._check_open()
        text = " ".join(text.split())
        if not text:
            raise TrainerError("the reply is empty: say or type something to the customer")
        if len(text) > MAX_REPLY_CHARS:
            raise TrainerError(f"the reply is {len(text)} characters long; the limit is {MAX_REPLY_CHARS}")
        seconds: dict[str, float] = {}
        started = time.perf_counter()
        turn = self.turns[-1]
        turn.reply = text
        context = turn.customer.decided or turn.customer.text
        turn.detections = counted(
            self.detector.detect(text, context, self.persona.archetype, self.persona.learning_style)
        )
        turn.repeated = repeats(text, [t.reply for t in self.turns[:-1] if t.reply])
        turn.recited = len(turn.behaviours & GOOD_BEHAVIOURS) >= RECITAL_BEHAVIOURS or recites_phrase_bank(text)
        if turn.repeated or turn.recited:  # neither answers what the customer just said
            turn.detections = [d for d in turn.detections if d.behaviour in BAD_BEHAVIOURS]
        turn.walk = self.customer.follow(text, turn.behaviours)
        if turn.walk.stuck is not None and not turn.walk.done:  # steps the customer could not follow
            turn.detections = [d for d in turn.detections if d.behaviour is not Behaviour.gives_step_by_step]
        if heard is not None:
            self._keep_heard(turn, heard)
        turn.feedback = self.grader.grade_turn(self.turns, turn.index)
        seconds["detection"] = time.perf_counter() - started
        started = time.perf_counter()
        streamed = self._voice_as_it_streams(started, seconds)
        line = self.customer.react(turn.behaviours, text, repeated=turn.repeated or turn.recited, steps=turn.walk)
        if turn.cut_off:  # they cut in on a long speech before answering it
            cut = self.persona.lines.cuts_in[turn.index % len(self.persona.lines.cuts_in)]
            line = line.model_copy(update={"text": f"{cut} {line.text}"})
        seconds["customer"] = time.perf_counter() - started
        started = time.perf_counter()
        line = self._speak(line, turn.index + 1, [sentence for sentence, _ in streamed])
        seconds["synthesis"] = time.perf_counter() - started
        seconds.setdefault("first_audio", seconds["customer"] + seconds["synthesis"])
        started = time.perf_counter()
        self._record(turn, Turn(index=turn.index + 1, customer=line))
        seconds["log"] = time.perf_counter() - started
        return TurnResult(turn=turn, customer=line, ended=self.ended, seconds=seconds)

    def reply_audio(
        self, recording: Path | bytes, heard_as: str | None = None, interrupted: bool = False, cut_off: bool = False
    ) -> TurnResult:
        """A spoken reply: checked, transcribed, measured, then graded like a typed one.

        A recording that cannot be graded raises AudioError before anything changes,
        so the trainee simply records the turn again. A quiet one is heard (recognition gets
        it brought up to a normal level) and the result carries advice about the microphone.
        """
        self._check_open()
        if self.voice is None:
            raise TrainerError("this call has no voice set up; type the reply instead")
        self._idle.clear()  # background synthesis waits: this turn has the machine
        try:
            started = time.perf_counter()
            clip = load_clip(recording, max_seconds=self.voice.max_reply_seconds)
            with speaking_for(self.options.trainee):
                transcriber = self.voice.transcriber
                queue = speech_queue(f"transcriber:{transcriber.name}", transcriber.slots)
                # Hands-free already transcribed the turn at its last pause (`trainer.handsfree`).
                transcript = (
                    Transcript(heard_as, transcriber.name)
                    if heard_as and heard_as.strip()
                    else queue.run(lambda: transcriber.transcribe(clip))
                )
            if not transcript.text.strip():
                raise AudioError(
                    "no words were recognised in the recording; speak closer to the microphone and try again"
                )
            transcription = time.perf_counter() - started
            measures = _measuring.submit(_measured, clip, transcript.text)
            heard = Heard(transcript.text, transcript.engine, clip, measures, interrupted, cut_off=cut_off)
            result = self.reply(transcript.text, heard)
        finally:
            self._idle.set()
        result.seconds = {"transcription": transcription, **result.seconds}
        result.advice = clip.advice
        return result

    def _check_open(self) -> None:
        if not self.turns:
            raise TrainerError("the call has not started: call open() first")
        if self.ended:
            raise TrainerError(f"the call is over ({self.outcome.value}); start a new one")

    def _keep_heard(self, turn: Turn, heard: Heard) -> None:
        earlier = [t.voice for t in self.turns[: turn.index] if t.voice is not None]
        turn.transcript_engine = heard.engine
        turn.interrupted = heard.interrupted
        turn.cut_off = heard.cut_off
        turn.voice = _resolved(heard.measures)
        turn.voice_change = compare_to_baseline(turn.voice, earlier) if turn.voice is not None else None
        if self.voice is not None and self.session_id is not None:
            name = f"turn-{turn.index:02d}-trainee"
            turn.reply_audio = self.voice.recordings.save_later(self.session_id, name, heard.clip.samples, 16_000)

    def _voice_as_it_streams(self, started: float, seconds: dict[str, float]) -> list[tuple[str, Path]]:
        """A customer whose words stream in (an LLM) is voiced sentence by sentence, so the
        first sentence can play before the model has finished the line."""
        streamed: list[tuple[str, Path]] = []
        if self.voice is None or not hasattr(self.customer, "on_sentence"):
            return streamed
        voice, customer = self.voice.customer, self.customer

        def speak_sentence(sentence: str) -> None:
            streamed.append((sentence, voice.speak(sentence, customer.state.anger)))
            seconds.setdefault("first_audio", time.perf_counter() - started)

        customer.on_sentence = speak_sentence
        return streamed

    def _speak(self, line: CustomerLine, index: int, streamed: list[str] | None = None) -> CustomerLine:
        """Give the line a voice, kept with the session; scripted lines come from the cache."""
        if self.voice is None:
            return line
        parts = streamed if streamed and " ".join(streamed) == line.text else self._spoken_parts(line.text)
        wav = self.voice.customer.speak_parts(parts, line.anger)
        if self.session_id is None:
            return line.model_copy(update={"audio": str(wav)})
        kept = self.voice.recordings.save_file(self.session_id, f"turn-{index:02d}-customer", wav)
        return line.model_copy(update={"audio": kept})

    def _spoken_parts(self, text: str) -> list[str]:
        """A line with an answer after it is cached pieces, not one new sentence to synthesize:
        the line, then the fact ("Like I said," and the fact, when said again) or "I don't know"."""
        return spoken_parts(self.persona, text)

    def _start_warming(self) -> None:
        self._warming = threading.Thread(target=self._warm_voice, daemon=True, name="callcoach-warm")
        self._warming.start()

    def _warm_voice(self) -> None:
        """Synthesize the persona's scripted lines while the trainee listens to the opening."""
        assert self.voice is not None
        self.voice.customer.warm(warm_lines(self.persona), stop=self._stop_warming, idle=self._idle)

    def close(self) -> None:
        """Stop background synthesis and write the last recordings; a process must not exit
        with a synthesis or a recording half done."""
        self._stop_warming.set()
        if self._warming is not None:
            self._warming.join(timeout=10)
        if self.voice is not None:
            self.voice.recordings.flush()

    def audio_path(self, line: CustomerLine) -> Path | None:
        """Where the line's audio file is on disk, for a player."""
        if line.audio is None:
            return None
        path = Path(line.audio)
        return path if path.is_absolute() or self.voice is None else self.voice.recordings.path(line.audio)

    def finish(self) -> Scorecard:
        """Grade the whole call; a call the trainee stops early keeps every turn it had."""
        self.close()
        outcome = self.outcome if self.ended else self._ended_by_trainee()
        card = self.grader.scorecard(self.turns, outcome)
        if self.log is not None and self.session_id is not None:
            self.log.finish(self.session_id, card)
        return card

    def abandon(self) -> None:
        """Close the call as left unfinished: no grade, every turn kept in the log. The voice
        warm-up is told to stop but not waited for: a trainee starting a new call must not wait
        for the old call's background synthesis to finish a line."""
        self._stop_warming.set()
        self.customer.state.outcome = Outcome.abandoned
        if self.log is not None and self.session_id is not None:
            self.log.abandon(self.session_id)

    def go_on_from(self, session_id: str, turns: list[Turn]) -> int:
        """Rebuild the customer from the logged turns and go on from the last one.

        tau2-style: the customer's state is never stored, it is replayed: the same seed, the same
        replies and the behaviours the log says were heard give the same anger, steps and facts
        (no detector runs again). Returns how many replayed lines differ from the logged ones
        (0 unless the persona file changed since); the call goes on either way.
        """
        if not turns:
            raise TrainerError("this call has no turns to go on from")
        differ = int(self.customer.open().text != turns[0].customer.text)
        for turn, following in itertools.pairwise(turns):
            if turn.reply is None:
                break
            turn.walk = self.customer.follow(turn.reply, turn.behaviours)
            line = self.customer.react(
                turn.behaviours, turn.reply, repeated=turn.repeated or turn.recited, steps=turn.walk
            )
            differ += line.text != following.customer.text
        self.turns = list(turns)
        self.session_id = session_id
        if self.voice is not None:
            self._start_warming()
        return differ

    def _ended_by_trainee(self) -> Outcome:
        """The trainee ends the call: once every step is done the problem is fixed, whatever the
        customer's mood (the last line said whether they are still upset), else it is not."""
        done = self.customer.state.steps_done
        return Outcome.fixed_unhappy if fixed(self.persona.problem, done) else Outcome.script_ended

    def _record(self, *turns: Turn) -> None:
        for turn in turns:
            if turn.index == len(self.turns):
                self.turns.append(turn)
        if self.log is not None and self.session_id is not None:
            self.log.record_turns(self.session_id, *turns)


# How a reply sounded is measured on a thread of its own while its words are detected and the
# customer follows them (20-60 ms each, the trainee waiting for both): numpy and onnxruntime let
# go of the GIL, and a turn has two cores. A few at once: one trainee's turn never waits for others'.
_measuring = ThreadPoolExecutor(max_workers=4, thread_name_prefix="callcoach-measure")


def _resolved(measures: VoiceMeasures | Future[VoiceMeasures]) -> VoiceMeasures | None:
    """The measures once done; a measure that failed costs the turn its voice figures, not the
    turn itself (its words are already being graded)."""
    if not isinstance(measures, Future):
        return measures
    try:
        return measures.result()
    except Exception:
        log.exception("the reply's voice could not be measured; it is graded on its words")
        return None


def _measured(clip: Clip, text: str) -> VoiceMeasures:
    """How a reply sounded. A very quiet one is measured brought up to a normal level, its loudness
    then given back as recorded: webrtcvad misses a soft voice's quieter frames, so the same JFK
    sentence read as 150 words a minute at -25 dBFS and 263 at -55 dBFS (145 once brought up),
    which would have flagged a quiet trainee as rushing."""
    if not clip.advice:
        return measure(clip, text)
    gain = clip.level.gain_db if clip.level is not None else 0.0
    measures = measure(clip.for_recognition(), text)
    return measures.model_copy(update={"loudness_dbfs": round(measures.loudness_dbfs - gain, 1)})


def spoken_parts(persona: Persona, text: str) -> list[str]:
    problem = persona.problem
    for answer in [f.answer for f in problem.facts] + list(problem.dont_know):
        if len(text) > len(answer) and text.lower().endswith(" " + answer.lower()):
            rest = text[: -len(answer)].rstrip()
            for prefix in _said_again_prefixes(persona):
                if rest == prefix or rest.endswith(" " + prefix):
                    line = rest[: -len(prefix)].rstrip()
                    return [p for p in (line, prefix, answer) if p]
            return [rest, answer]  # the answer as written: its cached piece, whatever the case
    return [text]


def _said_again_prefixes(persona: Persona) -> list[str]:
    """ "Like I said," from "Like I said, {answer}": the part of a repeat that is said first."""
    return [t.split("{answer}")[0].strip() for t in persona.problem.already_said if "{answer}" in t]


def warm_lines(persona: Persona) -> list[tuple[str, int]]:
    """Every scripted line at the anger it is likely said with: angry lines angry, calm lines calm."""
    hot = {
        LineKind.angrier,
        LineKind.swearing,
        LineKind.vents,
        LineKind.personal_attack,
        LineKind.asks_manager,
        LineKind.insists_transfer,
        LineKind.hang_up,
        LineKind.refuses_transfer,
        LineKind.agent_hung_up,
    }
    cool = {
        LineKind.calmer,
        LineKind.after_boundary,
        LineKind.pulls_together,
        LineKind.agrees_to_stay,
        LineKind.satisfied,
        LineKind.transferred,
    }
    start = persona.mood.start_anger
    lines: list[tuple[str, int]] = []
    for kind in LineKind:
        angers = (
            [85, 55]
            if kind in hot
            else [20, 55]
            if kind in cool
            else [start]
            if kind is LineKind.opening
            else [20, 55, 85]
        )
        lines += [(text, anger) for text in persona.lines.variants(kind) for anger in angers]
    lines += [(fact.answer, anger) for fact in persona.problem.facts for anger in (20, 55, 85)]
    lines += [(text, anger) for step in persona.problem.fix_steps for text in step.done for anger in (20, 55, 85)]
    lines += [(text, anger) for text in persona.problem.dont_know for anger in (20, 55, 85)]
    lines += [(prefix, anger) for prefix in _said_again_prefixes(persona) if prefix for anger in (20, 55, 85)]
    return lines
