"""PEP 751 lock files (``pylock.toml``, ``pylock.<name>.toml``).

Edges are optional in the format, and most writers leave them out; without them every
package is a root and resolution reads edges from each package's metadata. Packages
whose marker names a dependency group or extra count only when that one is chosen.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from packaging.utils import canonicalize_name

import auditor.sources._shape as shape
from auditor.errors import ParseError
from auditor.model import DependencyInput, LockedDependency, LockedPackage, Origin, SourceOptions
from auditor.sources._base import BaseSource
from auditor.sources._graph import unrequired
from auditor.sources._lockutil import nth, package_lines, pinned_root
from auditor.sources._pep508 import normalise_marker
from auditor.sources._text import load_toml
from auditor.sources.interface import InputFile

_NAME = re.compile(r"^pylock(\.[^.]+)?\.toml$")
_IN_GROUPS = re.compile(r"""['"]([^'"]+)['"]\s+in\s+dependency_groups""")
_IN_EXTRAS = re.compile(r"""['"]([^'"]+)['"]\s+in\s+extras""")


def _source(pkg: dict[str, Any]) -> str | None:
    if isinstance(pkg.get("index"), str):
        return str(pkg["index"])
    vcs = pkg.get("vcs")
    if isinstance(vcs, dict) and isinstance(vcs.get("url"), str):
        return f"{vcs.get('type', 'git')}+{vcs['url']}"
    for key in ("directory", "archive"):
        table = pkg.get(key)
        if isinstance(table, dict):
            where = table.get("url", table.get("path"))
            return f"{key}:{where}" if where else key
    return None


def _labels(marker: str | None) -> tuple[str, ...]:
    if not marker:
        return ()
    return tuple(f"group:{g}" for g in _IN_GROUPS.findall(marker)) + tuple(
        f"extra:{e}" for e in _IN_EXTRAS.findall(marker)
    )


def _chosen(labels: tuple[str, ...], options: SourceOptions) -> bool:
    if not labels:
        return True
    groups = {canonicalize_name(g) for g in options.groups}
    extras = {canonicalize_name(e) for e in options.extras}
    for label in labels:
        kind, _, name = label.partition(":")
        if kind == "group" and (options.all_groups or canonicalize_name(name) in groups):
            return True
        if kind == "extra" and (options.all_extras or canonicalize_name(name) in extras):
            return True
    return False


class PylockSource(BaseSource):
    """PEP 751 ``pylock.toml`` files."""

    kind: ClassVar[str] = "pylock"
    description: ClassVar[str] = "PEP 751 lock file (pylock.toml, pylock.<name>.toml)"

    @classmethod
    def matches_name(cls, name: str) -> bool:
        return _NAME.match(name) is not None

    @classmethod
    def matches_content(cls, head: str) -> bool:
        return "lock-version" in head and "[[packages]]" in head

    def read(self, source: InputFile, options: SourceOptions) -> DependencyInput:
        data = load_toml(source.text, source.display)
        entries = data.get("packages", [])
        if not isinstance(entries, list):
            raise ParseError(source.display, None, "[[packages]]", "expected an array of tables")
        lines = package_lines(source.text, "packages")
        has_edges = any(isinstance(p, dict) and "dependencies" in p for p in entries)
        locked: list[LockedPackage] = []
        markers: dict[int, str | None] = {}
        for i, pkg in enumerate(entries):
            line = nth(lines, i)
            if not isinstance(pkg, dict) or not isinstance(pkg.get("name"), str):
                raise ParseError(source.display, line, "[[packages]]", "entry has no name")
            marker = normalise_marker(
                shape.optional_text(pkg.get("marker"), source.display, line, "marker")
            )
            labels = _labels(marker)
            if not _chosen(labels, options):
                continue
            deps: tuple[LockedDependency, ...] | None = None
            if has_edges:
                listed = shape.items(pkg.get("dependencies"), source.display, line, "dependencies")
                deps = tuple(
                    LockedDependency(
                        name=canonicalize_name(
                            shape.text(d.get("name"), source.display, line, "dependencies.name")
                        )
                    )
                    for d in listed
                    if shape.table(d, source.display, line, "dependencies[]") and "name" in d
                )
            markers[len(locked)] = marker
            locked.append(
                LockedPackage(
                    name=canonicalize_name(pkg["name"]),
                    version=shape.version_text(pkg.get("version"), source.display, line, "version"),
                    origin=Origin(path=source.display, line=line),
                    dependencies=deps,
                    source=_source(pkg),
                    groups=labels,
                )
            )
        roots = unrequired(locked) if has_edges else locked
        position = {id(p): i for i, p in enumerate(locked)}
        return DependencyInput(
            path=source.display,
            kind=self.kind,
            requirements=tuple(pinned_root(p, marker=markers[position[id(p)]]) for p in roots),
            locked=tuple(locked),
        )
