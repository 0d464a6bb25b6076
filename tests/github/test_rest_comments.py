"""Issue responsiveness without a token (REST): newest comments first, bots left out.

The repository-wide comments endpoint filters ``since`` on update time and includes
pull-request comments. Read oldest first, a busy pull request's discussion fills the
pages and every recent issue looks unanswered; read newest first, the answers are there.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from auditor.collectors.github import GitHubCollector
from tests.fakes.github_server import FIXED_NOW, REAL_API, FakeGitHub
from tests.github.conftest import subject

SLUG = "busy/repo"


def _stamp(hours_ago: float) -> str:
    return (FIXED_NOW - timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _user(login: str, kind: str = "User") -> dict[str, Any]:
    return {"login": login, "id": abs(hash(login)) % 10**6, "type": kind}


def _issue(n: int, hours_ago: float, login: str, *, pr: bool = False) -> dict[str, Any]:
    kind = "Bot" if login.endswith("[bot]") else "User"
    issue: dict[str, Any] = {
        "url": f"{REAL_API}/repos/{SLUG}/issues/{n}",
        "number": n,
        "user": _user(login, kind),
        "state": "open",
        "author_association": "NONE",
        "created_at": _stamp(hours_ago),
        "updated_at": _stamp(1),
    }
    if pr:
        issue["pull_request"] = {"url": f"{REAL_API}/repos/{SLUG}/pulls/{n}"}
    return issue


def _comment(cid: int, n: int, hours_ago: float, login: str, assoc: str) -> dict[str, Any]:
    kind = "Bot" if login.endswith("[bot]") else "User"
    return {
        "id": cid,
        "issue_url": f"{REAL_API}/repos/{SLUG}/issues/{n}",
        "user": _user(login, kind),
        "author_association": assoc,
        "created_at": _stamp(hours_ago),
        "updated_at": _stamp(hours_ago),
    }


def _busy_repo() -> dict[str, Any]:
    issues = [
        _issue(1, 240, "user-a"),  # answered by a maintainer after 5 hours
        _issue(2, 120, "user-b"),  # a bot answers at once; a maintainer after 20 hours
        _issue(3, 100, "dependabot[bot]"),  # opened by a bot: not a user waiting
        _issue(4, 2000, "user-c", pr=True),  # a pull request with a long discussion
    ]
    # 350 review comments on the pull request, all written in the window but before the
    # first issue was answered: read oldest first, they fill all three pages.
    comments = [_comment(10_000 + k, 4, 239 - k * 0.008, "reviewer", "MEMBER") for k in range(350)]
    comments += [
        _comment(1, 1, 235, "maint", "MEMBER"),
        _comment(2, 2, 119.99, "helper[bot]", "MEMBER"),
        _comment(3, 2, 100, "maint", "MEMBER"),
    ]
    return {
        "repo": {
            "id": 777_001,
            "name": "repo",
            "full_name": SLUG,
            "owner": {**_user("busy"), "type": "Organization"},
            "url": f"{REAL_API}/repos/{SLUG}",
            "html_url": f"https://github.com/{SLUG}",
            "fork": False,
            "archived": False,
            "disabled": False,
            "pushed_at": _stamp(5),
            "created_at": _stamp(20_000),
            "stargazers_count": 10,
            "open_issues_count": 4,
            "default_branch": "main",
        },
        "issues": issues,
        "comments": comments,
    }


def test_recent_answers_are_found_behind_a_busy_pull_request_and_bots_do_not_count(
    fake: FakeGitHub,
) -> None:
    fake.add_repo(_busy_repo())
    fake.anonymous_limit = 500
    collector = GitHubCollector(
        base_url=fake.base_url,
        token=None,
        now=FIXED_NOW,
        stats_wait=0.01,
        retry_backoff=0.01,
        max_wait=2.0,
        anonymous_budget=100,
    )
    signals = {s.name: s for s in collector.collect([subject("busy", SLUG)])["busy"]}
    response = signals["issue_response_median_hours"]
    assert response.known, response.unknown_reason
    # Issue 1: 5 hours; issue 2: 20 hours (the bot's instant reply is no answer);
    # the bot's own issue is left out. Median of 5 and 20.
    assert response.value == 12.5
