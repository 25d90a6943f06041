"""The app through its HTTP API, as an outside program would call it (gradio_client).

Hidden tabs are no protection: a trainee logged in with their own password calls the
review desk's endpoints directly and must still never get a colleague's call.
"""

import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import URGENT, app_settings

from trainer.settings import Settings
from trainer.users import Role, UserStore

pytest.importorskip("gradio_client")
from gradio_client import Client
from gradio_client.exceptions import AppError

# gradio's own pandas calls warn under pandas 3; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:::gradio.*")

PASSWORDS = {"alice": "alice-password", "bob": "bob-password", "meg": "meg-password"}
# A call step's outputs over HTTP, in order: chat, customer audio, anger, line, heard, coach, status, scorecard, ...
STATUS, SCORECARD = 6, 7
ALL = ("", "", "(all)", "", "", 0, 100, False, False)  # the review desk's filters: everything but test calls


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Settings]]:
    from trainer.app.ui import serving

    folder = tmp_path_factory.mktemp("app")
    settings = app_settings(folder)
    store = UserStore(settings.resolved_users_file())
    store.add("alice", Role.trainee, PASSWORDS["alice"])
    store.add("bob", Role.trainee, PASSWORDS["bob"])
    store.add("meg", Role.manager, PASSWORDS["meg"])
    with serving(settings, voice=False) as (base, _app):
        yield base, settings


def client(url: str, name: str) -> Client:
    return Client(url, auth=(name, PASSWORDS[name]), verbose=False)


def play_a_call(c: Client) -> None:
    chat, *_ = c.predict("escalated", "coach", api_name="/start_call")
    assert "Dana Whitfield" in str(chat[0])
    c.predict(URGENT, "coach", api_name="/reply_text")
    scorecard = c.predict("coach", api_name="/end_call")[SCORECARD]
    assert "Scorecard" in scorecard


def test_a_trainee_cannot_read_another_trainees_calls(server: tuple[str, Settings]) -> None:
    url, _settings = server
    alice, bob = client(url, "alice"), client(url, "bob")
    play_a_call(alice)
    play_a_call(bob)
    meg = client(url, "meg")
    table, *_charts_and_team = meg.predict(*ALL, api_name="/review_sessions")
    by_trainee = {row[2]: row[0] for row in table["data"]}  # the short id the table shows opens the call
    assert set(by_trainee) == {"alice", "bob"}

    # Bob, through the API: not Alice's session, not the desk, not a filtered list of hers.
    for endpoint, args in [
        ("/open_session", (by_trainee["alice"],)),
        ("/open_session", (by_trainee["alice"][:8],)),
        ("/review_sessions", ALL),
        ("/review_sessions", ("alice", *ALL[1:])),
        ("/export_csv", ALL),
        ("/my_session", (by_trainee["alice"],)),
        ("/override_score", ("calm", 100, "mine now")),
        ("/comment_turn", (1, "hello")),
        ("/correct_behaviour", (1, "dismisses", "missed", "mine now")),
    ]:
        with pytest.raises(AppError) as refused:
            bob.predict(*args, api_name=endpoint)
        assert "alice" not in str(refused.value).lower()
    # His own progress holds his calls only; his own session opens.
    progress, _plot, _empty = bob.predict(api_name="/my_progress")
    assert len(progress["data"]) == 1 and by_trainee["alice"][:8] not in str(progress)
    detail, *_ = bob.predict(by_trainee["bob"], api_name="/open_session")
    assert "bob" in detail and "alice" not in detail
    # Nor the persona workshop.
    with pytest.raises(AppError, match="trainer or a manager"):
        bob.predict(api_name="/persona_list")

    # The manager reads both, corrects the grader on one, and exports what the filters show.
    detail, *_ = meg.predict(by_trainee["alice"], api_name="/open_session")
    assert "alice" in detail
    # Reply 1, as the page numbers them (the log's turn 0).
    detail = meg.predict(1, "dismisses", "missed", "she told Dana to relax", api_name="/correct_behaviour")
    assert "dismisses was missed" in detail and "she told Dana to relax" in detail
    assert "Regraded after corrections" in detail
    with pytest.raises(AppError, match="mark it as wrong instead"):
        meg.predict(1, "dismisses", "missed", "again", api_name="/correct_behaviour")
    exported = meg.predict("bob", *ALL[1:], api_name="/export_csv")
    if isinstance(exported, dict):  # the component is shown and filled in one update
        exported = exported["value"]
    text = Path(exported).read_text(encoding="utf-8")
    assert by_trainee["bob"] in text and by_trainee["alice"] not in text


