"""The review desk in a real browser (Debian's chromium, driven by Playwright), as a manager
uses it daily: the empty desk says what to do first; calls seeded through the library fill the
table, which fits a 1280 px screen; a click on a row opens the call; each turn plays from its
own player (the file goes to the manager, not to a trainee who has its address); replies are
numbered from 1; the charts, the team view and the "include test calls" switch.

Screenshots of each step go to CALLCOACH_SCREENSHOTS (default: a temporary folder, printed).
Needs `bash scripts/setup test` (chromium, playwright); skipped where they are missing,
except in CI, where a missing browser is a failure.
"""

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from browser import CHROMIUM, login, require_browser, screenshot_folder
from conftest import URGENT, app_settings, play
from sqlalchemy import update

from trainer.app.access import Viewer
from trainer.sessionlog.tables import SessionRow
from trainer.users import Role, UserStore

SPOKEN = "I'll email you the moment it's fixed, you don't need to hold the line."
DISMISSIVE = "Calm down, it's not a big deal."
PASSWORDS = {"alice": "alice-password", "bob": "bob-password", "meg": "meg-password", "tess": "tess-password"}

pytestmark = pytest.mark.filterwarnings("ignore:::gradio.*")


require_browser()

from playwright.sync_api import Page, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def shots() -> Path:
    return screenshot_folder()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object]]:
    """The app with logins and voices (espeak-ng: quick) and no calls yet; the test seeds them."""
    from trainer.app.ui import serving

    folder = tmp_path_factory.mktemp("desk")
    settings = app_settings(folder, tts_engine="espeak")
    store = UserStore(settings.resolved_users_file())
    store.add("alice", Role.trainee, PASSWORDS["alice"])
    store.add("bob", Role.trainee, PASSWORDS["bob"])
    store.add("meg", Role.manager, PASSWORDS["meg"])
    store.add("tess", Role.trainer, PASSWORDS["tess"])
    with serving(settings) as running:
        yield running


def _seed(app, folder: Path) -> dict[str, str]:
    """Calls as trainees and a trainer make them, through the library; returns their ids by name.
    Their start times are spread over the last days, so the charts have a time axis to show."""
    from trainer.tts.trainee import speak_as_trainee

    room = app.room
    alice, bob, tess = (Viewer("alice", Role.trainee), Viewer("bob", Role.trainee), Viewer("tess", Role.trainer))

    def typed(viewer: Viewer, persona: str, *replies: str) -> str:
        return play(room, viewer, persona, replies)

    ids = {"alice_hung_up": typed(alice, "cursing", DISMISSIVE), "bob": typed(bob, "passive_angry", DISMISSIVE)}
    view = room.start(alice, "escalated", "coach", seed=0)
    room.reply_text(alice, view.token, URGENT)
    view = room.reply_audio(alice, view.token, str(speak_as_trainee(SPOKEN, folder / "reply.wav")))
    room.end(alice, view.token)
    ids["alice_spoken"] = app.log.list(trainee="alice")[0].id
    room.start(alice, "passive_angry", "coach", seed=0)  # closed as abandoned by the next start
    ids["alice_abandoned"] = app.log.list(trainee="alice")[0].id
    room.start(alice, "transfer_demanding", "coach", seed=0)  # left going: shown, counted nowhere
    ids["alice_open"] = app.log.list(trainee="alice")[0].id
    room.mark_test_call(tess, "cursing")  # the workshop's "Test call with this persona"
    ids["tess_test"] = typed(tess, "cursing", DISMISSIVE)
    now = datetime.now(UTC)
    with app.log.engine.begin() as db:
        for name, days in [("alice_hung_up", 3), ("bob", 2), ("alice_spoken", 1)]:
            earlier = update(SessionRow).where(SessionRow.id == ids[name])
            db.execute(earlier.values(started_at=now - timedelta(days=days)))
    return ids


def _login(page: Page, url: str, name: str) -> None:
    login(page, url, name, PASSWORDS[name])


def _shot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"review-{name}.png"), full_page=True)


def _row_of(page: Page, table: str, text: str) -> int:
    """The index of the table's first row with a cell holding `text`."""
    index = page.evaluate(
        """([table, text]) => {
            for (const cell of document.querySelectorAll(`${table} [data-testid^=cell-]`)) {
                if (cell.innerText.trim() === text) return Number(cell.dataset.row);
            }
            return -1; }""",
        [table, text],
    )
    assert index >= 0, f"no row with {text!r} in {table}: {page.locator(table).inner_text()}"
    return index


def _click_row(page: Page, table: str, text: str, column: int = 3) -> None:
    page.locator(f"{table} [data-testid=cell-{_row_of(page, table, text)}-{column}]").click()


