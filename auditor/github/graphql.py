"""One GraphQL document per batch of repositories, and its answer turned into signals.

Why GraphQL with a token: one POST answers a dozen REST calls for each of many
repositories (aliases ``r0``, ``r1``, …), and ``followRenames`` resolves renamed
repositories in the same trip. GitHub answers a partial result when some repositories
are missing: ``data.rN`` is null and ``errors`` names the alias, so one gone repository
never costs the batch.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from auditor.github import funding, metrics
from auditor.github.signals import RepoRecord

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
  }
  openIssues: issues(states: OPEN) { totalCount }
  openPullRequests: pullRequests(states: OPEN) { totalCount }
  fundingLinks { platform url }
  fundingFile: object(expression: "HEAD:.github/FUNDING.yml") { ... on Blob { text } }
  releases(first: 100, orderBy: {field: CREATED_AT, direction: DESC}) {
    nodes { createdAt publishedAt isDraft }
  }
  defaultBranchRef {
    target {
      ... on Commit {
        recent: history(since: "%(since90)s") { totalCount }
        year: history(since: "%(since365)s") { totalCount }
      }
    }
  }
  recentIssues: issues(first: 50, orderBy: {field: CREATED_AT, direction: DESC}) {
    nodes {
      createdAt
      authorAssociation
      comments(first: 20) { nodes { createdAt authorAssociation } }
    }
  }
}
"""

OWNER_FIELDS = """{
    rootFunding: object(expression: "HEAD:FUNDING.yml") { ... on Blob { text } }
    dotFunding: object(expression: "HEAD:.github/FUNDING.yml") { ... on Blob { text } }
  }"""

GRAPHQL_SIGNALS = (
    "archived",
    "disabled",
    "fork",
    "pushed_days_ago",
    "owner_type",
    "stars",
    "open_issues",
    "repository_renamed_to",
    "commits_90d",
    "commits_365d",
    "releases_365d",
    "funding_links",
    "has_sponsors_listing",
    "issue_response_median_hours",
)


def _literal(text: str) -> str:
    return json.dumps(text)


@dataclass(frozen=True, kw_only=True)
class BatchQuery:
    """The document plus which alias asks for which repository or owner."""

    text: str
    repos: dict[str, tuple[str, str]]  # alias -> (owner, name)
    owners: dict[str, str]  # alias -> owner login


def build_query(slugs: Sequence[tuple[str, str]], now: datetime) -> BatchQuery:
    """A batch document for ``(owner, name)`` pairs, with one ``.github`` probe per owner."""
    repos: dict[str, tuple[str, str]] = {}
    owners: dict[str, str] = {}
    parts: list[str] = []
    seen_owners: dict[str, str] = {}
    for i, (owner, name) in enumerate(slugs):
        alias = f"r{i}"
        repos[alias] = (owner, name)
        parts.append(
            f"  {alias}: repository(owner: {_literal(owner)}, name: {_literal(name)}, "
            "followRenames: true) { ...RepoFields }"
        )
        if owner.lower() not in seen_owners:
            oalias = f"o{len(seen_owners)}"
            seen_owners[owner.lower()] = oalias
            owners[oalias] = owner
            parts.append(
                f'  {oalias}: repository(owner: {_literal(owner)}, name: ".github") ' + OWNER_FIELDS
            )
    fragment = REPO_FRAGMENT % {
        "since90": metrics.iso(now - timedelta(days=90)),
        "since365": metrics.iso(now - timedelta(days=365)),
    }
    text = "query {\n" + "\n".join(parts) + "\n}\n" + fragment
    return BatchQuery(text=text, repos=repos, owners=owners)


def alias_errors(response: dict[str, Any]) -> dict[str, str]:
    """alias -> error type (NOT_FOUND, FORBIDDEN, …) from a partial GraphQL answer."""
    found: dict[str, str] = {}
    errors = response.get("errors")
    if not isinstance(errors, list):
        return found
    for err in errors:
        if not isinstance(err, dict):
            continue
        path = err.get("path")
        if isinstance(path, list) and path and isinstance(path[0], str):
            found.setdefault(path[0], str(err.get("type") or "ERROR"))
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


def fill_record(
    record: RepoRecord,
    node: dict[str, Any],
    requested: tuple[str, str],
    owner_links: list[dict[str, str]] | None,
    now: datetime,
) -> None:
    """Copy one repository's GraphQL answer into ``record``; malformed parts stay unknown."""
    bad = "GitHub's GraphQL answer lacked this field"
    name_with_owner = node.get("nameWithOwner")
    if isinstance(name_with_owner, str):
        record.final_slug = name_with_owner
        renamed = name_with_owner.lower() != f"{requested[0]}/{requested[1]}".lower()
        record.set("repository_renamed_to", name_with_owner if renamed else "")
    for field, signal in (
        ("isArchived", "archived"),
        ("isDisabled", "disabled"),
        ("isFork", "fork"),
    ):
        if isinstance(node.get(field), bool):
            record.set(signal, node[field])
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
    if isinstance(owner, dict):
        if owner.get("__typename") in ("User", "Organization"):
            record.set("owner_type", owner["__typename"])
        if isinstance(owner.get("hasSponsorsListing"), bool):
            record.set("has_sponsors_listing", owner["hasSponsorsListing"])
    _fill_commits(record, node)
    _fill_releases(record, node, now)
    _fill_funding(record, node, owner_links)
    _fill_issue_response(record, node, now)
    record.miss(GRAPHQL_SIGNALS, bad)


def _fill_commits(record: RepoRecord, node: dict[str, Any]) -> None:
    branch = node.get("defaultBranchRef")
    if branch is None:
        record.miss(["commits_90d", "commits_365d"], "the repository has no default branch")
        return
    target = branch.get("target") if isinstance(branch, dict) else None
    if isinstance(target, dict):
        recent, year = _count(target.get("recent")), _count(target.get("year"))
        if recent is not None:
            record.set("commits_90d", recent)
        if year is not None:
            record.set("commits_365d", year)


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
