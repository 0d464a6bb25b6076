"""Rows are stored behind the caller: read back at once, on disk once closed, never lost."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from auditor.cache import Cache


def _on_disk(path: Path, key: str) -> str | None:
    with sqlite3.connect(path) as conn:
        try:
            row = conn.execute("select value from entries where key = ?", (key,)).fetchone()
        except sqlite3.OperationalError:  # no table yet: a new database's writer makes it
            return None
    return None if row is None else str(row[0])


def _hold_the_writer(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """The writer thread stores nothing until the returned event is set."""
    go = threading.Event()
    store = Cache._store

    def held(
        conn: sqlite3.Connection, *, batch: dict[tuple[str, str], tuple[str, float, float | None]]
    ) -> None:
        go.wait(30)
        store(conn, batch=batch)

    monkeypatch.setattr(Cache, "_store", staticmethod(held))
    return go


def test_a_queued_row_reads_back_at_once_and_is_on_disk_after_close(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    cache = Cache(path)
    cache.put("ns", "k", {"v": 1}, ttl=None)
    assert cache.get("ns", "k") == {"v": 1}  # from the queue, or the disk: the same answer
    cache.close()
    assert _on_disk(path, "k") == '{"v":1}'
    assert Cache(path).get("ns", "k") == {"v": 1}


def test_a_row_waiting_to_be_stored_is_served_from_the_queue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.sqlite3"
    go = _hold_the_writer(monkeypatch)
    cache = Cache(path)
    cache.put("ns", "k", {"v": 1}, ttl=None)
    assert _on_disk(path, "k") is None  # the writer is held: not stored yet
    assert cache.get("ns", "k") == {"v": 1}
    go.set()
    cache.close()
    assert _on_disk(path, "k") == '{"v":1}'


def test_a_queued_row_keeps_its_time_to_live(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c.sqlite3")
    try:
        cache.put("ns", "gone", {"v": 1}, ttl=-1.0)  # already expired
        assert cache.get("ns", "gone") is None
        assert cache.get("ns", "gone", allow_expired=True) == {"v": 1}
    finally:
        cache.close()


def test_the_last_value_put_wins(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    cache = Cache(path)
    for n in range(200):
        cache.put("ns", "k", {"n": n}, ttl=None)
    assert cache.get("ns", "k") == {"n": 199}
    cache.close()
    assert Cache(path).get("ns", "k") == {"n": 199}


def test_rows_from_many_threads_are_all_stored(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    cache = Cache(path)

    def write(worker: int) -> None:
        for n in range(50):
            cache.put("ns", f"{worker}-{n}", [worker, n], ttl=None)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cache.close()
    with sqlite3.connect(path) as conn:
        (count,) = conn.execute("select count(*) from entries").fetchone()
    assert count == 8 * 50
    assert not cache.warnings


def test_a_program_that_never_closes_its_cache_still_stores_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    code = (
        "import sys; from pathlib import Path; from auditor.cache import Cache\n"
        "c = Cache(Path(sys.argv[1]))\n"
        "for n in range(300): c.put('ns', f'k{n}', {'n': n, 'pad': 'x' * 2000}, ttl=None)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, timeout=60)
    with sqlite3.connect(path) as conn:
        (count,) = conn.execute("select count(*) from entries").fetchone()
    assert count == 300


@pytest.mark.parametrize("error", [sqlite3.OperationalError("disk I/O error"), RuntimeError("x")])
def test_a_failing_writer_turns_the_cache_off_with_a_warning_and_never_hangs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    def broken(conn: sqlite3.Connection, *, batch: object) -> None:
        raise error

    monkeypatch.setattr(Cache, "_store", staticmethod(broken))
    cache = Cache(tmp_path / "c.sqlite3")
    cache.put("ns", "k", {"v": 1}, ttl=None)
    done = threading.Event()
    closer = threading.Thread(target=lambda: (cache.close(), done.set()), daemon=True)
    closer.start()
    assert done.wait(30), "close() hung on a writer that failed"
    assert not cache.enabled
    assert len(cache.warnings) == 1 and "continuing without it" in cache.warnings[0]
    assert cache.get("ns", "k") is None  # a row that could not be stored is not served
    cache.put("ns", "k2", {"v": 2}, ttl=None)  # off: ignored, no new writer
    assert cache.get("ns", "k2") is None


def test_holding_names_the_live_rows_queued_or_stored_without_reading_them(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.sqlite3"
    cache = Cache(path)
    for n in range(1200):  # more than one query's worth of keys
        cache.put("ns", f"k{n}", n, ttl=None)
    cache.put("ns", "old", 1, ttl=-1.0)
    cache.put("other", "k5", 1, ttl=None)
    asked = [f"k{n}" for n in range(0, 1300, 2)] + ["old", "absent"]
    want = {f"k{n}" for n in range(0, 1200, 2)}
    assert cache.holding("ns", asked) == want  # some still queued: the same answer
    assert cache.holding("ns", ["old"], allow_expired=True) == {"old"}
    cache.close()
    stored = Cache(path)
    assert stored.holding("ns", asked) == want
    assert Cache(path, refresh=True).holding("ns", asked) == set()


def test_a_cache_opened_later_reads_what_another_has_queued(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.sqlite3"
    go = _hold_the_writer(monkeypatch)
    first = Cache(path)
    first.put("ns", "k", {"v": 1}, ttl=None)
    threading.Timer(0.5, go.set).start()  # the writer is slow: stored half a second later
    later = Cache(path)
    assert later.get("ns", "k") == {"v": 1}
    first.close()
    later.close()


def test_an_idle_writer_leaves_and_the_next_put_starts_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("auditor.cache.WRITER_IDLE", 0.05)
    path = tmp_path / "c.sqlite3"
    cache = Cache(path)  # never closed until the end: its writer must not stay for good
    cache.put("ns", "a", 1, ttl=None)
    cache.flush()
    writer = cache._writer
    assert writer is not None or _on_disk(path, "a") == "1"
    if writer is not None:
        writer.join(10)
        assert not writer.is_alive()
    assert cache._writer is None
    cache.put("ns", "b", 2, ttl=None)  # a new writer
    cache.close()
    assert _on_disk(path, "a") == "1" and _on_disk(path, "b") == "2"


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("select name from sqlite_master")}


def test_a_new_database_gets_its_tables_from_the_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Creating the tables (sqlite-utils loaded, 50 ms) is off a cold run's first steps."""
    path = tmp_path / "new" / "c.sqlite3"
    go = _hold_the_writer(monkeypatch)
    cache = Cache(path)
    assert "entries" not in _tables(path)  # opened, not migrated
    assert cache.get("ns", "never") is None and cache.enabled
    cache.put("ns", "k", {"v": 1}, ttl=None)
    assert cache.get("ns", "k") == {"v": 1}
    go.set()
    cache.close()
    assert {"entries", "_migrations"} <= _tables(path)
    assert _on_disk(path, "k") == '{"v":1}'
    assert not cache.warnings


