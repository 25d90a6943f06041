"""The practice room's logic as plain functions over plain data, testable without a browser.

The gradio layer (`trainer.app.ui`) only wires components to these. A call lives on the
server in `PracticeRoom`, keyed by a random token the page keeps; the token alone is not
enough to use a call: every step checks the call belongs to the viewer asking.
"""

import contextlib
import logging
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import soundfile
from pydantic import BaseModel

from trainer.app.access import Forbidden, Viewer
from trainer.app.plain import cell_text, html_text, markdown_text
from trainer.audio import AudioError
from trainer.call import Call, CallOptions, CallVoice, TurnResult, warm_lines
from trainer.catalog import Catalog, load_catalog
from trainer.customer.difficulty import at_level
from trainer.formats.call import CustomerLine, Finding, Scorecard, StepWalk, Stuck, Turn
from trainer.formats.errors import TrainerError
from trainer.formats.persona import Difficulty, Persona
from trainer.handsfree.listener import Heard, Listener, wav_bytes
from trainer.playbook import is_good
from trainer.scoring.outcome import UNRESOLVED_CAP, outcome_label, outcome_words
from trainer.sessionlog import SessionLog
from trainer.settings import Settings

log = logging.getLogger("callcoach.practice")
# The chunk that ends a turn waits this long for its answer, so the answer goes out with it
# rather than with the next chunk (0.2 s later); a slower answer goes out with a later chunk.
ANSWER_WAIT_S = 1.5
MAX_ACTIVE_CALLS = 200
# A trainer's "Test call with this persona" marks the next call they start with it as a test call.
TEST_CALL_MARK_SECONDS = 15 * 60
MODES = ("coach", "exam")

# Strategy 5: the shared document of things to say when a call turns hostile.
PHRASE_BANK: dict[str, list[str]] = {
    "When they are angry": [
        "I can hear how frustrating this is, and I'd feel the same.",
        "You did nothing wrong; this screen trips up a lot of people.",
    ],
    "When money is on the line": [
        "I know every minute this is down costs you. I'm on it right now.",
        "I'll fix it faster with both hands on the keyboard; I'll email you the moment it's fixed.",
    ],
    "When the swearing turns on you": [
        "I understand you're angry, I would be too, but I'm here to help, and swearing at me only gets in the way.",
        "I'm here to help you, but this is where I draw the line: "
        "I can't help you if you treat me disrespectfully or attack me personally.",
    ],
    "When it still goes on": [
        "Your anger is getting in the way of me helping you. You can call me back when you're ready, "
        "or I can call you later, but I have to end the call now.",
    ],
    "When they want a manager": [
        "I'm happy to transfer you, but you'd tell your story once more to someone who knows what I know.",
        "Let's get this fixed together; I'll stay on it.",
    ],
}
REMINDER = "You are there to help, not to fight. Breathe; one calm sentence at a time."


# The playbook's archetypes and learning styles (`../shared/cx-playbook.md`) as a trainee reads them.
ARCHETYPE_WORDS = {
    "passive_angry": "Sarcastic and quietly furious",
    "escalated": "Yelling: losing money every minute",
    "cursing": "Swears, may get personal",
    "transfer_demanding": "Demands a manager",
}
STYLE_WORDS = {
    "vague": "vague about what they see",
    "step_by_step": "needs one step at a time",
    "self_explainer": "wants to explain it themselves",
    "visual": "needs to see it (screen share)",
}


class PersonaCard(BaseModel):
    id: str
    name: str
    description: str
    archetype: str
    learning_style: str | None
    difficulty: str
    pass_mark: int

    def kind(self) -> str:
        """The kind of caller in words a trainee reads at a glance, not the playbook's ids."""
        words = ARCHETYPE_WORDS.get(self.archetype, self.archetype.replace("_", " "))
        if self.learning_style:
            words += ", " + STYLE_WORDS.get(self.learning_style, self.learning_style.replace("_", " "))
        return words

    def label(self) -> str:
        """The card: name, what their problem is, the kind of caller and how hard (the page puts
        each line on its own; the first in bold)."""
        lines = [self.name, self.description, f"{self.kind()} · {self.difficulty}"]
        return "\n".join(cell_text(line) for line in lines)


