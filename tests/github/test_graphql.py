"""The token path: every signal from batched GraphQL documents, and what it costs.

The target of the design is at most 0.1 requests per repository with a token, so these
tests count requests exactly: ``ceil(N / batch)`` POSTs to /graphql and no REST call,
whatever the repositories look like (renamed, gone, with or without commits).
"""

from __future__ import annotations

import json
import math
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from auditor.cache import Cache
from auditor.collectors.backends.github import metrics
from auditor.collectors.backends.github.graphql import (
    CommitAuthor,
    CommitSample,
    Limits,
    alias_errors,
    build_history_query,
    build_query,
    fill_record,
    finish_commits,
    history_page,
    owner_funding,
)
from auditor.collectors.backends.github.signals import NAMES, RepoRecord
from auditor.collectors.github import GitHubCollector
from auditor.errors import DataSourceError
from tests.fakes.github_schema import check
from tests.fakes.github_server import FIXED_NOW, FakeGitHub, Fault, synthetic_repository
from tests.github.conftest import TOKEN, subject


def collector(fake: FakeGitHub, token: str | None = TOKEN, **kw: Any) -> GitHubCollector:
    kw.setdefault("retry_backoff", 0.01)
    kw.setdefault("max_wait", 2.0)
    return GitHubCollector(base_url=fake.base_url, token=token, now=FIXED_NOW, **kw)


def known(signals: Any) -> dict[str, Any]:
    return {s.name: s.value for s in signals if s.known}


def unknown(signals: Any) -> dict[str, str]:
    return {s.name: s.unknown_reason for s in signals if not s.known}


def rest_requests(fake: FakeGitHub) -> list[str]:
    return [r.path for r in fake.requests if r.path != "/graphql"]


def synthetic(fake: FakeGitHub, n: int) -> list[Any]:
    subjects = []
    for i in range(n):
        data = synthetic_repository(i)
        fake.add_repo(data)
        subjects.append(subject(f"pkg{i}", data["repo"]["full_name"]))
    return subjects


