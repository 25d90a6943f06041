"""Real servers for the tests, started by hand from Debian's packages on loopback, in temporary
folders: a throwaway PostgreSQL cluster, nginx running the shipped `deploy/nginx.conf`, and
`trainer serve` processes. Nothing is left running or on disk afterwards."""

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from trainer.deploy import free_port, kill_hard, nginx_binary, running_nginx, serve_process, wait_for

ROOT = Path(__file__).parent.parent
PG_BIN = next((Path(p) for p in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None)
NGINX = nginx_binary()
__all__ = ["NGINX", "PG_BIN", "free_port", "kill_hard", "nginx", "postgres", "serve", "wait_for"]


def _as_postgres(args: list[str]) -> list[str]:
    """initdb refuses to run as root; run the server tools as the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@contextlib.contextmanager
def postgres() -> Iterator[str]:
    """A throwaway cluster on a Unix socket; yields its SQLAlchemy URL."""
    assert PG_BIN is not None, "no PostgreSQL server binaries (bash scripts/setup test)"
    # Not under pytest's tmp folder: the postgres user cannot enter root's private folders.
    folder = Path(tempfile.mkdtemp(prefix="callcoach-pg-"))
    data, sock, port = folder / "data", folder / "socket", free_port()
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(sock, "postgres")
    subprocess.run(
        _as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]),
        check=True,
        capture_output=True,
    )
    options = f"-k {sock} -c listen_addresses='' -p {port} -c max_connections=200"
    log = folder / "server.log"  # the server must not hold our pipes open, or run() never returns
    subprocess.run(
        _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "start"]),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=60,
    )
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={sock}&port={port}"
    finally:
        subprocess.run(
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]), capture_output=True
        )
        shutil.rmtree(folder, ignore_errors=True)


def nginx(backends: list[int], port: int):
    """Debian's nginx running `deploy/nginx.conf`, with the test's ports and a private folder."""
    assert NGINX is not None, "nginx is not installed (bash scripts/setup test)"
    return running_nginx(backends, port)


def serve(port: int, env: dict[str, str], voice: bool = False):
    return serve_process(port, env, voice)
