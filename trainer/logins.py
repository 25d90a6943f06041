"""Logins that cannot be guessed at full speed and never slow anyone else down.

An outside tester made 113 password guesses in 10 s, and since scrypt ran on the server's
event loop, every other user's requests went from 4 ms to 200-700 ms. Here:

- the password check runs on a worker thread, never on the event loop;
- failures are counted per account (known or not: the same treatment, so names cannot be
  told apart) and per address; after `free` failures each attempt waits longer (1 s, 2 s,
  4 s ... up to `max_delay`), waiting with `asyncio.sleep`, which costs the server nothing;
- after `lock_after` failures within `window` seconds the account or address is locked for
  `lock_seconds`: even the right password is refused, with the same message;
- every attempt goes to the audit log (`trainer audit`).
"""

import asyncio
import contextvars
import ipaddress
import threading
import time
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass, field
from datetime import timedelta

from trainer.users import UserStore

AuditSink = Callable[[str, str, str, str | None], None]  # action, actor, detail, address


@dataclass
class _Failures:
    times: list[float] = field(default_factory=list)
    locked_until: float = 0.0


@dataclass
class LoginThrottle:
    """Failure counts per key (an account name or an address), in memory, thread-safe."""

    free: int = 3
    max_delay: float = 30.0
    lock_after: int = 10
    window: float = 900.0
    lock_seconds: float = 900.0
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, _Failures] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def delay(self, keys: list[str]) -> float:
        """Seconds to wait before checking this attempt: the worst of its keys."""
        with self._lock:
            return max((self._delay(self._recent(k)) for k in keys), default=0.0)

    def locked(self, keys: list[str]) -> bool:
        now = self.clock()
        with self._lock:
            return any(self._failures.get(k, _Failures()).locked_until > now for k in keys)

    def failed(self, keys: list[str]) -> None:
        now = self.clock()
        with self._lock:
            for key in keys:
                entry = self._failures.setdefault(key, _Failures())
                entry.times = [t for t in entry.times if now - t < self.window] + [now]
                if len(entry.times) >= self.lock_after:
                    entry.locked_until = now + self.lock_seconds
            if len(self._failures) > 100_000:  # a flood of made-up names must not grow memory forever
                self._forget_old(now)

    def succeeded(self, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)

    def forgive(self, keys: list[str]) -> None:
        """Take back one failure counted ahead of a check that then succeeded (an address: many
        trainees log in from one office, and their successes are no guesses)."""
        with self._lock:
            for key in keys:
                entry = self._failures.get(key)
                if entry is not None and entry.times:
                    entry.times.pop()

    def _recent(self, key: str) -> int:
        entry = self._failures.get(key)
        if entry is None:
            return 0
        now = self.clock()
        return sum(1 for t in entry.times if now - t < self.window)

    def _delay(self, failures: int) -> float:
        return 0.0 if failures < self.free else min(self.max_delay, 2.0 ** (failures - self.free))

    def _forget_old(self, now: float) -> None:
        """Drop keys with no failure in the window and no lock: they count for nothing now."""
        stale = [
            k
            for k, e in self._failures.items()
            if e.locked_until < now and all(now - t >= self.window for t in e.times)
        ]
        for key in stale:
            del self._failures[key]


def guard_from_settings(settings, store: UserStore, audit: AuditSink) -> "LoginGuard":
    """The guard with the limits a deployment set (`CALLCOACH_LOGIN_*`)."""
    lock = settings.login_lock_minutes * 60
    accounts = LoginThrottle(
        max_delay=settings.login_max_delay, lock_after=settings.login_lock_after, lock_seconds=lock
    )
    addresses = LoginThrottle(
        free=10, max_delay=settings.login_max_delay, lock_after=5 * settings.login_lock_after, lock_seconds=lock
    )
    return LoginGuard(store, audit, accounts, addresses)


