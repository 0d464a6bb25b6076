"""Package index client: versions and files, core metadata, and project JSON.

Sources of truth, cheapest first: the simple API (PEP 691 JSON, or PEP 503 HTML for
vendor indexes) for which files exist; PEP 658/714 ``.metadata`` files for a version's
Requires-Dist; the project JSON API for project-level data. Sdist-only releases (common
for native AI runtimes) have no ``.metadata``: for the latest release the project JSON's
``requires_dist`` is used, else PKG-INFO is streamed out of the sdist (Metadata 2.2+ with
static Requires-Dist is trusted as is). When nothing works the edges are marked unknown.

The client is thread-safe and de-duplicates in-flight requests, so the resolver can
prefetch many projects at once over the one pooled session.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import msgspec
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from auditor.cache import Cache
from auditor.errors import AuditorError, DataSourceError, OfflineMissError, ResolutionError
from auditor.index import fetch_process
from auditor.index.failures import describe, describe_status, is_timeout, network_errors
from auditor.index.fetch_process import (
    FetchProcess,
    PackedPage,
    PageAnswer,
    pack_page,
    read_page,
    wheel_metadata_text,
)
from auditor.index.history import (
    SUMMARY_FORMAT,
    ReleaseSummary,
    history_entry,
    releases_from_project_json,
    summarise,
    summarise_history,
    upload_history,
)
from auditor.index.http_defaults import DEFAULT_TIMEOUT
from auditor.index.pacing import RoundTrips, fetching_ahead
from auditor.index.simple_api import DistFile, WheelFilter

if TYPE_CHECKING:
    import requests
    from packaging.tags import Tag

T = TypeVar("T")

PROJECT_TTL = 6 * 3600.0
#: Values derived from a project's cached document, tied to its row (``derived``).
DERIVED_NAMESPACE = "project-derived"
LISTED_404 = "HTTP 404, although the index's simple API lists the project"
UNSUPPORTED_AFTER = 3  # listed projects answering 404, none answering 200: no JSON API
BREAKER = 5  # project JSON failures in a row (5xx, timeouts) before we stop asking
PROJECT_JSON_WORKERS = 16  # as many as the resolver's fetch threads: one HTTP pool serves both
MAX_SDIST_BYTES = 64 * 1024 * 1024
MAX_WHEEL_BYTES = 32 * 1024 * 1024  # direct wheel URLs are downloaded up to this size


def shown(url: str) -> str:
    """``url`` as messages may show it: without the user and password.

    CI jobs put tokens in index URLs (``--extra-index-url https://${USER}:${TOKEN}@…``
    in a requirements file); a warning that an index is unreachable must not print them.
    """
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1]))


class PackageNotFoundError(ResolutionError):
    """No configured index knows the project."""


@dataclass(frozen=True, kw_only=True)
class CoreMetadata:
    """What resolution needs from one release. ``requires_dist`` None means unknown."""

    name: str
    version: str
    requires_dist: tuple[str, ...] | None
    requires_python: str | None
    source: str
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "requires_dist": None if self.requires_dist is None else list(self.requires_dist),
            "requires_python": self.requires_python,
            "source": self.source,
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CoreMetadata:
        rd = data.get("requires_dist")
        return cls(
            name=data["name"],
            version=data["version"],
            requires_dist=None if rd is None else tuple(rd),
            requires_python=data.get("requires_python"),
            source=data.get("source", "cache"),
            reason=data.get("reason"),
        )


def project_json_url(index_url: str, name: str) -> str | None:
    """The project JSON endpoint next to a ``.../simple`` index, or None if not derivable."""
    base = index_url.rstrip("/")
    if not base.endswith("/simple"):
        return None
    return f"{base[: -len('/simple')]}/pypi/{name}/json"


class IndexClient:
    """Reads one primary index and any extra indexes, merging files like pip does."""

    def __init__(
        self,
        index_urls: Sequence[str],
        *,
        session: requests.Session | Callable[[], requests.Session],
        cache: Cache,
        offline: bool = False,
        trusted_hosts: Sequence[str] = (),
        project_ttl: float = PROJECT_TTL,
        keep_file: Callable[[str], bool] | None = None,
        child_pages: bool = False,
        fetch_processes: int | None = None,
    ) -> None:
        if not index_urls:
            raise ValueError("at least one index URL is required")
        self.index_urls = [u.rstrip("/") for u in index_urls]
        self._session = session
        self.cache = cache
        self.offline = offline
        self.trusted_hosts = frozenset(trusted_hosts)
        self.project_ttl = project_ttl
        # Applied after the cache (which stays target-agnostic): see wheel_prefilter.
        self.keep_file = keep_file
        self.warnings: list[str] = []
        self.requests_made = 0
        #: times to first byte of this client's answers: how far the index is
        self.round_trips = RoundTrips()
        # Project -> why its project JSON could not be read this run: a fault (5xx,
        # timeout, garbage, a 404 the simple API contradicts), never cached, never a fact.
        self.project_json_failures: dict[str, str] = {}
        self.project_json_read = 0  # documents this run did get (from cache or the index)
        self._json_failing: list[str] = []  # this run's failures in a row (the breaker)
        self._dead: set[str] = set()
        self._lock = threading.Lock()
        self._inflight: dict[tuple[str, str], Future[Any]] = {}
        self._parse_lock = threading.Lock()
        # Pages read by a child process (see fetch_process): only for a session made the
        # default way, which the child can make too; started after a few page misses.
        self._use_child = child_pages and fetch_processes != 0
        self._fetch_processes = fetch_processes  # None: as suits the machine
        self._page_misses = 0
        self._child: FetchProcess | None = None
        self._orders: dict[int, tuple[Sequence[Tag], dict[Tag, int]]] = {}
        # "index|name" -> the release history of a page fetched this run (see upload_times)
        self._histories: dict[str, dict[str, tuple[str, bool]] | None] = {}
        self._summaries: dict[str, ReleaseSummary | None] = {}  # the same, summarised
        # Project -> (stored_at, expires_at) of the cached document row ``project_json``
        # gave this run: what a value derived from it is tied to (``put_derived``).
        self._doc_rows: dict[str, tuple[float, float | None]] = {}

    @property
    def session(self) -> requests.Session:
        """The HTTP session, created on first use: a warm run never loads the HTTP stack."""
        if callable(self._session) and not hasattr(self._session, "get"):
            with self._lock:
                if callable(self._session) and not hasattr(self._session, "get"):
                    self._session = self._session()
        return self._session  # type: ignore[return-value]

    # -- public API ---------------------------------------------------------------------

    @property
    def unreachable(self) -> tuple[str, ...]:
        """Extra indexes that could not be read this run: a release missing from the
        others may well be on one of them, so "not found" is then not a definite answer."""
        with self._lock:
            return tuple(u for u in self.index_urls if u in self._dead)

    def releases(self, name: str) -> dict[str, list[list[Any]]]:
        """File rows of a project across the indexes, grouped by version text.

        Raises PackageNotFoundError when no index knows the project.
        """
        key = canonicalize_name(name)
        return self._once(("files", key), lambda: self._releases(key))

    def files(self, name: str, version: str | None = None) -> tuple[DistFile, ...]:
        """Files of a project (of one version when given), as objects."""
        grouped = self.releases(name)
        rows = (
            grouped.get(version, [])
            if version is not None
            else [r for group in grouped.values() for r in group]
        )
        return tuple(DistFile.from_row(r) for r in rows)

    def metadata(self, name: str, version: str, tags: Sequence[Tag]) -> CoreMetadata:
        """Core metadata of one release, from the cheapest source that has it."""
        key = canonicalize_name(name)
        return self._once(
            ("metadata", f"{key}=={version}"), lambda: self._metadata(key, version, tags)
        )

    def project_json(self, name: str) -> dict[str, Any] | None:
        """The project JSON document from the primary index, None if not offered.

        None with ``project_json_failure(name)`` set means the index failed to give it
        (not that it has none): callers must say so rather than read "nothing declared".
        """
        key = canonicalize_name(name)
        return self._once(("json", key), lambda: self._project_json(key))

    @contextlib.contextmanager
    def fetching_project_json(self, names: Iterable[str]) -> Iterator[None]:
        """Fetch these projects' documents on worker threads while the caller reads them.

        Why: the collectors read one document per package in order, and a cold audit of
        the 239-package benchmark spent 24 of its 27 seconds waiting for those round
        trips one after another. Inside the block ``project_json`` answers from the
        fetch already under way (or done); a failure is recorded and raised exactly as
        if the caller had asked first. Leaving the block cancels what has not started.
        """
        todo: list[str] = []
        if not self.offline:  # offline reads the cache alone: nothing to wait for
            wanted = list(dict.fromkeys(canonicalize_name(n) for n in names))
            cached = self.cache.holding("project-json", wanted)
            todo = [name for name in wanted if name not in cached]
        if len(todo) < 2:
            yield
            return
        pool = ThreadPoolExecutor(
            max_workers=min(PROJECT_JSON_WORKERS, len(todo)), thread_name_prefix="project-json"
        )
        try:
            for name in todo:
                pool.submit(self._fetch_quietly, name)
            yield
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _fetch_quietly(self, name: str) -> None:
        # The outcome, failure included, is kept by _once and given to whoever reads it.
        with contextlib.suppress(Exception):
            self.project_json(name)

    def derived(self, names: Iterable[str], context: str) -> dict[str, msgspec.Raw]:
        """Project -> what a caller derived from its cached project JSON and stored with
        ``put_derived`` under ``context``, for the projects whose derived row still belongs
        to the very document row the cache holds (same ``stored_at``): one query for the
        documents' stamps and one for the derived rows, no document decoded.

        Why: a warm audit decoded every project's document (3 MB for 239 projects, most
        of it long descriptions) to recompute values that only change with the document.
        A refetched document is a new row with a new stamp, so a derived row can never
        outlive or mismatch its document; ``context`` names everything else the values
        depend on (the caller's code version and inputs). ``--refresh`` reads no row and
        ``--offline`` takes expired ones, as ``project_json`` does. A hit counts as a
        document read, as ``project_json`` would have counted it.
        """
        wanted = list(dict.fromkeys(canonicalize_name(n) for n in names))
        if not wanted or project_json_url(self.index_urls[0], wanted[0]) is None:
            return {}
        stamps = self.cache.stored_times("project-json", wanted, allow_expired=self.offline)
        rows = self.cache.get_many(
            DERIVED_NAMESPACE,
            [n for n in wanted if n in stamps],
            allow_expired=self.offline,
            schema=_DerivedRow,
        )
        out: dict[str, msgspec.Raw] = {}
        for name, row in rows.items():
            if row.context == context and row.doc == stamps[name]:
                out[name] = row.facts
                with self._lock:
                    counted = ("json", name) in self._inflight
                if not counted:
                    self._note_read()
        return out

    def put_derived(self, name: str, context: str, facts: Any) -> None:
        """Store ``facts``, derived from the document ``project_json(name)`` gave this run,
        tied to that document's row: it expires with it and is ignored once the row is
        rewritten. Nothing is stored for a document not read from (or written to) the
        cache this run, nor for one already expired (read ``--offline``)."""
        key = canonicalize_name(name)
        with self._lock:
            row = self._doc_rows.get(key)
        if row is None:
            return
        stored_at, expires_at = row
        ttl = None if expires_at is None else expires_at - time.time()
        if ttl is not None and ttl <= 0:
            return
        self.cache.put(
            DERIVED_NAMESPACE,
            key,
            {"context": context, "doc": stored_at, "facts": facts},
            ttl=ttl,
            until=expires_at,  # exactly the document's: never a moment longer
        )

    def project_json_failure(self, name: str) -> str | None:
        """Why this run could not read the project's JSON document, when that was a fault."""
        why = self.project_json_failures.get(canonicalize_name(name))
        if why is not None and why.startswith(LISTED_404) and self.project_json_unsupported():
            return None
        return why

    @property
    def had_faults(self) -> bool:
        """Something failed this run (a project JSON, an extra index): answers built on
        this run's data must not be cached as if they were whole."""
        with self._lock:
            return bool(self.project_json_failures or self._dead)

    def project_json_unsupported(self) -> bool:
        """The index seems to offer no project JSON API at all (a plain mirror): several
        projects it lists answered 404 and none answered. A fact about the index, not a
        fault of this run; one 404 among documents that did come is a fault."""
        with self._lock:
            failures = list(self.project_json_failures.values())
            read = self.project_json_read
        return (
            read == 0
            and len(failures) >= UNSUPPORTED_AFTER
            and all(f.startswith(LISTED_404) for f in failures)
        )

    def upload_times(self, name: str) -> dict[str, tuple[str, bool]] | None:
        """Version -> (its earliest PEP 700 ``upload-time``, every file yanked), from the
        primary index's simple page over every file (no platform filter).

        None when the page gives no upload times (PEP 503 HTML, an api-version 1.0
        index, rows cached before upload times were kept) or cannot be read: the caller
        then falls back to the project JSON. The page is the one resolution already
        fetched and cached, so this costs no request after ``graph`` or ``audit``.
        """
        key = canonicalize_name(name)
        return self._once(("upload-times", key), lambda: self._upload_times(key))

    def release_summary(self, name: str) -> ReleaseSummary | None:
        """``upload_times(name)`` summarised (``history.ReleaseSummary``), None when that is
        None or holds no readable time.

        Why: a warm run reads the summary the cache keeps beside the history instead of
        parsing every release's time again; a row without one (written by an earlier
        version) or with one of another format is summarised from its history.
        """
        return self.release_summaries([name]).get(canonicalize_name(name))

    def release_summaries(self, names: Iterable[str]) -> dict[str, ReleaseSummary | None]:
        """``release_summary`` of each project (by canonical name). The cached summaries
        are read in one query per 500 rows, each row's history skipped, not decoded."""
        wanted = list(dict.fromkeys(canonicalize_name(n) for n in names))
        index = self.index_urls[0]
        out: dict[str, ReleaseSummary | None] = {}
        with self._lock:
            for name in wanted:
                key = f"{index}|{name}"
                if key in self._summaries:
                    out[name] = self._summaries[key]
        todo = [n for n in wanted if n not in out]
        rows = self.cache.get_many(
            "upload-times",
            [f"{index}|{n}" for n in todo],
            allow_expired=self.offline,
            schema=_SummaryView,
        )
        for name in todo:
            key = f"{index}|{name}"
            row = rows.get(key)
            found = _summary_from_view(row) if row is not None else _STALE
            if isinstance(found, _Stale):  # no row, or one without a usable summary
                summary = summarise_history(self.upload_times(name))
                if row is not None:
                    self._add_summary(key, summary)
            else:
                summary = found
            with self._lock:
                out[name] = self._summaries.setdefault(key, summary)
        return out

    def _add_summary(self, cache_key: str, summary: ReleaseSummary | None) -> None:
        """Rewrite a cached history row that lacks its summary (an earlier version wrote
        it) with one, for the rest of the row's life: the next warm run reads it."""
        with self._lock:
            if cache_key in self._histories:
                return  # the page was fetched this run and its row written whole
        cached = self.cache.get(
            "upload-times", cache_key, allow_expired=self.offline, schema=_HistoryEntry
        )
        left = self.cache.life_left("upload-times", cache_key)
        if cached is None or cached.versions is None or left is None or left <= 0:
            return
        ttl = None if left == math.inf else left
        self.cache.put("upload-times", cache_key, history_entry(cached.versions, summary), ttl=ttl)

    def _upload_times(self, name: str) -> dict[str, tuple[str, bool]] | None:
        index = self.index_urls[0]
        cache_key = f"{index}|{name}"
        with self._lock:
            if cache_key in self._histories:
                return self._histories[cache_key]
        # The history is cached on its own, beside the page it was read from, so a warm
        # audit does not decode every project's whole file list again to read it.
        cached = self.cache.get(
            "upload-times", cache_key, allow_expired=self.offline, schema=_HistoryEntry
        )
        if cached is not None:
            return _history_from_entry(cached)
        try:
            listing = self._index_files(index, name)
        except (DataSourceError, OfflineMissError):
            return None
        with self._lock:
            if cache_key in self._histories:  # the page was fetched just now
                return self._histories[cache_key]
        if listing is None:
            return None
        if _only_kept(listing):
            # Kept rows cannot tell the history (it was stored beside them, and that row
            # is gone): the page itself can, unless the run is offline.
            if self.offline:
                return None
            rows = self._page_rows(f"{index}/{name}/")
        else:
            rows = _rows_of(listing)
        return upload_history(rows) if rows else None

    def _tag_order(self, tags: Sequence[Tag]) -> Mapping[Tag, int]:
        """Tag -> preference rank, built once per tag list (hundreds of tags)."""
        cached = self._orders.get(id(tags))
        if cached is None or cached[0] is not tags:
            cached = (tags, {tag: i for i, tag in enumerate(tags)})
            self._orders[id(tags)] = cached
        return cached[1]

    # -- de-duplication ---------------------------------------------------------------

    def _once(self, key: tuple[str, str], fn: Callable[[], T]) -> T:
        with self._lock:
            fut = self._inflight.get(key)
            owner = fut is None
            if fut is None:
                fut = Future()
                self._inflight[key] = fut
        if owner:
            try:
                fut.set_result(fn())
            except BaseException as exc:
                fut.set_exception(exc)
        result: T = fut.result()
        return result

    # -- simple API -------------------------------------------------------------------

    def _releases(self, name: str) -> dict[str, list[list[Any]]]:
        found = False
        out: dict[str, list[list[Any]]] = {}
        for index in self.index_urls:
            listing = self._index_files(index, name)
            if listing is None:
                continue
            found = True
            keep = self.keep_file
            if isinstance(listing, _PackedListing) and keep is listing.kept_by:
                # Grouped and filtered when the page was packed, in page order.
                for version, kept in listing.packed.kept.items():
                    out.setdefault(version, []).extend(kept)
                continue
            rows = _rows_of(listing)
            if isinstance(listing, _PackedListing) and listing.packed.stored_kept:
                # Kept by a filter other than this client's now: only the page has the rest.
                rows = self._page_rows(f"{index}/{name}/")
            for row in rows:
                if keep is None or keep(row[0]):
                    out.setdefault(row[2], []).append(row)
        if not found:
            where = ", ".join(shown(u) for u in self.index_urls)
            raise PackageNotFoundError(
                f"package {name!r} was not found on the package index ({where})",
                hint="Check the spelling of the name, or pass --index-url/--extra-index-url "
                "for the index that hosts it.",
            )
        return out

    def _index_files(self, index: str, name: str) -> list[list[Any]] | _PackedListing | None:
        """Rows of files on one index, None when the index lacks the project.

        A page fetched now comes back packed (``_PackedListing``): its rows are stored as
        they were encoded, and decoded again only if asked (``_rows_of``).
        """
        cache_key = f"{index}|{name}"
        keep = self.keep_file
        # A target's rows first (see ``pack_page``), then a page's whole list (written
        # without a filter, or by an earlier version), which holds them too.
        keys = [f"{cache_key}|{keep.key()}", cache_key] if isinstance(keep, WheelFilter) else []
        for key in keys or [cache_key]:
            cached = self.cache.get(
                "simple", key, allow_expired=self.offline, valid=_valid_simple_entry
            )
            if cached is not None:
                if cached.get("missing"):
                    return None
                if "count" in cached:
                    return _KeptRows(cached["files"], cached["count"])
                return list(cached["files"])
        if self.offline:
            raise OfflineMissError(
                f"--offline: the cache has no file list for {name!r} from {shown(index)}",
                hint="Run the audit once with network access to fill the cache.",
            )
        if index in self._dead:
            return None
        if not index.startswith(("http://", "https://")):
            # The primary index is an error like an unreachable one (raised here), not an
            # "extra index" skipped with a warning while every package comes out unknown.
            if index == self.index_urls[0]:
                self._unreachable(index, "only http(s) indexes are read")
            self._mark_dead(index, "only http(s) indexes are read")
            return None
        url = f"{index}/{name}/"
        answer = self._read_page(url)
        if answer.kind == fetch_process.ERROR:
            self._unreachable(index, answer.message)
            return None
        if answer.status == 404:
            self.cache.put("simple", cache_key, {"missing": True}, ttl=self.project_ttl)
            return None
        if answer.kind == fetch_process.STATUS:
            self._unreachable(index, f"HTTP {answer.status}")
            return None
        if answer.kind == fetch_process.INVALID:
            self._unreachable(
                index, f"its answer for {name!r} is not a valid project page ({answer.message})"
            )
            return None
        packed = answer.packed
        assert packed is not None  # a page read, here or by a child, comes back packed
        stored_as = cache_key
        if packed.stored_kept and isinstance(answer.kept_by, WheelFilter):
            stored_as = f"{cache_key}|{answer.kept_by.key()}"
        self.cache.put_encoded("simple", stored_as, packed.stored, ttl=self.project_ttl)
        if packed.history_stored is not None:
            with self._lock:
                self._histories[cache_key] = packed.history
                self._summaries[cache_key] = packed.summary
            # Written after the page and with the same time to live: it never outlives it.
            self.cache.put_encoded(
                "upload-times", cache_key, packed.history_stored, ttl=self.project_ttl
            )
        return _PackedListing(packed, answer.kept_by)

    def _unreachable(self, index: str, why: object) -> None:
        if index == self.index_urls[0]:
            raise DataSourceError(
                f"cannot read the package index {shown(index)}: {why}",
                hint="Check the network or proxy settings, or point --index-url at a "
                "reachable index; --offline audits from the cache alone.",
            )
        self._mark_dead(index, f"cannot be reached ({why})")

    def _mark_dead(self, index: str, why: str) -> None:
        with self._lock:
            if index in self._dead:
                return
            self._dead.add(index)
        self.warnings.append(f"extra index {shown(index)} {why}; continuing with the other indexes")

    # -- metadata ---------------------------------------------------------------------

    def _metadata(self, name: str, version: str, tags: Sequence[Tag]) -> CoreMetadata:
        # A definite answer never expires; an expired "unknown" is asked again (offline
        # takes whatever there is).
        cached = self.cache.get(
            "metadata", f"{name}=={version}", allow_expired=self.offline, valid=_valid_metadata
        )
        if cached is not None:
            return CoreMetadata.from_json(cached)
        if self.offline:
            raise OfflineMissError(
                f"--offline: the cache has no metadata for {name} {version}",
                hint="Run the audit once with network access to fill the cache.",
            )
        result = self._fetch_metadata(name, version, tags)
        if result.requires_dist is None and self.project_json_failure(name):
            return result  # unknown because the index failed: not remembered at all
        # Only a definite answer is immutable; "unknown" is retried on a later run.
        self.cache.put(
            "metadata",
            f"{name}=={version}",
            result.to_json(),
            ttl=None if result.requires_dist is not None else self.project_ttl,
        )
        return result

    def _fetch_metadata(self, name: str, version: str, tags: Sequence[Tag]) -> CoreMetadata:
        files = list(self.files(name, version))
        order = self._tag_order(tags)
        wheels = sorted(
            (f for f in files if f.is_wheel), key=lambda f: _wheel_rank(f.filename, order)
        )
        best = wheels[0] if wheels else None
        if best is not None:
            if best.has_metadata:
                text = self._get_text(best.url + ".metadata")
                if text is not None and text.lstrip().startswith("Metadata-Version"):
                    return metadata_from_email(name, version, text, "wheel metadata (PEP 658)")
            # Not announced (some mirrors strip the key): the wheel's own METADATA, by
            # range requests, costs one or two small requests and is always right.
            meta = self._wheel_metadata(name, version, best)
            if meta is not None:
                return meta
        sdists = [f for f in files if not f.is_wheel]
        latest: CoreMetadata | None = None
        if any(f.size is not None and f.size > MAX_SDIST_BYTES for f in sdists):
            # A PKG-INFO beyond the read cap is never reached (build backends such as
            # scikit-build-core write it last), and reaching the cap is a download of
            # tens of megabytes (llama-cpp-python: 76 MB, 2.7 s): for the latest release
            # the project JSON, one small request the collectors need anyway, comes first.
            latest = self._latest_json_metadata(name, version)
            if latest is not None and latest.requires_dist is not None:
                return latest
        for sdist in sdists:
            meta = self._sdist_metadata(name, version, sdist)
            if meta is not None:
                return meta
        latest = latest or self._latest_json_metadata(name, version)
        if latest is not None:
            return latest
        return CoreMetadata(
            name=name,
            version=version,
            requires_dist=None,
            requires_python=None,
            source="none",
            reason="no metadata file, no readable PKG-INFO and no project JSON for this "
            "release; its dependencies are unknown",
        )

    def _latest_json_metadata(self, name: str, version: str) -> CoreMetadata | None:
        doc = self.project_json(name)
        info = (doc or {}).get("info") or {}
        try:
            if not info.get("version") or Version(str(info["version"])) != Version(version):
                return None
        except InvalidVersion:
            return None
        rd = info.get("requires_dist")
        if not isinstance(rd, list) or not all(isinstance(r, str) for r in rd):
            # null is what the index says when the metadata did not give Requires-Dist
            # (a zip-only sdist, Requires-Dist marked dynamic): unknown, not "none".
            return CoreMetadata(
                name=name,
                version=version,
                requires_dist=None,
                requires_python=info.get("requires_python") or None,
                source="project JSON (latest release)",
                reason="the index's project JSON does not list this release's dependencies "
                "(requires_dist is null: metadata not given or declared dynamic); its "
                "dependencies are unknown",
            )
        return CoreMetadata(
            name=name,
            version=version,
            requires_dist=tuple(rd),
            requires_python=info.get("requires_python") or None,
            source="project JSON (latest release)",
        )

    def _sdist_metadata(self, name: str, version: str, sdist: DistFile) -> CoreMetadata | None:
        """PKG-INFO from an sdist, trusted when Metadata 2.2+ declares it static."""
        if not sdist.filename.endswith(".tar.gz"):
            return None
        import tarfile  # loaded for the rare sdist-only release, not on every run

        try:
            resp = self._get(sdist.url, stream=True)
            if resp.status_code != 200:
                return None
            reader = _CappedReader(resp.raw, MAX_SDIST_BYTES)
            with tarfile.open(fileobj=reader, mode="r|gz") as archive:
                for member in archive:
                    parts = member.name.split("/")
                    if len(parts) == 2 and parts[1] == "PKG-INFO" and member.isfile():
                        handle = archive.extractfile(member)
                        if handle is None:
                            return None
                        text = handle.read().decode("utf-8", "replace")
                        resp.close()
                        return _from_sdist(name, version, text)
        except network_errors(tarfile.TarError, OSError, EOFError):
            return None
        return None

    def _wheel_metadata(self, name: str, version: str, wheel: DistFile) -> CoreMetadata | None:
        """METADATA read from the wheel by range requests, without downloading it."""
        host = urlsplit(wheel.url).hostname or ""
        verify = host not in self.trusted_hosts
        with self._lock:
            self.requests_made += 1
        child = self._child_if_ready()
        asked = time.perf_counter()
        answer = (
            child.wheel_metadata(wheel.url, verify=verify, urgent=not fetching_ahead())
            if child is not None
            else None
        )
        if answer is not None:
            self.round_trips.add(time.perf_counter() - asked)  # as for pages (_read_page)
            text = answer.message if answer.kind == fetch_process.TEXT else None
        else:
            text = wheel_metadata_text(self.session, wheel.url, verify=verify)
        if text is None:
            return None
        return metadata_from_email(name, version, text, "wheel METADATA (range requests)")

    # -- project JSON -----------------------------------------------------------------

    def _project_json(self, name: str) -> dict[str, Any] | None:
        """The trimmed document; None when absent (a trusted 404) or failed (recorded).

        Only answers we trust are cached: a document of the right shape, or a 404 for a
        project the simple API does not know either. A 5xx, a timeout, a body that is not
        a project document, or a 404 the simple API contradicts is a fault of this run:
        recorded in ``project_json_failures`` and asked again next time.
        """
        url = project_json_url(self.index_urls[0], name)
        if url is None:
            return None
        stamped = self.cache.get_stamped(
            "project-json", name, allow_expired=self.offline, valid=_valid_project_entry
        )
        if stamped is not None:
            cached, stored_at, expires_at = stamped
            if cached.get("missing"):
                return None
            with self._lock:
                self._doc_rows[name] = (stored_at, expires_at)
            self._note_read()
            return dict(cached["doc"])
        if self.offline:
            return self._json_fault(name, "--offline, and the cache has no copy of it")
        with self._lock:
            tripped = len(self._json_failing) >= BREAKER
            last = self._json_failing[-1] if self._json_failing else ""
        if tripped:
            # A storm of 5xx or timeouts costs minutes per package with retries: after
            # BREAKER in a row, the rest are not asked (and still count as faults).
            return self._json_fault(
                name,
                f"not asked: the project JSON failed {BREAKER} times in a row this run "
                f"(last: {last})",
                storm=False,
            )
        try:
            resp = self._get(url)
        except network_errors() as exc:
            if not is_timeout(exc):
                # Refused or unresolvable: the index is unreachable, exactly as when its
                # simple API is (exit 3), not a per-package gap to warn about.
                self._unreachable(self.index_urls[0], describe(exc))
            return self._json_fault(name, describe(exc, timeout=DEFAULT_TIMEOUT[1]), storm=True)
        status = resp.status_code
        if status == 404:
            if self._listed(name):
                return self._json_fault(name, LISTED_404)
            self.cache.put("project-json", name, {"missing": True}, ttl=self.project_ttl)
            return None
        if status != 200:
            return self._json_fault(
                name,
                describe_status(status, retry_after="Retry-After" in resp.headers),
                storm=status >= 500 or status == 429,
            )
        try:
            doc = resp.json()
        except ValueError:
            return self._json_fault(name, "the answer is not valid JSON")
        problem = _project_doc_problem(doc)
        if problem is not None:
            return self._json_fault(name, f"the answer is not a project document ({problem})")
        slim = _trim_project_json(doc)
        put_at = self.cache.put("project-json", name, {"doc": slim}, ttl=self.project_ttl)
        if put_at is not None:
            with self._lock:
                self._doc_rows[name] = (put_at, put_at + self.project_ttl)
        self._note_read()
        with self._lock:
            self._json_failing.clear()
        return slim

    def _json_fault(self, name: str, why: str, *, storm: bool = False) -> dict[str, Any] | None:
        """Record why the project JSON failed; the document is None (callers return it).

        ``storm`` marks the failures that count towards the breaker (server errors and
        timeouts, which cost retries); a bad body or a doubtful 404 is one project's."""
        with self._lock:
            self.project_json_failures[name] = why
            if storm:
                self._json_failing.append(why)
        return None

    def _note_read(self) -> None:
        with self._lock:
            self.project_json_read += 1

    def _listed(self, name: str) -> bool:
        """Does the primary index's simple API list files of the project? Unsure counts
        as yes, so a doubtful 404 is never remembered as a fact. (A project whose every
        file was removed has no project JSON either: its 404 is trusted.)"""
        try:
            listing = self._index_files(self.index_urls[0], name)
            if isinstance(listing, _PackedListing):
                return bool(listing.packed.count)
            return bool(listing.listed if isinstance(listing, _KeptRows) else listing)
        except AuditorError:
            return True

    def start_fetch_process(self) -> None:
        """A resolution is about to run: start the fetch process now if it can be forked
        (it then answers within milliseconds); otherwise it starts after a few misses."""
        if self._use_child and not self.offline and fetch_process.can_fork():
            from auditor.index.http import warm_tls

            # The TLS context of the index, made once here, is the forked children's too.
            for index in self.index_urls:
                host = urlsplit(index).hostname or ""
                warm_tls(self.session, index, verify=host not in self.trusted_hosts)
            with self._lock:
                self._page_misses = max(self._page_misses, fetch_process.START_AFTER)
            self._page_child()

    def close(self) -> None:
        """Stop the page process, if one was started (the client stays usable)."""
        with self._lock:
            child, self._child = self._child, None
            self._use_child = False
        if child is not None:
            child.close()

    # -- HTTP -------------------------------------------------------------------------

    def _read_page(self, url: str) -> PageAnswer:
        """One simple-API page, read by the fetch process when it runs, else here; a
        page comes back packed (``pack_page``) either way, so the two are one path.

        With its release history, whichever index it is from: a page's cached rows may
        be only those a target keeps, and that index may be the primary one next run."""
        child = self._page_child()
        if child is not None:
            host = urlsplit(url).hostname or ""
            asked = time.perf_counter()
            answer = child.page(
                url,
                verify=host not in self.trusted_hosts,
                history=True,
                urgent=not fetching_ahead(),
            )
            if answer is not None:
                with self._lock:
                    self.requests_made += 1
                if answer.elapsed is not None:
                    # The wait as this process sees it (the child's reading and parsing
                    # included): what the fetch threads here must cover, and each costs
                    # this process little CPU, so more run at once.
                    self.round_trips.add(time.perf_counter() - asked)
                return answer
        answer = read_page(self._get, url, self._parse_lock, read_timeout=DEFAULT_TIMEOUT[1])
        if answer.rows is None:
            return answer
        keep = self.keep_file
        packed = pack_page(answer.rows, keep, with_history=True)
        return dataclasses.replace(answer, rows=None, packed=packed, kept_by=keep)

    def _page_rows(self, url: str) -> list[list[Any]]:
        """A page's whole file list, read again here and not cached: for a client whose
        filter changed after its page was packed for the old one (never in a run)."""
        answer = read_page(self._get, url, self._parse_lock, read_timeout=DEFAULT_TIMEOUT[1])
        return answer.rows or []

    def _page_child(self) -> FetchProcess | None:
        """The fetch process if it is ready; started once enough pages were missed."""
        with self._lock:
            child = self._child
            if child is None:
                if not self._use_child:  # not wanted, or closed: never started again
                    return None
                self._page_misses += 1
                if self._page_misses < fetch_process.START_AFTER:
                    return None
                keep = self.keep_file if isinstance(self.keep_file, WheelFilter) else None
                child = self._child = FetchProcess(keep, children=self._fetch_processes)
                if not child.start():
                    self._use_child = False
                    return None
        return child if child.ready else None

    def _child_if_ready(self) -> FetchProcess | None:
        child = self._child
        return child if child is not None and child.ready else None

    def _get(self, url: str, **kw: Any) -> requests.Response:
        host = urlsplit(url).hostname or ""
        with self._lock:
            self.requests_made += 1
        resp = self.session.get(
            url, timeout=DEFAULT_TIMEOUT, verify=host not in self.trusted_hosts, **kw
        )
        elapsed = getattr(resp, "elapsed", None)
        if elapsed is not None:
            self.round_trips.add(elapsed.total_seconds())
        return resp

    def _get_text(self, url: str) -> str | None:
        try:
            resp = self._get(url)
        except network_errors():
            return None
        return resp.text if resp.status_code == 200 else None


@dataclass(frozen=True)
class _PackedListing:
    """A page fetched this run: its packed rows, and the filter that chose the kept ones
    (compared with the client's own filter when the rows are used)."""

    packed: PackedPage
    kept_by: Callable[[str], bool] | None


class _KeptRows(list[list[Any]]):
    """A cached page's rows that a target's filter kept (``pack_page``), and how many
    files the page listed in all."""

    def __init__(self, rows: list[list[Any]], listed: int) -> None:
        super().__init__(rows)
        self.listed = listed


def _only_kept(listing: list[list[Any]] | _PackedListing) -> bool:
    """Does this listing hold only the rows a filter kept (not the page's whole list)?"""
    if isinstance(listing, _PackedListing):
        return listing.packed.stored_kept
    return isinstance(listing, _KeptRows)


def _rows_of(listing: list[list[Any]] | _PackedListing) -> list[list[Any]]:
    """A listing's rows; a packed page's are decoded from the row it stored."""
    if isinstance(listing, _PackedListing):
        rows: list[list[Any]] = msgspec.json.decode(listing.packed.stored)["files"]
        return rows
    return listing


def _project_doc_problem(doc: Any) -> str | None:
    """What makes a decoded body unusable as a project document, or None."""
    if not isinstance(doc, dict):
        return f"a JSON {type(doc).__name__}, not an object"
    if not isinstance(doc.get("info"), dict):
        return "no 'info' object"
    if not isinstance(doc.get("releases") or {}, dict):
        return "'releases' is not an object"
    return None


def _valid_project_entry(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    if value.get("missing") is True:
        return True
    doc = value.get("doc")
    if not isinstance(doc, dict) or _project_doc_problem(doc) is not None:
        return False
    # A document kept before summaries has its releases map instead (read as ever); a
    # summary that is damaged or of another format cannot be remade without the map.
    summary = doc.get("release_summary")
    return summary is None or project_release_summary(summary) is not None


def project_release_summary(value: Any) -> ReleaseSummary | None:
    """A trimmed project document's ``release_summary`` as a summary, None when it is not
    one of this version's format."""
    try:
        summary = msgspec.convert(value, ReleaseSummary)
    except msgspec.ValidationError:
        return None
    return summary if summary.format == SUMMARY_FORMAT else None


def _valid_simple_entry(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    if value.get("missing") is True:
        return True
    files = value.get("files")
    count = value.get("count", len(files) if isinstance(files, list) else 0)
    if not isinstance(count, int) or (isinstance(files, list) and count < len(files)):
        return False
    return isinstance(files, list) and all(
        isinstance(row, list) and len(row) in (8, 9) and all(isinstance(x, str) for x in row[:3])
        for row in files
    )


class _HistoryEntry(msgspec.Struct):
    """The shape of an ``upload-times`` row, checked while it is decoded (a big project's
    history is thousands of versions: checking them in Python took longer than reading)."""

    versions: dict[str, tuple[str, bool]] | None


def _history_from_entry(entry: _HistoryEntry) -> dict[str, tuple[str, bool]] | None:
    return entry.versions


class _SummaryView(msgspec.Struct):
    """An ``upload-times`` row read for its summary alone: the history is skipped, not
    decoded, and the summary is decoded on its own (``_summary_from_view``), so a summary
    of another shape falls back to the history rather than making the row a miss."""

    versions: msgspec.Raw
    summary: msgspec.Raw = msgspec.Raw(b"")  # empty: the row has no summary at all


class _DerivedRow(msgspec.Struct):
    """A ``project-derived`` row: what it was derived under, the ``stored_at`` of the
    document row it was derived from, and the values (decoded by their owner)."""

    context: str
    doc: float
    facts: msgspec.Raw


class _Stale:
    """The summary of a row cannot be used: summarise the history again."""


_STALE = _Stale()
_SUMMARY_DECODER = msgspec.json.Decoder(ReleaseSummary)


def _summary_from_view(view: _SummaryView) -> ReleaseSummary | _Stale | None:
    """The row's summary; None when its history is none (nothing to summarise); _STALE
    when it has no summary (an earlier version wrote it), one of another format, or one
    that is damaged."""
    if not bytes(view.summary):
        return None if bytes(view.versions).strip() == b"null" else _STALE
    if bytes(view.summary).strip() == b"null":
        return None
    try:
        summary = _SUMMARY_DECODER.decode(view.summary)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return _STALE
    return summary if summary.format == SUMMARY_FORMAT else _STALE


def _valid_metadata(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    rd = value.get("requires_dist")
    return (
        isinstance(value.get("name"), str)
        and isinstance(value.get("version"), str)
        and (rd is None or (isinstance(rd, list) and all(isinstance(r, str) for r in rd)))
        and isinstance(value.get("requires_python"), str | None)
    )


def _trim_project_json(doc: dict[str, Any]) -> dict[str, Any]:
    """Keep what collectors use; the full releases map of a big project is megabytes.

    Of the releases map only its summary is kept (``release_summary``, see
    ``history.ReleaseSummary``; null when no release has a readable time): the collector
    reads nothing else of it, and only for an index whose simple pages give no upload
    times, while decoding the map's thousands of entries was half the cost of reading
    the 239 cached documents of a warm audit.
    """
    releases = doc.get("releases") or {}
    slim: dict[str, list[dict[str, Any]]] = {}
    for version, files in releases.items():
        entries = [f for f in files if isinstance(f, dict)] if isinstance(files, list) else []
        if not entries:
            slim[str(version)] = []
            continue
        # One entry a version: its first upload over every file (a file's time may be
        # missing), and yanked only when every file is.
        stamps = [t for f in entries if isinstance(t := f.get("upload_time_iso_8601"), str) and t]
        slim[str(version)] = [
            {
                "upload_time_iso_8601": min(stamps) if stamps else None,
                "yanked": all(bool(f.get("yanked", False)) for f in entries),
                "packagetype": entries[0].get("packagetype"),
            }
        ]
    summary = summarise(releases_from_project_json(slim))
    out: dict[str, Any] = {
        "info": doc.get("info") or {},
        "release_summary": None if summary is None else msgspec.to_builtins(summary),
        "ownership": doc.get("ownership"),
    }
    vulns = doc.get("vulnerabilities")
    if isinstance(vulns, list):  # advisories against the newest release (info.version)
        out["vulnerabilities"] = [
            {
                "id": v.get("id"),
                "aliases": v.get("aliases") if isinstance(v.get("aliases"), list) else [],
                "fixed_in": v.get("fixed_in") if isinstance(v.get("fixed_in"), list) else [],
                "withdrawn": v.get("withdrawn"),
                "link": v.get("link"),
            }
            for v in vulns
            if isinstance(v, dict)
        ]
    return out


class _CappedReader(io.RawIOBase):
    """Stops reading an sdist after a size cap, so a huge tarball cannot stall an audit."""

    def __init__(self, raw: Any, cap: int) -> None:
        self.raw = raw
        self.left = cap

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            raise OSError("sdist too large to scan for PKG-INFO")
        n = self.left if size < 0 else min(size, self.left)
        data: bytes = self.raw.read(n)
        self.left -= len(data)
        return data


def _wheel_rank(filename: str, order: Mapping[Tag, int]) -> int:
    """Lower is better: the first tag the target accepts; incompatible wheels last."""
    try:
        _, _, _, wheel_tags = parse_wheel_filename(filename)
    except Exception:
        return len(order) + 1
    return min((order.get(t, len(order)) for t in wheel_tags), default=len(order))


def metadata_from_wheel(name: str, version: str, data: bytes, source: str) -> CoreMetadata | None:
    """METADATA out of a wheel's bytes, None when the archive is not a readable wheel."""
    import zipfile  # only direct wheel URLs are downloaded whole

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for entry in archive.namelist():
                if entry.endswith(".dist-info/METADATA") and entry.count("/") == 1:
                    text = archive.read(entry).decode("utf-8", "replace")
                    return metadata_from_email(name, version, text, source)
    except (zipfile.BadZipFile, OSError):
        return None
    return None


def metadata_fields(text: str) -> dict[str, list[str]]:
    """Header fields of a core metadata file (RFC 822 style), lower-cased names.

    Only the header block is read (the body is the long description). The email
    package does the same job ten times slower, which showed at a thousand files.
    """
    fields: dict[str, list[str]] = {}
    last: list[str] | None = None
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line:
            break
        if line[0] in " \t":
            if last:
                last[-1] += " " + line.strip()
            continue
        key, sep, value = line.partition(":")
        if not sep:
            continue
        last = fields.setdefault(key.strip().lower(), [])
        last.append(value.strip())
    return fields


def _first(fields: dict[str, list[str]], name: str) -> str | None:
    values = fields.get(name)
    return values[0] if values else None


def metadata_from_email(name: str, version: str, text: str, source: str) -> CoreMetadata:
    fields = metadata_fields(text)
    return CoreMetadata(
        name=name,
        version=version,
        requires_dist=tuple(fields.get("requires-dist", ())),
        requires_python=_first(fields, "requires-python"),
        source=source,
    )


def _from_sdist(name: str, version: str, text: str) -> CoreMetadata | None:
    """PKG-INFO of an sdist. Metadata 2.2+ with static Requires-Dist is authoritative.

    Older PKG-INFO files may omit requirements a build would add, so they are used only
    when they list some, and the source says they may be incomplete.
    """
    fields = metadata_fields(text)
    try:
        meta_version = Version((fields.get("metadata-version") or ["1.0"])[0])
    except InvalidVersion:
        return None
    dynamic = {d.lower() for d in fields.get("dynamic", ())}
    requires = tuple(fields.get("requires-dist", ()))
    if meta_version >= Version("2.2") and "requires-dist" not in dynamic:
        source = "sdist PKG-INFO (Metadata 2.2+)"
    elif requires:
        source = f"sdist PKG-INFO (Metadata {meta_version}; may be incomplete)"
    else:
        return None
    return CoreMetadata(
        name=name,
        version=version,
        requires_dist=requires,
        requires_python=_first(fields, "requires-python"),
        source=source,
    )
