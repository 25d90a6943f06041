"""End to end in a real browser: Debian's chromium, driven by Playwright, a WAV as the microphone.

A trainee logs in, starts a call, records a spoken reply, sees it transcribed, hears the
customer answer, ends the call and gets a scorecard; a manager then finds the session and
opens it, and looks at the persona workshop. Screenshots of each step go to the folder the
test prints (CALLCOACH_SCREENSHOTS, default a temporary folder). With
CALLCOACH_DOCS_SCREENSHOTS=1 the three rooms are also saved in docs/ for the README.

Needs `bash scripts/setup test` (chromium, chromium-driver, playwright); skipped where they
are missing, except in CI, where a missing browser is a failure, not a silent skip.
"""

import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import CHROMIUM, login, require_browser, screenshot_folder
from conftest import URGENT, app_settings
from hearing import assert_heard

from trainer.settings import PROJECT_ROOT
from trainer.users import Role, UserStore

REPLY = URGENT
PIPELINE = "What do you see on the pipeline board right now?"


def _most_words_of(said: str, heard: str, share: float = 0.5) -> bool:
    """Whether `heard` holds most of the words `said` (recall over distinct words, any order):
    a garbled "i know every must money me. so i will personally stay on the synthesis fixed" is
    still the urgent reply (0.59), and not the pipeline question (0.2)."""
    words = lambda text: set(re.findall(r"[a-z']+", text.lower()))  # noqa: E731
    return len(words(said) & words(heard)) >= share * len(words(said))


RAMBLE = (
    "so what usually happens with the pipeline board and",
    "I have seen this a few times with other customers and",
    "it tends to be one of several things and",
    "sometimes it is the browser and sometimes it is the sync and",
    "our engineers have looked at it in the past and",
    "they found that there can be a few different reasons and",
    "one of them is the way the filters are saved and",
    "another one is the account settings and",
    "so there is quite a lot to go through here and",
)

pytestmark = pytest.mark.filterwarnings("ignore:::gradio.*")


require_browser()

from playwright.sync_api import Error as PlaywrightError  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402

FOLDERS: dict = {}  # each test server's settings, by its address


@pytest.fixture(scope="module")
def shots() -> Path:
    return screenshot_folder()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from trainer.app.ui import serving

    folder = tmp_path_factory.mktemp("browser")
    settings = app_settings(folder, hands_free_default=False)  # push-to-talk unless a test picks hands-free
    store = UserStore(settings.resolved_users_file())
    store.add("alice", Role.trainee, "alice-password")
    store.add("meg", Role.manager, "meg-password")
    started = time.perf_counter()
    with serving(settings) as (url, _app):
        print(f"\napp start: {time.perf_counter() - started:.1f} s")
        FOLDERS[url] = settings
        yield url


@pytest.fixture(scope="module")
def microphone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The trainee's spoken reply, in the natural trainee voice, as chromium's fake microphone."""
    from trainer.tts.trainee import speak_as_trainee

    return speak_as_trainee(REPLY, tmp_path_factory.mktemp("mic") / "reply.wav")


def _args(wav: Path) -> list[str]:
    return [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}%noloop",  # without %noloop the reply repeats
    ]


def _shot(page: Page, folder: Path, name: str, docs: str | None = None) -> None:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if docs and os.environ.get("CALLCOACH_DOCS_SCREENSHOTS"):
        (PROJECT_ROOT / "docs").mkdir(exist_ok=True)
        shutil.copyfile(path, PROJECT_ROOT / "docs" / docs)


def _pick(page: Page, name: str) -> None:
    """Click a customer's card (the cards are the picker: one click, a human label)."""
    page.locator("#persona-picker label").filter(has_text=name).click()


