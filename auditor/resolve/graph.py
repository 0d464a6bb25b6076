"""The resolved dependency graph and the questions asked of it.

Nodes are canonical package names carrying a ``ResolvedPackage``; an edge ``a -> b``
means a release of ``a`` requires ``b`` (edge data: specifier, marker, extras). The
user's direct requirements are the roots. Answers that every report needs (depth, which
direct requirement pulls a package in, reach) are computed once and memoised.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from itertools import islice
from typing import Any

import networkx as nx

from auditor.model import PackageStatus, Requirement, ResolvedPackage, Target


class DependencyGraph:
    """A DiGraph plus the user's roots. Treat it as read-only once built."""

    def __init__(
        self,
        graph: nx.DiGraph,
        roots: Mapping[str, Sequence[Requirement]],
        *,
        target: Target,
        inputs: Sequence[str],
        warnings: Sequence[str] = (),
    ) -> None:
        self.g = graph
        self.roots: dict[str, tuple[Requirement, ...]] = {k: tuple(v) for k, v in roots.items()}
        self.target = target
        self.inputs = tuple(inputs)
        self.warnings = tuple(warnings)

    # -- nodes ------------------------------------------------------------------------

    def __contains__(self, name: object) -> bool:
        return name in self.g

    def __len__(self) -> int:
        return int(self.g.number_of_nodes())

    def package(self, name: str) -> ResolvedPackage:
        pkg: ResolvedPackage = self.g.nodes[name]["package"]
        return pkg

    def packages(self) -> list[ResolvedPackage]:
        """Every package, direct ones first, then by depth and name."""
        return sorted(
            (self.package(n) for n in self.g.nodes),
            key=lambda p: (self.depth(p.name), p.name),
        )

    def dependencies(self, name: str) -> list[tuple[str, dict[str, Any]]]:
        return sorted((child, dict(data)) for _, child, data in self.g.out_edges(name, data=True))

    def dependents(self, name: str) -> list[str]:
        """Packages that require ``name`` directly."""
        return sorted(self.g.predecessors(name))

    # -- structure --------------------------------------------------------------------

    @cached_property
    def _depths(self) -> dict[str, int]:
        depths: dict[str, int] = {}
        frontier = [r for r in self.roots if r in self.g]
        for r in frontier:
            depths[r] = 0
        level = 0
        while frontier:
            level += 1
            nxt: list[str] = []
            for node in frontier:
                for child in self.g.successors(node):
                    if child not in depths:
                        depths[child] = level
                        nxt.append(child)
            frontier = nxt
        return depths

    def depth(self, name: str) -> int:
        """0 for a direct requirement; -1 for a node no root reaches (should not happen)."""
        return self._depths.get(name, -1)

    @cached_property
    def _via(self) -> dict[str, frozenset[str]]:
        via: dict[str, set[str]] = {n: set() for n in self.g.nodes}
        for root in self.roots:
            if root not in self.g:
                continue
            via[root].add(root)
            for node in nx.descendants(self.g, root):
                via[node].add(root)
        return {k: frozenset(v) for k, v in via.items()}

    def via(self, name: str) -> list[str]:
        """The direct requirements that pull ``name`` into the graph."""
        return sorted(self._via.get(name, frozenset()))

    def reach(self, name: str) -> int:
        """How many direct requirements depend on ``name`` (itself included if direct)."""
        return len(self._via.get(name, frozenset()))

    def is_direct(self, name: str) -> bool:
        return name in self.roots

    def paths(self, name: str, limit: int = 10) -> list[list[str]]:
        """Shortest paths from the roots to ``name`` ("why is X here"), at most ``limit``."""
        if name not in self.g:
            return []
        source = object()
        h = nx.DiGraph(self.g.edges)
        h.add_nodes_from(self.g.nodes)
        h.add_edges_from((source, r) for r in self.roots if r in self.g)
        found: Iterator[list[Any]] = nx.shortest_simple_paths(h, source, name)
        try:
            return [list(p[1:]) for p in islice(found, limit)]
        except nx.NetworkXNoPath:
            return []

    def origins(self, name: str) -> list[str]:
        """file:line of each direct requirement that brings ``name`` in."""
        out: list[str] = []
        for root in self.via(name):
            out.extend(str(r.origin) for r in self.roots.get(root, ()))
        return sorted(set(out))

    def unresolvable(self) -> list[ResolvedPackage]:
        return [p for p in self.packages() if p.status is PackageStatus.UNRESOLVABLE]
