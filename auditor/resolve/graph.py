"""The resolved dependency graph and the questions asked of it.

Nodes are canonical package names carrying a ``ResolvedPackage``; an edge ``a -> b``
means a release of ``a`` requires ``b`` (edge data: specifier, marker, extras). The
user's direct requirements are the roots. Answers that every report needs (depth, which
direct requirement pulls a package in, reach) are computed once and memoised.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cached_property
from itertools import islice
from typing import TYPE_CHECKING, Any, TypeAlias, overload

from auditor.model import PackageStatus, Requirement, ResolvedPackage, Target

if TYPE_CHECKING:
    import networkx as nx


class _NodeView:
    """``graph.nodes``: iterate names in insertion order, ``nodes[name]`` is its data."""

    __slots__ = ("_data",)

    def __init__(self, data: dict[str, dict[str, Any]]) -> None:
        self._data = data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, name: object) -> bool:
        return name in self._data

    def __getitem__(self, name: str) -> dict[str, Any]:
        return self._data[name]


class _EdgeView:
    """``graph.edges``: (a, b) pairs in networkx's order (by node, then by insertion);
    ``graph.edges(data=True)`` gives (a, b, data)."""

    __slots__ = ("_succ",)

    def __init__(self, succ: dict[str, dict[str, dict[str, Any]]]) -> None:
        self._succ = succ

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return ((a, b) for a, nbrs in self._succ.items() for b in nbrs)

    def __len__(self) -> int:
        return sum(len(nbrs) for nbrs in self._succ.values())

    def __getitem__(self, pair: tuple[str, str]) -> dict[str, Any]:
        """``graph.edges[a, b]``: the edge's data, as networkx gives it."""
        a, b = pair
        return self._succ[a][b]

    @overload
    def __call__(self, *, data: bool = False) -> Iterator[Any]: ...

    @overload
    def __call__(self, nbunch: str, *, data: bool = False) -> Iterator[Any]: ...

    def __call__(self, nbunch: str | None = None, *, data: bool = False) -> Iterator[Any]:
        sources = self._succ if nbunch is None else {nbunch: self._succ[nbunch]}
        for a, nbrs in sources.items():
            for b, attrs in nbrs.items():
                yield (a, b, attrs) if data else (a, b)


class PlainDiGraph:
    """The part of ``networkx.DiGraph`` a dependency graph uses, in plain dictionaries.

    Why not networkx here: importing it costs about 0.2 s of CPU, most of a warm audit
    that reads its resolution from the cache and asks nothing of the graph but its
    nodes, edges and neighbours, and on a cold resolution it was 0.1-0.2 s spent on the
    resolver's thread before the first request. The resolver builds these too; only
    ``DependencyGraph.paths`` uses networkx (loaded then) for "why is X here".
    Same iteration orders as networkx: nodes as added, edges by node then as added.
    """

    def __init__(self) -> None:
        self._node: dict[str, dict[str, Any]] = {}
        self._succ: dict[str, dict[str, dict[str, Any]]] = {}
        self._pred: dict[str, dict[str, dict[str, Any]]] = {}

    def add_node(self, name: str, **attrs: Any) -> None:
        if name not in self._node:
            self._node[name] = {}
            self._succ[name] = {}
            self._pred[name] = {}
        self._node[name].update(attrs)

    def add_edge(self, a: str, b: str, **attrs: Any) -> None:
        for name in (a, b):
            if name not in self._node:
                self.add_node(name)
        data = self._succ[a].get(b)
        if data is None:
            data = {}
            self._succ[a][b] = data
            self._pred[b][a] = data
        data.update(attrs)

    def add_edges_from(self, edges: Iterable[tuple[str, str, Mapping[str, Any]]]) -> None:
        for a, b, attrs in edges:
            self.add_edge(a, b, **attrs)

    @property
    def nodes(self) -> _NodeView:
        return _NodeView(self._node)

    @property
    def edges(self) -> _EdgeView:
        return _EdgeView(self._succ)

    def out_edges(self, name: str, *, data: bool = False) -> Iterator[Any]:
        return self.edges(name, data=data)

    def successors(self, name: str) -> Iterator[str]:
        return iter(self._succ[name])

    def predecessors(self, name: str) -> Iterator[str]:
        return iter(self._pred[name])

    def has_edge(self, a: str, b: str) -> bool:
        return b in self._succ.get(a, {})

    def number_of_nodes(self) -> int:
        return len(self._node)

    def __contains__(self, name: object) -> bool:
        return name in self._node

    def __iter__(self) -> Iterator[str]:
        return iter(self._node)

    def __len__(self) -> int:
        return len(self._node)


if TYPE_CHECKING:
    #: what a DependencyGraph holds: a networkx DiGraph (built by the resolver) or a
    #: ``PlainDiGraph`` (read back from the cache); both answer the same questions
    AnyDiGraph: TypeAlias = "nx.DiGraph | PlainDiGraph"


def _descendants(graph: AnyDiGraph, root: str) -> set[str]:
    """Every node reachable from ``root``, the root itself excluded (as
    ``networkx.descendants`` answers, even on a cycle)."""
    seen: set[str] = set()
    stack: list[str] = [root]
    while stack:
        for child in graph.successors(stack.pop()):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    seen.discard(root)
    return seen


class DependencyGraph:
    """A DiGraph plus the user's roots. Treat it as read-only once built."""

    def __init__(
        self,
        graph: AnyDiGraph,
        roots: Mapping[str, Sequence[Requirement]],
        *,
        target: Target,
        inputs: Sequence[str],
        warnings: Sequence[str] = (),
        partial: Sequence[str] = (),
    ) -> None:
        self.g = graph
        #: why the graph is not one consistent resolution (empty when it is): the CLI
        #: exits 3 on a partial graph, after auditing what it holds
        self.partial = tuple(partial)
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
            for node in _descendants(self.g, root):
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
        import networkx as nx  # loaded here: only "why is X here" questions need it

        source = object()
        h = nx.DiGraph(list(self.g.edges))
        h.add_nodes_from(self.g.nodes)
        h.add_node(source)  # a graph none of whose roots it holds: no path, not a crash
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
