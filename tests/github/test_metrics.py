"""GitHub's arithmetic at its edges: written from the mutation run (benchmarks/mutation.py
metrics), which showed the absence factor's estimate for unseen contributors, the
statistics' week boundary and the rounding unguarded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from auditor.collectors.backends.github.metrics import (
    ContributorStats,
    IssueTiming,
    committers_in_window,
    contributor_stats,
    count_since,
    days_since,
    median_response_hours,
    parse_time,
    weekly_window,
)

NOW = datetime(2025, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("2024-05-01T12:00:00+02:00", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("yesterday", None),
        ("", None),
        (None, None),
        (5, None),
    ],
)
def test_parse_time(value: object, parsed: datetime | None) -> None:
    assert parse_time(value) == parsed


def test_unseen_contributors_are_estimated_into_the_absence_factor() -> None:
    # Listed 4 and 1 (and a zero, which is nobody), 10 unseen with 1 each: total 15.
    # Half is 7.5: the two listed reach 5, then three unseen are needed.
    assert contributor_stats([4, 1, 0], unseen=10, unseen_each=1.0) == ContributorStats(
        count=13, top_share=0.2667, absence_factor=5, estimated=True
    )
    # Unseen with half a commit each: 1 + 10 * 0.5 = 6; 1 listed, then 5 unseen (2.5 > 2).
    assert contributor_stats([1], unseen=10, unseen_each=0.5) == ContributorStats(
        count=11, top_share=0.1667, absence_factor=6, estimated=True
    )
    # Unseen contributors of unknown size count in the number of people, not the total.
    assert contributor_stats([2], unseen=4) == ContributorStats(
        count=5, top_share=1.0, absence_factor=1, estimated=True
    )
    assert contributor_stats([3, 1], unseen=1, unseen_each=1.0) == ContributorStats(
        count=3, top_share=0.6, absence_factor=1, estimated=True
    )
    assert contributor_stats([0, 0]) is None
    assert contributor_stats([3, 1]) == ContributorStats(
        count=2, top_share=0.75, absence_factor=1, estimated=False
    )


def test_weekly_window_is_at_least_one_week() -> None:
    assert weekly_window([1, 2, 3], 3) == 3
    assert weekly_window([1, 2, 3], 14) == 5


def test_a_statistics_week_counts_when_it_straddles_the_cut_off() -> None:
    since = NOW - timedelta(days=90)
    edge = int((since - timedelta(days=7)).timestamp())

    def author(week: int, commits: int = 1) -> dict[str, object]:
        return {"weeks": [{"w": week, "c": commits}]}

    stats = [
        author(edge),  # the week that ends exactly at the cut-off: counts
        author(edge - 1),  # a second earlier: does not
        author(edge + 7 * 86400, commits=0),  # a week in the window without commits
        "not an author",
        {"weeks": "none"},
        {"weeks": [{"c": 1}]},  # no week start: treated as the epoch
        {"weeks": [{"w": edge + 86400}]},  # no commit count: none
        author(edge + 86400),
    ]
    assert committers_in_window(stats, since) == 2


def test_count_since_includes_the_moment_itself() -> None:
    since = NOW - timedelta(days=365)
    moments = [None, since, since + timedelta(seconds=1), since - timedelta(seconds=1)]
    assert count_since(moments, since) == 2


def test_median_hours_are_rounded_to_a_tenth() -> None:
    opened = NOW - timedelta(days=3)
    timing = IssueTiming(opened=opened, first_response=opened + timedelta(minutes=80))
    assert median_response_hours([timing], NOW) == 1.3


def test_days_since_never_goes_negative_or_invents_a_day() -> None:
    assert days_since(None, NOW) is None
    assert days_since(NOW - timedelta(hours=12), NOW) == 0
    assert days_since(NOW + timedelta(days=2), NOW) == 0
    assert days_since(NOW - timedelta(days=3, hours=1), NOW) == 3
