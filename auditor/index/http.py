"""The one HTTP session: pooled, with timeouts and bounded retries.

Why one session: connection reuse is most of the speed of a cold resolution (hundreds of
small requests to the same host). Why bounded Retry-After: a server may ask us to wait an
hour; a CI job must not hang, so waits are capped and the caller degrades instead.
"""

from __future__ import annotations

import os
import ssl
import threading
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.utils import DEFAULT_CA_BUNDLE_PATH
from urllib3.util.retry import Retry
from urllib3.util.ssl_ import create_urllib3_context

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


class _Adapter(HTTPAdapter):
    """requests' adapter, with one TLS context per trust store instead of one per connection.

    Why: told to verify against a CA bundle (the default, or a path from ``verify``,
    ``REQUESTS_CA_BUNDLE`` or ``CURL_CA_BUNDLE``), urllib3 builds a fresh SSLContext for
    every new connection and loads the whole bundle into it: 26-31 ms of CPU each here.
    A cold resolution opens a few connections per fetch process at once, each waiting
    for its context behind the others on the interpreter lock. The context is made once
    per bundle and shared (an SSLContext is safe to share between threads and
    connections); verification is the same, since it is the same bundle. A client
    certificate keeps urllib3's own path: loading one would change a shared context.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._contexts_lock = threading.Lock()

    def _context(self, location: str) -> ssl.SSLContext:
        with self._contexts_lock:
            context = self._contexts.get(location)
            if context is None:
                context = create_urllib3_context(cert_reqs=ssl.CERT_REQUIRED)
                if os.path.isdir(location):
                    context.load_verify_locations(capath=location)
                else:
                    context.load_verify_locations(cafile=location)
                self._contexts[location] = context
            return context

    @staticmethod
    def _store(verify: Any) -> str | None:
        """The CA bundle or folder a request verifies against, None when it does not."""
        if verify is True:
            return str(DEFAULT_CA_BUNDLE_PATH)
        return verify if isinstance(verify, str) and verify else None

    def build_connection_pool_key_attributes(
        self,
        request: requests.PreparedRequest,
        verify: bool | str,
        cert: str | tuple[str, str] | None = None,
    ) -> tuple[Any, Any]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        location = self._store(verify)
        if host_params.get("scheme") == "https" and location is not None and cert is None:
            try:
                context = self._context(location)
            except (OSError, ssl.SSLError):
                return host_params, pool_kwargs  # urllib3 raises it, as it would have
            pool_kwargs.pop("ca_certs", None)
            pool_kwargs.pop("ca_cert_dir", None)
            pool_kwargs["ssl_context"] = context
        return host_params, pool_kwargs

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        super().cert_verify(conn, url, verify, cert)  # type: ignore[no-untyped-call]
        # The pool's context already holds the bundle: named again, urllib3 would load
        # it into that context once more for every new connection.
        context = getattr(conn, "conn_kw", {}).get("ssl_context")
        with self._contexts_lock:
            shared = context is not None and any(c is context for c in self._contexts.values())
        if shared:
            conn.ca_certs = None
            conn.ca_cert_dir = None


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
    adapter = _Adapter(pool_connections=8, pool_maxsize=pool_size, max_retries=retry)
    session = _Session()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session
