"""The release signals from a cached summary are the ones the whole history gives.

``reference`` below is the computation the collector did before summaries were cached:
every release's datetime, ages by ``timedelta``. The summary keeps integer microseconds
and two version facts; for any history and any moment (far past, now, centuries ahead)
the eight release signals must come out the same.
"""

from __future__ import annotations

import itertools
import statistics
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.collectors.index import MIN_GAP_DAYS, RHYTHM_WINDOW, _Known, project_signals
from auditor.index.client import _trim_project_json
from auditor.index.history import (
    Release,
    latest,
    releases_from_history,
    summarise,
    summarise_history,
)

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def reference(releases: list[Release], now: datetime) -> dict[str, Any]:
    """The release signals as computed from datetimes (the collector before summaries)."""

    def days(at: datetime) -> int:
        return max(0, int((now - at).total_seconds() // 86400))

    out: dict[str, Any] = {}
    ages = [days(r.uploaded) for r in releases]
    out["index_releases_730d"] = sum(1 for age in ages if age <= 730)
    out["index_releases_365d"] = sum(1 for age in ages if age <= 365)
    out["release_count"] = len(releases)
    dates = sorted(r.uploaded for r in releases)
    recent = dates[-(RHYTHM_WINDOW + 1) :]
    gaps = [(b - a).total_seconds() / 86400 for a, b in itertools.pairwise(recent)]
    if len(gaps) >= 2:
        median = statistics.median(gaps)
        out["median_release_gap_days"] = round(median, 1)
        out["release_gap_ratio"] = round(days(dates[-1]) / max(median, MIN_GAP_DAYS), 2)
    else:
        out["median_release_gap_days"] = out["release_gap_ratio"] = "few"
    live = [r for r in releases if not r.yanked]
    out["days_since_release"] = days(max(r.uploaded for r in live)) if live else "all yanked"
    out["first_release_age_days"] = days(min(r.uploaded for r in releases))
    top = latest(releases)
    out["latest_release_yanked"] = top.yanked if top is not None else "no valid version"
    return out


def from_summary(history: dict[str, tuple[str, bool]], now: datetime) -> dict[str, Any]:
    summary = summarise_history(history)
    assert summary is not None
    got = project_signals({"info": {}}, now=now, history=summary)
    out: dict[str, Any] = {}
    for name in reference(releases_from_history(history), now):
        value = got[name]
        if isinstance(value, _Known):
            out[name] = value.value
        elif "too few" in value:
            out[name] = "few"
        elif "yanked" in value:
            out[name] = "all yanked"
        else:
            out[name] = "no valid version"
    return out


ZONES = st.sampled_from(
    [UTC, timezone(timedelta(hours=12)), timezone(timedelta(hours=-5, minutes=-30)), None]
)
MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2030, 1, 1), timezones=ZONES
)
VERSIONS = st.sampled_from(["1.0", "1.0.0", "2.0", "2.1rc1", "0.9", "banana", "3.0.dev1", "v4"])


def _stamp(at: datetime) -> str:
    text = at.isoformat()
    return text.replace("+00:00", "Z") if text.endswith("+00:00") else text


HISTORIES = st.dictionaries(
    st.one_of(VERSIONS, st.from_regex(r"[0-9]{1,2}\.[0-9]{1,2}(\.[0-9])?", fullmatch=True)),
    st.tuples(MOMENTS.map(_stamp), st.booleans()),
    min_size=1,
    max_size=40,
)
NOWS = st.one_of(
    st.just(NOW),
    st.datetimes(
        min_value=datetime(1999, 1, 1), max_value=datetime(2040, 1, 1), timezones=ZONES
    ).filter(lambda d: d.tzinfo is not None),
    st.just(datetime(2400, 2, 29, 23, 59, 59, 999999, tzinfo=UTC)),  # far in the future
)


@settings(max_examples=300, deadline=None)
@given(history=HISTORIES, now=NOWS)
def test_summary_gives_what_the_whole_history_gives(
    history: dict[str, tuple[str, bool]], now: datetime
) -> None:
    assert from_summary(history, now) == reference(releases_from_history(history), now)


