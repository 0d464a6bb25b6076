"""Parsing the simple repository API (PEP 691 JSON and PEP 503 HTML) into files.

Kept apart from the HTTP client so the parsing, which decides which versions exist, is
tested on plain strings. Vendor wheel indexes (CUDA builds) often serve only HTML, so
both forms are read.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

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


def parse_json_page(text: str, page_url: str) -> list[list[Any]]:
    """File rows (see ``DistFile.to_row``) of a PEP 691 JSON page.

    A JSON row carries a ninth field, the file's PEP 700 ``upload-time`` (or None): the
    release history the index collector reads, without the project JSON's deprecated
    ``releases`` key. ``DistFile`` ignores it, and rows cached before it have 8 fields.

    Rows, not objects: a big project lists tens of thousands of files, and only the
    releases the resolver looks at ever become ``DistFile`` objects.
    """
    data = json.loads(text)
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise ValueError("not a PEP 691 project page (no 'files' list)")
    rows: list[list[Any]] = []
    for entry in data["files"]:
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


class _AnchorParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[dict[str, str | None]] = []
        self._current: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._current = dict(attrs)
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._current is not None:
            self._current["#text"] = "".join(self._text).strip()
            self.anchors.append(self._current)
            self._current = None


def parse_html_page(text: str, page_url: str) -> list[DistFile]:
    """Files of a PEP 503 HTML page, with PEP 592/658/714 data attributes."""
    parser = _AnchorParser()
    parser.feed(text)
    out: list[DistFile] = []
    for anchor in parser.anchors:
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


def wheel_prefilter(tags: Iterable[Tag]) -> Callable[[str], bool]:
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

    def keep(filename: str) -> bool:
        if not filename.endswith(".whl"):
            return True
        parts = filename[:-4].split("-")
        if len(parts) < 5:
            return True
        interp, abi, plat = parts[-3].lower(), parts[-2].lower(), parts[-1].lower()
        return (
            any(p in interpreters for p in interp.split("."))
            and any(a in abis for a in abi.split("."))
            and any(p in platforms for p in plat.split("."))
        )

    return keep
