"""Rate limits, bad tokens, server storms and broken answers: unknowns, never tracebacks."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from auditor.collectors.backends.github.signals import NAMES
from auditor.collectors.github import GitHubCollector
from auditor.errors import DataSourceError
from tests.fakes.github_server import FIXED_NOW, FakeGitHub, Fault
from tests.github.conftest import TOKEN, subject

SUBJECTS = [
    subject("tensorkit", "aifoundry/tensorkit"),
    subject("tinytok", "solodev/tinytok"),
    subject("legacy-nn", "oldlab/legacy-nn"),
    subject("fastinfer", "newhome/fastinfer"),
    subject("ml-core", "megacorp/ml-monorepo"),
    subject("widgets", "fundme/widgets"),
]


def collector(fake: FakeGitHub, token: str | None = TOKEN, **kw: Any) -> GitHubCollector:
    kw.setdefault("stats_wait", 0.01)
    kw.setdefault("retry_backoff", 0.01)
    kw.setdefault("max_wait", 2.0)
    return GitHubCollector(base_url=fake.base_url, token=token, now=FIXED_NOW, **kw)


def known(signals: Any) -> dict[str, Any]:
    return {s.name: s.value for s in signals if s.known}


def unknown(signals: Any) -> dict[str, str]:
    return {s.name: s.unknown_reason for s in signals if not s.known}


def test_anonymous_budget_stops_before_the_hourly_limit(fake: FakeGitHub) -> None:
    result = collector(fake, None).collect(SUBJECTS)
    assert all(r.status != 403 for r in fake.requests), "we hit GitHub's limit"
    assert len(fake.requests) <= 55
    # The most critical package (first) got its signals...
    assert known(result["tensorkit"])["contributors_count"] == 250
    # ...the least critical ones are unknown, and the reason says how a token helps.
    why = unknown(result["widgets"])["stars"]
    assert "GITHUB_TOKEN" in why


def test_anonymous_budget_is_configurable(fake: FakeGitHub) -> None:
    result = collector(fake, None, anonymous_budget=4).collect(SUBJECTS)
    assert len(fake.requests) <= 4 + 3  # budget plus bounded internal retries (202s)
    assert "budget" in unknown(result["tinytok"])["stars"]
    assert known(result["tensorkit"])["stars"] == 25000


def test_remaining_budget_read_from_headers(fake: FakeGitHub) -> None:
    fake.set_remaining(8)  # others on this machine already spent most of the hour
    result = collector(fake, None).collect(SUBJECTS)
    assert all(r.status != 403 for r in fake.requests)
    assert len(fake.requests) <= 4
    assert "rate limit" in unknown(result["tinytok"])["stars"]


def test_retry_after_is_honoured_within_max_wait(fake: FakeGitHub) -> None:
    fake.add_fault(
        Fault(
            prefix="/repos/solodev/tinytok",
            status=403,
            message="You have exceeded a secondary rate limit. Please wait a few minutes "
            "before you try again.",
            retry_after=1,
            times=1,
        )
    )
    fake.add_fault(
        Fault(prefix="/repos/oldlab/legacy-nn/contributors", status=429, retry_after=1, times=1)
    )
    started = time.monotonic()
    result = collector(fake, None, max_wait=5, anonymous_budget=100).collect(SUBJECTS[1:3])
    assert time.monotonic() - started >= 1.0
    assert known(result["tinytok"])["contributors_count"] == 3
    assert known(result["legacy-nn"])["contributors_count"] == 3


def test_retry_after_beyond_max_wait_degrades_to_unknown(fake: FakeGitHub) -> None:
    fake.add_fault(Fault(prefix="/repos/solodev/tinytok", status=429, retry_after=120))
    started = time.monotonic()
    result = collector(fake, None, max_wait=1).collect([subject("tinytok", "solodev/tinytok")])
    assert time.monotonic() - started < 10
    assert "rate limit" in unknown(result["tinytok"])["stars"]


def test_primary_rate_limit_with_distant_reset_is_unknown_and_not_cached(
    fake: FakeGitHub, tmp_path: Any
) -> None:
    from auditor.cache import Cache

    cache = Cache(tmp_path / "c.db")
    fake.add_fault(Fault(prefix="/repos/", remaining_zero=True, times=1))
    result = collector(fake, None, cache=cache).collect([subject("tinytok", "solodev/tinytok")])
    assert "rate limit" in unknown(result["tinytok"])["stars"]
    assert "GITHUB_TOKEN" in unknown(result["tinytok"])["stars"]
    assert cache.get("github", "repo:github.com/solodev/tinytok:anonymous") is None


def test_rejected_token_is_a_data_source_error(fake: FakeGitHub) -> None:
    with pytest.raises(DataSourceError) as info:
        collector(fake, "ghp_wrong_token_value").collect(SUBJECTS[:1])
    assert "rejected the token" in str(info.value)
    assert "ghp_wrong_token_value" not in str(info.value)
    assert info.value.exit_code == 3


@pytest.mark.parametrize("token", [TOKEN, None], ids=["token", "anonymous"])
def test_server_error_storm_degrades_and_stops_asking(fake: FakeGitHub, token: str | None) -> None:
    fake.add_fault(Fault(prefix="/", status=502))
    result = collector(fake, token, retries=2).collect(SUBJECTS)
    for signals in result.values():
        assert len(unknown(signals)) == len(NAMES)
    assert (
        "server error" in unknown(result["tinytok"])["stars"].lower()
        or "failing" in (unknown(result["tinytok"])["stars"])
    )
    # A circuit breaker: a storm costs a bounded number of requests, not
    # repositories x steps x retries (or, with a token, ever smaller halves of the batch).
    # Bound: breaker 4 calls x 4 attempts each.
    assert len(fake.requests) <= 4 * 4


def test_malformed_json_is_unknown(fake: FakeGitHub) -> None:
    fake.add_fault(Fault(prefix="/repos/solodev/tinytok/contributors", malformed=True))
    fake.add_fault(Fault(prefix="/repos/oldlab/legacy-nn", malformed=True, method="GET"))
    result = collector(fake, None).collect(SUBJECTS[1:3])
    assert "malformed" in unknown(result["tinytok"])["contributors_count"]
    assert known(result["tinytok"])["stars"] == 800
    assert "malformed" in unknown(result["legacy-nn"])["stars"]


def test_statistics_202_then_200(fake: FakeGitHub) -> None:
    fake.stats_202 = 2
    result = collector(fake, None, stats_retries=3).collect([subject("tinytok", "solodev/tinytok")])
    assert known(result["tinytok"])["committers_90d"] == 1
    assert fake.count("/repos/solodev/tinytok/stats/contributors") == 3


def test_statistics_that_never_come_are_bounded(fake: FakeGitHub) -> None:
    fake.stats_202 = 1000
    result = collector(fake, None, stats_retries=2, retries=2).collect(
        [subject("tinytok", "solodev/tinytok")]
    )
    assert "still computing" in unknown(result["tinytok"])["committers_90d"]
    assert fake.count("/repos/solodev/tinytok/stats/contributors") == 3


def test_unreachable_github_stops_at_once_and_says_so(tmp_path: Path) -> None:
    """A refused connection does not come back within a run: one attempt, an honest reason."""
    from auditor.cache import Cache
    from auditor.collectors.github import GitHubCollector
    from auditor.collectors.interface import Subject
    from auditor.repository import RepositoryRef

    subjects = [
        Subject(
            package=f"pkg{i}",
            version="1.0",
            repository=RepositoryRef(
                url=f"https://github.com/o/r{i}",
                host="github.com",
                owner="o",
                name=f"r{i}",
                confidence="high",
                how="test",
            ),
        )
        for i in range(6)
    ]
    collector = GitHubCollector(
        base_url="http://127.0.0.1:9", cache=Cache(tmp_path / "c.sqlite3"), max_wait=0.1
    )
    signals = collector.collect(subjects)
    reasons = {s.unknown_reason for sigs in signals.values() for s in sigs}
    assert all(r is not None for r in reasons)
    joined = " ".join(r or "" for r in reasons)
    assert "server errors" not in joined
    # After the first refused connection the rest are not attempted, and say why.
    assert "GitHub could not be reached during this run; stopped asking" in joined


@pytest.mark.parametrize("token", [TOKEN, None], ids=["graphql", "rest"])
def test_429_without_retry_after_is_a_rate_limit(fake: FakeGitHub, token: str | None) -> None:
    # 429 is a rate limit whatever its body says (here only the status line's words) and
    # even with requests left in the primary budget: the reason must say so.
    fake.add_fault(Fault(prefix="/", status=429, message="Too Many Requests"))
    result = collector(fake, token, max_wait=1).collect([subject("tinytok", "solodev/tinytok")])
    why = unknown(result["tinytok"])["stars"]
    assert "rate limit" in why
    assert "429" not in why  # not reported as some other refusal
