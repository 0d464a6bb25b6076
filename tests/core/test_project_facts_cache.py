"""The now-independent signals of a project (``ProjectFacts``), cached beside its document.

A warm audit reads one small ``project-derived`` row per project instead of decoding the
project JSON and deriving again. These tests hold it to that bargain: what is read back
equals what the document gives (recorded projects and generated documents), a row is
used only for the very document row it came from and under the same context (format,
notice matcher, GitHub hosts), a damaged row is derived again, and ``--offline`` and
``--refresh`` treat it as they treat the document.

Several tests plant a tampered value in a row: seeing it proves the row was read, and
not seeing it after a change proves the change made the row unused.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import auditor.collectors.index as index_module
from auditor.cache import Cache, encode_value
from auditor.collectors.index import (
    FACT_NAMES,
    IndexCollector,
    ProjectFacts,
    facts_from_row,
    facts_to_row,
    project_facts,
    project_signals,
)
from auditor.collectors.interface import Signal, Subject
from auditor.collectors.run import collect_signals, map_repositories
from auditor.index.client import DERIVED_NAMESPACE, IndexClient
from tests.audit.test_index_collector import small_graph
from tests.core.conftest import client
from tests.fakes import FakeIndex, Release

NOW = datetime(2026, 11, 29, tzinfo=UTC)
TAMPERED = "https://tampered.example/not-from-the-document"


@pytest.fixture(scope="module")
def recorded() -> Iterator[FakeIndex]:
    with FakeIndex.recorded() as fake:
        yield fake


def _subjects(names: Sequence[str]) -> list[Subject]:
    return [Subject(package=n, version="1", repository=None) for n in names]


def _collect(fake: FakeIndex, path: Path, names: Sequence[str], **kw: Any) -> dict[str, Any]:
    """A whole collector run on a fresh cache object and client (a new process, in effect)."""
    hosts = kw.pop("github_hosts", ("github.com",))
    cache = Cache(path, refresh=kw.pop("refresh", False))
    try:
        index = client(fake, cache, **kw)
        got = IndexCollector(index, now=NOW, github_hosts=hosts).collect(_subjects(names))
        return {n: list(sigs) for n, sigs in got.items()}
    finally:
        cache.close()


def _value(signals: Sequence[Signal], name: str) -> Any:
    return next(s for s in signals if s.name == name).value


def _tamper(path: Path, name: str) -> None:
    """Plant ``TAMPERED`` as the homepage in the project's derived row, keeping its ties."""
    with sqlite3.connect(path) as conn:
        (value,) = conn.execute(
            "select value from entries where namespace = ? and key = ?", (DERIVED_NAMESPACE, name)
        ).fetchone()
        row = json.loads(value)
        row["facts"]["known"]["homepage"] = TAMPERED
        row["facts"]["unknown"].pop("homepage", None)
        conn.execute(
            "update entries set value = ? where namespace = ? and key = ?",
            (json.dumps(row), DERIVED_NAMESPACE, name),
        )


