"""PyGithub itself: its client with our bounded retry policy, and its logging tamed.

Kept apart from ``client.py`` so that PyGithub (with jwt and cryptography, a quarter of a
second) is imported only when a run really asks GitHub.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from github import Auth, Github, GithubRetry
from github.GithubException import RateLimitExceededExceedsMaxWait
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from auditor.collectors.backends.github.client import USER_AGENT, ClientSettings

# PyGithub logs redirects and retries ("Request POST /graphql failed with 403") and, on
# import, attaches its own stderr StreamHandler at INFO, so every retry of a rate limit
# printed a raw line. The library never prints: that handler is removed, and a
# NullHandler keeps Python's last-resort handler quiet. Handlers the CLI (or an
# embedding application) installs still receive the records.
_GITHUB_LOG = logging.getLogger("github")
for _handler in list(_GITHUB_LOG.handlers):
    if type(_handler) is logging.StreamHandler:
        _GITHUB_LOG.removeHandler(_handler)
_GITHUB_LOG.addHandler(logging.NullHandler())


class BoundedRetry(GithubRetry):
    """PyGithub's retry policy with every wait capped and 202 treated as "not ready yet".

    urllib3 sleeps whatever ``Retry-After`` says, and PyGithub re-asks a 202 forever;
    here a ``Retry-After`` longer than ``max_rate_limit_wait`` fails at once, and a 202
    (statistics still being computed) is retried ``total`` times, ``stats_wait`` apart.
    """

    def __init__(self, *, stats_wait: float = 2.0, **kwargs: Any) -> None:
        self.stats_wait = stats_wait
        super().__init__(**kwargs)

    def new(self, **kw: Any) -> BoundedRetry:
        kw.setdefault("stats_wait", self.stats_wait)
        retry: BoundedRetry = super().new(**kw)
        return retry

    def increment(  # type: ignore[override]
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> Retry:
        if response is not None and self.max_rate_limit_wait is not None:
            wait = self.parse_retry_after(response.headers.get("Retry-After", "0") or "0")
            if wait > self.max_rate_limit_wait:
                raise RateLimitExceededExceedsMaxWait(
                    response.status, {"message": "Retry-After beyond max wait"}, None, wait=wait
                )
        result: Retry = super().increment(method, url, response, error, _pool, _stacktrace)
        return result

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        if response is not None and response.status == 202:
            time.sleep(self.stats_wait)
            return
        super().sleep(response)


def build_github(settings: ClientSettings, token: str | None) -> Github:
    """A PyGithub client for ``settings.base_url``; the one place a token is handed over."""
    retry = BoundedRetry(
        total=max(settings.retries, settings.stats_retries),
        backoff_factor=settings.retry_backoff,
        status_forcelist=[202, *range(500, 600)],
        max_rate_limit_wait=settings.max_wait,
        secondary_rate_wait=min(60.0, settings.max_wait),
        stats_wait=settings.stats_wait,
    )
    return Github(
        base_url=settings.base_url.rstrip("/"),
        auth=Auth.Token(token) if token else None,
        retry=retry,
        per_page=100,
        timeout=settings.timeout,
        user_agent=USER_AGENT,
        seconds_between_requests=None,
        seconds_between_writes=None,
    )