class CallView(BaseModel):
    """What the page shows after each step."""

    token: str
    customer: str = ""  # the customer's name
    line: str = ""  # what the customer said last, shown big and read out by screen readers
    messages: list[dict[str, str]]  # gradio Chatbot "messages": customer = assistant, trainee = user
    audio: str | None  # the customer's latest line, for an autoplaying player
    anger: int
    heard: str = ""  # the transcript of the trainee's spoken reply
    coach: str = ""  # HTML: behaviours heard and one tip (coach mode only)
    status: str = ""  # what happened, e.g. a recording that could not be used
    warning: bool = False  # the status is a problem: the page also pops it up
    ended: bool = False
    scorecard: str = ""  # markdown, once the call is over
    hard_call: bool = False
    mode: str = "coach"  # the call's own mode: a resumed call keeps the one it was started in


class Listened(BaseModel):
    """What one chunk of an open microphone did: nothing yet, speech began (over the
    customer's voice or not), or a finished turn with the call's new view."""

    started: bool = False
    interrupted: bool = False
    view: CallView | None = None
    words_so_far: str | None = None  # the turn being spoken, as heard so far (shown as they talk)


def persona_cards(catalog: Catalog) -> list[PersonaCard]:
    return [
        PersonaCard(
            id=p.id,
            name=p.name,
            description=p.description,
            archetype=p.archetype.value,
            learning_style=p.learning_style.value if p.learning_style else None,
            difficulty=p.difficulty.value,
            pass_mark=p.pass_mark,
        )
        for p in sorted(catalog.personas.values(), key=lambda p: (p.difficulty.value != "easy", p.name))
    ]


def phrase_bank_markdown() -> str:
    parts = [f"**{REMINDER}**"]
    for situation, lines in PHRASE_BANK.items():
        parts.append(f"**{situation}**\n" + "\n".join(f"- “{line}”" for line in lines))
    return "\n\n".join(parts)


def anger_meter_html(anger: int) -> str:
    anger = max(0, min(100, anger))
    colour = "#2e7d32" if anger < 40 else "#f9a825" if anger < 70 else "#c62828"
    word = "calm" if anger < 40 else "upset" if anger < 70 else "angry"
    return (
        f'<div class="cc-anger" title="anger {anger} of 100"><small>Customer: {word} ({anger}/100)</small>'
        f'<div style="background:#ddd;border-radius:4px;height:14px">'
        f'<div style="width:{anger}%;background:{colour};height:14px;border-radius:4px"></div></div></div>'
    )


STUCK_WORDS = {
    Stuck.out_of_order: "it needs a step that comes before it: give that one first",
    Stuck.too_many: "this customer follows one step at a time: give only the next one",
    Stuck.not_grounded: "they do not know where they are yet: ask what they see first",
}


def steps_html(walk: StepWalk | None, done: list[int], total: int) -> str:
    """What the reply did for the fix: a step carried out, or why the customer could not follow."""
    if walk is None or not (walk.given or walk.stuck):
        return ""
    if walk.stuck is not None:
        why = html_text(STUCK_WORDS[walk.stuck])
        return f'<li style="color:#c62828"><b>✘ the customer could not follow that step</b> — {why}</li>'
    if not walk.done:
        return ""
    state = "the problem is fixed" if walk.fixed else f"{len(done)} of {total} steps done"
    return f'<li style="color:#2e7d32"><b>✔ fix step carried out</b> — {state}</li>'


