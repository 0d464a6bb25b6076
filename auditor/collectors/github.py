"""The GitHub collector: repository health, activity, contributors and funding signals.

How it spends requests, which is the design's centre:
- several packages of one repository (a monorepo) are collected once;
- cached records (24 h) are reused, and records hurt by rate limits or server errors are
  not cached, so a bad hour does not poison a day;
- with a token, GraphQL only: one query per batch of ``batch_size`` repositories answers
  every signal it can (commit authors and their profiles' company included), commit
  history is paged, again in batches, only when ``max_commits`` asks for more than one
  page; no REST request is made, so ~170 repositories cost 9 requests. A batch that
  fails on GitHub's side (5xx, timeout) is split in halves and retried, within the
  client's circuit breaker; what still fails is ``unknown`` with the reason, never
  quietly re-fetched over REST;
- without a token, REST only, in the order the subjects arrive (most critical first),
  within a budget that stops well before GitHub's 60 requests an hour.

Only the configured API is ever contacted. A subject's repository is looked up only when
its host is GitHub; any other link (including loopback or private addresses) is
reported as not fetched. The token is handed to PyGithub and nowhere else: reasons are
scrubbed, and nothing that carries it is cached.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from auditor.cache import Cache
from auditor.collectors.backends.github import graphql, rest
from auditor.collectors.backends.github.client import (
    DEFAULT_API_URL,
    ClientSettings,
    GitHubApi,
    Unavailable,
)
from auditor.collectors.backends.github.company import normalise_company
from auditor.collectors.backends.github.graphql import CommitSample, Limits
from auditor.collectors.backends.github.signals import (
    COLLECTOR,
    GRAPHQL_ONLY,
    NAMES,
    SPECS,
    RepoRecord,
)
from auditor.collectors.interface import Collector, Signal, SignalSpec, Subject
from auditor.repository import github_hosts_for

NAMESPACE = "github"
DAY = 24 * 3600.0
NO_TOKEN_HINT = (
    "not collected without a token: the sponsors listing is only in GitHub's GraphQL API, "
    "which needs GITHUB_TOKEN or GH_TOKEN"
)


@dataclass(frozen=True, kw_only=True)
class _Target:
    key: str
    host: str
    owner: str
    name: str

    @property
    def slug(self) -> str:
        return f"{self.owner}/{self.name}"


class GitHubCollector(Collector):
    """Signals from the GitHub API (REST and GraphQL) through PyGithub."""

    name: ClassVar[str] = COLLECTOR
    provides: ClassVar[tuple[SignalSpec, ...]] = SPECS

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_API_URL,
        token: str | None = None,
        cache: Cache | None = None,
        max_wait: float = 60.0,
        now: datetime | None = None,
        batch_size: int = 20,
        anonymous_budget: int = 50,
        workers: int = 4,
        cache_ttl: float = DAY,
        retries: int = 3,
        retry_backoff: float = 0.5,
        stats_retries: int = 3,
        stats_wait: float = 2.0,
        timeout: int = 15,
        max_contributor_pages: int = 3,
        max_commits: int = 100,
    ) -> None:
        self._token = token or None
        self._cache = cache if cache is not None else Cache(None)
        self._now = now
        self._batch_size = max(1, batch_size)
        # Kept for callers: only the REST path could use workers, and it runs in order
        # so the anonymous budget is spent on the most critical packages first.
        self._workers = max(1, workers)
        self._cache_ttl = cache_ttl
        self._max_contributor_pages = max(1, max_contributor_pages)
        self._limits = Limits(max_commits=max(1, max_commits))
        self._hosts = github_hosts_for(base_url)
        self.settings = ClientSettings(
            base_url=base_url,
            max_wait=max_wait,
            timeout=timeout,
            retries=retries,
            retry_backoff=retry_backoff,
            stats_retries=stats_retries,
            stats_wait=stats_wait,
            budget=None if self._token else anonymous_budget,
            reserve=50 if self._token else 5,
        )
        self.requests_spent = 0

    def __repr__(self) -> str:
        auth = "token" if self._token else "anonymous"
        return f"GitHubCollector(base_url={self.settings.base_url!r}, auth={auth})"

    # -- Collector ----------------------------------------------------------------------------

    def collect(self, subjects: Sequence[Subject]) -> Mapping[str, Sequence[Signal]]:
        now = self._now or datetime.now(UTC)
        targets: dict[str, _Target] = {}
        plan: dict[str, str | _Target] = {}  # package -> reason or target
        for subject in subjects:
            outcome = self._target_for(subject)
            plan[subject.package] = outcome
            if isinstance(outcome, _Target):
                targets.setdefault(outcome.key, outcome)

        records: dict[str, tuple[RepoRecord, datetime]] = {}
        missing: list[_Target] = []
        for key, target in targets.items():
            cached = self._cached(target)
            if cached is not None:
                records[key] = cached
            else:
                missing.append(target)

        if missing:
            fresh = self._fetch(missing, now)
            for target in missing:
                record = fresh[target.key]
                records[target.key] = (record, now)
                if not record.transient:
                    self._cache.put(
                        NAMESPACE,
                        self._cache_key(target, authenticated=bool(self._token)),
                        {"fetched_at": now.isoformat(), **record.to_json()},
                        ttl=self._cache_ttl,
                    )

        out: dict[str, list[Signal]] = {}
        for package, outcome in plan.items():
            if isinstance(outcome, str):
                out[package] = [Signal.unknown(n, "github", now, outcome) for n in NAMES]
            else:
                record, fetched_at = records[outcome.key]
                out[package] = self._signals(record, f"github:{outcome.slug}", fetched_at)
        return out

    # -- planning -------------------------------------------------------------------------

    def _target_for(self, subject: Subject) -> str | _Target:
        repo = subject.repository
        if repo is None:
            return (
                "no GitHub repository is known for this package (no source, homepage or "
                "GitHub link among its Project-URLs)"
            )
        host = repo.host.lower().removeprefix("www.")
        if host not in self._hosts:
            return (
                f"the repository link points at {repo.host}, not GitHub; it was recorded, "
                "not fetched"
            )
        key = f"{host}/{repo.owner}/{repo.name}".lower()
        return _Target(key=key, host=host, owner=repo.owner, name=repo.name)

    def _cache_key(self, target: _Target, *, authenticated: bool) -> str:
        return f"repo:{target.key}:{'token' if authenticated else 'anonymous'}"

    def _cached(self, target: _Target) -> tuple[RepoRecord, datetime] | None:
        # A record fetched with a token is richer; an anonymous run may use it too.
        modes = [True] if self._token else [True, False]
        for authenticated in modes:
            raw = self._cache.get(NAMESPACE, self._cache_key(target, authenticated=authenticated))
            record = RepoRecord.from_json(raw)
            if record is None or not isinstance(raw, dict):
                continue
            try:
                fetched_at = datetime.fromisoformat(str(raw.get("fetched_at")))
            except ValueError:
                continue
            return record, fetched_at
        return None

    # -- fetching -------------------------------------------------------------------------

    def _fetch(self, targets: list[_Target], now: datetime) -> dict[str, RepoRecord]:
        records = {t.key: RepoRecord() for t in targets}
        api = GitHubApi(self.settings, self._token)
        shared = rest.SharedLookups()
        try:
            if self._token:
                self._graphql_pass(api, targets, records, now)
            else:
                plan = [(t, rest.ALL_STEPS) for t in targets]
                self._rest_pass(api, plan, records, now, shared)
        finally:
            self.requests_spent += api.spent
            api.close()
        for record in records.values():
            if not self._token:
                record.miss(GRAPHQL_ONLY, NO_TOKEN_HINT)
            record.complete("not collected")
            record.unknown = {k: api.scrub(v) for k, v in record.unknown.items()}
        return records

    def _graphql_pass(
        self,
        api: GitHubApi,
        targets: list[_Target],
        records: dict[str, RepoRecord],
        now: datetime,
    ) -> None:
        """Every signal of every repository from batched GraphQL documents; no REST."""
        samples: dict[str, CommitSample] = {}
        for start in range(0, len(targets), self._batch_size):
            batch = targets[start : start + self._batch_size]
            self._graphql_batch(api, batch, records, now, samples)
        self._page_history(api, targets, records, now, samples)
        lacked = "GitHub's GraphQL answer lacked this field"
        for target in targets:
            record = records[target.key]
            sample = samples.get(target.key)
            if sample is not None:
                graphql.finish_commits(record, sample, now, self._limits)
            record.miss(graphql.GRAPHQL_SIGNALS, lacked)

    def _graphql_batch(
        self,
        api: GitHubApi,
        batch: list[_Target],
        records: dict[str, RepoRecord],
        now: datetime,
        samples: dict[str, CommitSample],
    ) -> None:
        """One document for ``batch``; halves and retries it if GitHub's side failed.

        Large documents are what time out on GitHub's side, so a smaller one is worth a
        try; the client's circuit breaker bounds how often (a 5xx storm stops it).
        """
        query = graphql.build_query([(t.owner, t.name) for t in batch], now, self._limits)
        try:
            response = api.graphql(query.text)
        except Unavailable as exc:
            if exc.server and len(batch) > 1:
                half = len(batch) // 2
                self._graphql_batch(api, batch[:half], records, now, samples)
                self._graphql_batch(api, batch[half:], records, now, samples)
                return
            for target in batch:
                records[target.key].miss(NAMES, exc.reason, transient=True)
            return
        data = response.get("data")
        data = data if isinstance(data, dict) else {}
        errors = graphql.alias_errors(response)
        for alias, (owner, name) in query.repos.items():
            target = batch[int(alias[1:])]
            record = records[target.key]
            node = data.get(alias)
            if isinstance(node, dict):
                sample = graphql.fill_record(record, node, (owner, name), now)
                if sample is not None:
                    samples[target.key] = sample
            elif errors.get(alias) == "NOT_FOUND":
                record.miss(NAMES, "repository not found on GitHub")
            else:
                why = errors.get(alias, "no answer")
                record.miss(
                    NAMES,
                    f"GitHub's GraphQL API gave no data for this repository ({why})",
                    transient=True,
                )

    def _page_history(
        self,
        api: GitHubApi,
        targets: list[_Target],
        records: dict[str, RepoRecord],
        now: datetime,
        samples: dict[str, CommitSample],
    ) -> None:
        """Further commit pages, batched like the first, only up to ``max_commits``.

        With the default (100, one page) this never sends a request. A page that fails
        stops paging for its repositories; their sample is then incomplete, which
        ``finish_commits`` reports honestly (lower bounds, or unknown).
        """
        by_key = {t.key: t for t in targets}
        while True:
            pending = [k for k, s in samples.items() if s.wants_more(self._limits)]
            if not pending:
                return
            for start in range(0, len(pending), self._batch_size):
                chunk = pending[start : start + self._batch_size]
                pages: list[tuple[str, str, str, str, int]] = []
                for i, key in enumerate(chunk):
                    sample = samples[key]
                    slug = records[key].final_slug or by_key[key].slug
                    owner, _, name = slug.partition("/")
                    cursor = sample.cursor or ""
                    pages.append((f"r{i}", owner, name, cursor, sample.next_first(self._limits)))
                try:
                    response = api.graphql(graphql.build_history_query(pages, now))
                except Unavailable as exc:
                    for key in chunk:
                        samples[key].stop(exc.reason)
                    continue
                data = response.get("data")
                data = data if isinstance(data, dict) else {}
                for i, key in enumerate(chunk):
                    if not samples[key].add_page(graphql.history_page(data.get(f"r{i}"))):
                        samples[key].stop("GitHub's answer lacked the commit page")

    def _rest_pass(
        self,
        api: GitHubApi,
        plan: Iterable[tuple[_Target, tuple[rest.StepSpec, ...]]],
        records: dict[str, RepoRecord],
        now: datetime,
        shared: rest.SharedLookups,
    ) -> None:
        """REST steps, one repository after another (most critical first), so the
        anonymous budget is spent in order and stops cleanly."""
        lookup = self._company_lookup(api)

        def run(item: tuple[_Target, tuple[rest.StepSpec, ...]]) -> None:
            target, steps = item
            record = records[target.key]
            owner, name = target.owner, target.name
            if record.final_slug and "/" in record.final_slug:
                owner, name = record.final_slug.split("/", 1)
            ctx = rest.RestContext(
                api=api,
                owner=owner,
                name=name,
                now=now,
                shared=shared,
                max_contributor_pages=self._max_contributor_pages,
                company_lookup=lookup,
            )
            rest.run_steps(ctx, record, steps)

        for item in plan:
            run(item)

    def _company_lookup(self, api: GitHubApi) -> Callable[[str], str | None]:
        """Profiles change rarely and are shared across repositories: cache them a week."""

        def lookup(login: str) -> str | None:
            key = f"user:{login.lower()}"
            cached: Any = self._cache.get(NAMESPACE, key)
            if isinstance(cached, dict) and "company" in cached:
                value = cached["company"]
                return value if isinstance(value, str) else None
            _, data = api.get(f"/users/{login}")
            if not isinstance(data, dict):
                raise Unavailable(rest.MALFORMED)
            raw = data.get("company")
            company = normalise_company(raw if isinstance(raw, str) else None)
            self._cache.put(NAMESPACE, key, {"company": company}, ttl=7 * DAY)
            return company

        return lookup

    # -- output ---------------------------------------------------------------------------

    @staticmethod
    def _signals(record: RepoRecord, source: str, fetched_at: datetime) -> list[Signal]:
        signals: list[Signal] = []
        for name in NAMES:
            if name in record.values:
                signals.append(
                    Signal(
                        name=name, value=record.values[name], source=source, fetched_at=fetched_at
                    )
                )
            else:
                reason = record.unknown.get(name, "not collected")
                signals.append(Signal.unknown(name, source, fetched_at, reason))
        return signals
