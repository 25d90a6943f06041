"""Logins: growing delays, a lockout, the same answer for unknown names, all audited, and the
password check never on the server's event loop."""

import asyncio
import hashlib
import time
from pathlib import Path

import pytest

from trainer.logins import LoginGuard, LoginThrottle, client_address
from trainer.sessionlog import SessionLog
from trainer.users import Role, UserStore


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_each_failure_past_the_free_ones_doubles_the_wait_and_ten_lock_the_account() -> None:
    clock = Clock()
    throttle = LoginThrottle(free=3, max_delay=30, lock_after=10, window=900, lock_seconds=900, clock=clock)
    waits = []
    for _ in range(9):
        waits.append(throttle.delay(["ana"]))
        throttle.failed(["ana"])
    assert waits == [0, 0, 0, 1, 2, 4, 8, 16, 30]
    assert not throttle.locked(["ana"])
    throttle.failed(["ana"])
    assert throttle.locked(["ana"]) and not throttle.locked(["ben"])
    clock.now += 901
    assert not throttle.locked(["ana"]) and throttle.delay(["ana"]) == 0  # the window has passed


@pytest.fixture
def guard(tmp_path: Path) -> tuple[LoginGuard, SessionLog]:
    store = UserStore(tmp_path / "users.json")
    store.add("ana", Role.trainee, "ana-password")
    log = SessionLog(f"sqlite:///{tmp_path / 'log.db'}")
    fast = LoginThrottle(free=2, max_delay=0.05, lock_after=5, lock_seconds=60)
    return LoginGuard(store, log.audit, accounts=fast, addresses=LoginThrottle(free=50, lock_after=500)), log


def test_a_locked_account_refuses_even_the_right_password_and_every_attempt_is_audited(guard) -> None:
    login, log = guard
    assert asyncio.run(login.check("ana", "ana-password", "10.0.0.5"))
    for _ in range(5):
        assert not asyncio.run(login.check("ana", "guess", "10.0.0.5"))
    assert not asyncio.run(login.check("ana", "ana-password", "10.0.0.5"))
    actions = [e.action for e in log.audit_events(actor="ana")]
    assert actions == ["login_locked"] + ["login_failed"] * 5 + ["login"]
    assert {e.address for e in log.audit_events(actor="ana")} == {"10.0.0.5"}


def test_an_unknown_name_costs_one_scrypt_like_a_wrong_password(guard, monkeypatch) -> None:
    login, _ = guard
    login.store.authenticate("warm", "up")  # the decoy hash is made once per process
    calls = []
    real = hashlib.scrypt
    monkeypatch.setattr(hashlib, "scrypt", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert not asyncio.run(login.check("nobody", "guess", None))
    unknown = len(calls)
    assert not asyncio.run(login.check("ana", "guess", None))
    assert unknown == len(calls) - unknown == 1


def test_the_password_check_runs_off_the_event_loop(guard) -> None:
    """While a check hashes, the loop keeps serving: a ticker advances during it."""
    login, _ = guard
    ticks = []

    async def ticker() -> None:
        for _ in range(200):
            ticks.append(time.perf_counter())
            await asyncio.sleep(0.001)

    async def both() -> None:
        task = asyncio.create_task(ticker())
        await asyncio.sleep(0.005)
        before = len(ticks)
        await login.check("ana", "ana-password", None)
        assert len(ticks) > before + 3  # the ticker ran while scrypt was hashing
        task.cancel()

    asyncio.run(both())


def test_the_address_comes_from_nginx_only_when_nginx_is_the_peer() -> None:
    forwarded = [(b"x-forwarded-for", b"203.0.113.9, 198.51.100.7")]
    assert client_address({"client": ("127.0.0.1", 5000), "headers": forwarded}) == "198.51.100.7"
    assert client_address({"client": ("192.0.2.1", 5000), "headers": forwarded}) == "192.0.2.1"
    assert client_address({"client": None, "headers": []}) is None


def test_many_trainees_logging_in_from_one_office_address_are_not_slowed(tmp_path: Path) -> None:
    """Each attempt counts as a failure until it succeeds; a success takes its count back."""
    store = UserStore(tmp_path / "users.json")
    for n in range(25):
        store.add(f"t{n}", Role.trainee, f"t{n}-password")
    log = SessionLog(f"sqlite:///{tmp_path / 'log.db'}")
    login = LoginGuard(store, log.audit, addresses=LoginThrottle(free=10, max_delay=30, lock_after=50))
    assert all(asyncio.run(login.check(f"t{n}", f"t{n}-password", "10.1.1.1")) for n in range(25))
    assert login.addresses.delay(["10.1.1.1"]) == 0  # was 2 ** 15, capped at 30 s, before the fix
