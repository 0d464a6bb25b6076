"""A resolution asked before, read back from the cache without loading the resolver.

Why a module of its own: a warm ``audit`` or ``graph`` asks the same question of the
same indexes within the project-data time to live, and the answer is in the cache. The
resolver (resolvelib, the provider) and networkx cost about a quarter of a second to
import; reading the cached graph needs neither. ``resolver.resolve`` uses the same
functions, so the key, the stored shape and the warnings of a reused graph are one code.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from packaging.markers import InvalidMarker, Marker, UndefinedComparison, UndefinedEnvironmentName

from auditor.model import DependencyInput, PackageStatus, Requirement, ResolvedPackage, Target
from auditor.resolve.graph import DependencyGraph, PlainDiGraph

if TYPE_CHECKING:
    from packaging.tags import Tag

    from auditor.index.client import IndexClient
    from auditor.resolve.graph import AnyDiGraph

NAMESPACE = "resolution"


@dataclass(frozen=True, kw_only=True)
class ResolveOptions:
    target: Target
    #: the target's wheel tags, best first (empty until a resolution needs them: a
    #: resolution read back from the cache does not)
    tags: tuple[Tag, ...]
    no_deps: bool = False
    workers: int = 12
    offline: bool = False
    #: rounds of backtracking before the joint resolution gives up (see ``settle``)
    max_rounds: int = 2000


def marker_true(marker: str | None, env: Mapping[str, str], extra: str = "") -> bool:
    if not marker:
        return True
    try:
        return bool(Marker(marker).evaluate({**env, "extra": extra}))
    except (InvalidMarker, UndefinedComparison, UndefinedEnvironmentName):
        return True  # a lock's marker we cannot read: keep the package rather than hide it


def split_requirements(
    inputs: Sequence[DependencyInput], env: Mapping[str, str]
) -> tuple[dict[str, list[Requirement]], list[Requirement], list[str]]:
    """(roots by name, constraints, the inputs' warnings) for this target's markers."""
    roots: dict[str, list[Requirement]] = {}
    constraints: list[Requirement] = []
    warnings: list[str] = []
    for inp in inputs:
        warnings.extend(inp.warnings)
        for req in inp.requirements:
            if not marker_true(req.marker, env):
                continue
            if req.constraint:
                constraints.append(req)
            else:
                roots.setdefault(req.name, []).append(req)
        constraints.extend(c for c in inp.constraints if marker_true(c.marker, env))
    return roots, constraints, warnings


def resolution_key(
    roots: Mapping[str, Sequence[Requirement]],
    constraints: Sequence[Requirement],
    index: IndexClient,
    options: ResolveOptions,
) -> str | None:
    """A key for "this exact question, asked of these indexes, for this target".

    Within the project-data time to live the index answers the same, so the resolution
    would too: a warm run reuses it instead of re-reading every file list. Local direct
    references can change under us at any time, so they are never cached.
    """
    reqs = [r for rs in roots.values() for r in rs] + list(constraints)
    if any(r.url for r in reqs):
        return None
    doc = {
        "v": 1,
        "reqs": sorted(
            [r.name, r.specifier, sorted(r.extras), r.marker or "", r.constraint] for r in reqs
        ),
        "target": list(options.target.marker_environment),
        "indexes": index.index_urls,
        "no_deps": options.no_deps,
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def dump_graph(g: AnyDiGraph) -> dict[str, Any]:
    return {
        "nodes": [
            {**g.nodes[n]["package"].__dict__, "status": g.nodes[n]["package"].status.value}
            for n in g.nodes
        ],
        "edges": [[a, b, dict(d)] for a, b, d in g.edges(data=True)],
    }


def load_resolution(index: IndexClient, key: str | None) -> PlainDiGraph | None:
    if key is None:
        return None
    data = index.cache.get(NAMESPACE, key, allow_expired=index.offline)
    if not data:
        return None
    g = PlainDiGraph()
    try:
        for node in data["nodes"]:
            node = {
                **node,
                "status": PackageStatus(node["status"]),
                "extras": tuple(node["extras"]),
                "pin_conflicts": tuple(node.get("pin_conflicts") or ()),
            }
            g.add_node(node["name"], package=ResolvedPackage(**node))
        for a, b, attrs in data["edges"]:
            attrs["extras"] = tuple(attrs.get("extras") or ())
            g.add_edge(a, b, **attrs)
    except (KeyError, TypeError, ValueError):
        return None
    return g


def unresolvable_notes(graph: AnyDiGraph, roots: Mapping[str, Sequence[Requirement]]) -> list[str]:
    """One warning per package kept in the graph without a release: reports show such a
    package's version as "?", and the reason must be said somewhere every format keeps."""
    notes: list[str] = []
    for name in sorted(graph.nodes):
        pkg: ResolvedPackage = graph.nodes[name]["package"]
        if pkg.status is not PackageStatus.UNRESOLVABLE:
            continue
        where = f"{roots[name][0].origin}: " if roots.get(name) else ""
        notes.append(f"{where}{name} is unresolvable: {pkg.reason or 'no reason recorded'}")
    return notes


def reused_graph(
    inputs: Sequence[DependencyInput], *, index: IndexClient, options: ResolveOptions
) -> DependencyGraph | None:
    """The graph ``resolver.resolve`` would return from its cache, or None when it
    would have to resolve (or read locks): then call it."""
    if not inputs or any(inp.locked is not None for inp in inputs):
        return None
    roots, constraints, warnings = split_requirements(inputs, options.target.markers())
    graph = load_resolution(index, resolution_key(roots, constraints, index, options))
    if graph is None:
        return None
    return DependencyGraph(
        graph,
        roots,
        target=options.target,
        inputs=[inp.path for inp in inputs],
        warnings=warnings + index.warnings + unresolvable_notes(graph, roots),
    )
