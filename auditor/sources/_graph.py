"""Graph questions lock readers share: who nobody depends on, what a root set reaches."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from packaging.utils import canonicalize_name

from auditor.model import LockedPackage


def unrequired(packages: Iterable[LockedPackage]) -> list[LockedPackage]:
    """Packages no other package lists as a dependency: the best guess at the roots."""
    listed = list(packages)
    wanted = {
        canonicalize_name(dep.name)
        for pkg in listed
        for dep in pkg.dependencies or ()
        if canonicalize_name(dep.name) != canonicalize_name(pkg.name)
    }
    return [p for p in listed if canonicalize_name(p.name) not in wanted]


def reachable(roots: Iterable[str], edges: Mapping[str, Iterable[str]]) -> set[str]:
    """Canonical names reachable from ``roots``; unknown names are kept (they are roots)."""
    seen: set[str] = set()
    stack = [canonicalize_name(r) for r in roots]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        stack.extend(canonicalize_name(n) for n in edges.get(name, ()))
    return seen


def edges_of(packages: Iterable[LockedPackage]) -> dict[str, list[str]]:
    """Adjacency by canonical name (several versions of one name share a node)."""
    result: dict[str, list[str]] = {}
    for pkg in packages:
        result.setdefault(canonicalize_name(pkg.name), []).extend(
            dep.name for dep in pkg.dependencies or ()
        )
    return result


def reach_by_label(
    roots: Mapping[str, Iterable[str]], edges: Mapping[str, Iterable[str]]
) -> dict[str, tuple[str, ...]]:
    """For every reachable canonical name, the labels ("main", "group:dev") reaching it.

    Lock files mix runtime and dev packages; this is how a package is told apart.
    """
    found: dict[str, list[str]] = {}
    for label, names in roots.items():
        for name in reachable(names, edges):
            found.setdefault(name, []).append(label)
    return {name: tuple(labels) for name, labels in found.items()}
