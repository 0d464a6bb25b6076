"""The on-disk cache: one SQLite database through sqlite-utils.

Why SQLite: two audits running at once (a laptop and a pre-commit hook) must share it
safely, which WAL mode gives (and idempotent migrations, for two first runs at once); a
crash mid-write must not leave half a value, which a transaction gives. The cache is an
optimisation, never a requirement: if the database is corrupt, locked or unwritable, the
cache turns itself off and records a warning, and the audit goes on from the network. A
row of the wrong shape (another version wrote it) is a warning and a refetch.

Values are JSON, written and read by msgspec (the simple-API rows of a big project are
megabytes: the standard library took most of a warm run decoding them), with the
standard library as the reader of last resort for rows it wrote. ``ttl=None`` marks
immutable data (a release's metadata) that is kept for good; project-level data carries
a time to live and is refetched once it expires.
"""

from __future__ import annotations

import atexit
import functools
import json
import math
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    import sqlite_utils


# Named migrations, applied in order and recorded in the ``_migrations`` table, so a newer
# version of the tool can change the schema of an existing cache without wiping it.
def _create_entries(db: sqlite_utils.Database) -> None:
    db.table("entries").create(
        {
            "namespace": str,
            "key": str,
            "value": str,
            "stored_at": float,
            "expires_at": float,
        },
        pk=("namespace", "key"),
        not_null={"value", "stored_at"},
        if_not_exists=True,
    )


MIGRATIONS: tuple[tuple[str, Callable[[sqlite_utils.Database], None]], ...] = (
    ("0001_entries", _create_entries),
)


OPEN_WAIT = 15.0  # seconds a first open waits for another process creating the same cache
WRITER_IDLE = 2.0  # seconds the writer thread waits for more rows before it leaves
_DAMAGED = object()


def _check(valid: Callable[[Any], bool], data: Any) -> bool:
    """A shape check that raises on a surprising value says "invalid", never crashes."""
    try:
        return bool(valid(data))
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        return False


# Caches whose writer may still hold rows: stored before the interpreter exits, for a
# caller that never closed its cache (the writer is a daemon thread, so it cannot keep
# a finished program alive; atexit runs while daemon threads still do).
_WITH_WRITER: weakref.WeakSet[Cache] = weakref.WeakSet()


@atexit.register
def _store_before_exit() -> None:
    for cache in list(_WITH_WRITER):
        cache.close()


# Databases this process created, and the keys any of its caches put into each since.
# Every other key of such a database is a miss without asking SQLite: a cold run asks
# for hundreds of rows that cannot be there, each a query the resolver waited for
# (0.6 ms apiece on its thread, the interpreter lock included). Another process writing
# into the same new database meanwhile is only missed: a refetch, never a wrong value.
class _New:
    """A database this process created: the keys its caches put since, and whether its
    tables exist yet (a writer makes them before it stores the first rows; until then
    nothing can be in it, and asking would fail on the missing table)."""

    __slots__ = ("keys", "tables")

    def __init__(self) -> None:
        self.keys: set[tuple[str, str]] = set()
        self.tables = False


_FRESH: dict[Path, _New] = {}
_FRESH_LOCK = threading.Lock()


def _waiting_out(step: Callable[[], None], *, between: Callable[[], None] | None = None) -> None:
    """Run ``step``, retrying for a bounded time while another process holds the
    database locked (``between`` runs before each retry).

    Turning a fresh database to WAL, or migrating it, takes a lock that SQLite's busy
    timeout does not wait for: a second audit starting at the same moment gets
    "database is locked" at once. That is a wait, not a failure.
    """
    deadline = time.monotonic() + OPEN_WAIT
    pause = 0.02
    while True:
        try:
            step()
            return
        except sqlite3.OperationalError as exc:
            waiting = "locked" in str(exc) or "busy" in str(exc)
            if not waiting or time.monotonic() + pause > deadline:
                raise
            if between is not None:
                between()
            time.sleep(pause)
            pause = min(pause * 2, 0.5)