def coach_html(turn: Turn, done: list[int] | None = None, total: int = 0) -> str:
    """Behaviours heard, good in green and faults in red, each with the trainee's own words, what
    the reply did for the fix, and one tip."""
    rows = []
    for d in turn.detections:
        good = is_good(d.behaviour)
        colour = "#2e7d32" if good else "#c62828"
        mark = "✔" if good else "✘"
        said = f" — you said “{html_text(d.evidence)}”" if d.evidence else ""
        rows.append(
            f'<li style="color:{colour}"><b>{mark} {html_text(d.behaviour.value.replace("_", " "))}</b>{said}</li>'
        )
    if not rows:
        rows.append("<li>No playbook behaviour heard in that reply.</li>")
    if step := steps_html(turn.walk, done or [], total):
        rows.append(step)
    for f in turn.feedback:
        if f.trigger.startswith("voice:"):
            rows.append(f'<li style="color:#c62828">✘ {html_text(f.feedback)}</li>')
    tip = best_tip(turn.feedback)
    tip_html = f"<p><b>Tip:</b> {html_text(tip)}</p>" if tip else ""
    return f'<div class="cc-coach"><ul>{"".join(rows)}</ul>{tip_html}</div>'


def best_tip(findings: list[Finding]) -> str:
    """One concrete tip: a better line for the worst fault, else the feedback on the best move."""
    faults = sorted((f for f in findings if f.points < 0), key=lambda f: f.points)
    for f in faults:
        if f.tip:
            return f"{f.feedback} Try: “{f.tip}”"
    if faults:
        return faults[0].feedback
    goods = sorted((f for f in findings if f.points > 0), key=lambda f: -f.points)
    return f"Keep it up: {goods[0].feedback}" if goods else ""


def missed_markdown(card: Scorecard) -> list[str]:
    """The steps never given and the questions never asked, each with a line to try."""
    if not card.missed:
        return []
    lines = ["### Not done on this call"]
    for item in card.missed:
        label = "Step never carried out" if item.what == "step" else "Never asked"
        lines.append(f"- {label}: {markdown_text(item.about.rstrip('.'))}. Try: “{markdown_text(item.better)}”")
    return lines


def scorecard_markdown(card: Scorecard, persona: Persona, mode: str) -> str:
    overall = "-" if card.overall is None else str(card.overall)
    lines = [
        f"## Scorecard: {overall}/100",
        f"Outcome: **{outcome_words(card.outcome)}** · level: **{persona.difficulty.value}**",
    ]
    if card.uncapped is not None:
        lines.append(
            f"The rubrics alone gave {card.uncapped}; a call that leaves the problem unfixed scores"
            f" at most {UNRESOLVED_CAP}."
        )
    if mode == "exam" and card.overall is not None:
        passed = card.overall >= persona.pass_mark and card.fixed
        lines.append(f"Exam: **{'passed' if passed else 'not passed yet'}** (pass mark {persona.pass_mark})")
    lines += missed_markdown(card)
    for score in card.rubrics.values():
        if not score.applicable:
            continue
        lines.append(f"### {markdown_text(score.name)}: {score.score}")
        for f in score.findings:
            sign = "✔" if f.points > 0 else "✘" if f.points < 0 else "•"
            said = f" — you said “{markdown_text(f.evidence)}”" if f.evidence else ""
            lines.append(f"- {sign} \\[{f.where}\\] {markdown_text(f.feedback)}{said}")
            if f.quote:
                lines.append(f"  > Playbook: “{markdown_text(f.quote)}”")
    if card.worst_moment is not None and card.worst_moment.tip:
        lines.append(f"**A better line for your worst moment:** “{markdown_text(card.worst_moment.tip)}”")
    if card.hard_call:
        lines.append(cool_down_markdown())
    return "\n\n".join(lines)


def cool_down_markdown() -> str:
    return (
        "> **That was a tough call, not a failure.** Take a short walk or a few minutes away "
        "before the next one, so this one doesn't colour it. Talk it over with a teammate if it helps."
    )


