"""A cached row checked against a schema while it is decoded: right shape in, wrong shape
a warning and a miss (the caller refetches), exactly as the ``valid`` check was."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import msgspec
import pytest

from auditor.cache import Cache
from auditor.index.client import _history_from_entry, _HistoryEntry


def _there_before(path: Path, **kw: Any) -> Cache:
    """A cache whose database was there before this process (rows written straight into
    it, as another process or version would, are then read: see ``cache._FRESH``)."""
    if not path.exists():
        sqlite3.connect(path).close()
    return Cache(path, **kw)


def _raw(cache: Cache, value: str) -> None:
    cache.flush()  # a queued row would be stored over this one
    conn = cache._connection()
    with conn:
        conn.execute(
            "insert or replace into entries(namespace, key, value, stored_at, expires_at)"
            " values ('upload-times', 'k', ?, 0, null)",
            (value,),
        )


def test_a_history_row_decodes_into_its_versions(tmp_path: Path) -> None:
    cache = _there_before(tmp_path / "c.sqlite3")
    history = {"1.0": ("2024-01-01T00:00:00Z", False), "2.0": ("2025-01-01T00:00:00Z", True)}
    cache.put("upload-times", "k", {"versions": history}, ttl=None)
    got = cache.get("upload-times", "k", schema=_HistoryEntry)
    assert isinstance(got, _HistoryEntry)
    assert _history_from_entry(got) == history
    assert cache.warnings == []
    cache.put("upload-times", "k", {"versions": None}, ttl=None)
    assert _history_from_entry(cache.get("upload-times", "k", schema=_HistoryEntry)) is None


@pytest.mark.parametrize(
    "stored",
    [
        '{"versions": {"1.0": ["2024-01-01", 1]}}',  # yanked must be a bool
        '{"versions": {"1.0": ["2024-01-01", false, 3]}}',
        '{"versions": {"1.0": "2024-01-01"}}',
        '{"versions": []}',
        '{"other": 1}',
        "[1, 2]",
        "not json",
    ],
)
def test_a_row_of_another_shape_is_a_miss_and_a_warning(tmp_path: Path, stored: str) -> None:
    cache = _there_before(tmp_path / "c.sqlite3")
    _raw(cache, stored)
    assert cache.get("upload-times", "k", schema=_HistoryEntry) is None
    assert len(cache.warnings) == 1 and "wrong shape" in cache.warnings[0]


def test_a_row_the_standard_library_wrote_with_nan_still_decodes(tmp_path: Path) -> None:
    class Numbers(msgspec.Struct):
        values: list[float]

    cache = _there_before(tmp_path / "c.sqlite3")
    _raw(cache, '{"values": [1.5, NaN]}')
    got = cache.get("upload-times", "k", schema=Numbers)
    assert isinstance(got, Numbers) and got.values[0] == 1.5 and got.values[1] != got.values[1]
