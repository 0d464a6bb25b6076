"""One GraphQL document per batch of repositories, and its answer turned into signals.

Why GraphQL with a token: one POST answers, for each of many repositories (aliases
``r0``, ``r1``, …), what REST needs a dozen calls for: the repository's flags, commit
counts, the authors of recent commits with their profiles' ``company``, recent issues
with their first comments, releases, funding and the owner's sponsors listing and
``.github`` repository. ``followRenames`` resolves renamed repositories in the same trip.
GitHub answers a partial result when some repositories are missing (``data.rN`` null,
an ``errors`` entry naming the alias), so one gone repository never costs the batch.

What is deliberately bounded, and why: GitHub rejects a document asking for more than
500,000 nodes and charges rate-limit points per connection page. ``Limits`` fixes how
many commits, issues, comments and releases one repository may ask for; with the
defaults a repository costs about 800 nodes and half a point, so a batch of 20 stays
far below both limits. Commit history is the one list worth more than one page; it is
paged (batched again, ``after:`` cursors per alias) only when ``max_commits`` asks for
more than one page and the window really has more.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from auditor.collectors.backends.github import funding, metrics
from auditor.collectors.backends.github.company import normalise_company
from auditor.collectors.backends.github.signals import NAMES, REST_ONLY, RepoRecord

TOP_CONTRIBUTORS_FOR_ORGS = 3

# Signals the batch query answers; anything still missing after a repository's answer
# was read gets the "lacked this field" reason, so nothing is left out silently.
GRAPHQL_SIGNALS = tuple(name for name in NAMES if name not in REST_ONLY)

# GitHub's GraphQL API has no list of all-time contributors (REST's /contributors has no
# GraphQL equivalent; mentionableUsers is people who may be @-mentioned, not
# contributors). Rather than pass a different quantity off under this name, a token run
# leaves it unknown and says why.
CONTRIBUTORS_COUNT_REASON = (
    "not collected with a token: GitHub's GraphQL API has no all-time contributor list, "
    "and a token run spends no REST request per repository; committers_365d counts the "
    "recent commit authors (runs without a token read REST's contributors list)"
)


@dataclass(frozen=True, kw_only=True)
class Limits:
    """How much one repository may ask for in a batch document.

    ``max_commits`` bounds the commit authors read per repository in the last 365 days
    (newest first); above ``commits_per_page`` (GitHub's maximum page, 100) the rest is
    fetched in further batched pages.
    """

    commits_per_page: int = 100
    max_commits: int = 100
    issues: int = 50
    comments: int = 10
    releases: int = 100

    def __post_init__(self) -> None:
        for name in ("commits_per_page", "issues", "comments", "releases"):
            if not 1 <= getattr(self, name) <= 100:
                raise ValueError(f"{name} must be within 1..100 (GitHub's page limit)")
        if self.max_commits < 1:
            raise ValueError("max_commits must be at least 1")

    @property
    def first_page(self) -> int:
        return min(self.commits_per_page, self.max_commits)

    def nodes_per_repository(self) -> int:
        """GitHub's node count for one repository's part of the batch document.

        Counted as GitHub documents it: each connection contributes its ``first``
        times the nodes of its parent; the owner's ``.github`` repository is one node.
        """
        return (
            self.first_page  # history nodes
            + self.releases
            + self.issues * (1 + self.comments)
            + 1
        )


REPO_FRAGMENT = """
fragment RepoFields on Repository {
  nameWithOwner
  isArchived
  isDisabled
  isFork
  pushedAt
  stargazerCount
  owner {
    __typename
    login
    ... on User { hasSponsorsListing }
    ... on Organization { hasSponsorsListing }
    dotGithub: repository(name: ".github") {
      rootFunding: object(expression: "HEAD:FUNDING.yml") { ... on Blob { text } }
      dotFunding: object(expression: "HEAD:.github/FUNDING.yml") { ... on Blob { text } }
    }
  }
  openIssues: issues(states: OPEN) { totalCount }
  openPullRequests: pullRequests(states: OPEN) { totalCount }
  fundingLinks { platform url }
  fundingFile: object(expression: "HEAD:.github/FUNDING.yml") { ... on Blob { text } }
  releases(first: %(releases)d, orderBy: {field: CREATED_AT, direction: DESC}) {
    nodes { createdAt publishedAt isDraft }
  }
  defaultBranchRef {
    target {
      ... on Commit {
        recent: history(since: "%(since90)s") { totalCount }
        year: history(since: "%(since365)s", first: %(commits)d) {
          ...CommitPage
        }
      }
    }
  }
  recentIssues: issues(first: %(issues)d, orderBy: {field: CREATED_AT, direction: DESC}, \
filterBy: {since: "%(since90)s"}) {
    nodes {
      createdAt
      authorAssociation
      author { login }
      comments(first: %(comments)d) { nodes { createdAt authorAssociation author { login } } }
    }
  }
}
"""

COMMIT_PAGE_FRAGMENT = """
fragment CommitPage on CommitHistoryConnection {
  totalCount
  pageInfo { hasNextPage endCursor }
  nodes { committedDate author { name email user { login company } } }
}
"""


def _literal(text: str) -> str:
    return json.dumps(text)


@dataclass(frozen=True, kw_only=True)
class BatchQuery:
    """The document plus which alias asks for which repository."""

    text: str
    repos: dict[str, tuple[str, str]]  # alias -> (owner, name)


def build_query(
    slugs: Sequence[tuple[str, str]], now: datetime, limits: Limits | None = None
) -> BatchQuery:
    """A batch document for ``(owner, name)`` pairs: one aliased ``repository`` each."""
    limits = limits or Limits()
    repos: dict[str, tuple[str, str]] = {}
    parts: list[str] = []
    for i, (owner, name) in enumerate(slugs):
        alias = f"r{i}"
        repos[alias] = (owner, name)
        parts.append(
            f"  {alias}: repository(owner: {_literal(owner)}, name: {_literal(name)}, "
            "followRenames: true) { ...RepoFields }"
        )
    fragment = REPO_FRAGMENT % {
        "since90": metrics.iso(now - timedelta(days=90)),
        "since365": metrics.iso(now - timedelta(days=365)),
        "commits": limits.first_page,
        "issues": limits.issues,
        "comments": limits.comments,
        "releases": limits.releases,
    }
    text = (
        "query {\n"
        + "\n".join(parts)
        + "\n  rateLimit { cost remaining resetAt }\n}\n"
        + fragment
        + COMMIT_PAGE_FRAGMENT
    )
    return BatchQuery(text=text, repos=repos)


def build_history_query(pages: Sequence[tuple[str, str, str, str, int]], now: datetime) -> str:
    """A follow-up document: the next commit page of several repositories at once.

    ``pages`` holds ``(alias, owner, name, cursor, first)``; owner and name are where
    the repository lives now (renames already resolved).
    """
    since = metrics.iso(now - timedelta(days=365))
    parts = [
        f"  {alias}: repository(owner: {_literal(owner)}, name: {_literal(name)}, "
        "followRenames: true) { defaultBranchRef { target { ... on Commit { "
        f"year: history(since: {_literal(since)}, first: {first}, after: {_literal(cursor)}) "
        "{ ...CommitPage } } } } }"
        for alias, owner, name, cursor, first in pages
    ]
    return (
        "query {\n"
        + "\n".join(parts)
        + "\n  rateLimit { cost remaining resetAt }\n}\n"
        + COMMIT_PAGE_FRAGMENT
    )


def alias_errors(response: dict[str, Any]) -> dict[str, str]:
    """alias -> error type (NOT_FOUND, FORBIDDEN, …) from a partial GraphQL answer."""
    found: dict[str, str] = {}
    errors = response.get("errors")
    if not isinstance(errors, list):
        return found
    paths = [
        (err["path"], str(err.get("type") or "ERROR"))
        for err in errors
        if isinstance(err, dict)
        and isinstance(err.get("path"), list)
        and err["path"]
        and isinstance(err["path"][0], str)
    ]
    # An error about the alias itself wins over one about a field inside it (the owner's
    # missing .github repository is NOT_FOUND too, yet the repository is there).
    for path, kind in sorted(paths, key=lambda p: len(p[0])):
        found.setdefault(path[0], kind)
    return found


def _blob_text(node: object) -> str | None:
    if isinstance(node, dict) and isinstance(node.get("text"), str):
        return str(node["text"])
    return None


def owner_funding(node: object) -> list[dict[str, str]] | None:
    """Funding from an owner's ``.github`` repository, or None when it has none."""
    if not isinstance(node, dict):
        return None
    for key in ("dotFunding", "rootFunding"):
        text = _blob_text(node.get(key))
        if text is not None:
            entries = funding.funding_entries(text)
            if entries:
                return entries
    return None


def _count(node: object) -> int | None:
    if isinstance(node, dict) and isinstance(node.get("totalCount"), int):
        return int(node["totalCount"])
    return None


# -- commit authors ------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CommitAuthor:
    """One commit's author: a GitHub account when the e-mail is linked, else the e-mail."""

    key: str
    login: str | None
    company: str | None
    when: datetime | None


@dataclass
class CommitSample:
    """The newest commits of the last 365 days, as read so far, and whether more remain.

    Filled from the batch answer and from follow-up pages; ``finish`` turns it into
    signals once paging is over.
    """

    total_365: int | None = None
    total_90: int | None = None
    authors: list[CommitAuthor] = field(default_factory=list)
    dates: list[datetime | None] = field(default_factory=list)
    read: int = 0
    cursor: str | None = None
    has_next: bool = False
    stopped: bool = False  # a page failed: read no further, the sample stays partial
    stop_reason: str | None = None

    def stop(self, reason: str) -> None:
        """A follow-up page failed: keep what was read, say why it is partial."""
        self.stopped = True
        self.stop_reason = reason

    def add_page(self, page: object) -> bool:
        """Take one ``CommitHistoryConnection``; False if it is malformed."""
        if not isinstance(page, dict) or not isinstance(page.get("nodes"), list):
            return False
        if self.total_365 is None:
            self.total_365 = _count(page)
        for node in page["nodes"]:
            self.read += 1
            self.dates.append(
                metrics.parse_time(node.get("committedDate")) if isinstance(node, dict) else None
            )
            author = _commit_author(node)
            if author is not None:
                self.authors.append(author)
        info = page.get("pageInfo")
        info = info if isinstance(info, dict) else {}
        self.has_next = bool(info.get("hasNextPage"))
        cursor = info.get("endCursor")
        self.cursor = cursor if isinstance(cursor, str) else None
        if self.cursor is None:
            self.has_next = False
        return True

    def wants_more(self, limits: Limits) -> bool:
        return self.has_next and not self.stopped and self.read < limits.max_commits

    def next_first(self, limits: Limits) -> int:
        return max(1, min(limits.commits_per_page, limits.max_commits - self.read))


def _is_bot(name: str, email: str, login: str | None) -> bool:
    return any("[bot]" in s for s in (name.lower(), email.lower(), (login or "").lower()))


def _commit_author(node: object) -> CommitAuthor | None:
    """The author of one history node; None for bots and for nodes without an author."""
    if not isinstance(node, dict):
        return None
    actor = node.get("author")
    if not isinstance(actor, dict):
        return None
    name = actor.get("name") if isinstance(actor.get("name"), str) else ""
    email = actor.get("email") if isinstance(actor.get("email"), str) else ""
    user = actor.get("user")
    login = user.get("login") if isinstance(user, dict) else None
    login = login if isinstance(login, str) and login else None
    if _is_bot(str(name), str(email), login):
        return None
    if login is not None:
        key = f"login:{login.lower()}"
    elif email:
        key = f"email:{str(email).lower()}"
    elif name:
        key = f"name:{str(name).lower()}"
    else:
        return None
    raw_company = user.get("company") if isinstance(user, dict) else None
    return CommitAuthor(
        key=key,
        login=login,
        company=normalise_company(raw_company if isinstance(raw_company, str) else None),
        when=metrics.parse_time(node.get("committedDate")),
    )


def finish_commits(record: RepoRecord, sample: CommitSample, now: datetime, limits: Limits) -> None:
    """Committers, concentration and employers from the commit authors that were read.

    The sample is the newest ``limits.max_commits`` commits of the last 365 days (bots
    left out). A distinct-committer count over a window the sample does not fully cover
    is a lower bound; a lower bound below two would make "only one person committed"
    rules fire on a busy project whose latest commits happen to share an author, so that
    case is unknown instead.
    """
    if sample.total_365 is None:
        return
    humans = sample.authors
    for days, signal, total in (
        (90, "committers_90d", sample.total_90),
        (365, "committers_365d", sample.total_365),
    ):
        since = now - timedelta(days=days)
        read_in_window = sum(1 for d in sample.dates if d is None or d >= since)
        covered = not sample.has_next or (total is not None and read_in_window >= total)
        distinct = len({a.key for a in humans if a.when is None or a.when >= since})
        if covered or distinct >= 2:
            record.set(signal, distinct)
        else:
            why = (
                f"a further commit page failed: {sample.stop_reason}"
                if sample.stop_reason
                else f"bounded at {limits.max_commits}"
            )
            record.miss(
                [signal],
                f"only the newest {sample.read} of the {total} commits in the window were "
                f"read ({why}), too few to say how many people committed",
                transient=sample.stop_reason is not None,
            )
    counts = Counter(a.key for a in humans)
    stats = metrics.contributor_stats(list(counts.values()))
    if stats is None:
        why = (
            "no commit on the default branch in the last 365 days"
            if sample.total_365 == 0
            else "the commits read were all made by bots or carry no author"
        )
        record.miss(["top_contributor_share", "contributor_absence_factor_github"], why)
    else:
        record.set("top_contributor_share", stats.top_share)
        record.set("contributor_absence_factor_github", stats.absence_factor)
    orgs: list[str] = []
    companies = {a.key: a.company for a in humans}
    linked = [k for k, _ in counts.most_common() if k.startswith("login:")]
    for key in linked[:TOP_CONTRIBUTORS_FOR_ORGS]:
        company = companies.get(key)
        if company and company not in orgs:
            orgs.append(company)
    record.set("top_contributor_orgs", orgs)  # type: ignore[arg-type]


# -- the rest of a repository's answer ------------------------------------------------------


def fill_record(
    record: RepoRecord,
    node: dict[str, Any],
    requested: tuple[str, str],
    now: datetime,
) -> CommitSample | None:
    """Copy one repository's GraphQL answer into ``record``; malformed parts stay unknown.

    Returns the commit sample (to be paged further and finished by the caller), or None
    when the repository has no commit history to read.
    """
    name_with_owner = node.get("nameWithOwner")
    if isinstance(name_with_owner, str):
        record.final_slug = name_with_owner
        renamed = name_with_owner.lower() != f"{requested[0]}/{requested[1]}".lower()
        record.set("repository_renamed_to", name_with_owner if renamed else "")
    for key, signal in (("isArchived", "archived"), ("isDisabled", "disabled"), ("isFork", "fork")):
        if isinstance(node.get(key), bool):
            record.set(signal, node[key])
    pushed = metrics.days_since(metrics.parse_time(node.get("pushedAt")), now)
    if pushed is not None:
        record.set("pushed_days_ago", pushed)
    else:
        record.miss(["pushed_days_ago"], "the repository has no recorded push")
    if isinstance(node.get("stargazerCount"), int):
        record.set("stars", node["stargazerCount"])
    issues, pulls = _count(node.get("openIssues")), _count(node.get("openPullRequests"))
    if issues is not None and pulls is not None:
        record.set("open_issues", issues + pulls)
    owner = node.get("owner")
    owner_links: list[dict[str, str]] | None = None
    if isinstance(owner, dict):
        if owner.get("__typename") in ("User", "Organization"):
            record.set("owner_type", owner["__typename"])
        if isinstance(owner.get("hasSponsorsListing"), bool):
            record.set("has_sponsors_listing", owner["hasSponsorsListing"])
        owner_links = owner_funding(owner.get("dotGithub"))
    sample = _fill_commits(record, node)
    _fill_releases(record, node, now)
    _fill_funding(record, node, owner_links)
    _fill_issue_response(record, node, now)
    record.miss(["contributors_count"], CONTRIBUTORS_COUNT_REASON)
    return sample


def _fill_commits(record: RepoRecord, node: dict[str, Any]) -> CommitSample | None:
    names = [
        "commits_90d",
        "commits_365d",
        "committers_90d",
        "committers_365d",
        "top_contributor_share",
        "contributor_absence_factor_github",
        "top_contributor_orgs",
    ]
    branch = node.get("defaultBranchRef")
    if branch is None:
        record.miss(names, "the repository has no default branch (no commits)")
        return None
    target = branch.get("target") if isinstance(branch, dict) else None
    if not isinstance(target, dict):
        return None
    recent = _count(target.get("recent"))
    if recent is not None:
        record.set("commits_90d", recent)
    sample = CommitSample(total_90=recent)
    if not sample.add_page(target.get("year")):
        return None
    if sample.total_365 is not None:
        record.set("commits_365d", sample.total_365)
    return sample


def _fill_releases(record: RepoRecord, node: dict[str, Any], now: datetime) -> None:
    releases = node.get("releases")
    nodes = releases.get("nodes") if isinstance(releases, dict) else None
    if isinstance(nodes, list):
        moments = [
            metrics.parse_time(n.get("publishedAt") or n.get("createdAt"))
            for n in nodes
            if isinstance(n, dict) and not n.get("isDraft")
        ]
        record.set("releases_365d", metrics.count_since(moments, now - timedelta(days=365)))


def _fill_funding(
    record: RepoRecord, node: dict[str, Any], owner_links: list[dict[str, str]] | None
) -> None:
    """The repository's FUNDING.yml (as GitHub parsed it, else as we parse it), else the
    owner's ``.github`` repository's: the same precedence GitHub's sponsor button uses."""
    links = funding.from_graphql(node.get("fundingLinks"))
    if not links:
        text = _blob_text(node.get("fundingFile"))
        links = funding.funding_entries(text) if text else []
    if not links and owner_links:
        links = owner_links
    if isinstance(node.get("fundingLinks"), list):
        record.set("funding_links", list(links))  # type: ignore[arg-type]


def _fill_issue_response(record: RepoRecord, node: dict[str, Any], now: datetime) -> None:
    recent = node.get("recentIssues")
    nodes = recent.get("nodes") if isinstance(recent, dict) else None
    if not isinstance(nodes, list):
        return
    since = now - timedelta(days=90)
    timings: list[metrics.IssueTiming] = []
    for issue in nodes:
        if not isinstance(issue, dict):
            continue
        opened = metrics.parse_time(issue.get("createdAt"))
        # filterBy.since selects issues *updated* since; keep those *opened* since.
        if opened is None or opened < since:
            continue
        if issue.get("authorAssociation") in metrics.MAINTAINER_ASSOCIATIONS:
            continue
        comments = issue.get("comments")
        cnodes = comments.get("nodes") if isinstance(comments, dict) else []
        answers = [
            metrics.parse_time(c.get("createdAt"))
            for c in (cnodes if isinstance(cnodes, list) else [])
            if isinstance(c, dict) and c.get("authorAssociation") in metrics.MAINTAINER_ASSOCIATIONS
        ]
        first = min((a for a in answers if a is not None), default=None)
        timings.append(metrics.IssueTiming(opened=opened, first_response=first))
    median = metrics.median_response_hours(timings, now)
    if median is None:
        record.miss(
            ["issue_response_median_hours"],
            "no issue was opened by a non-maintainer in the last 90 days",
        )
    else:
        record.set("issue_response_median_hours", median)


def history_page(node: object) -> object:
    """The ``year`` history connection inside a follow-up page's repository node."""
    if not isinstance(node, dict):
        return None
    branch = node.get("defaultBranchRef")
    target = branch.get("target") if isinstance(branch, dict) else None
    return target.get("year") if isinstance(target, dict) else None