def _inside_viewport(page: Page, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    view = page.viewport_size
    assert box is not None and view is not None, selector
    return box["y"] >= 0 and box["x"] >= 0 and box["y"] + box["height"] <= view["height"] and box["width"] > 0


def test_a_spoken_call_then_the_manager_opens_it(server: str, microphone: Path, shots: Path) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=_args(microphone), headless=True)
        try:
            # The trainee: log in, pick Dana, start; her opening line plays and is in the transcript.
            page = browser.new_page(viewport={"width": 1366, "height": 768})  # a trainee's laptop
            login(page, server, "alice", "alice-password")
            assert page.get_by_role("tab", name="Review desk").count() == 0  # a trainee has no desk
            assert page.locator("#start-call").is_disabled()  # nothing to start before a customer is picked
            _shot(page, shots, "01-logged-in")
            card = page.locator("#persona-picker label").filter(has_text="Dana Whitfield")
            assert "Yelling: losing money every minute" in card.inner_text()  # the kind of caller in words
            assert "escalated" not in card.inner_text()  # no raw ids
            _pick(page, "Dana Whitfield")
            page.locator("#start-call:not([disabled])").wait_for(timeout=10_000)
            page.locator("#start-call").click()
            page.locator("#transcript").get_by_text("Dana Whitfield:").wait_for(timeout=60_000)
            player = page.locator("#customer-audio a[data-testid=download-link]")
            player.wait_for(timeout=30_000)
            assert ".ogg" in (player.get_attribute("href") or "")  # an audio element with a source
            assert not page.locator("#persona-picker").is_visible()  # once the call starts, the page is the call
            assert page.locator("#send-recording").is_disabled() and page.locator("#send-typed").is_disabled()
            _shot(page, shots, "02-call-started")

            # Record the reply from the fake microphone, stop, send; see it heard.
            page.locator("#mic .record-button").click()
            # The WAV is about 5.5 s long. The fake device plays it in real time and can lag
            # behind the clock while the server warms up; a longer take only adds silence.
            page.wait_for_timeout(8_500)
            page.locator("#mic .stop-button").first.click()
            page.locator("#mic [data-testid=waveform-Your\\ answer], #mic audio").first.wait_for(timeout=15_000)
            page.wait_for_timeout(1_000)  # the upload of the recording
            first_audio = player.get_attribute("href")
            submitted = time.perf_counter()
            page.locator("#send-recording").click()
            heard = page.locator("#heard textarea")
            page.wait_for_function("() => document.querySelector('#heard textarea').value.length > 0", timeout=60_000)
            page.wait_for_function(
                "(old) => { const a = document.querySelector('#customer-audio a[data-testid=download-link]');"
                " return a && a.href !== old; }",
                arg=first_audio,
                timeout=60_000,
            )
            print(f"\nsubmit to the customer's audio: {time.perf_counter() - submitted:.1f} s")
            said = heard.input_value()
            assert_heard(said, REPLY, max_wer=0.4)  # a browser take, not the file itself
            assert page.locator("#coach").get_by_text("acknowledges urgency").count() == 1
            # One laptop screen holds the call: nothing the trainee needs is scrolled away.
            for needed in ("#mic .record-button", "#customer-line", "#anger-meter", "#coach"):
                assert _inside_viewport(page, needed), needed
            assert not page.locator("#live-mic").is_visible()  # push-to-talk: no open microphone shown
            _shot(page, shots, "03-reply-heard")

            # End the call: a scorecard.
            page.locator("#end-call").click()
            page.locator("#scorecard").get_by_text("Scorecard:").wait_for(timeout=30_000)
            page.wait_for_timeout(500)
            assert not page.locator("#live-mic").is_visible() and not page.locator("#mic").is_visible()
            _shot(page, shots, "04-scorecard", docs="practice-room.png")

            # The manager: the review desk finds the call and opens it.
            manager = browser.new_page(viewport={"width": 1280, "height": 1000})
            login(manager, server, "meg", "meg-password")
            manager.get_by_role("tab", name="Review desk").click()
            manager.locator("#review-apply").click()
            table = manager.locator("#sessions-table")
            manager.wait_for_function(
                "() => document.querySelector('#sessions-table').innerText.includes('alice')", timeout=30_000
            )
            found = re.search(r"\b[0-9a-f]{8}\b", table.inner_text())  # the table's short ids open a call too
            assert found, table.inner_text()
            manager.locator("#session-id textarea, #session-id input").first.fill(found.group(0))
            manager.locator("#open-session").click()
            manager.locator("#session-detail").get_by_text(said.split(",")[0]).first.wait_for(timeout=30_000)
            assert "alice" in manager.locator("#session-detail").inner_text()
            _shot(manager, shots, "05-review-desk", docs="review-desk.png")

            # The manager corrects the grader: a missed behaviour in reply 1; the call is regraded.
            manager.get_by_text("Correct the grader").click()
            manager.locator("#correct-turn input").fill("1")
            manager.locator("#correct-behaviour input").fill("follows_up_async")
            manager.keyboard.press("Enter")
            manager.locator("#correct-verdict").get_by_text("missed").click()
            manager.locator("#correct-reason textarea, #correct-reason input").first.fill("she promised an update")
            manager.locator("#correct-save").click()
            detail = manager.locator("#session-detail")
            detail.get_by_text("Regraded after corrections").wait_for(timeout=30_000)
            assert "follows up async was missed" in detail.inner_text()
            _shot(manager, shots, "05b-grader-corrected")

            # The workshop: a new persona from the template validates as it is.
            manager.get_by_role("tab", name="Persona workshop").click()
            manager.locator("#workshop-new").click()
            manager.locator("#persona-validation").get_by_text("valid").first.wait_for(timeout=30_000)
            # Validation as you type: a misspelt field is named with its file and line.
            manager.locator("#persona-editor .cm-content").click()
            manager.keyboard.press("Control+End")
            manager.keyboard.type("\nbogus_field: 1")
            # (each keystroke validates: wait for the message about the whole line)
            manager.locator("#persona-validation").get_by_text("bogus_field: unknown field").wait_for(timeout=30_000)
            assert "not valid yet" in manager.locator("#persona-validation").inner_text()
            assert "personas/new_persona.yaml:" in manager.locator("#persona-validation").inner_text()
            manager.locator("#persona-validation").scroll_into_view_if_needed()
            _shot(manager, shots, "06-persona-workshop", docs="persona-workshop.png")
        finally:
            browser.close()


