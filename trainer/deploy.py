"""Several `trainer serve` processes behind Debian's nginx, from the shipped `deploy/nginx.conf`.

The same file a floor runs is rendered here with other ports and a private folder, for
`trainer bench load --processes N` and the tests; nothing else about it changes.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from trainer.settings import PROJECT_ROOT

CONFIG = PROJECT_ROOT / "deploy" / "nginx.conf"


def free_port() -> int:
    """A TCP port free on loopback now, for a server about to start."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def nginx_binary() -> str | None:
    return shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def nginx_config(backends: list[int], port: int, folder: Path) -> str:
    """`deploy/nginx.conf` with these backend ports, this listening port, its temp files in `folder`."""
    conf = CONFIG.read_text(encoding="utf-8").replace("/tmp/callcoach-nginx", str(folder / "nginx"))
    servers = "".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;\n" for p in backends)
    start = conf.index("        server 127.0.0.1:7861")
    end = conf.index("    }", start)
    conf = conf[:start] + servers + conf[end:]
    return conf.replace("listen 127.0.0.1:8080;", f"listen 127.0.0.1:{port};")


@contextlib.contextmanager
def running_nginx(backends: list[int], port: int) -> Iterator[str]:
    """nginx in the foreground on loopback; yields its URL, stops it afterwards."""
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError("nginx is not installed (apt-get install nginx)")
    folder = Path(tempfile.mkdtemp(prefix="callcoach-nginx-"))
    folder.chmod(0o755)  # nginx's workers run as www-data when started by root
    path = folder / "nginx.conf"
    path.write_text(nginx_config(backends, port, folder), encoding="utf-8")
    process = subprocess.Popen(
        [binary, "-c", str(path), "-p", str(folder), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
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


def serve_process(port: int, env: dict[str, str], voice: bool = True) -> subprocess.Popen:
    """One `trainer serve` in its own process group (so a kill -9 takes all of it)."""
    command = [str(Path(sys.executable).parent / "trainer"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    if not voice:
        command.append("--no-voice")
    return subprocess.Popen(
        command,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_for(url: str, process: subprocess.Popen | None = None, seconds: float = 120) -> None:
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
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)


def peak_memory_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM), in MB; 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the process has used so far; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0
