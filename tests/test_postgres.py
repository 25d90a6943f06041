"""The session log on a real PostgreSQL server, as a support floor would run it.

A throwaway cluster is made with the machine's own PostgreSQL (initdb, pg_ctl) on a
Unix socket in a temporary folder; no network, nothing left behind.
"""

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from trainer.call import Call, CallOptions
from trainer.sessionlog import SessionLog

PG_BIN = next((Path(p) for p in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None)
pytestmark = pytest.mark.skipif(
    PG_BIN is None or shutil.which("psql") is None, reason="no PostgreSQL server binaries on this machine"
)


def _as_postgres(args: list[str]) -> list[str]:
    """initdb refuses to run as root; run the server tools as the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    pytest.importorskip("psycopg")
    # Not under pytest's tmp folder: the postgres user cannot enter root's private folders.
    folder = Path(tempfile.mkdtemp(prefix="callcoach-pg-"))
    data, socket = folder / "data", folder / "socket"
    socket.mkdir()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(socket, "postgres")
    subprocess.run(
        _as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]),
        check=True,
        capture_output=True,
    )
    options = f"-k {socket} -c listen_addresses='' -p 5499"
    log = folder / "server.log"  # the server must not hold our pipes open, or run() never returns
    subprocess.run(
        _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "start"]),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=60,
    )
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={socket}&port=5499"
    finally:
        subprocess.run(
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]), capture_output=True
        )
        shutil.rmtree(folder, ignore_errors=True)


def test_a_call_is_logged_turn_by_turn_in_postgres(catalog, postgres_url: str) -> None:
    log = SessionLog(postgres_url)
    call = Call(
        catalog.personas["cursing"],
        list(catalog.rubrics.values()),
        log=log,
        options=CallOptions(trainee="pg-tester", seed=3),
    )
    call.open()
    call.reply("I can hear how frustrating this is, let's get it fixed together.")
    mid_call = SessionLog(postgres_url).get(call.session_id)
    assert [t["reply"] for t in mid_call["turns"]][:1] == [
        "I can hear how frustrating this is, let's get it fixed together."
    ]
    assert mid_call["outcome"] == "in_progress"

    call.reply("I'm here to help, but swearing at me only gets in the way.")
    card = call.finish()
    stored = SessionLog(postgres_url).get(call.session_id)
    assert stored["overall"] == card.overall
    assert stored["scorecard"]["rubrics"]["boundaries"]["applicable"] is True
    assert [s.trainee for s in SessionLog(postgres_url).list(trainee="pg-tester")] == ["pg-tester"]
