"""The package's shape, held by a test: imports point down the layers, and no circles.

ARCHITECTURE.md draws the layers; this is the same table in code. Every ``import`` in
``auditor/`` (top level, inside functions, under ``TYPE_CHECKING``) is read with ``ast``
and checked against it, so a change that reaches up a layer fails here with the line.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "auditor"

# Lowest first. A module may import its own unit or any unit of a lower layer; units of
# the same layer may not import each other. The root package (``auditor``) is the public
# facade: it may re-export anything, and others may take only ``__version__`` from it.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"errors", "model", "lazy"}),
    frozenset({"config", "configfile", "cache", "repository", "datafiles", "auditor"}),
    frozenset({"sources"}),
    frozenset({"index"}),
    frozenset({"resolve"}),
    frozenset({"collectors.interface"}),
    frozenset({"collectors.backends.git", "collectors.backends.github"}),
    frozenset({"collectors"}),
    frozenset({"judge"}),
    frozenset({"sponsorship", "summaries"}),
    frozenset({"reporters"}),
    frozenset({"api"}),
    frozenset({"cli"}),
    frozenset({"__main__"}),
)
RANK = {unit: i for i, layer in enumerate(LAYERS) for unit in layer}


@dataclass(frozen=True)
class Import:
    source: str  # importing module, dotted
    target: str  # imported module, dotted
    names: tuple[str, ...]
    line: int
    top_level: bool  # runs at import time (not in a function, not under TYPE_CHECKING)


def unit(module: str) -> str:
    """The layering unit of a dotted module name."""
    parts = module.split(".")
    if len(parts) == 1:
        return "auditor"
    if parts[1] == "collectors" and len(parts) >= 3:
        if parts[2] == "interface":
            return "collectors.interface"
        if parts[2] == "backends" and len(parts) >= 4:
            return f"collectors.backends.{parts[3]}"
    return parts[1]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(source: str, text: str) -> list[Import]:
    """Every import of an ``auditor`` module in ``text``, with whether it runs at import."""
    found: list[Import] = []

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                if child.module.split(".")[0] == "auditor":
                    names = tuple(a.name for a in child.names)
                    found.append(Import(source, child.module, names, child.lineno, top))
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.split(".")[0] == "auditor":
                        found.append(Import(source, alias.name, (), child.lineno, top))
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) or (
                isinstance(child, ast.If) and _is_type_checking(child)
            ):
                visit(child, False)
            else:
                visit(child, top)

    visit(ast.parse(text), True)
    return found


def violation(imp: Import) -> str | None:
    """Why this import breaks the layering, or None when it is allowed."""
    src, dst = unit(imp.source), unit(imp.target)
    where = f"{imp.source} line {imp.line}: imports {imp.target}"
    if src == "auditor":
        return None  # the facade re-exports the public API
    if dst == "auditor":
        if imp.target == "auditor" and set(imp.names) <= {"__version__"}:
            return None
        return f"{where}: only __version__ may be taken from the package root"
    if src not in RANK or dst not in RANK:
        unknown = src if src not in RANK else dst
        return f"{where}: unit {unknown!r} is not in the layer table (add it to ARCHITECTURE.md)"
    if src == dst:
        return None
    if RANK[dst] > RANK[src]:
        return f"{where}: {src} may not import {dst}, a higher layer"
    if RANK[dst] == RANK[src]:
        return f"{where}: {src} and {dst} are one layer and may not import each other"
    return None


def all_imports() -> list[Import]:
    found: list[Import] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        found.extend(imports_of(_module_name(path), path.read_text(encoding="utf-8")))
    return found


def test_every_import_points_down_the_layers() -> None:
    problems = [v for imp in all_imports() if (v := violation(imp)) is not None]
    assert problems == []


def test_no_import_cycle_between_modules_at_import_time() -> None:
    graph: nx.DiGraph[str] = nx.DiGraph()
    for imp in all_imports():
        if imp.top_level and imp.source != imp.target:
            graph.add_edge(imp.source, imp.target)
    cycles = list(nx.simple_cycles(graph))
    assert cycles == []


def test_no_cycle_between_units_counting_every_import() -> None:
    graph: nx.DiGraph[str] = nx.DiGraph()
    for imp in all_imports():
        src, dst = unit(imp.source), unit(imp.target)
        if src != dst and src != "auditor" and dst != "auditor":
            graph.add_edge(src, dst)
    assert list(nx.simple_cycles(graph)) == []


@pytest.mark.parametrize(
    ("source", "code", "allowed"),
    [
        ("auditor.sources.requirements", "from auditor.judge.rules import Rule", False),
        ("auditor.index.client", "from auditor.resolve.graph import DependencyGraph", False),
        ("auditor.collectors.interface", "from auditor.collectors.run import X", False),
        (
            "auditor.collectors.backends.github.rest",
            "from auditor.collectors.github import G",
            False,
        ),
        ("auditor.sponsorship.plan", "from auditor.summaries import Summary", False),
        ("auditor.judge.scoring", "def f():\n    from auditor.reporters.terminal import x", False),
        ("auditor.index.http", "from auditor import api", False),
        ("auditor.index.http", "from auditor import __version__", True),
        (
            "auditor.collectors.backends.github.rest",
            "from auditor.collectors.interface import S",
            True,
        ),
        ("auditor.reporters.html", "from auditor.summaries import Summary", True),
        ("auditor.cli.common", "from auditor.api import Settings", True),
        ("auditor.api", "from auditor.resolve.pipeline import build_graph", True),
    ],
)
def test_the_checker_catches_upward_imports(source: str, code: str, allowed: bool) -> None:
    """The table bites: each wrong direction is reported, each right one passes."""
    (imp,) = imports_of(source, code)
    assert (violation(imp) is None) is allowed


def test_function_level_and_type_checking_imports_are_not_import_time() -> None:
    code = (
        "from typing import TYPE_CHECKING\n"
        "from auditor.model import A\n"
        "if TYPE_CHECKING:\n    from auditor.cache import C\n"
        "def f():\n    from auditor.errors import E\n"
    )
    tops = {i.target: i.top_level for i in imports_of("auditor.config", code)}
    assert tops == {"auditor.model": True, "auditor.cache": False, "auditor.errors": False}