@dataclass
class _Active:
    owner: str
    call: Call
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_used: float = field(default_factory=time.monotonic)
    listener: Listener | None = None  # hands-free: the call's open microphone
    listening: threading.Lock = field(default_factory=threading.Lock)  # one stream's chunks at a time
    customer_until: float = 0.0  # when the customer's opening line stops playing (monotonic)


ENGINES = ("scripted", "llm")
LEVELS = tuple(d.value for d in Difficulty)


class PracticeRoom:
    """Every call in progress on this server, and the steps a trainee can take in one."""

    def __init__(self, settings: Settings, log: SessionLog, voice: bool = True) -> None:
        self.settings = settings
        self.log = log
        self.voice = voice
        self._calls: OrderedDict[str, _Active] = OrderedDict()
        self._ended: OrderedDict[str, tuple[str, CallView]] = OrderedDict()  # token -> owner, last view
        self._calls_lock = threading.Lock()
        self._test_marks: dict[tuple[str, str], float] = {}  # (viewer, persona id) -> when marked
        # Speech engines queue their own work (`trainer.speechqueue`): no lock around a turn.
        self._stopping = threading.Event()
        if voice:  # load the speech model now, not while the first trainee waits for an answer
            threading.Thread(target=self._warm_transcriber, daemon=True, name="callcoach-stt").start()
        # The detector's models too (about a second), in the background: the page is up meanwhile.
        threading.Thread(target=self._warm_detector, daemon=True, name="callcoach-detector").start()
        threading.Thread(target=self._close_idle_often, daemon=True, name="callcoach-idle").start()

    @staticmethod
    def _warm_detector() -> None:
        from trainer.detector import offline_detector

        # A background warm-up must not crash: the first reply reports the problem.
        with contextlib.suppress(Exception):
            offline_detector().detect("I can hear how frustrating this is.")
            from trainer.meaning import sentence_encoder

            sentence_encoder().embed(["when did it start?"])  # the customers' ear for questions

    def _warm_transcriber(self) -> None:
        from trainer.stt import shared_transcriber

        try:
            s = self.settings
            shared_transcriber(s.stt_engine, s.stt_model, s.stt_threads)
        except Exception:  # a background warm-up must not crash: the first spoken reply reports the problem
            pass
        if self.settings.warm_voices:
            self._warm_voices()

    def _warm_voices(self) -> None:
        """Every persona's scripted lines into the voice cache, in the background, at the lowest
        priority and behind any trainee's speech (`trainer.speechqueue`): once a server has run,
        a call's lines are cached on disk and a turn seldom synthesizes anything."""
        with contextlib.suppress(Exception):  # the calls themselves report a broken voice
            for persona in self.catalog().personas.values():
                if self._stopping.is_set():
                    return
                CallVoice.from_settings(self.settings, persona).customer.warm(warm_lines(persona), stop=self._stopping)

    def catalog(self) -> Catalog:
        """The files as they are on disk now (a changed file is parsed again, the rest come from
        the cache), so a persona saved in the workshop is playable at once."""
        return load_catalog(self.settings)

    # -- the steps ----------------------------------------------------------------------
    def llm_model(self) -> str | None:
        """The LLM that can word customers' lines, or None: the engine switch shows only then."""
        s = self.settings
        return s.llm_model if s.openai_base_url and s.llm_model else None

    def start(
        self,
        viewer: Viewer,
        persona_id: str,
        mode: str,
        seed: int | None = None,
        engine: str = "scripted",
        level: str | None = None,
    ) -> CallView:
        if mode not in MODES:
            raise TrainerError(f"mode must be coach or exam, not {mode!r}")
        if engine not in ENGINES:
            raise TrainerError(f"the customer is scripted or llm, not {engine!r}")
        if not persona_id:
            raise TrainerError("pick a customer first: click a name under “Your customer”, then Start the call")
        if level and level not in LEVELS:
            raise TrainerError(f"the level is easy, medium or hard, not {level!r}")
        catalog = self.catalog()
        persona = at_level(catalog.persona(persona_id), Difficulty(level) if level else None)
        options = CallOptions(trainee=viewer.name, mode=mode, seed=secrets.randbelow(10_000) if seed is None else seed)
        voice = CallVoice.from_settings(self.settings, persona) if self.voice else None
        customer = self._llm_customer(persona, options.seed) if engine == "llm" else None
        call = Call(
            persona, list(catalog.rubrics.values()), log=self.log, options=options, voice=voice, customer=customer
        )
        closed = self._close_unfinished(viewer)  # one call at a time: the one left open is not lost silently
        line = call.open()
        test_call = self._take_test_mark(viewer, persona_id)
        if (test_call or viewer.local) and call.session_id is not None:
            self.log.mark_origin(call.session_id, test_call=test_call, local_mode=viewer.local)
        token = self._register(viewer.name, call)
        with self._calls_lock:
            self._calls[token].customer_until = time.monotonic() + _seconds_of(_audio(call, line))
        note = f" Your unfinished call with {markdown_text(closed)} was closed." if closed else ""
        return CallView(
            token=token,
            mode=mode,
            customer=persona.name,
            line=line.text,
            messages=[_customer_message(persona, line)],
            audio=_audio(call, line),
            anger=line.anger,
            status=f"{markdown_text(persona.name)} is on the line. "
            "Answer out loud, or type if you cannot use a microphone." + note + _fallback_note(call, line),
        )

    def mark_test_call(self, viewer: Viewer, persona_id: str) -> None:
        """The workshop's "Test call with this persona": the next call this viewer starts with
        this persona within 15 minutes is a trainer's test, kept out of the review desk's
        statistics, not a trainee's practice."""
        viewer.require_workshop()
        now = time.monotonic()
        with self._calls_lock:
            self._test_marks = {k: t for k, t in self._test_marks.items() if now - t < TEST_CALL_MARK_SECONDS}
            self._test_marks[(viewer.name, persona_id)] = now

    def _take_test_mark(self, viewer: Viewer, persona_id: str) -> bool:
        with self._calls_lock:
            marked = self._test_marks.pop((viewer.name, persona_id), None)
        return marked is not None and time.monotonic() - marked < TEST_CALL_MARK_SECONDS

    # -- a call survives the page and the process -----------------------------------------
    def pending(self, viewer: Viewer) -> str | None:
        """The name of the customer on the trainee's unfinished call, if there is one: reloading
        the page, another tab or a restarted server offers "resume your call with ..."."""
        mine = self._mine(viewer)
        if mine is not None:
            return mine[1].call.persona.name
        summary = self.log.in_progress(viewer.name)
        return summary.persona_name if summary is not None else None

    def resume(self, viewer: Viewer) -> CallView:
        """Back into the trainee's unfinished call: the one this process holds, or one rebuilt
        from the log (after a restart, or on another server process)."""
        mine = self._mine(viewer)
        if mine is not None:
            token, active = mine
            with active.lock:
                return self._view(token, active.call, status=_back_in(active.call))
        summary = self.log.in_progress(viewer.name)
        if summary is None:
            raise TrainerError("there is no unfinished call to resume: pick a customer and start one")
        call, note = self._rebuilt(summary.id)
        token = self._register(viewer.name, call)
        return self._view(token, call, status=_back_in(call) + note)

    def close_idle(self) -> list[str]:
        """Close as abandoned the calls nobody has touched for `abandon_after_minutes`, here and
        in the log (a closed tab, a killed process); returns the session ids closed here."""
        limit = self.settings.abandon_after_minutes * 60
        now = time.monotonic()
        with self._calls_lock:
            idle = [(t, a) for t, a in self._calls.items() if now - a.last_used > limit]
            for token, _ in idle:
                self._calls.pop(token, None)
        for _, active in idle:
            active.call.abandon()
        self.log.abandon_idle(datetime.now(UTC) - timedelta(seconds=limit))
        return [a.call.session_id or "" for _, a in idle]

    def _close_idle_often(self) -> None:
        while not self._stopping.wait(60):
            with contextlib.suppress(Exception):  # a database hiccup must not end the sweeper
                self.close_idle()

    def _mine(self, viewer: Viewer) -> tuple[str, _Active] | None:
        with self._calls_lock:
            found = [(t, a) for t, a in self._calls.items() if a.owner == viewer.name and not a.call.ended]
        return found[-1] if found else None

    def _close_unfinished(self, viewer: Viewer) -> str | None:
        closed = None
        mine = self._mine(viewer)
        if mine is not None:
            token, active = mine
            with self._calls_lock:
                self._calls.pop(token, None)
            active.call.abandon()
            closed = active.call.persona.name
        summary = self.log.in_progress(viewer.name)
        if summary is not None:
            self.log.abandon(summary.id)
            closed = closed or summary.persona_name
        return closed

    def _register(self, owner: str, call: Call) -> str:
        token = secrets.token_urlsafe(16)
        with self._calls_lock:
            self._calls[token] = _Active(owner, call)
            while len(self._calls) > MAX_ACTIVE_CALLS:
                _, old = self._calls.popitem(last=False)
                old.call.close()
        return token

    def _rebuilt(self, session_id: str) -> tuple[Call, str]:
        session = self.log.get(session_id)
        catalog = self.catalog()
        level = session.get("level")
        persona = at_level(catalog.persona(session["persona_id"]), Difficulty(level) if level else None)
        options = CallOptions(trainee=session["trainee"], mode=session["mode"], seed=session["seed"])
        voice = CallVoice.from_settings(self.settings, persona) if self.voice else None
        call = Call(persona, list(catalog.rubrics.values()), log=self.log, options=options, voice=voice)
        call.go_on_from(session_id, self.log.turns_of(session_id))
        note = " (The scripted customer takes over the LLM's part.)" if session["engine"] != "scripted" else ""
        return call, note

    def reply_text(self, viewer: Viewer, token: str, text: str) -> CallView:
        if (over := self._over(viewer, token)) is not None:
            return over
        return self._reply(viewer, token, lambda call: call.reply(text), heard="")

    def reply_audio(
        self,
        viewer: Viewer,
        token: str,
        recording: str | Path | bytes | None,
        heard_as: str | None = None,
        interrupted: bool = False,
        cut_off: bool = False,
    ) -> CallView:
        if (over := self._over(viewer, token)) is not None:
            return over
        if recording is None:
            return self._unchanged(viewer, token, "No recording arrived: press record, speak, then stop.")
        data = Path(recording) if isinstance(recording, str) else recording
        return self._reply(
            viewer, token, lambda call: call.reply_audio(data, heard_as, interrupted, cut_off), heard=None
        )

    def end(self, viewer: Viewer, token: str) -> CallView:
        if (over := self._over(viewer, token)) is not None:
            return over
        active = self._active(viewer, token)
        with active.lock:
            view = self._finished(token, active, status="You ended the call.")
        view.audio = None  # the customer has nothing new to say: the player must not replay the last line
        return view

    def listen(self, viewer: Viewer, token: str, samples: np.ndarray, rate: int) -> Listened:
        """Hands-free: the next chunk of the trainee's open microphone. Most chunks change
        nothing; the start of speech tells the page to stop the customer's voice if it is
        still playing (barge-in); a finished turn is answered like a recording."""
        if self._over(viewer, token) is not None:
            return Listened()
        active = self._active(viewer, token)
        if active.call.voice is None:
            raise TrainerError("this call has no voice set up; type the reply instead")
        with active.listening:  # two tabs streaming into one call take turns, chunk by chunk
            return self._listen(viewer, token, active, samples, rate)

    def _listen(self, viewer: Viewer, token: str, active: _Active, samples: np.ndarray, rate: int) -> Listened:
        if active.listener is None:
            pauses = self.settings.hands_free.model_copy(
                update={"cut_in_after_s": active.call.persona.interrupts_after_s}
            )
            active.listener = Listener(active.call.voice.transcriber, viewer.name, pauses, active.customer_until)
        listener = active.listener
        view = listener.answered()
        if view is not None:
            listener.customer_speaks(_seconds_of(view.audio))
            log.debug("hands-free: answer out %.3f", time.time())
            return Listened(view=view)
        event = listener.feed(samples, rate)
        if event.kind is Heard.speech_started:
            listener.barged_in = listener.interrupting()
            if listener.barged_in:
                listener.customer_until = 0.0  # the page stops the customer's voice now
            return Listened(started=True, interrupted=listener.barged_in)
        if event.kind is Heard.turn_ended and event.samples is not None:
            log.debug("hands-free: turn ended %.3f (text known: %s)", time.monotonic(), event.text is not None)
            wav, text, barged_in, cut = wav_bytes(event.samples), event.text, listener.barged_in, event.cut_in
            listener.barged_in = False
            listener.answer(
                lambda: self.reply_audio(viewer, token, wav, heard_as=text, interrupted=barged_in, cut_off=cut)
            )
            view = listener.answered(wait_s=ANSWER_WAIT_S)
            if view is not None:
                listener.customer_speaks(_seconds_of(view.audio))
                log.debug("hands-free: answer out %.3f", time.time())
                return Listened(view=view)
        return Listened(words_so_far=listener.new_words())

    def close(self) -> None:
        """Stop every call's background synthesis: a process must not exit with one half done."""
        self._stopping.set()
        with self._calls_lock:
            active = list(self._calls.values())
        for item in active:
            item.call.close()

    # -- helpers ------------------------------------------------------------------------
    def _llm_customer(self, persona: Persona, seed: int):
        if self.llm_model() is None:
            raise TrainerError("no LLM endpoint is configured (OPENAI_BASE_URL, CALLCOACH_LLM_MODEL): use scripted")
        from trainer.customer.llm import LlmCustomer, llm_config

        return LlmCustomer(persona, llm_config(self.settings), seed, notify=lambda _notice: None)

    def _active(self, viewer: Viewer, token: str) -> _Active:
        with self._calls_lock:
            active = self._calls.get(token or "")
        if active is None or active.owner != viewer.name:
            raise Forbidden("no call in progress: pick a customer and start a call")
        return active

    def _reply(self, viewer: Viewer, token: str, step, heard: str | None) -> CallView:
        active = self._active(viewer, token)
        with active.lock:
            active.last_used = time.monotonic()
            call = active.call
            try:
                result: TurnResult = step(call)
                log.debug("turn seconds %s", {k: round(v * 1000) for k, v in result.seconds.items()})
            except AudioError as exc:
                view = self._view(token, call, status=f"That recording could not be used: {exc}")
                view.warning = True
                return view
            except TrainerError as exc:
                view = self._view(token, call, status=str(exc))
                view.warning = True
                return view
            heard_text = (result.turn.reply or "") if heard is None else heard
            total = len(call.persona.problem.fix_steps)
            done = result.customer.steps_done
            coach = coach_html(result.turn, done, total) if call.options.mode == "coach" else ""
            # "you were very quiet: ..." about the microphone, in coach and exam mode alike; the turn
            # was heard, so it is a sentence on the status line, not a warning
            advice = f"{result.advice[0].upper()}{result.advice[1:]}." if result.advice else ""
            if result.ended:
                status = f"The call is over. {advice}".strip()
                return self._finished(token, active, status=status, heard=heard_text, coach=coach)
            return self._view(token, call, heard=heard_text, coach=coach, status=advice)

    def _unchanged(self, viewer: Viewer, token: str, status: str) -> CallView:
        active = self._active(viewer, token)
        view = self._view(token, active.call, status=status)
        view.warning = True
        return view

    def _finished(self, token: str, active: _Active, status: str, heard: str = "", coach: str = "") -> CallView:
        call = active.call
        card = call.finish()
        view = self._view(token, call, heard=heard, coach=coach, status=status)
        view.ended = True
        view.hard_call = card.hard_call
        view.scorecard = scorecard_markdown(card, call.persona, call.options.mode)
        if active.listener is not None:  # its thread ends once this answer is out
            active.listener.quiet()
        with self._calls_lock:
            self._calls.pop(token, None)
            self._ended[token] = (active.owner, view)
            while len(self._ended) > MAX_ACTIVE_CALLS:
                self._ended.popitem(last=False)
        return view

    def _over(self, viewer: Viewer, token: str) -> CallView | None:
        """Send or End after the call ended (the customer hung up, or was satisfied): a plain
        message on the page, the scorecard left as it is; not an error (a walkthrough found red
        error badges on every panel after "I've got to go" and a click on End)."""
        with self._calls_lock:
            ended = self._ended.get(token or "")
        if ended is None or ended[0] != viewer.name:
            return None
        view = ended[1].model_copy(update={"audio": None, "coach": "", "heard": ""})
        view.status = "This call is over: your scorecard is below. Pick a customer and start a new call."
        view.warning = True
        return view

    def _view(self, token: str, call: Call, heard: str = "", coach: str = "", status: str = "") -> CallView:
        last = call.turns[-1].customer
        status = (status + _fallback_note(call, last)).strip()
        return CallView(
            token=token,
            mode=call.options.mode,
            customer=call.persona.name,
            line=last.text,
            messages=transcript_messages(call.persona, call.turns),
            audio=_audio(call, last),
            anger=last.anger,
            heard=heard,
            coach=coach,
            status=status,
        )


