"""Simple-API pages and wheel METADATA read in child processes, beside the resolver.

Why: a cold resolution was CPU-bound in one interpreter. Reading the simple pages of a
large stack (85 MB of JSON for the AI stack, 190,000 file entries) and the wheels'
METADATA costs seconds of Python CPU, and all of it competed for the interpreter lock
with the resolver waiting on it; a cold graph with every page already cached took
2.3 s instead of 4.3-4.6 s. A child process has a lock and a core of its own, so the
reading happens there and only what the parent needs comes back (``PackedPage``, as
msgpack, which the parent decodes in C). Two children: one was busy all along while
the parent sat at 20-60 % of a core.

Nothing changes in what a page means: a child runs ``read_page``, the function the
client runs in process, and the client handles its answer the same way whichever side
read it (the cache rows, the history, the errors, the counts). A child that cannot
start, dies, or is stuck (no answer within ``ANSWER_WITHIN``) answers nothing, and the
client reads the page itself; so does a page a child could not read for a reason of
its own (anything but the network or the page). A child makes the session the client
would make (``make_session``), so it sees the same proxies, certificates and retries;
a client given a session of its own never uses a child.

The command line forks the children just before a resolution (ready in ~70 ms, with
every module loaded); elsewhere they are spawned once a run has missed enough pages to
be worth their start. They stop when their input closes: when the client closes, or
the parent exits. They print nothing, and never touch the parent's terminal.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

import msgspec

from auditor.cache import encode_value
from auditor.index.failures import describe, network_errors
from auditor.index.history import (
    ReleaseSummary,
    history_entry,
    summarise_history,
    upload_history,
)
from auditor.index.http_defaults import DEFAULT_TIMEOUT
from auditor.index.simple_api import ACCEPT, WheelFilter, parse_html_page, parse_json_page

if TYPE_CHECKING:
    import subprocess

    import requests

    from auditor.index.http import Getter

#: the kinds of answer
ROWS = "rows"  # a page: its file rows
STATUS = "status"  # an HTTP status other than 200 (a 404 among them)
INVALID = "invalid"  # 200, but not a page we can read; ``message`` says why
ERROR = "error"  # no answer (network); ``message`` is ``describe``'s phrase
RETRY = "retry"  # the child failed for a reason of its own: read it in process
TEXT = "text"  # a wheel member's text (``message``)
NONE = "none"  # no such member, or no readable wheel (``read_wheel_member``'s None)

#: what the child is asked for
SETUP = "setup"  # the first frame: the wheel filter; the child answers "ready"
PAGE = "page"  # a simple-API page: ``read_page``
WHEEL_METADATA = "wheel-metadata"  # a wheel's METADATA by range requests

#: page misses in one run before a child is started: a small resolution (and most
#: tests) never pays for a process, a big one starts it within its first round trips
START_AFTER = 8
#: fetches ahead the child runs at once (asked by the parent's fetch threads, so this
#: is a ceiling); more only fight over the child's interpreter lock
CHILD_THREADS = 6
#: and fetches someone waits for (the resolver), on threads of their own
URGENT_THREADS = 2

#: seconds a child may stay silent, with a request of ours unanswered, before it is
#: deemed stuck: well above the HTTP stack's own bounds for one request (a 30 s read
#: timeout, four attempts, backoff, a Retry-After of up to 30 s)
ANSWER_WITHIN = 300.0

_HEADER = struct.Struct(">I")
#: the largest frame either side accepts: a page's rows are far below this (the AI
#: stack's biggest, numpy, is ~2 MB); anything larger is a broken pipe, not an answer
MAX_FRAME = 512 * 1024 * 1024


@dataclass(frozen=True)
class PageAnswer:
    """What one read gave, on either side of the pipe: a simple-API page (``ROWS`` and
    the failures), or a wheel's METADATA (``TEXT`` or ``NONE``)."""

    kind: str
    rows: list[list[Any]] | None = None
    status: int | None = None
    message: str = ""
    #: time to the response headers, for the client's pacing (None: no response)
    elapsed: float | None = None
    #: a page the child read comes back packed (``pack_page``), its rows not decoded
    packed: PackedPage | None = None
    #: the filter ``packed.kept`` was made with (None: every row kept)
    kept_by: Callable[[str], bool] | None = None