def test_a_new_database_never_written_is_migrated_by_the_next_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import auditor.cache as cache_module

    path = tmp_path / "c.sqlite3"
    Cache(path).close()  # made, nothing put: no tables
    monkeypatch.setattr(cache_module, "_FRESH", {})  # as another process finds it
    later = Cache(path)
    assert {"entries", "_migrations"} <= _tables(path)
    later.put("ns", "k", 2, ttl=None)
    later.close()
    assert Cache(path).get("ns", "k") == 2 and not later.warnings


def test_a_key_put_before_the_tables_exist_is_a_miss_for_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another cache of the process (or another thread) asking for a key just put, while
    the writer has not made the tables yet, gets a miss: never a query on a missing
    table, which would turn its cache off."""
    go = threading.Event()
    late = Cache._migrate_late

    def held(self: Cache) -> None:
        go.wait(30)
        late(self)

    monkeypatch.setattr(Cache, "_migrate_late", held)
    path = tmp_path / "new" / "c.sqlite3"
    first, second = Cache(path), Cache(path)
    first.put("ns", "k", {"v": 1}, ttl=None)
    assert second.get("ns", "k") is None
    assert second.get_many("ns", ["k"]) == {} and second.life_left("ns", "k") is None
    assert second.enabled and not second.warnings
    go.set()
    first.flush()
    assert second.get("ns", "k") == {"v": 1}  # stored now: found
    first.close()
    second.close()
