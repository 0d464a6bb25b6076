"""Small helpers the lock readers share: sources, package origins, root requirements."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from packaging.utils import canonicalize_name

from auditor.errors import AuditorError
from auditor.model import DependencyInput, LockedPackage, Origin, Requirement, SourceOptions
from auditor.sources._files import read_text_file
from auditor.sources._graph import edges_of, reach_by_label, unrequired
from auditor.sources._text import LineIndex
from auditor.sources.interface import InputFile
from auditor.sources.pyproject import read_pyproject


def package_lines(text: str, table: str = "package") -> list[int | None]:
    """1-based line of each ``[[table]]`` header, in order (the n-th entry's origin)."""
    return [i + 1 for i in LineIndex(text).array_headers(table)]


def nth(lines: list[int | None], index: int) -> int | None:
    return lines[index] if index < len(lines) else None


def source_label(source: Any) -> str | None:
    """One string for a lock's source table: the index URL, a VCS URL or a local path."""
    if not isinstance(source, dict):
        return str(source) if source else None
    for key in ("registry", "url", "index"):
        if isinstance(source.get(key), str):
            return str(source[key])
    if isinstance(source.get("git"), str):
        git = str(source["git"])
        return git if git.startswith("git+") else f"git+{git}"
    for key in ("editable", "virtual", "path", "directory"):
        if isinstance(source.get(key), str):
            return f"{key}:{source[key]}"
    return None


def pinned_root(pkg: LockedPackage, *, marker: str | None = None) -> Requirement:
    """A root requirement for a locked package when no manifest says how it was asked for."""
    spec = f"=={pkg.version}" if pkg.version else ""
    return Requirement(
        name=canonicalize_name(pkg.name),
        display_name=pkg.name,
        origin=Origin(path=pkg.origin.path, line=pkg.origin.line),
        text=f"{pkg.name}{spec}" + (f"; {marker}" if marker else ""),
        specifier=spec,
        marker=marker,
    )


def sibling_manifest(
    source: InputFile, options: SourceOptions, name: str = "pyproject.toml"
) -> tuple[list[Requirement], list[str]] | None:
    """The roots a lock's own pyproject.toml declares, when it sits next to the lock.

    A broken or foreign pyproject must not block reading the lock, so problems become a
    warning and the caller falls back to guessing roots from the lock itself.
    """
    if source.path is None:
        return None
    path = source.path.parent / name
    if not path.is_file():
        return None
    display = os.path.join(os.path.dirname(source.display), name)
    try:
        text = read_text_file(path, display)
        reqs, warnings = read_pyproject(InputFile(display=display, path=path, text=text), options)
    except AuditorError as exc:
        return [], [f"{display}: not used for the lock's roots ({exc.message})"]
    return reqs, warnings


def finish_lock(
    *,
    display: str,
    kind: str,
    packages: list[LockedPackage],
    manifest: tuple[list[Requirement], list[str]] | None,
    keep: Callable[[LockedPackage], bool],
    warnings: Iterable[str] = (),
) -> DependencyInput:
    """Roots and package set: reachable from the manifest's roots, else filtered by group."""
    notes = list(warnings)
    if manifest is not None and manifest[0]:
        reqs, extra_notes = manifest
        notes.extend(extra_notes)
        by_label: dict[str, list[str]] = {}
        for req in reqs:
            by_label.setdefault(req.group or "main", []).append(req.name)
        reach = reach_by_label(by_label, edges_of(packages))
        # a package the lock itself marks as runtime stays even if no root reaches it
        locked = [
            replace(p, groups=reach[p.name]) if p.name in reach else p
            for p in packages
            if p.name in reach or (p.groups and keep(p))
        ]
        return DependencyInput(
            path=display,
            kind=kind,
            requirements=tuple(reqs),
            locked=tuple(locked),
            warnings=tuple(notes),
        )
    if manifest is not None:
        notes.extend(manifest[1])
    kept = [p for p in packages if keep(p)]
    return DependencyInput(
        path=display,
        kind=kind,
        requirements=tuple(pinned_root(p) for p in unrequired(kept)),
        locked=tuple(kept),
        warnings=tuple(notes),
    )


def group_filter(options: SourceOptions, main: frozenset[str]) -> Callable[[LockedPackage], bool]:
    """Keep packages with no group information, a main group, or a chosen group."""
    chosen = {canonicalize_name(g) for g in options.groups}

    def keep(pkg: LockedPackage) -> bool:
        if not pkg.groups or options.all_groups:
            return True
        return any(g in main or canonicalize_name(g) in chosen for g in pkg.groups)

    return keep