def test_a_reload_offers_the_call_back_and_typed_html_shows_as_text(server: str, microphone: Path, shots: Path) -> None:
    """Outside tester: Reload lost the call silently; `<img>` and links in a typed reply rendered."""
    hostile = 'I am on it <img src="https://tracker.example/p.png" id="pixel"> [click](https://evil.example)'
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=_args(microphone), headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            login(page, server, "alice", "alice-password")
            _pick(page, "Marcus Doyle")
            page.locator("#start-call").click()
            page.locator("#transcript").get_by_text("Marcus Doyle:").wait_for(timeout=60_000)
            page.locator("#typed-reply textarea, #typed-reply input").first.press("Enter")  # nothing typed
            page.get_by_text("the reply is empty").first.wait_for(timeout=30_000)  # one message, in words
            for panel in ("#transcript", "#customer-audio", "#heard", "#coach", "#mic"):
                assert page.locator(panel).get_by_text("Error", exact=True).count() == 0, panel
            page.locator("#typed-reply textarea, #typed-reply input").first.fill(hostile)
            page.locator("#send-typed").click()
            page.locator("#transcript").get_by_text("[click](https://evil.example)").wait_for(timeout=30_000)
            assert page.locator("#transcript img#pixel").count() == 0
            assert not page.locator('#transcript button[aria-label="Clear"]').is_visible()  # no wiping mid-call
            assert page.locator('#mic button[aria-label="Upload file"]').count() == 1  # no microphone: upload
            assert page.locator("#transcript a[href='https://evil.example']").count() == 0
            page.reload()
            page.get_by_text("Logged in as").wait_for(timeout=30_000)
            resume = page.locator("#resume-call")
            resume.get_by_text("Resume your call with Marcus Doyle").wait_for(timeout=30_000)
            _shot(page, shots, "07-resume-offered")
            resume.click()
            page.locator("#call-status").get_by_text("back in your call with Marcus Doyle").wait_for(timeout=30_000)
            assert page.locator("#transcript").get_by_text("[click](https://evil.example)").count() == 1
            assert not resume.is_visible()
            box = page.locator("#typed-reply textarea, #typed-reply input").first
            box.fill("When did the appointments stop showing up?")
            box.press("Enter")  # Enter sends (a walkthrough lost a reply to Enter adding a line)
            page.locator("#transcript").get_by_text("When did the appointments stop showing up?").wait_for(
                timeout=30_000
            )
            _shot(page, shots, "08-resumed-and-going-on")
            playing = "() => { const a = document.querySelector('#customer-audio audio'); return !!a && !a.paused; }"
            page.wait_for_function(playing, timeout=30_000)  # Marcus answers out loud...
            page.locator("#end-call").click()
            page.locator("#scorecard").get_by_text("Scorecard:").wait_for(timeout=30_000)
            assert not page.evaluate(playing)  # ... and stops when the trainee ends the call
            page.wait_for_timeout(500)
            # A finished call takes no more answers: no End, no Send, one way on.
            assert not page.locator("#end-call").is_visible() and not page.locator("#send-typed").is_visible()
            assert page.get_by_text("Error", exact=True).count() == 0
            _shot(page, shots, "09-scorecard-then-another")
            page.locator("#new-call").click()
            page.locator("#persona-picker").wait_for(timeout=30_000)
            assert page.locator("#start-call").is_disabled()
        finally:
            browser.close()