class PackedPage(msgspec.Struct, frozen=True, array_like=True):
    """A page's rows as the parent needs them, made by the child (``pack_page``).

    The parent stores ``stored`` as the cache row, as it is, and reads the kept rows
    grouped by version: it never decodes the whole file list (190,000 rows for the AI
    stack), nor filters it, nor encodes it again for the cache.
    """

    #: the ``simple`` cache row's JSON (``encode_value({"files": rows})``): of the rows
    #: ``kept`` when the filter is a ``WheelFilter`` (``stored_kept``), else of all rows
    stored: str
    #: version -> rows the wheel filter keeps (all rows without a filter), in page order
    kept: dict[str, list[list[Any]]]
    #: how many rows the page has
    count: int
    #: the release history and its summary, and their ``upload-times`` row's JSON (asked
    #: for the primary index only; ``history_stored`` is None when not asked)
    history: dict[str, tuple[str, bool]] | None = None
    summary: ReleaseSummary | None = None
    history_stored: str | None = None
    #: ``stored`` holds only the rows the filter keeps (cached under the filter's key)
    stored_kept: bool = False


def pack_page(
    rows: list[list[Any]], keep: Callable[[str], bool] | None, *, with_history: bool
) -> PackedPage:
    """What the parent needs of a page's rows (see ``PackedPage``): the same values the
    client derives from them in process, so either side gives the same cache rows.

    With a target's ``WheelFilter``, the cache row holds only the rows it keeps: the
    client never reads the others (every reader goes through its filter), and the
    release history, which needs them all, is made here and stored beside the row. For
    the AI stack that is 11 MB of rows instead of 56 MB, encoded, piped, stored and (on
    a warm run) decoded again: a cold graph took 0.4 s less CPU."""
    kept: dict[str, list[list[Any]]] = {}
    kept_rows: list[list[Any]] = []
    for row in rows:
        if keep is None or keep(row[0]):
            kept.setdefault(row[2], []).append(row)
            kept_rows.append(row)
    only_kept = isinstance(keep, WheelFilter)
    stored = encode_value(
        {"files": kept_rows, "count": len(rows)} if only_kept else {"files": rows}
    )
    if not with_history:
        return PackedPage(stored=stored, kept=kept, count=len(rows), stored_kept=only_kept)
    history = upload_history(rows)
    summary = summarise_history(history)
    return PackedPage(
        stored=stored,
        kept=kept,
        count=len(rows),
        history=history,
        summary=summary,
        history_stored=encode_value(history_entry(history, summary)),
        stored_kept=only_kept,
    )


def read_page(
    get: Callable[..., requests.Response],
    url: str,
    parse_lock: AbstractContextManager[Any],
    *,
    read_timeout: float = DEFAULT_TIMEOUT[1],
) -> PageAnswer:
    """GET one project page with ``get`` and parse it into file rows.

    ``get(url, headers=...)`` sends the request (timeouts and TLS verification are its
    business; ``read_timeout`` is the one it uses, for the message of a timeout).
    Parsing holds ``parse_lock``: it holds the interpreter lock anyway, and a big page
    is tens of megabytes of objects while it is being parsed.
    """
    try:
        resp = get(url, headers={"Accept": ACCEPT})
    except network_errors() as exc:
        return PageAnswer(kind=ERROR, message=describe(exc, timeout=read_timeout))
    elapsed_td = getattr(resp, "elapsed", None)
    elapsed = elapsed_td.total_seconds() if elapsed_td is not None else None
    if resp.status_code != 200:
        return PageAnswer(kind=STATUS, status=resp.status_code, elapsed=elapsed)
    try:
        ctype = resp.headers.get("Content-Type", "")
        with parse_lock:
            if "json" in ctype:
                # The bytes: JSON is UTF-8, and ``resp.text`` would first run a charset
                # guess over the whole body (the media type names none).
                rows = parse_json_page(resp.content, resp.url)
            else:
                rows = [f.to_row() for f in parse_html_page(resp.text, resp.url)]
    except ValueError as exc:
        return PageAnswer(kind=INVALID, message=str(exc), elapsed=elapsed)
    return PageAnswer(kind=ROWS, rows=rows, elapsed=elapsed)