def stamp(days: float) -> str:
    return (FIXED_NOW - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def busy_repository(
    newest_by_one: int = 100, older_by_others: int = 50, bots: int = 0
) -> dict[str, Any]:
    """``newest_by_one`` commits by one person in the last 60 days, then older ones by
    three others (100-300 days ago), plus ``bots`` bot commits at the very top."""
    commits: list[dict[str, Any]] = []

    def commit(n: int, login: str | None, name: str, email: str, days: float) -> None:
        author = {"name": name, "email": email, "date": stamp(days)}
        commits.append(
            {
                "sha": f"{n:040x}",
                "commit": {"author": author, "committer": author},
                "author": {"login": login, "type": "User"} if login else None,
            }
        )

    for k in range(bots):
        commit(10_000 + k, None, "dependabot[bot]", "49699333+dependabot[bot]@users", 0.1)
    for k in range(newest_by_one):
        commit(k, "solo", "Solo", "solo@example.org", 0.5 + k * 0.5)
    for k in range(older_by_others):
        who = f"old{k % 3}"
        commit(1000 + k, who, who, f"{who}@example.org", 100 + k * 4)
    return {
        "repo": {
            "id": 777,
            "name": "busy",
            "full_name": "busyorg/busy",
            "owner": {"login": "busyorg", "type": "Organization"},
            "fork": False,
            "archived": False,
            "disabled": False,
            "pushed_at": stamp(0),
            "stargazers_count": 1,
            "open_issues_count": 0,
        },
        "commits": commits,
    }


# -- cost --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("repos", "batch"), [(45, 20), (60, 25), (7, 20), (170, 20)])
def test_one_graphql_request_per_batch_and_no_rest(
    fake: FakeGitHub, repos: int, batch: int
) -> None:
    subjects = synthetic(fake, repos)
    result = collector(fake, batch_size=batch).collect(subjects)
    assert fake.count("POST /graphql") == math.ceil(repos / batch)
    assert rest_requests(fake) == []
    assert len(fake.requests) / repos <= 0.1 or repos < 10
    for signals in result.values():
        assert [s.name for s in signals] == list(NAMES)
        assert set(unknown(signals)) <= {"contributors_count", "issue_response_median_hours"}
    assert known(result["pkg4"])["funding_links"] == [
        {"platform": "github", "url": "https://github.com/sponsors/dev4-0"}
    ]


def test_default_batch_size_meets_the_target_on_170_repositories(fake: FakeGitHub) -> None:
    subjects = synthetic(fake, 170)
    collector(fake).collect(subjects)
    assert len(fake.requests) <= 17  # at most 0.1 per repository
    assert fake.count("POST /graphql") == math.ceil(170 / 20)


def test_documents_fit_github_limits(fake: FakeGitHub) -> None:
    limits = Limits()
    # GitHub rejects documents asking for more than 500,000 nodes. Counted by GitHub's
    # formula (tests/fakes/github_schema.py), a repository asks for its history and
    # releases (100 each), 50 issues and 10 comments on each: 750 nodes.
    batch = build_query([("o", f"r{i}") for i in range(20)], FIXED_NOW).text
    assert check(batch).nodes == 20 * 750 <= 20 * limits.nodes_per_repository()
    widest = Limits(max_commits=100, issues=100, comments=100, releases=100)
    wide = build_query([("o", f"r{i}") for i in range(20)], FIXED_NOW, widest).text
    assert check(wide).nodes == 20 * widest.nodes_per_repository() - 20 < 500_000
    with pytest.raises(ValueError):
        Limits(commits_per_page=101)
    # The fake checks what GitHub checks (first on every listed connection, first <= 100)
    # and answers only errors GitHub would give for these repositories.
    slugs = [("aifoundry", "tensorkit"), ("nobody", "gone"), ("oldname", "fastinfer")]
    document = build_query(slugs, FIXED_NOW).text
    answer = requests.post(
        f"{fake.base_url}/graphql",
        json={"query": document},
        headers={"Authorization": f"token {TOKEN}"},
        timeout=5,
    ).json()
    assert {e["type"] for e in answer["errors"]} == {"NOT_FOUND"}
    assert answer["data"]["r1"] is None and answer["data"]["r2"]["nameWithOwner"]
    assert answer["data"]["rateLimit"]["cost"] >= 1
    page = build_history_query([("r0", "aifoundry", "tensorkit", "c0ffee 9", 5)], FIXED_NOW)
    answer = requests.post(
        f"{fake.base_url}/graphql",
        json={"query": page},
        headers={"Authorization": f"token {TOKEN}"},
        timeout=5,
    ).json()
    history = answer["data"]["r0"]["defaultBranchRef"]["target"]["year"]
    assert len(history["nodes"]) == 5 and history["pageInfo"]["endCursor"] == "c0ffee 14"


# -- what the signals mean ----------------------------------------------------------------------


def test_values_come_from_graphql_fixtures(fake: FakeGitHub) -> None:
    subjects = [
        subject("tensorkit", "aifoundry/tensorkit"),
        subject("tinytok", "solodev/tinytok"),
        subject("widgets", "fundme/widgets"),
    ]
    result = collector(fake).collect(subjects)
    assert fake.count("POST /graphql") == 1 and rest_requests(fake) == []
    healthy = known(result["tensorkit"])
    assert (healthy["committers_90d"], healthy["committers_365d"]) == (6, 7)
    assert healthy["top_contributor_share"] == 0.24
    assert healthy["contributor_absence_factor_github"] == 3
    assert healthy["top_contributor_orgs"] == ["aifoundry"]  # "@AIFoundry", "AIFoundry, Inc."
    assert healthy["issue_response_median_hours"] == 7.5
    solo = known(result["tinytok"])
    assert solo["contributor_absence_factor_github"] == 1 and solo["committers_90d"] == 1
    assert solo["top_contributor_orgs"] == []  # an empty company field is no employer
    # widgets has no FUNDING.yml of its own: its owner's .github repository has one.
    owner_funded = known(result["widgets"])
    assert {"platform": "polar", "url": "https://polar.sh/fundme"} in owner_funded["funding_links"]
    assert owner_funded["has_sponsors_listing"] is True
    assert owner_funded["top_contributor_orgs"] == ["widgets"]


def test_renamed_repository_is_followed_in_the_batch(fake: FakeGitHub) -> None:
    result = collector(fake).collect([subject("fastinfer", "oldname/fastinfer")])
    values = known(result["fastinfer"])
    assert values["repository_renamed_to"] == "newhome/fastinfer"
    assert values["commits_365d"] == 10 and values["committers_365d"] == 3
    assert len(fake.requests) == 1


def test_missing_repository_does_not_fail_the_batch(fake: FakeGitHub) -> None:
    subjects = [subject("gone", "nobody/gone"), subject("tinytok", "solodev/tinytok")]
    result = collector(fake).collect(subjects)
    assert set(unknown(result["gone"]).values()) == {"repository not found on GitHub"}
    assert known(result["tinytok"])["stars"] == 800
    assert len(fake.requests) == 1


def test_bots_are_not_committers(fake: FakeGitHub) -> None:
    fake.add_repo(busy_repository(newest_by_one=3, older_by_others=3, bots=5))
    result = collector(fake).collect([subject("busy", "busyorg/busy")])
    values = known(result["busy"])
    assert values["commits_365d"] == 11  # GitHub counts every commit...
    assert values["committers_365d"] == 4  # ...but a bot is not a person
    assert values["top_contributor_share"] == 0.5


def test_truncated_history_is_a_lower_bound_or_unknown(fake: FakeGitHub) -> None:
    fake.add_repo(busy_repository())
    result = collector(fake).collect([subject("busy", "busyorg/busy")])
    assert len(fake.requests) == 1  # the default reads one page, never more
    values, reasons = known(result["busy"]), unknown(result["busy"])
    assert values["commits_365d"] == 150
    assert values["committers_90d"] == 1  # all 100 commits of the last 90 days were read
    # Only the newest 100 of 150 were read, all by one person: too few to say "one".
    assert "committers_365d" not in values
    assert "100 of the 150" in reasons["committers_365d"]
    assert values["contributor_absence_factor_github"] == 1  # of the sample, as described


def test_history_pages_are_batched_and_bounded(fake: FakeGitHub) -> None:
    fake.add_repo(busy_repository())
    subjects = [subject("busy", "busyorg/busy"), subject("tensorkit", "aifoundry/tensorkit")]
    result = collector(fake, max_commits=250).collect(subjects)
    # One batch, then one follow-up page for the only repository with more commits.
    assert fake.count("POST /graphql") == 2 and rest_requests(fake) == []
    values = known(result["busy"])
    assert values["committers_365d"] == 4
    assert values["top_contributor_share"] == round(100 / 150, 4)
    assert known(result["tensorkit"])["committers_365d"] == 7


# -- faults --------------------------------------------------------------------------------------


def test_rejected_token_is_a_data_source_error(fake: FakeGitHub) -> None:
    with pytest.raises(DataSourceError) as info:
        collector(fake, "ghp_wrong_token_value").collect([subject("t", "solodev/tinytok")])
    assert "ghp_wrong_token_value" not in str(info.value)
    assert rest_requests(fake) == []


def test_server_errors_are_retried_a_bounded_number_of_times(fake: FakeGitHub) -> None:
    fake.add_fault(Fault(prefix="/graphql", status=502, times=2))
    result = collector(fake, retries=3).collect([subject("tinytok", "solodev/tinytok")])
    assert known(result["tinytok"])["stars"] == 800
    assert fake.count("POST /graphql") == 3 and rest_requests(fake) == []


def test_server_error_storm_ends_unknown_without_rest(fake: FakeGitHub, tmp_path: Path) -> None:
    fake.add_fault(Fault(prefix="/graphql", status=503))
    cache = Cache(tmp_path / "c.db")
    subjects = synthetic(fake, 30)
    result = collector(fake, retries=3, batch_size=20, cache=cache).collect(subjects)
    for signals in result.values():
        reasons = unknown(signals)
        assert len(reasons) == len(NAMES)
        assert any(w in reasons["stars"] for w in ("server error", "failing"))
    assert rest_requests(fake) == []
    # Halving a failing batch stops at the circuit breaker: 4 documents of 4 attempts.
    assert fake.count("POST /graphql") <= 4 * 4
    assert cache.get("github", "repo:github.com/synth-org1/pkg1:token") is None  # transient


def test_a_batch_that_times_out_is_split(fake: FakeGitHub) -> None:
    # GitHub answers 502 to documents too slow to run; smaller ones may pass.
    fake.add_fault(Fault(prefix="/graphql", status=502, times=4))  # every attempt of one
    subjects = synthetic(fake, 10)
    result = collector(fake, retries=3, stats_retries=3, batch_size=10).collect(subjects)
    assert all(known(s)["stars"] == 10 * i for i, s in enumerate(result.values()))
    assert fake.count("POST /graphql") == 4 + 2  # the whole batch 4 times, then two halves


def test_secondary_rate_limit_waits_within_max_wait(fake: FakeGitHub) -> None:
    fake.add_fault(
        Fault(
            prefix="/graphql",
            status=403,
            message="You have exceeded a secondary rate limit. Please wait a few minutes "
            "before you try again.",
            retry_after=1,
            times=1,
        )
    )
    started = time.monotonic()
    result = collector(fake, max_wait=5).collect([subject("tinytok", "solodev/tinytok")])
    assert time.monotonic() - started >= 1.0
    assert known(result["tinytok"])["committers_90d"] == 1
    assert fake.count("POST /graphql") == 2


def test_rate_limit_beyond_max_wait_is_unknown_with_reason(fake: FakeGitHub) -> None:
    fake.add_fault(Fault(prefix="/graphql", status=429, retry_after=120))
    started = time.monotonic()
    result = collector(fake, max_wait=1).collect([subject("tinytok", "solodev/tinytok")])
    assert time.monotonic() - started < 10
    assert "rate limit" in unknown(result["tinytok"])["stars"]
    assert rest_requests(fake) == []


def test_graphql_rate_limited_error_is_unknown_with_reason(fake: FakeGitHub) -> None:
    # GraphQL's own form: HTTP 200, errors [{type: RATE_LIMITED}], reset an hour away.
    fake.add_fault(Fault(prefix="/graphql", graphql_rate_limited=True))
    result = collector(fake, max_wait=1).collect([subject("tinytok", "solodev/tinytok")])
    assert "rate limit" in unknown(result["tinytok"])["committers_365d"]
    assert fake.count("POST /graphql") == 1 and rest_requests(fake) == []


def test_malformed_graphql_answer_is_unknown(fake: FakeGitHub) -> None:
    fake.add_fault(Fault(prefix="/graphql", malformed=True))
    result = collector(fake).collect([subject("tinytok", "solodev/tinytok")])
    assert "malformed" in unknown(result["tinytok"])["stars"]
    assert rest_requests(fake) == []


def test_token_never_leaks_from_graphql_failures(fake: FakeGitHub, tmp_path: Path) -> None:
    fake.add_fault(Fault(prefix="/graphql", status=500, message=f"boom {TOKEN}"))
    cache = Cache(tmp_path / "c.db")
    result = collector(fake, retries=1, cache=cache).collect([subject("t", "solodev/tinytok")])
    cache.close()
    dumped = json.dumps({k: [vars(s) for s in v] for k, v in result.items()}, default=str)
    assert TOKEN not in dumped
    for path in tmp_path.iterdir():
        assert TOKEN.encode() not in path.read_bytes()


def test_failed_history_page_leaves_a_partial_sample_said_so(
    fake: FakeGitHub, tmp_path: Path
) -> None:
    fake.add_repo(busy_repository())
    cache = Cache(tmp_path / "c.db")
    col = collector(fake, retries=3, max_commits=250, cache=cache)
    batch = col._graphql_batch

    def batch_then_storm(*args: Any, **kw: Any) -> None:
        batch(*args, **kw)  # the batch document passes; every follow-up page fails
        fake.add_fault(Fault(prefix="/graphql", status=502))

    col._graphql_batch = batch_then_storm  # type: ignore[method-assign]
    result = col.collect([subject("busy", "busyorg/busy")])
    assert "further commit page failed" in unknown(result["busy"])["committers_365d"]
    assert known(result["busy"])["committers_90d"] == 1  # fully read in the first page
    assert fake.count("POST /graphql") == 1 + 4  # the batch, then one page's attempts
    assert cache.get("github", "repo:github.com/busyorg/busy:token") is None  # transient


def test_a_document_github_refuses_is_not_split_and_says_why(
    fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GitHub retires schema fields over time: a document naming one is refused whole
    # (200, errors, no data). Halving it cannot help, so it must not cost 2n-1 requests.
    import auditor.collectors.backends.github.graphql as gql

    monkeypatch.setattr(gql, "REPO_FRAGMENT", gql.REPO_FRAGMENT.replace("isFork", "isForked"))
    subjects = synthetic(fake, 8)
    result = collector(fake, batch_size=4).collect(subjects)
    assert fake.count("POST /graphql") == 2
    why = unknown(result["pkg0"])["stars"]
    assert "refused" in why and "isForked" in why


def test_an_oversized_batch_is_split_until_it_fits(fake: FakeGitHub) -> None:
    # 750 nodes a repository: 700 repositories ask for 525,000, over GitHub's 500,000.
    subjects = synthetic(fake, 700)
    result = collector(fake, batch_size=700).collect(subjects)
    assert fake.count("POST /graphql") == 3  # refused whole, then two halves that fit
    assert known(result["pkg699"])["stars"] == 6990


# -- written from the collectors scope's mutation survivors (benchmarks/mutation.py) ------------


@pytest.mark.parametrize(("read", "first"), [(100, 30), (129, 1), (0, 100)])
def test_a_follow_up_page_asks_only_for_what_max_commits_leaves(read: int, first: int) -> None:
    # max_commits bounds the commits read (and the nodes and points spent): the last page
    # asks for the remainder, never a full page, and never fewer than one.
    sample = CommitSample(read=read, has_next=True, cursor="c")
    assert sample.next_first(Limits(max_commits=130)) == first


@pytest.mark.parametrize(
    "node", [None, {"defaultBranchRef": None}, {"defaultBranchRef": {"target": None}}]
)
def test_a_follow_up_page_without_a_branch_has_no_history(node: Any) -> None:
    # A repository can lose its default branch between two pages: no page, no crash.
    assert history_page(node) is None


def test_follow_up_pages_of_several_repositories_share_one_valid_document() -> None:
    pages = [("r0", "a", "x", "c0ffee 9", 5), ("r3", "b", "y", "c0ffee 2", 7)]
    page = build_history_query(pages, FIXED_NOW)
    check(page)  # GitHub's schema accepts it (raises Refused otherwise)
    # The same 365-day window as the batch document's first page.
    since = (FIXED_NOW - timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ")
    batch = build_query([("a", "x")], FIXED_NOW).text
    assert f'year: history(since: "{since}", first: 100)' in batch
    assert f'year: history(since: "{since}", first: 5, after: "c0ffee 9")' in page
    assert f'year: history(since: "{since}", first: 7, after: "c0ffee 2")' in page


def test_a_commit_page_is_read_node_by_node_and_a_malformed_one_refused() -> None:
    sample = CommitSample()
    assert sample.add_page(None) is False and sample.add_page({"nodes": None}) is False
    page = {
        "totalCount": 3,
        "pageInfo": {"hasNextPage": True, "endCursor": "c1"},
        "nodes": [{"committedDate": "2025-01-01T00:00:00Z"}, "junk"],
    }
    assert sample.add_page(page) is True
    assert sample.dates == [metrics.parse_time("2025-01-01T00:00:00Z"), None]
    assert (sample.read, sample.total_365, sample.cursor, sample.has_next) == (2, 3, "c1", True)


def test_the_owners_dot_github_funding_file_is_preferred_to_its_root_one() -> None:
    both = {"dotFunding": {"text": "github: [a]"}, "rootFunding": {"text": "github: [b]"}}
    assert owner_funding(both) == [{"platform": "github", "url": "https://github.com/sponsors/a"}]
    root = {"dotFunding": None, "rootFunding": {"text": "github: [b]"}}
    assert owner_funding(root) == [{"platform": "github", "url": "https://github.com/sponsors/b"}]
    assert owner_funding({"dotFunding": None, "rootFunding": None}) is None


def test_malformed_counts_leave_open_issues_unknown() -> None:
    record = RepoRecord()
    node = {"openIssues": None, "openPullRequests": {"totalCount": 2}}
    fill_record(record, node, ("o", "r"), FIXED_NOW)
    assert not record.has("open_issues")
    fill_record(record, {**node, "openIssues": {"totalCount": "3"}}, ("o", "r"), FIXED_NOW)
    assert not record.has("open_issues")
    fill_record(record, {**node, "openIssues": {"totalCount": 3}}, ("o", "r"), FIXED_NOW)
    assert record.values["open_issues"] == 5


@pytest.mark.parametrize(
    ("info", "cursor", "has_next"),
    [
        (None, None, False),  # no page information: nothing more to ask for
        ({"hasNextPage": True, "endCursor": None}, None, False),  # no cursor to ask with
        ({"hasNextPage": True, "endCursor": 5}, None, False),
        ({"hasNextPage": True, "endCursor": "c9"}, "c9", True),
    ],
)
def test_a_next_page_needs_a_cursor(info: Any, cursor: str | None, has_next: bool) -> None:
    sample = CommitSample()
    assert sample.add_page({"totalCount": 1, "nodes": [], "pageInfo": info})
    assert sample.cursor == cursor and sample.has_next is has_next


@pytest.mark.parametrize(
    ("author", "key"),
    [
        ({"name": "Alice", "email": "", "user": None}, "name:alice"),  # only a name
        ({"name": 5, "email": "", "user": None}, None),  # no usable name: no author
        ({"name": "Alice", "email": "A@x.org", "user": None}, "email:a@x.org"),
        ({"name": "Alice", "email": 5, "user": None}, "name:alice"),  # not an e-mail
        ({"name": "Alice"}, "name:alice"),  # no e-mail given
        ({"name": "Alice", "email": "a@x.org", "user": {"login": ""}}, "email:a@x.org"),
        ({"name": "dependabot[bot]", "email": "", "user": None}, None),  # bots, however
        ({"name": "Renovate", "email": "29139614+renovate[bot]@users", "user": None}, None),
        ({"name": "x", "email": "", "user": {"login": "github-actions[bot]"}}, None),
        ({"name": "x", "email": "", "user": {"login": "Bob", "company": "@acme"}}, "login:bob"),
    ],
)
def test_commit_authors_are_people_by_account_email_or_name(author: Any, key: str | None) -> None:
    sample = CommitSample()
    page = {"totalCount": 1, "nodes": [{"committedDate": "2025-01-01T00:00:00Z", "author": author}]}
    sample.add_page(page)
    assert [a.key for a in sample.authors] == ([] if key is None else [key])


# -- written from the graphql scope's mutation survivors (benchmarks/mutation.py) ---------------


def sampled(ages: list[float | None], keys: list[str], **kw: Any) -> CommitSample:
    """A commit sample as read: one commit per age in days (None: no date), by ``keys``."""
    dates = [None if a is None else FIXED_NOW - timedelta(days=a) for a in ages]
    authors = [
        CommitAuthor(key=k, login=None, company=None, when=d)
        for k, d in zip(keys, dates, strict=True)
    ]
    return CommitSample(dates=dates, authors=authors, read=len(ages), **kw)


def finished(sample: CommitSample) -> RepoRecord:
    record = RepoRecord()
    finish_commits(record, sample, FIXED_NOW, Limits())
    return record


def test_the_committer_windows_are_exactly_90_and_365_days() -> None:
    # A commit on the windows' first instant counts; one a second older does not. More
    # pages remain, yet the one commit GitHub counts in 90 days was read: covered.
    second = 1 / 86_400
    keys = ["email:a", "email:b", "email:c", "email:d"]
    sample = sampled([90, 90 + second, 365, 365 + second], keys, total_90=1, total_365=3)
    sample.has_next, sample.cursor = True, "c"
    values = finished(sample).values
    assert (values["committers_90d"], values["committers_365d"]) == (1, 3)


def test_a_commit_without_a_date_counts_in_every_window() -> None:
    # GitHub only lists commits of the window; one whose date is unreadable is still one.
    sample = sampled([None, None], ["email:a", "email:a"], total_90=2, total_365=2)
    sample.has_next, sample.cursor = True, "c"
    values = finished(sample).values
    assert (values["committers_90d"], values["committers_365d"]) == (1, 1)


def test_a_partial_sample_is_known_only_when_it_covers_the_window_or_shows_two_people() -> None:
    # 3 commits in 90 days, 2 of them read (the third older one is out of the window):
    # the window is not covered, and one person is too few to say "one person".
    one = sampled([1, 2, 100], ["email:a"] * 3, total_90=3, total_365=150, has_next=True)
    record = finished(one)
    assert not record.has("committers_90d") and not record.has("committers_365d")
    assert record.unknown["committers_365d"] == (
        "only the newest 3 of the 150 commits in the window were read (bounded at 100), "
        "too few to say how many people committed"
    )
    assert not record.transient  # the bound is ours: the next run reads the same
    # Two people among the commits read: "at least two" is already true, and said.
    two = sampled([1, 2, 100], ["email:a", "email:b", "email:a"], total_90=3, total_365=150)
    two.has_next = True
    assert finished(two).values["committers_365d"] == 2
    # A failed page says so, and may clear on the next run.
    one.stop("GitHub answered 502")
    record = finished(one)
    assert "(a further commit page failed: GitHub answered 502)" in record.unknown["committers_90d"]
    assert record.transient


def test_no_people_among_the_commits_read_leaves_the_shares_unknown_and_says_why() -> None:
    empty = finished(sampled([], [], total_365=0, total_90=0))
    bots = finished(CommitSample(dates=[FIXED_NOW], read=1, total_365=1, total_90=1))
    for record, why in (
        (empty, "no commit on the default branch in the last 365 days"),
        (bots, "the commits read were all made by bots or carry no author"),
    ):
        assert record.unknown["top_contributor_share"] == why
        assert record.unknown["contributor_absence_factor_github"] == why
        assert record.values["committers_365d"] == 0  # zero people, known: nothing unread


def test_a_repository_without_a_push_has_pushed_days_ago_unknown_not_zero() -> None:
    record = RepoRecord()
    fill_record(record, {"pushedAt": None}, ("o", "r"), FIXED_NOW)
    assert record.unknown["pushed_days_ago"] == "the repository has no recorded push"
    fill_record(record, {"pushedAt": stamp(3)}, ("o", "r"), FIXED_NOW)
    assert record.values["pushed_days_ago"] == 3 and "pushed_days_ago" not in record.unknown


def test_a_repository_without_a_default_branch_says_so_for_every_commit_signal() -> None:
    record = RepoRecord()
    assert fill_record(record, {"defaultBranchRef": None}, ("o", "r"), FIXED_NOW) is None
    commit_signals = [
        "commits_90d",
        "commits_365d",
        "committers_90d",
        "committers_365d",
        "top_contributor_share",
        "contributor_absence_factor_github",
        "top_contributor_orgs",
    ]
    for name in commit_signals:
        assert record.unknown[name] == "the repository has no default branch (no commits)"


@pytest.mark.parametrize("branch", ["junk", [], 5])
def test_a_malformed_default_branch_leaves_the_commit_signals_unknown(branch: Any) -> None:
    record = RepoRecord()
    assert fill_record(record, {"defaultBranchRef": branch}, ("o", "r"), FIXED_NOW) is None
    assert not record.has("commits_90d") and not record.has("committers_365d")


def test_a_release_counts_when_it_was_published_not_when_its_draft_was_created() -> None:
    def release(created: float, published: float | None, draft: bool = False) -> dict[str, Any]:
        return {
            "createdAt": stamp(created),
            "publishedAt": None if published is None else stamp(published),
            "isDraft": draft,
        }

    nodes = [
        release(400, 10),  # drafted long ago, published this year: counts
        release(30, 400),  # impossible order, but the publication date decides: out
        release(20, None),  # no publication date: its creation stands in
        release(5, None, draft=True),  # an unpublished draft is no release
        release(400, 365),  # on the window's first instant: counts
        release(400, 365 + 1 / 24),  # an hour older: out
    ]
    record = RepoRecord()
    fill_record(record, {"releases": {"nodes": nodes}}, ("o", "r"), FIXED_NOW)
    assert record.values["releases_365d"] == 3


def test_issue_response_is_the_earliest_maintainer_answer_to_outsiders_in_90_days() -> None:
    def comment(days: float | None, association: str) -> Any:
        created = None if days is None else stamp(days)
        return {"createdAt": created, "authorAssociation": association}

    def issue(days: float | None, association: str, comments: Any) -> Any:
        created = None if days is None else stamp(days)
        return {"createdAt": created, "authorAssociation": association, "comments": comments}

    skipped = [
        "junk",
        issue(90 + 1 / 86_400, "NONE", {"nodes": []}),  # a second too old: out
        issue(None, "NONE", {"nodes": []}),  # no opening time: out
        issue(1, "OWNER", {"nodes": []}),  # a maintainer's own issue: out
    ]
    # Each skipped issue is passed over, not the end of the list: they come first.
    nodes = [
        *skipped,
        # Opened on the window's first instant by an outsider; the maintainers' comments
        # come newest first here: the earliest (2 hours after) is the response.
        issue(90, "NONE", {"nodes": [comment(85, "MEMBER"), comment(90 - 2 / 24, "OWNER")]}),
        # A contributor is not a maintainer: that answer does not count, the issue is
        # open 20 hours, unanswered.
        issue(20 / 24, "CONTRIBUTOR", {"nodes": [comment(10 / 24, "CONTRIBUTOR"), "junk"]}),
        # A collaborator's answer with no readable time is no answer: its age, 30 hours.
        issue(30 / 24, "NONE", {"nodes": [comment(None, "COLLABORATOR")]}),
        issue(40 / 24, "NONE", {"nodes": None}),  # malformed comments: unanswered, 40 h
        issue(50 / 24, "NONE", None),  # 50 hours
    ]
    record = RepoRecord()
    fill_record(record, {"recentIssues": {"nodes": nodes}}, ("o", "r"), FIXED_NOW)
    assert record.values["issue_response_median_hours"] == 30.0  # of 2, 20, 30, 40, 50

    record = RepoRecord()
    fill_record(record, {"recentIssues": {"nodes": skipped}}, ("o", "r"), FIXED_NOW)
    assert record.unknown["issue_response_median_hours"] == (
        "no issue was opened by a non-maintainer in the last 90 days"
    )
    record = RepoRecord()
    fill_record(record, {"recentIssues": {"nodes": None}}, ("o", "r"), FIXED_NOW)
    assert not record.has("issue_response_median_hours")
    assert "issue_response_median_hours" not in record.unknown  # left to "lacked the field"


def test_an_error_about_a_repository_wins_over_one_about_a_field_inside_it() -> None:
    answer = {
        "errors": [
            {"path": ["r0", "owner", "dotGithub"], "type": "NOT_FOUND"},  # no .github: fine
            {"path": ["r0"], "type": "FORBIDDEN"},
            {"path": ["r1", "owner", "dotGithub"], "type": "NOT_FOUND"},
            {"path": ["r2"]},  # no type given
            # Null propagated up from fields inside: the one nearest the repository wins.
            {"path": ["r4", "owner", "dotGithub"], "type": "NOT_FOUND"},
            {"path": ["r4", "releases"], "type": "FORBIDDEN"},
            {"path": [], "type": "X"},
            {"path": [0], "type": "X"},
            {"path": "r3", "type": "X"},
            {"type": "X"},
            "junk",
        ]
    }
    assert alias_errors(answer) == {
        "r0": "FORBIDDEN",
        "r1": "NOT_FOUND",
        "r2": "ERROR",
        "r4": "FORBIDDEN",
    }
    assert alias_errors({"errors": None}) == {} and alias_errors({}) == {}


@pytest.mark.parametrize("name", ["commits_per_page", "issues", "comments", "releases"])
def test_page_sizes_are_githubs_1_to_100(name: str) -> None:
    assert getattr(Limits(**{name: 1}), name) == 1 and getattr(Limits(**{name: 100}), name) == 100
    for wrong in (0, 101):
        with pytest.raises(ValueError, match=f"^{name} must be within 1..100"):
            Limits(**{name: wrong})


def test_max_commits_is_at_least_one_and_may_exceed_a_page() -> None:
    assert Limits(max_commits=1).first_page == 1 and Limits(max_commits=250).first_page == 100
    with pytest.raises(ValueError, match=r"^max_commits must be at least 1$"):
        Limits(max_commits=0)


def test_a_batch_document_asks_each_repository_for_what_the_limits_say() -> None:
    limits = Limits(max_commits=40, issues=7, comments=3, releases=9)
    slugs = [("o", "a"), ('we"ird', "b\\c"), ("o", "d")]
    query = build_query(slugs, FIXED_NOW, limits)
    assert query.repos == {"r0": ("o", "a"), "r1": ('we"ird', "b\\c"), "r2": ("o", "d")}
    # GitHub's node count, as the fake counts it (the owner's .github repository aside).
    assert check(query.text).nodes == 3 * (limits.nodes_per_repository() - 1)
    assert 'r1: repository(owner: "we\\"ird", name: "b\\\\c", followRenames: true)' in query.text
    since90 = (FIXED_NOW - timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%SZ")
    since365 = (FIXED_NOW - timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert f'recent: history(since: "{since90}")' in query.text
    assert f'year: history(since: "{since365}", first: 40)' in query.text
    assert f'filterBy: {{since: "{since90}"}}' in query.text
    assert "releases(first: 9," in query.text and "recentIssues: issues(first: 7," in query.text
    assert "comments(first: 3)" in query.text
    assert limits.nodes_per_repository() == 40 + 9 + 7 * (1 + 3) + 1


def test_funding_is_the_repositorys_own_then_its_file_then_its_owners() -> None:
    owner = {"dotGithub": {"dotFunding": {"text": "github: [org]"}}}
    own = [{"platform": "GITHUB", "url": "https://github.com/sponsors/own"}]
    file = {"text": "ko_fi: filed"}

    def links(node: dict[str, Any]) -> Any:
        record = RepoRecord()
        fill_record(record, node, ("o", "r"), FIXED_NOW)
        return record.values.get("funding_links", "unknown")

    by = "https://github.com/sponsors/"
    assert links({"fundingLinks": own, "fundingFile": file, "owner": owner}) == [
        {"platform": "github", "url": by + "own"}
    ]
    assert links({"fundingLinks": [], "fundingFile": file, "owner": owner}) == [
        {"platform": "ko_fi", "url": "https://ko-fi.com/filed"}
    ]
    assert links({"fundingLinks": [], "fundingFile": {"text": ""}, "owner": owner}) == [
        {"platform": "github", "url": by + "org"}
    ]
    assert links({"fundingLinks": [], "fundingFile": None}) == []  # none: known
    assert links({"fundingLinks": None, "fundingFile": file, "owner": owner}) == "unknown"


def test_a_commit_author_carries_account_employer_and_time() -> None:
    when = "2025-01-01T00:00:00Z"

    def author(actor: Any, date: Any = when) -> Any:
        sample = CommitSample()
        sample.add_page({"totalCount": 1, "nodes": [{"committedDate": date, "author": actor}]})
        return sample.authors

    user = {"login": "Bob", "company": "@Acme"}
    assert author({"name": "B", "email": "b@x.org", "user": user}) == [
        CommitAuthor(key="login:bob", login="Bob", company="acme", when=metrics.parse_time(when))
    ]
    no_company = author({"name": "B", "user": {"login": "bob", "company": 5}}, None)
    assert no_company == [CommitAuthor(key="login:bob", login="bob", company=None, when=None)]
    assert author({"name": "N", "email": "", "user": {"login": None}})[0].key == "name:n"
    # Bots however their name is written.
    for bot in (
        {"name": "Dependabot[BOT]"},
        {"email": "x[Bot]@users"},
        {"user": {"login": "A[bot]"}},
    ):
        assert author({"name": "x", "email": "x@y", **bot}) == []
    assert author("junk") == [] and author(None) == []