_DECODER = msgspec.json.Decoder()
_ENCODER = msgspec.json.Encoder(order="sorted")


def _decode(value: Any) -> Any:
    """The stored JSON as Python values, ``_DAMAGED`` when it is not JSON.

    The standard library is tried when msgspec refuses: it also reads the ``NaN`` and
    ``Infinity`` tokens that its own encoder wrote into caches made by earlier versions.
    """
    try:
        return _DECODER.decode(value)
    except (msgspec.DecodeError, TypeError):
        pass
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return _DAMAGED


_TYPED: dict[Any, msgspec.json.Decoder[Any]] = {}


def _decode_typed(value: Any, schema: Any) -> Any:
    """The stored JSON decoded and checked against ``schema`` in one pass (msgspec, in C),
    ``_DAMAGED`` when it is not JSON or not of that shape."""
    decoder = _TYPED.get(schema)
    if decoder is None:
        decoder = _TYPED.setdefault(schema, msgspec.json.Decoder(schema))
    try:
        return decoder.decode(value)
    except msgspec.ValidationError:
        return _DAMAGED
    except (msgspec.DecodeError, TypeError):
        pass
    data = _decode(value)  # a row with NaN or Infinity, written by the standard library
    if data is _DAMAGED:
        return data
    try:
        return msgspec.convert(data, schema)
    except msgspec.ValidationError:
        return _DAMAGED


def _live(expires_at: float | None, now: float, allow_expired: bool) -> bool:
    """A row counts unless it has expired and the caller does not take expired rows."""
    return allow_expired or expires_at is None or expires_at >= now


def _fetch_all(conn: sqlite3.Connection, *, query: str, params: tuple[str, ...]) -> list[Any]:
    return conn.execute(query, params).fetchall()


def encode_value(value: Any) -> str:
    """A row's value as the cache stores it: compact JSON with sorted keys (what
    ``json.dumps(..., sort_keys=True)`` wrote). ``put_encoded`` takes its result."""
    try:
        return _ENCODER.encode(value).decode()
    except (msgspec.EncodeError, TypeError, UnicodeEncodeError):
        # UnicodeEncodeError: a lone surrogate (an index's "\ud800"), which only
        # escaped JSON (the standard library's default) can store.
        return json.dumps(value, separators=(",", ":"), sort_keys=True)


