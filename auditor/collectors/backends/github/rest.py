"""REST steps: each asks GitHub for one thing and fills the signals it can.

Why steps: without a token every request counts against 60 an hour, so the collector
runs these in order of value and stops when the budget is gone. With a token REST is
not used at all (the batched GraphQL documents answer everything). Each step either
sets its signals or leaves them with a reason; only a bad token escapes as an error.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from auditor.collectors.backends.github import funding, metrics
from auditor.collectors.backends.github.client import GitHubApi, NotFound, Unavailable
from auditor.collectors.backends.github.company import normalise_company
from auditor.collectors.backends.github.signals import (
    COMMITS,
    COMMITTERS,
    CONTRIBUTORS,
    META,
    NAMES,
    RepoRecord,
)

MALFORMED = "GitHub returned malformed data"
TOP_CONTRIBUTORS_FOR_ORGS = 3


def decode_content(data: object) -> str | None:
    """The text of a REST ``contents`` answer (base64, as GitHub encodes it)."""
    if not isinstance(data, dict) or data.get("encoding") != "base64":
        return None
    content = data.get("content")
    if not isinstance(content, str):
        return None
    try:
        return base64.b64decode(content.encode("ascii")).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None


@dataclass
class SharedLookups:
    """Per-run memo of lookups many repositories share (owners' funding, profiles)."""

    owner_funding: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    companies: dict[str, str | None] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class RestContext:
    """What every step needs: the API, the repository, the clock and shared memo."""

    api: GitHubApi
    owner: str
    name: str
    now: datetime
    shared: SharedLookups
    max_contributor_pages: int = 3
    top_logins: list[str] = field(default_factory=list)
    company_lookup: Callable[[str], str | None] | None = None

    @property
    def path(self) -> str:
        return f"/repos/{self.owner}/{self.name}"


def meta(ctx: RestContext, record: RepoRecord) -> None:
    """GET /repos/{o}/{r}: the repository's flags and counts; follows renames (301)."""
    _, data = ctx.api.get(ctx.path)
    if not isinstance(data, dict) or not isinstance(data.get("full_name"), str):
        raise Unavailable(MALFORMED)
    full_name: str = data["full_name"]
    record.final_slug = full_name
    renamed = full_name.lower() != f"{ctx.owner}/{ctx.name}".lower()
    record.set("repository_renamed_to", full_name if renamed else "")
    if renamed:
        ctx.owner, ctx.name = full_name.split("/", 1)
    for key in ("archived", "disabled", "fork"):
        if isinstance(data.get(key), bool):
            record.set(key, data[key])
    pushed = metrics.days_since(metrics.parse_time(data.get("pushed_at")), ctx.now)
    if pushed is not None:
        record.set("pushed_days_ago", pushed)
    owner = data.get("owner")
    if isinstance(owner, dict) and owner.get("type") in ("User", "Organization"):
        record.set("owner_type", owner["type"])
    for key, signal in (("stargazers_count", "stars"), ("open_issues_count", "open_issues")):
        if isinstance(data.get(key), int):
            record.set(signal, data[key])
    record.miss(META, MALFORMED)


def contributors(ctx: RestContext, record: RepoRecord) -> None:
    """GET contributors?anon=1, a few pages plus the last one for an exact count."""
    counts: list[int] = []
    logins: list[str] = []
    last_page: int | None = None
    fetched = 0
    for page, last, items in ctx.api.pages(
        f"{ctx.path}/contributors", {"anon": "1"}, max_pages=ctx.max_contributor_pages
    ):
        fetched, last_page = page, last if last is not None else last_page
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("contributions"), int):
                raise Unavailable(MALFORMED)
            counts.append(item["contributions"])
            if item.get("type") == "User" and isinstance(item.get("login"), str):
                logins.append(item["login"])
    if not counts and fetched <= 1:
        record.set("contributors_count", 0)
        record.miss(CONTRIBUTORS[1:], "the repository has no contributors")
        return
    unseen, unseen_each = 0, 0.0
    if last_page is not None and last_page > fetched:
        _, tail = ctx.api.get(
            f"{ctx.path}/contributors", {"anon": "1", "per_page": 100, "page": last_page}
        )
        if not isinstance(tail, list):
            raise Unavailable(MALFORMED)
        tail_counts = [t.get("contributions", 0) for t in tail if isinstance(t, dict)]
        unseen = (last_page - fetched - 1) * 100
        low = min(counts) if counts else 0
        high = max(tail_counts) if tail_counts else 0
        unseen_each = (low + high) / 2
        counts.extend(c for c in tail_counts if isinstance(c, int))
    stats = metrics.contributor_stats(counts, unseen=unseen, unseen_each=unseen_each)
    if stats is None:
        record.miss(CONTRIBUTORS, "no contributor has any commits")
        return
    record.set("contributors_count", stats.count)
    record.set("top_contributor_share", stats.top_share)
    record.set("contributor_absence_factor_github", stats.absence_factor)
    ctx.top_logins = logins[:TOP_CONTRIBUTORS_FOR_ORGS]


