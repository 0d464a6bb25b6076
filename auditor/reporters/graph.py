"""The resolved graph as text (tree or table), JSON and Graphviz DOT.

Formats return strings and never write: the CLI chooses stdout or ``-o``. Package
names and versions come from the index, so text output strips control characters
before they can reach a terminal.
"""

from __future__ import annotations

import io
from typing import Any

from auditor import __version__
from auditor.reporters.jsontext import dumps_indented
from auditor.reporters.sanitize import clean
from auditor.resolve.graph import DependencyGraph

GRAPH_SCHEMA_VERSION = "1"


def _label(graph: DependencyGraph, name: str) -> str:
    pkg = graph.package(name)
    version = pkg.version or "?"
    extras = f"[{','.join(pkg.extras)}]" if pkg.extras else ""
    note = ""
    if pkg.status.value in ("unresolvable", "direct-url"):
        note = f"  ({pkg.status.value}{': ' + pkg.reason if pkg.reason else ''})"
    elif not pkg.dependencies_known:
        note = "  (dependencies unknown)"
    return clean(f"{name}{extras} {version}{note}")


def render_tree(graph: DependencyGraph, *, why: str | None = None) -> str:
    """An indented tree from each root; a subtree already shown is not repeated."""
    lines: list[str] = []
    if why is not None:
        paths = graph.paths(why)
        if not paths:
            return f"{why} is not in the resolved graph\n"
        lines.append(f"why is {why} here? ({len(paths)} shortest path(s) shown)")
        for path in paths:
            origin = ", ".join(str(r.origin) for r in graph.roots.get(path[0], ()))
            lines.append("  " + " -> ".join(path) + (f"   [{origin}]" if origin else ""))
        return "\n".join(lines) + "\n"
    shown: set[str] = set()

    def walk(name: str, prefix: str, last: bool, top: bool) -> None:
        branch = "" if top else ("└── " if last else "├── ")
        children = [c for c, _ in graph.dependencies(name)]
        repeat = name in shown and children
        lines.append(prefix + branch + _label(graph, name) + ("  (see above)" if repeat else ""))
        if repeat:
            return
        shown.add(name)
        ext = "" if top else ("    " if last else "│   ")
        for i, child in enumerate(children):
            walk(child, prefix + ext, i == len(children) - 1, False)

    for root in sorted(graph.roots):
        if root in graph:
            walk(root, "", True, True)
    lines.append("")
    lines.append(_summary(graph))
    return "\n".join(lines) + "\n"


def _summary(graph: DependencyGraph) -> str:
    direct = sum(1 for r in graph.roots if r in graph)
    target = graph.target
    return (
        f"{len(graph)} packages ({direct} direct, {len(graph) - direct} transitive) "
        f"for Python {target.python_version} on {target.platform}"
    )


def render_table(graph: DependencyGraph, *, width: int = 120, color: bool = False) -> str:
    """Every package: version, depth and which direct requirement pulls it in."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=None, show_lines=False, expand=False)
    table.add_column("package")
    table.add_column("version")
    table.add_column("depth", justify="right")
    table.add_column("pulled in by")
    table.add_column("status")
    for pkg in graph.packages():
        via = graph.via(pkg.name)
        pulled = "direct" if graph.is_direct(pkg.name) else ", ".join(via[:4])
        if len(via) > 4 and not graph.is_direct(pkg.name):
            pulled += f" (+{len(via) - 4})"
        status = pkg.status.value if pkg.dependencies_known else f"{pkg.status.value}, deps unknown"
        table.add_row(
            clean(pkg.name),
            clean(pkg.version or "?"),
            str(graph.depth(pkg.name)),
            clean(pulled),
            status,
        )
    buf = io.StringIO()
    console = Console(
        file=buf, width=width, color_system="auto" if color else None, force_terminal=color
    )
    console.print(table)
    return buf.getvalue() + _summary(graph) + "\n"


def to_data(graph: DependencyGraph) -> dict[str, Any]:
    """A JSON-ready document of the graph; ``schema_version`` changes only on breaks."""
    packages = []
    for pkg in graph.packages():
        packages.append(
            {
                "name": pkg.name,
                "version": pkg.version,
                "status": pkg.status.value,
                "direct": graph.is_direct(pkg.name),
                "depth": graph.depth(pkg.name),
                "extras": list(pkg.extras),
                "url": pkg.url,
                "reason": pkg.reason,
                "requires_python": pkg.requires_python,
                "dependencies_known": pkg.dependencies_known,
                "via": graph.via(pkg.name),
                "reach": graph.reach(pkg.name),
                "origins": graph.origins(pkg.name),
                "dependencies": [
                    {
                        "name": child,
                        "specifier": data.get("specifier") or "",
                        "marker": data.get("marker"),
                    }
                    for child, data in graph.dependencies(pkg.name)
                ],
                "dependents": graph.dependents(pkg.name),
            }
        )
    return {
        "schema_version": GRAPH_SCHEMA_VERSION,
        "tool": {"name": "auditor", "version": __version__},
        "inputs": list(graph.inputs),
        "target": {
            "python_version": graph.target.python_version,
            "platform": graph.target.platform,
        },
        "roots": [
            {
                "name": name,
                "requirements": [{"text": r.text, "origin": str(r.origin)} for r in reqs],
            }
            for name, reqs in sorted(graph.roots.items())
        ],
        "packages": packages,
        "warnings": list(graph.warnings),
    }


def render_json(graph: DependencyGraph) -> str:
    return dumps_indented(to_data(graph)) + "\n"


def render_dot(graph: DependencyGraph) -> str:
    """Graphviz DOT; direct requirements are boxes."""
    out = ["digraph dependencies {", "  rankdir=LR;", "  node [fontname=Helvetica];"]
    for pkg in graph.packages():
        shape = "box" if graph.is_direct(pkg.name) else "ellipse"
        label = f"{pkg.name}\\n{pkg.version or '?'}"
        out.append(f'  "{pkg.name}" [label="{clean(label)}", shape={shape}];')
    for pkg in graph.packages():
        for child, data in graph.dependencies(pkg.name):
            spec = clean(str(data.get("specifier") or ""))
            out.append(
                f'  "{pkg.name}" -> "{child}"' + (f' [label="{spec}"]' if spec else "") + ";"
            )
    out.append("}")
    return "\n".join(out) + "\n"
