"""Parsing the simple repository API (PEP 691 JSON and PEP 503 HTML) into files.

Kept apart from the HTTP client so the parsing, which decides which versions exist, is
tested on plain strings. Vendor wheel indexes (CUDA builds) often serve only HTML, so
both forms are read.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import msgspec

if TYPE_CHECKING:
    from packaging.tags import Tag

JSON_CONTENT_TYPE = "application/vnd.pypi.simple.v1+json"
ACCEPT = f"{JSON_CONTENT_TYPE}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"


@dataclass(frozen=True, kw_only=True)
class DistFile:
    """One downloadable file of a project, as the simple API describes it."""

    filename: str
    url: str
    version: str
    is_wheel: bool
    requires_python: str | None = None
    yanked: bool = False
    has_metadata: bool = False
    size: int | None = None

    def to_row(self) -> list[Any]:
        return [
            self.filename,
            self.url,
            self.version,
            self.is_wheel,
            self.requires_python,
            self.yanked,
            self.has_metadata,
            self.size,
        ]

    @classmethod
    def from_row(cls, row: list[Any]) -> DistFile:
        return cls(
            filename=row[0],
            url=row[1],
            version=row[2],
            is_wheel=row[3],
            requires_python=row[4],
            yanked=row[5],
            has_metadata=row[6],
            size=row[7],
        )


def file_version(filename: str) -> tuple[str, bool] | None:
    """(version text, is_wheel) from a distribution filename, None if not one.

    Deliberately cheap (string splits, no parsing): big projects list tens of thousands
    of files and only the versions a resolver looks at are ever parsed.
    """
    if filename.endswith(".whl"):
        parts = filename[:-4].split("-")
        return (parts[1], True) if len(parts) in (5, 6) else None
    for ext in (".tar.gz", ".zip"):
        if filename.endswith(ext):
            stem = filename[: -len(ext)]
            if "-" not in stem:
                return None
            return stem.rsplit("-", 1)[1], False
    return None


def _strip_fragment(url: str) -> str:
    if "#" not in url:
        return url
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))


def _make(
    filename: str,
    url: str,
    requires_python: str | None,
    yanked: bool,
    has_metadata: bool,
    size: int | None,
) -> DistFile | None:
    parsed = file_version(filename)
    if parsed is None:
        return None
    version, is_wheel = parsed
    return DistFile(
        filename=filename,
        url=_strip_fragment(url),
        version=version,
        is_wheel=is_wheel,
        requires_python=(requires_python or None),
        yanked=yanked,
        has_metadata=has_metadata,
        size=size,
    )


def _absolute(base: str, url: str) -> str:
    return url if url.startswith(("https://", "http://")) else urljoin(base, url)


def parse_json_page(body: str | bytes, page_url: str) -> list[list[Any]]:
    """File rows (see ``DistFile.to_row``) of a PEP 691 JSON page.

    A JSON row carries a ninth field, the file's PEP 700 ``upload-time`` (or None): the
    release history the index collector reads, without the project JSON's deprecated
    ``releases`` key. ``DistFile`` ignores it, and rows cached before it have 8 fields.

    Rows, not objects: a big project lists tens of thousands of files, and only the
    releases the resolver looks at ever become ``DistFile`` objects.

    Decoding a big project's page was the largest single cost of a cold resolution, so
    pages are decoded by msgspec against a schema of the fields we read (hashes and the
    rest are skipped without becoming Python objects). A page that does not fit that
    schema (an entry that is not an object, a file without a name) goes through the
    standard library's decoder and the tolerant reading below, which gives the same rows
    for a well-formed page and skips what it cannot read on an odd one.
    """
    try:
        page = _PAGE_DECODER.decode(body)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return _rows_from_entries(_files_of(json.loads(body)), page_url)
    rows: list[list[Any]] = []
    for entry in page.files:
        filename = entry.filename
        parsed = file_version(filename)
        if parsed is None:
            continue
        meta = entry.dist_info_metadata if entry.core_metadata is _ABSENT else entry.core_metadata
        requires_python = entry.requires_python or None
        size = entry.size
        uploaded = entry.upload_time
        rows.append(
            [
                filename,
                _strip_fragment(_absolute(page_url, entry.url)),
                sys.intern(parsed[0]),
                parsed[1],
                sys.intern(requires_python) if requires_python else None,
                bool(entry.yanked),
                bool(meta),
                size if isinstance(size, int) else None,
                uploaded if isinstance(uploaded, str) else None,
            ]
        )
    return rows


_ABSENT: Any = msgspec.UNSET


class _JsonFile(msgspec.Struct, rename="kebab"):
    """The fields of a PEP 691 file entry that we read; any others are skipped.

    Values other than the name and URL are ``Any`` so that an odd value (a yanked reason
    given as a number, a size as text) is judged by the same rules as the tolerant path.
    """

    filename: str
    url: str
    requires_python: Any = None
    yanked: Any = False
    core_metadata: Any = msgspec.UNSET
    dist_info_metadata: Any = False
    size: Any = None
    upload_time: Any = None


class _JsonPage(msgspec.Struct):
    files: list[_JsonFile]


_PAGE_DECODER = msgspec.json.Decoder(_JsonPage)


def _files_of(data: Any) -> list[Any]:
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise ValueError("not a PEP 691 project page (no 'files' list)")
    files: list[Any] = data["files"]
    return files


def _rows_from_entries(entries: list[Any], page_url: str) -> list[list[Any]]:
    """Rows of decoded file entries, skipping any entry without a name and URL."""
    rows: list[list[Any]] = []
    for entry in entries:
        try:
            filename = entry["filename"]
            url = entry["url"]
        except (TypeError, KeyError):
            continue
        parsed = file_version(filename)
        if parsed is None:
            continue
        meta = entry.get("core-metadata", entry.get("dist-info-metadata", False))
        size = entry.get("size")
        uploaded = entry.get("upload-time")  # PEP 700 (api-version 1.1)
        requires_python = entry.get("requires-python") or None
        rows.append(
            [
                filename,
                _strip_fragment(_absolute(page_url, url)),
                sys.intern(parsed[0]),
                parsed[1],
                sys.intern(requires_python) if requires_python else None,
                bool(entry.get("yanked", False)),
                bool(meta),
                size if isinstance(size, int) else None,
                uploaded if isinstance(uploaded, str) else None,
            ]
        )
    return rows


def parse_html_page(text: str, page_url: str) -> list[DistFile]:
    """Files of a PEP 503 HTML page, with PEP 592/658/714 data attributes."""
    from auditor.index.html_anchors import anchors  # the HTML parser loads for HTML only

    out: list[DistFile] = []
    for anchor in anchors(text):
        href = anchor.get("href")
        if not href:
            continue
        url = urljoin(page_url, href)
        filename = urlsplit(url).path.rsplit("/", 1)[-1]
        from urllib.parse import unquote

        filename = unquote(filename)
        meta = anchor.get("data-core-metadata") or anchor.get("data-dist-info-metadata")
        made = _make(
            filename,
            url,
            anchor.get("data-requires-python"),
            "data-yanked" in anchor,
            bool(meta) and meta != "false",
            None,
        )
        if made is not None:
            out.append(made)
    return out


def wheel_prefilter(tags: Iterable[Tag]) -> WheelFilter:
    """A cheap test that drops wheels a target can never install, by their filename.

    Checks the interpreter, ABI and platform parts separately against the target's
    tags, so it keeps a superset of the exact check (done later, per release); GPU
    projects list hundreds of wheels per release for other platforms, and keeping
    them costs memory and time for nothing. Sdists and odd names are always kept.
    """
    interpreters: set[str] = set()
    abis: set[str] = set()
    platforms: set[str] = set()
    for tag in tags:
        interpreters.add(tag.interpreter)
        abis.add(tag.abi)
        platforms.add(tag.platform)
    return WheelFilter(interpreters, abis, platforms)


class WheelFilter:
    """``wheel_prefilter``'s test: a callable made of three sets of tag parts, so it can
    be sent to another process (``parts``) and rebuilt there the same."""

    __slots__ = ("_verdicts", "abis", "interpreters", "platforms")

    def __init__(
        self, interpreters: Iterable[str], abis: Iterable[str], platforms: Iterable[str]
    ) -> None:
        self.interpreters = frozenset(interpreters)
        self.abis = frozenset(abis)
        self.platforms = frozenset(platforms)
        self._verdicts: dict[str, bool] = {}  # one verdict per distinct tag string

    def parts(self) -> tuple[list[str], list[str], list[str]]:
        """(interpreters, ABIs, platforms), sorted: ``WheelFilter(*parts)`` is the same test."""
        return sorted(self.interpreters), sorted(self.abis), sorted(self.platforms)

    def key(self) -> str:
        """A short name for this test, the same in every process and run: rows kept by
        it are cached under it (see ``IndexClient``), apart from other targets' rows."""
        import hashlib

        text = json.dumps(self.parts(), separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def __call__(self, filename: str) -> bool:
        if not filename.endswith(".whl"):
            return True
        head, *tag_parts = filename[:-4].rsplit("-", 3)
        if len(tag_parts) < 3 or "-" not in head:
            return True  # fewer than five dash-separated parts: not a wheel name we judge
        tag_string = "-".join(tag_parts)
        verdict = self._verdicts.get(tag_string)
        if verdict is None:
            interp, abi, plat = (part.lower() for part in tag_parts)
            verdict = (
                any(p in self.interpreters for p in interp.split("."))
                and any(a in self.abis for a in abi.split("."))
                and any(p in self.platforms for p in plat.split("."))
            )
            self._verdicts[tag_string] = verdict
        return verdict
