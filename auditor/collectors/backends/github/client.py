"""One guarded door to the GitHub API, built on PyGithub's requester (``pygithub.py``).

Why a wrapper: PyGithub handles transport, auth, redirects of renamed repositories and
primary rate-limit backoff, but it waits as long as GitHub asks, retries 202 answers
forever and raises a different exception per failure. The collector needs three things
instead: every wait bounded by ``max_wait``; a request budget (the anonymous 60/hour limit
is shared with everything else on the machine, so we stop well before it); and failures
reduced to three outcomes: the token is bad (the audit cannot be trusted), the object is
not there, or the data is unavailable for a reason that becomes an ``unknown`` signal.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from auditor.errors import DataSourceError
from auditor.index.failures import describe, is_timeout, retry_status

if TYPE_CHECKING:
    from github import GithubException

DEFAULT_API_URL = "https://api.github.com"

USER_AGENT = "auditor (dependency health audit)"


class NotFound(Exception):
    """GitHub answered 404 (or GraphQL NOT_FOUND) for the object asked for."""


class Unavailable(Exception):
    """The data could not be had this run; ``reason`` becomes the unknown reason.

    ``server`` marks failures on GitHub's side (5xx, GraphQL timeouts): a smaller
    GraphQL document may still succeed where a large one timed out.
    """

    def __init__(self, reason: str, *, server: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.server = server


@dataclass(frozen=True, kw_only=True)
class ClientSettings:
    """How the client talks to GitHub; all waits in seconds."""

    base_url: str = DEFAULT_API_URL
    max_wait: float = 60.0
    timeout: int = 15
    retries: int = 3
    retry_backoff: float = 0.5
    stats_retries: int = 3
    stats_wait: float = 2.0
    budget: int | None = None  # requests this run may spend; None = only the live limit
    reserve: int = 5  # never spend the last ``reserve`` requests of the hourly limit
    breaker: int = 4  # consecutive server failures before we stop asking for this run


def parse_link_header(value: str | None) -> dict[str, str]:
    """``rel`` → URL from a ``Link`` header."""
    links: dict[str, str] = {}
    if not value:
        return links
    for part in value.split(","):
        section = part.split(";")
        if len(section) < 2:
            continue
        url = section[0].strip().strip("<>")
        for attr in section[1:]:
            key, _, val = attr.strip().partition("=")
            if key == "rel":
                links[val.strip('"')] = url
    return links


def page_number(url: str) -> int | None:
    """The ``page=`` number of a pagination URL."""
    for key, val in parse_qsl(urlsplit(url).query):
        if key == "page" and val.isdigit():
            return int(val)
    return None


class GitHubApi:
    """Budgeted, bounded calls through one PyGithub requester. Thread-safe."""

    def __init__(self, settings: ClientSettings, token: str | None) -> None:
        self.settings = settings
        self.authenticated = bool(token)
        self._token = token or ""
        # PyGithub (with jwt and cryptography) loads here, when GitHub is really asked:
        # a run with --no-github, and every command's --help, never pays for it.
        from auditor.collectors.backends.github.pygithub import build_github

        self._gh = build_github(settings, token)
        self._lock = threading.Lock()
        self.spent = 0
        self._failures = 0
        self._stopped: str | None = None

    # -- public --------------------------------------------------------------------------

    def get(self, path: str, params: dict[str, Any] | None = None) -> tuple[dict[str, Any], Any]:
        """GET ``path`` (relative to the API base, or an absolute URL on it)."""
        return self._call("GET", path, params=params)

    def graphql(self, query: str) -> dict[str, Any]:
        """POST one GraphQL document; returns the whole response (data and errors).

        GraphQL reports some failures with HTTP 200: a ``RATE_LIMITED`` error (waited
        out once if the reset is within ``max_wait``, else unavailable), or errors and
        no data at all (a timeout, a rejected document). A partial answer (data plus
        errors naming some aliases) is returned as is: missing repositories must not
        cost the batch.
        """
        url = self._gh.requester.graphql_url
        for attempt in range(2):
            headers, data = self._call("POST", url, body={"query": query, "variables": {}})
            if not isinstance(data, dict):
                raise Unavailable("GitHub returned malformed GraphQL data")
            errors = data.get("errors")
            errors = [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []
            if any(e.get("type") == "RATE_LIMITED" for e in errors):
                reset = str(headers.get("x-ratelimit-reset", ""))
                wait = float(reset) - time.time() if reset.isdigit() else 3600.0
                if attempt == 0 and wait <= self.settings.max_wait:
                    time.sleep(max(0.0, wait))
                    continue
                raise Unavailable(self._rate_limit_reason(0, max(wait, 0.0)))
            if not isinstance(data.get("data"), dict):
                message = str(errors[0].get("message", "")) if errors else "no data"
                if _refused_document(data, errors):
                    # A smaller document would be refused just the same: do not split.
                    raise Unavailable(
                        self.scrub(f"GitHub refused the GraphQL query: {message[:200]}")
                    )
                raise Unavailable(
                    self.scrub(f"GitHub's GraphQL API answered without data: {message[:200]}"),
                    server=True,
                )
            return data
        raise AssertionError("unreachable")  # pragma: no cover

    def pages(
        self, path: str, params: dict[str, Any], *, max_pages: int
    ) -> Iterator[tuple[int, int | None, list[Any]]]:
        """Yield ``(page, last_page, items)`` following ``Link: rel="next"``, up to max_pages."""
        url: str | None = path
        query: dict[str, Any] | None = {**params, "per_page": 100}
        page = 1
        while url is not None and page <= max_pages:
            headers, data = self.get(url, query)
            if data is None:
                # 204 No Content: how GitHub lists the contributors of an empty repository.
                data = []
            if not isinstance(data, list):
                raise Unavailable("GitHub returned malformed data (expected a list)")
            links = parse_link_header(headers.get("link"))
            last = page_number(links["last"]) if "last" in links else None
            yield page, last, data
            url, query = links.get("next"), None
            page += 1

    def close(self) -> None:
        self._gh.close()

    def scrub(self, text: str) -> str:
        """Remove the token from a message, whatever produced it."""
        return text.replace(self._token, "***") if self._token else text

    # -- internals -------------------------------------------------------------------------

    def _gate(self) -> None:
        """Refuse a request that would break the budget, the reserve or a tripped breaker."""
        with self._lock:
            if self._stopped:
                raise Unavailable(self._stopped)
            budget = self.settings.budget
            if budget is not None and self.spent >= budget:
                hint = "" if self.authenticated else "; set GITHUB_TOKEN or GH_TOKEN for more"
                raise Unavailable(
                    f"not collected: this run's GitHub request budget ({budget}) was spent on "
                    f"more critical packages first{hint}"
                )
            remaining, _limit = self._gh.requester.rate_limiting
            reset = self._gh.requester.rate_limiting_resettime
            if 0 <= remaining <= self.settings.reserve:
                wait = reset - time.time()
                if wait > self.settings.max_wait:
                    raise Unavailable(self._rate_limit_reason(remaining, wait))
            else:
                wait = 0.0
            self.spent += 1
        if wait > 0:
            time.sleep(wait)

    def _rate_limit_reason(self, remaining: int, wait: float) -> str:
        mins = max(1, round(wait / 60))
        why = (
            f"GitHub rate limit nearly reached ({remaining} requests left, resets in about "
            f"{mins} min, beyond --max-wait {self.settings.max_wait:g}s)"
        )
        if not self.authenticated:
            why += "; a token (GITHUB_TOKEN or GH_TOKEN) raises the limit from 60 to 5000/hour"
        return why

    def _call(
        self, verb: str, url: str, *, params: dict[str, Any] | None = None, body: Any = None
    ) -> tuple[dict[str, Any], Any]:
        # Loaded with PyGithub, when GitHub is really asked (see __init__).
        import requests
        from github.GithubException import (
            BadCredentialsException,
            GithubException,
            RateLimitExceededExceedsMaxWait,
        )

        self._gate()
        try:
            headers, data = self._gh.requester.requestJsonAndCheck(
                verb, url, parameters=params, input=body
            )
        except BadCredentialsException as exc:
            raise DataSourceError(
                f"GitHub rejected the token ({exc.status} Bad credentials) at "
                f"{self.settings.base_url}: the audit cannot be trusted",
                hint="Check GITHUB_TOKEN / GH_TOKEN (expired or revoked?), or unset it to "
                "audit without a token (fewer signals).",
            ) from None
        except RateLimitExceededExceedsMaxWait as exc:
            raise Unavailable(self._rate_limit_reason(0, float(exc.wait or 0))) from None
        except GithubException as exc:
            raise self._classify(exc) from None
        except requests.exceptions.RetryError as exc:
            status = retry_status(exc)
            if status == 202:
                raise Unavailable(
                    "GitHub was still computing these statistics after "
                    f"{self.settings.stats_retries} retries; try again later"
                ) from None
            if status in (403, 429):
                # A secondary rate limit (403 + Retry-After) that outlasted the retries.
                self._fail("kept rate-limiting us")
                raise Unavailable(
                    f"GitHub rate limit: a secondary rate limit (HTTP {status} with "
                    "Retry-After) persisted through the retries; try again in a few minutes"
                ) from None
            self._fail("kept answering with server errors")
            raise Unavailable(
                "GitHub kept answering with server errors (5xx)", server=True
            ) from None
        except requests.exceptions.ConnectionError as exc:
            if is_timeout(exc):
                # A read timeout after retries arrives as ConnectionError: slowness, not
                # an unreachable host, so the breaker counts it instead of stopping.
                self._fail("kept timing out")
                raise Unavailable(
                    f"GitHub did not answer within {self.settings.timeout}s (timed out, "
                    "retries included)",
                    server=True,
                ) from None
            # Refused or unresolvable: it will not come back within this run, so stop now
            # instead of spending the retry budget on every remaining repository.
            self._fail("could not be reached", at_once=True)
            raise Unavailable(self.scrub(f"cannot reach GitHub: {type(exc).__name__}")) from None
        except requests.exceptions.RequestException as exc:
            self._fail("kept failing (timeouts)" if is_timeout(exc) else "kept failing")
            raise Unavailable(self.scrub(f"GitHub request failed: {describe(exc)}")) from None
        except ValueError:
            raise Unavailable("GitHub returned malformed JSON") from None
        with self._lock:
            self._failures = 0
        if (
            isinstance(data, dict)
            and set(data) <= {"data", "url"}
            and isinstance(data.get("data"), str)
        ):
            # PyGithub wraps a body that is not JSON at all in {"data": text}.
            raise Unavailable("GitHub returned malformed JSON")
        return headers, data

    def _fail(self, what: str, *, at_once: bool = False) -> None:
        with self._lock:
            self._failures += 1
            if (at_once or self._failures >= self.settings.breaker) and not self._stopped:
                self._stopped = (
                    f"GitHub {what} during this run; stopped asking to avoid making it worse"
                )

    def _classify(self, exc: GithubException) -> Exception:
        status = exc.status
        message = ""
        if isinstance(exc.data, dict):
            message = str(exc.data.get("message", ""))
        if status == 404:
            return NotFound(message or "not found")
        if status == 401:
            # GraphQL without a token, or an endpoint that needs one.
            return Unavailable("GitHub requires authentication for this; set GITHUB_TOKEN")
        if status in (403, 429):
            headers = exc.headers or {}
            remaining = str(headers.get("x-ratelimit-remaining", ""))
            if remaining == "0" or "rate limit" in message.lower() or status == 429:
                reset = headers.get("x-ratelimit-reset")
                wait = float(reset) - time.time() if reset and str(reset).isdigit() else 3600.0
                return Unavailable(self._rate_limit_reason(0, max(wait, 0.0)))
            return Unavailable(self.scrub(f"GitHub refused access ({status}): {message}"))
        if status == 451:
            return Unavailable("repository unavailable for legal reasons (451)")
        if status >= 500:
            self._fail("kept answering with server errors")
            return Unavailable(f"GitHub server error ({status})", server=True)
        if status == 422:
            return Unavailable(self.scrub(f"GitHub cannot compute this ({status}): {message}"))
        return Unavailable(self.scrub(f"GitHub answered {status}: {message}"))


def _refused_document(answer: dict[str, Any], errors: list[dict[str, Any]]) -> bool:
    """Whether GitHub refused the document itself (no ``data`` key at all).

    Validation and pagination errors point into the document (``locations``, and
    ``extensions`` on GitHub's validation errors); a timeout or the node limit does not,
    and only those can pass as smaller documents.
    """
    return "data" not in answer and any(
        isinstance(e.get("locations"), list) or isinstance(e.get("extensions"), dict)
        for e in errors
    )


def to_json(value: object) -> str:
    """Compact JSON, used for cache keys of queries."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