def participation(ctx: RestContext, record: RepoRecord) -> None:
    """GET stats/participation: weekly commit totals of the last 52 weeks."""
    _, data = ctx.api.get(f"{ctx.path}/stats/participation")
    weeks = data.get("all") if isinstance(data, dict) else None
    if not isinstance(weeks, list) or not all(isinstance(w, int) for w in weeks):
        raise Unavailable(MALFORMED)
    record.set("commits_90d", metrics.weekly_window(weeks, 90))
    record.set("commits_365d", sum(weeks))


def committers(ctx: RestContext, record: RepoRecord) -> None:
    """GET stats/contributors: weekly commits per author (GitHub's top 100)."""
    _, data = ctx.api.get(f"{ctx.path}/stats/contributors")
    if data is None:
        data = []  # 204 No Content: an empty repository has no commits to count
    if not isinstance(data, list):
        raise Unavailable(MALFORMED)
    record.set("committers_90d", metrics.committers_in_window(data, ctx.now - timedelta(days=90)))
    record.set("committers_365d", metrics.committers_in_window(data, ctx.now - timedelta(days=365)))


def releases(ctx: RestContext, record: RepoRecord) -> None:
    """GET releases (newest first, one page)."""
    _, data = ctx.api.get(f"{ctx.path}/releases", {"per_page": 100})
    if not isinstance(data, list):
        raise Unavailable(MALFORMED)
    moments = [
        metrics.parse_time(r.get("published_at") or r.get("created_at"))
        for r in data
        if isinstance(r, dict) and not r.get("draft")
    ]
    record.set("releases_365d", metrics.count_since(moments, ctx.now - timedelta(days=365)))


def _file(ctx: RestContext, owner: str, repo: str, path: str) -> str | None:
    try:
        _, data = ctx.api.get(f"/repos/{owner}/{repo}/contents/{path}")
    except NotFound:
        return None
    text = decode_content(data)
    if text is None:
        raise Unavailable(MALFORMED)
    return text


def funding_file(ctx: RestContext, record: RepoRecord) -> None:
    """FUNDING.yml in the repository, else in the owner's ``.github`` repository."""
    text = _file(ctx, ctx.owner, ctx.name, ".github/FUNDING.yml")
    if text is not None and funding.funding_entries(text):
        record.set("funding_links", funding.funding_entries(text))  # type: ignore[arg-type]
        return
    key = ctx.owner.lower()
    with ctx.shared.lock:
        cached = ctx.shared.owner_funding.get(key)
    if cached is None:
        cached = []
        for path in (".github/FUNDING.yml", "FUNDING.yml"):
            owner_text = _file(ctx, ctx.owner, ".github", path)
            if owner_text is not None and funding.funding_entries(owner_text):
                cached = funding.funding_entries(owner_text)
                break
        with ctx.shared.lock:
            ctx.shared.owner_funding[key] = cached
    record.set("funding_links", list(cached))  # type: ignore[arg-type]


def organisations(ctx: RestContext, record: RepoRecord) -> None:
    """Employers of the top contributors, from their profiles' company field."""
    if not record.has("contributors_count"):
        why = record.unknown.get("contributors_count", "contributors could not be listed")
        record.miss(["top_contributor_orgs"], why)
        return
    orgs: list[str] = []
    for login in ctx.top_logins:
        company = _company(ctx, login)
        if company and company not in orgs:
            orgs.append(company)
    record.set("top_contributor_orgs", orgs)  # type: ignore[arg-type]