def wheel_metadata_text(session: Getter, url: str, *, verify: bool) -> str | None:
    """A remote wheel's METADATA by range requests; None when there is none to read or
    the network failed (the caller then tries the next source)."""
    from auditor.index.lazy_wheel import read_wheel_member

    try:
        return read_wheel_member(session, url, "METADATA", verify=verify)
    except network_errors():
        return None


# -- the parent's side --------------------------------------------------------------------


class FetchProcess:
    """The parent's handle on the fetch processes: send a URL, wait for its answer.

    ``children`` processes (two on a machine with two cores or more: one was the
    bottleneck of a cold resolution, busy all along while the parent waited); each
    request goes to the one with the fewest unanswered. ``page`` and ``wheel_metadata``
    return None whenever no child can answer (not started yet, gone, or its pipe
    broken): the caller then reads it itself.
    """

    def __init__(
        self,
        keep: WheelFilter | None = None,
        argv: list[str] | None = None,
        *,
        children: int | None = None,
    ) -> None:
        #: the wheel filter the children apply to the rows they group (``PackedPage``)
        self.keep = keep
        self._argv = argv if argv is not None else child_command()
        self._lock = threading.Lock()
        self._next_id = 1
        count = children if children is not None else default_children()
        self.children = [_Child() for _ in range(max(1, count))]

    def start(self) -> bool:
        """Start the children (without waiting for them). False when none can start.

        Forked when that is safe (see ``can_fork``): a child then answers within
        milliseconds, with every module already loaded. Otherwise a new interpreter,
        which takes 0.15-0.5 s to import what it needs. Every child is forked before
        any thread of this object starts, so each fork is of a one-thread process."""
        fork = can_fork()
        started = [c for c in self.children if c.launch(self._argv, fork=fork)]
        parts = self.keep.parts() if self.keep is not None else None
        for child in started:
            child.begin([0, SETUP, parts])
        return bool(started)

    @property
    def ready(self) -> bool:
        """Some child has started and answers."""
        return any(c.ready for c in self.children)

    @property
    def answered(self) -> int:
        """Answers the children gave (not counting those handed back): for tests."""
        return sum(c.answered for c in self.children)

    def page(
        self, url: str, *, verify: bool, history: bool, urgent: bool = True
    ) -> PageAnswer | None:
        """The children's answer for a simple-API page (``read_page``, packed with the
        release history when ``history``), or None: then read it in process.

        ``urgent``: someone waits for it now (the resolver), not a fetch ahead; a child
        reads it before the fetches ahead it has queued."""
        return self._ask([PAGE, url, verify, history, urgent])

    def wheel_metadata(self, url: str, *, verify: bool, urgent: bool = True) -> PageAnswer | None:
        """The text of a remote wheel's METADATA (kind ``TEXT``; ``NONE`` when
        ``read_wheel_member`` found none, or the network failed), or None: then read it
        in process. ``urgent`` as for ``page``."""
        return self._ask([WHEEL_METADATA, url, verify, False, urgent])

    def _ask(self, request: list[Any]) -> PageAnswer | None:
        ready = [c for c in self.children if c.ready]
        if not ready:
            return None
        child = min(ready, key=lambda c: c.unanswered)
        with self._lock:
            ident = self._next_id
            self._next_id += 1
        answer = child.ask(ident, request)
        if answer is not None and answer.packed is not None:
            return dataclasses.replace(answer, kept_by=self.keep)
        return answer

    def close(self) -> None:
        """Stop the children: their stdin closes, they finish and exit; killed if they
        linger."""
        for child in self.children:
            child.close()


