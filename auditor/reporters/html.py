"""The report as one self-contained HTML page: summary, sortable table, dependency graph.

Why self-contained: the page is opened from a CI artefact or an e-mail, often offline,
and a report about supply-chain risk should not itself load code from a CDN. The CSS and
JavaScript ship in ``auditor/reporters/assets/`` and are inlined; a Content-Security-Policy
forbids any network access from the page.

Why the data travels as JSON, not as markup: package-supplied text (names, reasons,
summaries) is untrusted. It is embedded once in a ``<script type="application/json">``
block with ``<``, ``>`` and ``&`` written as ``\\u`` escapes (so no ``</script>`` can close
it), and the page's script only ever puts it in the DOM with ``textContent``.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from importlib import resources
from typing import Any

from auditor import __version__
from auditor.collectors.run import PackageAudit
from auditor.judge.report import ScoredReport
from auditor.judge.scoring import PackageScore
from auditor.reporters.interface import RenderContext, Reporter
from auditor.reporters.sanitize import clean
from auditor.reporters.signals import (
    _activity,
    _bus_factor,
    _evidence_line,
    _funding,
    _place,
    _show,
    headline,
)
from auditor.resolve.graph import DependencyGraph
from auditor.summaries import Summary

CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)
MAX_PATHS = 5
_PLACEHOLDER = re.compile(r"@@([A-Z]+)@@")
_VERDICT = {0: "PASS", 1: "FAIL", 3: "UNTRUSTWORTHY"}


class HtmlReporter(Reporter):
    """``--format html``: one file with no external resources."""

    def render(self, report: ScoredReport, context: RenderContext) -> str:
        return render_html(report, context.summaries)


def asset(name: str) -> str:
    """A static file shipped in the package (``auditor/reporters/assets``)."""
    return resources.files("auditor.reporters").joinpath("assets", name).read_text("utf-8")


def script_json(data: Any) -> str:
    """JSON that is safe inside a ``<script>`` element, whatever strings it holds."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, code)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _cleaned(value: Any) -> Any:
    """Every string without escape sequences and control characters (they would show
    as boxes, and a copied line would carry them into a terminal)."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {clean(str(k)): _cleaned(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_cleaned(v) for v in value]
    return value


def page_data(report: ScoredReport, summaries: Mapping[str, Summary]) -> dict[str, Any]:
    """What the page script renders: meta, one record per package, the edges; every
    string cleaned."""
    return dict(_cleaned(_page_data(report, summaries)))


def _page_data(report: ScoredReport, summaries: Mapping[str, Summary]) -> dict[str, Any]:
    result = report.result
    names = {p.name for p in result.packages}
    parents = _bfs_parents(result.graph)
    g = report.gate
    return {
        "meta": {
            "tool": f"auditor {__version__}",
            "verdict": _VERDICT.get(g.exit_code, "FAIL"),
            "exit_code": g.exit_code,
            "fail_on": report.fail_on,
            "headline": headline(report),
            "counts": report.counts(),
            "reasons": list(g.reasons),
            "warnings": list(result.warnings),
            "inputs": list(result.graph.inputs),
        },
        "packages": [_package(report, p, summaries.get(p.name), parents) for p in result.packages],
        "edges": sorted(
            [a, b] for a, b in result.graph.g.edges if a in names and b in names and a != b
        ),
    }


def _bfs_parents(graph: DependencyGraph) -> dict[str, str | None]:
    """One breadth-first search from all roots: each package's parent on a shortest path.

    ``graph.paths`` answers "why" fully but costs a graph copy per call; a page with
    thousands of packages needs one path each, computed once.
    """
    parents: dict[str, str | None] = {}
    frontier = sorted(r for r in graph.roots if r in graph)
    for root in frontier:
        parents[root] = None
    while frontier:
        nxt: list[str] = []
        for node in frontier:
            for child in sorted(graph.g.successors(node)):
                if child not in parents:
                    parents[child] = node
                    nxt.append(child)
        frontier = nxt
    return parents


def _path(name: str, parents: Mapping[str, str | None]) -> list[str]:
    path = [name]
    seen = {name}
    current = parents.get(name)
    while current is not None and current not in seen:
        path.append(current)
        seen.add(current)
        current = parents.get(current)
    return path[::-1]


def _package(
    report: ScoredReport,
    pkg: PackageAudit,
    summary: Summary | None,
    parents: Mapping[str, str | None],
) -> dict[str, Any]:
    score: PackageScore = report.score(pkg)
    paths = [_path(pkg.name, parents)]
    others = [r for r in pkg.via if r != paths[0][0]][:MAX_PATHS]
    paths.extend([r, "…", pkg.name] for r in others)
    signals = {
        name: _show(s.value) if s.known else f"unknown: {s.unknown_reason}"
        for name, s in pkg.signals.items()
    }
    return {
        "name": pkg.name,
        "version": pkg.package.version,
        "level": report.shown_level(pkg.name),  # "unknown" when its data source failed
        "risk": score.risk,
        "vendor_level": score.vendor_level,
        "unknown_heavy": score.unknown_heavy,
        "categories": list(score.context.categories),
        "direct": pkg.direct,
        "depth": pkg.depth,
        "reach": pkg.reach,
        "place": _place(pkg),
        "origins": list(pkg.origins),
        "paths": paths,
        "reason": report.shown_reason(pkg.name),
        "bus_factor": _bus_factor(pkg),
        "activity": _activity(pkg),
        "funding": _funding(pkg),
        "state": score.state,
        "state_why": score.state_why,
        "repository": None if pkg.repository is None else pkg.repository.url,
        "findings": [
            {
                "rule": f.rule_id,
                "severity": f.severity,
                "kind": f.kind,
                "outcome": f.outcome,
                "summary": f.summary,
                "remediation": " ".join(f.remediation.split()),
                "acceptance": None if f.acceptance is None else f.acceptance.describe(),
                "evidence": [_evidence_line(e) for e in f.evidence],
            }
            for f in score.findings
        ],
        "signals": signals,
        "summary": None if summary is None else summary.to_json(),
    }


def render_html(report: ScoredReport, summaries: Mapping[str, Summary] | None = None) -> str:
    data = page_data(report, summaries or {})
    title = html.escape(f"auditor report: {', '.join(report.result.graph.inputs) or 'audit'}")
    generated = (
        '<p class="muted">Text marked <em>generated</em> was written by a local model '
        "from the evidence; it does not affect any score or the gate.</p>"
        if summaries
        else ""
    )
    values = {
        "CSP": CSP,
        "VERSION": html.escape(__version__),
        "TITLE": title,
        "GENERATED": generated,
        "CSS": asset("report.css"),
        "JS": asset("report.js"),
        "DATA": script_json(data),
    }
    # One pass, so a placeholder-looking string inside the data is never substituted.
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], asset("report.html"))