class LoginGuard:
    """The app's login check: throttled, off the event loop, audited.

    Addresses get more room than accounts (`address_throttle`): a whole office can sit behind
    one address, and one guesser must not lock all of it out as quickly as one account.
    """

    def __init__(
        self,
        store: UserStore,
        audit: AuditSink,
        accounts: LoginThrottle | None = None,
        addresses: LoginThrottle | None = None,
    ) -> None:
        self.store = store
        self.audit = audit
        self.accounts = accounts or LoginThrottle()
        self.addresses = addresses or LoginThrottle(free=10, lock_after=50)
        self._lines: dict[str, asyncio.Lock] = {}

    async def check(self, name: str, password: str, address: str | None) -> bool:
        """True for the right password of an account that is not locked; never raises.

        Attempts on one account are taken one at a time (and on one address, once it has
        failures): guesses sent in parallel wait out their delays in line, not side by side.
        """
        account, where = name.strip().lower(), address
        async with self._line(f"account:{account}"):
            if where and self.addresses.delay([where]):
                async with self._line(f"address:{where}"):
                    return await self._check(name, password, [account], [where])
            return await self._check(name, password, [account], [where] if where else [])

    def _line(self, key: str) -> asyncio.Lock:
        if len(self._lines) > 10_000:  # names made up by a flood: forget the idle ones
            self._lines = {k: v for k, v in self._lines.items() if v.locked()}
        return self._lines.setdefault(key, asyncio.Lock())

    async def _check(self, name: str, password: str, account: list[str], where: list[str]) -> bool:
        address = where[0] if where else None
        if self.accounts.locked(account) or self.addresses.locked(where):
            await asyncio.sleep(self.accounts.max_delay)  # as slow as a throttled attempt: nothing to tell apart
            await asyncio.to_thread(self.audit, "login_locked", name, "refused: too many failed attempts", address)
            return False
        wait = max(self.accounts.delay(account), self.addresses.delay(where))
        # Counted as a failure before the check: guesses sent all at once each see the ones
        # before them, so a parallel flood is slowed like a serial one. A success clears it.
        self.accounts.failed(account)
        self.addresses.failed(where)
        if wait:
            await asyncio.sleep(wait)
        user = await asyncio.to_thread(self.store.authenticate, name, password)
        if user is None:
            await asyncio.to_thread(self.audit, "login_failed", name, "wrong name or password", address)
            return False
        self.accounts.succeeded(account)
        self.addresses.forgive(where)
        await asyncio.to_thread(self.audit, "login", name, f"role {user.role.value}", address)  # a database write
        return True


CLIENT_ADDRESS: contextvars.ContextVar[str | None] = contextvars.ContextVar("callcoach_client", default=None)


class ClientAddress:
    """ASGI middleware: the caller's address for the login check, in `CLIENT_ADDRESS`.

    Behind our own reverse proxy (a loopback peer, the nginx of `deploy/`), the address is the
    last one nginx appended to X-Forwarded-For; from anyone else the header is ignored, so a
    guesser cannot pick a fresh address per attempt.
    """

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = CLIENT_ADDRESS.set(client_address(scope))
        try:
            await self.app(scope, receive, send)
        finally:
            CLIENT_ADDRESS.reset(token)


def client_address(scope: dict) -> str | None:
    peer = (scope.get("client") or (None,))[0]
    if peer is None:
        return None
    try:
        loopback = ipaddress.ip_address(peer).is_loopback
    except ValueError:
        return peer
    if loopback:
        for name, value in scope.get("headers", []):
            if name == b"x-forwarded-for":
                return value.decode("latin-1").split(",")[-1].strip() or peer
    return peer


class SharedTokens(MutableMapping[str, str]):
    """gradio's token -> user table, kept in the session database so that every server process
    behind the proxy knows every login: when one process dies, its trainees stay logged in on
    the one that takes over and resume their calls there.

    Lookups are cached for a few seconds (every request looks its token up); a logout reaches
    the other processes within that time. Tokens older than `max_age` (a shift) no longer count.
    """

    def __init__(self, log, max_age: timedelta = timedelta(hours=12), cache_seconds: float = 5.0) -> None:
        self.log = log
        self.max_age = max_age
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[str | None, float]] = {}
        self._lock = threading.Lock()

    def __getitem__(self, token: str) -> str:
        user = self._lookup(token)
        if user is None:
            raise KeyError(token)
        return user

    def __setitem__(self, token: str, user: str) -> None:
        self.log.save_token(token, user)
        with self._lock:
            self._cache[token] = (user, time.monotonic())

    def __delitem__(self, token: str) -> None:
        self.log.drop_tokens(token=token)
        with self._lock:
            self._cache.pop(token, None)

    def __iter__(self) -> Iterator[str]:
        # gradio iterates only to log a user out everywhere; the rows say who is logged in.
        return iter(self.log.all_tokens())

    def __len__(self) -> int:
        return len(self.log.all_tokens())

    def __contains__(self, token: object) -> bool:
        return isinstance(token, str) and self._lookup(token) is not None

    def _lookup(self, token: str) -> str | None:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(token)
        if hit is not None and now - hit[1] < self.cache_seconds:
            return hit[0]
        user = self.log.token_user(token, self.max_age) if token else None
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[token] = (user, now)
        return user


def share_logins(app, log) -> None:
    """Make a gradio server app use the shared tokens and a login cookie name every process
    agrees on (gradio draws a random one per process)."""
    app.tokens = SharedTokens(log)
    app.cookie_id = log.secret("login-cookie-id")
