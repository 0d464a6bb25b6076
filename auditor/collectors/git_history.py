"""The ``git`` collector: bus-factor signals from each package's own repository history.

Why it works per repository, not per package: several packages often live in one
repository (a monorepo publishing many distributions), and one clone and one analysis
serve them all. Clones run concurrently but bounded, to be kind to the remote host and
to this machine's disk. What an analysis found about a commit never changes, so it is
cached for good under repository + commit id; the fetch before it is what notices new
commits. Anything that goes wrong for one repository becomes ``unknown`` with the
reason for that repository's packages, never an exception for the whole audit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from auditor.cache import Cache
from auditor.collectors.backends.git.exclude import ExcludeMatcher, make_matcher
from auditor.collectors.backends.git.facts import FACTS_VERSION, HistoryFacts
from auditor.collectors.backends.git.git import DEFAULT_TIMEOUT
from auditor.collectors.backends.git.remote import RemoteLocation, ensure_clone, parse_remote
from auditor.collectors.backends.git.repo import resolve_revision
from auditor.collectors.backends.git.signals import COLLECTOR, SPECS
from auditor.collectors.backends.git.target import Target
from auditor.errors import AuditorError

from .interface import Collector, JSONValue, Signal, SignalSpec, Subject

if TYPE_CHECKING:
    from auditor.collectors.backends.git.report import BusFactorReport

CACHE_NAMESPACE = "git-history"


# The analysis and the report load rich and enry: only a run that analyses pays for them
# (an audit without --git still lists this collector's signals).
def analyse_target(
    target: Target, *, rev: str | None = None, matcher: ExcludeMatcher | None = None
) -> HistoryFacts:
    """``backends.git.api.analyse_target``, imported on first use."""
    from auditor.collectors.backends.git.api import analyse_target as analyse

    return analyse(target, rev=rev, matcher=matcher)


def build_report(
    facts: HistoryFacts, *, target: str, ref: str | None, now: datetime
) -> BusFactorReport:
    """``backends.git.metrics.build_report``, imported on first use."""
    from auditor.collectors.backends.git.metrics import build_report as build

    return build(facts, target=target, ref=ref, now=now)


class GitHistoryCollector(Collector):
    """Clones (blobless, cached) each subject's repository and reads its history."""

    name: ClassVar[str] = COLLECTOR
    provides: ClassVar[tuple[SignalSpec, ...]] = SPECS

    def __init__(
        self,
        *,
        cache_dir: Path,
        cache: Cache | None = None,
        max_parallel: int = 4,
        allowed_hosts: Iterable[str] = (),
        now: datetime | None = None,
        offline: bool = False,
        excludes: Sequence[str] = (),
        use_default_excludes: bool = True,
        allow_insecure_loopback: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.cache_dir = cache_dir
        self.cache = cache
        self.max_parallel = max(1, max_parallel)
        self.allowed_hosts = tuple(allowed_hosts)
        self.now = now
        self.offline = offline
        self.allow_insecure_loopback = allow_insecure_loopback
        self.timeout = timeout
        self._excludes = tuple(excludes)
        self._use_default_excludes = use_default_excludes
        self._matcher: ExcludeMatcher | None = None

    # -- Collector ----------------------------------------------------------------------

    def collect(self, subjects: Sequence[Subject]) -> Mapping[str, Sequence[Signal]]:
        now = self.now if self.now is not None else datetime.now(UTC)
        results: dict[str, list[Signal]] = {}
        remotes: dict[str, RemoteLocation] = {}
        wanted: dict[str, list[Subject]] = {}
        for subject in subjects:
            if subject.repository is None:
                results[subject.package] = self._unknown(
                    now, "no source repository is known for this package"
                )
                continue
            try:
                remote = parse_remote(
                    subject.repository.url,
                    allowed_hosts=self.allowed_hosts,
                    allow_insecure_loopback=self.allow_insecure_loopback,
                )
            except AuditorError as exc:
                results[subject.package] = self._unknown(now, exc.message)
                continue
            remotes.setdefault(remote.key, remote)
            wanted.setdefault(remote.key, []).append(subject)
        if remotes:
            try:
                matcher = self._get_matcher()
            except AuditorError as exc:
                for key in remotes:
                    for subject in wanted[key]:
                        results[subject.package] = self._unknown(now, exc.message)
                return results
            workers = min(self.max_parallel, len(remotes))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="git") as pool:
                outcomes = dict(
                    zip(
                        remotes,
                        pool.map(lambda r: self._facts(r, matcher), remotes.values()),
                        strict=True,
                    )
                )
            for key, outcome in outcomes.items():
                remote = remotes[key]
                for subject in wanted[key]:
                    if isinstance(outcome, str):
                        results[subject.package] = self._unknown(now, outcome)
                    else:
                        report = build_report(outcome, target=remote.url, ref=None, now=now)
                        results[subject.package] = self._signals(report, remote, now)
        return results

    # -- internals ------------------------------------------------------------------------

    def _get_matcher(self) -> ExcludeMatcher:
        if self._matcher is None:
            self._matcher = make_matcher(self._excludes, use_defaults=self._use_default_excludes)
        return self._matcher

    def _cache_key(self, remote: RemoteLocation, sha: str, matcher: ExcludeMatcher) -> str:
        settings = json.dumps([FACTS_VERSION, "exact", list(matcher.patterns)])
        digest = hashlib.sha256(settings.encode()).hexdigest()[:16]
        return f"{remote.key}@{sha}#{digest}"

    def _facts(self, remote: RemoteLocation, matcher: ExcludeMatcher) -> HistoryFacts | str:
        """The facts for one repository, or the reason they could not be had."""
        try:
            git_dir = ensure_clone(
                remote, self.cache_dir, offline=self.offline, timeout=self.timeout
            )
            target = Target(
                label=remote.url,
                git_dir=git_dir,
                remote=remote,
                rename="exact",
                offline=self.offline,
            )
            sha = resolve_revision(git_dir, None, label=remote.url)
            key = self._cache_key(remote, sha, matcher)
            if self.cache is not None:
                cached = self.cache.get(CACHE_NAMESPACE, key)
                facts = HistoryFacts.from_json(cached) if cached is not None else None
                if facts is not None:
                    return facts
            facts = analyse_target(target, rev=sha, matcher=matcher)
            if self.cache is not None:
                self.cache.put(CACHE_NAMESPACE, key, facts.to_json(), ttl=None)
            return facts
        except AuditorError as exc:
            return exc.message
        except Exception as exc:  # one broken repository must not end the audit
            return f"git history analysis failed: {type(exc).__name__}: {exc}"

    def _unknown(self, now: datetime, reason: str) -> list[Signal]:
        return [Signal.unknown(spec.name, self.name, now, reason) for spec in self.provides]

    def _signals(
        self, report: BusFactorReport, remote: RemoteLocation, now: datetime
    ) -> list[Signal]:
        source = f"git:{remote.url}@{report.revision[:12]}"
        no_files = "no source files are left in the repository after exclusions"
        no_commits = "the history has no commits by people (only bots or merges)"
        no_orgs = "no commit e-mail belongs to an organisation (public providers do not count)"
        values: dict[str, tuple[JSONValue, str | None]] = {
            "truck_factor": (report.truck_factor, no_files),
            "truck_factor_authors": (
                [a.name for a in report.truck_factor_authors]
                if report.truck_factor is not None
                else None,
                no_files,
            ),
            "contributor_absence_factor": (report.contributor_absence_factor, no_commits),
            "contributor_absence_factor_365d": (
                report.contributor_absence_factor_365d,
                no_commits,
            ),
            "active_authors_90d": (report.active_authors_90d, None),
            "active_authors_365d": (report.active_authors_365d, None),
            "developer_distribution": (
                None
                if report.developer_distribution is None
                else round(report.developer_distribution, 4),
                no_commits,
            ),
            "elephant_factor": (report.elephant_factor, no_orgs),
            "elephant_factor_365d": (
                report.elephant_factor_365d,
                "no commit in the last 365 days comes from an organisation's e-mail",
            ),
            "last_commit_days": (report.last_commit_days, no_commits),
            "git_commits_365d": (report.commits_365d, None),
            "git_authors_total": (report.authors, None),
            "git_revision": (report.revision, None),
        }
        signals: list[Signal] = []
        for spec in self.provides:
            value, reason = values[spec.name]
            if value is None:
                signals.append(Signal.unknown(spec.name, source, now, reason or "not computed"))
            else:
                signals.append(Signal(name=spec.name, value=value, source=source, fetched_at=now))
        return signals
