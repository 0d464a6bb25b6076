"""uv.lock: the exact package set uv resolved, with its edges and extras.

The project itself is the package whose source is ``editable = "."`` or
``virtual = "."``; its dependencies are the roots. Optional and dev dependencies of the
project count only when chosen, and packages only they reach are left out of the set.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from packaging.utils import canonicalize_name

import auditor.sources._shape as shape
from auditor.errors import ParseError
from auditor.model import (
    DependencyInput,
    LockedDependency,
    LockedPackage,
    Origin,
    Requirement,
    SourceOptions,
)
from auditor.sources._base import BaseSource
from auditor.sources._graph import unrequired
from auditor.sources._lockutil import nth, package_lines, pinned_root, source_label
from auditor.sources._pep508 import and_markers, normalise_marker
from auditor.sources._text import LineIndex, load_toml
from auditor.sources.interface import InputFile

Edge = dict[str, Any]


def _check_edges(entries: object, display: str, line: int | None, where: str) -> None:
    for edge in shape.items(entries, display, line, where):
        edge = shape.table(edge, display, line, f"{where}[]")
        shape.text(edge.get("name"), display, line, f"{where}[].name")
        shape.optional_text(edge.get("marker"), display, line, f"{where}[].marker")
        shape.optional_text(edge.get("specifier"), display, line, f"{where}[].specifier")
        shape.strings(edge.get("extra", edge.get("extras")), display, line, f"{where}[].extra")


def _check_groups(value: object, display: str, line: int | None, where: str) -> None:
    for group, entries in shape.optional_table(value, display, line, where).items():
        _check_edges(entries, display, line, f"{where}.{group}")


def _check_package(pkg: dict[str, Any], display: str, line: int | None) -> None:
    """Every field the reader follows has the type uv writes, else a ParseError here."""
    shape.text(pkg.get("name"), display, line, "[[package]] name")
    shape.version_text(pkg.get("version"), display, line, "version")
    _check_edges(pkg.get("dependencies"), display, line, "dependencies")
    _check_groups(pkg.get("optional-dependencies"), display, line, "optional-dependencies")
    _check_groups(pkg.get("dev-dependencies"), display, line, "dev-dependencies")
    metadata = shape.optional_table(pkg.get("metadata"), display, line, "metadata")
    _check_edges(metadata.get("requires-dist"), display, line, "metadata.requires-dist")


def _edges(entries: object) -> list[Edge]:
    return (
        [e for e in entries if isinstance(e, dict) and "name" in e]
        if isinstance(entries, list)
        else []
    )


def _extras(edge: Edge) -> tuple[str, ...]:
    extra = edge.get("extra", edge.get("extras", ()))
    return tuple(sorted(str(e) for e in extra)) if isinstance(extra, list) else ()


def _is_root(pkg: dict[str, Any]) -> bool:
    source = pkg.get("source")
    return isinstance(source, dict) and "." in (source.get("editable"), source.get("virtual"))


class _Lock:
    """The parsed lock with lookups by canonical name."""

    def __init__(self, source: InputFile) -> None:
        self.display = source.display
        self.text = source.text
        data = load_toml(source.text, source.display)
        packages = data.get("package", [])
        if not isinstance(packages, list):
            raise ParseError(source.display, None, "[[package]]", "expected an array of tables")
        self.lines = package_lines(source.text)
        for i, pkg in enumerate(packages):
            line = nth(self.lines, i)
            _check_package(
                shape.table(pkg, source.display, line, "[[package]]"), self.display, line
            )
        self.packages: list[dict[str, Any]] = packages
        self.by_name: dict[str, list[dict[str, Any]]] = {}
        for pkg in self.packages:
            self.by_name.setdefault(canonicalize_name(str(pkg.get("name", ""))), []).append(pkg)

    def reach(self, start: Iterable[Edge]) -> set[str]:
        """Names reachable from ``start`` edges, following extras precisely."""
        seen: set[tuple[str, str | None]] = set()
        stack: list[tuple[str, str | None]] = []
        for edge in start:
            first = str(canonicalize_name(str(edge["name"])))
            stack.append((first, None))
            stack.extend((first, e) for e in _extras(edge))
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            name, extra = node
            for pkg in self.by_name.get(name, []):
                if extra is None:
                    nexts = _edges(pkg.get("dependencies"))
                else:
                    optional = pkg.get("optional-dependencies", {})
                    nexts = _edges(optional.get(extra) if isinstance(optional, dict) else None)
                for edge in nexts:
                    dep = str(canonicalize_name(str(edge["name"])))
                    stack.append((dep, None))
                    stack.extend((dep, e) for e in _extras(edge))
        return {name for name, _ in seen}


def _locked(pkg: dict[str, Any], origin: Origin, groups: tuple[str, ...]) -> LockedPackage:
    deps = [
        LockedDependency(
            name=canonicalize_name(str(e["name"])),
            extras=_extras(e),
            marker=normalise_marker(e.get("marker")),
        )
        for e in _edges(pkg.get("dependencies"))
    ]
    optional = pkg.get("optional-dependencies", {})
    for extra, entries in optional.items() if isinstance(optional, dict) else []:
        deps.extend(
            LockedDependency(
                name=canonicalize_name(str(e["name"])),
                extras=_extras(e),
                marker=and_markers(
                    normalise_marker(e.get("marker")),
                    f'extra == "{extra}"',
                ),
            )
            for e in _edges(entries)
        )
    version = pkg.get("version")
    return LockedPackage(
        name=canonicalize_name(str(pkg["name"])),
        version=str(version) if version is not None else None,
        origin=origin,
        dependencies=tuple(deps),
        source=source_label(pkg.get("source")),
        groups=groups,
    )


def _specifier(requires: list[Edge], name: str, marker: str | None) -> str:
    """The range the project asked for (``[package.metadata]``), not the pinned version."""
    same = [r for r in requires if canonicalize_name(str(r["name"])) == name]
    exact = [r for r in same if normalise_marker(r.get("marker")) == marker]
    chosen = (exact or same or [{}])[0]
    return str(chosen.get("specifier", ""))


def _roots(
    lock: _Lock, labelled: list[tuple[str, Edge]], root: dict[str, Any], span: tuple[int, int]
) -> list[Requirement]:
    """Root requirements, each pointing at its line inside the project's entry."""
    index = LineIndex(lock.text)
    metadata = root.get("metadata", {})
    requires = _edges(metadata.get("requires-dist") if isinstance(metadata, dict) else None)
    result: list[Requirement] = []
    cursor: dict[str, int] = {}
    for label, edge in labelled:
        display = str(edge["name"])
        name = canonicalize_name(display)
        marker = normalise_marker(edge.get("marker"))
        # the same name twice (forked torch) should point at two different lines
        hit = index.value(display, cursor.get(name, span[0]), span[1])
        if hit is not None:
            cursor[name] = hit + 1
        result.append(
            Requirement(
                name=name,
                display_name=display,
                origin=Origin(path=lock.display, line=None if hit is None else hit + 1),
                text=index.lines[hit].strip().rstrip(",") if hit is not None else display,
                specifier=_specifier(requires, name, marker),
                extras=_extras(edge),
                marker=marker,
                group=None if label == "main" else label,
            )
        )
    return result