class _Child:
    """One fetch process: its pipe, its unanswered requests, the thread reading answers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._pending: dict[int, Future[PageAnswer | None]] = {}
        self._ready = threading.Event()
        self._dead = False
        self.proc: subprocess.Popen[bytes] | _Forked | None = None
        self.answered = 0
        self._last_answer = time.monotonic()  # of any frame from the child

    def launch(self, argv: list[str], *, fork: bool) -> bool:
        import subprocess

        try:
            if fork:
                self.proc = _Forked.start()
            else:
                # The command is this interpreter and a fixed module, never input.
                self.proc = subprocess.Popen(  # noqa: S603
                    argv,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    close_fds=True,
                )
        except OSError:
            self._dead = True
            return False
        return True

    def begin(self, setup: list[Any]) -> None:
        if self._send(setup):
            threading.Thread(target=self._read_answers, name="fetch-process", daemon=True).start()

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and not self._dead

    @property
    def unanswered(self) -> int:
        return len(self._pending)

    def ask(self, ident: int, request: list[Any]) -> PageAnswer | None:
        fut: Future[PageAnswer | None] = Future()
        with self._lock:
            if self._dead:
                return None
            self._pending[ident] = fut
        self._send([ident, *request])
        while True:
            try:
                return fut.result(timeout=ANSWER_WITHIN)
            except TimeoutError:
                # Queued behind slow requests is not stuck: a child that answered
                # anything lately is working. Silent for far beyond the HTTP stack's own
                # bounds, it is stuck: stopped, and its requests read in the parent.
                if time.monotonic() - self._last_answer < ANSWER_WITHIN:
                    continue
                self._stop()
                return None

    def _stop(self) -> None:
        proc = self.proc
        self._gone()
        if proc is not None:
            proc.kill()

    def _send(self, message: list[Any]) -> bool:
        frame = msgspec.msgpack.encode(message)
        proc = self.proc
        try:
            assert proc is not None and proc.stdin is not None
            with self._write_lock:
                proc.stdin.write(_HEADER.pack(len(frame)) + frame)
                proc.stdin.flush()
        except (OSError, ValueError, AssertionError):
            self._gone()
            return False
        return True

    def close(self) -> None:
        import subprocess

        proc = self.proc
        self._gone()
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()

    def _gone(self) -> None:
        with self._lock:
            self._dead = True
            pending, self._pending = self._pending, {}
        for fut in pending.values():
            if not fut.done():
                fut.set_result(None)

    def _read_answers(self) -> None:
        proc = self.proc
        assert proc is not None and proc.stdout is not None
        try:
            while True:
                frame = _read_frame(proc.stdout)
                if frame is None:
                    break
                self._last_answer = time.monotonic()
                message = _ANSWER.decode(frame)
                if message.ident == 0:
                    self._ready.set()
                    continue
                with self._lock:
                    fut = self._pending.pop(message.ident, None)
                if fut is None:
                    continue
                if message.kind == RETRY:
                    fut.set_result(None)
                    continue
                self.answered += 1
                fut.set_result(
                    PageAnswer(
                        kind=message.kind,
                        status=message.status,
                        message=message.message,
                        elapsed=message.elapsed,
                        packed=message.packed,
                    )
                )
        except (OSError, ValueError, msgspec.DecodeError, msgspec.ValidationError):
            pass
        finally:
            self._gone()


class _Answer(msgspec.Struct, array_like=True):
    """A frame from the child: [ident, kind, status, message, elapsed, packed]."""

    ident: int
    kind: str
    status: int | None = None
    message: str = ""
    elapsed: float | None = None
    packed: PackedPage | None = None


_ANSWER = msgspec.msgpack.Decoder(_Answer)


def default_children() -> int:
    """Fetch processes for this machine: two with two cores or more, else one."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return 2 if cores >= 2 else 1