def _seconds_of(audio: str | None) -> float:
    if not audio:
        return 0.0
    try:
        return float(soundfile.info(audio).duration)
    except (RuntimeError, OSError):
        return 0.0


def _back_in(call: Call) -> str:
    replies = sum(1 for t in call.turns if t.reply is not None)
    return (
        f"You are back in your call with {markdown_text(call.persona.name)} ({replies} replies so far): "
        "go on where you left off."
    )


def _fallback_note(call: Call, line: CustomerLine) -> str:
    """Said once a call: on the first line the scripted customer had to word instead of the LLM."""
    fallbacks = [t.customer for t in call.turns if t.customer.engine == "scripted-fallback"]
    notices = getattr(call.customer, "notices", None)
    if fallbacks and fallbacks[0] is line and notices:
        return f" Note: {notices[0]}."
    return ""


def transcript_messages(persona: Persona, turns: list[Turn]) -> list[dict[str, str]]:
    messages = []
    for turn in turns:
        messages.append(_customer_message(persona, turn.customer))
        if turn.reply is not None:
            messages.append({"role": "user", "content": markdown_text(turn.reply)})
    return messages


def _customer_message(persona: Persona, line: CustomerLine) -> dict[str, str]:
    return {"role": "assistant", "content": f"**{markdown_text(persona.name)}:** {markdown_text(line.text)}"}


def _audio(call: Call, line: CustomerLine) -> str | None:
    path = call.audio_path(line)
    return str(path) if path is not None and path.is_file() else None


def progress_rows(log: SessionLog, viewer: Viewer) -> list[dict]:
    """The viewer's own calls, newest first: a trainee's progress is about themselves only."""
    return call_rows(log.list(trainee=viewer.name))


def call_rows(calls: list) -> list[dict]:
    """Calls as the rows of a trainee's progress table."""
    return [
        {
            "id": s.id[:8],
            "when": f"{s.started_at:%Y-%m-%d %H:%M}",
            "customer": s.persona_name,
            "mode": s.mode,
            "outcome": outcome_label(s.outcome),
            "score": s.score,
            "tough call": "yes" if s.hard_call else "",
        }
        for s in calls
    ]
