"""Real servers for the tests, started by hand from Debian's packages on loopback, in temporary
folders: a throwaway PostgreSQL cluster, nginx running the shipped `deploy/nginx.conf`, and
`trainer serve` processes. Nothing is left running or on disk afterwards."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).parent.parent
PG_BIN = next((Path(p) for p in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None)
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


@contextlib.contextmanager
def nginx(backends: list[int], port: int) -> Iterator[str]:
    """Debian's nginx running `deploy/nginx.conf`, with the test's ports and a private folder."""
    assert NGINX is not None, "nginx is not installed (bash scripts/setup test)"
    folder = Path(tempfile.mkdtemp(prefix="callcoach-nginx-"))
    folder.chmod(0o755)  # nginx's workers run as www-data when started by root
    conf = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    conf = conf.replace("/tmp/callcoach-nginx", str(folder / "nginx"))
    servers = "".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;\n" for p in backends)
    start = conf.index("        server 127.0.0.1:7861")
    end = conf.index("    }", start)
    conf = conf[:start] + servers + conf[end:]
    conf = conf.replace("listen 127.0.0.1:8080;", f"listen 127.0.0.1:{port};")
    path = folder / "nginx.conf"
    path.write_text(conf, encoding="utf-8")
    process = subprocess.Popen(
        [NGINX, "-c", str(path), "-p", str(folder), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/", process)
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.send_signal(signal.SIGQUIT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(10)
        process.kill()
        shutil.rmtree(folder, ignore_errors=True)


def serve(port: int, env: dict[str, str], voice: bool = False) -> subprocess.Popen:
    """One `trainer serve` process (its own process group, so kill -9 takes all of it)."""
    command = [str(ROOT / ".venv" / "bin" / "trainer"), "serve", "--port", str(port)]
    if not voice:
        command.append("--no-voice")
    return subprocess.Popen(
        command,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_for(url: str, process: subprocess.Popen | None = None, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {process.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code < 500:
                return
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {seconds} s")


def kill_hard(process: subprocess.Popen) -> None:
    """kill -9, as a crash would: no clean-up code runs."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)