def test_no_login_no_api_and_the_database_is_not_served(server: tuple[str, Settings]) -> None:
    url, settings = server
    with pytest.raises(ValueError):  # gradio_client refuses a server that wants a login it lacks
        Client(url, verbose=False).predict("escalated", "coach", api_name="/start_call")
    with pytest.raises(ValueError):
        Client(url, auth=("alice", "wrong-password"), verbose=False)
    database = (settings.sessions_dir / "callcoach.db").resolve()
    assert database.is_file()
    for path in (f"gradio_api/file={database}", f"file={database}"):
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(url + path, timeout=10)


def test_a_typed_mistake_is_a_message_not_a_crash(server: tuple[str, Settings]) -> None:
    url, _settings = server
    alice = client(url, "alice")
    with pytest.raises(Exception, match="no call in progress"):
        alice.predict("hello", "coach", api_name="/reply_text")
    alice.predict("escalated", "coach", api_name="/start_call")
    status = alice.predict("   ", "coach", api_name="/reply_text")[STATUS]
    assert "empty" in status
    chat, *_ = alice.predict(URGENT, "coach", api_name="/reply_text")
    assert any("personally stay on this" in str(message) for message in chat)


def test_a_trainee_plays_the_same_customer_hard(server: tuple[str, Settings]) -> None:
    url, _settings = server
    alice = client(url, "alice")
    alice.predict("escalated", "coach", "scripted", "hard", api_name="/start_call")
    alice.predict(URGENT, "coach", api_name="/reply_text")
    scorecard = alice.predict("coach", api_name="/end_call")[SCORECARD]
    assert "level: **hard**" in scorecard
    with pytest.raises(AppError, match="brutal"):  # refused before it reaches the room
        alice.predict("escalated", "coach", "scripted", "brutal", api_name="/start_call")


