"""`trainer bench voice`: voice to voice in the real browser, hands-free and push-to-talk.

A trainee's replies, spoken by the natural trainee voice, are the browser's microphone (Debian's
chromium, driven by Playwright, its fake capture device playing a WAV). The page hears its own
microphone: a script in the page follows the captured level and notes when the trainee stops
speaking, and when the customer's audio starts playing. Voice to voice is the gap between the
two, end-of-turn wait, transcription, the customer's reply, synthesis, transfer and playback
start included. Push-to-talk is timed from the click on "Send my recording".

Some replies pause mid-sentence ("...so what I'd like you to do | is open the filter"): a turn
that ends in that pause has cut the trainee off; the bench counts those.

Needs the test extras (`bash scripts/setup test`: chromium and playwright).
"""

import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile

from trainer.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
# Dana's good call, in the trainee's own words; "|" is a hesitation in mid-clause ("and |", "the |"),
# where a listener knows more is coming. (A pause at a clause's end, "...closing, | and", reads as a
# finished sentence and ends the turn, as a caller would take it on the phone.)
REPLIES = (
    "I know every minute the pipeline is down costs you money, and I'm on this right now.",
    "I can hear how stressful this is with the quarter closing, and | I will fix this myself.",
    "What do you see on the pipeline board at the moment?",
    "On the pipeline board, click the | little funnel icon beside the search box.",
    "There is a saved filter called Closed archived. Remove it.",
    "Now reload the board, and tell me if the deals are back.",
)
MID_PAUSE_S = 0.65
LISTEN_S = 9.0  # the trainee waits this long after a reply: the customer's line plays out
PAGE_JS = """
window.__cc = {starts: [], ends: [], played: []};
const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
let hooked = false;  // gradio opens the microphone more than once: one analyser hears it
navigator.mediaDevices.getUserMedia = async (constraints) => {
  const stream = await original(constraints);
  if (constraints && constraints.audio && !hooked) {
    hooked = true;
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    analyser.fftSize = 512;
    context.createMediaStreamSource(stream).connect(analyser);
    const data = new Float32Array(analyser.fftSize);
    let voicedSince = null, quietSince = null, speaking = false;
    setInterval(() => {
      analyser.getFloatTimeDomainData(data);
      let sum = 0; for (const x of data) sum += x * x;
      const loud = Math.sqrt(sum / data.length) > 0.01, now = performance.now();
      if (loud) {
        quietSince = null; voicedSince = voicedSince ?? now;
        if (!speaking && now - voicedSince > 200) { speaking = true; window.__cc.starts.push(voicedSince); }
      }
      else { voicedSince = null; if (speaking && quietSince === null) quietSince = now;
             if (speaking && now - quietSince > 250) { window.__cc.ends.push(quietSince); speaking = false; } }
    }, 10);
  }
  return stream;
};
document.addEventListener('playing', (event) => {
  if (event.target.closest && event.target.closest('#customer-audio')) window.__cc.played.push(performance.now());
}, true);
"""


@dataclass
class VoiceFigures:
    """Seconds from the end of a reply (or the click on send) to the customer's first audio."""

    hands_free: list[float] = field(default_factory=list)
    push_to_talk: list[float] = field(default_factory=list)
    replies: int = 0
    turns: int = 0
    cut_off: int = 0
    missed: int = 0  # replies the customer never answered

    def __str__(self) -> str:
        lines = [
            _line("voice to voice", self.hands_free, "hands-free, end of speech to first customer audio"),
            _line("push to talk  ", self.push_to_talk, "from the click on send"),
            f"cut off mid-sentence  {self.cut_off} of {self.replies} replies  "
            f"(turns heard {self.turns}, replies never answered {self.missed})",
        ]
        return "\n".join(lines)


def _line(name: str, values: list[float], what: str) -> str:
    if not values:
        return f"{name}  no figures ({what})"
    p50 = statistics.median(values)
    p95 = float(np.percentile(values, 95))
    return f"{name}  p50 {p50:.2f} s  p95 {p95:.2f} s  ({len(values)} turns; {what})"


def _speech(text: str, folder: Path, name: str) -> np.ndarray:
    from trainer.tts.trainee import speak_as_trainee

    samples, rate = soundfile.read(str(speak_as_trainee(text, folder / f"{name}.wav")), dtype="float32")
    loud = np.flatnonzero(np.abs(samples) > 0.01)
    samples = samples[: loud[-1] + 1] if len(loud) else samples  # the voice's own trailing silence goes
    return _at(samples, rate)


def _at(samples: np.ndarray, rate: int, target: int = 48_000) -> np.ndarray:
    from trainer.handsfree.turns import resampled_16k

    return np.repeat(resampled_16k(samples, rate), target // 16_000) if rate != target else samples


def microphone_file(folder: Path, replies: tuple[str, ...] = REPLIES, rate: int = 48_000) -> Path:
    """The whole call's microphone: a second of quiet, then each reply and a listening gap."""
    silence = lambda seconds: np.zeros(int(rate * seconds), np.float32)  # noqa: E731
    parts = [silence(4.0)]  # the customer's opening line plays first
    for i, reply in enumerate(replies):
        for j, piece in enumerate(reply.split("|")):
            if j:
                parts.append(silence(MID_PAUSE_S))
            parts.append(_speech(piece.strip(), folder, f"r{i}-{j}"))
        parts.append(silence(LISTEN_S))
    path = folder / "microphone.wav"
    soundfile.write(str(path), np.concatenate(parts), rate)
    return path


def _browser_args(wav: Path) -> list[str]:
    return [
        "--no-sandbox",
        "--disable-gpu",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}%noloop",
        "--autoplay-policy=no-user-gesture-required",
    ]


