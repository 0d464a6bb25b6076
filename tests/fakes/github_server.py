"""A GitHub API on 127.0.0.1 for tests: GitHub's protocol and shapes, fixture data.

Why a real HTTP server: the collector talks through PyGithub exactly as in production,
so redirects, retries, pagination links, 202 answers and rate-limit headers are
exercised by the real client code, not by a mock of it.

What it speaks (enough for ``auditor.collectors.github``):

- ``GET /repos/{o}/{r}`` and ``/repositories/{id}``; a renamed repository answers 301 to
  ``/repositories/{id}`` (sub-paths kept), as GitHub does;
- ``.../contributors`` (``anon=1`` includes anonymous e-mails), ``.../commits`` (``since``,
  ``until``), ``.../releases``, ``.../issues``, ``.../issues/comments``,
  ``.../issues/{n}/comments`` — all with ``Link`` pagination (``page=``, absolute URLs on
  this server, rel next/prev/first/last);
- ``.../contents/{path}`` — base64 with line breaks, like GitHub;
- ``.../stats/contributors``, ``/stats/participation``, ``/stats/commit_activity`` —
  202 (``{}``) for the first ``stats_202`` requests of each, then 200;
- ``GET /users/{login}``, ``/orgs/{login}``, ``/rate_limit``;
- ``POST /graphql`` — each document is first checked as GitHub checks it
  (``github_schema.py``: parsed and validated against GitHub's published schema,
  ``first``/``last`` required on listed connections and within 1..100, at most 500,000
  nodes by GitHub's formula); a refused document gets HTTP 200 with ``errors`` and no
  ``data``. A valid one runs on a small executor over the fixtures for the part of the
  schema the collector asks for: aliased ``repository(owner:, name:, followRenames:)``
  (renames followed), fragments and inline fragments, variables, ``owner { repository(name:)
  }``, ``issues``/``pullRequests``/``releases``/``history`` connections honouring
  ``first``, ``after`` cursors, ``since``, ``states``, ``orderBy`` and ``filterBy``,
  commit authors with their ``user { login company }`` from ``users.json``,
  ``object(expression:)`` blobs, ``fundingLinks`` and ``rateLimit`` (its ``cost`` by
  GitHub's formula). Only the fields asked are answered; a field GitHub has but the fake
  does not serve is a loud error (HTTP 500, NotImplementedError), never a made-up answer.
  A missing repository is ``null`` plus a ``NOT_FOUND`` error naming its path.
- an empty repository (no commits, no contributors) answers ``contributors`` and
  ``stats/contributors``/``stats/commit_activity`` with ``204`` and no body, as GitHub does.

Every answer carries ``X-RateLimit-Limit/Remaining/Reset/Used/Resource`` once each.
Budgets are per caller (token or anonymous) and per resource (core, graphql);
``anonymous_limit`` defaults to 60. Faults (``add_fault``): any status with optional
``Retry-After``, secondary rate limits, malformed JSON, for a path prefix and a number of
times; ``graphql_rate_limited`` answers GraphQL's own 200 + ``RATE_LIMITED`` error.
``requests`` logs every request (method, path, query, Authorization header), before its
answer is sent, and ``count(prefix)`` counts them; ``delay`` makes every answer slow.

Fixtures: ``tests/fixtures/github/*.json`` — one file per repository (``repo`` in the REST
shape, ``contributors``, ``commits``, ``releases``, ``issues``, ``comments``, ``files``,
optional ``renamed_from``) and ``users.json``. ``https://api.github.com`` in fixture URLs
is rewritten to this server's address when served.
"""

from __future__ import annotations

import base64
import inspect
import json
import threading
import time
import zlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode
from graphql.utilities import value_from_ast_untyped

from . import github_schema

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "github"
FIXED_NOW = datetime(2025, 6, 1, tzinfo=UTC)
REAL_API = "https://api.github.com"
DOCS = "https://docs.github.com/rest"
MAINTAINERS = {"OWNER", "MEMBER", "COLLABORATOR"}


@dataclass
class Fault:
    """Answer requests whose path starts with ``prefix`` with a failure, ``times`` times."""

    prefix: str
    status: int = 500
    times: int | None = None  # None: forever
    retry_after: float | None = None
    message: str = "Server Error"
    malformed: bool = False
    method: str | None = None
    remaining_zero: bool = False
    # GraphQL's own way: HTTP 200, no data, an error of type RATE_LIMITED, remaining 0.
    graphql_rate_limited: bool = False


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    authorization: str | None
    status: int


