"""``Cache.get_many`` answers what one ``get`` per key answers, in one query per chunk;
``Cache.life_left`` says how long a row has left."""

from __future__ import annotations

import math
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

import auditor.cache as cache_module
from auditor.cache import Cache
from tests.core.test_cache_writer import _hold_the_writer


def _there_before(path: Path, **kw: Any) -> Cache:
    """A cache whose database was there before this process (rows written straight into
    it, as another process or version would, are then read: see ``cache._FRESH``)."""
    if not path.exists():
        sqlite3.connect(path).close()
    return Cache(path, **kw)


class Pair(msgspec.Struct):
    a: int
    b: str


def _raw(cache: Cache, key: str, value: str, expires_at: float | None) -> None:
    """A row written straight into the database (another process, another version)."""
    cache.flush()
    with cache._connection() as conn:
        conn.execute(
            "insert or replace into entries(namespace, key, value, stored_at, expires_at)"
            " values ('ns', ?, ?, 0, ?)",
            (key, value, expires_at),
        )


def _singles(cache: Cache, keys: list[str], **kw: Any) -> dict[str, Any]:
    out = {}
    for key in keys:
        got = cache.get("ns", key, **kw)
        if got is not None:
            out[key] = got
    return out


@pytest.fixture
def filled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cache]:
    cache = _there_before(tmp_path / "c.sqlite3")
    _raw(cache, "fresh", '{"a": 1, "b": "x"}', None)
    _raw(cache, "later", '{"a": 2, "b": "y"}', time.time() + 3600)
    _raw(cache, "expired", '{"a": 3, "b": "z"}', time.time() - 10)
    _raw(cache, "wrong", '{"a": "no", "b": 1}', None)
    _raw(cache, "garbage", "not json", None)
    _raw(cache, "nan", '{"a": 5, "b": "w", "c": NaN}', None)  # the standard library's
    go = _hold_the_writer(monkeypatch)
    cache.put("ns", "queued", {"a": 6, "b": "q"}, ttl=60)  # still in the writer's queue
    cache.put("ns", "later", {"a": 7, "b": "new"}, ttl=60)  # queued over a stored row
    yield cache
    go.set()
    cache.close()


KEYS = ["fresh", "later", "expired", "wrong", "garbage", "nan", "queued", "absent"]


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"allow_expired": True},
        {"schema": Pair},
        {"schema": Pair, "allow_expired": True},
        {"valid": lambda v: isinstance(v["a"], int)},
    ],
)
def test_get_many_answers_what_single_gets_answer(filled: Cache, kw: dict[str, Any]) -> None:
    with filled._lock:
        assert ("ns", "queued") in filled._pending  # the queue is what is being read
    many = filled.get_many("ns", KEYS, **kw)
    warnings = list(filled.warnings)
    filled._damaged_seen.clear()
    filled.warnings.clear()
    assert many == _singles(filled, KEYS, **kw)
    assert warnings == filled.warnings  # the same damage reported the same way
    assert many["later"] == ({"a": 7, "b": "new"} if "schema" not in kw else Pair(7, "new"))
    assert "expired" in many if kw.get("allow_expired") else "expired" not in many
    assert "absent" not in many and "garbage" not in many


def test_get_many_after_the_queue_is_written(tmp_path: Path) -> None:
    cache = _there_before(tmp_path / "c.sqlite3")
    _raw(cache, "old", '{"a": 1, "b": "x"}', None)
    cache.put("ns", "new", {"a": 2, "b": "y"}, ttl=60)
    cache.flush()
    with cache._lock:
        assert not cache._pending
    assert cache.get_many("ns", ["old", "new"], schema=Pair) == {
        "old": Pair(1, "x"),
        "new": Pair(2, "y"),
    }
    cache.close()


