"""The one HTTP session: pooled, with timeouts and bounded retries.

Why one session: connection reuse is most of the speed of a cold resolution (hundreds of
small requests to the same host). Why bounded Retry-After: a server may ask us to wait an
hour; a CI job must not hang, so waits are capped and the caller degrades instead.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from requests.cookies import extract_cookies_to_jar
from requests.utils import DEFAULT_CA_BUNDLE_PATH, select_proxy
from urllib3.util.retry import Retry
from urllib3.util.ssl_ import create_urllib3_context

from auditor import __version__
from auditor.index.http_defaults import DEFAULT_TIMEOUT

USER_AGENT = f"auditor/{__version__} (dependency risk audit)"

__all__ = ["DEFAULT_TIMEOUT", "USER_AGENT", "Getter", "QuickGet", "make_session", "warm_tls"]


class Getter(Protocol):
    """What sends a GET: a ``requests.Session``, or a ``QuickGet`` in front of one."""

    def get(
        self,
        url: str,
        *,
        timeout: Any,
        verify: bool | str = ...,
        headers: dict[str, str] | None = ...,
    ) -> requests.Response: ...


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


#: CA bundle or folder -> the TLS context that holds it, for every session of the process
#: (a fetch process forked after ``warm_tls`` finds it made)
_CONTEXTS: dict[str, ssl.SSLContext] = {}
_CONTEXTS_LOCK = threading.Lock()


def _context(location: str) -> ssl.SSLContext:
    with _CONTEXTS_LOCK:
        context = _CONTEXTS.get(location)
        if context is None:
            context = create_urllib3_context(cert_reqs=ssl.CERT_REQUIRED)
            if os.path.isdir(location):
                context.load_verify_locations(capath=location)
            else:
                context.load_verify_locations(cafile=location)
            _CONTEXTS[location] = context
        return context


def _trust_store(verify: Any) -> str | None:
    """The CA bundle or folder a request verifies against, None when it does not."""
    if verify is True:
        return str(DEFAULT_CA_BUNDLE_PATH)
    return verify if isinstance(verify, str) and verify else None


def warm_tls(session: requests.Session, url: str, *, verify: bool = True) -> None:
    """Make the TLS context ``session.get(url, verify=verify)`` will use, now.

    Loading a CA bundle costs 20-30 ms of CPU. Made before the fetch processes are
    forked, the context is theirs too, and their first requests do not each load it
    again. Quietly nothing when the bundle cannot be read (the request will say so)."""
    if not url.startswith("https://"):
        return
    settings = session.merge_environment_settings(url, {}, False, verify, None)
    location = _trust_store(settings["verify"])
    if location is not None:
        with contextlib.suppress(OSError, ssl.SSLError):
            _context(location)


class _Adapter(HTTPAdapter):
    """requests' adapter, with one TLS context per trust store instead of one per connection.

    Why: told to verify against a CA bundle (the default, or a path from ``verify``,
    ``REQUESTS_CA_BUNDLE`` or ``CURL_CA_BUNDLE``), urllib3 builds a fresh SSLContext for
    every new connection and loads the whole bundle into it: 26-31 ms of CPU each here.
    A cold resolution opens a few connections per fetch process at once, each waiting
    for its context behind the others on the interpreter lock. The context is made once
    per bundle and shared by every session of the process (an SSLContext is safe to
    share between threads and connections); verification is the same, since it is the
    same bundle. A client certificate keeps urllib3's own path (loading one would
    change a shared context), and so does a request through a proxy.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._proxied = threading.local()

    def get_connection_with_tls_context(
        self,
        request: requests.PreparedRequest,
        verify: bool | str | None,
        proxies: Mapping[str, str] | None = None,
        cert: str | tuple[str, str] | None = None,
    ) -> Any:
        # Through a proxy, requests' own way: urllib3 checks an HTTPS proxy's
        # certificate against the pool's bundle, which a shared context leaves unset.
        chosen = select_proxy(str(request.url), dict(proxies)) if proxies else None
        self._proxied.now = chosen is not None
        try:
            return super().get_connection_with_tls_context(request, verify, proxies, cert)
        finally:
            self._proxied.now = False

    def build_connection_pool_key_attributes(
        self,
        request: requests.PreparedRequest,
        verify: bool | str,
        cert: str | tuple[str, str] | None = None,
    ) -> tuple[Any, Any]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        location = _trust_store(verify)
        proxied = getattr(self._proxied, "now", False)
        if (
            host_params.get("scheme") == "https"
            and location is not None
            and cert is None
            and not proxied
        ):
            try:
                context = _context(location)
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
        with _CONTEXTS_LOCK:
            shared = context is not None and any(c is context for c in _CONTEXTS.values())
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