AXE = PROJECT_ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"  # from npm (scripts/setup test)
SERIOUS = """async () => {
  const found = await axe.run(document, {resultTypes: ['violations']});
  return found.violations.filter(v => ['serious', 'critical'].includes(v.impact))
    .map(v => `${v.id} (${v.impact}): ${v.help}: ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`);
}"""


def _serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on what the page shows now."""
    if not AXE.is_file():
        pytest.fail(f"axe-core is not installed at {AXE} (bash scripts/setup test)", pytrace=False)
    page.add_script_tag(path=str(AXE))
    return page.evaluate(SERIOUS)


def _no_serious_violations(page: Page) -> None:
    found = _serious_violations(page)
    assert not found, "\n".join(found)


def test_keyboard_only_screen_reader_and_axe_in_the_three_rooms(server: str, microphone: Path, shots: Path) -> None:
    """A trainee without a mouse: Tab to a customer, arrows to choose, Enter to start and to send;
    the customer's line is a live region; axe-core finds nothing serious in any room."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=_args(microphone), headless=True)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            login(page, server, "alice", "alice-password")
            page.locator("#persona-picker label").first.wait_for(timeout=30_000)
            _no_serious_violations(page)
            # Tab until a customer card has focus, Tab on to the next card, Space chooses it, Tab on to Start.
            for _ in range(30):
                page.keyboard.press("Tab")
                if page.evaluate("() => !!document.activeElement.closest('#persona-picker')"):
                    break
            else:
                pytest.fail("Tab never reaches the customer cards")
            page.keyboard.press("Tab")
            page.keyboard.press("Space")
            chosen = page.locator("#persona-picker input:checked")
            chosen.wait_for(timeout=10_000)
            assert chosen.count() == 1
            page.locator("#start-call:not([disabled])").wait_for(timeout=10_000)
            for _ in range(30):
                page.keyboard.press("Tab")
                if page.evaluate("() => document.activeElement.id === 'start-call'"):
                    break
            else:
                pytest.fail("Tab never reaches Start the call")
            page.keyboard.press("Enter")
            line = page.locator("#customer-line")
            line.locator("q").wait_for(timeout=60_000)
            assert line.get_attribute("aria-live") == "polite" and line.get_attribute("role") == "status"
            first_line = line.inner_text()
            page.locator("#typed-reply textarea, #typed-reply input").first.focus()
            page.keyboard.type("I'm sorry this happened, I'm on it now. What do you see on your screen?")
            page.keyboard.press("Enter")
            page.wait_for_function(
                "(old) => document.querySelector('#customer-line').innerText !== old", arg=first_line, timeout=60_000
            )
            _shot(page, shots, "10-keyboard-only-call")
            _no_serious_violations(page)

            manager = browser.new_page(viewport={"width": 1366, "height": 768})
            login(manager, server, "meg", "meg-password")
            manager.get_by_role("tab", name="Review desk").click()
            manager.locator("#review-apply").click()
            manager.wait_for_timeout(1_500)
            _no_serious_violations(manager)
            manager.get_by_role("tab", name="Persona workshop").click()
            manager.locator("#workshop-new").click()
            manager.locator("#persona-validation").get_by_text("valid").first.wait_for(timeout=30_000)
            _no_serious_violations(manager)
        finally:
            browser.close()


