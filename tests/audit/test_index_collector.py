"""The index collector's reading of a project JSON document, and its unknown reasons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import networkx as nx
import pytest

from auditor.cache import Cache
from auditor.collectors.index import NAMES, IndexCollector, map_project, project_signals
from auditor.collectors.interface import Collector, Signal, SignalSpec, Subject
from auditor.collectors.run import Skipped, collect_signals
from auditor.config import make_target
from auditor.index.client import IndexClient
from auditor.index.http import make_session
from auditor.model import Origin, PackageStatus, Requirement, ResolvedPackage
from auditor.resolve.graph import DependencyGraph

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def release(stamp: str, *, yanked: bool = False) -> list[dict[str, Any]]:
    return [{"upload_time_iso_8601": stamp, "yanked": yanked, "packagetype": "sdist"}]


def doc(**info: Any) -> dict[str, Any]:
    return {
        "info": {"classifiers": [], "project_urls": None, **info},
        "releases": {
            "1.0": release("2020-06-01T00:00:00Z"),
            "1.1": release("2025-03-03T00:00:00.123Z"),
            "2.0": release("2025-05-01T00:00:00Z", yanked=True),
            "2.1rc1": release("2025-05-20T00:00:00Z"),
            "0.0": [],
        },
        "ownership": {"roles": [{"role": "Owner", "user": "a"}], "organization": None},
    }


def known(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.value for k, v in values.items() if not isinstance(v, str)}


def test_release_history() -> None:
    got = known(project_signals(doc(), now=NOW))
    assert got["days_since_release"] == 12  # the newest non-yanked upload (a pre-release)
    assert got["index_releases_365d"] == 3
    assert got["first_release_age_days"] == 1826
    assert got["latest_release_yanked"] is True  # 2.0 is the highest final release
    assert got["index_organization"] is None


def test_gaps_are_unknown_with_reasons_never_defaults() -> None:
    bare = {"info": {}, "releases": {"1.0": release("2020-01-01T00:00:00Z", yanked=True)}}
    got = project_signals(bare, now=NOW)
    assert "no ownership data" in str(got["index_publishers"])
    assert "no ownership data" in str(got["index_organization"])
    assert got["days_since_release"] == "every release is yanked"
    assert "classifiers" in str(got["declared_inactive"])
    assert "no source repository" in str(got["repository_url"])
    assert "Requires-Python" in str(got["requires_python"])


def test_repository_mapping_order_and_foreign_hosts() -> None:
    gh = map_project(
        {
            "project_urls": {
                "Homepage": "https://github.com/o/home",
                "Source": "https://github.com/o/src",
            }
        }
    )
    assert gh.ref is not None and gh.ref.slug == "o/src" and gh.confidence == "high"
    foreign = map_project({"project_urls": {"Source": "https://user:pw@code.example.org/t/r.git"}})
    assert foreign.ref is not None and foreign.ref.host == "code.example.org"
    assert foreign.ref.url == "https://code.example.org/t/r"  # credentials dropped
    assert foreign.confidence == "low" and "not GitHub" in str(foreign.how)
    assert map_project({"home_page": "https://example.org"}).url is None


def test_index_without_project_json_api(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c.sqlite3")
    client = IndexClient(["http://127.0.0.1:9/wheels"], session=make_session(), cache=cache)
    result = IndexCollector(client, now=NOW).collect([Subject(package="x", version="1")])
    assert [s.name for s in result["x"]] == list(NAMES)
    assert all("no project JSON API" in str(s.unknown_reason) for s in result["x"])
    cache.close()


class Partial(Collector):
    name: ClassVar[str] = "partial"
    provides: ClassVar[tuple[SignalSpec, ...]] = (
        SignalSpec(name="a", type="int", description="a"),
        SignalSpec(name="b", type="int", description="b"),
    )

    def collect(self, subjects: Sequence[Subject]) -> Mapping[str, Sequence[Signal]]:
        return {
            s.package: [Signal(name="a", value=1, source="partial", fetched_at=NOW)]
            for s in subjects
        }


class Broken(Collector):
    name: ClassVar[str] = "broken"
    provides: ClassVar[tuple[SignalSpec, ...]] = (
        SignalSpec(name="c", type="int", description="c"),
    )

    def collect(self, subjects: Sequence[Subject]) -> Mapping[str, Sequence[Signal]]:
        raise RuntimeError("boom")


class Off(Collector):
    name: ClassVar[str] = "off"
    provides: ClassVar[tuple[SignalSpec, ...]] = (
        SignalSpec(name="d", type="int", description="d"),
    )

    def collect(self, subjects: Sequence[Subject]) -> Mapping[str, Sequence[Signal]]:
        raise AssertionError("a skipped collector is never run")


def small_graph() -> DependencyGraph:
    g = nx.DiGraph()
    for name in ("app", "lib", "leaf"):
        pkg = ResolvedPackage(
            name=name, display_name=name, version="1", status=PackageStatus.RESOLVED
        )
        g.add_node(name, package=pkg)
    g.add_edge("app", "lib")
    g.add_edge("lib", "leaf")
    req = Requirement(
        name="app", display_name="app", origin=Origin(path="r.txt", line=1), text="app"
    )
    return DependencyGraph(g, {"app": [req]}, target=make_target("3.12", "linux"), inputs=["r.txt"])


def test_every_package_gets_every_spec_even_when_collectors_fail() -> None:
    result = collect_signals(
        small_graph(),
        [Broken(), Partial()],
        None,
        skipped=[Skipped(collector=Off, reason="switched off")],
        now=NOW,
    )
    assert [p.name for p in result.packages] == ["app", "lib", "leaf"]
    for pkg in result.packages:
        assert set(pkg.signals) == {"a", "b", "c", "d"}
        assert pkg.signals["a"].value == 1
        assert pkg.signals["b"].unknown_reason == "collector did not return it"
        assert "RuntimeError: boom" in str(pkg.signals["c"].unknown_reason)
        assert pkg.signals["d"].unknown_reason == "switched off"
        assert pkg.repository is None
    assert any("broken signals are unknown" in w for w in result.warnings)
    assert result.collectors_run == ("broken", "partial") and result.collectors_skipped == ("off",)
    top = result.unknown[0]
    assert top.signals == 3 and top.packages == 3


@pytest.mark.parametrize("only", [("lib",), ()])
def test_only_limits_the_work(only: tuple[str, ...]) -> None:
    result = collect_signals(small_graph(), [Partial()], None, only=only, now=NOW)
    assert [p.name for p in result.packages] == list(only)
