"""GitHubCollector against the fake GitHub: signals, batching, pagination, caching."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from auditor.cache import Cache
from auditor.collectors.backends.github.signals import NAMES
from auditor.collectors.github import GitHubCollector
from auditor.collectors.interface import Signal, Subject
from auditor.repository import RepositoryRef
from tests.fakes.github_server import FIXED_NOW, FakeGitHub
from tests.github.conftest import TOKEN, subject

FIXTURE_SUBJECTS = [
    subject("tensorkit", "aifoundry/tensorkit"),
    subject("tinytok", "solodev/tinytok"),
    subject("legacy-nn", "oldlab/legacy-nn"),
    subject("fastinfer", "oldname/fastinfer"),
    subject("ml-core", "megacorp/ml-monorepo"),
    subject("ml-io", "megacorp/ml-monorepo"),
    subject("ml-serve", "megacorp/ml-monorepo"),
    subject("widgets", "fundme/widgets"),
]


def collector(fake: FakeGitHub, token: str | None = TOKEN, **kw: Any) -> GitHubCollector:
    kw.setdefault("stats_wait", 0.01)
    kw.setdefault("retry_backoff", 0.01)
    kw.setdefault("max_wait", 2.0)
    return GitHubCollector(base_url=fake.base_url, token=token, now=FIXED_NOW, **kw)


def values(signals: Sequence[Signal]) -> dict[str, Any]:
    return {s.name: s.value for s in signals if s.known}


def reasons(signals: Sequence[Signal]) -> dict[str, str]:
    return {s.name: s.unknown_reason for s in signals if s.unknown_reason is not None}


def check_complete(result: Mapping[str, Sequence[Signal]]) -> None:
    for signals in result.values():
        assert [s.name for s in signals] == list(NAMES)
        for s in signals:
            assert s.known or (s.value is None and s.unknown_reason)


@pytest.mark.parametrize("token", [TOKEN, None], ids=["token", "anonymous"])
def test_fixture_projects(fake: FakeGitHub, token: str | None) -> None:
    # Anonymous runs get a bigger budget here so every fixture is reached.
    fake.anonymous_limit = 500
    result = collector(fake, token, anonymous_budget=400).collect(FIXTURE_SUBJECTS)
    check_complete(result)

    healthy = values(result["tensorkit"])
    assert healthy["owner_type"] == "Organization"
    assert healthy["archived"] is False and healthy["pushed_days_ago"] == 2
    assert healthy["stars"] == 25000 and healthy["open_issues"] == 6
    assert healthy["commits_90d"] == 30 and healthy["commits_365d"] == 50
    assert healthy["committers_90d"] == 6
    assert healthy["releases_365d"] == 6  # the draft and the old release are left out
    assert {"platform": "open_collective", "url": "https://opencollective.com/tensorkit"} in (
        healthy["funding_links"]
    )
    # Issues 1-4 answered by maintainers after 2, 5, 10 and 30 hours (a non-maintainer's
    # comment does not count); the maintainer's own issue, the PR and the old one are skipped.
    assert healthy["issue_response_median_hours"] == 7.5
    assert healthy["repository_renamed_to"] == ""

    solo = values(result["tinytok"])
    assert solo["owner_type"] == "User"
    assert solo["contributor_absence_factor_github"] == 1
    assert solo["committers_90d"] == 1
    platforms = {link["platform"] for link in solo["funding_links"]}
    assert {"github", "ko_fi", "patreon", "liberapay", "polar", "thanks_dev"} <= platforms

    archived = values(result["legacy-nn"])
    assert archived["archived"] is True and archived["pushed_days_ago"] == 700
    assert archived["commits_90d"] == 0 and archived["releases_365d"] == 0

    assert values(result["fastinfer"])["repository_renamed_to"] == "newhome/fastinfer"

    owner_funded = values(result["widgets"])
    assert {"platform": "polar", "url": "https://polar.sh/fundme"} in owner_funded["funding_links"]

    if token:
        # All from the commit authors of the last 365 days (GraphQL history): tensorkit's
        # 50 commits by 7 people, the two busiest at AIFoundry.
        assert healthy["committers_365d"] == 7
        assert healthy["top_contributor_share"] == 0.24  # 12 of 50
        assert healthy["contributor_absence_factor_github"] == 3
        assert healthy["top_contributor_orgs"] == ["aifoundry"]
        # 12 commits by solodev and one by an unlinked e-mail, which counts as a person.
        assert solo["top_contributor_share"] == 0.9231
        assert solo["committers_365d"] == 2
        assert archived["committers_365d"] == 0
        assert "no commit" in reasons(result["legacy-nn"])["contributor_absence_factor_github"]
        assert values(result["fastinfer"])["top_contributor_orgs"] == ["fastco"]
        for signals in result.values():
            assert "no all-time contributor list" in reasons(signals)["contributors_count"]
        assert solo["has_sponsors_listing"] is True
        assert values(result["ml-core"])["has_sponsors_listing"] is False
    else:
        # All history, from REST's contributors list and profiles.
        assert healthy["contributors_count"] == 250
        assert healthy["top_contributor_share"] < 0.05
        assert healthy["contributor_absence_factor_github"] > 10
        assert healthy["top_contributor_orgs"] == ["aifoundry", "google"]
        assert solo["top_contributor_share"] == 0.95
        assert solo["contributors_count"] == 3  # the anonymous contributor counts
        assert values(result["fastinfer"])["contributors_count"] == 3
        why = reasons(result["tinytok"])["has_sponsors_listing"]
        assert "token" in why and "GITHUB_TOKEN" in why


def test_monorepo_collected_once(fake: FakeGitHub) -> None:
    fake.anonymous_limit = 500
    many = [subject(f"ml-{n}", "megacorp/ml-monorepo") for n in ("core", "io", "serve", "cli")]
    result = collector(fake, None, anonymous_budget=400).collect(many)
    paths = [r.path for r in fake.requests]
    assert paths.count("/repos/megacorp/ml-monorepo") == 1
    assert paths.count("/repos/megacorp/ml-monorepo/contributors") == 1
    assert paths.count("/repos/megacorp/ml-monorepo/stats/participation") == 2  # 202, then 200
    assert len({json.dumps(values(sigs), sort_keys=True) for sigs in result.values()}) == 1


def test_contributor_pagination_follows_link_headers(fake: FakeGitHub) -> None:
    result = collector(fake, None).collect([subject("tensorkit", "aifoundry/tensorkit")])
    assert values(result["tensorkit"])["contributors_count"] == 250
    assert fake.count("/repos/aifoundry/tensorkit/contributors") == 3
    path = "/repos/aifoundry/tensorkit/contributors"
    pages = [r.query.get("page") for r in fake.requests if r.path == path]
    assert pages == [None, "2", "3"]
    assert all(r.query.get("anon") == "1" for r in fake.requests if r.path == path)


def test_fake_link_header_shape(fake: FakeGitHub) -> None:
    url = f"{fake.base_url}/repos/aifoundry/tensorkit/contributors?anon=1&per_page=100&page=2"
    response = requests.get(url, timeout=5)
    link = response.headers["Link"]
    assert 'rel="next"' in link and 'rel="last"' in link and 'rel="prev"' in link
    for part in link.split(","):
        target = urlsplit(part.split(";")[0].strip().strip("<>"))
        assert f"{target.hostname}:{target.port}" == urlsplit(fake.base_url).netloc
        assert "page=" in target.query
    assert response.headers["X-RateLimit-Limit"] == "60"
    assert len(response.raw.headers.getlist("X-RateLimit-Remaining")) == 1


def test_truncated_contributors_fetch_last_page_for_the_count(fake: FakeGitHub) -> None:
    result = collector(fake, None, max_contributor_pages=1).collect(
        [subject("tensorkit", "aifoundry/tensorkit")]
    )
    assert values(result["tensorkit"])["contributors_count"] == 250
    path = "/repos/aifoundry/tensorkit/contributors"
    pages = [r.query.get("page") for r in fake.requests if r.path == path]
    assert pages == [None, "3"]


def test_renamed_repository_is_followed_over_rest(fake: FakeGitHub) -> None:
    result = collector(fake, None).collect([subject("fastinfer", "oldname/fastinfer")])
    assert values(result["fastinfer"])["repository_renamed_to"] == "newhome/fastinfer"
    assert fake.count("/repos/oldname/fastinfer") == 1  # the 301
    assert fake.count("/repositories/4004") == 1  # the redirect target
    assert fake.count("/repos/newhome/fastinfer/contributors") == 1


def test_cache_reused_and_token_never_leaks(
    fake: FakeGitHub, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    cache = Cache(tmp_path / "cache.db")
    subjects = [*FIXTURE_SUBJECTS, subject("gone", "nobody/gone")]
    first = collector(fake, cache=cache).collect(subjects)
    spent = len(fake.requests)
    second = collector(fake, cache=cache).collect(subjects)
    assert len(fake.requests) == spent  # everything came from the cache
    assert values(second["tensorkit"]) == values(first["tensorkit"])
    cache.close()

    # The token was sent...
    assert f"token {TOKEN}" in fake.authorizations
    # ...and appears nowhere we write or say.
    for path in tmp_path.iterdir():
        assert TOKEN.encode() not in path.read_bytes(), path
    dumped = json.dumps({k: [vars(s) for s in v] for k, v in first.items()}, default=str)
    assert TOKEN not in dumped
    assert TOKEN not in caplog.text
    assert TOKEN not in repr(collector(fake))


def test_repository_gone_is_unknown_not_found(fake: FakeGitHub) -> None:
    for token in (TOKEN, None):
        result = collector(fake, token).collect([subject("gone", "nobody/gone")])
        assert set(reasons(result["gone"]).values()) == {"repository not found on GitHub"} or all(
            "not found" in r for r in reasons(result["gone"]).values()
        )


def test_non_github_hosts_are_recorded_not_fetched(fake: FakeGitHub) -> None:
    port = urlsplit(fake.base_url).port
    subjects = [
        subject("on-gitlab", "org/repo", host="gitlab.com"),
        subject("on-loopback", "org/repo", host=f"127.0.0.1:{port}"),
        subject("on-private", "org/repo", host="10.0.0.8"),
        Subject(package="no-link", version=None, repository=None),
    ]
    subjects.append(
        Subject(
            package="loopback-host",
            version=None,
            repository=RepositoryRef(
                url="http://127.0.0.1/x/y",
                host="127.0.0.1",
                owner="x",
                name="y",
                confidence="low",
                how="test",
            ),
        )
    )
    result = collector(fake).collect(subjects)
    check_complete(result)
    assert fake.requests == []
    assert "not fetched" in reasons(result["on-gitlab"])["stars"]
    assert "not fetched" in reasons(result["loopback-host"])["stars"]
    assert "no GitHub repository" in reasons(result["no-link"])["stars"]


def test_empty_repository_has_no_contributors_not_an_unknown(fake: FakeGitHub) -> None:
    # GitHub answers an empty repository's contributors with 204 and no body.
    fake.add_repo(
        {
            "repo": {
                "id": 31337,
                "name": "blank",
                "full_name": "newbie/blank",
                "owner": {"login": "newbie", "type": "User"},
                "fork": False,
                "archived": False,
                "disabled": False,
                "pushed_at": None,
                "stargazers_count": 0,
                "open_issues_count": 0,
            }
        }
    )
    answer = requests.get(f"{fake.base_url}/repos/newbie/blank/contributors", timeout=5)
    assert answer.status_code == 204 and answer.content == b""
    result = collector(fake, None).collect([subject("blank", "newbie/blank")])
    got = values(result["blank"])
    assert got["contributors_count"] == 0
    assert got["committers_90d"] == 0 and got["committers_365d"] == 0
    assert "no contributors" in reasons(result["blank"])["top_contributor_share"]
