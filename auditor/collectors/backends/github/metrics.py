"""Pure arithmetic over GitHub's answers: shares, absence factor, windows, medians.

Kept apart from the HTTP code so each formula can be tested with literal data and so
GraphQL and REST answers go through the same definitions.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

MAINTAINER_ASSOCIATIONS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})


def parse_time(value: object) -> datetime | None:
    """GitHub's ISO 8601 timestamps ("2024-05-01T10:00:00Z") as aware datetimes."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def iso(moment: datetime) -> str:
    """The ``since`` form GitHub accepts."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, kw_only=True)
class ContributorStats:
    """Contributor concentration computed from the contributors list."""

    count: int
    top_share: float
    absence_factor: int
    estimated: bool


def contributor_stats(
    contributions: Sequence[int], *, unseen: int = 0, unseen_each: float = 0.0
) -> ContributorStats | None:
    """Top share and CHAOSS absence factor (fewest people with more than 50% of commits).

    ``unseen`` contributors we did not page through are assumed to have ``unseen_each``
    commits each (an estimate between the neighbouring pages), flagged as ``estimated``.
    """
    counts = sorted((c for c in contributions if c > 0), reverse=True)
    if not counts:
        return None
    total = sum(counts) + unseen * unseen_each
    running = 0
    factor = 0
    for c in counts:
        running += c
        factor += 1
        if running > total / 2:
            break
    else:
        # The unseen tail is needed to pass half; each unseen adds unseen_each.
        need = total / 2 - running
        factor += int(need // unseen_each) + 1 if unseen_each > 0 else 0
    return ContributorStats(
        count=len(contributions) + unseen,
        top_share=round(counts[0] / total, 4),
        absence_factor=factor,
        estimated=unseen > 0,
    )


def weekly_window(weeks: Sequence[int], days: int) -> int:
    """Commits in the last ``days`` from a participation series (oldest week first)."""
    n = max(1, round(days / 7))
    return sum(weeks[-n:])


def committers_in_window(stats: Iterable[object], since: datetime) -> int:
    """Distinct authors with a commit in a week starting on or after ``since``."""
    cutoff = since.timestamp() - 7 * 24 * 3600  # a week that straddles the cutoff counts
    authors = 0
    for entry in stats:
        if not isinstance(entry, dict):
            continue
        weeks = entry.get("weeks")
        if not isinstance(weeks, list):
            continue
        if any(
            isinstance(w, dict) and w.get("w", 0) >= cutoff and w.get("c", 0) > 0 for w in weeks
        ):
            authors += 1
    return authors


def count_since(moments: Iterable[datetime | None], since: datetime) -> int:
    return sum(1 for m in moments if m is not None and m >= since)


@dataclass(frozen=True, kw_only=True)
class IssueTiming:
    """One issue opened in the window: when, and when a maintainer first answered."""

    opened: datetime
    first_response: datetime | None


def median_response_hours(issues: Sequence[IssueTiming], now: datetime) -> float | None:
    """Median hours to first maintainer response; unanswered issues count with their age.

    Counting an unanswered issue as "answered now" keeps silence from looking fast: it
    is a lower bound on its real response time, so the median is never flattered.
    """
    if not issues:
        return None
    hours = [((i.first_response or now) - i.opened) / timedelta(hours=1) for i in issues]
    return round(statistics.median(hours), 1)


def days_since(moment: datetime | None, now: datetime) -> int | None:
    if moment is None:
        return None
    return max(0, (now - moment).days)
