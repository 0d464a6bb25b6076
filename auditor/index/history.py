"""A project's release history, reduced to what does not depend on the current moment.

Why: a warm audit of 239 packages read about 19,000 release times from the cache, parsed
each into a ``datetime`` and looked for the latest version among them, on every run, to
answer questions (how many releases, when the first, the newest live one, whether the
latest is yanked) whose answers only change when the history does. ``ReleaseSummary``
holds those answers: the upload moments as sorted integers and the two facts that need
version numbers. It is computed once when the index page is fetched and cached beside the
history it came from; what depends on "now" (ages, windows, how overdue) is arithmetic
on it, done by the collector each run.

Moments are integer microseconds since the Unix epoch: the difference of two is exactly
the ``timedelta`` between the two datetimes, so every age computed from them is the one
the datetimes give.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from packaging.version import InvalidVersion, Version

#: Raised whenever what a summary means changes (what counts as latest, which releases
#: count): a cached summary of another format is recomputed from its history, never used.
SUMMARY_FORMAT = 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class Release:
    """One released version: its first upload, and whether every file of it is yanked."""

    version: str
    uploaded: datetime
    yanked: bool


class ReleaseSummary(msgspec.Struct, frozen=True):
    """The now-independent facts of a release history (never empty: no releases, no summary).

    ``times``: every release's upload moment (microseconds since the epoch), ascending;
    ``newest_live``: the newest moment among releases not yanked, None when all are;
    ``latest_yanked``: whether the highest version (finals preferred) is yanked, None when
    no version number is valid.
    """

    format: int
    times: tuple[int, ...]
    newest_live: int | None
    latest_yanked: bool | None

    def __post_init__(self) -> None:
        # Checked while a cached row is decoded: a damaged one is a miss, not a wrong age.
        if not self.times or any(a > b for a, b in itertools.pairwise(self.times)):
            raise ValueError("times must be a non-empty ascending list")
        if self.newest_live is not None and not (
            self.times[0] <= self.newest_live <= self.times[-1]
        ):
            raise ValueError("newest_live must be one of the times")


def moment(at: datetime) -> int:
    """``at`` (timezone-aware) as integer microseconds since the epoch."""
    return (at - _EPOCH) // _MICROSECOND


def parse_time(stamp: str) -> datetime | None:
    """An ISO 8601 upload time; a time without a zone is UTC; None when unreadable."""
    try:
        at = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def releases_from_history(history: Mapping[str, tuple[str, bool]]) -> list[Release]:
    """Version -> (upload time, yanked) as releases, in order; unreadable times skipped."""
    out: list[Release] = []
    for version, (stamp, yanked) in history.items():
        uploaded = parse_time(stamp)
        if uploaded is not None:
            out.append(Release(str(version), uploaded, yanked))
    return out


def releases_from_project_json(raw: Any) -> list[Release]:
    """A project JSON ``releases`` map (version -> files) as releases, in order: each
    version's first file gives the upload time and the yanked flag; a version without
    files (never really released) or without a readable time is skipped."""
    out: list[Release] = []
    if not isinstance(raw, dict):
        return out
    for version, files in raw.items():
        if not isinstance(files, list) or not files or not isinstance(files[0], dict):
            continue
        first = files[0]
        stamp = first.get("upload_time_iso_8601")
        uploaded = parse_time(stamp) if isinstance(stamp, str) else None
        if uploaded is not None:
            out.append(Release(str(version), uploaded, bool(first.get("yanked"))))
    return out


def summarise(releases: Sequence[Release]) -> ReleaseSummary | None:
    """The summary of these releases, None when there are none."""
    if not releases:
        return None
    live = [moment(r.uploaded) for r in releases if not r.yanked]
    top = latest(releases)
    return ReleaseSummary(
        format=SUMMARY_FORMAT,
        times=tuple(sorted(moment(r.uploaded) for r in releases)),
        newest_live=max(live) if live else None,
        latest_yanked=None if top is None else top.yanked,
    )


def summarise_history(history: Mapping[str, tuple[str, bool]] | None) -> ReleaseSummary | None:
    """The summary of a simple page's history, None without one or without a readable time."""
    return summarise(releases_from_history(history)) if history else None


# A plain release number ("2.31.0"): final, and ordered as its numbers with trailing zeros
# dropped, as packaging orders it. Segments are bounded so int() never meets a huge one.
_PLAIN_RELEASE = re.compile(r"[0-9]{1,18}(?:\.[0-9]{1,18}){0,15}")
# The same with a canonical pre-release or development suffix ("2.0rc1", "1.4.dev0"):
# never the answer when a final release exists, so not parsed then.
_PLAIN_PRERELEASE = re.compile(
    r"[0-9]{1,18}(?:\.[0-9]{1,18}){0,15}"
    r"(?:(?:a|b|rc)[0-9]{1,18}(?:\.dev[0-9]{1,18})?|\.dev[0-9]{1,18})"
)


def latest(releases: Sequence[Release]) -> Release | None:
    """The highest version, final releases preferred; the first listed among equals.

    Most version strings are plain release numbers, compared here as tuples of ints: a
    project with hundreds of releases no longer builds a ``Version`` for each (19,000
    for a 239-package audit). Only the highest plain one and the others are parsed, and
    the first maximal of those, in the original order, is the first maximal of all.
    """
    best_plain: tuple[int, ...] | None = None
    best_index = -1
    others: list[int] = []
    prereleases: list[int] = []
    for i, r in enumerate(releases):
        if _PLAIN_RELEASE.fullmatch(r.version):
            key = tuple(map(int, r.version.split(".")))
            while key and key[-1] == 0:
                key = key[:-1]
            if best_plain is None or key > best_plain:
                best_plain, best_index = key, i
        elif _PLAIN_PRERELEASE.fullmatch(r.version):
            prereleases.append(i)
        else:
            others.append(i)
    if best_index >= 0:
        others.append(best_index)
    else:
        others.extend(prereleases)
    others.sort()
    parsed: list[tuple[Version, Release]] = []
    for i in others:
        r = releases[i]
        try:
            parsed.append((Version(r.version), r))
        except InvalidVersion:
            continue
    if not parsed:
        return None
    finals = [p for p in parsed if not p[0].is_prerelease] or parsed
    return max(finals, key=lambda p: p[0])[1]


def upload_history(rows: Sequence[Sequence[Any]]) -> dict[str, tuple[str, bool]] | None:
    """Version -> (earliest upload time, every file yanked) over a page's file rows.

    None when any row lacks an upload time (partial times would fake a history) or the
    page lists no file.
    """
    if not rows:
        return None
    out: dict[str, tuple[str, bool]] = {}
    for row in rows:
        stamp = row[8] if len(row) > 8 else None
        if not isinstance(stamp, str) or not stamp:
            return None
        version, yanked = str(row[2]), bool(row[5])
        seen = out.get(version)
        if seen is None:
            out[version] = (stamp, yanked)
        else:
            out[version] = (min(seen[0], stamp), seen[1] and yanked)
    return out


def history_entry(
    history: dict[str, tuple[str, bool]] | None, summary: ReleaseSummary | None
) -> dict[str, Any]:
    # (time, yanked) pairs are written as JSON arrays. The summary (null: no readable
    # time) is written in the same row as the history it was made from, so the two can
    # never disagree.
    if history is None:
        return {"versions": None}
    return {
        "versions": history,
        "summary": None if summary is None else msgspec.to_builtins(summary),
    }