@dataclass
class _Budget:
    limit: int
    used: int = 0
    reset: int = field(default_factory=lambda: int(time.time()) + 3600)


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class FakeGitHub:
    """Context manager: ``with FakeGitHub() as gh: gh.base_url``."""

    def __init__(
        self,
        fixtures: Path = FIXTURES,
        *,
        now: datetime = FIXED_NOW,
        valid_tokens: set[str] | None = None,
        anonymous_limit: int = 60,
        token_limit: int = 5000,
        delay: float = 0.0,
        stats_202: int = 1,
    ) -> None:
        self.now = now
        self.valid_tokens = valid_tokens
        self.anonymous_limit = anonymous_limit
        self.token_limit = token_limit
        self.delay = delay
        self.stats_202 = stats_202
        self.repos: dict[str, dict[str, Any]] = {}
        self.by_id: dict[int, dict[str, Any]] = {}
        self.renamed: dict[str, dict[str, Any]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.faults: list[Fault] = []
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._budgets: dict[tuple[str, str], _Budget] = {}
        self._stats_hits: dict[str, int] = defaultdict(int)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        for path in sorted(fixtures.glob("*.json")):
            data = json.loads(path.read_text())
            if path.name == "users.json":
                for user in data["users"]:
                    self.users[user["login"].lower()] = user
            else:
                self.add_repo(data)

    # -- set-up -----------------------------------------------------------------------------

    def add_repo(self, data: dict[str, Any]) -> None:
        """Serve one repository described like a fixture file."""
        repo = data["repo"]
        data.setdefault("contributors", [])
        data.setdefault("commits", [])
        data.setdefault("releases", [])
        data.setdefault("issues", [])
        data.setdefault("comments", [])
        data.setdefault("files", {})
        self.repos[repo["full_name"].lower()] = data
        self.by_id[int(repo["id"])] = data
        for old in data.get("renamed_from", []):
            self.renamed[old.lower()] = data

    def add_user(self, user: dict[str, Any]) -> None:
        self.users[user["login"].lower()] = user

    def add_fault(self, fault: Fault) -> Fault:
        with self._lock:
            self.faults.append(fault)
        return fault

    def set_remaining(
        self, remaining: int, *, token: str | None = None, resource: str = "core"
    ) -> None:
        """Pretend others already spent part of the hourly budget."""
        budget = self._budget(token, resource)
        budget.used = budget.limit - remaining

    # -- observation -------------------------------------------------------------------------

    def count(self, prefix: str = "") -> int:
        """Requests whose path starts with ``prefix`` ("POST /graphql" also matches method)."""
        method = None
        if " " in prefix:
            method, prefix = prefix.split(" ", 1)
        with self._lock:
            return sum(
                1
                for r in self.requests
                if r.path.startswith(prefix) and (method is None or r.method == method)
            )

    @property
    def authorizations(self) -> list[str | None]:
        with self._lock:
            return [r.authorization for r in self.requests]

    @property
    def base_url(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        assert isinstance(host, str)
        return f"http://{host}:{port}"

    # -- lifecycle ----------------------------------------------------------------------------

    def __enter__(self) -> FakeGitHub:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # -- internals used by the handler ---------------------------------------------------------

    def _budget(self, token: str | None, resource: str) -> _Budget:
        key = (token or "anonymous", resource)
        with self._lock:
            if key not in self._budgets:
                limit = self.anonymous_limit if token is None else self.token_limit
                self._budgets[key] = _Budget(limit=limit)
            return self._budgets[key]

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if not path.startswith(fault.prefix):
                    continue
                if fault.method is not None and fault.method != method:
                    continue
                if fault.times is not None:
                    if fault.times <= 0:
                        continue
                    fault.times -= 1
                return fault
        return None

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _stats_ready(self, path: str) -> bool:
        with self._lock:
            self._stats_hits[path] += 1
            return self._stats_hits[path] > self.stats_202

    def rewrite(self, value: Any) -> Any:
        """Point fixture URLs at this server."""
        text = json.dumps(value).replace(REAL_API, self.base_url)
        return json.loads(text)


class _HTTPError(Exception):
    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


class _Handler(BaseHTTPRequestHandler):
    server_fake: FakeGitHub
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    # -- entry points --------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        fake = self.server_fake
        parts = urlsplit(self.path)
        path = parts.path
        query = dict(parse_qsl(parts.query))
        auth = self.headers.get("Authorization")
        body = b""
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            body = self.rfile.read(length)
        if fake.delay:
            time.sleep(fake.delay)
        token = None
        if auth:
            token = auth.split(" ", 1)[1] if " " in auth else auth
        resource = "graphql" if path == "/graphql" else "core"
        budget = fake._budget(token, resource)
        raw, remaining = b"", None
        try:
            status, raw, headers, remaining = self._answer(method, path, query, token, body)
        except _HTTPError as err:
            status, headers = err.status, err.headers
            raw = json.dumps(fake.rewrite(err.body)).encode()
        except Exception:
            status, headers = 500, {}
            raw = json.dumps({"message": "Server Error"}).encode()
            raise
        finally:
            # Recorded before the answer leaves: a client that has its answer may count
            # the requests at once (a race under load when recorded after sending).
            fake._record(RecordedRequest(method, path, query, auth, status))
            self._send(status, raw, budget, headers, remaining=remaining)

    def _answer(
        self, method: str, path: str, query: dict[str, str], token: str | None, body: bytes
    ) -> tuple[int, bytes, dict[str, str], int | None]:
        """Status, body, extra headers and a forced remaining count for one request."""
        fake = self.server_fake
        resource = "graphql" if path == "/graphql" else "core"
        budget = fake._budget(token, resource)
        if token is not None and fake.valid_tokens is not None and token not in fake.valid_tokens:
            raise _HTTPError(401, {"message": "Bad credentials", "documentation_url": DOCS})
        if resource == "graphql" and token is None:
            raise _HTTPError(
                401,
                {
                    "message": "This endpoint requires you to be authenticated.",
                    "documentation_url": DOCS,
                },
            )
        fault = fake._take_fault(method, path)
        with fake._lock:
            exhausted = budget.used >= budget.limit
            if not exhausted:
                budget.used += 1
        if exhausted or (fault is not None and fault.remaining_zero):
            if fault is not None and fault.remaining_zero:
                with fake._lock:
                    budget.used = budget.limit
            raise _HTTPError(
                403,
                {
                    "message": "API rate limit exceeded for 127.0.0.1. (But here's the good "
                    "news: Authenticated requests get a higher rate limit. Check out the "
                    "documentation for more details.)",
                    "documentation_url": DOCS,
                },
            )
        if fault is not None and fault.graphql_rate_limited:
            error = {
                "type": "RATE_LIMITED",
                "message": "API rate limit already exceeded for user ID 1.",
            }
            return 200, json.dumps({"errors": [error]}).encode(), {}, 0
        if fault is not None:
            headers = {}
            if fault.retry_after is not None:
                headers["Retry-After"] = f"{fault.retry_after:g}"
            if fault.malformed:
                return 200, b'{"id": 1, "full_name": "broken', {}, None
            raise _HTTPError(
                fault.status, {"message": fault.message, "documentation_url": DOCS}, headers
            )
        if method == "POST" and path == "/graphql":
            status, payload, headers = 200, self._graphql(body), {}
        elif method == "GET":
            status, payload, headers = self._route(path, query)
        else:
            raise _HTTPError(404, {"message": "Not Found", "documentation_url": DOCS})
        raw = b"" if payload is None else json.dumps(fake.rewrite(payload)).encode()
        return status, raw, headers, None

    def _send(
        self,
        status: int,
        raw: bytes,
        budget: _Budget,
        headers: dict[str, str],
        *,
        remaining: int | None = None,
    ) -> None:
        if remaining is None:
            remaining = max(0, budget.limit - budget.used)
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        self.send_header("X-RateLimit-Limit", str(budget.limit))
        self.send_header("X-RateLimit-Remaining", str(remaining))
        self.send_header("X-RateLimit-Reset", str(budget.reset))
        self.send_header("X-RateLimit-Used", str(budget.used))
        self.send_header("X-RateLimit-Resource", "graphql" if "graphql" in self.path else "core")
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(raw)

    # -- REST --------------------------------------------------------------------------------

    def _route(self, path: str, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        fake = self.server_fake
        seg = [s for s in path.split("/") if s]
        if seg == ["rate_limit"]:
            return 200, self._rate_limit(), {}
        if len(seg) == 2 and seg[0] in ("users", "orgs"):
            user = fake.users.get(seg[1].lower())
            if user is None or (seg[0] == "orgs" and user.get("type") != "Organization"):
                raise _HTTPError(404, {"message": "Not Found", "documentation_url": DOCS})
            return 200, user, {}
        if len(seg) >= 3 and seg[0] == "repos":
            slug = f"{seg[1]}/{seg[2]}".lower()
            rest = seg[3:]
            data = fake.repos.get(slug)
            if data is None and slug in fake.renamed:
                target = fake.renamed[slug]
                tail = "".join("/" + s for s in rest)
                qs = ("?" + urlencode(query)) if query else ""
                location = f"{fake.base_url}/repositories/{target['repo']['id']}{tail}{qs}"
                raise _HTTPError(
                    301,
                    {"message": "Moved Permanently", "url": location, "documentation_url": DOCS},
                    {"Location": location},
                )
        elif len(seg) >= 2 and seg[0] == "repositories" and seg[1].isdigit():
            data = fake.by_id.get(int(seg[1]))
            rest = seg[2:]
        else:
            raise _HTTPError(404, {"message": "Not Found", "documentation_url": DOCS})
        if data is None:
            raise _HTTPError(404, {"message": "Not Found", "documentation_url": DOCS})
        return self._repo_route(data, rest, path, query)

    def _repo_route(
        self, data: dict[str, Any], rest: list[str], path: str, query: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        fake = self.server_fake
        if not rest:
            return 200, data["repo"], {}
        head = rest[0]
        if head == "contributors":
            if not data["contributors"] and not data["commits"]:
                return 204, None, {}  # GitHub's answer for an empty repository
            items = data["contributors"]
            if query.get("anon") not in ("1", "true"):
                items = [c for c in items if c.get("type") != "Anonymous"]
            return self._paginate(items, path, query)
        if head == "commits":
            items = sorted(
                data["commits"], key=lambda c: c["commit"]["author"]["date"], reverse=True
            )
            if "since" in query:
                since = _parse_time(query["since"])
                items = [c for c in items if _parse_time(c["commit"]["author"]["date"]) >= since]
            if "until" in query:
                until = _parse_time(query["until"])
                items = [c for c in items if _parse_time(c["commit"]["author"]["date"]) <= until]
            return self._paginate(items, path, query)
        if head == "releases":
            return self._paginate(data["releases"], path, query)
        if head == "issues":
            if len(rest) == 1:
                items = sorted(data["issues"], key=lambda i: i["created_at"], reverse=True)
                if query.get("state", "open") != "all":
                    items = [i for i in items if i["state"] == query.get("state", "open")]
                return self._paginate(items, path, query)
            if rest[1:] == ["comments"]:
                # As GitHub: ``direction`` applies with ``sort`` (created or updated).
                key = "updated_at" if query.get("sort") == "updated" else "created_at"
                desc = "sort" in query and query.get("direction") == "desc"
                items = sorted(data["comments"], key=lambda c: c[key], reverse=desc)
                if "since" in query:
                    since = _parse_time(query["since"])
                    items = [c for c in items if _parse_time(c["updated_at"]) >= since]
                return self._paginate(items, path, query)
            if len(rest) == 3 and rest[2] == "comments":
                suffix = f"/issues/{rest[1]}"
                items = [c for c in data["comments"] if c["issue_url"].endswith(suffix)]
                return self._paginate(items, path, query)
        if head == "contents" and len(rest) >= 2:
            name = "/".join(rest[1:])
            text = data["files"].get(name)
            if text is None:
                raise _HTTPError(404, {"message": "Not Found", "documentation_url": DOCS})
            return 200, self._content(data, name, text), {}
        if head == "stats" and len(rest) == 2:
            if rest[1] in ("contributors", "commit_activity") and not data["commits"]:
                return 204, None, {}  # GitHub's "no content" for an empty repository
            if not fake._stats_ready(path):
                return 202, {}, {}
            if rest[1] == "contributors":
                return 200, self._stats_contributors(data), {}
            if rest[1] == "participation":
                return 200, self._participation(data), {}
            if rest[1] == "commit_activity":
                return 200, self._commit_activity(data), {}
        raise _HTTPError(404, {"message": "Not Found", "documentation_url": DOCS})

    def _paginate(
        self, items: list[Any], path: str, query: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        per_page = max(1, min(100, int(query.get("per_page", "30"))))
        page = max(1, int(query.get("page", "1")))
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        links = []
        base = f"{self.server_fake.base_url}{path}"

        def url(n: int) -> str:
            return base + "?" + urlencode({**query, "per_page": per_page, "page": n})

        if page < last:
            links += [f'<{url(page + 1)}>; rel="next"', f'<{url(last)}>; rel="last"']
        if page > 1:
            links = [f'<{url(page - 1)}>; rel="prev"', f'<{url(1)}>; rel="first"', *links]
        return 200, chunk, ({"Link": ", ".join(links)} if links else {})

    def _content(self, data: dict[str, Any], name: str, text: str) -> dict[str, Any]:
        encoded = base64.b64encode(text.encode()).decode()
        wrapped = "\n".join(encoded[i : i + 60] for i in range(0, len(encoded), 60)) + "\n"
        full = data["repo"]["full_name"]
        return {
            "type": "file",
            "encoding": "base64",
            "size": len(text.encode()),
            "name": name.rsplit("/", 1)[-1],
            "path": name,
            "content": wrapped,
            "sha": "3d21ec53a331a6f037a91c368710b99387d012c1",
            "url": f"{REAL_API}/repos/{full}/contents/{name}",
            "html_url": f"https://github.com/{full}/blob/main/{name}",
        }

    def _week_start(self, moment: datetime) -> int:
        day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        day -= timedelta(days=(day.weekday() + 1) % 7)  # weeks start on Sunday
        return int(day.timestamp())

    def _stats_contributors(self, data: dict[str, Any]) -> list[Any]:
        per_author: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        authors: dict[str, Any] = {}
        for c in data["commits"]:
            who = c.get("author")
            key = who["login"] if who else c["commit"]["author"]["email"]
            if who:
                authors[key] = who
            per_author[key][self._week_start(_parse_time(c["commit"]["author"]["date"]))] += 1
        out = []
        for key, weeks in per_author.items():
            if key not in authors:
                continue  # GitHub's statistics only list linked accounts
            out.append(
                {
                    "author": authors[key],
                    "total": sum(weeks.values()),
                    "weeks": [
                        {"w": w, "a": 10 * n, "d": 2 * n, "c": n} for w, n in sorted(weeks.items())
                    ],
                }
            )
        return sorted(out, key=lambda e: e["total"])[-100:]

    def _weekly(self, data: dict[str, Any], owner_only: bool = False) -> list[int]:
        now = self.server_fake.now
        counts = [0] * 52
        owner = data["repo"]["owner"]["login"].lower()
        for c in data["commits"]:
            if owner_only and (c.get("author") or {}).get("login", "").lower() != owner:
                continue
            age = now - _parse_time(c["commit"]["author"]["date"])
            index = 51 - int(age / timedelta(weeks=1))
            if 0 <= index < 52:
                counts[index] += 1
        return counts

    def _participation(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"all": self._weekly(data), "owner": self._weekly(data, owner_only=True)}

    def _commit_activity(self, data: dict[str, Any]) -> list[Any]:
        start = self.server_fake.now - timedelta(weeks=52)
        return [
            {"days": [0] * 7, "total": n, "week": self._week_start(start + timedelta(weeks=i))}
            for i, n in enumerate(self._weekly(data))
        ]

    def _rate_limit(self) -> dict[str, Any]:
        fake = self.server_fake
        auth = self.headers.get("Authorization")
        token = auth.split(" ", 1)[1] if auth and " " in auth else None
        resources = {}
        for name in ("core", "graphql"):
            b = fake._budget(token, name)
            resources[name] = {
                "limit": b.limit,
                "used": b.used,
                "remaining": max(0, b.limit - b.used),
                "reset": b.reset,
            }
        return {"resources": resources, "rate": resources["core"]}

    # -- GraphQL --------------------------------------------------------------------------------

    def _graphql(self, body: bytes) -> dict[str, Any]:
        try:
            request = json.loads(body)
            document = request["query"]
        except (ValueError, KeyError, TypeError):
            raise _HTTPError(
                400, {"message": "Problems parsing JSON", "documentation_url": DOCS}
            ) from None
        if not isinstance(document, str):
            raise _HTTPError(400, {"message": "Problems parsing JSON", "documentation_url": DOCS})
        variables = request.get("variables") or {}
        if not isinstance(variables, dict):
            raise _HTTPError(400, {"message": "Problems parsing JSON", "documentation_url": DOCS})
        token = None
        auth = self.headers.get("Authorization")
        if auth and " " in auth:
            token = auth.split(" ", 1)[1]
        return _GraphQL(self.server_fake, token).execute(document, variables)


# -- a small GraphQL executor over the fixtures ------------------------------------------------
#
# Why an executor and not canned answers: the collector's documents change shape (batch
# documents with fragments, follow-up pages with cursors), and GitHub answers exactly the
# fields asked, honours arguments (``since``, ``first``, ``after``, ``filterBy``) and
# rejects connections without ``first`` or with ``first`` over 100. Walking the document
# over virtual objects keeps the fake honest about all of that in a few dozen lines.


class _GraphQLError(Exception):
    def __init__(self, message: str, type_: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.type = type_


@dataclass
class _Selection:
    alias: str
    name: str
    args: dict[str, Any]
    body: list[_Selection] | None = None
    on_type: str | None = None  # inline fragment "... on Type"
    spread: str | None = None  # fragment spread "...Name"


def _selections(selection_set: Any, variables: dict[str, Any]) -> list[_Selection]:
    """graphql-core's AST of one selection set as the executor's ``_Selection`` list."""
    out: list[_Selection] = []
    for sel in selection_set.selections:
        if isinstance(sel, FieldNode):
            args = {
                a.name.value: value_from_ast_untyped(a.value, variables)
                for a in sel.arguments or ()
            }
            body = _selections(sel.selection_set, variables) if sel.selection_set else None
            alias = sel.alias.value if sel.alias else sel.name.value
            out.append(_Selection(alias, sel.name.value, args, body=body))
        elif isinstance(sel, InlineFragmentNode):
            on = sel.type_condition.name.value if sel.type_condition else _ANY_TYPE
            body = _selections(sel.selection_set, variables)
            out.append(_Selection("", "", {}, body=body, on_type=on))
        elif isinstance(sel, FragmentSpreadNode):
            out.append(_Selection("", "", {}, spread=sel.name.value))
    return out


_ANY_TYPE = "*"  # an inline fragment without a type condition


_Resolver = Callable[..., Any]


class _GraphQL:
    """Executes one document against the fake's repositories, as GitHub would answer."""

    def __init__(self, fake: FakeGitHub, token: str | None) -> None:
        self.fake = fake
        self.token = token
        self.errors: list[dict[str, Any]] = []
        self.fragments: dict[str, list[_Selection]] = {}
        self.cost = 1

    def execute(self, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        variables = variables or {}
        try:
            checked = github_schema.check(document, variables)
        except github_schema.Refused as refused:
            return {"errors": refused.errors}
        self.cost = checked.cost
        operation = _selections(checked.operation.selection_set, variables)
        self.fragments = {
            name: _selections(frag.selection_set, variables)
            for name, frag in checked.fragments.items()
        }
        root: dict[str, Any] = {"repository": self._repository, "rateLimit": self._rate_limit}
        try:
            data = self._select(root, operation, [])
        except _GraphQLError as exc:
            error: dict[str, Any] = {"message": exc.message}
            if exc.type:
                error["type"] = exc.type
            return {"errors": [error]}
        answer: dict[str, Any] = {"data": data}
        if self.errors:
            answer["errors"] = self.errors
        return answer

    # -- walking -----------------------------------------------------------------------------

    def _select(self, obj: dict[str, Any], selections: list[_Selection], path: list[Any]) -> Any:
        out: dict[str, Any] = {}
        for sel in selections:
            if sel.spread is not None:
                if sel.spread not in self.fragments:
                    raise _GraphQLError(f"Fragment {sel.spread} was used, but not defined")
                out.update(self._select(obj, self.fragments[sel.spread], path))
                continue
            if sel.on_type is not None:
                matches = sel.on_type in (_ANY_TYPE, obj.get("__typename", sel.on_type))
                if matches and sel.body is not None:
                    out.update(self._select(obj, sel.body, path))
                continue
            typename = obj.get("__typename", "Query")
            if sel.name not in obj:
                # Valid for GitHub (the schema check passed) but not served by this fake:
                # say so loudly rather than answer something GitHub would not.
                raise NotImplementedError(f"the fake GitHub does not serve {typename}.{sel.name}")
            value = obj[sel.name]
            here = [*path, sel.alias]
            if callable(value):
                try:
                    inspect.signature(value).bind(here, sel, **sel.args)
                except TypeError:
                    raise NotImplementedError(
                        f"the fake GitHub does not serve {typename}.{sel.name} with the "
                        f"arguments {sorted(sel.args)}"
                    ) from None
                value = value(here, sel, **sel.args)
            out[sel.alias] = self._shape(value, sel, here)
        return out

    def _shape(self, value: Any, sel: _Selection, path: list[Any]) -> Any:
        if sel.body is None or value is None:
            return value
        if isinstance(value, list):
            return [self._shape(v, sel, [*path, i]) for i, v in enumerate(value)]
        if isinstance(value, dict):
            return self._select(value, sel.body, path)
        return value

    def _connection(
        self, sel: _Selection, items: list[Any], first: int | None, after: str | None = None
    ) -> dict[str, Any]:
        """A GitHub connection: totalCount, pageInfo and nodes.

        ``first`` is checked before anything runs (``github_schema.check``); here it only
        pages. A connection asked only for its ``totalCount`` has no ``first``.
        """
        start = 0
        if after:
            try:
                start = int(after.rsplit(" ", 1)[1]) + 1
            except (IndexError, ValueError):
                raise _GraphQLError(f"`{after}` does not appear to be a valid cursor.") from None
        page = items[start : start + first] if first is not None else []
        end = start + len(page) - 1
        return {
            "totalCount": len(items),
            "pageInfo": {
                "hasNextPage": start + len(page) < len(items),
                "endCursor": f"c0ffee {end}" if page else None,
            },
            "nodes": page,
        }

    # -- the schema subset -------------------------------------------------------------------

    def _rate_limit(self, path: list[Any], sel: _Selection) -> dict[str, Any]:
        budget = self.fake._budget(self.token, "graphql")
        return {
            "__typename": "RateLimit",
            "cost": self.cost,
            "limit": budget.limit,
            "remaining": max(0, budget.limit - budget.used),
            "resetAt": datetime.fromtimestamp(budget.reset, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }

    def _repository(
        self,
        path: list[Any],
        sel: _Selection,
        owner: str,
        name: str,
        followRenames: bool = True,
    ) -> dict[str, Any] | None:
        slug = f"{owner}/{name}".lower()
        data = self.fake.repos.get(slug) or (self.fake.renamed.get(slug) if followRenames else None)
        if data is None:
            self.errors.append(
                {
                    "type": "NOT_FOUND",
                    "path": path,
                    "locations": [{"line": 1, "column": 1}],
                    "message": f"Could not resolve to a Repository with the name '{owner}/{name}'.",
                }
            )
            return None
        return self._repo_object(data)

    def _repo_object(self, data: dict[str, Any]) -> dict[str, Any]:
        repo = data["repo"]
        owner_login = repo["owner"]["login"]
        owner_user = self.fake.users.get(owner_login.lower(), {})
        issues = [i for i in data.get("issues", []) if "pull_request" not in i]
        pulls = [i for i in data.get("issues", []) if "pull_request" in i]

        def issues_field(
            path: list[Any],
            sel: _Selection,
            first: int | None = None,
            states: str | list[str] | None = None,
            orderBy: dict[str, Any] | None = None,
            filterBy: dict[str, Any] | None = None,
        ) -> dict[str, Any]:
            items = list(issues)
            if states:
                wanted = {s.lower() for s in _as_list(states)}
                # GitHub's REST open_issues_count counts pull requests too: the fixtures'
                # open issues that are not listed individually are open issues as well.
                if wanted == {"open"}:
                    listed_open = [i for i in data.get("issues", []) if i["state"] == "open"]
                    unlisted = repo["open_issues_count"] - len(listed_open)
                    items = [i for i in items if i["state"] == "open"]
                    items += [{"unlisted": True}] * max(0, unlisted)
                else:
                    items = [i for i in items if i["state"] in wanted]
            if filterBy and "since" in filterBy:
                since = _parse_time(filterBy["since"])
                items = [
                    i for i in items if _parse_time(i.get("updated_at", i["created_at"])) >= since
                ]
            if orderBy:
                reverse = orderBy.get("direction") == "DESC"
                items.sort(key=lambda i: i.get("created_at", ""), reverse=reverse)
            return self._connection(sel, [self._issue(data, i) for i in items], first)

        def pulls_field(
            path: list[Any],
            sel: _Selection,
            states: str | list[str] | None = None,
            first: int | None = None,
        ) -> dict[str, Any]:
            wanted = {s.lower() for s in _as_list(states)} if states else None
            items = [p for p in pulls if wanted is None or p["state"] in wanted]
            return self._connection(sel, items, first)

        def object_field(
            path: list[Any], sel: _Selection, expression: str
        ) -> dict[str, Any] | None:
            _ref, _, file_path = expression.partition(":")
            text = data.get("files", {}).get(file_path)
            return None if text is None else {"__typename": "Blob", "text": text}

        def releases_field(
            path: list[Any],
            sel: _Selection,
            first: int | None = None,
            orderBy: dict[str, Any] | None = None,
        ) -> dict[str, Any]:
            items = sorted(data.get("releases", []), key=lambda r: r["created_at"], reverse=True)
            nodes = [
                {
                    "__typename": "Release",
                    "createdAt": r["created_at"],
                    "publishedAt": r["published_at"],
                    "isDraft": r["draft"],
                }
                for r in items
            ]
            return self._connection(sel, nodes, first)

        def owner_repository(
            path: list[Any],
            sel: _Selection,
            name: str,
            followRenames: bool = True,
        ) -> dict[str, Any] | None:
            return self._repository(path, sel, owner_login, name, followRenames)

        owner_type = repo["owner"]["type"]
        owner: dict[str, Any] = {
            "__typename": owner_type,
            "login": owner_login,
            "hasSponsorsListing": bool(owner_user.get("has_sponsors_listing", False)),
            "repository": owner_repository,
        }
        if owner_type == "User":
            owner["company"] = owner_user.get("company")
        commits = sorted(data.get("commits", []), key=_commit_date, reverse=True)
        branch = None
        if commits:
            branch = {
                "__typename": "Ref",
                "name": repo.get("default_branch", "main"),
                "target": self._commit_object(commits),
            }
        return {
            "__typename": "Repository",
            "nameWithOwner": repo["full_name"],
            "isArchived": repo.get("archived", False),
            "isDisabled": repo.get("disabled", False),
            "isFork": repo.get("fork", False),
            "pushedAt": repo.get("pushed_at"),
            "stargazerCount": repo.get("stargazers_count", 0),
            "owner": owner,
            "issues": issues_field,
            "pullRequests": pulls_field,
            "fundingLinks": _funding_links(data),
            "object": object_field,
            "releases": releases_field,
            "defaultBranchRef": branch,
        }

    def _commit_object(self, commits: list[dict[str, Any]]) -> dict[str, Any]:
        def history(
            path: list[Any],
            sel: _Selection,
            since: str | None = None,
            until: str | None = None,
            first: int | None = None,
            after: str | None = None,
        ) -> dict[str, Any]:
            items = commits
            if since:
                items = [c for c in items if _commit_date(c) >= _parse_time(since)]
            if until:
                items = [c for c in items if _commit_date(c) <= _parse_time(until)]
            return self._connection(sel, [self._commit_node(c) for c in items], first, after)

        return {"__typename": "Commit", "oid": commits[0].get("sha", ""), "history": history}

    def _commit_node(self, commit: dict[str, Any]) -> dict[str, Any]:
        git_author = commit["commit"]["author"]
        account = commit.get("author")
        user = None
        if account and account.get("type", "User") == "User":
            profile = self.fake.users.get(account["login"].lower(), {})
            user = {
                "__typename": "User",
                "login": account["login"],
                "company": profile.get("company"),
            }
        return {
            "__typename": "Commit",
            "oid": commit.get("sha", ""),
            "committedDate": _commit_date(commit).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "authoredDate": git_author["date"],
            "author": {
                "__typename": "GitActor",
                "name": git_author.get("name"),
                "email": git_author.get("email"),
                "date": git_author["date"],
                "user": user,
            },
        }

    def _issue(self, data: dict[str, Any], issue: dict[str, Any]) -> dict[str, Any]:
        if issue.get("unlisted"):
            return {"__typename": "Issue"}

        def comments(path: list[Any], sel: _Selection, first: int | None = None) -> dict[str, Any]:
            items = [c for c in data.get("comments", []) if c["issue_url"] == issue["url"]]
            items.sort(key=lambda c: c["created_at"])
            nodes = [
                {
                    "__typename": "IssueComment",
                    "createdAt": c["created_at"],
                    "authorAssociation": c["author_association"],
                    "author": {"login": (c.get("user") or {}).get("login")},
                }
                for c in items
            ]
            return self._connection(sel, nodes, first)

        return {
            "__typename": "Issue",
            "createdAt": issue["created_at"],
            "authorAssociation": issue["author_association"],
            "author": {"login": (issue.get("user") or {}).get("login")},
            "comments": comments,
        }


def _as_list(value: Any) -> list[Any]:
    """GraphQL input coercion: a single value where a list is expected is a list of one."""
    return value if isinstance(value, list) else [value]


def _commit_date(commit: dict[str, Any]) -> datetime:
    meta = commit["commit"]
    return _parse_time((meta.get("committer") or meta["author"])["date"])


def _funding_links(data: dict[str, Any]) -> list[dict[str, str]]:
    """fundingLinks as GitHub derives them from the repository's own FUNDING.yml."""
    text = data.get("files", {}).get(".github/FUNDING.yml")
    if text is None:
        return []
    pairs: list[tuple[str, str]] = []
    key = ""
    for line in text.splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        if line.startswith((" ", "\t")) and line.strip().startswith("- ") and key:
            pairs.append((key, line.strip()[2:]))
            continue
        key, sep, value = line.partition(":")
        key = key.strip().upper() if sep else ""
        value = value.strip()
        pairs.extend((key, v) for v in value.strip("[]").split(",") if key and v.strip())
    links = []
    for platform, value in pairs:
        value = value.strip().strip("'\"")
        url = _PLATFORM_URL.get(platform, "{}").format(value)
        if platform == "CUSTOM" and "://" not in url:
            url = "https://" + url
        links.append({"__typename": "FundingLink", "platform": platform, "url": url})
    return links


_PLATFORM_URL = {
    "GITHUB": "https://github.com/sponsors/{}",
    "PATREON": "https://www.patreon.com/{}",
    "OPEN_COLLECTIVE": "https://opencollective.com/{}",
    "KO_FI": "https://ko-fi.com/{}",
    "TIDELIFT": "https://tidelift.com/funding/github/{}",
    "LIBERAPAY": "https://liberapay.com/{}",
    "ISSUEHUNT": "https://issuehunt.io/r/{}",
    "LFX_CROWDFUNDING": "https://crowdfunding.lfx.linuxfoundation.org/projects/{}",
    "COMMUNITY_BRIDGE": "https://funding.communitybridge.org/projects/{}",
    "POLAR": "https://polar.sh/{}",
    "BUY_ME_A_COFFEE": "https://www.buymeacoffee.com/{}",
    "THANKS_DEV": "https://thanks.dev/{}",
    "CUSTOM": "{}",
}


def synthetic_repository(index: int, *, now: datetime = FIXED_NOW) -> dict[str, Any]:
    """A small, plausible repository (``synth-org{n}/pkg{index}``) for load tests."""
    owner, name = f"synth-org{index % 40}", f"pkg{index}"
    full = f"{owner}/{name}"

    def stamp(days: float) -> str:
        return (now - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def person(login: str) -> dict[str, Any]:
        return {
            "login": login,
            "id": 10_000 + zlib.crc32(login.encode()) % 100_000,
            "type": "User",
            "site_admin": False,
            "url": f"{REAL_API}/users/{login}",
        }

    devs = [f"dev{index}-{k}" for k in range(1 + index % 5)]
    commits = []
    for k in range(12):
        login = devs[k % len(devs)]
        commits.append(
            {
                "sha": f"{index:08x}{k:032x}",
                "commit": {
                    "author": {
                        "name": login,
                        "email": f"{login}@example.org",
                        "date": stamp(3 + k * 25),
                    }
                },
                "author": person(login),
                "url": f"{REAL_API}/repos/{full}/commits/{index:08x}{k:032x}",
            }
        )
    return {
        "repo": {
            "id": 900_000 + index,
            "name": name,
            "full_name": full,
            "owner": {**person(owner), "type": "Organization" if index % 3 else "User"},
            "url": f"{REAL_API}/repos/{full}",
            "html_url": f"https://github.com/{full}",
            "fork": False,
            "archived": index % 17 == 0,
            "disabled": False,
            "pushed_at": stamp(index % 400),
            "created_at": stamp(2000),
            "stargazers_count": 10 * index,
            "open_issues_count": index % 9,
            "default_branch": "main",
        },
        "contributors": [{**person(d), "contributions": 50 // (k + 1)} for k, d in enumerate(devs)],
        "commits": commits,
        "releases": [
            {
                "id": index * 10 + k,
                "tag_name": f"v{k}",
                "draft": False,
                "prerelease": False,
                "created_at": stamp(k * 90),
                "published_at": stamp(k * 90),
            }
            for k in range(3)
        ],
        "files": {".github/FUNDING.yml": f"github: [{devs[0]}]\n"} if index % 4 == 0 else {},
    }