def _company(ctx: RestContext, login: str) -> str | None:
    key = login.lower()
    with ctx.shared.lock:
        if key in ctx.shared.companies:
            return ctx.shared.companies[key]
    try:
        if ctx.company_lookup is not None:
            company = ctx.company_lookup(login)
        else:
            _, data = ctx.api.get(f"/users/{login}")
            if not isinstance(data, dict):
                raise Unavailable(MALFORMED)
            raw = data.get("company")
            company = normalise_company(raw if isinstance(raw, str) else None)
    except NotFound:
        company = None  # a deleted or renamed account: no employer to count
    with ctx.shared.lock:
        ctx.shared.companies[key] = company
    return company


def _is_bot(item: dict[str, object]) -> bool:
    """An account GitHub marks as a bot (``type: Bot``, ``name[bot]`` logins)."""
    user = item.get("user")
    if not isinstance(user, dict):
        return False
    login = user.get("login")
    return user.get("type") == "Bot" or (isinstance(login, str) and login.endswith("[bot]"))


def issue_response(ctx: RestContext, record: RepoRecord) -> None:
    """Issues opened in 90 days by people, and the first maintainer answer to each.

    The repository-wide comments endpoint's ``since`` filters on *update* time and it
    includes pull-request comments, so its oldest 300 comments can miss every recent
    issue of a busy project. Comments are read newest first instead, down to the oldest
    issue in the window (no answer can be older than its issue); bots are left out on
    both sides, as their instant replies are not maintainers answering.
    """
    since = ctx.now - timedelta(days=90)
    _, data = ctx.api.get(
        f"{ctx.path}/issues",
        {"state": "all", "sort": "created", "direction": "desc", "per_page": 100},
    )
    if not isinstance(data, list):
        raise Unavailable(MALFORMED)
    opened: dict[str, datetime] = {}
    for issue in data:
        if not isinstance(issue, dict) or "pull_request" in issue or _is_bot(issue):
            continue
        created = metrics.parse_time(issue.get("created_at"))
        if created is None or created < since:
            continue
        if issue.get("author_association") in metrics.MAINTAINER_ASSOCIATIONS:
            continue
        if isinstance(issue.get("url"), str):
            opened[issue["url"]] = created
    if not opened:
        record.miss(
            ["issue_response_median_hours"],
            "no issue was opened by a non-maintainer in the last 90 days",
        )
        return
    oldest = min(opened.values())
    first: dict[str, datetime] = {}
    done = False
    for _, _, comments in ctx.api.pages(
        f"{ctx.path}/issues/comments",
        {"since": metrics.iso(oldest), "sort": "created", "direction": "desc"},
        max_pages=3,
    ):
        for c in comments:
            if not isinstance(c, dict):
                raise Unavailable(MALFORMED)
            url, when = c.get("issue_url"), metrics.parse_time(c.get("created_at"))
            if when is not None and when < oldest:
                done = True  # newest first: everything after this is older still
                break
            if (
                isinstance(url, str)
                and url in opened
                and when is not None
                and not _is_bot(c)
                and c.get("author_association") in metrics.MAINTAINER_ASSOCIATIONS
                and (url not in first or when < first[url])
            ):
                first[url] = when
        if done:
            break
    timings = [
        metrics.IssueTiming(opened=o, first_response=first.get(u)) for u, o in opened.items()
    ]
    median = metrics.median_response_hours(timings, ctx.now)
    if median is not None:
        record.set("issue_response_median_hours", median)


Step = Callable[[RestContext, RepoRecord], None]
StepSpec = tuple[Step, tuple[str, ...]]

# REST steps in order of value: what a bus-factor rule needs most comes first, so an
# anonymous budget that runs out loses the least useful signals.
ALL_STEPS: tuple[StepSpec, ...] = (
    (meta, META),
    (contributors, CONTRIBUTORS),
    (participation, COMMITS),
    (committers, COMMITTERS),
    (releases, ("releases_365d",)),
    (funding_file, ("funding_links",)),
    (organisations, ("top_contributor_orgs",)),
    (issue_response, ("issue_response_median_hours",)),
)


def run_steps(
    ctx: RestContext,
    record: RepoRecord,
    steps: tuple[StepSpec, ...],
) -> None:
    """Run ``steps``; a 404 on the repository itself ends the run with "not found"."""
    for step, names in steps:
        try:
            step(ctx, record)
        except NotFound:
            if step is meta:
                record.miss(NAMES, "repository not found on GitHub (404)")
                return
            record.miss(names, "GitHub answered 404 for this data")
        except Unavailable as exc:
            record.miss(names, exc.reason, transient=True)
