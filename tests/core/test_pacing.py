"""How many index fetches run at once: as many as the measured round trip needs.

Many fetch threads against a near index only fight over the interpreter lock; few
against a far one leave the resolver waiting. These tests pin the rule, the measure,
and the executor that applies it; benchmarks/ measures the time.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from auditor.cache import Cache
from auditor.index import pacing
from auditor.index.pacing import PacedExecutor, RoundTrips, concurrency
from auditor.resolve import resolver as resolver_module
from tests.core.conftest import client
from tests.core.test_resolve import req, run
from tests.fakes import FakeIndex


def test_the_number_at_once_follows_the_round_trip() -> None:
    assert concurrency(None, 12) == pacing.START == 2  # unknown: a few, not a burst
    assert concurrency(0.5, 12) == 2  # a mirror next door: the floor
    assert concurrency(2.0, 12) == 2
    assert concurrency(20.0, 12) == 6  # 1 + 20 ms / 4 ms of CPU per answer
    assert concurrency(50.0, 12) == 12  # a far index: up to the ceiling, no further
    assert concurrency(500.0, 12) == 12
    assert concurrency(500.0, 1) == 1 and concurrency(None, 1) == 1
    assert [concurrency(ms, 16) for ms in (1, 5, 10, 30, 60)] == sorted(
        concurrency(ms, 16) for ms in (1, 5, 10, 30, 60)
    )


def test_the_round_trip_is_the_mean_of_recent_answers() -> None:
    trips = RoundTrips()
    for _ in range(pacing.MIN_SAMPLES - 1):
        trips.add(0.002)
    assert trips.mean_ms() is None  # too few to trust
    trips.add(0.002)
    assert trips.mean_ms() == pytest.approx(2.0)
    # a mirror fetching upstream answers one request in five slowly: the mean counts
    # them, so enough fetches run at once to hide them (a median would stay at 2 ms)
    for _ in range(12):
        trips.add(0.002)
        trips.add(0.002)
        trips.add(0.002)
        trips.add(0.002)
        trips.add(0.300)
    mean = trips.mean_ms()
    assert mean is not None and mean > 50
    assert concurrency(mean, 12) == 12
    # only recent answers count: an index that became near is seen as near
    for _ in range(pacing.KEEP):
        trips.add(0.002)
    assert trips.mean_ms() == pytest.approx(2.0)
    assert concurrency(trips.mean_ms(), 12) == 2


def test_no_more_tasks_run_at_once_than_the_limit_and_a_raised_limit_lets_more() -> None:
    limit = [2]
    running = 0
    most = 0
    lock = threading.Lock()
    release = threading.Event()

    def task(i: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        release.wait(5)
        time.sleep(0.01)
        with lock:
            running -= 1
        return i * i

    pool = PacedExecutor(8, lambda: limit[0], name="test")
    futures = [pool.submit(task, i) for i in range(8)]
    time.sleep(0.2)
    with lock:
        assert running == 2  # eight submitted, two at work
    limit[0] = 6
    release.set()
    assert [f.result(timeout=10) for f in futures] == [i * i for i in range(8)]
    pool.shutdown()
    assert 2 < most <= 6


def test_cancelling_the_queue_leaves_no_thread_waiting_for_a_turn() -> None:
    """The resolver cancels what is queued and then waits for the pool: the fetches
    still waiting for a turn must not run (nor hang: a queue of the pool's own once
    left threads waiting for good at the end of a cold resolution)."""
    release = threading.Event()
    ran: list[int] = []
    pool = PacedExecutor(6, lambda: 1, name="test")
    busy = pool.submit(release.wait, 5)
    queued = [pool.submit(ran.append, i) for i in range(5)]
    time.sleep(0.1)  # five threads asleep, waiting for the one turn
    pool.shutdown(wait=False, cancel_futures=True)
    release.set()
    done = threading.Thread(target=pool.shutdown)  # wait=True, as ``with`` does
    done.start()
    done.join(10)
    assert not done.is_alive()
    assert busy.result() is True
    # Waiting for a turn when cancelled, the five never run.
    assert ran == [] and all(f.done() for f in queued)


def test_a_task_waiting_for_its_turn_holds_no_thread() -> None:
    """The first fetches of a resolution are submitted at once: a thread started for
    each, only to sleep, cost the resolver 60 ms of thread starts before its first step."""
    release = threading.Event()
    pool = PacedExecutor(8, lambda: 1, name="held")
    futures = [pool.submit(release.wait, 5) for _ in range(8)]
    time.sleep(0.1)
    assert sum(t.name.startswith("held") for t in threading.enumerate()) == 1
    release.set()
    assert all(f.result(timeout=10) for f in futures)
    pool.shutdown()


def test_shutting_down_without_waiting_still_runs_what_is_queued() -> None:
    release = threading.Event()
    ran: list[int] = []
    pool = PacedExecutor(4, lambda: 1, name="test")
    first = pool.submit(release.wait, 5)
    queued = [pool.submit(ran.append, i) for i in range(3)]
    pool.shutdown(wait=False)
    with pytest.raises(RuntimeError):
        pool.submit(ran.append, 99)
    release.set()
    assert first.result(timeout=10) is True
    for f in queued:
        f.result(timeout=10)
    assert ran == [0, 1, 2]


def test_a_limit_that_fails_runs_one_at_a_time() -> None:
    def broken() -> int:
        raise ZeroDivisionError

    pool = PacedExecutor(4, broken, name="test")
    futures = [pool.submit(lambda i=i: i) for i in range(5)]
    assert [f.result(timeout=5) for f in futures] == list(range(5))
    pool.shutdown()


def test_a_failing_task_gives_its_turn_back() -> None:
    pool = PacedExecutor(4, lambda: 1, name="test")

    def boom() -> None:
        raise ValueError("no")

    failed = pool.submit(boom)
    after = pool.submit(lambda: "next")
    with pytest.raises(ValueError):
        failed.result(timeout=5)
    assert after.result(timeout=5) == "next"
    pool.shutdown(wait=False, cancel_futures=True)


def test_the_client_measures_how_far_the_index_is(empty_index: FakeIndex, tmp_path: Path) -> None:
    for name in ("a", "b", "c", "d", "e"):
        empty_index.add_project(name, ["1.0"])
    index = client(empty_index, Cache(tmp_path / "c.sqlite3"))
    empty_index.delay(0.06, "/simple/")
    for name in ("a", "b", "c", "d", "e"):
        index.files(name)
    low = index.round_trips.mean_ms()
    assert low is not None and low >= 55
    assert concurrency(low, 12) == 12  # a far index gets every thread


def test_the_resolver_fetches_through_a_paced_pool(
    fake_index: FakeIndex, cache: Cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[int] = []
    real = resolver_module.PacedExecutor

    class Spy(real):  # type: ignore[misc,valid-type]
        def __init__(self, ceiling: int, *args: object, **kwargs: object) -> None:
            made.append(ceiling)
            super().__init__(ceiling, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(resolver_module, "PacedExecutor", Spy)
    graph = run(fake_index, cache, req("requests"))
    assert "requests" in graph and made == [12]
