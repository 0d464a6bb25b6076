"""The project JSON's failures: recorded as faults, never cached, never read as facts."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

import auditor.index.client as client_module
from auditor.cache import Cache
from auditor.config import make_target, target_tags
from tests.core.conftest import client
from tests.fakes import FakeIndex, Release

TAGS = target_tags(make_target("3.12", "linux"))


@pytest.fixture
def world(empty_index: FakeIndex) -> FakeIndex:
    for name in ("alpha", "beta", "gamma"):
        empty_index.add_project(name, [Release("1.0", requires_dist=["idna"])])
    return empty_index


def test_server_error_is_a_fault_and_is_asked_again(world: FakeIndex, cache: Cache) -> None:
    world.fail("/pypi/alpha/json", 500)
    first = client(world, cache)
    assert first.project_json("alpha") is None
    assert first.project_json_failure("alpha") == "server error (HTTP 500)"
    world.clear_faults()
    world.requests.clear()
    second = client(world, cache)
    doc = second.project_json("alpha")
    assert doc is not None and doc["info"]["name"] == "alpha"
    assert second.project_json_failure("alpha") is None
    assert world.count("/pypi/alpha/json") == 1  # the failure was not remembered


def test_a_404_the_simple_api_contradicts_is_a_fault(world: FakeIndex, cache: Cache) -> None:
    world.fail("/pypi/alpha/json", 404)
    c = client(world, cache)
    assert c.project_json("alpha") is None
    assert "simple API lists the project" in (c.project_json_failure("alpha") or "")
    world.clear_faults()
    assert client(world, cache).project_json("alpha") is not None  # not cached for 6 hours


def test_a_404_for_an_unknown_project_is_trusted_and_cached(world: FakeIndex, cache: Cache) -> None:
    c = client(world, cache)
    assert c.project_json("nosuchthing") is None
    assert c.project_json_failure("nosuchthing") is None
    world.requests.clear()
    assert client(world, cache).project_json("nosuchthing") is None
    assert world.count("/pypi/") == 0  # the trusted answer came from the cache


def test_an_index_without_a_json_api_is_a_fact_not_a_fault(world: FakeIndex, cache: Cache) -> None:
    world.fail("/pypi/", 404)
    c = client(world, cache)
    for name in ("alpha", "beta", "gamma"):
        assert c.project_json(name) is None
    assert c.project_json_unsupported()
    assert c.project_json_failure("alpha") is None


@pytest.mark.parametrize(
    ("inject", "expected"),
    [
        (lambda f: f.malformed("/pypi/alpha/json"), "not valid JSON"),
        (lambda f: f.wrong_shape("/pypi/alpha/json"), "not a project document"),
        (lambda f: f.wrong_shape("/pypi/alpha/json", {"info": "x"}), "no 'info' object"),
        (lambda f: f.fail("/pypi/alpha/json", 429, retry_after=1), "rate limited"),
    ],
    ids=["malformed", "list", "info-not-object", "rate-limited"],
)
def test_bad_answers_are_named_faults(
    world: FakeIndex, cache: Cache, inject: object, expected: str
) -> None:
    inject(world)  # type: ignore[operator]
    c = client(world, cache)
    assert c.project_json("alpha") is None
    assert expected in (c.project_json_failure("alpha") or "")
    world.clear_faults()
    assert client(world, cache).project_json("alpha") is not None


def test_a_read_timeout_is_named_a_timeout(
    world: FakeIndex, cache: Cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "DEFAULT_TIMEOUT", (2.0, 0.3))
    world.delay(0.8, "/pypi/alpha/json")
    c = client(world, cache)
    assert c.project_json("alpha") is None
    why = c.project_json_failure("alpha") or ""
    assert why.startswith("timed out"), why
    assert "Connection" not in why
    time.sleep(1.0)  # let the abandoned answer leave before the server stops


def test_requires_dist_null_is_unknown_and_not_kept_for_good(
    empty_index: FakeIndex, cache: Cache, tmp_path: Path
) -> None:
    # A zip-only sdist: no wheel, no PKG-INFO to stream; the project JSON says null.
    project = empty_index.add_project(
        "zipsdist", [Release("1.0", requires_dist=["dep"], files=["zipsdist-1.0.zip"])]
    )
    project.info["requires_dist"] = None
    meta = client(empty_index, cache).metadata("zipsdist", "1.0", TAGS)
    assert meta.requires_dist is None
    assert meta.reason and "requires_dist is null" in meta.reason
    cache.flush()  # rows are stored behind the caller
    with sqlite3.connect(tmp_path / "cache.sqlite3") as conn:
        (expires,) = conn.execute(
            "select expires_at from entries where namespace='metadata' and key='zipsdist==1.0'"
        ).fetchone()
    assert expires is not None  # unknown is asked again later, never kept for good


def test_unknown_metadata_is_asked_again_once_expired(empty_index: FakeIndex, cache: Cache) -> None:
    empty_index.add_project("later", [Release("1.0", requires_dist=["dep"])])
    cache.put(
        "metadata",
        "later==1.0",
        {"name": "later", "version": "1.0", "requires_dist": None, "requires_python": None},
        ttl=-1,
    )
    meta = client(empty_index, cache).metadata("later", "1.0", TAGS)
    assert meta.requires_dist == ("dep",)


@pytest.mark.parametrize(
    ("namespace", "key", "value"),
    [
        ("project-json", "alpha", {"doc": ["wrong"]}),
        ("project-json", "alpha", ["wrong"]),
        ("simple", "{index}|alpha", {"files": [["too", "short"]]}),
        ("simple", "{index}|alpha", {"files": "nope"}),
        ("simple", "{index}|alpha", ["wrong"]),
        ("metadata", "alpha==1.0", {"name": "alpha", "requires_dist": 7}),
        ("metadata", "alpha==1.0", ["wrong"]),
        ("metadata", "alpha==1.0", {"requires_dist": None}),
        ("metadata", "alpha==1.0", {"name": "alpha", "version": "1.0", "requires_dist": 7}),
        ("metadata", "alpha==1.0", {"name": "alpha", "version": "1.0", "requires_dist": [1]}),
    ],
    ids=[
        "doc-list",
        "entry-list",
        "row-short",
        "files-str",
        "simple-list",
        "requires-int",
        "metadata-list",
        "no-name",
        "requires-int-named",
        "requires-not-text",
    ],
)
def test_a_cache_row_of_the_wrong_shape_is_a_warning_and_a_refetch(
    world: FakeIndex, cache: Cache, namespace: str, key: str, value: object
) -> None:
    cache.put(namespace, key.format(index=world.simple_url), value, ttl=None)
    c = client(world, cache)
    assert c.project_json("alpha") is not None
    meta = c.metadata("alpha", "1.0", TAGS)
    assert meta.requires_dist == ("idna",)
    assert cache.warnings and "wrong shape" in cache.warnings[0]


def test_a_storm_of_server_errors_stops_asking(empty_index: FakeIndex, cache: Cache) -> None:
    names = [f"pkg{i}" for i in range(12)]
    for name in names:
        empty_index.add_project(name, ["1.0"])
    empty_index.fail("/pypi/", 503)
    c = client(empty_index, cache)
    for name in names:
        assert c.project_json(name) is None
    assert empty_index.count("/pypi/") == client_module.BREAKER  # retries=0 in this client
    assert c.project_json_failure(names[0]) == "server error (HTTP 503)"
    assert (c.project_json_failure(names[-1]) or "").startswith("not asked")


def test_a_success_resets_the_breaker(empty_index: FakeIndex, cache: Cache) -> None:
    names = [f"pkg{i}" for i in range(12)]
    for name in names:
        empty_index.add_project(name, ["1.0"])
    for name in names[::2]:
        empty_index.fail(f"/pypi/{name}/json", 500)
    c = client(empty_index, cache)
    for name in names:
        c.project_json(name)
    assert all(not (c.project_json_failure(n) or "").startswith("not asked") for n in names)


def test_a_resolution_made_during_a_fault_is_not_reused(
    empty_index: FakeIndex, cache: Cache
) -> None:
    """zipsdist's dependencies come from its project JSON: while that fails they are
    unknown, and the resolution built on it must not be served for the next 6 hours."""
    from tests.core.test_resolve import req, run

    empty_index.add_project("dep", ["1.0"])
    empty_index.add_project(
        "zipsdist", [Release("1.0", requires_dist=["dep"], files=["zipsdist-1.0.zip"])]
    )
    empty_index.fail("/pypi/zipsdist/json", 500)
    broken = run(empty_index, cache, req("zipsdist"))
    assert "dep" not in {p.name for p in broken.packages()}
    empty_index.clear_faults()
    healed = run(empty_index, cache, req("zipsdist"))
    assert "dep" in {p.name for p in healed.packages()}
