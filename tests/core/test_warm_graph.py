"""A resolution read back from the cache is the same graph, without the resolver.

``PlainDiGraph`` stands in for networkx on the warm path: every question a report asks of
the graph must get networkx's answer, in networkx's order. ``reused_graph`` must return
what ``resolve`` returns from its cache: same packages, edges, roots and warnings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.cache import Cache
from auditor.model import DependencyInput, Origin, PackageStatus, Requirement, ResolvedPackage
from auditor.resolve.graph import DependencyGraph, PlainDiGraph
from auditor.resolve.resolver import resolve
from auditor.resolve.reuse import reused_graph
from tests.core.conftest import client, options
from tests.core.test_resolve import req
from tests.fakes import FakeIndex

NAMES = st.sampled_from(["a", "b", "c", "d", "e", "f", "g"])
EDGES = st.lists(st.tuples(NAMES, NAMES, st.sampled_from(["", ">=1", "<2"])), max_size=14)


def _package(name: str) -> ResolvedPackage:
    return ResolvedPackage(
        name=name, display_name=name.upper(), version="1.0", status=PackageStatus.RESOLVED
    )


def _both(loose: list[str], edges: list[tuple[str, str, str]]) -> tuple[nx.DiGraph, PlainDiGraph]:
    graphs = (nx.DiGraph(), PlainDiGraph())
    for g in graphs:
        for name in loose:
            g.add_node(name, package=_package(name))
        for a, b, spec in edges:
            g.add_edge(a, b, specifier=spec, extras=())
        for name in list(g.nodes):
            g.nodes[name]["package"] = _package(name)
    return graphs


def _root(name: str) -> Requirement:
    return Requirement(name=name, display_name=name, origin=Origin(path="r.txt", line=1), text=name)


@settings(max_examples=150, deadline=None)
@given(loose=st.lists(NAMES, max_size=4), edges=EDGES, roots=st.sets(NAMES, max_size=3))
def test_plain_graph_answers_as_networkx_does(
    loose: list[str], edges: list[tuple[str, str, str]], roots: set[str]
) -> None:
    nxg, plain = _both(loose, edges)
    assert list(plain.nodes) == list(nxg.nodes)
    assert len(plain.nodes) == len(nxg.nodes) == plain.number_of_nodes()
    assert list(plain.edges) == list(nxg.edges)
    assert list(plain.edges(data=True)) == list(nxg.edges(data=True))
    for name in ["a", "b", "c", "d", "e", "f", "g"]:
        assert (name in plain) == (name in nxg)
        for other in ["a", "b", "z"]:
            assert plain.has_edge(name, other) == nxg.has_edge(name, other)
        if name not in nxg:
            continue
        assert list(plain.successors(name)) == list(nxg.successors(name))
        assert list(plain.predecessors(name)) == list(nxg.predecessors(name))
        assert list(plain.out_edges(name, data=True)) == list(nxg.out_edges(name, data=True))

    root_reqs = {r: [_root(r)] for r in sorted(roots)}
    target = options().target
    a = DependencyGraph(nxg, root_reqs, target=target, inputs=["r.txt"])
    b = DependencyGraph(plain, root_reqs, target=target, inputs=["r.txt"])
    assert b.packages() == a.packages()
    for name in nxg.nodes:
        assert b.depth(name) == a.depth(name)
        assert b.via(name) == a.via(name)
        assert b.reach(name) == a.reach(name)
        assert b.dependencies(name) == a.dependencies(name)
        assert b.dependents(name) == a.dependents(name)
        assert b.paths(name) == a.paths(name)
        assert b.origins(name) == a.origins(name)


def test_a_descendant_on_a_cycle_is_not_its_own_descendant() -> None:
    nxg, plain = _both([], [("a", "b", ""), ("b", "a", ""), ("b", "c", "")])
    roots = {"a": [_root("a")], "c": [_root("c")]}
    target = options().target
    a = DependencyGraph(nxg, roots, target=target, inputs=["r.txt"])
    b = DependencyGraph(plain, roots, target=target, inputs=["r.txt"])
    assert [b.via(n) for n in "abc"] == [a.via(n) for n in "abc"] == [["a"], ["a"], ["a", "c"]]


def _inputs(*reqs: Requirement) -> list[DependencyInput]:
    return [DependencyInput(path="requirements.txt", kind="requirements", requirements=reqs)]


def _same(first: DependencyGraph, second: DependencyGraph) -> None:
    assert second.packages() == first.packages()
    assert list(second.g.nodes) == list(first.g.nodes)
    edges: list[Any] = list(first.g.edges(data=True))
    assert list(second.g.edges(data=True)) == edges
    assert second.roots == first.roots
    assert second.warnings == first.warnings
    assert second.partial == first.partial == ()
    assert second.target == first.target and second.inputs == first.inputs


def test_the_reused_graph_is_the_resolved_one(fake_index: FakeIndex, tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    inputs = _inputs(req("requests"), req("idna<4", line=2))
    cold = resolve(inputs, index=client(fake_index, Cache(path)), options=options())
    assert isinstance(cold.g, PlainDiGraph)  # the resolver builds no networkx graph either
    fake_index.requests.clear()

    warm = reused_graph(inputs, index=client(fake_index, Cache(path)), options=options())
    assert warm is not None and isinstance(warm.g, PlainDiGraph)
    _same(cold, warm)
    # resolve() itself answers from the same cache entry, with the same graph.
    again = resolve(inputs, index=client(fake_index, Cache(path)), options=options())
    _same(cold, again)
    assert len(fake_index.requests) == 0


def test_nothing_is_reused_for_another_question(fake_index: FakeIndex, tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    resolve(_inputs(req("requests")), index=client(fake_index, Cache(path)), options=options())
    index = client(fake_index, Cache(path))
    assert reused_graph(_inputs(req("requests<3")), index=index, options=options()) is None
    assert reused_graph(_inputs(req("requests")), index=index, options=options("3.11")) is None
    assert reused_graph([], index=index, options=options()) is None
    assert reused_graph(_inputs(req("requests")), index=index, options=options()) is not None


def test_a_damaged_entry_is_not_reused(fake_index: FakeIndex, tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    inputs = _inputs(req("requests"))
    resolve(inputs, index=client(fake_index, Cache(path)), options=options())
    cache = Cache(path)
    conn = cache._connection()
    with conn:
        conn.execute('update entries set value = \'{"nodes": [{"x": 1}], "edges": []}\'')
    assert reused_graph(inputs, index=client(fake_index, cache), options=options()) is None