def can_fork() -> bool:
    """May the child be forked from this process? Only on Linux (macOS's system
    libraries do not survive a fork), and only while this is the process's one thread:
    a fork copies the locks other threads hold, never to be released in the child."""
    return sys.platform == "linux" and hasattr(os, "fork") and threading.active_count() == 1


class _Forked:
    """A forked child, with the part of ``subprocess.Popen``'s interface used here."""

    def __init__(self, pid: int, stdin: IO[bytes], stdout: IO[bytes]) -> None:
        self.pid = pid
        self.stdin: IO[bytes] | None = stdin
        self.stdout: IO[bytes] | None = stdout
        self.returncode: int | None = None

    @classmethod
    def start(cls) -> _Forked:
        to_child, from_parent = os.pipe()[::-1]
        try:
            from_child, to_parent = os.pipe()
        except OSError:
            os.close(to_child)
            os.close(from_parent)
            raise
        try:
            pid = os.fork()
        except OSError:
            for fd in (to_child, from_parent, from_child, to_parent):
                os.close(fd)
            raise
        if pid == 0:  # the child: never returns
            try:
                # Only this child's own pipes stay open: a copy of another child's pipe
                # (or of the parent's cache) kept here would keep it from its end of file.
                for fd in map(int, os.listdir("/proc/self/fd")):
                    if fd > 2 and fd not in (from_parent, to_parent):
                        with contextlib.suppress(OSError):
                            os.close(fd)
                quiet = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):  # nothing read from or shown on the parent's terminal
                    os.dup2(quiet, fd)
                serve(os.fdopen(from_parent, "rb"), os.fdopen(to_parent, "wb"))
            finally:
                os._exit(0)  # never the parent's exit handlers (its cache, its output)
        os.close(from_parent)
        os.close(to_parent)
        return cls(pid, os.fdopen(to_child, "wb"), os.fdopen(from_child, "rb"))

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                pid, status = self.pid, 0
            if pid == self.pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        import subprocess

        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("fetch process", timeout or 0.0)
            time.sleep(0.005)
        return code

    def kill(self) -> None:
        import signal

        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)


