"""Who is asking, and what they may reach: checked in every handler, not by hiding tabs.

A hidden tab still has an HTTP endpoint any logged-in user can call with gradio_client,
so each plain function in the app takes a Viewer and asks it before reading anything.
"""

import getpass
from dataclasses import dataclass

from trainer.formats.errors import TrainerError
from trainer.users import Role, UserStore

LOCAL_NOTICE = (
    "Single-user local mode: there is no users file, so nobody logs in and you see every room. "
    "Create accounts with `trainer users add NAME --role trainee|trainer|manager` to turn on logins."
)


class Forbidden(TrainerError):
    """The viewer's role does not allow this; the message says so without revealing data."""


@dataclass(frozen=True)
class Viewer:
    name: str
    role: Role | None  # None: the single-user local mode, every room open

    @property
    def local(self) -> bool:
        return self.role is None

    @property
    def can_review(self) -> bool:
        return self.local or self.role is Role.manager

    @property
    def can_edit_personas(self) -> bool:
        return self.local or self.role in (Role.trainer, Role.manager)

    def require_review(self) -> None:
        if not self.can_review:
            raise Forbidden("only a manager can open the review desk")

    def require_workshop(self) -> None:
        if not self.can_edit_personas:
            raise Forbidden("only a trainer or a manager can edit personas")

    def may_read(self, trainee: str) -> bool:
        """A trainee reads only their own calls; reviewers read everyone's."""
        return self.can_review or trainee == self.name

    def require_read(self, trainee: str) -> None:
        if not self.may_read(trainee):
            # the same words as a missing session: a trainee cannot probe which ids exist
            raise Forbidden("no such session")


def local_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "trainee"


def viewer_for(username: str | None, store: UserStore, local: bool) -> Viewer:
    """The viewer behind a request: gradio's authenticated name, or the local user without accounts.

    `local` is decided once, at start-up: a users file created while the app runs must not
    turn an open app into one where every request fails, nor the reverse.
    """
    if local:
        return Viewer(local_name(), None)
    if not username:
        raise Forbidden("log in first")
    user = store.get(username)
    if user is None:
        raise Forbidden("unknown user; ask a manager to add you with `trainer users add`")
    return Viewer(user.name, user.role)
