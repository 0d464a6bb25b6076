"""The package's front door: analyse one repository and get a ``BusFactorReport``.

Used by the ``bus-factor`` command and the ``git`` collector alike, so both say the
same thing about the same repository.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from auditor.errors import InputError

from .analysis import analyse
from .exclude import ExcludeMatcher, make_matcher
from .facts import HistoryFacts
from .git import GitFailed
from .metrics import build_report
from .repo import resolve_revision
from .report import BusFactorReport
from .target import Target


def analyse_target(
    target: Target,
    *,
    rev: str | None = None,
    matcher: ExcludeMatcher | None = None,
) -> HistoryFacts:
    """Pin ``rev`` (default HEAD) to a commit and analyse its history."""
    sha = resolve_revision(target.git_dir, rev, label=target.label)
    try:
        return analyse(
            target.git_dir,
            sha,
            matcher=matcher if matcher is not None else make_matcher(),
            rename=target.rename,
            fetch=not target.offline,
        )
    except GitFailed as exc:
        raise InputError(
            f"cannot read the history of {target.label}: {exc.detail}",
            hint="Check that the repository is readable and not corrupt (`git fsck`).",
        ) from exc


def bus_factor(
    target: Target,
    *,
    rev: str | None = None,
    excludes: Sequence[str] = (),
    use_default_excludes: bool = True,
    now: datetime | None = None,
) -> BusFactorReport:
    """The full report for one opened repository; ``now`` defaults to the present."""
    facts = analyse_target(
        target, rev=rev, matcher=make_matcher(excludes, use_defaults=use_default_excludes)
    )
    return build_report(
        facts, target=target.label, ref=rev, now=now if now is not None else datetime.now(UTC)
    )
