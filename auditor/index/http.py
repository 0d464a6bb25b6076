"""The one HTTP session: pooled, with timeouts and bounded retries.

Why one session: connection reuse is most of the speed of a cold resolution (hundreds of
small requests to the same host). Why bounded Retry-After: a server may ask us to wait an
hour; a CI job must not hang, so waits are capped and the caller degrades instead.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from auditor import __version__
from auditor.index.http_defaults import DEFAULT_TIMEOUT

USER_AGENT = f"auditor/{__version__} (dependency risk audit)"

__all__ = ["DEFAULT_TIMEOUT", "USER_AGENT", "make_session"]


class _BoundedRetry(Retry):
    """urllib3's Retry, but a Retry-After longer than ``max_wait`` is cut to it."""

    max_wait: float = 30.0

    def get_retry_after(self, response: Any) -> float | None:
        value = super().get_retry_after(response)
        if value is None:
            return None
        return float(min(value, self.max_wait))

    def new(self, **kw: Any) -> _BoundedRetry:
        retry: _BoundedRetry = super().new(**kw)
        retry.max_wait = self.max_wait
        return retry


class _Session(requests.Session):
    """requests.Session that reads proxy settings from the environment once per host.

    requests re-scans the environment (proxies, no_proxy, CA bundle) on every request;
    with a thousand small requests that is seconds of CPU. The answer depends only on
    the scheme and host, so it is remembered per pair.
    """

    def __init__(self) -> None:
        super().__init__()
        self._env_settings: dict[tuple[Any, ...], dict[str, Any]] = {}

    def merge_environment_settings(  # type: ignore[override]
        self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> dict[str, Any]:
        parts = urlsplit(str(url))
        key = (parts.scheme, parts.netloc, repr(proxies), stream, verify, cert)
        cached = self._env_settings.get(key)
        if cached is None:
            cached = dict(super().merge_environment_settings(url, proxies, stream, verify, cert))
            self._env_settings[key] = cached
        return dict(cached)


def make_session(
    *, pool_size: int = 64, retries: int = 3, max_wait: float = 30.0
) -> requests.Session:
    """A session with connection pooling sized for our worker threads."""
    retry = _BoundedRetry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=0.25,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET", "HEAD"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    retry.max_wait = max_wait
    adapter = HTTPAdapter(pool_connections=8, pool_maxsize=pool_size, max_retries=retry)
    session = _Session()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session