def _players(page: Page) -> list[dict]:
    """Every player in the opened call, once the browser has loaded what it needs to play it."""
    page.wait_for_function(
        """() => { const all = [...document.querySelectorAll('#session-detail audio')];
            return all.length > 0 && all.every(a => a.readyState >= 1 || a.error); }""",
        timeout=30_000,
    )
    return page.evaluate(
        """() => [...document.querySelectorAll('#session-detail audio')].map(a => ({
            src: a.getAttribute('src'), duration: a.duration, error: a.error ? a.error.code : null,
            turn: a.closest('.cc-turn').dataset.turn }))"""
    )


def test_the_review_desk_a_manager_uses_daily(server: tuple[str, object], shots: Path, tmp_path: Path) -> None:
    url, app = server
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required"],
            headless=True,
        )
        try:
            # Before any call: the desk says what to do first, as the page opens.
            desk = browser.new_page(viewport={"width": 1280, "height": 800})
            _login(desk, url, "meg")
            desk.get_by_role("tab", name="Review desk").click()
            desk.locator("#desk-note").get_by_text("No calls yet: trainees' calls appear here").wait_for(timeout=30_000)
            _shot(desk, shots, "01-no-calls-yet")

            started = time.perf_counter()
            ids = _seed(app, tmp_path)
            print(f"\nseeded {len(ids)} calls in {time.perf_counter() - started:.1f} s")

            # The table: every call but the trainer's test; the unfinished one said to be so; it fits.
            desk.locator("#review-apply").click()
            table = desk.locator("#sessions-table")
            desk.wait_for_function(
                "() => document.querySelector('#sessions-table').innerText.includes('bob')", timeout=30_000
            )
            text = table.inner_text()
            assert ids["tess_test"][:8] not in text and "tess" not in text
            assert "in progress" in text and "abandoned" in text and "⚑ rough" in text
            for unfinished in ("alice_abandoned", "alice_open"):
                row = _row_of(desk, "#sessions-table", ids[unfinished][:8])
                assert desk.locator(f"#sessions-table [data-testid=cell-{row}-9]").inner_text() == "not counted"
            assert "1 test call left out" in desk.locator("#desk-note").inner_text()
            width = desk.evaluate(
                "() => { const w = document.querySelector('#sessions-table .table-wrap');"
                " return [w.scrollWidth, w.clientWidth]; }"
            )
            assert width[0] <= width[1], f"the table is wider than its box at 1280 px: {width}"
            _shot(desk, shots, "02-table")

            # A click on a row opens that call, and its id goes into the box.
            _click_row(desk, "#sessions-table", ids["bob"][:8], column=0)
            detail = desk.locator("#session-detail")
            detail.get_by_text("Priya Raman · bob").wait_for(timeout=30_000)
            assert desk.locator("#session-id input, #session-id textarea").first.input_value() == ids["bob"]
            _shot(desk, shots, "03-row-opened")

            # Alice's spoken call: a player per turn, beside that turn's words; each one plays.
            _click_row(desk, "#sessions-table", ids["alice_spoken"][:8], column=3)
            detail.get_by_text("Dana Whitfield · alice").wait_for(timeout=30_000)
            players = _players(desk)
            session = app.log.get(ids["alice_spoken"])
            recorded = sum(bool(t["customer_audio"]) + bool(t.get("reply_audio")) for t in session["turns"])
            assert len(players) == recorded >= 4, players
            assert all(pl["error"] is None and pl["duration"] > 0.5 for pl in players), players
            reply_turns = [str(t["index"]) for t in session["turns"] if t.get("reply_audio")]
            assert reply_turns == ["1"] and sum(pl["turn"] == "1" for pl in players) == 2  # customer + reply 2
            assert "Reply 2" in detail.locator("[data-turn='1']").inner_text()
            assert SPOKEN.split(",")[0].lower() in detail.locator("[data-turn='1']").inner_text().lower()
            played = desk.evaluate(
                """async () => {
                    const a = [...document.querySelectorAll("#session-detail [data-turn='1'] audio")].pop();
                    a.muted = true; await a.play(); await new Promise(r => setTimeout(r, 700));
                    const t = a.currentTime; a.pause(); return t; }"""
            )
            assert played > 0.2, f"the reply's player did not play ({played} s)"
            _shot(desk, shots, "04-a-player-per-turn")

            # The files are the manager's: a trainee with the address gets nothing.
            source = url + players[0]["src"]
            assert desk.request.get(source).status == 200
            trainee = browser.new_page(viewport={"width": 1280, "height": 800})
            _login(trainee, url, "alice")
            assert trainee.request.get(source).status == 404
            assert trainee.get_by_role("tab", name="Review desk").count() == 0
            trainee.wait_for_timeout(1_000)  # the desk's load event ran for her too: quietly
            assert trainee.get_by_text("Error", exact=True).count() == 0
            trainee.close()

            # Replies are numbered as the page shows them: reply 1 is the first answer.
            desk.get_by_text("Override a score or comment on a reply").click()
            desk.locator("#comment-turn input").fill("0")
            desk.get_by_label("Comment on that reply").fill("Good opening, keep it that short.")
            desk.get_by_role("button", name="Save comment").click()
            desk.get_by_text("reply 1 is the trainee's first answer, not 0").first.wait_for(timeout=30_000)
            desk.locator("#comment-turn input").fill("1")
            desk.get_by_role("button", name="Save comment").click()
            first = detail.locator("[data-turn='0']")
            first.get_by_text("Good opening, keep it that short.").wait_for(timeout=30_000)
            assert "Reply 1" in first.inner_text()
            _shot(desk, shots, "05-comment-on-reply-1")

            # An override: no score typed is a message, not a 0; then the score that counts moves
            # in the table, the grader's beside it.
            desk.get_by_label("Rubric").click()
            desk.get_by_role("option", name="Calm under fire").click()
            desk.get_by_label("Reason (the trainee sees it)").fill("She rushed the customer at the start.")
            desk.get_by_role("button", name="Save override").click()
            desk.get_by_text("give the new score: a whole number from 0 to 100").first.wait_for(timeout=30_000)
            desk.locator("#override-score input, #override-score textarea").first.fill("10")
            desk.get_by_role("button", name="Save override").click()
            detail.get_by_text("manager override by meg").wait_for(timeout=30_000)
            again = _players(desk)  # the call drawn again: its players are new, and play as well
            assert len(again) == len(players) and all(pl["error"] is None and pl["duration"] > 0.5 for pl in again)
            row = _row_of(desk, "#sessions-table", ids["alice_spoken"][:8])
            grader = desk.locator(f"#sessions-table [data-testid=cell-{row}-8]")
            desk.wait_for_function(
                "(cell) => document.querySelector(cell).innerText.trim() !== ''",
                arg=f"#sessions-table [data-testid=cell-{row}-8]",
                timeout=30_000,
            )
            counted = desk.locator(f"#sessions-table [data-testid=cell-{row}-7]").inner_text().strip()
            assert grader.inner_text().strip() == str(session["overall"]) != counted
            _shot(desk, shots, "05b-override-in-the-table")

            # The charts: drawn, and as wide as their boxes.
            desk.get_by_role("tab", name="Charts").click()
            for chart in ("#trend", "#rubric-averages", "#rubric-trend"):
                drawn = desk.locator(f"{chart} canvas, {chart} svg.marks").first
                drawn.wait_for(timeout=30_000)
                assert drawn.bounding_box()["width"] > 300, chart
            _shot(desk, shots, "06-charts")

            # The team: one row per trainee; a click opens their latest rough call.
            desk.get_by_role("tab", name="Team").click()
            team = desk.locator("#team-table")
            desk.wait_for_function(
                "() => document.querySelector('#team-table').innerText.includes('alice')", timeout=30_000
            )
            assert "tess" not in team.inner_text()
            assert ids["alice_hung_up"][:8] in team.inner_text()
            _click_row(desk, "#team-table", "alice", column=0)
            detail.get_by_text("Marcus Doyle · alice").wait_for(timeout=30_000)
            _shot(desk, shots, "07-team")

            # Test calls from the workshop only when asked for, and marked as such.
            desk.get_by_role("tab", name="Calls").click()
            desk.locator("#include-tests input").check()
            desk.wait_for_function(
                "() => document.querySelector('#sessions-table').innerText.includes('tess')", timeout=30_000
            )
            row = _row_of(desk, "#sessions-table", ids["tess_test"][:8])
            assert "test call" in desk.locator(f"#sessions-table [data-testid=cell-{row}-9]").inner_text()
            _shot(desk, shots, "08-test-calls-included")

            # A filter nothing matches says what to change, in words.
            desk.get_by_label("Trainee", exact=True).fill("nobody")
            desk.locator("#review-apply").click()
            desk.locator("#desk-note").get_by_text("No calls match these filters").wait_for(timeout=30_000)
            desk.get_by_label("From (YYYY-MM-DD)").fill("last week")
            desk.locator("#review-apply").click()
            desk.get_by_text("type the dates as YYYY-MM-DD").first.wait_for(timeout=30_000)
            _shot(desk, shots, "09-bad-filters")
        finally:
            browser.close()
