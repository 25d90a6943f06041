"""The speech queue: bounded, fair across trainees, background last, and never in front of typing."""

import threading

import pytest

from trainer.speechqueue import SpeechBusy, SpeechQueue


def _hold(queue: SpeechQueue, owner: str) -> tuple[threading.Event, threading.Thread]:
    """A job that holds the queue's one slot until released."""
    release, started = threading.Event(), threading.Event()

    def job() -> None:
        started.set()
        release.wait(10)

    thread = threading.Thread(target=queue.run, args=(job, owner))
    thread.start()
    assert started.wait(5)
    return release, thread


def _queued(queue: SpeechQueue, owner: str | None, done: list) -> threading.Thread:
    thread = threading.Thread(target=lambda: done.append(queue.run(lambda: owner, owner)))
    thread.start()
    return thread


def _wait_for_waiting(queue: SpeechQueue, n: int) -> None:
    for _ in range(500):
        if queue.waiting() == n:
            return
        threading.Event().wait(0.01)
    raise AssertionError(f"{queue.waiting()} waiting, expected {n}")


def test_a_trainee_with_many_recordings_does_not_go_ahead_of_the_others() -> None:
    queue = SpeechQueue("transcriber", slots=1, per_owner=5)
    release, holder = _hold(queue, "ana")
    done: list = []
    threads = []
    for owner in ["ana", "ana", "ana"]:
        threads.append(_queued(queue, owner, done))
        _wait_for_waiting(queue, len(threads))
    threads.append(_queued(queue, "ben", done))
    _wait_for_waiting(queue, 4)
    release.set()
    for thread in [holder, *threads]:
        thread.join(5)
    # ana's three waiting jobs and ben's one: ben is served second, not fourth
    assert done[:2] == ["ana", "ben"]
    assert done.count("ana") == 3


def test_background_warm_up_waits_until_no_trainee_is_waiting() -> None:
    queue = SpeechQueue("voice", slots=1)
    release, holder = _hold(queue, "ana")
    done: list = []
    background = _queued(queue, None, done)
    _wait_for_waiting(queue, 1)
    trainee = _queued(queue, "ben", done)
    _wait_for_waiting(queue, 2)
    release.set()
    for thread in (holder, background, trainee):
        thread.join(5)
    assert done == ["ben", None]


def test_the_queue_is_bounded_and_says_so_instead_of_stalling() -> None:
    queue = SpeechQueue("transcriber", slots=1, max_waiting=2, per_owner=1)
    release, holder = _hold(queue, "ana")
    done: list = []
    first = _queued(queue, "ana", done)
    _wait_for_waiting(queue, 1)
    with pytest.raises(SpeechBusy, match="still being worked on"):
        queue.run(lambda: "again", "ana")
    second = _queued(queue, "ben", done)
    _wait_for_waiting(queue, 2)
    with pytest.raises(SpeechBusy, match="at capacity"):
        queue.run(lambda: "third", "cleo")
    release.set()
    for thread in (holder, first, second):
        thread.join(5)
    assert sorted(done) == ["ana", "ben"]


def test_a_job_that_waits_too_long_is_refused_and_leaves_the_line() -> None:
    queue = SpeechQueue("transcriber", slots=1, wait_seconds=0.05)
    release, holder = _hold(queue, "ana")
    with pytest.raises(SpeechBusy, match="busy"):
        queue.run(lambda: "late", "ben")
    assert queue.waiting() == 0
    release.set()
    holder.join(5)
    assert queue.run(lambda: "now", "ben") == "now"