def test_window_edges_to_the_microsecond() -> None:
    # 366 days ago is out of the year, a microsecond later is in: the day count flips
    # where timedelta's does.
    edge = NOW - timedelta(days=366)
    history = {
        "1.0": (_stamp(edge), False),
        "1.1": (_stamp(edge + timedelta(microseconds=1)), False),
        "1.2": (_stamp(edge - timedelta(microseconds=1)), True),
        "1.3": (_stamp(NOW - timedelta(days=730, hours=23, microseconds=999_999)), False),
    }
    got = from_summary(history, NOW)
    assert got == reference(releases_from_history(history), NOW)
    assert got["index_releases_365d"] == 1 and got["index_releases_730d"] == 4
    later = NOW + timedelta(microseconds=1)
    assert from_summary(history, later) == reference(releases_from_history(history), later)


def test_a_far_future_moment_sees_an_old_project() -> None:
    history = {"1.0": ("2020-01-01T00:00:00Z", False), "1.1": ("2021-01-01T00:00:00Z", True)}
    far = datetime(9000, 1, 1, tzinfo=UTC)
    got = from_summary(history, far)
    assert got == reference(releases_from_history(history), far)
    assert got["index_releases_730d"] == 0 and got["days_since_release"] > 2_500_000


def test_nothing_readable_means_no_summary() -> None:
    assert summarise_history(None) is None
    assert summarise_history({}) is None
    assert summarise_history({"1.0": ("yesterday", False)}) is None
    assert summarise([]) is None


def test_summary_facts() -> None:
    history = {
        "2.0": ("2025-05-01T00:00:00Z", True),  # the latest version, yanked
        "1.0": ("2024-01-01T00:00:00+01:00", False),
        "1.5": ("2025-04-01T00:00:00Z", False),  # the newest live one
        "0.1": ("not a time", False),  # skipped everywhere
    }
    summary = summarise_history(history)
    assert summary is not None
    assert summary.times == (
        1704063600000000,  # 2023-12-31T23:00:00Z
        1743465600000000,
        1746057600000000,
    )
    assert summary.newest_live == 1743465600000000
    assert summary.latest_yanked is True
    live = [Release("1.0", datetime(2024, 1, 1, tzinfo=UTC), False)]
    assert summarise(live) == summary.__class__(
        format=summary.format,
        times=(1704067200000000,),
        newest_live=1704067200000000,
        latest_yanked=False,
    )


# -- the project JSON's releases map, kept as its summary by the index client ---------------

FILES = st.lists(
    st.tuples(st.one_of(st.none(), MOMENTS.map(_stamp)), st.booleans()), min_size=0, max_size=3
)


def _full_doc(releases: dict[str, list[tuple[str | None, bool]]]) -> dict[str, Any]:
    return {
        "info": {"name": "p"},
        "releases": {
            v: [
                {"upload_time_iso_8601": t, "yanked": y, "packagetype": "sdist", "url": "x"}
                for t, y in files
            ]
            for v, files in releases.items()
        },
    }


@settings(max_examples=200, deadline=None)
@given(releases=st.dictionaries(VERSIONS, FILES, max_size=12), now=NOWS)
def test_a_trimmed_document_gives_the_release_signals_its_map_gave(
    releases: dict[str, list[tuple[str | None, bool]]], now: datetime
) -> None:
    # Before: the trimmed map, read by the collector. Now: only its summary is kept.
    full = _full_doc(releases)
    trimmed = _trim_project_json(full)
    assert "releases" not in trimmed
    kept_map = {**trimmed, "releases": _slim(full["releases"])}
    del kept_map["release_summary"]
    assert project_signals(trimmed, now=now) == project_signals(kept_map, now=now)


def _slim(raw: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The trimmed releases map as documents were cached before summaries."""
    out: dict[str, list[dict[str, Any]]] = {}
    for version, files in raw.items():
        stamps = [f["upload_time_iso_8601"] for f in files if f["upload_time_iso_8601"]]
        out[version] = (
            [
                {
                    "upload_time_iso_8601": min(stamps) if stamps else None,
                    "yanked": all(f["yanked"] for f in files),
                    "packagetype": "sdist",
                }
            ]
            if files
            else []
        )
    return out


def test_the_reasons_when_the_map_gives_nothing() -> None:
    empty = _trim_project_json({"info": {}, "releases": {"1.0": []}})
    assert empty["release_summary"] is None
    assert project_signals(empty, now=NOW)["release_count"] == (
        "the index lists no releases with upload times for the project"
    )
    assert project_signals({"info": {}}, now=NOW)["release_count"] == (
        "the index's project JSON has no release history"
    )