def test_get_many_reads_in_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = _there_before(tmp_path / "c.sqlite3")
    for i in range(1203):
        cache.put("ns", f"k{i}", i, ttl=None)
    cache.put("other", "k1", "not mine", ttl=None)
    cache.flush()
    queries: list[int] = []
    real = cache_module._fetch_all

    def counting(conn: sqlite3.Connection, *, query: str, params: tuple[str, ...]) -> list[Any]:
        queries.append(len(params) - 1)
        return real(conn, query=query, params=params)

    monkeypatch.setattr(cache_module, "_fetch_all", counting)
    keys = [f"k{i}" for i in range(1210)] + ["k1"]  # some absent, one asked twice
    got = cache.get_many("ns", keys)
    assert got == {f"k{i}": i for i in range(1203)}
    assert queries == [500, 500, 210]
    cache.close()


def test_get_many_of_nothing_a_refresh_or_no_cache(tmp_path: Path) -> None:
    cache = _there_before(tmp_path / "c.sqlite3")
    cache.put("ns", "k", 1, ttl=None)
    assert cache.get_many("ns", []) == {}
    assert cache.get_many("ns", ["k"]) == {"k": 1}
    cache.close()
    refreshing = _there_before(tmp_path / "c.sqlite3", refresh=True)
    assert refreshing.get_many("ns", ["k"]) == {}
    assert refreshing.get_many("ns", ["k"], allow_expired=True) == {"k": 1}
    refreshing.close()
    assert Cache(None).get_many("ns", ["k"]) == {}


def test_life_left(tmp_path: Path) -> None:
    cache = _there_before(tmp_path / "c.sqlite3")
    cache.put("ns", "kept", 1, ttl=None)
    cache.put("ns", "hour", 1, ttl=3600)
    assert cache.life_left("ns", "kept") == math.inf
    left = cache.life_left("ns", "hour")
    assert left is not None and 3500 < left <= 3600  # from the queue
    cache.flush()
    stored = cache.life_left("ns", "hour")
    assert stored is not None and 3500 < stored <= 3600  # from the database
    _raw(cache, "gone", "1", time.time() - 5)
    gone = cache.life_left("ns", "gone")
    assert gone is not None and gone < 0
    assert cache.life_left("ns", "absent") is None
    cache.close()
    assert Cache(None).life_left("ns", "kept") is None


def _selects(cache: Cache) -> list[str]:
    """The SELECTs this thread's connection to the cache runs from now on."""
    seen: list[str] = []
    cache._connection().set_trace_callback(
        lambda sql: seen.append(sql) if sql.lstrip().lower().startswith("select") else None
    )
    return seen


def test_a_database_this_process_made_is_asked_only_for_what_was_put(tmp_path: Path) -> None:
    path = tmp_path / "new" / "c.sqlite3"
    cache = Cache(path)
    cache.put("ns", "here", {"a": 1}, ttl=None)
    cache.flush()  # on disk, not in the queue
    selects = _selects(cache)
    assert cache.get("ns", "never") is None
    assert cache.get_many("ns", ["never", "nor"]) == {}
    assert cache.holding("ns", ["never"]) == set()
    assert cache.stored_times("ns", ["never"]) == {}
    assert cache.life_left("ns", "never") is None
    assert selects == []  # a cold run's misses cost no query
    assert cache.get("ns", "here") == {"a": 1}
    assert cache.get_many("ns", ["here", "never"]) == {"here": {"a": 1}}
    assert len(selects) == 2
    # Another cache of this process on the same database sees what the first put.
    other = Cache(path)
    other.put("ns", "second", 2, ttl=None)
    other.flush()
    assert Cache(path).get("ns", "here") == {"a": 1}
    assert cache.get("ns", "second") == 2
    cache.close()
    other.close()


def test_a_database_that_was_there_before_is_asked_for_any_key(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    _there_before(path).close()
    with sqlite3.connect(path) as conn:  # written by another process
        conn.execute(
            "insert into entries(namespace, key, value, stored_at, expires_at)"
            " values ('ns', 'theirs', '5', 0, null)"
        )
    cache = Cache(path)
    selects = _selects(cache)
    assert cache.get("ns", "theirs") == 5
    assert cache.get("ns", "never") is None
    assert len(selects) == 2
    cache.close()