def test_a_persona_saved_after_the_server_started_can_be_played_through_the_api(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """No browser has loaded the page since the file appeared: the API call alone starts it."""
    import shutil

    from trainer.app.ui import serving
    from trainer.settings import PROJECT_ROOT

    folder = tmp_path_factory.mktemp("fresh")
    personas = folder / "personas"
    shutil.copytree(PROJECT_ROOT / "personas", personas)
    settings = app_settings(folder, personas_dir=personas)
    UserStore(settings.resolved_users_file()).add("alice", Role.trainee, PASSWORDS["alice"])
    with serving(settings, voice=False) as (base, _app):
        text = (personas / "escalated.yaml").read_text(encoding="utf-8")
        (personas / "escalated_new.yaml").write_text(
            text.replace("id: escalated", "id: escalated_new", 1).replace("name: Dana Whitfield", "name: Dana New"),
            encoding="utf-8",
        )
        c = client(base, "alice")
        chat, *_ = c.predict("escalated_new", "coach", api_name="/start_call")
        assert chat and "Dana New" in str(chat)
        with pytest.raises(AppError, match="no persona 'nobody_here'"):
            c.predict("nobody_here", "coach", api_name="/start_call")


def test_a_login_flood_is_slowed_then_locked_and_audited_and_names_cannot_be_told_apart(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Outside tester: 30 wrong passwords in 2.1 s, no lockout, unknown names refused faster."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from trainer.app.ui import serving
    from trainer.sessionlog import SessionLog

    folder = tmp_path_factory.mktemp("flood")
    settings = app_settings(folder, login_max_delay=0.2, login_lock_after=6)
    store = UserStore(settings.resolved_users_file())
    store.add("alice", Role.trainee, PASSWORDS["alice"])
    store.add("bob", Role.trainee, PASSWORDS["bob"])
    with serving(settings, voice=False) as (base, _app):
        url = f"{base}login"

        def attempt(name_password: tuple[str, str]) -> httpx.Response:
            name, password = name_password
            return httpx.post(url, data={"username": name, "password": password}, timeout=30)

        started = time.perf_counter()
        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(attempt, [("alice", f"guess-{i}") for i in range(8)]))
        flood = time.perf_counter() - started
        assert {a.status_code for a in answers} == {400}
        assert flood >= 0.2 * 4  # attempts past the free three each waited (sent all at once, too)
        assert attempt(("alice", PASSWORDS["alice"])).status_code == 400  # locked: even the right one
        assert attempt(("bob", PASSWORDS["bob"])).status_code == 200  # one account's lock is not everyone's
        unknown, wrong = attempt(("nobody-here", "guess")), attempt(("bob", "guess"))
        assert (unknown.status_code, unknown.text) == (wrong.status_code, wrong.text)
        events = SessionLog(settings.resolved_database_url()).audit_events()
        failed = [e for e in events if e.action == "login_failed" and e.actor == "alice"]
        assert len(failed) >= 6 and {e.address for e in failed} == {"127.0.0.1"}
        assert any(e.action == "login_locked" and e.actor == "alice" for e in events)
        assert any(e.action == "login" and e.actor == "bob" for e in events)


def _logged_in(base: str, name: str):
    import httpx

    web = httpx.Client(base_url=base, timeout=30)
    assert web.post("/login", data={"username": name, "password": PASSWORDS[name]}).status_code == 200
    return web


def test_a_served_file_goes_only_to_its_owner_and_big_uploads_and_strange_origins_are_refused(
    server: tuple[str, Settings],
) -> None:
    """Outside tester: a trainee fetched a manager's CSV export of every session by its URL;
    a 200 MB upload was accepted."""
    url, _settings = server
    meg = Client(url, auth=("meg", PASSWORDS["meg"]), verbose=False, download_files=False)
    exported = meg.predict(*ALL, api_name="/export_csv")
    file_url = exported["value"]["url"]  # a gr.File update: the file is its value
    assert "/file=" in file_url
    as_meg, as_bob = _logged_in(url, "meg"), _logged_in(url, "bob")
    assert as_meg.get(file_url).status_code == 200 and "trainee" in as_meg.get(file_url).text
    assert as_bob.get(file_url).status_code == 404
    assert _logged_in(url, "alice").get(file_url).status_code == 404
    older_route = file_url.replace("/file=", "/file/")  # gradio serves the same file there too
    assert as_meg.get(older_route).status_code == 200 and as_bob.get(older_route).status_code == 404
    # A stream's chunks have a route of their own, without gradio's login check: not for strangers.
    import httpx

    stranger = httpx.Client(base_url=url, timeout=30)
    assert stranger.post("/gradio_api/stream/0123456789abcdef", json={}).status_code == 404
    assert stranger.post("/gradio_api/stream/0123456789abcdef/close").status_code == 404
    big = as_bob.post("/gradio_api/upload", files={"files": ("big.wav", b"\0" * (26 * 1024 * 1024), "audio/wav")})
    assert big.status_code == 413
    hostile = as_bob.get("/config", headers={"Origin": "https://evil.example"})
    assert hostile.headers.get("access-control-allow-origin") not in ("*", "https://evil.example")


def test_the_web_cache_is_swept_at_start(tmp_path_factory: pytest.TempPathFactory) -> None:
    import os
    import time

    from gradio import utils as gradio_utils

    from trainer.app.ui import serving

    folder = tmp_path_factory.mktemp("sweep")
    settings = app_settings(folder)
    cache = Path(gradio_utils.get_upload_folder()) if "GRADIO_TEMP_DIR" in os.environ else None
    cache = cache or (settings.sessions_dir / "web-cache")
    stale = cache / ("0" * 8) / "left-from-a-crash.csv"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_text("old export")
    fresh = cache / "fresh-one.csv"
    fresh.write_text("new")
    old = time.time() - 2 * 3600
    os.utime(stale, (old, old))
    with serving(settings, voice=False):
        for _ in range(50):
            if not stale.exists():
                break
            time.sleep(0.1)
        assert not stale.exists() and fresh.exists()


def test_an_expected_mistake_is_one_log_line_not_a_traceback(server: tuple[str, Settings], capfd, caplog) -> None:
    """Walkthrough: the server printed a traceback for every expected user error."""
    import logging

    url, _settings = server
    alice = client(url, "alice")
    with caplog.at_level(logging.INFO, logger="callcoach.app"), pytest.raises(AppError, match="pick a customer"):
        alice.predict("", "coach", api_name="/start_call")
    assert "Traceback" not in capfd.readouterr().err
    assert any("user mistake" in r.getMessage() and "pick a customer" in r.getMessage() for r in caplog.records)
