"""Risk from the index alone (issue 13): rhythm, notices, ownership, advisories, state.

The projects are recorded from the real index (tests/fixtures/index: theano and
auto-gptq stopped releasing, sklearn and farm-haystack say they are deprecated or at
end of life, numpy releases steadily, jinja2 belongs to an index organisation) or built
on the fake index for what no recording shows (an advisory, a company account).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from auditor.cache import Cache
from auditor.collectors.index import IndexCollector, project_signals
from auditor.collectors.interface import Signal, Subject
from auditor.index.client import IndexClient
from auditor.index.http import make_session
from auditor.judge.context import PackageContext
from auditor.judge.rules import load_rules
from auditor.judge.scoring import PackageScore, evaluate
from tests.fakes import FakeIndex, Release

NOW = datetime(2026, 11, 29, tzinfo=UTC)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeIndex]:
    with FakeIndex.recorded() as server:
        old = NOW - timedelta(days=1500)
        server.add_project(
            "leaky-abandoned",
            [Release(f"1.{k}", upload_time=old - timedelta(days=60 * (9 - k))) for k in range(10)],
            roles=[("Owner", "someone")],
            vulnerabilities=[
                {"id": "GHSA-aaaa-bbbb-cccc", "aliases": ["CVE-2099-0001"], "fixed_in": []},
                {"id": "PYSEC-0-withdrawn", "aliases": [], "withdrawn": "2026-01-01T00:00:00Z"},
            ],
        )
        server.add_project(
            "leaky-active",
            [Release(f"2.{k}", upload_time=NOW - timedelta(days=30 * (5 - k))) for k in range(6)],
            roles=[("Owner", "someone"), ("Owner", "other")],
            vulnerabilities=[{"id": "GHSA-dddd-eeee-ffff", "aliases": [], "fixed_in": []}],
        )
        server.add_project(
            "company-lib",
            [Release("1.0", upload_time=NOW - timedelta(days=10))],
            roles=[("Owner", "NVIDIA")],
        )
        server.add_project(
            "one-release-this-year",
            [
                Release("0.1", upload_time=NOW - timedelta(days=900)),
                Release("0.2", upload_time=NOW - timedelta(days=200)),
            ],
            roles=[("Owner", "someone"), ("Owner", "other")],
        )
        last = NOW - timedelta(days=400)
        server.add_project(
            "overdue-lib",
            [
                Release(f"0.{k}", upload_time=last - timedelta(days=30 * (11 - k)))
                for k in range(12)
            ],
            roles=[("Owner", "solo-dev")],
        )
        server.add_project(
            "planning-lib",
            [Release("0.0.1", upload_time=NOW - timedelta(days=5))],
            classifiers=["Development Status :: 1 - Planning"],
            roles=[("Owner", "a"), ("Owner", "b")],
        )
        gone = NOW - timedelta(days=900)
        server.add_project(
            "stale-solo",
            [Release(f"1.{k}", upload_time=gone - timedelta(days=30 * (5 - k))) for k in range(6)],
            roles=[("Owner", "solo-dev")],
        )
        yield server


def collect(fake: FakeIndex, tmp_path: Path, *names: str) -> dict[str, dict[str, Signal]]:
    cache = Cache(tmp_path / "cache.sqlite3")
    try:
        client = IndexClient([fake.simple_url], session=make_session(), cache=cache)
        subjects = [Subject(package=n, version=None) for n in names]
        result = IndexCollector(client, now=NOW).collect(subjects)
        return {n: {s.name: s for s in sigs} for n, sigs in result.items()}
    finally:
        cache.close()


def value(signals: Mapping[str, Signal], name: str) -> Any:
    signal = signals[name]
    assert signal.known, f"{name}: {signal.unknown_reason}"
    return signal.value


def score(name: str, signals: Mapping[str, Signal]) -> PackageScore:
    return evaluate(load_rules(), signals, PackageContext(name=name, direct=True))


def outcome(s: PackageScore, rule: str) -> str:
    return next(f.outcome for f in s.findings if f.rule_id == rule)


# -- release rhythm ----------------------------------------------------------------------


def test_a_project_that_released_steadily_then_stopped(fake: FakeIndex, tmp_path: Path) -> None:
    got = collect(fake, tmp_path, "theano", "auto-gptq", "numpy")
    theano = got["theano"]
    assert value(theano, "release_count") == 17
    assert value(theano, "days_since_release") > 2000  # 1.0.5, July 2020
    assert value(theano, "index_releases_730d") == 0
    assert value(theano, "release_gap_ratio") >= 4
    gptq = got["auto-gptq"]
    assert value(gptq, "days_since_release") > 730 and value(gptq, "release_gap_ratio") >= 4
    for name in ("theano", "auto-gptq"):
        s = score(name, got[name])
        assert outcome(s, "releases-stopped") == "hit", name
        assert s.level == "high" and s.state == "abandoned", (name, s.state_why)
    numpy = got["numpy"]
    assert value(numpy, "index_releases_365d") >= 2
    s = score("numpy", numpy)
    assert outcome(s, "releases-stopped") == "pass" and s.state == "active"
    # The dates came from the simple API's PEP 700 upload times.
    assert "/simple/theano/" in fake.requests


def test_release_dates_come_from_upload_times_over_every_file() -> None:
    doc: dict[str, Any] = {"info": {}, "releases": {}, "ownership": None}
    times = {
        "1.0": ("2019-01-01T00:00:00Z", False),
        "1.1": ("2019-03-01T00:00:00Z", False),
        "1.2": ("2019-05-01T00:00:00Z", False),
        "1.3": ("2019-07-01T00:00:00Z", False),
        "1.4": ("2019-09-01T00:00:00Z", False),
    }
    got = project_signals(doc, now=NOW, upload_times=times)
    assert not isinstance(got["release_count"], str) and got["release_count"].value == 5
    gap = got["median_release_gap_days"]
    assert not isinstance(gap, str) and 59 <= float(gap.value) <= 62  # type: ignore[arg-type]
    # Without upload times the project JSON has no releases: unknown, not zero.
    assert isinstance(project_signals(doc, now=NOW)["release_count"], str)


def test_the_client_takes_each_versions_first_upload(fake: FakeIndex, tmp_path: Path) -> None:
    project = fake.project("leaky-active")
    files = [f for f in project.files if f.version == "2.5"]
    assert len(files) == 2
    files[1].upload_time = "2020-02-02T00:00:00.000000Z"  # a wheel uploaded long before
    cache = Cache(tmp_path / "c.sqlite3")
    try:
        client = IndexClient([fake.simple_url], session=make_session(), cache=cache)
        times = client.upload_times("leaky-active")
    finally:
        cache.close()
    assert times is not None and times["2.5"][0].startswith("2020-02-02")


def test_partial_upload_times_fall_back_to_the_project_json(
    fake: FakeIndex, tmp_path: Path
) -> None:
    project = fake.project("one-release-this-year")
    saved = project.files[0].upload_time
    project.files[0].upload_time = ""  # a mirror that dropped one file's upload time
    try:
        cache = Cache(tmp_path / "c.sqlite3")
        try:
            client = IndexClient([fake.simple_url], session=make_session(), cache=cache)
            assert client.upload_times("one-release-this-year") is None
        finally:
            cache.close()
        got = collect(fake, tmp_path / "again", "one-release-this-year")["one-release-this-year"]
        assert value(got, "release_count") == 2  # from the project JSON instead
    finally:
        project.files[0].upload_time = saved


def test_one_release_this_year_cannot_tell_the_state(fake: FakeIndex, tmp_path: Path) -> None:
    got = collect(fake, tmp_path, "one-release-this-year")["one-release-this-year"]
    s = score("one-release-this-year", got)
    assert s.state == "unknown"  # GitHub not asked: archived and commits unknown
    assert s.level == "unknown"  # no hit, and the GitHub/git rules carry 50+ points


def test_overdue_stale_and_planning_from_the_index(fake: FakeIndex, tmp_path: Path) -> None:
    got = collect(fake, tmp_path, "overdue-lib", "stale-solo", "planning-lib")
    overdue = score("overdue-lib", got["overdue-lib"])
    assert value(got["overdue-lib"], "release_gap_ratio") >= 5
    assert outcome(overdue, "release-overdue") == "hit"
    assert outcome(overdue, "releases-stopped") == "pass"  # not two years yet
    assert outcome(overdue, "single-publisher") == "hit"
    assert outcome(overdue, "single-publisher-stale") == "unknown"  # GitHub/git not asked
    stale = score("stale-solo", got["stale-solo"])
    for rule in ("releases-stopped", "no-release-two-years", "single-publisher-stale"):
        assert outcome(stale, rule) == "hit", rule
    assert stale.level == "high" and stale.state == "abandoned"
    planning = score("planning-lib", got["planning-lib"])
    assert value(got["planning-lib"], "declared_planning") is True
    assert outcome(planning, "declared-planning") == "hit"


# -- notices -----------------------------------------------------------------------------


def test_deprecation_notices_are_quoted_with_their_successor(
    fake: FakeIndex, tmp_path: Path
) -> None:
    got = collect(fake, tmp_path, "sklearn", "farm-haystack", "numpy")
    sk = got["sklearn"]
    assert "deprecated" in value(sk, "deprecation_notice").lower()
    assert value(sk, "successor") == "scikit-learn"
    haystack = got["farm-haystack"]
    assert "end of life" in value(haystack, "deprecation_notice").lower()
    assert value(haystack, "successor") == "haystack-ai"
    assert value(got["numpy"], "deprecation_notice") == ""
    s = score("sklearn", sk)
    hit = next(f for f in s.findings if f.rule_id == "deprecation-notice")
    assert hit.outcome == "hit" and hit.suggestion == "sklearn says: use scikit-learn"
    assert any("deprecated" in str(e.value) for e in hit.evidence)
    assert s.state == "abandoned" and s.level == "high"


def test_explain_names_the_notice_and_the_successor(run: Any) -> None:
    result = run("explain", "sklearn\n", "sklearn", "--no-github")
    assert "[HIT] deprecation-notice" in result.out
    assert "deprecated sklearn package, use scikit-learn instead" in result.out
    assert "suggestion: sklearn says: use scikit-learn" in result.out
    gate = run("audit", "sklearn\n", "--no-github")
    assert gate.code == 1 and "deprecation-notice" in gate.err


# -- publishing accounts -----------------------------------------------------------------


def test_an_index_organisation_is_not_a_single_publisher(fake: FakeIndex, tmp_path: Path) -> None:
    got = collect(fake, tmp_path, "jinja2", "company-lib", "farm-haystack")
    jinja = got["jinja2"]
    assert value(jinja, "index_org_owned") is True
    assert not jinja["index_publisher_count"].known  # roles: [] is not zero publishers
    assert "pallets" in str(jinja["index_publisher_count"].unknown_reason)
    s = score("jinja2", jinja)
    assert outcome(s, "single-publisher") == "pass"
    assert outcome(s, "single-publisher-stale") == "pass"
    company = got["company-lib"]
    assert value(company, "index_publisher_company") == "NVIDIA"
    assert outcome(score("company-lib", company), "single-publisher") == "pass"
    # One person-looking account and nothing else known: low at most.
    solo = got["farm-haystack"]
    assert value(solo, "index_publisher_count") == 1
    s = score("farm-haystack", solo)
    assert outcome(s, "single-publisher") == "hit"
    single = next(f for f in s.findings if f.rule_id == "single-publisher")
    assert single.severity == "low"


# -- advisories --------------------------------------------------------------------------


def test_an_open_advisory_on_an_abandoned_project_is_critical(
    fake: FakeIndex, tmp_path: Path
) -> None:
    got = collect(fake, tmp_path, "leaky-abandoned", "leaky-active")
    abandoned = got["leaky-abandoned"]
    assert value(abandoned, "open_vulnerabilities") == 1  # the withdrawn one is left out
    assert value(abandoned, "open_vulnerability_ids") == ["GHSA-aaaa-bbbb-cccc (CVE-2099-0001)"]
    s = score("leaky-abandoned", abandoned)
    assert outcome(s, "abandoned-open-vulnerability") == "hit" and s.level == "critical"
    active = score("leaky-active", got["leaky-active"])
    assert outcome(active, "open-vulnerability") == "hit"
    assert outcome(active, "abandoned-open-vulnerability") == "pass"
    assert active.level == "medium"


# -- level unknown in every format ---------------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "sarif", "html"])
def test_an_undecided_package_is_unknown_in_every_format(run: Any, fmt: str) -> None:
    # numpy from the index alone: no rule hits, but the GitHub and git rules that would
    # decide its level are undecided. Never a green "none"; counted apart.
    result = run("audit", "numpy\n", "--no-deps", "--no-github", "--format", fmt)
    assert result.code == 0, result.err
    out = result.out
    if fmt in ("json", "sarif"):
        doc = json.loads(out)
        if fmt == "json":
            pkg = next(p for p in doc["packages"] if p["name"] == "numpy")
            assert pkg["risk"]["level"] == "unknown" and pkg["risk"]["unknown_heavy"] is True
            levels = doc["summary"]["levels"]
        else:
            levels = doc["runs"][0]["properties"]["levels"]
        assert levels["unknown"] == 1 and levels["none"] == 0
    elif fmt == "html":
        assert re.search(r'"level":\s*"unknown"', out)
    else:
        summary = "1 unknown, 0 low, 0 none" if fmt == "text" else "**1 unknown** · 0 low · 0 none"
        assert summary in out  # the counts line
        if fmt == "text":
            assert re.search(r"^  unknown +numpy ", out, re.M)  # the package's own row
        else:
            assert re.search(r"numpy.*\|.*unknown", out)  # its row in the attention table
    strict = run("audit", "numpy\n", "--no-deps", "--no-github", "--strict")
    assert strict.code == 3  # --strict keeps failing on what is undecided
