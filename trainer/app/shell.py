"""What the three rooms' gradio pages share: the server's state (`App`) and how a user's mistake
becomes a message on the page (`user_errors`).

Only `trainer/app/` imports gradio; each room's page (`practice_page`, `review_page`,
`workshop_page`) wires components to the plain functions of `practice`, `review` and `workshop`.
"""

import logging
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import gradio as gr
from gradio import processing_utils
from gradio import utils as gradio_utils

from trainer.app.access import Viewer, viewer_for
from trainer.app.files import FileOwners
from trainer.app.practice import PracticeRoom
from trainer.formats.errors import TrainerError
from trainer.logins import CLIENT_ADDRESS, guard_from_settings
from trainer.sessionlog import SessionLog
from trainer.settings import Settings
from trainer.users import Role, UserStore

log = logging.getLogger("callcoach.app")


@contextmanager
def user_errors() -> Iterator[None]:
    """A mistake the user can fix is a message on the page and one line in the server's log,
    never a stack trace (those are for what nobody expected)."""
    try:
        yield
    except TrainerError as exc:
        log.info("user mistake: %s: %s", type(exc).__name__, exc)
        raise gr.Error(str(exc), print_exception=False) from exc


class App:
    """The state one server shares: settings, the log, calls in progress, the users file."""

    def __init__(self, settings: Settings, voice: bool = True) -> None:
        self.settings = settings
        self.log = SessionLog(settings.resolved_database_url())
        self.room = PracticeRoom(settings, self.log, voice=voice)
        self.store = UserStore(settings.resolved_users_file())
        self.local = not self.store.exists()
        self.logins = guard_from_settings(settings, self.store, self.log.audit)
        self.media = Path(tempfile.mkdtemp(prefix="callcoach-media-"))
        self.cache = Path(gradio_utils.get_upload_folder())  # uploads and served files
        self.files = FileOwners()
        self.stopping = threading.Event()

    def viewer(self, request: gr.Request | None) -> Viewer:
        username = getattr(request, "username", None) if request is not None else None
        return viewer_for(username, self.store, self.local)

    async def auth(self, username: str, password: str) -> bool:
        """gradio awaits this on its event loop: the guard hashes on a thread and sleeps its delays."""
        return await self.logins.check(username, password, CLIENT_ADDRESS.get())

    def servable(self, path: str | Path | None, owner: str) -> str | None:
        """The file as gradio will serve it, for `owner` only (`trainer.app.files`): a copy in
        gradio's cache; the sessions folder itself is never exposed over HTTP."""
        if path is None:
            return None
        source = Path(path)
        if not source.is_file():
            return None
        self._prune_media()
        target = self.media / f"{uuid.uuid4().hex}{source.suffix}"
        shutil.copyfile(source, target)
        cached = processing_utils.save_file_to_cache(target, self.cache)  # where gradio itself puts it
        self.files.give(cached, owner)
        return cached

    def role_of(self, name: str) -> Role | None:
        user = self.store.get(name)
        return user.role if user is not None else None

    def _prune_media(self, older_than_s: float = 600) -> None:
        """Gradio copies each file into its own cache at once: our copies can go after a while."""
        cutoff = time.time() - older_than_s
        for old in self.media.iterdir():
            with suppress(OSError):
                if old.stat().st_mtime < cutoff:
                    old.unlink()
