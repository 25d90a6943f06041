"""The bounded, fair queue in front of each speech engine (transcriber, synthesizer).

Speech recognition and synthesis are the only heavy work in a turn (hundreds of ms of full
CPU each); everything else (typed turns, grading, the review desk, call starts) is cheap.
So the queue sits in front of the *engine*, not the turn: a typed turn whose customer line is
already in the voice cache never waits, and one trainee's recordings never hold up another's.

- **Bounded**: at most `slots` jobs run at once (an engine's own parallelism), at most
  `max_waiting` wait; past that a trainee gets "busy, try again" at once instead of a stall.
- **Fair**: waiting jobs are served one per trainee in turn (round robin), so a trainee who
  sends five recordings gets one slot in five, not five in a row; each trainee may have at
  most `per_owner` jobs waiting.
- **Background last**: voice warm-up (owner None) only runs when no trainee is waiting.

Who a job is for is a context variable (`speaking_for`), set by the call for its trainee, so
the engines keep their plain `Transcriber` / `SpeechEngine` interfaces.
"""

import contextlib
import contextvars
import os
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from trainer.formats.errors import TrainerError

T = TypeVar("T")
_OWNER: contextvars.ContextVar[str | None] = contextvars.ContextVar("callcoach_speech_owner", default=None)


class SpeechBusy(TrainerError):
    """The speech engines are at capacity: nothing was changed, try again shortly."""


@contextlib.contextmanager
def speaking_for(owner: str | None) -> Iterator[None]:
    """Speech work inside the block is queued for this trainee (None: background work)."""
    token = _OWNER.set(owner)
    try:
        yield
    finally:
        _OWNER.reset(token)


@dataclass
class _Ticket:
    owner: str | None
    granted: threading.Event = field(default_factory=threading.Event)


class SpeechQueue:
    """Runs jobs for one engine with bounded, per-trainee fair access (see module docstring)."""

    def __init__(
        self, name: str, slots: int = 1, max_waiting: int = 64, per_owner: int = 2, wait_seconds: float = 60.0
    ) -> None:
        self.name = name
        self.slots = max(1, slots)
        self.max_waiting = max_waiting
        self.per_owner = per_owner
        self.wait_seconds = wait_seconds
        self._lock = threading.Lock()
        self._running = 0
        self._waiting: OrderedDict[str | None, deque[_Ticket]] = OrderedDict()  # owner -> tickets, in turn order

    def run(self, job: Callable[[], T], owner: str | None = None) -> T:
        """Run `job` when a slot is free and it is this trainee's turn; the result or its error."""
        owner = owner if owner is not None else _OWNER.get()
        ticket = self._enter(owner)
        if not ticket.granted.wait(self.wait_seconds) and self._withdraw(ticket):
            raise SpeechBusy(f"the {self.name} is busy; nothing was lost, try again in a few seconds")
        try:
            return job()
        finally:
            self._leave()

    def waiting(self) -> int:
        with self._lock:
            return sum(len(q) for q in self._waiting.values())

    # -- the bookkeeping -----------------------------------------------------------------
    def _enter(self, owner: str | None) -> _Ticket:
        ticket = _Ticket(owner)
        with self._lock:
            if self._running < self.slots and not self._waiting:
                self._running += 1
                ticket.granted.set()
                return ticket
            mine = self._waiting.get(owner)
            if owner is not None and mine is not None and len(mine) >= self.per_owner:
                raise SpeechBusy("your earlier recording is still being worked on; wait for its answer")
            if sum(len(q) for q in self._waiting.values()) >= self.max_waiting:
                raise SpeechBusy(f"the {self.name} is at capacity; nothing was lost, try again in a few seconds")
            self._waiting.setdefault(owner, deque()).append(ticket)
        return ticket

    def _leave(self) -> None:
        with self._lock:
            self._running -= 1
            self._grant_next()

    def _withdraw(self, ticket: _Ticket) -> bool:
        """Take a timed-out ticket out of the line; False if it was granted meanwhile."""
        with self._lock:
            if ticket.granted.is_set():
                return False
            tickets = self._waiting.get(ticket.owner)
            if tickets is not None and ticket in tickets:
                tickets.remove(ticket)
                if not tickets:
                    del self._waiting[ticket.owner]
            return True

    def _grant_next(self) -> None:
        while self._running < self.slots and self._waiting:
            owner = next((o for o in self._waiting if o is not None), None)  # trainees before background
            tickets = self._waiting.pop(owner)
            ticket = tickets.popleft()
            if tickets:  # this trainee goes to the back of the line
                self._waiting[owner] = tickets
            self._running += 1
            ticket.granted.set()


_QUEUES: dict[str, SpeechQueue] = {}
_QUEUES_LOCK = threading.Lock()


def speech_queue(engine: str, slots: int | None = None) -> SpeechQueue:
    """The one queue of this process for an engine ("transcriber:faster-whisper", "voice:piper")."""
    with _QUEUES_LOCK:
        if engine not in _QUEUES:
            _QUEUES[engine] = SpeechQueue(engine.split(":")[0], slots or 1)
        return _QUEUES[engine]


def cores() -> int:
    """The cores this process may use (a container's limit, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