def child_command() -> list[str]:
    """The child's command line: this interpreter, isolated (``-I``: no working
    directory, no ``PYTHON*`` variables, no user site), importing from exactly the
    parent's path, this package's folder first. A checkout under audit, the working
    directory, may hold a module of any name; and a parent run isolated stays so."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = [root, *(p for p in sys.path if p and p != root)]
    code = (
        "import json, sys; sys.path[:] = json.loads(sys.argv[1]); "
        "from auditor.index.fetch_process import serve; serve()"
    )
    return [sys.executable, "-I", "-c", code, json.dumps(path)]


def _read_frame(stream: IO[bytes]) -> bytes | None:
    head = _read_exactly(stream, _HEADER.size)
    if head is None:
        return None
    (size,) = _HEADER.unpack(head)
    if size > MAX_FRAME:
        raise ValueError("frame too large")
    return _read_exactly(stream, size)


def _read_exactly(stream: IO[bytes], size: int) -> bytes | None:
    data = stream.read(size)
    if data is None or len(data) < size:
        return None
    return data


# -- the child's side ---------------------------------------------------------------------


class _PriorityLock:
    """A lock that waiting urgent holders take before waiting others (page parsing in
    the child: the page the resolver waits for goes before the pages fetched ahead)."""

    def __init__(self) -> None:
        self._turns = threading.Condition()
        self._held = False
        self._urgent_waiting = 0

    @contextlib.contextmanager
    def hold(self, *, urgent: bool) -> Iterator[None]:
        with self._turns:
            if urgent:
                self._urgent_waiting += 1
            while self._held or (not urgent and self._urgent_waiting):
                self._turns.wait()
            if urgent:
                self._urgent_waiting -= 1
            self._held = True
        try:
            yield
        finally:
            with self._turns:
                self._held = False
                self._turns.notify_all()


def serve(stdin: IO[bytes] | None = None, out: IO[bytes] | None = None) -> None:
    """The child's main loop: a URL in, an answer out, until ``stdin`` closes.

    A spawned child talks over its standard input and output; a forked one over the
    pipes it is given."""
    import gc
    from concurrent.futures import ThreadPoolExecutor

    from auditor.index.http import QuickGet, make_session

    gc.freeze()  # a forked child's inherited objects are the parent's: never scanned
    gc.set_threshold(50_000, 20, 100)  # as the CLI: pages are many small objects
    if out is None:
        out = os.fdopen(os.dup(1), "wb")
        os.dup2(2, 1)  # anything printed by accident goes to stderr (discarded), not the pipe
    if stdin is None:
        stdin = sys.stdin.buffer
    session = QuickGet(make_session())
    parse_lock = _PriorityLock()
    write_lock = threading.Lock()
    encoder = msgspec.msgpack.Encoder()
    keep: list[WheelFilter | None] = [None]

    def send(answer: list[Any]) -> None:
        write(encoder.encode(answer))

    def write(frame: bytes) -> None:
        with write_lock:
            out.write(_HEADER.pack(len(frame)) + frame)
            out.flush()

    def get(verify: bool) -> Callable[..., requests.Response]:
        return lambda u, **kw: session.get(u, timeout=DEFAULT_TIMEOUT, verify=verify, **kw)

    def answer(ident: int, op: str, url: str, verify: bool, history: bool, urgent: bool) -> None:
        reply: list[Any]
        try:
            if op == PAGE:
                page = read_page(get(verify), url, parse_lock.hold(urgent=urgent))
                packed = None
                if page.rows is not None:
                    packed = pack_page(page.rows, keep[0], with_history=history)
                reply = [ident, page.kind, page.status, page.message, page.elapsed, packed]
            elif op == WHEEL_METADATA:
                text = wheel_metadata_text(session, url, verify=verify)
                reply = [ident, NONE] if text is None else [ident, TEXT, None, text]
            else:
                reply = [ident, RETRY]
        except Exception:  # anything unforeseen: the parent reads this itself
            reply = [ident, RETRY]
        try:
            # Encoded here, apart from writing: an answer msgpack cannot carry (a size
            # beyond 64 bits, a lone surrogate) goes back as RETRY at once. The parent
            # then reads it itself, rather than waiting for an answer that never comes.
            frame = encoder.encode(reply)
            if len(frame) > MAX_FRAME:
                frame = encoder.encode([ident, RETRY])
        except Exception:
            frame = encoder.encode([ident, RETRY])
        try:
            write(frame)
        except (OSError, ValueError):
            os._exit(0)  # the pipe is closed: the parent is gone

    # Separate threads for what the resolver waits on: never queued behind fetches ahead.
    urgent_pool = ThreadPoolExecutor(max_workers=URGENT_THREADS, thread_name_prefix="urgent")
    with (
        urgent_pool,
        ThreadPoolExecutor(max_workers=CHILD_THREADS, thread_name_prefix="fetch") as pool,
    ):
        while True:
            try:
                frame = _read_frame(stdin)
            except ValueError:
                break
            if frame is None:
                break
            message = msgspec.msgpack.decode(frame)
            if message[0] == 0:  # [0, SETUP, wheel filter parts or None]
                parts = message[2]
                keep[0] = WheelFilter(*parts) if parts is not None else None
                send([0, "ready"])
                continue
            ident, op, url, verify, history, urgent = message
            (urgent_pool if urgent else pool).submit(
                answer, int(ident), str(op), str(url), bool(verify), bool(history), bool(urgent)
            )
