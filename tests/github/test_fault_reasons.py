"""A wrong reason is a bug: a secondary rate limit is not "server errors", a read
timeout is not "ConnectionError"."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from auditor.collectors.github import GitHubCollector
from tests.fakes.github_server import FIXED_NOW, FakeGitHub, Fault
from tests.github.conftest import TOKEN, subject

SUBJECT = [subject("tinytok", "solodev/tinytok")]


def reasons(fake: FakeGitHub, **kw: Any) -> str:
    kw.setdefault("stats_wait", 0.01)
    kw.setdefault("retry_backoff", 0.01)
    kw.setdefault("max_wait", 5.0)
    collector = GitHubCollector(base_url=fake.base_url, token=None, now=FIXED_NOW, **kw)
    signals = collector.collect(SUBJECT)["tinytok"]
    return " | ".join(sorted({s.unknown_reason or "" for s in signals if not s.known}))


def test_secondary_rate_limit_that_persists_is_a_rate_limit(fake: FakeGitHub) -> None:
    fake.add_fault(
        Fault(
            prefix="/repos/solodev/tinytok",
            status=403,
            message="You have exceeded a secondary rate limit. Please wait a few minutes "
            "before you try again.",
            retry_after=1,
        )
    )
    why = reasons(fake, retries=1)
    assert "rate limit" in why, why
    assert "server error" not in why.lower() and "5xx" not in why


def test_read_timeout_is_a_timeout(fake: FakeGitHub) -> None:
    fake.delay = 2.5
    why = reasons(fake, timeout=1, retries=0)
    assert "did not answer" in why or "timed out" in why, why
    assert "ConnectionError" not in why


def test_refused_connection_still_says_unreachable() -> None:
    collector = GitHubCollector(base_url="http://127.0.0.1:9", token=TOKEN, now=FIXED_NOW)
    signals = collector.collect(SUBJECT)["tinytok"]
    why = " ".join(s.unknown_reason or "" for s in signals)
    assert "could not be reached" in why or "cannot reach" in why
    assert "timed out" not in why


def test_retries_print_nothing_of_their_own() -> None:
    """PyGithub attaches a stderr handler at INFO on import; its retry lines ("Request POST
    /graphql failed with 403") must not reach the terminal: the library never prints."""
    code = (
        "import logging, auditor.collectors.backends.github.client\n"
        "logging.getLogger('github.GithubRetry').info('Request POST /graphql failed with 403')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr == ""
