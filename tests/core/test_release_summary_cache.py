"""The release summary kept in the ``upload-times`` row: written with the history, read
back on a warm run, and recomputed (never trusted, never a crash) when the row holds none,
one of another format, or a damaged one."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest

import auditor.collectors.index as index_module
import auditor.collectors.run as run_module
from auditor.cache import Cache
from auditor.collectors.index import IndexCollector, project_signals
from auditor.collectors.interface import Subject
from auditor.collectors.run import collect_signals
from auditor.index.client import _trim_project_json, project_release_summary
from auditor.index.history import SUMMARY_FORMAT, ReleaseSummary, summarise_history
from tests.audit.test_index_collector import small_graph
from tests.core.conftest import client
from tests.fakes import FakeIndex, Release

HISTORY = {
    "1.0": ("2024-01-01T00:00:00Z", False),
    "2.0": ("2025-01-01T00:00:00+02:00", True),
    "1.5": ("2024-06-01T00:00:00Z", False),
}
NOW = datetime(2025, 6, 1, tzinfo=UTC)


def _key(fake: FakeIndex, name: str = "lib") -> str:
    return f"{fake.simple_url}|{name}"


def _row(cache: Cache, fake: FakeIndex) -> dict[str, Any]:
    cache.flush()
    got = cache.get("upload-times", _key(fake))
    assert isinstance(got, dict)
    return got


def _stored(cache: Cache, fake: FakeIndex) -> ReleaseSummary:
    return msgspec.convert(_row(cache, fake)["summary"], ReleaseSummary)


def test_a_fetched_page_stores_its_summary_and_a_warm_client_reads_it(
    empty_index: FakeIndex, tmp_path: Path
) -> None:
    empty_index.add_project("lib", [Release("1.0"), Release("2.0", yanked=True)])
    path = tmp_path / "c.sqlite3"
    cold_cache = Cache(path)
    cold = client(empty_index, cold_cache)
    fetched = cold.release_summary("lib")
    history = cold.upload_times("lib")
    assert fetched is not None and fetched == summarise_history(history)
    assert fetched.latest_yanked is True and fetched.newest_live == fetched.times[0]
    assert _stored(cold_cache, empty_index) == fetched
    cold_cache.close()
    empty_index.requests.clear()
    warm_cache = Cache(path)
    assert client(empty_index, warm_cache).release_summary("lib") == fetched
    assert client(empty_index, warm_cache).release_summaries(["Lib", "lib"]) == {"lib": fetched}
    assert not empty_index.requests and not warm_cache.warnings
    warm_cache.close()


def test_an_old_row_without_a_summary_is_summarised_and_rewritten_for_its_remaining_life(
    empty_index: FakeIndex, cache: Cache
) -> None:
    cache.put("upload-times", _key(empty_index), {"versions": HISTORY}, ttl=600)
    cache.flush()
    got = client(empty_index, cache).release_summary("lib")
    assert got == summarise_history(HISTORY)
    assert not empty_index.requests and not cache.warnings
    assert _stored(cache, empty_index) == got
    assert _row(cache, empty_index)["versions"] == {v: list(t) for v, t in HISTORY.items()}
    left = cache.life_left("upload-times", _key(empty_index))
    assert left is not None and 590 < left <= 600  # not made to live longer than the page


def test_an_old_row_kept_for_good_stays_kept_for_good(empty_index: FakeIndex, cache: Cache) -> None:
    cache.put("upload-times", _key(empty_index), {"versions": HISTORY}, ttl=None)
    client(empty_index, cache).release_summary("lib")
    assert "summary" in _row(cache, empty_index)
    assert cache.life_left("upload-times", _key(empty_index)) == math.inf


def _summary(**changes: Any) -> dict[str, Any]:
    real = summarise_history(HISTORY)
    assert real is not None
    return {**msgspec.to_builtins(real), **changes}


@pytest.mark.parametrize(
    "summary",
    [
        _summary(format=SUMMARY_FORMAT + 1, latest_yanked=False),  # another format
        _summary(format=SUMMARY_FORMAT - 1, latest_yanked=False),
        _summary(times=[3, 2, 1]),  # not ascending
        _summary(times=[]),
        _summary(newest_live=1),  # not one of the times
        _summary(latest_yanked="yes"),
        _summary(times="many"),
        {"format": SUMMARY_FORMAT},
        [1, 2],
        "summary",
    ],
)
def test_a_summary_of_another_format_or_damaged_is_recomputed(
    empty_index: FakeIndex, cache: Cache, summary: Any
) -> None:
    cache.put("upload-times", _key(empty_index), {"versions": HISTORY, "summary": summary}, ttl=60)
    got = client(empty_index, cache).release_summary("lib")
    assert got == summarise_history(HISTORY)
    assert not empty_index.requests and not cache.warnings  # the history answered
    assert _stored(cache, empty_index) == got  # and the row is mended


def test_a_current_summary_is_read_not_recomputed(empty_index: FakeIndex, cache: Cache) -> None:
    # The row's summary says something the history does not: the warm path reads it.
    crafted = _summary(latest_yanked=False)
    cache.put("upload-times", _key(empty_index), {"versions": HISTORY, "summary": crafted}, ttl=60)
    got = client(empty_index, cache).release_summary("lib")
    assert got == msgspec.convert(crafted, ReleaseSummary)
    assert got != summarise_history(HISTORY)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"versions": None}, None),  # a page without upload times
        ({"versions": {"1.0": ["whenever", False]}, "summary": None}, None),  # none readable
        ({"versions": {"1.0": ["whenever", False]}}, None),  # the same, from an old row
    ],
)
def test_no_history_means_no_summary_without_a_request(
    empty_index: FakeIndex, cache: Cache, value: dict[str, Any], expected: None
) -> None:
    cache.put("upload-times", _key(empty_index), value, ttl=60)
    assert client(empty_index, cache).release_summary("lib") is expected
    assert not empty_index.requests and not cache.warnings


def test_a_history_row_of_the_wrong_shape_is_refetched_as_before(
    empty_index: FakeIndex, cache: Cache
) -> None:
    empty_index.add_project("lib", [Release("1.0"), Release("2.0", yanked=True)])
    cache.put("upload-times", _key(empty_index), {"versions": {"1.0": "no"}}, ttl=60)
    got = client(empty_index, cache).release_summary("lib")
    assert got is not None and got.latest_yanked is True and len(got.times) == 2
    assert cache.warnings and "wrong shape" in cache.warnings[0]


def test_offline_an_expired_row_answers_and_is_not_rewritten(
    empty_index: FakeIndex, cache: Cache
) -> None:
    cache.put("upload-times", _key(empty_index), {"versions": HISTORY}, ttl=-5)
    cache.flush()
    assert client(empty_index, cache).release_summary("lib") is None  # online: expired
    offline = client(empty_index, cache, offline=True)
    assert offline.release_summary("lib") == summarise_history(HISTORY)
    assert "summary" not in _row_any(cache, empty_index)


def _row_any(cache: Cache, fake: FakeIndex) -> dict[str, Any]:
    cache.flush()
    got = cache.get("upload-times", _key(fake), allow_expired=True)
    assert isinstance(got, dict)
    return got


def test_the_collector_gives_the_same_signals_warm_as_cold(
    empty_index: FakeIndex, tmp_path: Path
) -> None:
    empty_index.add_project(
        "lib", [Release("1.0"), Release("1.1"), Release("2.0", yanked=True), Release("2.1rc1")]
    )
    empty_index.add_project("leaf", [Release("0.1")])
    path = tmp_path / "c.sqlite3"
    subjects = [Subject(package=n, version="1") for n in ("lib", "leaf", "absent")]

    def collect() -> dict[str, list[tuple[str, Any, str | None]]]:
        cache = Cache(path)
        try:
            got = IndexCollector(client(empty_index, cache), now=NOW).collect(subjects)
        finally:
            cache.close()
        return {k: [(s.name, s.value, s.unknown_reason) for s in v] for k, v in got.items()}

    cold = collect()
    empty_index.requests.clear()
    assert collect() == cold
    assert not empty_index.requests
    by_name = {name: value for name, value, _ in cold["lib"]}
    assert by_name["release_count"] == 4 and by_name["latest_release_yanked"] is True


def test_each_package_is_mapped_once_per_audit(
    empty_index: FakeIndex, cache: Cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("app", "lib", "leaf"):
        empty_index.add_project(
            name, ["1.0"], project_urls={"Source": f"https://github.com/o/{name}"}
        )
    calls: list[str] = []
    real = index_module.map_project

    def counting(info: Any, **kw: Any) -> Any:
        calls.append(str(info.get("name")))
        return real(info, **kw)

    monkeypatch.setattr(index_module, "map_project", counting)
    monkeypatch.setattr(run_module, "map_project", counting)
    index = client(empty_index, cache)
    result = collect_signals(small_graph(), [IndexCollector(index)], index, now=NOW)
    assert sorted(calls) == ["app", "leaf", "lib"]
    for pkg in result.packages:
        assert pkg.repository is not None and pkg.repository.name == pkg.name
        assert pkg.signals["repository_url"].value == f"https://github.com/o/{pkg.name}"


def test_a_collector_with_other_hosts_maps_for_itself(empty_index: FakeIndex, cache: Cache) -> None:
    empty_index.add_project(
        "app", ["1.0"], project_urls={"Source": "https://git.corp.example/o/app"}
    )
    index = client(empty_index, cache)
    mine = IndexCollector(index, github_hosts=["github.com", "git.corp.example"])
    result = collect_signals(small_graph(), [mine], index, now=NOW, only=["app"])
    app = result.package("app")
    assert app is not None
    # The audit maps with its own hosts (the link is not GitHub), the collector with its.
    assert app.repository is not None and app.repository.confidence == "low"
    expected = project_signals(
        index.project_json("app") or {}, now=NOW, github_hosts=mine.github_hosts
    )["repository_confidence"]
    assert app.signals["repository_confidence"].value == getattr(expected, "value", None)
    assert app.signals["repository_confidence"].value != "low"


# -- the project document's release summary -------------------------------------------------

OLD_DOC = {
    "info": {"name": "lib"},
    "releases": {
        "1.0": [{"upload_time_iso_8601": "2024-01-01T00:00:00Z", "yanked": False}],
        "2.0": [{"upload_time_iso_8601": "2025-01-01T00:00:00Z", "yanked": True}],
    },
    "ownership": None,
}


def _release_values(doc: dict[str, Any]) -> dict[str, Any]:
    got = project_signals(doc, now=NOW)
    return {k: getattr(v, "value", v) for k, v in got.items() if "release" in k}


def test_a_document_cached_before_summaries_is_read_with_its_map(
    empty_index: FakeIndex, cache: Cache
) -> None:
    cache.put("project-json", "lib", {"doc": OLD_DOC}, ttl=60)
    got = client(empty_index, cache).project_json("lib")
    assert got == OLD_DOC
    assert not empty_index.requests and not cache.warnings
    trimmed = _trim_project_json(OLD_DOC)
    assert _release_values(got) == _release_values(trimmed)
    assert _release_values(got)["latest_release_yanked"] is True


def test_a_current_document_summary_is_read(empty_index: FakeIndex, cache: Cache) -> None:
    trimmed = _trim_project_json(OLD_DOC)
    cache.put("project-json", "lib", {"doc": trimmed}, ttl=60)
    got = client(empty_index, cache).project_json("lib")
    assert got is not None and project_release_summary(got["release_summary"]) == (
        summarise_history({"1.0": HISTORY["1.0"], "2.0": ("2025-01-01T00:00:00Z", True)})
    )
    assert not empty_index.requests and not cache.warnings


@pytest.mark.parametrize(
    "summary",
    [
        _summary(format=SUMMARY_FORMAT + 1),  # another format: cannot be remade, refetched
        _summary(times=[3, 2, 1]),
        _summary(newest_live="soon"),
        "summary",
    ],
)
def test_a_document_summary_of_another_format_or_damaged_is_refetched(
    empty_index: FakeIndex, cache: Cache, summary: Any
) -> None:
    empty_index.add_project("lib", [Release("1.0"), Release("2.0", yanked=True)])
    doc = {**_trim_project_json(OLD_DOC), "release_summary": summary}
    cache.put("project-json", "lib", {"doc": doc}, ttl=60)
    got = client(empty_index, cache).project_json("lib")
    assert got is not None and any("/pypi/lib/json" in r for r in empty_index.requests)
    assert cache.warnings and "wrong shape" in cache.warnings[0]
    fresh = project_release_summary(got["release_summary"])
    assert fresh is not None and fresh.latest_yanked is True and len(fresh.times) == 2