def test_logging_out_ends_the_session_in_every_tab(server: str, microphone: Path, shots: Path) -> None:
    """Outside tester: after "log out" the old tab still said "Logged in as ana" and failed with blank errors."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=_args(microphone), headless=True)
        try:
            context = browser.new_context(viewport={"width": 1366, "height": 768})
            first = context.new_page()
            login(first, server, "alice", "alice-password")
            second = context.new_page()
            second.goto(server)
            second.get_by_text("Logged in as").wait_for(timeout=30_000)
            second.get_by_role("link", name="log out").click()
            second.get_by_label("username").wait_for(timeout=30_000)
            first.bring_to_front()
            first.get_by_label("username").wait_for(timeout=30_000)  # the other tab is logged out too
            assert first.get_by_text("Logged in as").count() == 0
            assert "callcoach" in first.content() and "`" not in first.locator("body").inner_text()
            _shot(first, shots, "11-logged-out-everywhere", docs="login.png")
        finally:
            browser.close()


@pytest.fixture(scope="module")
def hands_free_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app as shipped: calls start hands-free."""
    from trainer.app.ui import serving

    settings = app_settings(tmp_path_factory.mktemp("handsfree-server"))
    UserStore(settings.resolved_users_file()).add("bob", Role.trainee, "bob-password")
    with serving(settings) as (url, _app):
        FOLDERS[url] = settings
        yield url


@pytest.fixture(scope="module")
def call_on_the_microphone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A whole hands-free call as chromium's fake microphone: the first reply starts while the
    customer's opening line is still playing (a barge-in), the second after a pause."""
    import numpy as np
    import soundfile

    from trainer.tts.trainee import speak_as_trainee

    folder = tmp_path_factory.mktemp("handsfree")
    parts, rate = [], 22_050
    for i, (gap, text) in enumerate([(1.5, REPLY), (7.0, PIPELINE)]):
        samples, rate = soundfile.read(str(speak_as_trainee(text, folder / f"{i}.wav")), dtype="float32")
        parts += [np.zeros(int(rate * gap), np.float32), samples]
    parts.append(np.zeros(int(rate * 8), np.float32))
    # Then a speech that never gets to the point: clauses run on with only short breaths between them,
    # past Dana's patience (`interrupts_after_s: 20`): she cuts in.
    for i, clause in enumerate(RAMBLE):
        samples, rate = soundfile.read(str(speak_as_trainee(clause, folder / f"r{i}.wav")), dtype="float32")
        loud = np.flatnonzero(np.abs(samples) > 0.01)
        parts += [samples[loud[0] : loud[-1] + 1], np.zeros(int(rate * 0.2), np.float32)]
    parts.append(np.zeros(int(rate * 10), np.float32))
    path = folder / "call.wav"
    soundfile.write(str(path), np.concatenate(parts), rate)
    return path


