"""App accounts: a JSON file of users with a role and a salted, slow password hash.

Kept apart from the session log on purpose: the log can live in a shared PostgreSQL
database, while who may log in to one laptop's app is that laptop's business. The file
never holds a password, only scrypt hashes (stdlib, no extra dependency), so a copied
file does not give the passwords away.
"""

import base64
import functools
import hashlib
import hmac
import os
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, Field, ValidationError

from trainer.formats.errors import TrainerError

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$"
MIN_PASSWORD = 8
# scrypt cost: about 50 ms a check, slow for a guesser, quick for a login.
_N, _R, _P = 2**14, 8, 1


class Role(StrEnum):
    trainee = "trainee"  # practises; sees only their own calls
    trainer = "trainer"  # practises and writes personas
    manager = "manager"  # practises and reviews everyone's calls


class User(BaseModel):
    name: Annotated[str, Field(pattern=NAME_PATTERN)]
    role: Role
    password: str = Field(description="scrypt$N$r$p$salt$hash, base64; never the password itself")


class UsersFile(BaseModel):
    users: list[User] = []


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time comparison, so the time taken says nothing about how close a guess was."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


@functools.cache
def _decoy_hash() -> str:
    """Hashed once per process: checking against it costs exactly what a real check costs."""
    return hash_password(base64.b64encode(os.urandom(12)).decode())


class UserStore:
    """The users file; read fresh on every check so `trainer users add` works on a running app."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def exists(self) -> bool:
        return self.path.is_file()

    def load(self) -> list[User]:
        if not self.path.is_file():
            return []
        try:
            return UsersFile.model_validate_json(self.path.read_text(encoding="utf-8")).users
        except (OSError, ValidationError, ValueError) as exc:
            raise TrainerError(f"{self.path}: not a valid users file: {exc}") from exc

    def get(self, name: str) -> User | None:
        return next((u for u in self.load() if u.name == name), None)

    def add(self, name: str, role: Role, password: str, replace: bool = False) -> User:
        if not re.match(NAME_PATTERN, name):
            raise TrainerError(f"invalid user name {name!r}: letters, digits and _ . @ - only, at most 64")
        if len(password) < MIN_PASSWORD:
            raise TrainerError(f"the password is too short: at least {MIN_PASSWORD} characters")
        users = self.load()
        if any(u.name == name for u in users) and not replace:
            raise TrainerError(f"user {name!r} already exists (use --replace to change the role or password)")
        user = User(name=name, role=role, password=hash_password(password))
        users = [u for u in users if u.name != name] + [user]
        self._write(users)
        return user

    def authenticate(self, name: str, password: str) -> User | None:
        """The user, or None; an unknown name costs one scrypt like a wrong password, so the
        time taken does not tell a guesser which names exist."""
        user = self.get(name)
        if user is None:
            verify_password(password, _decoy_hash())
            return None
        return user if verify_password(password, user.password) else None

    def _write(self, users: list[User]) -> None:
        """Write atomically and readable by the owner only: the hashes are still secrets."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(UsersFile(users=users).model_dump_json(indent=2), encoding="utf-8")
        os.chmod(tmp, 0o600)
        tmp.replace(self.path)
