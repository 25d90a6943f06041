"""Files the web app hands out: only to the user they were made for, and not kept forever.

gradio serves every file in its cache at `/gradio_api/file=<path>` to anyone logged in who has
the address: an outside tester, logged in as a trainee, downloaded a manager's CSV export of
every session by its URL. Here each file we hand out is recorded with its owner, and a
middleware answers 404 to anyone else (a manager may also open files made for trainees: the
review desk plays their recordings). The cache folder is swept at start and on a schedule,
since gradio only deletes what the same process created, so files outlived a crash forever.
"""

import re
import threading
import time
from collections.abc import Callable
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import unquote

from trainer.users import Role

# How long a served file stays: long enough to play or download it, not a retention store.
SERVED_FOR_SECONDS = 3600.0


class FileOwners:
    """Who each served file was made for (resolved absolute path -> user names). One file can
    have several: gradio caches by content, so the same customer line spoken to two trainees
    is one file."""

    def __init__(self) -> None:
        self._owners: dict[str, tuple[set[str], float]] = {}
        self._lock = threading.Lock()

    def give(self, path: str | Path, owner: str) -> None:
        key = str(Path(path).resolve())
        with self._lock:
            owners = self._owners.get(key, (set(), 0.0))[0]
            self._owners[key] = (owners | {owner}, time.time())
            if len(self._owners) > 50_000:
                self._forget(time.time() - SERVED_FOR_SECONDS)

    def owners(self, path: str | Path) -> set[str] | None:
        """The users a file was made for, or None for a file we never handed out."""
        with self._lock:
            found = self._owners.get(str(Path(path).resolve()))
        return set(found[0]) if found else None

    def _forget(self, cutoff: float) -> None:
        self._owners = {p: (o, t) for p, (o, t) in self._owners.items() if t >= cutoff}


def sweep(folder: Path, older_than_s: float = SERVED_FOR_SECONDS) -> int:
    """Delete files older than `older_than_s` under `folder` (and folders left empty)."""
    if not folder.is_dir():
        return 0
    cutoff, removed = time.time() - older_than_s, 0
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
        except OSError:
            continue
    return removed


def sweep_every(folder: Path, seconds: float, stop: threading.Event) -> threading.Thread:
    """Sweep now, then every `seconds`, until `stop` is set."""

    def loop() -> None:
        while True:
            sweep(folder)
            if stop.wait(seconds):
                return

    thread = threading.Thread(target=loop, daemon=True, name="callcoach-sweep")
    thread.start()
    return thread


# gradio serves a file at both `/gradio_api/file=<path>` and the older `/gradio_api/file/<path>`.
_FILE_ROUTE = re.compile(r"/file(?:=|/)(.+)$")


class OwnFilesOnly:
    """ASGI middleware: a recorded file is served to its owner and to managers only.

    Who is asking comes from gradio's own login cookie and token table (`scope["app"]`), the
    same one gradio checks; `role_of` says whether that user is a manager.
    """

    def __init__(self, app, owners: FileOwners, role_of: Callable[[str], Role | None]) -> None:
        self.app = app
        self.owners = owners
        self.role_of = role_of

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            served = _FILE_ROUTE.search(scope.get("path", ""))
            if served is not None:
                path = unquote(served.group(1))
                owners = self.owners.owners(path) or self.owners.owners("/" + path.lstrip("/"))
                if owners is not None and not self._may_have(_requester(scope), owners):
                    await _not_found(send)
                    return
            # gradio takes a stream's chunks on a route of their own that asks for no login: a
            # chunk (or a close) for someone's open microphone must come from a logged-in user.
            elif "/gradio_api/stream/" in scope.get("path", "") and _requester(scope) is None:
                await _not_found(send)
                return
        await self.app(scope, receive, send)

    def _may_have(self, user: str | None, owners: set[str]) -> bool:
        return user is not None and (user in owners or self.role_of(user) is Role.manager)


def _requester(scope) -> str | None:
    app = scope.get("app")
    tokens, cookie_id = getattr(app, "tokens", None), getattr(app, "cookie_id", None)
    if tokens is None or cookie_id is None:
        return None
    cookies = SimpleCookie()
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            cookies.load(value.decode("latin-1"))
    for name in (f"access-token-{cookie_id}", f"access-token-unsecure-{cookie_id}"):
        if name in cookies and cookies[name].value in tokens:
            return tokens[cookies[name].value]
    return None


async def _not_found(send) -> None:
    body = b'{"detail":"Not Found"}'
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 404, "headers": headers})
    await send({"type": "http.response.body", "body": body})
