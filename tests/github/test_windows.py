"""The 90-day window and "who counts as a maintainer", pinned at their edges.

Every date here sits half a day inside or outside a window, and the outsider's comment
comes before the maintainer's answer, so moving a window or counting any commenter as a
maintainer changes a number below. Both collection paths are checked: GraphQL (token)
and REST (anonymous), which compute the same signals from different answers.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from auditor.collectors.github import GitHubCollector
from tests.fakes.github_server import FIXED_NOW, FakeGitHub
from tests.github.conftest import TOKEN, subject

API = "https://api.github.com"
SLUG = "edgeorg/edges"


def stamp(days: float) -> str:
    return (FIXED_NOW - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def person(login: str) -> dict[str, Any]:
    return {"login": login, "id": sum(map(ord, login)), "type": "User"}


def commit(n: int, login: str, days: float) -> dict[str, Any]:
    author = {"name": login, "email": f"{login}@example.org", "date": stamp(days)}
    return {
        "sha": f"{n:040x}",
        "commit": {"author": author, "committer": author},
        "author": person(login),
    }


def issue(n: int, opened: float, updated: float, association: str) -> dict[str, Any]:
    return {
        "url": f"{API}/repos/{SLUG}/issues/{n}",
        "number": n,
        "state": "open",
        "user": person(f"reporter{n}"),
        "author_association": association,
        "created_at": stamp(opened),
        "updated_at": stamp(updated),
    }


def comment(n: int, issue_n: int, login: str, association: str, days: float) -> dict[str, Any]:
    return {
        "url": f"{API}/repos/{SLUG}/issues/comments/{n}",
        "issue_url": f"{API}/repos/{SLUG}/issues/{issue_n}",
        "user": person(login),
        "author_association": association,
        "created_at": stamp(days),
        "updated_at": stamp(days),
    }


HOUR = 1 / 24


def edge_repository() -> dict[str, Any]:
    commits = [
        commit(1, "alpha", 10),
        commit(2, "delta", 89.5),  # half a day inside the 90-day window
        commit(3, "beta", 90.5),  # half a day outside it
        commit(4, "gamma", 104),
        commit(5, "gamma", 200),
    ]
    return {
        "repo": {
            "id": 4242,
            "name": "edges",
            "full_name": SLUG,
            "owner": person("edgeorg") | {"type": "Organization"},
            "url": f"{API}/repos/{SLUG}",
            "fork": False,
            "archived": False,
            "disabled": False,
            "pushed_at": stamp(10),
            "stargazers_count": 5,
            "open_issues_count": 3,
            "default_branch": "main",
        },
        "contributors": [
            person("alpha") | {"contributions": 2},
            person("gamma") | {"contributions": 2},
            person("beta") | {"contributions": 1},
            person("delta") | {"contributions": 1},
        ],
        "commits": commits,
        "issues": [
            # Opened 89.5 days ago: an outsider comments after 1 hour, a maintainer answers
            # after 10: the response time is 10 hours.
            issue(1, 89.5, 89.5 - 10 * HOUR, "NONE"),
            # Opened 90.5 days ago, still active, never answered: outside the window.
            issue(2, 90.5, 5, "NONE"),
            # Opened inside the window by a maintainer: not a request for a response.
            issue(3, 30, 30, "MEMBER"),
        ],
        "comments": [
            comment(11, 1, "passerby", "CONTRIBUTOR", 89.5 - 1 * HOUR),
            comment(12, 1, "alpha", "MEMBER", 89.5 - 10 * HOUR),
            comment(21, 2, "passerby", "NONE", 5),
        ],
    }


@pytest.fixture
def edges(fake: FakeGitHub) -> FakeGitHub:
    fake.add_repo(edge_repository())
    return fake


def collect(fake: FakeGitHub, token: str | None) -> dict[str, Any]:
    col = GitHubCollector(
        base_url=fake.base_url,
        token=token,
        now=FIXED_NOW,
        stats_wait=0.01,
        retry_backoff=0.01,
        max_wait=2.0,
    )
    signals = col.collect([subject("edges", SLUG)])["edges"]
    return {s.name: s.value if s.known else s.unknown_reason for s in signals}


def test_graphql_windows_are_exactly_90_and_365_days(edges: FakeGitHub) -> None:
    got = collect(edges, TOKEN)
    assert got["commits_90d"] == 2
    assert got["commits_365d"] == 5
    assert got["committers_90d"] == 2  # alpha and delta; beta's is half a day too old
    assert got["committers_365d"] == 4


def test_rest_windows_follow_githubs_weekly_statistics(edges: FakeGitHub) -> None:
    got = collect(edges, None)
    # Participation is weekly: the last 13 weeks hold the commits of 10, 89.5 and 90.5
    # days ago, not gamma's of 104 days ago.
    assert got["commits_90d"] == 3
    # Contributor statistics are weekly too: a week that straddles the cut-off counts,
    # so beta (the week starting 91 days ago) counts and gamma (105 days) does not.
    assert got["committers_90d"] == 3


@pytest.mark.parametrize("token", [TOKEN, None], ids=["graphql", "rest"])
def test_only_maintainers_answer_and_only_issues_opened_in_90_days_count(
    edges: FakeGitHub, token: str | None
) -> None:
    # One issue in the window, answered by a maintainer after 10 hours. Counting the
    # outsider's comment gives 1 hour; counting the issue opened 90.5 days ago (unanswered,
    # so its age) or the maintainer's own issue gives far more.
    assert collect(edges, token)["issue_response_median_hours"] == 10.0