@dataclass(frozen=True)
class _Plan:
    """How a quick GET to one (scheme, host, verify) goes: what ``Session.request``
    would have worked out for it, every time the same."""

    adapter: BaseAdapter
    template: requests.PreparedRequest
    verify: Any
    proxies: dict[str, str]


class QuickGet:
    """``session.get`` for the fetch processes' many small GETs, without the per-request
    work of ``requests.Session`` when that work would change nothing.

    Why: a cold resolution makes about 1,300 GETs in the fetch processes; through
    ``Session.get`` each cost 0.95 ms of CPU here, through the session's own adapter
    0.7 ms (``requests.Session`` prepares and merges every request anew: URL, headers,
    netrc, environment, hooks, cookies, redirects). The request still goes through the
    same adapter (same connections, TLS, retries, timeouts, proxies, exceptions), with
    the same headers; the response is the same ``requests.Response``.

    Only when nothing would differ: no session auth, client certificate, params, hooks
    or cookies, and no ``Authorization`` header of the caller's. Anything else, and any
    redirect, goes through ``session.get`` itself. Each URL is prepared as requests
    prepares it; credentials from the URL or netrc are the host's, sent as
    ``session.get`` sends them.
    """

    def __init__(self, session: requests.Session) -> None:
        self.session = session
        self._plans: dict[tuple[str, str, Any], _Plan | None] = {}
        self._lock = threading.Lock()

    def get(
        self,
        url: str,
        *,
        timeout: Any,
        verify: bool | str = True,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        plan = self._plan(url, verify)
        if plan is None or (
            headers
            and (
                any(v is None for v in headers.values())
                or any(k.lower() == "authorization" for k in headers)  # requests overrides it
            )
        ):
            return self.session.get(url, headers=headers, timeout=timeout, verify=verify)
        request = plan.template.copy()
        request.prepare_url(url, None)  # as requests sends it: IDNA, quoting, dot segments
        if headers:
            request.headers.update(headers)
        start = time.perf_counter()
        response = plan.adapter.send(
            request, stream=False, timeout=timeout, verify=plan.verify, cert=None,
            proxies=plan.proxies,
        )  # fmt: skip
        response.elapsed = datetime.timedelta(seconds=time.perf_counter() - start)
        if response.is_redirect:
            response.close()  # requests' own rules for following it (and for its auth)
            return self.session.get(url, headers=headers, timeout=timeout, verify=verify)
        if "set-cookie" in response.headers:
            extract_cookies_to_jar(self.session.cookies, request, response.raw)  # type: ignore[no-untyped-call]
        response.content  # noqa: B018 (read now, as a non-streamed session.get does)
        return response

    def _plan(self, url: str, verify: bool | str) -> _Plan | None:
        session = self.session
        if (
            session.auth is not None
            or session.cert is not None
            or session.params
            or any(session.hooks.values())
            or len(session.cookies)
        ):
            return None
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc, verify)
        with self._lock:
            if key in self._plans:
                return self._plans[key]
        plan = self._make_plan(url, parts.scheme, verify)
        with self._lock:
            self._plans[key] = plan
        return plan

    def _make_plan(self, url: str, scheme: str, verify: bool | str) -> _Plan | None:
        """The plan for this host, None when ``session.get`` must send its GETs (a
        client certificate). A proxy is the adapter's business, as it is for
        ``session.get``."""
        session = self.session
        if scheme not in ("http", "https"):
            return None
        settings = session.merge_environment_settings(url, {}, False, verify, None)
        if settings["cert"] is not None:
            return None
        # What session.get would send to this host: its headers, and the credentials it
        # takes from the URL or netrc (the same for every URL of the host).
        template = session.prepare_request(requests.Request("GET", url))
        return _Plan(
            adapter=session.get_adapter(url),
            template=template,
            verify=settings["verify"],
            proxies=dict(settings["proxies"]),
        )