def _chosen(root: dict[str, Any], options: SourceOptions) -> list[tuple[str, Edge]]:
    labelled: list[tuple[str, Edge]] = [("main", e) for e in _edges(root.get("dependencies"))]
    extras = {canonicalize_name(e) for e in options.extras}
    optional = root.get("optional-dependencies", {})
    for extra, entries in optional.items() if isinstance(optional, dict) else []:
        if options.all_extras or canonicalize_name(extra) in extras:
            labelled.extend((f"extra:{extra}", e) for e in _edges(entries))
    groups = {canonicalize_name(g) for g in options.groups}
    dev = root.get("dev-dependencies", {})
    for group, entries in dev.items() if isinstance(dev, dict) else []:
        if options.all_groups or canonicalize_name(group) in groups:
            labelled.extend((f"group:{group}", e) for e in _edges(entries))
    return labelled


class UvLockSource(BaseSource):
    """uv.lock files."""

    kind: ClassVar[str] = "uv.lock"
    description: ClassVar[str] = "uv lock file (uv.lock)"

    @classmethod
    def matches_name(cls, name: str) -> bool:
        return name == "uv.lock"

    @classmethod
    def matches_content(cls, head: str) -> bool:
        lines = head.splitlines()
        return (
            bool(lines)
            and lines[0].startswith("version = ")
            and "[[package]]" in head
            and any(line.startswith(("requires-python", "revision")) for line in lines[:6])
        )

    def read(self, source: InputFile, options: SourceOptions) -> DependencyInput:
        lock = _Lock(source)
        root_at = next((i for i, p in enumerate(lock.packages) if _is_root(p)), None)
        if root_at is None:
            return self._without_root(lock)
        root = lock.packages[root_at]
        start = (nth(lock.lines, root_at) or 1) - 1
        following = nth(lock.lines, root_at + 1)
        end = following - 1 if following is not None else len(source.text.splitlines())
        labelled = _chosen(root, options)
        reach: dict[str, list[str]] = {}
        for label in dict.fromkeys(lbl for lbl, _ in labelled):
            for name in lock.reach(e for lbl, e in labelled if lbl == label):
                reach.setdefault(name, []).append(label)
        locked = tuple(
            _locked(pkg, Origin(path=lock.display, line=nth(lock.lines, i)), tuple(reach[n]))
            for i, pkg in enumerate(lock.packages)
            if i != root_at and (n := canonicalize_name(str(pkg.get("name", "")))) in reach
        )
        return DependencyInput(
            path=source.display,
            kind=self.kind,
            requirements=tuple(_roots(lock, labelled, root, (start, end))),
            locked=locked,
        )

    def _without_root(self, lock: _Lock) -> DependencyInput:
        """A lock without a project entry (rare): every package counts, roots are guessed."""
        locked = tuple(
            _locked(pkg, Origin(path=lock.display, line=nth(lock.lines, i)), ())
            for i, pkg in enumerate(lock.packages)
        )
        return DependencyInput(
            path=lock.display,
            kind=self.kind,
            requirements=tuple(pinned_root(p) for p in unrequired(locked)),
            locked=locked,
            warnings=(
                f'{lock.display}: no project entry (source editable/virtual "."); '
                "treating packages nothing depends on as the roots",
            ),
        )
