"""The cache under faults: two first runs at once, and rows of the wrong shape."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
from pathlib import Path

from auditor.cache import Cache


def _open_and_write(path: str, barrier: object, worker: int, out: object) -> None:
    barrier.wait()  # type: ignore[attr-defined]
    cache = Cache(Path(path))
    cache.put("ns", f"k{worker}", {"worker": worker}, ttl=None)
    out.put((worker, cache.enabled, list(cache.warnings)))  # type: ignore[attr-defined]


def test_two_processes_opening_a_fresh_cache_both_use_it(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    for attempt in range(4):  # several fresh databases: the race is not hit every time
        path = str(tmp_path / f"fresh{attempt}" / "cache.sqlite3")
        workers = 4
        barrier = ctx.Barrier(workers)
        out = ctx.Queue()
        procs = [
            ctx.Process(target=_open_and_write, args=(path, barrier, i, out))
            for i in range(workers)
        ]
        for p in procs:
            p.start()
        results = [out.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(timeout=60)
        assert all(enabled and not warnings for _, enabled, warnings in results), results
        cache = Cache(Path(path))
        assert [cache.get("ns", f"k{i}") for i in range(workers)] == [
            {"worker": i} for i in range(workers)
        ]


def test_wrong_shape_is_a_warning_and_a_miss(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c.sqlite3")
    cache.put("simple", "a", ["not", "a", "dict"], ttl=None)
    cache.put("simple", "b", {"files": []}, ttl=None)
    valid = lambda v: isinstance(v, dict) and isinstance(v["files"], list)  # noqa: E731
    assert cache.get("simple", "a", valid=valid) is None
    assert cache.get("simple", "b", valid=valid) == {"files": []}
    assert len(cache.warnings) == 1 and "wrong shape" in cache.warnings[0]
    assert cache.enabled  # one bad row does not turn the cache off


def test_undecodable_row_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    writer = Cache(path)
    writer.put("ns", "k", {"a": 1}, ttl=None)
    writer.close()  # rows are stored behind the caller: on disk once closed
    with sqlite3.connect(path) as conn:
        conn.execute("update entries set value = ? where key = 'k'", ("{broken",))
    cache = Cache(path)
    assert cache.get("ns", "k") is None
    assert cache.warnings and "wrong shape" in cache.warnings[0]
    assert json.loads(json.dumps(cache.warnings))  # plain strings


def test_no_sqlite_utils_plugin_runs_on_the_cache(tmp_path: Path) -> None:
    import sqlite_utils
    from sqlite_utils.plugins import pm

    class Recorder:
        """A sqlite-utils plugin, as one installed in the user's environment would be."""

        def __init__(self) -> None:
            self.connections: list[sqlite3.Connection] = []

        @sqlite_utils.hookimpl
        def prepare_connection(self, conn: sqlite3.Connection) -> None:
            self.connections.append(conn)

    recorder = plugin = Recorder()
    pm.register(plugin, name="test-recorder")
    try:
        cache = Cache(tmp_path / "fresh" / "cache.sqlite3")  # fresh: the migrations run
        cache.put("ns", "k", {"v": 1}, ttl=None)
        cache.flush()
        assert cache.get("ns", "k") == {"v": 1}
        sqlite_utils.Database(sqlite3.connect(":memory:"))  # the plugin is live: it runs here
        assert len(recorder.connections) == 1
    finally:
        pm.unregister(plugin)
