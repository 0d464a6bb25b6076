"""Pipfile.lock (pipenv): exact pins without edges, plus the indexes used.

The lock records no edges, so every package has ``dependencies=None`` and resolution
reads them from metadata. The roots come from the sibling Pipfile when it is there.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

from packaging.utils import canonicalize_name

import auditor.sources._shape as shape
from auditor.errors import AuditorError, ParseError
from auditor.model import (
    DependencyInput,
    IndexOptions,
    LockedPackage,
    Origin,
    Requirement,
    SourceOptions,
)
from auditor.sources._base import BaseSource
from auditor.sources._files import read_text_file
from auditor.sources._lockutil import pinned_root
from auditor.sources._pep508 import (
    and_markers,
    check_marker,
    check_specifier,
    normalise_marker,
)
from auditor.sources._text import LineIndex, load_json, load_toml
from auditor.sources.interface import InputFile

_DEV = frozenset({"dev", "develop", "dev-packages"})
_MARKER_KEYS = ("sys_platform", "platform_machine", "os_name", "platform_system")


def _dev_chosen(options: SourceOptions) -> bool:
    return options.all_groups or bool({canonicalize_name(g) for g in options.groups} & _DEV)


def _pipfile_requirement(
    name: str,
    value: object,
    *,
    display: str,
    line: int | None,
    text: str,
    base: Path,
    group: str | None,
) -> Requirement:
    """One ``[packages]`` entry of a Pipfile."""
    if isinstance(value, str):
        table: dict[str, Any] = {"version": value}
    elif isinstance(value, dict):
        table = value
    else:
        raise ParseError(display, line, text, "expected a version string or a table")
    version = shape.text(table.get("version", "*"), display, line, f"{name}.version").strip()
    spec = (
        "" if version in {"", "*"} else check_specifier(version, path=display, line=line, text=text)
    )
    markers: list[str | None] = []
    if isinstance(table.get("markers"), str):
        markers.append(check_marker(table["markers"], path=display, line=line, text=text))
    for key in _MARKER_KEYS:
        if isinstance(table.get(key), str):
            markers.append(check_marker(f"{key} {table[key]}", path=display, line=line, text=text))
    url: str | None = None
    if isinstance(table.get("git"), str):
        ref = shape.optional_text(table.get("ref"), display, line, f"{name}.ref")
        url = f"git+{table['git']}" + (f"@{ref}" if ref else "")
    elif isinstance(table.get("path"), str):
        url = (base / table["path"]).resolve().as_uri()
    elif isinstance(table.get("file"), str):
        url = str(table["file"])
    extras = shape.strings(table.get("extras"), display, line, f"{name}.extras")
    return Requirement(
        name=canonicalize_name(name),
        display_name=name,
        origin=Origin(path=display, line=line),
        text=text,
        specifier="" if url else spec,
        extras=tuple(sorted(extras)),
        marker=and_markers(*markers),
        url=url,
        editable=table.get("editable") is True,
        group=group,
    )


def _pipfile_roots(
    source: InputFile, options: SourceOptions
) -> tuple[list[Requirement], list[str]] | None:
    if source.path is None or not (source.path.parent / "Pipfile").is_file():
        return None
    path = source.path.parent / "Pipfile"
    display = os.path.join(os.path.dirname(source.display), "Pipfile")
    try:
        text = read_text_file(path, display)
        data = load_toml(text, display)
    except AuditorError as exc:
        return [], [f"{display}: not used for the lock's roots ({exc.message})"]
    index = LineIndex(text)
    sections: list[tuple[str, str | None]] = [("packages", None)]
    if _dev_chosen(options):
        sections.append(("dev-packages", "group:dev"))
    reqs: list[Requirement] = []
    for section, group in sections:
        table = data.get(section, {})
        header = index.header(section)
        stop = index.section_end(header) if header is not None else None
        for name, value in table.items() if isinstance(table, dict) else []:
            at = index.key(name, header, stop) if header is not None else None
            line = None if at is None else at + 1
            text_line = index.lines[at].strip() if at is not None else f"{name} = {value!r}"
            reqs.append(
                _pipfile_requirement(
                    name,
                    value,
                    display=display,
                    line=line,
                    text=text_line,
                    base=path.parent,
                    group=group,
                )
            )
    return reqs, []


def _sources(data: dict[str, Any]) -> list[dict[str, Any]]:
    """``_meta.sources`` entries that are tables (the indexes are optional knowledge)."""
    meta = data.get("_meta")
    sources = meta.get("sources") if isinstance(meta, dict) else None
    return [s for s in sources if isinstance(s, dict)] if isinstance(sources, list) else []


def _line_of(index: LineIndex, section: int | None, name: str) -> int | None:
    hit = index.value(name, section or 0)
    return None if hit is None else hit + 1


class PipfileLockSource(BaseSource):
    """pipenv's Pipfile.lock (JSON)."""

    kind: ClassVar[str] = "Pipfile.lock"
    description: ClassVar[str] = "pipenv lock file (Pipfile.lock)"

    @classmethod
    def matches_name(cls, name: str) -> bool:
        return name == "Pipfile.lock"

    @classmethod
    def matches_content(cls, head: str) -> bool:
        start = head.lstrip()
        return start.startswith("{") and '"_meta"' in head and '"pipfile-spec"' in head

    def read(self, source: InputFile, options: SourceOptions) -> DependencyInput:
        data = load_json(source.text, source.display)
        if not isinstance(data, dict):
            raise ParseError(source.display, 1, "", "expected a JSON object")
        index = LineIndex(source.text)
        sections = [("default", "main")]
        if _dev_chosen(options):
            sections.append(("develop", "group:dev"))
        locked: list[LockedPackage] = []
        markers: dict[str, str | None] = {}
        for section, label in sections:
            at = index.value(section)
            table = shape.optional_table(
                data.get(section), source.display, None if at is None else at + 1, section
            )
            for name, entry in table.items():
                line = _line_of(index, at, name)
                entry = shape.table(entry, source.display, line, name)
                version = shape.version_text(
                    entry.get("version"), source.display, line, f"{name}.version"
                )
                pkg = LockedPackage(
                    name=canonicalize_name(name),
                    version=(version or "").removeprefix("==").strip() or None,
                    origin=Origin(path=source.display, line=line),
                    dependencies=None,
                    source=self._source(entry, data),
                    groups=(label,),
                )
                locked.append(pkg)
                markers[pkg.name] = normalise_marker(
                    shape.optional_text(entry.get("markers"), source.display, line, "markers")
                )
        roots = _pipfile_roots(source, options)
        warnings: list[str] = []
        if roots is not None and roots[0]:
            requirements = tuple(roots[0])
        else:
            if roots is not None:
                warnings.extend(roots[1])
            requirements = tuple(pinned_root(p, marker=markers.get(p.name)) for p in locked)
        return DependencyInput(
            path=source.display,
            kind=self.kind,
            requirements=requirements,
            locked=tuple(locked),
            index=self._index(data),
            warnings=tuple(warnings),
        )

    @staticmethod
    def _source(entry: dict[str, Any], data: dict[str, Any]) -> str | None:
        if isinstance(entry.get("git"), str):
            ref = entry.get("ref")
            return f"git+{entry['git']}" + (f"@{ref}" if isinstance(ref, str) and ref else "")
        if isinstance(entry.get("path"), str):
            return f"path:{entry['path']}"
        name = entry.get("index")
        for src in _sources(data):
            if src.get("name") == name and isinstance(src.get("url"), str):
                return str(src["url"])
        return None

    @staticmethod
    def _index(data: dict[str, Any]) -> IndexOptions:
        sources = _sources(data)
        urls = [s["url"] for s in sources if isinstance(s.get("url"), str)]
        trusted = [
            s["url"].split("/")[2]
            for s in sources
            if s.get("verify_ssl") is False
            and isinstance(s.get("url"), str)
            and s["url"].count("/") >= 2
            and "://" in s["url"]
        ]
        return IndexOptions(
            index_url=urls[0] if urls else None,
            extra_index_urls=tuple(urls[1:]),
            trusted_hosts=tuple(trusted),
        )
