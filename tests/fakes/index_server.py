"""A package index on 127.0.0.1 for tests: the real protocols, fake data.

Why a real HTTP server and not a mocked session: the production index client is the same
code in tests and in use; only its base URL changes. A loopback server exercises the
parts a mock skips (content negotiation, redirects, status codes, retries, threads,
keep-alive, hashes that must match the bytes served).

What it speaks, enough for `auditor.index.client`:

- ``GET /simple/``  and ``GET /simple/<name>/`` — PEP 503 HTML or PEP 691 JSON by
  ``Accept`` (api-version 1.1: PEP 700 ``versions``, ``size``, ``upload-time``), PEP 592
  yanking, PEP 658/714 ``core-metadata`` (plus the legacy ``data-dist-info-metadata``).
  Non-normalised names get a 301 to the PEP 503 normalised URL, as real indexes do.
- ``GET <file url>.metadata`` — the core metadata text, only for files that declare it.
- ``GET <file url>`` — bytes made on the fly: an sdist is a real ``.tar.gz`` holding
  ``<name>-<version>/PKG-INFO``; a wheel is a zip holding ``<name>-<version>.dist-info/
  METADATA``. Hashes and sizes on the pages are computed from these bytes, so a client
  that checks hashes sees them match.
- ``GET /pypi/<name>/json`` — the project JSON API (info, releases, urls, ownership,
  last_serial). The per-version JSON endpoint is deliberately absent (404): mirrors often
  lack it, so production code must not depend on it.
- ``HEAD`` for all of the above; anything else is 404.

Data comes from recorded fixtures (``tests/fixtures/index/*.json``, written by
``record_index.py``; URLs in them hold the ``{{INDEX}}`` / ``{{FILES}}`` placeholders that
are filled with this server's own address when served) and from ``add_project`` for
synthetic projects. Fault modes (``fail``, ``delay``, ``malformed``, ``wrong_shape``,
``missing_metadata``) and a request log let tests assert on retries and on how many
calls an audit costs.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import io
import json
import re
import tarfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
SIMPLE_HTML = "application/vnd.pypi.simple.v1+html"
SIMPLE_API_VERSION = "1.1"
INDEX_PLACEHOLDER = "{{INDEX}}"
FILES_PLACEHOLDER = "{{FILES}}"
FIXTURE_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "index"

_EXTRA_MARKER = re.compile(r"""extra\s*==\s*['"]([^'"]+)['"]""")
_FIXED_MTIME = 1_700_000_000  # archives are byte-for-byte reproducible, so hashes are stable
_BASE_UPLOAD = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)


def normalize(name: str) -> str:
    """PEP 503 normalised project name (the only key the index is looked up by)."""
    return str(canonicalize_name(name))


def _version_key(text: str) -> tuple[int, Version | str]:
    """Sort key that orders valid versions by PEP 440 and puts invalid ones first."""
    try:
        return (1, Version(text))
    except InvalidVersion:
        return (0, text)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --------------------------------------------------------------------------- data model


@dataclass
class Release:
    """One synthetic version, as a test describes it to :meth:`FakeIndex.add_project`.

    ``files`` defaults to an sdist plus a ``py3-none-any`` wheel. ``metadata`` says whether
    the wheels advertise and serve a PEP 658 ``.metadata`` file (``False`` writes
    ``"core-metadata": false``; use :meth:`FakeIndex.missing_metadata` for the key to be
    absent, as the real index does for sdist-only projects). ``yanked`` is ``True`` or the
    reason string.
    """

    version: str
    requires_dist: list[str] = field(default_factory=list)
    requires_python: str | None = None
    yanked: bool | str = False
    upload_time: str | datetime | None = None
    files: list[str] | None = None
    metadata: bool = True
    summary: str | None = None
    provides_extra: list[str] | None = None


@dataclass
class DistFile:
    """One distribution file of a project, the unit the simple API lists."""

    filename: str
    version: str
    url: str  # absolute, or starting with a placeholder filled at serve time
    requires_python: str | None = None
    yanked: bool | str = False
    upload_time: str = "2024-01-01T12:00:00.000000Z"
    # True: advertised with its hash and served; False: advertised as ``false``;
    # None: the key is absent (what the real index does for files without metadata).
    core_metadata: bool | None = True

    @property
    def is_wheel(self) -> bool:
        return self.filename.endswith(".whl")

    @property
    def packagetype(self) -> str:
        return "bdist_wheel" if self.is_wheel else "sdist"

    @property
    def python_version(self) -> str:
        if self.is_wheel:
            parts = self.filename[:-4].split("-")
            return parts[-3] if len(parts) >= 5 else "py3"
        return "source"

    @property
    def stem(self) -> str:
        """``<name>-<version>`` as spelled in the file name (the archive's top folder)."""
        if self.is_wheel:
            return "-".join(self.filename.split("-")[:2])
        for suffix in (".tar.gz", ".tar.bz2", ".tgz", ".zip", ".tar"):
            if self.filename.endswith(suffix):
                return self.filename[: -len(suffix)]
        return self.filename

    @property
    def path(self) -> str:
        """The URL path this file is served at (placeholder or host stripped)."""
        for placeholder in (INDEX_PLACEHOLDER, FILES_PLACEHOLDER):
            if self.url.startswith(placeholder):
                return unquote(self.url[len(placeholder) :].split("#")[0])
        return unquote(urlsplit(self.url).path)


@dataclass
class Project:
    """Everything the fake knows about one project, recorded or synthetic."""

    name: str
    files: list[DistFile]
    versions: list[str]
    metadata: dict[str, str]  # version -> core metadata text
    info: dict[str, Any]  # the project JSON's ``info`` (latest release)
    ownership: dict[str, Any]
    last_serial: int
    metadata_hidden: bool = False  # set by FakeIndex.missing_metadata
    # The project JSON's ``vulnerabilities``: advisories against the newest release.
    vulnerabilities: list[dict[str, Any]] = field(default_factory=list)

    @property
    def key(self) -> str:
        return normalize(self.name)


# --------------------------------------------------------------------------- request log


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server saw it (path includes the query string, if any)."""

    method: str
    path: str
    headers: dict[str, str]


class RequestLog:
    """Thread-safe log of requests; iterates over paths so ``"/simple/x/" in log`` works.

    ``count(prefix)`` counts paths *starting with* ``prefix`` (unlike ``list.count``),
    because a test usually asks "how many simple pages", not "how many of this exact URL".
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def records(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def paths(self) -> list[str]:
        return [record.path for record in self.records()]

    def count(self, prefix: str = "", method: str | None = None) -> int:
        return sum(
            1
            for record in self.records()
            if record.path.startswith(prefix) and (method is None or record.method == method)
        )

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    def __iter__(self) -> Iterator[str]:
        return iter(self.paths())

    def __getitem__(self, index: int) -> str:
        return self.paths()[index]

    def __contains__(self, path: object) -> bool:
        return path in self.paths()

    def __repr__(self) -> str:
        return f"RequestLog({self.paths()!r})"


@dataclass
class _Fault:
    prefix: str
    status: int
    remaining: int | None
    headers: dict[str, str]
    malformed: bool = False
    body: Any = None  # answer 200 with this JSON value (valid JSON, wrong shape)


@dataclass
class _Response:
    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- the fake


class FakeIndex:
    """A package index on ``127.0.0.1:<free port>``; use ``with FakeIndex(dir) as index:``.

    ``fixture_dir`` is a folder of fixture JSON files (recorded ``<name>.json`` and
    ``synthetic-*.json``); ``None`` starts empty, for tests that build their own world with
    :meth:`add_project`. Pass ``FIXTURE_DIR`` (or use :meth:`recorded`) for the recorded one.
    """

    def __init__(self, fixture_dir: Path | None = None) -> None:
        self.ranges = True  # file host honours Range: bytes=... (set False to test fallbacks)
        # A vendor wheel index (CUDA builds): PEP 503 HTML as ``text/html`` whatever the
        # Accept header asks, with file URLs relative to the page, as static mirrors write.
        self.vendor_style = False
        self._lock = threading.RLock()
        self._projects: dict[str, Project] = {}
        self._files_by_path: dict[str, tuple[Project, DistFile]] = {}
        self._blobs: dict[str, bytes] = {}
        self._faults: list[_Fault] = []
        self._delays: list[tuple[str, float]] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.requests = RequestLog()
        if fixture_dir is not None:
            self.load_fixtures(fixture_dir)

    @classmethod
    def recorded(cls) -> FakeIndex:
        """The fake loaded with the recorded world in ``tests/fixtures/index``."""
        return cls(FIXTURE_DIR)

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> FakeIndex:
        """Bind a free loopback port and serve from a daemon thread."""
        if self._server is not None:
            return self
        server = _QuietServer(("127.0.0.1", 0), _make_handler(self))
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name="fake-index", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port; safe to call twice."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeIndex:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321`` (the project JSON lives under /pypi)."""
        if self._server is None:
            raise RuntimeError(
                "FakeIndex is not running: use it as a context manager or call start()"
            )
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def simple_url(self) -> str:
        """What a client gets as its index URL (``--index-url`` / ``PIP_INDEX_URL``)."""
        return self.url + "/simple"

    def env(self) -> dict[str, str]:
        """Environment that points pip-style tools (and the auditor CLI) at this fake."""
        return {"PIP_INDEX_URL": self.simple_url, "UV_INDEX_URL": self.simple_url}

    def count(self, prefix: str = "", method: str | None = None) -> int:
        """Shortcut for ``self.requests.count``."""
        return self.requests.count(prefix, method)

    # -- world building ----------------------------------------------------------------

    @property
    def projects(self) -> list[str]:
        """Normalised names of all projects served."""
        with self._lock:
            return sorted(self._projects)

    def project(self, name: str) -> Project:
        """The data behind one project (to inspect or tweak in a test)."""
        with self._lock:
            return self._projects[normalize(name)]

    def load_fixtures(self, fixture_dir: Path) -> None:
        """Load every ``*.json`` in ``fixture_dir``: recorded projects and synthetic sets."""
        paths = sorted(Path(fixture_dir).glob("*.json"))
        if not paths:
            raise FileNotFoundError(f"no fixture files (*.json) in {fixture_dir}")
        for path in paths:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("synthetic"):
                for spec in data["projects"]:
                    spec = dict(spec)
                    self.add_project(spec.pop("name"), spec.pop("versions", []), **spec)
            else:
                self._add(_project_from_recording(data))

    def add_project(
        self,
        name: str,
        versions: Iterable[str | Release | Mapping[str, Any]] = (),
        *,
        summary: str | None = None,
        project_urls: Mapping[str, str] | None = None,
        classifiers: Sequence[str] = (),
        author: str | None = None,
        author_email: str | None = None,
        maintainer: str | None = None,
        license: str | None = None,
        home_page: str | None = None,
        roles: Sequence[Mapping[str, str] | tuple[str, str]] | None = None,
        organization: str | None = None,
        last_serial: int | None = None,
        description: str | None = None,
        vulnerabilities: Sequence[Mapping[str, Any]] = (),
    ) -> Project:
        """Create (or replace) a synthetic project.

        Each version is a version string, a :class:`Release`, or a mapping of Release's
        fields (how synthetic fixture files spell them). ``roles`` are ``(role, user)``
        pairs or ``{"role": ..., "user": ...}``; default: one Owner named after the project.
        """
        key = normalize(name)
        releases = [_as_release(item) for item in versions]
        releases.sort(key=lambda r: _version_key(r.version))
        stem = key.replace("-", "_")
        files: list[DistFile] = []
        metadata: dict[str, str] = {}
        urls = dict(project_urls or {})
        for position, release in enumerate(releases):
            upload = _upload_time(release.upload_time, position)
            names = release.files or [
                f"{stem}-{release.version}.tar.gz",
                f"{stem}-{release.version}-py3-none-any.whl",
            ]
            for filename in names:
                is_wheel = filename.endswith(".whl")
                files.append(
                    DistFile(
                        filename=filename,
                        version=release.version,
                        url=f"{FILES_PLACEHOLDER}/files/{key}/{filename}",
                        requires_python=release.requires_python,
                        yanked=release.yanked,
                        upload_time=upload,
                        core_metadata=release.metadata if is_wheel else None,
                    )
                )
            metadata[release.version] = _core_metadata_text(
                name=name,
                release=release,
                summary=release.summary or summary,
                project_urls=urls,
                classifiers=classifiers,
                author=author,
                author_email=author_email,
                license=license,
                home_page=home_page,
            )
        role_list = [
            dict(role) if isinstance(role, Mapping) else {"role": role[0], "user": role[1]}
            for role in (roles if roles is not None else [("Owner", f"{key}-owner")])
        ]
        latest = _latest_release(releases)
        info: dict[str, Any] = {
            "author": author or "",
            "author_email": author_email or "",
            "classifiers": list(classifiers),
            "description": description or "",
            "home_page": home_page or "",
            "license": license or "",
            "maintainer": maintainer or "",
            "maintainer_email": "",
            "name": name,
            "package_url": f"{INDEX_PLACEHOLDER}/project/{key}/",
            "project_url": f"{INDEX_PLACEHOLDER}/project/{key}/",
            "project_urls": urls or None,
            "provides_extra": None,
            "release_url": "",
            "requires_dist": None,
            "requires_python": "",
            "summary": (latest.summary if latest and latest.summary else summary) or "",
            "version": "",
            "yanked": False,
            "yanked_reason": None,
        }
        if latest is not None:
            info.update(
                release_url=f"{INDEX_PLACEHOLDER}/project/{key}/{latest.version}/",
                requires_dist=list(latest.requires_dist) or None,
                requires_python=latest.requires_python or "",
                provides_extra=_extras(latest) or None,
                version=latest.version,
            )
        project = Project(
            name=name,
            files=files,
            versions=[r.version for r in releases],
            metadata=metadata,
            info=info,
            ownership={"roles": role_list, "organization": organization},
            last_serial=last_serial if last_serial is not None else 1000 + len(self._projects),
            vulnerabilities=[dict(v) for v in vulnerabilities],
        )
        self._add(project)
        return project

    def _add(self, project: Project) -> None:
        with self._lock:
            old = self._projects.pop(project.key, None)
            if old is not None:
                for dist in old.files:
                    self._files_by_path.pop(dist.path, None)
                    self._blobs.pop(dist.path, None)
            self._projects[project.key] = project
            for dist in project.files:
                self._files_by_path[dist.path] = (project, dist)

    # -- fault modes -------------------------------------------------------------------

    def fail(
        self,
        path_prefix: str,
        status: int = 500,
        times: int | None = None,
        *,
        retry_after: float | None = None,
    ) -> None:
        """Answer ``status`` to requests whose path starts with ``path_prefix``.

        ``times`` limits it to the next N such requests (``None``: until
        :meth:`clear_faults`), so "fails twice then works" retry tests are one line.
        ``retry_after`` adds a ``Retry-After`` header (seconds).
        """
        headers = {} if retry_after is None else {"Retry-After": f"{retry_after:g}"}
        with self._lock:
            self._faults.append(_Fault(path_prefix, status, times, headers))

    def malformed(self, path_prefix: str, times: int | None = None) -> None:
        """Answer 200 with a truncated, invalid JSON body on matching paths."""
        with self._lock:
            self._faults.append(_Fault(path_prefix, 200, times, {}, malformed=True))

    def wrong_shape(self, path_prefix: str, body: Any = None, times: int | None = None) -> None:
        """Answer 200 with valid JSON of the wrong shape (default: a JSON list)."""
        value = ["not", "a", "project"] if body is None else body
        with self._lock:
            self._faults.append(_Fault(path_prefix, 200, times, {}, body=value))

    def delay(self, seconds: float, path_prefix: str = "/") -> None:
        """Sleep ``seconds`` before answering each matching request (timeouts, slowness)."""
        with self._lock:
            self._delays = [(p, s) for p, s in self._delays if p != path_prefix]
            if seconds > 0:
                self._delays.append((path_prefix, seconds))

    def missing_metadata(self, name: str) -> None:
        """Make a project look sdist-only: no core-metadata keys and no .metadata files."""
        with self._lock:
            self._projects[normalize(name)].metadata_hidden = True

    def serve_bytes(self, name: str, filename: str, blob: bytes) -> None:
        """Serve ``blob`` as one of a project's files instead of the archive made for it.

        For the odd files real projects do upload: a PKG-INFO in Latin-1, an archive that
        is not one. The page's hash and size follow the bytes, as on the real index.
        """
        with self._lock:
            project = self._projects[normalize(name)]
            dist = next(d for d in project.files if d.filename == filename)
            self._blobs[dist.path] = blob

    def clear_faults(self) -> None:
        """Undo ``fail``, ``malformed`` and ``delay`` (``missing_metadata`` stays)."""
        with self._lock:
            self._faults.clear()
            self._delays.clear()

    def reset(self) -> None:
        """Clear the faults and the request log (for a fixture shared across tests)."""
        self.clear_faults()
        self.requests.clear()

    # -- serving -----------------------------------------------------------------------

    def _fill(self, text: str) -> str:
        base = self.url
        return text.replace(INDEX_PLACEHOLDER, base).replace(FILES_PLACEHOLDER, base)

    def _active_fault(self, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if path.startswith(fault.prefix) and fault.remaining != 0:
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    return fault
        return None

    def _delay_for(self, path: str) -> float:
        with self._lock:
            return max((s for p, s in self._delays if path.startswith(p)), default=0.0)

    def handle(self, method: str, raw_path: str, headers: Mapping[str, str]) -> _Response:
        """Answer one request (the HTTP handler's only call into the fake)."""
        self.requests.append(RequestRecord(method, raw_path, dict(headers)))
        path = unquote(urlsplit(raw_path).path)
        pause = self._delay_for(path)
        if pause:
            time.sleep(pause)
        fault = self._active_fault(path)
        if fault is not None and fault.malformed:
            kind = SIMPLE_JSON if path.startswith("/simple") else "application/json"
            return _Response(200, b'{"meta": {"api-version": "1.1"}, "files": [{"filen', kind)
        if fault is not None and fault.body is not None:
            return _Response(200, json.dumps(fault.body).encode(), "application/json")
        if fault is not None:
            body = json.dumps({"message": f"injected failure {fault.status}"}).encode()
            return _Response(fault.status, body, "application/json", dict(fault.headers))
        if method not in ("GET", "HEAD"):
            return _not_found()
        if path == "/simple" or path == "/simple/":
            return self._simple_root(headers)
        match = re.fullmatch(r"/simple/([^/]+)/?", path)
        if match:
            return self._simple_page(match.group(1), path, headers)
        match = re.fullmatch(r"/pypi/([^/]+)/json/?", path)
        if match:
            return self._project_json(match.group(1))
        if path.endswith(".metadata"):
            return self._metadata_file(path[: -len(".metadata")])
        return _ranged(self._dist_file(path), headers.get("Range"), self.ranges)

    def _redirect(self, path: str) -> _Response:
        return _Response(301, b"", headers={"Location": self.url + path})

    def _simple_root(self, headers: Mapping[str, str]) -> _Response:
        with self._lock:
            projects = sorted(self._projects.values(), key=lambda p: p.key)
        kind = _negotiate(headers.get("Accept"))
        if kind is None:
            return _Response(406, b"not acceptable")
        if kind == SIMPLE_JSON:
            doc = {
                "meta": {"api-version": SIMPLE_API_VERSION, "_last-serial": 1},
                "projects": [{"name": p.name} for p in projects],
            }
            return _Response(200, json.dumps(doc).encode(), SIMPLE_JSON)
        links = "".join(f'<a href="/simple/{p.key}/">{html.escape(p.name)}</a>\n' for p in projects)
        return _Response(200, _html_page("Simple index", links), SIMPLE_HTML)

    def _simple_page(self, name: str, path: str, headers: Mapping[str, str]) -> _Response:
        key = normalize(name)
        with self._lock:
            project = self._projects.get(key)
        if project is None:
            return _not_found()
        if name != key or not path.endswith("/"):
            return self._redirect(f"/simple/{key}/")
        if self.vendor_style:
            page = self._simple_html(project).decode()
            # File URLs relative to /simple/<name>/, as static mirrors write them.
            page = page.replace(self.url + "/", "../../")
            return _Response(200, page.encode(), "text/html; charset=utf-8")
        kind = _negotiate(headers.get("Accept"))
        if kind is None:
            return _Response(406, b"not acceptable")
        serial = {"X-PyPI-Last-Serial": str(project.last_serial)}
        if kind == SIMPLE_JSON:
            doc = {
                "meta": {"api-version": SIMPLE_API_VERSION, "_last-serial": project.last_serial},
                "name": project.key,
                "files": [self._file_entry(project, dist) for dist in project.files],
                "versions": sorted(project.versions, key=_version_key),
            }
            body = self._fill(json.dumps(doc)).encode()
            return _Response(200, body, SIMPLE_JSON, serial)
        return _Response(200, self._simple_html(project), SIMPLE_HTML, serial)

    def _file_entry(self, project: Project, dist: DistFile) -> dict[str, Any]:
        blob = self._blob(project, dist)
        entry: dict[str, Any] = {
            "filename": dist.filename,
            "url": dist.url,
            "hashes": {"sha256": hashlib.sha256(blob).hexdigest()},
            "requires-python": dist.requires_python,
            "yanked": dist.yanked,
            "upload-time": dist.upload_time,
            "size": len(blob),
        }
        marker = self._metadata_marker(project, dist)
        if marker is not None:
            entry["core-metadata"] = marker
            entry["data-dist-info-metadata"] = marker
        return entry

    def _metadata_marker(self, project: Project, dist: DistFile) -> dict[str, str] | bool | None:
        if project.metadata_hidden or dist.core_metadata is None:
            return None
        if not dist.core_metadata:
            return False
        text = self._metadata_text(project, dist.version)
        return {"sha256": hashlib.sha256(text.encode()).hexdigest()}

    def _simple_html(self, project: Project) -> bytes:
        rows = []
        for dist in project.files:
            entry = self._file_entry(project, dist)
            attrs = [f'href="{html.escape(entry["url"])}#sha256={entry["hashes"]["sha256"]}"']
            if dist.requires_python:
                attrs.append(f'data-requires-python="{html.escape(dist.requires_python)}"')
            if dist.yanked:
                reason = dist.yanked if isinstance(dist.yanked, str) else ""
                attrs.append(f'data-yanked="{html.escape(reason)}"')
            marker = entry.get("core-metadata")
            # The real index writes the attributes only for a file that has metadata; the
            # JSON's ``false`` has no HTML spelling there.
            if isinstance(marker, dict):
                value = f"sha256={marker['sha256']}"
                attrs.append(f'data-core-metadata="{value}" data-dist-info-metadata="{value}"')
            rows.append(f"<a {' '.join(attrs)}>{html.escape(dist.filename)}</a><br/>\n")
        body = _html_page(f"Links for {project.key}", "".join(rows))
        return self._fill(body.decode()).encode()

    def _project_json(self, name: str) -> _Response:
        key = normalize(name)
        with self._lock:
            project = self._projects.get(key)
        if project is None:
            return _not_found()
        if name != key:
            return self._redirect(f"/pypi/{key}/json")
        releases: dict[str, list[dict[str, Any]]] = {
            version: [] for version in sorted(project.versions, key=_version_key)
        }
        for dist in project.files:
            releases.setdefault(dist.version, []).append(self._json_file_entry(project, dist))
        doc = {
            "info": project.info,
            "last_serial": project.last_serial,
            "releases": releases,
            "urls": releases.get(str(project.info.get("version")), []),
            "vulnerabilities": project.vulnerabilities,
            "ownership": project.ownership,
        }
        serial = {"X-PyPI-Last-Serial": str(project.last_serial)}
        return _Response(200, self._fill(json.dumps(doc)).encode(), "application/json", serial)

    def _json_file_entry(self, project: Project, dist: DistFile) -> dict[str, Any]:
        blob = self._blob(project, dist)
        entry: dict[str, Any] = {
            "comment_text": None,
            "digests": {
                "blake2b_256": hashlib.blake2b(blob, digest_size=32).hexdigest(),
                "md5": hashlib.md5(blob, usedforsecurity=False).hexdigest(),
                "sha256": hashlib.sha256(blob).hexdigest(),
            },
            "downloads": -1,
            "filename": dist.filename,
            "has_sig": False,
            "md5_digest": hashlib.md5(blob, usedforsecurity=False).hexdigest(),
            "packagetype": dist.packagetype,
            "python_version": dist.python_version,
            "requires_python": dist.requires_python,
            "size": len(blob),
            "upload_time": dist.upload_time[:19],
            "upload_time_iso_8601": dist.upload_time,
            "url": dist.url,
            "yanked": bool(dist.yanked),
            "yanked_reason": dist.yanked if isinstance(dist.yanked, str) else None,
        }
        marker = self._metadata_marker(project, dist)
        if marker is not None:
            entry["core-metadata"] = marker
            entry["data-dist-info-metadata"] = marker
        return entry

    def _lookup(self, path: str) -> tuple[Project, DistFile] | None:
        with self._lock:
            return self._files_by_path.get(path)

    def _metadata_file(self, file_path: str) -> _Response:
        found = self._lookup(file_path)
        if found is None:
            return _not_found()
        project, dist = found
        if self._metadata_marker(project, dist) in (None, False):
            return _not_found()
        text = self._metadata_text(project, dist.version)
        return _Response(200, text.encode(), "application/octet-stream")

    def _dist_file(self, path: str) -> _Response:
        """A file download; Range requests are honoured unless ``ranges`` is False."""
        found = self._lookup(path)
        if found is None:
            return _not_found()
        project, dist = found
        kind = "application/octet-stream"
        if dist.filename.endswith((".tar.gz", ".tgz")):
            kind = "application/x-tar"  # what real file hosts send, with gzip bytes inside
        elif dist.filename.endswith((".zip", ".whl")):
            kind = "application/zip"
        return _Response(200, self._blob(project, dist), kind)

    def _metadata_text(self, project: Project, version: str) -> str:
        text = project.metadata.get(version)
        if text is None:  # a recording that could not read metadata: say only what is known
            text = f"Metadata-Version: 2.1\nName: {project.name}\nVersion: {version}\n"
        return text

    def _blob(self, project: Project, dist: DistFile) -> bytes:
        with self._lock:
            blob = self._blobs.get(dist.path)
            if blob is None:
                blob = _build_archive(dist, self._metadata_text(project, dist.version))
                self._blobs[dist.path] = blob
            return blob


# --------------------------------------------------------------------------- helpers


def fake_index_fixture(
    fixture_dir: Path | None = FIXTURE_DIR,
    *,
    name: str = "fake_index",
    scope: Literal["function", "class", "module", "package", "session"] = "function",
    setup: Callable[[FakeIndex], None] | None = None,
) -> Any:
    """Build a pytest fixture that yields a running :class:`FakeIndex`.

    In a conftest: ``fake_index = fake_index_fixture()`` (the recorded world) or
    ``fake_index_fixture(None, name="empty_index")``. ``setup`` may add synthetic
    projects. With a wider ``scope`` one server is shared: call :meth:`FakeIndex.reset`
    at the start of each test so one test's faults and request counts do not leak.
    """
    import pytest  # imported here so benchmarks can use FakeIndex without pytest

    @pytest.fixture(name=name, scope=scope)
    def _fixture() -> Iterator[FakeIndex]:
        with FakeIndex(fixture_dir) as fake:
            if setup is not None:
                setup(fake)
            fake.reset()
            yield fake

    return _fixture


def _not_found() -> _Response:
    return _Response(404, b"Not Found")


def _html_page(title: str, body: str) -> bytes:
    return (
        "<!DOCTYPE html>\n<html><head>"
        '<meta name="pypi:repository-version" content="1.1">'
        f"<title>{html.escape(title)}</title></head><body>\n{body}</body></html>\n"
    ).encode()


def _negotiate(accept: str | None) -> str | None:
    """Pick JSON or HTML per PEP 691; ``None`` means 406. No header means HTML."""
    if not accept:
        return SIMPLE_HTML
    best: tuple[float, int, str] | None = None
    order = {
        SIMPLE_JSON: (SIMPLE_JSON, 3),
        "application/vnd.pypi.simple.latest+json": (SIMPLE_JSON, 3),
        SIMPLE_HTML: (SIMPLE_HTML, 2),
        "application/vnd.pypi.simple.latest+html": (SIMPLE_HTML, 2),
        "text/html": (SIMPLE_HTML, 1),
        "*/*": (SIMPLE_HTML, 0),
    }
    for part in accept.split(","):
        pieces = [p.strip() for p in part.split(";")]
        quality = 1.0
        for param in pieces[1:]:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if pieces[0] in order and quality > 0:
            kind, rank = order[pieces[0]]
            if best is None or (quality, rank) > best[:2]:
                best = (quality, rank, kind)
    return best[2] if best else None


def _as_release(item: str | Release | Mapping[str, Any]) -> Release:
    if isinstance(item, Release):
        return replace(item)
    if isinstance(item, str):
        return Release(version=item)
    return Release(**dict(item))


def _upload_time(value: str | datetime | None, position: int) -> str:
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, str):
        return value
    return _iso(_BASE_UPLOAD + timedelta(days=30 * position))


def _extras(release: Release) -> list[str]:
    found = {m for req in release.requires_dist for m in _EXTRA_MARKER.findall(req)}
    return sorted(set(release.provides_extra or []) | found)


def _latest_release(releases: Sequence[Release]) -> Release | None:
    """What the project JSON's ``info`` describes: the newest final, non-yanked release."""

    def usable(release: Release, *, final: bool) -> bool:
        if release.yanked:
            return False
        if not final:
            return True
        key = _version_key(release.version)[1]
        return isinstance(key, Version) and not key.is_prerelease

    for final in (True, False):
        candidates = [r for r in releases if usable(r, final=final)]
        if candidates:
            return max(candidates, key=lambda r: _version_key(r.version))
    return releases[-1] if releases else None


def _core_metadata_text(
    *,
    name: str,
    release: Release,
    summary: str | None,
    project_urls: Mapping[str, str],
    classifiers: Sequence[str],
    author: str | None,
    author_email: str | None,
    license: str | None,
    home_page: str | None,
) -> str:
    lines = ["Metadata-Version: 2.3", f"Name: {name}", f"Version: {release.version}"]
    if summary:
        lines.append(f"Summary: {summary}")
    if home_page:
        lines.append(f"Home-page: {home_page}")
    if author:
        lines.append(f"Author: {author}")
    if author_email:
        lines.append(f"Author-email: {author_email}")
    if license:
        lines.append(f"License: {license}")
    lines += [f"Project-URL: {label}, {url}" for label, url in project_urls.items()]
    lines += [f"Classifier: {c}" for c in classifiers]
    if release.requires_python:
        lines.append(f"Requires-Python: {release.requires_python}")
    lines += [f"Requires-Dist: {req}" for req in release.requires_dist]
    lines += [f"Provides-Extra: {extra}" for extra in _extras(release)]
    return "\n".join(lines) + "\n"


def _build_archive(dist: DistFile, metadata: str) -> bytes:
    """Reproducible archive bytes: wheel zip with METADATA, or sdist with PKG-INFO."""
    data = metadata.encode()
    if dist.is_wheel:
        dist_info = f"{dist.stem}.dist-info"
        wheel = (
            "Wheel-Version: 1.0\nGenerator: fake-index\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        members = {
            f"{dist_info}/METADATA": data,
            f"{dist_info}/WHEEL": wheel.encode(),
        }
        record = "".join(f"{member},,\n" for member in members) + f"{dist_info}/RECORD,,\n"
        members[f"{dist_info}/RECORD"] = record.encode()
        return _zip_bytes(members)
    # As build backends write them: the project's own files before PKG-INFO (hatchling
    # writes it last), so a reader must look for ``<stem>/PKG-INFO``, not take a member.
    members = {
        f"{dist.stem}/pyproject.toml": b'[build-system]\nrequires = ["setuptools"]\n',
        f"{dist.stem}/PKG-INFO": data,
    }
    if dist.filename.endswith(".zip"):
        return _zip_bytes(members)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
        top = tarfile.TarInfo(dist.stem)  # the directory entry comes first, as in real sdists
        top.type, top.mode, top.mtime = tarfile.DIRTYPE, 0o755, _FIXED_MTIME
        archive.addfile(top)
        for member, content in members.items():
            info = tarfile.TarInfo(member)
            info.size = len(content)
            info.mtime = _FIXED_MTIME
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(content))
    return gzip.compress(raw.getvalue(), mtime=0)


def _zip_bytes(members: Mapping[str, bytes]) -> bytes:
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, content in members.items():
            archive.writestr(zipfile.ZipInfo(member, date_time=(2024, 1, 1, 0, 0, 0)), content)
    return raw.getvalue()


def _project_from_recording(data: Mapping[str, Any]) -> Project:
    """Turn one recorded fixture file (see record_index.py) into a Project."""
    simple = data["simple"]
    files = []
    for entry in simple["files"]:
        marker = entry.get("core-metadata", entry.get("data-dist-info-metadata"))
        core: bool | None = None if marker is None else bool(marker)
        files.append(
            DistFile(
                filename=entry["filename"],
                version=entry.get("version") or _version_from_filename(entry["filename"]),
                url=entry["url"],
                requires_python=entry.get("requires-python"),
                yanked=entry.get("yanked", False),
                upload_time=entry.get("upload-time") or "2024-01-01T12:00:00.000000Z",
                core_metadata=core,
            )
        )
    project_doc = data.get("project") or {}
    metadata = {version: item["text"] for version, item in data.get("metadata", {}).items()}
    return Project(
        name=simple.get("name") or data["name"],
        files=files,
        versions=list(simple.get("versions") or sorted({f.version for f in files})),
        metadata=metadata,
        info=dict(project_doc.get("info") or {"name": data["name"]}),
        ownership=dict(project_doc.get("ownership") or {"roles": [], "organization": None}),
        last_serial=int(project_doc.get("last_serial") or simple["meta"].get("_last-serial", 1)),
        vulnerabilities=list(project_doc.get("vulnerabilities") or []),
    )


def _version_from_filename(filename: str) -> str:
    """Version part of a wheel or sdist name (fixtures normally store it explicitly)."""
    from packaging.utils import parse_sdist_filename, parse_wheel_filename

    if filename.endswith(".whl"):
        return str(parse_wheel_filename(filename)[1])
    return str(parse_sdist_filename(filename)[1])


class _QuietServer(ThreadingHTTPServer):
    """A client that gave up (timeout tests) is normal here, not a traceback on stderr."""

    daemon_threads = True
    request_queue_size = 128  # the default 5 drops bursts of parallel connects (1 s retry)

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


def _make_handler(fake: FakeIndex) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        """Thin HTTP shell: every decision is in FakeIndex.handle."""

        protocol_version = "HTTP/1.1"  # keep-alive, as a real index; needs Content-Length
        server_version = "fake-index/1"
        timeout = 30
        disable_nagle_algorithm = True  # headers and body go out apart: avoid 40 ms stalls

        def _answer(self, method: str) -> None:
            if method in ("POST", "PUT", "DELETE", "PATCH"):
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
            response = fake.handle(method, self.path, dict(self.headers.items()))
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for header, value in response.headers.items():
                self.send_header(header, value)
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(response.body)

        def do_GET(self) -> None:
            self._answer("GET")

        def do_HEAD(self) -> None:
            self._answer("HEAD")

        def do_POST(self) -> None:
            self._answer("POST")

        def do_PUT(self) -> None:
            self._answer("PUT")

        def do_DELETE(self) -> None:
            self._answer("DELETE")

        def log_message(self, format: str, *args: Any) -> None:
            """Silence per-request logging: the request log is the record."""

    return Handler


def _ranged(response: _Response, header: str | None, enabled: bool) -> _Response:
    """Apply a single ``bytes=`` range (including suffix ranges) the way file hosts do."""
    if response.status != 200:
        return response
    extra = {**response.headers, "Accept-Ranges": "bytes"} if enabled else response.headers
    if not enabled or not header or not header.startswith("bytes="):
        return _Response(200, response.body, response.content_type, extra)
    size = len(response.body)
    first, _, last = header[len("bytes=") :].partition("-")
    if first == "":
        start, end = max(0, size - int(last)), size - 1
    else:
        start, end = int(first), min(size - 1, int(last) if last else size - 1)
    if start >= size or start > end:
        return _Response(416, b"", response.content_type, {"Content-Range": f"bytes */{size}"})
    return _Response(
        206,
        response.body[start : end + 1],
        response.content_type,
        {**extra, "Content-Range": f"bytes {start}-{end}/{size}"},
    )
