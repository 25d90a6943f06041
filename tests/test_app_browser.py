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
import socket
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import app_settings
from hearing import assert_heard

from trainer.settings import PROJECT_ROOT
from trainer.users import Role, UserStore

CHROMIUM = Path("/usr/bin/chromium")
REPLY = "I know every minute costs you money, so I will personally stay on this until it is fixed."

pytestmark = pytest.mark.filterwarnings("ignore:::gradio.*")


def _browser_ready() -> str | None:
    if not CHROMIUM.exists():
        return "Debian chromium is not installed (bash scripts/setup test)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (bash scripts/setup test)"
    return None


missing = _browser_ready()
if missing and os.environ.get("CI"):
    pytest.fail(f"the browser test cannot run in CI: {missing}", pytrace=False)
if missing:
    pytest.skip(missing, allow_module_level=True)

from playwright.sync_api import Page, sync_playwright  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def shots() -> Path:
    folder = Path(os.environ.get("CALLCOACH_SCREENSHOTS") or Path(tempfile.gettempdir()) / "callcoach-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {folder}")
    return folder


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from trainer.app.ui import launch

    folder = tmp_path_factory.mktemp("browser")
    settings = app_settings(folder)
    store = UserStore(settings.resolved_users_file())
    store.add("alice", Role.trainee, "alice-password")
    store.add("meg", Role.manager, "meg-password")
    port = free_port()
    started = time.perf_counter()
    demo, app = launch(settings, host="127.0.0.1", port=port, voice=True, prevent_thread_lock=True, quiet=True)
    print(f"\napp start: {time.perf_counter() - started:.1f} s")
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        app.room.close()
        demo.close()


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


def _login(page: Page, url: str, name: str, password: str) -> None:
    page.goto(url)
    page.get_by_label("username").fill(name)
    page.get_by_label("password").fill(password)
    page.get_by_role("button", name="Login").click()
    page.get_by_text("Logged in as").wait_for(timeout=30_000)


def _shot(page: Page, folder: Path, name: str, docs: str | None = None) -> None:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if docs and os.environ.get("CALLCOACH_DOCS_SCREENSHOTS"):
        (PROJECT_ROOT / "docs").mkdir(exist_ok=True)
        shutil.copyfile(path, PROJECT_ROOT / "docs" / docs)


def test_a_spoken_call_then_the_manager_opens_it(server: str, microphone: Path, shots: Path) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=_args(microphone), headless=True)
        try:
            # The trainee: log in, pick Dana, start; her opening line plays and is in the transcript.
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            _login(page, server, "alice", "alice-password")
            assert page.get_by_role("tab", name="Review desk").count() == 0  # a trainee has no desk
            _shot(page, shots, "01-logged-in")
            page.get_by_text("Dana Whitfield · escalated").first.click()
            page.locator("#start-call").click()
            page.locator("#transcript").get_by_text("Dana Whitfield:").wait_for(timeout=60_000)
            player = page.locator("#customer-audio a[data-testid=download-link]")
            player.wait_for(timeout=30_000)
            assert ".ogg" in (player.get_attribute("href") or "")  # an audio element with a source
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
            _shot(page, shots, "03-reply-heard")

            # End the call: a scorecard.
            page.locator("#end-call").click()
            page.locator("#scorecard").get_by_text("Scorecard:").wait_for(timeout=30_000)
            page.wait_for_timeout(500)
            _shot(page, shots, "04-scorecard", docs="practice-room.png")

            # The manager: the review desk finds the call and opens it.
            manager = browser.new_page(viewport={"width": 1280, "height": 1000})
            _login(manager, server, "meg", "meg-password")
            manager.get_by_role("tab", name="Review desk").click()
            manager.locator("#review-apply").click()
            table = manager.locator("#sessions-table")
            manager.wait_for_function(
                "() => document.querySelector('#sessions-table').innerText.includes('alice')", timeout=30_000
            )
            found = re.search(r"[0-9a-f]{8}-[0-9a-f-]{27}", table.inner_text())
            assert found, table.inner_text()
            manager.locator("#session-id textarea, #session-id input").first.fill(found.group(0))
            manager.locator("#open-session").click()
            manager.locator("#session-detail").get_by_text(said.split(",")[0]).first.wait_for(timeout=30_000)
            assert "alice" in manager.locator("#session-detail").inner_text()
            _shot(manager, shots, "05-review-desk", docs="review-desk.png")

            # The manager corrects the grader: a missed behaviour on turn 0; the call is regraded.
            manager.get_by_text("Correct the grader").click()
            manager.locator("#correct-turn input").fill("0")
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
            manager.locator("#persona-validation").get_by_text("bogus_field: Extra inputs").wait_for(timeout=30_000)
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
            _login(page, server, "alice", "alice-password")
            page.locator("#start-call").click()  # no customer picked: one message, no badge on every panel
            page.get_by_text("pick a customer first").first.wait_for(timeout=30_000)
            for panel in ("#transcript", "#customer-audio", "#heard", "#coach"):
                assert page.locator(panel).get_by_text("Error", exact=True).count() == 0, panel
            page.get_by_text("Marcus Doyle · cursing").first.click()
            page.locator("#start-call").click()
            page.locator("#transcript").get_by_text("Marcus Doyle:").wait_for(timeout=60_000)
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
            page.locator("#end-call").click()
            page.locator("#scorecard").get_by_text("Scorecard:").wait_for(timeout=30_000)
            page.locator("#end-call").click()  # once more, after the end: a message, not an error
            page.locator("#call-status").get_by_text("This call is over").wait_for(timeout=30_000)
            page.wait_for_timeout(500)
            assert page.get_by_text("Error", exact=True).count() == 0
            assert page.locator("#scorecard").get_by_text("Scorecard:").count() == 1
            _shot(page, shots, "09-end-after-the-end")
        finally:
            browser.close()