def _talk_through_the_call(server: str, microphone: Path, shots: Path) -> None:
    """One hands-free call in a fresh chromium, microphone file from the start."""
    with sync_playwright() as p:
        args = [*_args(microphone), "--autoplay-policy=no-user-gesture-required"]
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=args, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            login(page, server, "bob", "bob-password")
            _pick(page, "Dana Whitfield")
            assert page.locator("#talk-mode input:checked").get_attribute("value") == "hands-free"  # the default
            page.locator("#start-call").click()  # the last click of the call
            page.locator("#customer-line q").wait_for(timeout=60_000)
            page.locator("#live-mic").wait_for(state="visible", timeout=10_000)
            page.locator("#mic").wait_for(state="hidden", timeout=10_000)  # no record and send buttons to press
            # The trainee starts at 1.5 s, over Dana's 7-second opening: her voice stops.
            page.wait_for_function(
                "() => !document.querySelector('#customer-audio audio')"
                " || document.querySelector('#customer-audio audio').paused",
                timeout=20_000,
            )
            replies = page.locator("#transcript [data-testid=user]")
            # Both replies heard, each as its own turn, and answered. Under load (the whole suite on
            # 2 cores) whisper hears the fake microphone's words garbled ("i know every must money
            # me. so i will personally stay on the synthesis fixed"): the turns are what this checks,
            # each holding most of its reply's words; how well words are heard is `trainer eval stt`'s.
            try:
                page.wait_for_function(
                    "() => document.querySelectorAll('#transcript [data-testid=user]').length >= 2"
                    " && document.querySelectorAll('#transcript [data-testid=bot]').length"
                    " > document.querySelectorAll('#transcript [data-testid=user]').length",
                    timeout=90_000,
                )
            finally:
                _shot(page, shots, "12-hands-free-call")
            first, second = replies.all_inner_texts()[:2]
            assert _most_words_of(REPLY, first) and not _most_words_of(PIPELINE, first), first
            assert _most_words_of(PIPELINE, second), second
            # The ramble: its words show as they are heard, then Dana cuts in while it goes on.
            page.wait_for_function(
                "() => { const heard = document.querySelector('#heard textarea')?.value || '';"
                " return heard.split(' ').length >= 8 && heard.endsWith('…'); }",  # "…": still being spoken
                timeout=40_000,
            )
            _shot(page, shots, "13-words-as-they-are-heard")
            cut_in = "() => document.querySelector('#customer-line').innerText.match(/Stop, stop|Hang on/)"
            page.wait_for_function(cut_in, timeout=40_000)
            _shot(page, shots, "14-the-customer-cuts-in")
        finally:
            browser.close()


def test_a_hands_free_call_with_no_clicks_after_start(
    hands_free_server: str, call_on_the_microphone: Path, shots: Path
) -> None:
    """Talk, don't click: the open microphone hears two replies and the customer answers each; the
    trainee's first reply, said over the customer's opening line, stops it and is logged as such.
    Then a barge-in the other way: a ramble shows its words as they are heard until Dana cuts in."""
    from trainer.sessionlog import SessionLog

    # A second try in a fresh browser, said out loud in the output: on a loaded 2-core machine
    # chromium's fake capture device now and then delivers nothing at all (a flat line, Dana's
    # opening plays out, nothing is heard in 90 s; about 1 run in 10). Each try checks everything.
    for attempt in (1, 2):
        try:
            _talk_through_the_call(hands_free_server, call_on_the_microphone, shots)
            break
        except (AssertionError, PlaywrightError) as failed:
            if attempt == 2:
                raise
            print(f"hands-free call, try 1 failed, trying once more: {failed!r}"[:400])
    log = SessionLog(FOLDERS[hands_free_server].resolved_database_url())
    call = max((c for c in log.list(trainee="bob") if c.persona_id == "escalated"), key=lambda c: c.started_at)
    turns = [t for t in log.get(call.id)["turns"] if t["reply"]]
    assert turns[0].get("interrupted") is True  # said over Dana's opening line
    assert turns[1].get("interrupted") is False  # said after she had finished
    assert turns[2].get("cut_off") is True and _most_words_of(" ".join(RAMBLE[:2]), turns[2]["reply"])  # the ramble