class Cache:
    """A namespaced key/value store with per-entry expiry.

    Thread-safe: one connection per thread, because sqlite3 connections must not be
    shared across threads and the index client fetches concurrently.
    """

    def __init__(self, path: Path | None, *, refresh: bool = False) -> None:
        self.path = path
        self.refresh = refresh
        self.warnings: list[str] = []
        self._local = threading.local()
        self._lock = threading.Lock()
        self._disabled = path is None
        self._damaged_seen: set[str] = set()
        # Writes go behind: ``put`` queues the row and returns, and one writer thread
        # stores what has queued in one transaction. A cold resolution writes tens of
        # megabytes of simple-API rows from 16 fetching threads; queued on a lock, the
        # fetchers and the resolver spent a third of their time waiting for each other's
        # commits (each one also waiting for the GIL). A queued row is read back from
        # the queue, so the cache answers the same as if it had been written at once;
        # ``flush`` and ``close`` wait until everything is on disk.
        self._pending: dict[tuple[str, str], tuple[str, float, float | None]] = {}
        self._changed = threading.Condition(self._lock)
        self._writer: threading.Thread | None = None
        self._writing = False
        self._stopping = False
        #: the keys put since this process created the database (see ``_FRESH``), or
        #: None: the database was there before, and any key may be in it
        self._fresh: _New | None = None
        if path is not None:
            # Rows another cache of this process has queued for the same database are
            # stored first: a cache opened after a put reads what was put, as it did
            # when puts were written at once.
            for other in list(_WITH_WRITER):
                if other is not self and other.path == path:
                    other.flush()
            self._open()

    # -- public -------------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        return not self._disabled

    def get(
        self,
        namespace: str,
        key: str,
        *,
        allow_expired: bool = False,
        valid: Callable[[Any], bool] | None = None,
        schema: Any = None,
    ) -> Any | None:
        """The stored value, or None when absent, expired (unless allowed) or refreshing.

        ``valid`` checks the value's shape: a row written by another version of the tool,
        or damaged on disk, can be valid JSON of the wrong shape (``schema``, a type msgspec
        decodes into, checks the shape while decoding, much faster). Such a value is reported
        once per namespace as a warning and treated as absent, so the caller refetches and
        overwrites it instead of failing on it.
        """
        found = self.get_stamped(
            namespace, key, allow_expired=allow_expired, valid=valid, schema=schema
        )
        return None if found is None else found[0]

    def get_stamped(
        self,
        namespace: str,
        key: str,
        *,
        allow_expired: bool = False,
        valid: Callable[[Any], bool] | None = None,
        schema: Any = None,
    ) -> tuple[Any, float, float | None] | None:
        """``get``, with the row's ``stored_at`` and ``expires_at`` read in the same query:
        what a caller needs to tie a value it derives to this very row (``stored_times``)."""
        if self._disabled or (self.refresh and not allow_expired):
            return None
        with self._lock:
            queued = self._pending.get((namespace, key))
        row = (
            queued
            if queued is not None
            else None
            if not self._may_hold(namespace, [key])
            else self._guard(
                lambda conn: conn.execute(
                    "select value, stored_at, expires_at from entries"
                    " where namespace = ? and key = ?",
                    (namespace, key),
                ).fetchone()
            )
        )
        if not row:
            return None
        value, stored_at, expires_at = row
        if not _live(expires_at, time.time(), allow_expired):
            return None
        data = self._read(namespace, key, value, valid, schema)
        return None if data is None else (data, float(stored_at), expires_at)

    def _read(
        self,
        namespace: str,
        key: str,
        value: Any,
        valid: Callable[[Any], bool] | None,
        schema: Any,
    ) -> Any | None:
        """A stored value decoded and checked; a damaged one is a warning and None."""
        data = _decode(value) if schema is None else _decode_typed(value, schema)
        if data is _DAMAGED or (valid is not None and not _check(valid, data)):
            self._damaged(namespace, key)
            return None
        return data

    def get_many(
        self,
        namespace: str,
        keys: Iterable[str],
        *,
        allow_expired: bool = False,
        valid: Callable[[Any], bool] | None = None,
        schema: Any = None,
    ) -> dict[str, Any]:
        """Key -> what ``get`` returns for it, for the keys it returns a value for.

        One query per 500 keys, for many small rows (a warm audit's release summaries and
        fetch markers: 2.7 -> 2.0 ms and 1.2 -> 0.6 ms for 239). Big rows gain nothing:
        239 project documents (4.5 MB) took longer in one query than in 239. Rows queued
        for writing answer first, as in ``get``.
        """
        wanted = list(dict.fromkeys(keys))
        if self._disabled or (self.refresh and not allow_expired) or not wanted:
            return {}
        rows: dict[str, tuple[str, float | None]] = {}
        with self._lock:
            for k in wanted:
                queued = self._pending.get((namespace, k))
                if queued is not None:
                    rows[k] = (queued[0], queued[2])
        stored = self._select_in(namespace, [k for k in wanted if k not in rows], "value")
        rows.update((k, (value, expires)) for k, value, expires in stored)
        now = time.time()
        out: dict[str, Any] = {}
        for k in wanted:  # in the caller's order, as single gets would have been made
            row = rows.get(k)
            if row is None or not _live(row[1], now, allow_expired):
                continue
            data = self._read(namespace, k, row[0], valid, schema)
            if data is not None:
                out[k] = data
        return out

    def holding(
        self, namespace: str, keys: Iterable[str], *, allow_expired: bool = False
    ) -> set[str]:
        """The keys ``get`` would find a row for (of any shape), without reading values:
        a caller deciding what to fetch need not decode what it will not use yet. One
        query per 500 keys (a query per key cost a warm audit 12 ms for 239)."""
        wanted = list(dict.fromkeys(keys))
        if self._disabled or (self.refresh and not allow_expired) or not wanted:
            return set()
        now = time.time()
        with self._lock:
            queued = {k for k in wanted if (namespace, k) in self._pending}
            found = {
                k for k in queued if _live(self._pending[(namespace, k)][2], now, allow_expired)
            }
        stored = self._select_in(namespace, [k for k in wanted if k not in queued])
        found.update(key for key, expires in stored if _live(expires, now, allow_expired))
        return found

    def _select_in(self, namespace: str, keys: list[str], *columns: str) -> list[Any]:
        """``(key, *columns, expires_at)`` of the stored rows among ``keys``, one query per
        500 keys (SQLite's variable limit is 999 on older builds)."""
        out: list[Any] = []
        keys = self._may_hold(namespace, keys)
        picked = "".join(f"{c}, " for c in columns)
        for at in range(0, len(keys), 500):
            chunk = keys[at : at + 500]
            query = (
                f"select key, {picked}expires_at from entries where namespace = ? and key in "
                f"({','.join('?' * len(chunk))})"
            )
            found = self._guard(
                functools.partial(_fetch_all, query=query, params=(namespace, *chunk))
            )
            out.extend(found or ())
        return out

    def stored_times(
        self, namespace: str, keys: Iterable[str], *, allow_expired: bool = False
    ) -> dict[str, float]:
        """Key -> ``stored_at`` of each row ``holding`` would find, without reading values:
        the identity of the row as written (a rewrite stores a new time), so a value
        derived from a big row can be checked against it without decoding the big row."""
        wanted = list(dict.fromkeys(keys))
        if self._disabled or (self.refresh and not allow_expired) or not wanted:
            return {}
        now = time.time()
        found: dict[str, float] = {}
        with self._lock:
            queued = {
                k: self._pending[(namespace, k)] for k in wanted if (namespace, k) in self._pending
            }
        for k, (_, stored_at, expires) in queued.items():
            if _live(expires, now, allow_expired):
                found[k] = stored_at
        asked = self._may_hold(namespace, [k for k in wanted if k not in queued])
        for at in range(0, len(asked), 500):
            chunk = asked[at : at + 500]
            if not chunk:
                continue
            query = (
                "select key, stored_at, expires_at from entries where namespace = ? and key in "
                f"({','.join('?' * len(chunk))})"
            )
            rows = self._guard(
                functools.partial(_fetch_all, query=query, params=(namespace, *chunk))
            )
            for key, stored_at, expires in rows or ():
                if _live(expires, now, allow_expired):
                    found[key] = float(stored_at)
        return found

    def life_left(self, namespace: str, key: str) -> float | None:
        """Seconds until the row expires (``math.inf`` for one kept for good, negative
        once expired), None when there is no row: for a caller that rewrites a row in a
        newer shape without making it live longer than it would have."""
        if self._disabled:
            return None
        with self._lock:
            queued = self._pending.get((namespace, key))
        row = (
            (queued[2],)
            if queued is not None
            else None
            if not self._may_hold(namespace, [key])
            else self._guard(
                lambda conn: conn.execute(
                    "select expires_at from entries where namespace = ? and key = ?",
                    (namespace, key),
                ).fetchone()
            )
        )
        if not row:
            return None
        return math.inf if row[0] is None else float(row[0]) - time.time()

    def put(
        self,
        namespace: str,
        key: str,
        value: Any,
        *,
        ttl: float | None,
        until: float | None = None,
    ) -> float | None:
        """Queue ``value`` for storing; ``ttl`` in seconds, None for immutable data;
        ``until``, a moment, instead of ``ttl``: for a row that must expire exactly with
        another (a time to live worked out from that row's expiry ends a few
        microseconds later, when it is added to the moment of this call).

        Returns the row's ``stored_at`` (what ``stored_times`` will answer for it), None
        when the cache is off and nothing is stored."""
        if self._disabled:
            return None
        return self._queue(namespace, key, encode_value(value), ttl, until)

    def _queue(
        self,
        namespace: str,
        key: str,
        payload: str,
        ttl: float | None,
        until: float | None = None,
    ) -> float | None:
        if self._disabled:
            return None
        now = time.time()
        expires = until if until is not None else None if ttl is None else now + ttl
        if self._fresh is not None:
            with _FRESH_LOCK:
                self._fresh.keys.add((namespace, key))
        with self._changed:
            if self._disabled:
                return None
            self._pending[(namespace, key)] = (payload, now, expires)
            if self._writer is None:
                self._writer = threading.Thread(
                    target=self._write_queued, name="auditor-cache-writer", daemon=True
                )
                self._writer.start()
                _WITH_WRITER.add(self)
            self._changed.notify_all()
        return now

    def put_encoded(
        self, namespace: str, key: str, payload: str, *, ttl: float | None
    ) -> float | None:
        """``put`` of a value already encoded by ``encode_value`` (elsewhere: the index
        client's fetch process packs a page's row while the parent resolves)."""
        return self._queue(namespace, key, payload, ttl)

    def flush(self) -> None:
        """Wait until every queued row is stored (or the cache has turned itself off)."""
        with self._changed:
            while (self._pending or self._writing) and self._writer is not None:
                self._changed.wait()

    def _write_queued(self) -> None:
        """The writer thread: store what has queued, one transaction at a time."""
        while True:
            with self._changed:
                idle = False
                while not self._pending and not self._stopping and not idle:
                    # An idle writer leaves (the next put starts another): a cache
                    # nobody closes must not keep a thread and a connection for good.
                    idle = not self._changed.wait(WRITER_IDLE)
                if not self._pending:  # stopping or idle, and nothing left to write
                    self._writer = None
                    self._stopping = False
                    self._changed.notify_all()
                    break
                batch = dict(self._pending)
                self._writing = True
            try:
                if self._tables_missing():
                    self._migrate_late()
                self._guard(functools.partial(self._store, batch=batch))
            except Exception as exc:  # a writer that died would leave flush waiting for good
                self._disable(f"the cache at {self.path} failed ({exc}); continuing without it")
            with self._changed:
                for name, row in batch.items():
                    if self._pending.get(name) is row:
                        del self._pending[name]
                if self._disabled:
                    self._pending.clear()
                self._writing = False
                self._changed.notify_all()
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()

    @staticmethod
    def _store(
        conn: sqlite3.Connection, *, batch: dict[tuple[str, str], tuple[str, float, float | None]]
    ) -> None:
        with conn:
            conn.executemany(
                "insert or replace into entries(namespace, key, value, stored_at,"
                " expires_at) values (?, ?, ?, ?, ?)",
                [(ns, key, *row) for (ns, key), row in batch.items()],
            )

    def _may_hold(self, namespace: str, keys: list[str]) -> list[str]:
        """The keys the database may hold: all of them, but in a database this process
        created, only those put since (see ``_FRESH``)."""
        if self._fresh is None:
            return keys
        with _FRESH_LOCK:
            if not self._fresh.tables:
                return []
            return [k for k in keys if (namespace, k) in self._fresh.keys]

    def _damaged(self, namespace: str, key: str) -> None:
        with self._lock:
            if namespace in self._damaged_seen:
                return
            self._damaged_seen.add(namespace)
            self.warnings.append(
                f"the cache at {self.path} held an entry of the wrong shape ({namespace} "
                f"{key!r}; written by another version, or damaged): refetched"
            )

    def close(self) -> None:
        """Store what is queued, stop the writer, then close this thread's connection."""
        with self._changed:
            writer = self._writer
            if writer is not None:
                self._stopping = True
                self._changed.notify_all()
        if writer is not None and writer is not threading.current_thread():
            writer.join()
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- internals ------------------------------------------------------------------------

    def _open(self) -> None:
        assert self.path is not None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with _FRESH_LOCK:
                created = _FRESH.get(self.path)
                if created is None and not self.path.exists():
                    created = _FRESH[self.path] = _New()
            # A database this process created is asked nothing before its first rows are
            # stored (see ``_FRESH``): the writer migrates it then, off the path of a cold
            # run's first steps (loading sqlite-utils and creating the tables: 50 ms).
            self._open_shared(migrate=created is None)
        except (OSError, sqlite3.Error) as exc:
            self._disable(f"cannot use the cache at {self.path} ({exc}); continuing without it")
            return
        self._fresh = created

    def _open_shared(self, *, migrate: bool = True) -> None:
        """Switch to WAL and migrate, waiting out another process doing the same
        (``_waiting_out``); a connection that met the lock is closed before the next try."""

        def open_and_migrate() -> None:
            conn = self._connection()
            if migrate:
                with self._lock:
                    self._migrate(conn)

        _waiting_out(open_and_migrate, between=self.close)

    def _migrate_late(self) -> None:
        """The writer's first store into a database this process created: migrate it
        first (see ``_open``), waiting out another process doing the same, as there."""
        _waiting_out(lambda: self._migrate(self._connection()))
        assert self._fresh is not None
        with _FRESH_LOCK:
            self._fresh.tables = True

    def _tables_missing(self) -> bool:
        """A database this process created whose tables no writer has made yet."""
        if self._fresh is None:
            return False
        with _FRESH_LOCK:
            return not self._fresh.tables

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            assert self.path is not None
            conn = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False)
            conn.execute("pragma journal_mode=wal")
            conn.execute("pragma synchronous=normal")
            self._local.conn = conn
        return conn

    @staticmethod
    def _migrate(conn: sqlite3.Connection) -> None:
        """Apply pending migrations; sqlite-utils is loaded only when one is pending."""
        try:
            done = {row[0] for row in conn.execute("select name from _migrations")}
        except sqlite3.OperationalError:
            done = set()
        if all(name in done for name, _ in MIGRATIONS):
            return
        import sqlite_utils

        # Two audits may open a fresh cache at the same moment: every step is idempotent
        # (IF NOT EXISTS, INSERT OR IGNORE), so the slower one finds the work done
        # instead of failing on "table already exists" and running without its cache.
        # No sqlite-utils plugins: whatever the environment has installed has no business
        # with this private database, and finding them (every installed distribution's
        # entry points scanned) was a third of a cold run's cache opening (33 of 100 ms).
        db = sqlite_utils.Database(conn, execute_plugins=False)
        db.table("_migrations").create(
            {"name": str, "applied_at": float}, pk="name", if_not_exists=True
        )
        for name, step in MIGRATIONS:
            if name in done:
                continue
            with db.conn:
                step(db)
                db.table("_migrations").insert(
                    {"name": name, "applied_at": time.time()}, ignore=True
                )

    def _guard(self, action: Callable[[sqlite3.Connection], Any]) -> Any:
        if self._disabled:
            return None
        try:
            return action(self._connection())
        except sqlite3.Error as exc:
            self._disable(f"the cache at {self.path} failed ({exc}); continuing without it")
            return None

    def _disable(self, message: str) -> None:
        with self._lock:
            if not self._disabled:
                self._disabled = True
                self.warnings.append(message)
