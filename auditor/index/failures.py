"""Name an HTTP failure honestly: a timeout is a timeout, a rate limit is a rate limit.

Why this exists: requests hides what went wrong. A read timeout that outlasted urllib3's
retries surfaces as ``requests.ConnectionError`` wrapping ``MaxRetryError`` wrapping
``ReadTimeoutError``, and a server that kept answering 403 with ``Retry-After`` (a
secondary rate limit) surfaces as ``RetryError``, exactly like a storm of 5xx answers. A
wrong reason sends the user after the wrong fix, so the chain is read here, once, for
the index client and the GitHub client alike. Loads nothing heavy at import time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_TOO_MANY = re.compile(r"too many (\d{3}) error responses")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything it wraps (args, ``reason``, cause, context)."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        item = todo.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        nested = [*item.args, getattr(item, "reason", None), item.__cause__, item.__context__]
        todo.extend(n for n in nested if isinstance(n, BaseException))


def network_errors(*also: type[Exception]) -> tuple[type[Exception], ...]:
    """The HTTP stack's failures (plus ``also``), imported only when one is being handled."""
    import requests

    return (requests.RequestException, *also)


def is_timeout(exc: BaseException) -> bool:
    """True when the failure was no answer in time (connect or read), however wrapped."""
    import requests
    import urllib3.exceptions

    chain = list(_chain(exc))
    # urllib3's NewConnectionError subclasses ConnectTimeoutError for old callers, but a
    # refused connection or an unknown host is not slowness.
    if any(isinstance(e, urllib3.exceptions.NewConnectionError) for e in chain):
        return False
    kinds = (requests.Timeout, urllib3.exceptions.TimeoutError, TimeoutError)
    return any(isinstance(e, kinds) for e in chain)


def retry_status(exc: BaseException) -> int | None:
    """The status urllib3 gave up on ("too many 403 error responses"), if that is the story."""
    for item in _chain(exc):
        found = _TOO_MANY.search(str(item))
        if found:
            return int(found.group(1))
    return None


def describe(exc: BaseException, *, timeout: float | None = None) -> str:
    """A short, true phrase for a network failure, safe to show (no URL, no headers)."""
    if is_timeout(exc):
        within = f" within {timeout:g}s" if timeout else ""
        return f"timed out (no answer{within}, retries included)"
    status = retry_status(exc)
    if status is not None:
        return describe_status(status) + " (after retries)"
    import requests

    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS error (certificate or protocol)"
    if isinstance(exc, requests.ConnectionError):
        return "connection failed (refused, reset or name not resolved)"
    return f"request failed ({type(exc).__name__})"


def describe_status(status: int, *, retry_after: bool = False) -> str:
    """What an HTTP status means for the caller, in words."""
    if status == 429 or (status == 403 and retry_after):
        return f"rate limited (HTTP {status})"
    if status >= 500:
        return f"server error (HTTP {status})"
    return f"HTTP {status}"
