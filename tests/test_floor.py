"""A support floor: three `trainer serve` processes behind Debian's nginx (the shipped
`deploy/nginx.conf`), one PostgreSQL, one recordings store. One process is killed with -9 in
the middle of the trainees' calls: no committed turn is lost, its trainees stay logged in, and
every affected call resumes on another process and goes on."""

import os
import shutil

import httpx
import pytest
from gradio_client import Client
from servers import NGINX, PG_BIN, free_port, kill_hard, nginx, postgres, serve, wait_for

from trainer.sessionlog import SessionLog
from trainer.settings import PROJECT_ROOT
from trainer.users import Role, UserStore

missing = [name for name, found in (("PostgreSQL", PG_BIN), ("nginx", NGINX)) if found is None]
if missing and os.environ.get("CI"):
    pytest.fail(f"{' and '.join(missing)} not installed: the README's test command installs them", pytrace=False)
pytestmark = [
    pytest.mark.skipif(bool(missing), reason=f"{missing} not installed (bash scripts/setup test)"),
    pytest.mark.filterwarnings("ignore:::gradio.*"),
]

TRAINEES = ["ana", "ben", "cleo", "dev", "eli", "fay"]
FIRST = "I'm so sorry, that sounds awful. When did the appointments stop showing up in Outlook?"
SECOND = "Okay, open Settings, then Integrations, then Calendar, and tell me what you see."


def _process_of(url: str, client: Client) -> str:
    return httpx.get(url + "config", cookies=client.cookies, timeout=30).headers["x-callcoach-process"]


def test_a_process_killed_mid_call_loses_no_turn_and_its_calls_resume_elsewhere(tmp_path) -> None:
    pytest.importorskip("psycopg")
    with postgres() as database_url:
        users = tmp_path / "users.json"
        store = UserStore(users)
        for name in TRAINEES:
            store.add(name, Role.trainee, f"{name}-password")
        env = {
            "CALLCOACH_DATABASE_URL": database_url,
            "CALLCOACH_SESSIONS_DIR": str(tmp_path / "sessions"),
            "CALLCOACH_USERS_FILE": str(users),
            "CALLCOACH_PERSONAS_DIR": str(PROJECT_ROOT / "personas"),
            "CALLCOACH_RUBRICS_DIR": str(PROJECT_ROOT / "rubrics"),
        }
        ports = [free_port() for _ in range(3)]
        processes = {f"127.0.0.1:{p}": serve(p, env) for p in ports}
        try:
            for port, process in zip(ports, processes.values(), strict=True):
                wait_for(f"http://127.0.0.1:{port}/", process)
            with nginx(ports, free_port()) as url:
                clients = {n: Client(url, auth=(n, f"{n}-password"), verbose=False) for n in TRAINEES}
                where = {}
                for name, client in clients.items():
                    client.predict("cursing", "coach", api_name="/start_call")
                    client.predict(FIRST, "coach", api_name="/reply_text")
                    where[name] = _process_of(url, client)
                assert len(set(where.values())) >= 2, where  # the floor is spread over processes
                victim = max(set(where.values()), key=list(where.values()).count)
                kill_hard(processes[victim])
                affected = [n for n, p in where.items() if p == victim]

                log = SessionLog(database_url)
                for name in TRAINEES:  # every committed turn is in the shared database
                    (call,) = log.list(trainee=name)
                    assert call.turns == 2 and call.outcome == "in_progress"
                for name in affected:
                    client = clients[name]  # the same browser session: still logged in elsewhere
                    outputs = client.predict(api_name="/resume_call")
                    chat = outputs[0]
                    assert FIRST in str(chat), chat
                    assert _process_of(url, client) != victim
                    client.predict(SECOND, "coach", api_name="/reply_text")
                for name in TRAINEES:
                    (call,) = log.list(trainee=name)
                    assert call.turns == (3 if name in affected else 2), (name, call.turns)
                turns = log.get(log.list(trainee=affected[0])[0].id)["turns"]
                assert [t["reply"] for t in turns[:2]] == [FIRST, SECOND]
        finally:
            for process in processes.values():
                if process.poll() is None:
                    kill_hard(process)
            shutil.rmtree(tmp_path / "sessions", ignore_errors=True)


def test_speech_recognition_as_one_shared_service_for_the_floor(tmp_path, request) -> None:
    """faster-whisper-server (PyPI) with the pinned model behind the OpenAI transcription
    protocol; a server process set to `CALLCOACH_STT_ENGINE=openai` hears a spoken reply."""
    import subprocess
    import sys
    from pathlib import Path

    from conftest import app_settings
    from hearing import assert_heard

    from trainer.app.access import Viewer
    from trainer.app.practice import PracticeRoom
    from trainer.stt.engines import pinned_model_dir
    from trainer.tts.trainee import speak_as_trainee

    server = Path(sys.executable).parent / "faster-whisper-server"
    model = pinned_model_dir()
    assert server.exists() and model is not None, "bash scripts/setup test installs both"
    port = free_port()
    stt = subprocess.Popen(
        [str(server), str(model), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    request.addfinalizer(lambda: kill_hard(stt))
    wait_for(f"http://127.0.0.1:{port}/health", stt)
    monkey = pytest.MonkeyPatch()
    request.addfinalizer(monkey.undo)
    monkey.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    monkey.setenv("OPENAI_API_KEY", "not-needed-locally")
    settings = app_settings(tmp_path, stt_engine="openai", stt_model="whisper-1", tts_engine="espeak")
    room = PracticeRoom(settings, SessionLog(settings.resolved_database_url()), voice=True)
    request.addfinalizer(room.close)
    trainee = Viewer("ana", Role.trainee)
    view = room.start(trainee, "escalated", "coach", seed=0)
    said = "I know every minute costs you money, so I will personally stay on this until it is fixed."
    view = room.reply_audio(trainee, view.token, str(speak_as_trainee(said, tmp_path / "reply.wav")))
    assert not view.warning, view.status
    assert_heard(view.heard, said)
    (session,) = SessionLog(settings.resolved_database_url()).list()
    turn = SessionLog(settings.resolved_database_url()).get(session.id)["turns"][0]
    assert turn["transcript_engine"] == "openai:whisper-1"