def _documents_read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The projects whose cached or fetched document is read from now on."""
    read: list[str] = []
    original = IndexClient._project_json

    def spy(self: IndexClient, name: str) -> dict[str, Any] | None:
        read.append(name)
        return original(self, name)

    monkeypatch.setattr(IndexClient, "_project_json", spy)
    return read


# -- the facts read back are the document's ----------------------------------------------


def test_warm_signals_equal_cold_ones_for_every_recorded_project(
    recorded: FakeIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.sqlite3"
    names = recorded.projects
    cold = _collect(recorded, path, names)
    read = _documents_read(monkeypatch)
    recorded.requests.clear()
    warm = _collect(recorded, path, names)
    assert warm == cold
    # Field for field and in the same order, as the JSON report writes them.
    dump = {n: [msgspec.json.encode(s) for s in sigs] for n, sigs in warm.items()}
    assert dump == {n: [msgspec.json.encode(s) for s in sigs] for n, sigs in cold.items()}
    # Every project here has an upload history: no document was decoded, nothing asked.
    assert read == [] and not recorded.requests
    known = [n for n in names if _value(warm[n], "homepage") is not None]
    assert known, "the recorded projects give homepages: the comparison means something"


def test_each_recorded_projects_row_holds_what_its_document_gives(
    recorded: FakeIndex, cache: Cache
) -> None:
    index = client(recorded, cache)
    collector = IndexCollector(index, now=NOW)
    facts = collector.project_facts(recorded.projects)
    cache.flush()
    for name in recorded.projects:
        doc = index.project_json(name)
        assert doc is not None
        expected = project_facts(doc, name=name)
        row = cache.get(DERIVED_NAMESPACE, name)
        assert row is not None
        assert facts_from_row(name, encode_value(row["facts"]).encode()) == expected == facts[name]
        # The stored part and the release part together are the signals of the document.
        whole = project_signals(doc, now=NOW, name=name)
        assert {k: v for k, v in whole.items() if k in FACT_NAMES} == dict(expected.values)


def test_the_audit_maps_repositories_from_the_rows(
    empty_index: FakeIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, url in (("app", "https://github.com/o/app"), ("lib", "https://gitlab.com/o/lib")):
        empty_index.add_project(name, [Release("1.0")], project_urls={"Source": url})
    path = tmp_path / "c.sqlite3"
    cold_cache = Cache(path)
    index = client(empty_index, cold_cache)
    cold = collect_signals(small_graph(), [IndexCollector(index, now=NOW)], index, now=NOW)
    cold_cache.close()
    read = _documents_read(monkeypatch)
    warm_cache = Cache(path)
    index = client(empty_index, warm_cache)
    warm = collect_signals(small_graph(), [IndexCollector(index, now=NOW)], index, now=NOW)
    # Only "leaf" (a 404 the cache remembers: no document, so no row) was looked up.
    assert read == ["leaf"]
    plain = map_repositories(small_graph(), index)  # without a collector: from the documents
    warm_cache.close()
    assert [(p.name, p.repository, p.signals) for p in warm.packages] == [
        (p.name, p.repository, p.signals) for p in cold.packages
    ]
    assert {p.name: p.repository for p in warm.packages} == {n: m.ref for n, m in plain.items()}
    app = warm.package("app")
    assert app is not None and app.repository is not None and app.repository.slug == "o/app"
    assert sorted(read) == ["app", "leaf", "lib"]


_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
_url = st.builds(
    lambda host, path: f"https://{host}/{path}",
    st.sampled_from(["github.com", "gitlab.com", "opencollective.com", "example.org"]),
    st.sampled_from(["o/r", "sponsors/x", "o/r/issues", "o", "o/r.git", ""]),
)
_info = st.fixed_dictionaries(
    {},
    optional={
        "name": _text,
        "summary": st.one_of(st.none(), _text, st.just("This project is deprecated.")),
        "description": st.one_of(st.none(), _text, st.just("Unmaintained: use other-lib.")),
        "requires_python": st.one_of(st.none(), _text, st.just("UNKNOWN")),
        "home_page": st.one_of(st.none(), _url, _text),
        "classifiers": st.one_of(
            st.none(),
            st.lists(
                st.one_of(
                    _text,
                    st.sampled_from(
                        [
                            "Development Status :: 7 - Inactive",
                            "Development Status :: 5 - Production/Stable",
                            "Development Status :: 1 - Planning",
                        ]
                    ),
                ),
                max_size=4,
            ),
        ),
        "project_urls": st.one_of(
            st.none(),
            st.dictionaries(
                st.one_of(_text, st.sampled_from(["Source", "Homepage", "Funding", "Issues"])),
                st.one_of(_url, _text),
                max_size=4,
            ),
        ),
    },
)
_documents = st.fixed_dictionaries(
    {"info": _info},
    optional={
        "ownership": st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {
                    "roles": st.lists(
                        st.fixed_dictionaries(
                            {"role": st.sampled_from(["Owner", "Maintainer"]), "user": _text}
                        ),
                        max_size=3,
                    )
                },
                optional={"organization": st.one_of(st.none(), _text)},
            ),
        ),
        "vulnerabilities": st.one_of(
            st.none(),
            st.lists(
                st.fixed_dictionaries(
                    {
                        "id": st.one_of(st.none(), _text),
                        "aliases": st.lists(_text, max_size=2),
                        "withdrawn": st.one_of(st.none(), st.just("2025-01-01")),
                    }
                ),
                max_size=3,
            ),
        ),
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=_documents, name=_text, hosts=st.sampled_from([("github.com",), ("git.corp",)]))
def test_stored_facts_read_back_equal_for_any_document(
    doc: dict[str, Any], name: str, hosts: tuple[str, ...]
) -> None:
    facts = project_facts(doc, name=name, github_hosts=hosts)
    stored = encode_value(facts_to_row(name, facts)).encode()  # what the cache writes
    back = facts_from_row(name, stored)
    assert back is not None and back == facts
    for key, value in facts.values.items():  # dict keys in the same order too
        assert json.dumps(getattr(back.values[key], "value", back.values[key])) == json.dumps(
            getattr(value, "value", value)
        )


# -- never stale --------------------------------------------------------------------------


def _lib(fake: FakeIndex, home: str) -> None:
    fake.add_project("lib", [Release("1.0"), Release("2.0")], home_page=home)


def test_the_row_is_used_on_a_warm_run(empty_index: FakeIndex, tmp_path: Path) -> None:
    _lib(empty_index, "https://one.example")
    path = tmp_path / "c.sqlite3"
    assert _value(_collect(empty_index, path, ["lib"])["lib"], "homepage") == "https://one.example"
    _tamper(path, "lib")
    assert _value(_collect(empty_index, path, ["lib"])["lib"], "homepage") == TAMPERED


def test_a_rewritten_document_never_serves_the_old_rows_values(
    empty_index: FakeIndex, tmp_path: Path
) -> None:
    _lib(empty_index, "https://one.example")
    path = tmp_path / "c.sqlite3"
    _collect(empty_index, path, ["lib"])
    _tamper(path, "lib")
    # Another audit refetches the document (here: writes the row anew, as a refetch does).
    cache = Cache(path)
    doc = cache.get("project-json", "lib")
    assert doc is not None
    doc["doc"]["info"]["home_page"] = "https://two.example"
    cache.put("project-json", "lib", doc, ttl=3600)
    cache.close()
    got = _collect(empty_index, path, ["lib"])["lib"]
    assert _value(got, "homepage") == "https://two.example"
    # ... and the row derived again is tied to the new document: the next run reads it.
    _tamper(path, "lib")
    assert _value(_collect(empty_index, path, ["lib"])["lib"], "homepage") == TAMPERED


def test_refresh_refetches_and_derives_again(empty_index: FakeIndex, tmp_path: Path) -> None:
    _lib(empty_index, "https://one.example")
    path = tmp_path / "c.sqlite3"
    _collect(empty_index, path, ["lib"])
    _tamper(path, "lib")
    _lib(empty_index, "https://two.example")
    got = _collect(empty_index, path, ["lib"], refresh=True)["lib"]
    assert _value(got, "homepage") == "https://two.example"
    assert _value(_collect(empty_index, path, ["lib"])["lib"], "homepage") == "https://two.example"


@pytest.mark.parametrize(
    "change",
    [
        lambda mp: mp.setattr(index_module, "FACTS_FORMAT", index_module.FACTS_FORMAT + 1),
        lambda mp: mp.setattr(index_module, "rules_fingerprint", lambda: "other-matcher"),
        lambda mp: mp.setattr(index_module, "_company_accounts", lambda: {"x": "X Corp"}),
        "hosts",
    ],
    ids=["format", "notice-matcher", "company-list", "github-hosts"],
)
def test_a_changed_context_derives_again(
    empty_index: FakeIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: Any
) -> None:
    _lib(empty_index, "https://one.example")
    path = tmp_path / "c.sqlite3"
    _collect(empty_index, path, ["lib"])
    _tamper(path, "lib")
    hosts = ("github.com",)
    if change == "hosts":
        hosts = ("github.com", "git.corp.example")
    else:
        change(monkeypatch)
    got = _collect(empty_index, path, ["lib"], github_hosts=hosts)["lib"]
    assert _value(got, "homepage") == "https://one.example"


def test_no_matcher_source_means_nothing_cached(
    empty_index: FakeIndex, cache: Cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    _lib(empty_index, "https://one.example")
    monkeypatch.setattr(index_module, "rules_fingerprint", lambda: None)
    IndexCollector(client(empty_index, cache), now=NOW).collect(_subjects(["lib"]))
    cache.flush()
    assert cache.get(DERIVED_NAMESPACE, "lib") is None


def test_the_row_expires_no_later_than_its_document(empty_index: FakeIndex, cache: Cache) -> None:
    _lib(empty_index, "https://one.example")
    IndexCollector(client(empty_index, cache), now=NOW).collect(_subjects(["lib"]))
    cache.flush()
    doc_left = cache.life_left("project-json", "lib")
    row_left = cache.life_left(DERIVED_NAMESPACE, "lib")
    assert doc_left is not None and row_left is not None and 0 < row_left <= doc_left


@pytest.mark.parametrize(
    "facts",
    [
        "not json {",
        {"name": "lib"},
        {"name": "lib", "mapping": {}, "known": {}, "unknown": {}},
        "shape-of-another-version",
        "missing-one",
        "other-name",
    ],
)
def test_a_damaged_or_old_shaped_row_is_derived_again(
    empty_index: FakeIndex, tmp_path: Path, facts: Any
) -> None:
    _lib(empty_index, "https://one.example")
    path = tmp_path / "c.sqlite3"
    cold = _collect(empty_index, path, ["lib"])
    with sqlite3.connect(path) as conn:
        (value,) = conn.execute(
            "select value from entries where namespace = ? and key = 'lib'", (DERIVED_NAMESPACE,)
        ).fetchone()
        row = json.loads(value)
        if facts == "shape-of-another-version":
            row = {"facts": row["facts"]}
        elif facts == "missing-one":
            row["facts"]["known"].pop("homepage")
        elif facts == "other-name":  # derived for another spelling: the matcher read that
            row["facts"]["name"] = "Lib"
            row["facts"]["known"]["homepage"] = TAMPERED
        else:
            row["facts"] = facts
        conn.execute(
            "update entries set value = ? where namespace = ? and key = 'lib'",
            (facts if facts == "not json {" else json.dumps(row), DERIVED_NAMESPACE),
        )
    assert _collect(empty_index, path, ["lib"]) == cold
    # Derived again and stored whole: the next run reads it (a planted value shows).
    _tamper(path, "lib")
    assert _value(_collect(empty_index, path, ["lib"])["lib"], "homepage") == TAMPERED


def test_offline_reads_expired_rows_as_it_reads_expired_documents(
    empty_index: FakeIndex, tmp_path: Path
) -> None:
    _lib(empty_index, "https://one.example")
    path = tmp_path / "c.sqlite3"
    cold = _collect(empty_index, path, ["lib"])
    _tamper(path, "lib")
    with sqlite3.connect(path) as conn:
        conn.execute("update entries set expires_at = 1 where expires_at is not null")
    empty_index.requests.clear()
    got = _collect(empty_index, path, ["lib"], offline=True)["lib"]
    assert _value(got, "homepage") == TAMPERED and not empty_index.requests
    # Online, the expired document is refetched and the expired row not used.
    got = _collect(empty_index, path, ["lib"])["lib"]
    assert _value(got, "homepage") == "https://one.example"
    assert [s for s in got if s.name != "homepage"] == [
        s for s in cold["lib"] if s.name != "homepage"
    ]


def test_offline_without_a_row_derives_from_the_document(
    empty_index: FakeIndex, tmp_path: Path
) -> None:
    _lib(empty_index, "https://one.example")
    path = tmp_path / "c.sqlite3"
    cold = _collect(empty_index, path, ["lib"])
    with sqlite3.connect(path) as conn:
        conn.execute("delete from entries where namespace = ?", (DERIVED_NAMESPACE,))
        conn.execute("update entries set expires_at = 1 where expires_at is not null")
    assert _collect(empty_index, path, ["lib"], offline=True) == cold


def test_facts_are_a_frozen_value() -> None:
    facts = project_facts({"info": {}})
    assert isinstance(facts, ProjectFacts) and set(facts.values) == FACT_NAMES


# -- the cache's row stamps ---------------------------------------------------------------


def test_a_rows_stamp_is_the_same_queued_stored_and_read_and_changes_on_rewrite(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.sqlite3"
    cache = Cache(path)
    first = cache.put("ns", "a", {"v": 1}, ttl=60)
    cache.put("ns", "gone", {"v": 0}, ttl=-1)
    assert first is not None and cache.stored_times("ns", ["a", "gone", "none"]) == {"a": first}
    cache.flush()
    assert cache.stored_times("ns", ["a", "gone"]) == {"a": first}
    assert set(cache.stored_times("ns", ["a", "gone"], allow_expired=True)) == {"a", "gone"}
    got = cache.get_stamped("ns", "a")
    assert got is not None and got[0] == {"v": 1} and got[1] == first
    assert got[2] is not None and got[2] == pytest.approx(first + 60)
    second = cache.put("ns", "a", {"v": 2}, ttl=60)
    assert second is not None and second != first
    assert cache.stored_times("ns", ["a"]) == {"a": second}
    cache.close()
    assert Cache(path, refresh=True).stored_times("ns", ["a"]) == {}
    reopened = Cache(path)
    assert reopened.stored_times("ns", ["a"]) == {"a": second}
    reopened.close()


def test_a_row_read_counts_as_a_document_read(empty_index: FakeIndex, tmp_path: Path) -> None:
    """Listed projects answering 404 beside documents read from rows are this run's
    faults, not an index without a project JSON API (which needs no document read)."""
    names = ["a", "b", "c", "d"]
    for name in names:
        empty_index.add_project(name, [Release("1.0")])
    path = tmp_path / "c.sqlite3"
    _collect(empty_index, path, ["a"])
    empty_index.fail("/pypi/", 404)
    got = _collect(empty_index, path, names)
    assert got["a"][0].name == "index_publishers" and got["a"][0].unknown_reason is None
    for name in names[1:]:
        reasons = {s.unknown_reason for s in got[name]}
        assert len(reasons) == 1 and "although the index's simple API lists" in str(reasons)