def bench_voice(settings: Settings, persona: str = "escalated", push_turns: int = 3, calls: int = 1) -> VoiceFigures:
    """`calls` hands-free calls of `REPLIES` (6 turns each: more calls, steadier percentiles)
    and `push_turns` push-to-talk turns, in the real browser."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as missing:
        raise SystemExit("trainer bench voice needs playwright and chromium: bash scripts/setup test") from missing
    from trainer.app.ui import serving
    from trainer.catalog import load_catalog
    from trainer.sessionlog import SessionLog

    folder = Path(tempfile.mkdtemp(prefix="callcoach-bench-voice-"))
    local = settings.model_copy(
        update={
            "sessions_dir": folder / "sessions",
            "users_file": folder / "no-users.yaml",
            "database_url": None,
            "warm_voices": False,  # warmed before the browser starts (`_warm`), not while turns are timed
        }
    )
    mic = microphone_file(folder)
    customer = load_catalog(local).persona(persona)
    _warm(local, customer)
    figures = VoiceFigures(replies=len(REPLIES) * calls)
    with serving(local) as (url, _app):
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=_browser_args(mic), headless=True)
            try:
                for _ in range(calls):
                    _hands_free(browser, url, customer.name, figures)
                _push_to_talk(browser, url, customer.name, push_turns, figures)
            finally:
                browser.close()
        _count_cut_offs(SessionLog(local.resolved_database_url()), figures, calls)
    return figures


def _warm(settings: Settings, persona) -> None:
    """The persona's lines in the voice cache first, as on a server that has run a while (its
    warm-up at start does this): the figures are the turn's, not the first synthesis of a line."""
    from trainer.call import CallVoice, warm_lines

    CallVoice.from_settings(settings, persona).customer.warm(warm_lines(persona))


def _start(page, url: str, persona_name: str, talk: str) -> None:
    page.goto(url)
    page.locator("#persona-picker label").filter(has_text=persona_name).click()
    page.locator("#talk-mode").get_by_text("Hands-free: just talk" if talk == "hands-free" else "Push to talk").click()
    page.locator("#start-call:not([disabled])").click()
    page.locator("#customer-line q").wait_for(timeout=60_000)


def _hands_free(browser, url: str, persona_name: str, figures: VoiceFigures) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.add_init_script(PAGE_JS)
    _start(page, url, persona_name, "hands-free")
    total_s = 4.0 + sum(len(r) / 14 + LISTEN_S + MID_PAUSE_S for r in REPLIES) + 10
    deadline = time.monotonic() + total_s
    while time.monotonic() < deadline:
        page.wait_for_timeout(1000)
        finals = reply_ends(*page.evaluate("() => [window.__cc.starts, window.__cc.ends]"))
        if len(finals) >= len(REPLIES) and time.monotonic() > deadline - 8:
            break
    heard = page.evaluate("() => window.__cc")
    for end in reply_ends(heard["starts"], heard["ends"])[: len(REPLIES)]:
        after = [t for t in heard["played"] if t > end]
        if after:
            figures.hands_free.append((after[0] - end) / 1000)
        else:
            figures.missed += 1
    page.close()


def reply_ends(starts: list[float], ends: list[float], gap_ms: float = 3000) -> list[float]:
    """The end of each reply: the end of speech after which nobody speaks for `gap_ms` (the
    trainee listening to the customer), not a pause inside the reply, however long."""
    return [end for end in ends if not any(end < start < end + gap_ms for start in starts)]


def _push_to_talk(browser, url: str, persona_name: str, turns: int, figures: VoiceFigures) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.add_init_script(PAGE_JS)
    _start(page, url, persona_name, "push")
    for _ in range(turns):
        page.locator("#mic .record-button").click()
        page.wait_for_timeout(6_500)
        page.locator("#mic .stop-button").first.click()
        page.locator("#send-recording:not([disabled])").wait_for(timeout=15_000)
        before = len(page.evaluate("() => window.__cc.played"))
        clicked = page.evaluate("() => performance.now()")
        page.locator("#send-recording").click()
        try:
            page.wait_for_function(f"() => window.__cc.played.length > {before}", timeout=30_000)
        except Exception:  # the recording was refused (silence): no figure for this turn
            continue
        figures.push_to_talk.append((page.evaluate("() => window.__cc.played")[before] - clicked) / 1000)
        page.wait_for_timeout(LISTEN_S * 1000)
    page.close()


def _count_cut_offs(log, figures: VoiceFigures, calls: int = 1) -> None:
    """The hands-free calls' trainee turns against the replies: a reply heard as two turns, or
    a turn that stops at a mid-sentence pause, was cut off."""
    for call in sorted(log.list(), key=lambda s: s.started_at)[:calls]:  # the push-to-talk call comes last
        turns = [t for t in log.get(call.id)["turns"] if t.get("reply")]
        figures.turns += len(turns)
        figures.cut_off += max(_cut_at_a_pause(turns), len(turns) - len(REPLIES))  # two turns: cut at a pause


def _cut_at_a_pause(turns: list[dict]) -> int:
    cut = 0
    for reply in REPLIES:
        if "|" not in reply:
            continue
        before, after = (_words(part) for part in reply.split("|"))
        head, tail = " ".join(before[-3:]), after[-1]
        for turn in turns:
            text = " ".join(_words(turn["reply"]))
            if head in text and tail not in text:  # the words before the pause, without their end
                cut += 1
                break
    return cut


def _words(text: str) -> list[str]:
    return "".join(c if c.isalnum() or c.isspace() else " " for c in text.lower()).split()
