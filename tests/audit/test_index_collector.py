"""The index collector's reading of a project JSON document, and its unknown reasons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import networkx as nx
import pytest

from auditor.cache import Cache
from auditor.collectors.index import (
    NAMES,
    IndexCollector,
    _Known,
    company_of_accounts,
    map_project,
    project_signals,
)
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
    assert {(s.source, s.fetched_at) for s in result["x"]} == {("index", NOW)}
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


# -- written from the collectors scope's mutation survivors (benchmarks/mutation.py) -------


@pytest.mark.parametrize(
    "url",
    [
        "https:///o/r",  # no host
        "ftp://code.example.org/o/r",  # not a web address
        "https://code.example.org/only-owner",  # no repository segment
        "https://code.example.org/~o/r",  # not an owner name
        "https://code.example.org/o/r%20x",  # not a repository name
    ],
)
def test_a_foreign_source_link_without_owner_and_name_is_recorded_not_followed(url: str) -> None:
    mapping = map_project({"project_urls": {"Source": url}})
    assert mapping.ref is None  # nothing to clone
    assert mapping.url == url and mapping.confidence == "low"
    assert mapping.how is not None and mapping.how.endswith("not GitHub (not fetched)")


@pytest.mark.parametrize(
    ("url", "host", "how"),
    [
        (
            "https://a@b@code.example.org/o/r.git",
            "code.example.org",
            "Project-URL 'Source' on code.example.org, not GitHub",
        ),
        (
            "http://192.168.1.5/o/r",
            "192.168.1.5",
            "Project-URL 'Source' on 192.168.1.5, not GitHub (a local or private address)",
        ),
    ],
)
def test_a_foreign_source_link_names_its_repository(url: str, host: str, how: str) -> None:
    ref = map_project({"project_urls": {"Source": url}}).ref
    assert ref is not None
    assert (ref.url, ref.host, ref.owner, ref.name, ref.confidence, ref.how) == (
        f"{url.split(':')[0]}://{host}/o/r",  # every credential dropped
        host,
        "o",
        "r",
        "low",
        how,
    )


def test_legacy_release_history_skips_what_it_cannot_read_and_reads_on() -> None:
    # The project JSON's ``releases`` (read when the simple API gives no upload times):
    # broken entries first must not end the reading, a naive time is UTC.
    history = {
        "0.0": [],
        "0.1": [{"yanked": False}],
        "0.2": release("last tuesday"),
        "1.0": release("2025-05-01T00:00:00"),
    }
    got = known(project_signals({"info": {}, "releases": history}, now=NOW))
    assert got["release_count"] == 1 and got["days_since_release"] == 31


@pytest.mark.parametrize(
    ("releases", "why"),
    [
        ({"1.0": []}, "the index lists no releases with upload times for the project"),
        (None, "the index's project JSON has no release history"),
    ],
)
def test_no_release_history_is_unknown_and_says_which(releases: Any, why: str) -> None:
    got = project_signals({"info": {}, "releases": releases}, now=NOW)
    assert got["days_since_release"] == why and got["release_count"] == why


def _reasons(client: IndexClient, *names: str) -> dict[str, set[str | None]]:
    result = IndexCollector(client, now=NOW).collect(
        [Subject(package=n, version="1") for n in names]
    )
    return {n: {s.unknown_reason for s in sigs} for n, sigs in result.items()}


def test_each_missing_project_json_says_why(tmp_path: Path) -> None:
    from tests.fakes import FakeIndex

    with FakeIndex() as fake:
        for name in ("a", "b", "c", "d"):
            fake.add_project(name, ["1.0"])
        cache = Cache(tmp_path / "c.sqlite3")
        client = IndexClient([fake.simple_url], session=make_session(), cache=cache)
        try:
            # Unknown to the index altogether: a 404 it means.
            assert _reasons(client, "nowhere")["nowhere"] == {
                "the index has no project JSON document for this project (404)"
            }
            # Offline, the cache remembers that 404: not "missing from the cache".
            offline = IndexClient(
                [fake.simple_url], session=make_session(), cache=cache, offline=True
            )
            assert _reasons(offline, "nowhere")["nowhere"] == {
                "the index has no project JSON document for this project (404)"
            }
            # A failure of this run: named, with what failed.
            fake.fail("/pypi/a/", 503)
            (why,) = _reasons(client, "a")["a"]
            assert why is not None
            assert why.startswith("the index's project JSON could not be read this run: ")
            assert "503" in why
            # Projects the index lists, every one 404: no project JSON API at all.
            fake.clear_faults()
            fake.fail("/pypi/", 404)
            plain = IndexClient([fake.simple_url], session=make_session(), cache=cache)
            got = _reasons(plain, "b", "c", "d")
            assert got["d"] == {
                "this index answers 404 for the project JSON of projects it lists: it seems "
                "to offer no project JSON API, so publishers and release history are not "
                "available"
            }
        finally:
            cache.close()


def test_an_index_whose_url_has_no_json_api_says_so(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c.sqlite3")
    client = IndexClient(["http://127.0.0.1:9/wheels"], session=make_session(), cache=cache)
    try:
        assert _reasons(client, "x")["x"] == {
            "this index offers no project JSON API (its URL does not end in /simple), "
            "so publishers and release history are not available"
        }
    finally:
        cache.close()


@pytest.mark.parametrize(
    "url",
    [
        "https://user:tok@code.example.org/o/r",
        "https://user:tok@code.example.org/x",
        "https://user:tok@en@code.example.org/x",
    ],
)
def test_a_published_credential_is_not_repeated(url: str) -> None:
    # With or without owner/name to clone, the recorded link (repository_url) is clean.
    got = known(project_signals({"info": {"project_urls": {"Source": url}}}, now=NOW))
    assert got["repository_url"] == url.replace("user:tok@", "").replace("en@", "")


def test_upload_times_give_the_latest_release_and_its_yanked_flag() -> None:
    # The simple API's PEP 700 times (the usual path): 2.0 is the highest final release
    # and yanked; what users get is 1.0, uploaded in an offset zone 30 hours ago.
    times = {
        "1.0": ("2025-05-31T06:00:00+12:00", False),
        "2.0": ("2025-05-31T12:00:00", True),  # naive: UTC
    }
    got = known(project_signals({"info": {}}, now=NOW, upload_times=times))
    assert got["latest_release_yanked"] is True
    assert got["days_since_release"] == 1  # 30 hours, not 18: the offset is kept
    assert got["first_release_age_days"] == 1 and got["index_releases_365d"] == 2


@pytest.mark.parametrize(
    ("account", "company"),
    [
        ("NVIDIA", "NVIDIA"),
        ("nvidia-ai", "NVIDIA"),  # a company's "-ai" account is the company's
        ("NVIDIA Inc", "NVIDIA"),
        ("ai-nvidia", None),  # only a suffix is dropped
        ("incnvidia", None),
        ("nvidia-dev", None),
    ],
)
def test_company_accounts_by_name(account: str, company: str | None) -> None:
    assert company_of_accounts([account]) == company


def test_signals_name_their_source_without_credentials(tmp_path: Path) -> None:
    from tests.fakes import FakeIndex

    with FakeIndex() as fake:
        fake.add_project("a", ["1.0"])
        bare = fake.simple_url
        cache = Cache(tmp_path / "c.sqlite3")
        try:
            for url in (bare, bare.replace("://", "://user:secret@")):
                client = IndexClient([url], session=make_session(), cache=cache)
                got = IndexCollector(client, now=NOW).collect([Subject(package="a", version="1")])
                sources = {s.source for s in got["a"]}
                assert sources == {"index:" + bare.removesuffix("/simple") + "/pypi/a/json"}
        finally:
            cache.close()


def test_fetched_at_is_when_the_cached_document_was_fetched(tmp_path: Path) -> None:
    from auditor.collectors.index import FETCHED_NAMESPACE
    from tests.fakes import FakeIndex

    def fetched(cache: Cache, now: datetime, name: str) -> set[datetime]:
        client = IndexClient([fake.simple_url], session=make_session(), cache=cache)
        got = IndexCollector(client, now=now).collect([Subject(package=name, version="1")])
        return {s.fetched_at for s in got[name]}

    later = NOW + timedelta(hours=5)
    with FakeIndex() as fake:
        for name in ("a", "b", "c", "d"):
            fake.add_project(name, ["1.0"])
        cache = Cache(tmp_path / "c.sqlite3")
        try:
            assert fetched(cache, NOW, "a") == {NOW}
            assert fetched(cache, later, "a") == {NOW}  # read from the cache: as old as it is
            assert fetched(cache, later, "b") == {later}  # another project, its own moment
            key = f"{fake.simple_url}|"
            cache.put(FETCHED_NAMESPACE, key + "c", "garbage", ttl=60)
            assert fetched(cache, NOW, "c") == {NOW}  # an unreadable marker is replaced
            cache.put(FETCHED_NAMESPACE, key + "d", later.isoformat(), ttl=60)
            assert fetched(cache, NOW, "d") == {NOW}  # never a moment in the future
            assert fetched(cache, later, "c") == {NOW}  # the replaced marker holds
        finally:
            cache.close()


def _times(*ages: float) -> dict[str, tuple[str, bool]]:
    """Upload times ``ages`` days before NOW, oldest first, as versions 1.0, 1.1, ..."""
    stamps = sorted((NOW - timedelta(days=a) for a in ages), reverse=False)
    return {f"1.{i}": (s.isoformat(), False) for i, s in enumerate(stamps)}


def test_the_release_rhythm_is_the_last_twenty_gaps() -> None:
    # From the newest back: ten gaps of 10 days, then eleven of 20.5. The last twenty
    # gaps are ten of each (median 15.25); the oldest gap is outside the rhythm.
    ages = [1.0]
    for gap in [10.0] * 10 + [20.5] * 11:
        ages.append(ages[-1] + gap)
    got = known(project_signals({"info": {}}, now=NOW, upload_times=_times(*ages)))
    assert got["release_count"] == 22
    assert got["median_release_gap_days"] == 15.2  # one decimal
    assert got["days_since_release"] == 1
    assert got["release_gap_ratio"] == 0.07  # 1 / 15.25, two decimals


def test_three_releases_make_a_rhythm_two_do_not() -> None:
    got = known(project_signals({"info": {}}, now=NOW, upload_times=_times(100, 60, 40)))
    assert got["median_release_gap_days"] == 30.0
    assert got["release_gap_ratio"] == round(40 / 30, 2)  # since the newest, not another
    two = project_signals({"info": {}}, now=NOW, upload_times=_times(60, 40))
    assert two["median_release_gap_days"] == "2 release(s): too few for a rhythm"
    assert two["release_gap_ratio"] == "2 release(s): too few for a rhythm"
    tight = known(project_signals({"info": {}}, now=NOW, upload_times=_times(30, 28, 26)))
    assert tight["release_gap_ratio"] == round(26 / 7, 2)  # a gap under a week counts as one


def test_release_windows_include_their_last_day() -> None:
    got = known(
        project_signals({"info": {}}, now=NOW, upload_times=_times(0.1, 365, 366, 730, 731))
    )
    assert got["index_releases_365d"] == 2 and got["index_releases_730d"] == 4
    assert got["days_since_release"] == 0  # hours ago is today
    assert got["first_release_age_days"] == 731


def test_no_valid_version_means_no_latest() -> None:
    times = {"banana": ("2025-05-01T00:00:00Z", True), "1.0": ("2025-04-01T00:00:00Z", False)}
    got = project_signals({"info": {}}, now=NOW, upload_times=times)
    assert isinstance(got["latest_release_yanked"], _Known)
    assert got["latest_release_yanked"].value is False  # 1.0, read past the invalid one
    only_bad = project_signals({"info": {}}, now=NOW, upload_times={"banana": times["banana"]})
    assert only_bad["latest_release_yanked"] == (
        "no release has a valid version number to call the latest"
    )


def test_the_projects_own_name_comes_from_info_when_not_given() -> None:
    info = {"name": "old-lib", "summary": "old-lib is deprecated, use new-lib instead"}
    got = known(project_signals({"info": info}, now=NOW))
    assert got["successor"] == "new-lib"
    # An info block that is not a table is no information, never a crash.
    broken = project_signals({"info": ["not", "a", "table"]}, now=NOW)
    assert broken["requires_python"] == "the latest release declares no Requires-Python"


FULL_INFO: dict[str, Any] = {
    "name": "pkg",
    "requires_python": " >=3.9 ",
    "home_page": "UNKNOWN",  # what old metadata writes for none
    "project_urls": {
        "Homepage": "https://pkg.example.org",
        "Source": "https://git.corp.example/o/pkg",
        "Funding": "https://git.corp.example/sponsors/o",
        "Donate": "https://opencollective.com/pkg",
    },
}
OWNERS = {"roles": [{"role": "Owner", "user": "Alice"}, {"user": "bob"}], "organization": None}


@pytest.mark.parametrize("enterprise", [True, False])
def test_the_info_block_becomes_signals(enterprise: bool) -> None:
    # A GitHub Enterprise host given by the user is GitHub: a source link on it is
    # followed (high confidence) and its sponsors page is a GitHub funding link.
    hosts = ("git.corp.example",) if enterprise else ("github.com",)
    doc = {"info": FULL_INFO, "ownership": OWNERS}
    got = known(project_signals(doc, now=NOW, github_hosts=hosts))
    assert {k: got[k] for k in ("requires_python", "homepage", "repository_url")} == {
        "requires_python": ">=3.9",
        "homepage": "https://pkg.example.org",  # from the Project-URLs: home_page is UNKNOWN
        "repository_url": "https://git.corp.example/o/pkg",
    }
    assert got["repository_confidence"] == ("high" if enterprise else "low")
    assert got["funding_links_index"] == [
        {
            "platform": "github" if enterprise else "custom",
            "url": FULL_INFO["project_urls"]["Funding"],
        },
        {"platform": "open_collective", "url": "https://opencollective.com/pkg"},
    ]
    assert got["index_publishers"] == [
        {"role": "Owner", "user": "Alice"},
        {"role": "", "user": "bob"},
    ]
    assert got["index_publisher_count"] == 2 and got["index_org_owned"] is False


def test_home_page_wins_and_a_bare_document_says_what_is_missing() -> None:
    info = {"home_page": "https://home.example.org", "project_urls": {"Homepage": "https://x.org"}}
    got = project_signals({"info": info}, now=NOW)
    assert got["homepage"] == _Known("https://home.example.org")
    assert got["funding_links_index"] == _Known([])  # known: none declared
    no_ownership = "this index publishes no ownership data (who can publish) for the project"
    no_repo = "no source repository link among the Project-URLs or the homepage"
    assert {k: v for k, v in got.items() if isinstance(v, str)} == {
        **dict.fromkeys(
            (
                "index_publishers",
                "index_publisher_count",
                "index_organization",
                "index_org_owned",
                "index_publisher_company",
            ),
            no_ownership,
        ),
        **dict.fromkeys(
            (
                "days_since_release",
                "index_releases_365d",
                "index_releases_730d",
                "first_release_age_days",
                "latest_release_yanked",
                "release_count",
                "median_release_gap_days",
                "release_gap_ratio",
            ),
            "the index's project JSON has no release history",
        ),
        **dict.fromkeys(
            ("development_status", "declared_inactive", "declared_planning"),
            "the index's project JSON carries no classifiers list",
        ),
        **dict.fromkeys(
            ("open_vulnerabilities", "open_vulnerability_ids"),
            "the index's project JSON lists no vulnerability data for the project",
        ),
        "requires_python": "the latest release declares no Requires-Python",
        "repository_url": no_repo,
        "repository_confidence": no_repo,
    }
    bare = project_signals({"info": {}}, now=NOW)
    assert bare["homepage"] == "the project declares no homepage"


def _ownership(ownership: dict[str, Any]) -> dict[str, Any]:
    got = project_signals({"info": {}, "ownership": ownership}, now=NOW)
    names = (
        "index_publishers",
        "index_publisher_count",
        "index_organization",
        "index_org_owned",
        "index_publisher_company",
    )
    out: dict[str, Any] = {}
    for n in names:
        value = got[n]
        out[n] = value.value if isinstance(value, _Known) else value
    return out


def test_ownership_roles_organisations_and_companies() -> None:
    roles = ["junk", {"role": "Owner"}, {"role": "Owner", "user": ""}]
    roles += [{"role": "Owner", "user": "Alice"}, {"role": "Maintainer", "user": "alice"}]
    assert _ownership({"roles": roles, "organization": ""}) == {
        "index_publishers": [
            {"role": "Owner", "user": "Alice"},
            {"role": "Maintainer", "user": "alice"},
        ],
        "index_publisher_count": 1,  # one account, whatever its case
        "index_organization": None,  # "" is no organisation
        "index_org_owned": False,
        "index_publisher_company": "",
    }
    org_owned = _ownership({"roles": [], "organization": "nvidia"})
    reason = (
        "the index organisation 'nvidia' owns the project and its members, who can publish, "
        "are not listed"
    )
    assert org_owned == {
        "index_publishers": reason,
        "index_publisher_count": reason,
        "index_organization": "nvidia",
        "index_org_owned": True,
        "index_publisher_company": "NVIDIA",  # the organisation's name is the company's
    }
    nobody = _ownership({"roles": [], "organization": None})
    assert nobody["index_publishers"] == "the index lists no publishing accounts for the project"
    assert nobody["index_publisher_count"] == nobody["index_publishers"]


def test_a_company_account_among_others_is_not_the_sole_publisher() -> None:
    roles = [{"role": "Owner", "user": "nvidia"}, {"role": "Owner", "user": "alice"}]
    assert _ownership({"roles": roles})["index_publisher_company"] == ""
    assert _ownership({"roles": roles[:1]})["index_publisher_company"] == "NVIDIA"


def test_open_advisories_are_labelled_by_id_or_alias() -> None:
    vulns = [
        "junk",
        {"id": "PYSEC-0", "aliases": [], "withdrawn": "2024-01-01T00:00:00Z"},
        {"id": "GHSA-1", "aliases": ["CVE-1", "CVE-2"]},
        {"id": "", "aliases": ["CVE-3"]},  # no id: its first alias
        {"aliases": []},  # nothing to name it by, still counted
        {"id": "PYSEC-1", "aliases": ["PYSEC-1"]},  # not repeated
    ]
    got = known(project_signals({"info": {}, "vulnerabilities": vulns}, now=NOW))
    assert got["open_vulnerability_ids"] == ["GHSA-1 (CVE-1, CVE-2)", "CVE-3", "?", "PYSEC-1"]
    assert got["open_vulnerabilities"] == 4


def test_notices_are_read_only_from_text() -> None:
    odd = project_signals({"info": {"summary": 5, "description": ["x"]}}, now=NOW)
    assert (odd["deprecation_notice"], odd["successor"]) == (_Known(""), _Known(""))
    plain = project_signals({"info": {"summary": "This package is deprecated."}}, now=NOW)
    assert plain["deprecation_notice"] == _Known("This package is deprecated.")
    assert plain["successor"] == _Known("")  # a notice that names no successor


def test_the_homepage_can_be_the_repository_and_other_links_are_passed_over() -> None:
    home = map_project({"home_page": "https://github.com/o/r"})
    assert (home.url, home.confidence, home.how) == (
        "https://github.com/o/r",
        "medium",
        "the homepage (Home-page)",
    )
    assert home.ref is not None and home.ref.slug == "o/r"
    urls = {"Docs": "https://docs.example.org", "Bad": None, "Source": "https:///o/r"}
    odd = map_project({"project_urls": urls})
    assert (odd.url, odd.how) == (
        "https:///o/r",
        "Project-URL 'Source' on an unknown host, not GitHub (not fetched)",
    )


def test_development_status_classifiers() -> None:
    def status(classifiers: list[Any]) -> dict[str, Any]:
        got = project_signals({"info": {"classifiers": classifiers}}, now=NOW)
        out: dict[str, Any] = {}
        for n in ("development_status", "declared_inactive", "declared_planning"):
            value = got[n]
            out[n] = value.value if isinstance(value, _Known) else value
        return out

    both = ["Development Status :: 5 - Production/Stable", "Development Status :: 7 - Inactive"]
    assert status([5, "Topic :: X", *both]) == {
        "development_status": "7 - Inactive",  # the highest stage declared
        "declared_inactive": True,
        "declared_planning": False,
    }
    assert status(["Development Status :: 1 - Planning"])["declared_planning"] is True
    assert status(["Topic :: X"]) == {
        "development_status": "the project declares no 'Development Status' classifier",
        "declared_inactive": False,  # a declaration not made is known: none was made
        "declared_planning": False,
    }


def test_the_collector_passes_the_users_github_hosts_on(tmp_path: Path) -> None:
    from tests.fakes import FakeIndex

    with FakeIndex() as fake:
        fake.add_project("a", ["1.0"], project_urls={"Source": "https://git.corp.example/o/a"})
        cache = Cache(tmp_path / "c.sqlite3")
        try:
            client = IndexClient([fake.simple_url], session=make_session(), cache=cache)
            collector = IndexCollector(client, now=NOW, github_hosts=("git.corp.example",))
            got = {
                s.name: s.value for s in collector.collect([Subject(package="a", version="1")])["a"]
            }
            assert got["repository_confidence"] == "high"
        finally:
            cache.close()
