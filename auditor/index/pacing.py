"""How many index fetches to run at once: as many as the network's round trip needs.

Why: fetch threads hide network latency, but each one also spends Python CPU on the
answer (HTTP handling, TLS records, parsing), and all of them share one interpreter
lock. Against this machine's mirror (a 2-3 ms round trip) a cold resolution of the
AI stack took 3.7-4.0 s with 12 fetch threads and 2.7-2.9 s with 2: the extra threads
only fought over the lock (user CPU 3.7 -> 2.6 s); paced, 3.3-3.6 s. Against an index 50 ms away, 2
threads would leave the resolver waiting on one round trip after another. So the number
of fetches running at once follows the measured round trip: one, plus as many more as
fit in a round trip at the CPU each answer costs, within a floor and a ceiling.

The round trip is the mean time to the response headers of recent requests: by
Little's law the fetches needed at once are the rate of answers times their mean wait,
and a mean counts the slow answers a mirror gives while it fetches upstream. Paced by
the low tenth instead, the project-document fetches of a cold audit here ran two at a
time and the audit took 14 s instead of 6.8 s (they stay on a fixed pool of 16 for
now: documents are small, and mostly waiting). Contention inflates the mean a little,
which adds a thread or two; the floor and ceiling keep it bounded.
"""

from __future__ import annotations

import math
import statistics
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

#: Python CPU one index answer costs, measured (cold ai-stack graph: ~3.5 s of CPU for
#: ~720 requests is ~5 ms; a little lower here so a middling round trip errs to more)
CPU_PER_ANSWER_MS = 4.0
#: fetches at once before enough round trips are known: few, since a burst of the
#: first (biggest) pages at once cost 0.3-0.5 s of CPU in lock contention here, and a
#: far index only waits for ``MIN_SAMPLES`` answers two at a time before it gets more
START = 2
FLOOR = 2
#: round trips needed before they are trusted, and how many recent ones are kept
MIN_SAMPLES = 4
KEEP = 64


class RoundTrips:
    """Recent times to first byte of index answers, shared by threads."""

    def __init__(self) -> None:
        self._seconds: deque[float] = deque(maxlen=KEEP)
        self._lock = threading.Lock()
        self._mean: float | None = None

    def add(self, seconds: float) -> None:
        with self._lock:
            self._seconds.append(seconds)
            if len(self._seconds) >= MIN_SAMPLES:
                self._mean = statistics.fmean(self._seconds) * 1000

    def mean_ms(self) -> float | None:
        """The mean of the recent round trips in milliseconds, None until
        ``MIN_SAMPLES`` are known."""
        return self._mean


def concurrency(round_trip_ms: float | None, ceiling: int) -> int:
    """Fetches to run at once for this round trip (``START`` while it is unknown)."""
    if round_trip_ms is None:
        return max(1, min(ceiling, START))
    wanted = 1 + math.ceil(max(0.0, round_trip_ms) / CPU_PER_ANSWER_MS)
    return max(min(FLOOR, ceiling), min(ceiling, wanted))


_THREAD = threading.local()


def fetching_ahead() -> bool:
    """Is this thread one of a ``PacedExecutor``'s: a fetch ahead, which nobody waits
    for yet? (A fetch process serves the others first.)"""
    return bool(getattr(_THREAD, "ahead", False))


#: a submitted task: its future, the function and its arguments
_Task = tuple[Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]]


class PacedExecutor(Executor):
    """A pool of ``ceiling`` threads whose tasks run at most ``limit()`` at a time.

    Tasks beyond the limit wait in a queue of this executor's, not in threads of their
    own: a cold resolution submits its first twenty fetches at once, and starting a
    thread for each (to sleep until its turn) cost the resolver 60 ms before its first
    step, each start waiting for the interpreter lock to hand over. The limit is asked
    again whenever a task ends, so it follows the round trips as they are measured.
    """

    def __init__(self, ceiling: int, limit: Callable[[], int], *, name: str = "fetch") -> None:
        self._pool = ThreadPoolExecutor(max_workers=ceiling, thread_name_prefix=name)
        self._limit = limit
        self._turns = threading.Condition()
        self._waiting: deque[_Task] = deque()
        self._running = 0
        self._closed = False

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        with self._turns:
            if self._closed:
                raise RuntimeError("cannot schedule new futures after shutdown")
            self._waiting.append((future, fn, args, kwargs))
        self._give_turns()
        return future

    def _give_turns(self) -> None:
        """Start waiting tasks while the limit allows."""
        while True:
            with self._turns:
                if not self._waiting or self._running >= self._allowed():
                    return
                task = self._waiting.popleft()
                self._running += 1
            try:
                self._pool.submit(self._run, task)
            except RuntimeError:  # the pool was shut down meanwhile: the task never runs
                task[0].cancel()
                self._ended()

    def _allowed(self) -> int:
        """The limit now; 1 when asking for it fails (a task must never be stranded)."""
        try:
            return max(1, int(self._limit()))
        except Exception:
            return 1

    def _run(self, task: _Task) -> None:
        future, fn, args, kwargs = task
        _THREAD.ahead = True
        try:
            if future.set_running_or_notify_cancel():
                try:
                    result = fn(*args, **kwargs)
                except BaseException as exc:
                    future.set_exception(exc)
                else:
                    future.set_result(result)
        finally:
            self._ended()
            self._give_turns()

    def _ended(self) -> None:
        with self._turns:
            self._running -= 1
            self._turns.notify_all()
            drained = self._closed and not self._waiting and not self._running
        if drained:
            self._pool.shutdown(wait=False)  # shut down without waiting, once drained

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._turns:
            self._closed = True
            dropped = list(self._waiting) if cancel_futures else []
            if cancel_futures:
                # A resolution that ended must not wait for its fetches ahead.
                self._waiting.clear()
            while wait and (self._waiting or self._running):
                self._turns.wait()  # queued tasks still get their turns first
            drained = not self._waiting and not self._running
        for future, *_ in dropped:
            future.cancel()
        if wait or drained:
            self._pool.shutdown(wait=wait)
