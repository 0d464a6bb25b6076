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
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import quote

from auditor import __version__
from auditor.collectors.run import PackageAudit
from auditor.judge.report import ScoredReport
from auditor.judge.scoring import PackageScore
from auditor.reporters.attention import (
    DISPLAY_LEVELS,
    count_levels,
    display_level,
    evidence_gap,
    gate_line,
    level_order,
    nearest_parents,
    path_from_root,
    primary_roots,
    rows,
    verdict,
)
from auditor.reporters.interface import RenderContext, Reporter
from auditor.reporters.sanitize import clean
from auditor.reporters.signals import (
    _bus_factor,
    _evidence_line,
    _funding,
    _place,
    _show,
)
from auditor.summaries import Summary

CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)
MAX_PATHS = 5
MAX_REASONS = 50
_PLACEHOLDER = re.compile(r"@@([A-Z]+)@@")


class HtmlReporter(Reporter):
    """``--format html``: one file with no external resources."""

    def render(self, report: ScoredReport, context: RenderContext) -> str:
        return render_html(report, context.summaries, index_url=context.index_url)


def asset(name: str) -> str:
    """A static file shipped in the package (``auditor/reporters/assets``)."""
    return resources.files("auditor.reporters").joinpath("assets", name).read_text("utf-8")


def script_json(data: Any) -> str:
    """JSON that is safe inside a ``<script>`` element, whatever strings it holds."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, code)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


@lru_cache(maxsize=1 << 16)
def _clean_text(text: str) -> str:
    """``clean`` remembered: rule texts, signal names and reasons repeat across thousands
    of packages, and a 5,000-package page holds about two million strings."""
    return clean(text)


def _cleaned(value: Any) -> Any:
    """Every string without escape sequences and control characters (they would show
    as boxes, and a copied line would carry them into a terminal)."""
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, dict):
        return {_clean_text(str(k)): _cleaned(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_cleaned(v) for v in value]
    return value


def page_data(
    report: ScoredReport, summaries: Mapping[str, Summary], index_url: str | None = None
) -> dict[str, Any]:
    """What the page script renders: meta, one record per package, the edges; every
    string cleaned."""
    return dict(_cleaned(_page_data(report, summaries, index_url)))


def project_page(index_url: str | None, name: str) -> str | None:
    """The package's page on the configured index: ``/project/NAME/`` beside a
    ``.../simple`` index (the usual layout of public indexes), else the index's own
    simple page for it. Only http(s) URLs; None without an index."""
    if not index_url or not index_url.startswith(("https://", "http://")):
        return None
    base = index_url.rstrip("/")
    quoted = quote(name, safe="")
    if base.endswith("/simple"):
        return f"{base[: -len('/simple')]}/project/{quoted}/"
    return f"{base}/{quoted}/"


def _page_data(
    report: ScoredReport, summaries: Mapping[str, Summary], index_url: str | None
) -> dict[str, Any]:
    result = report.result
    names = {p.name for p in result.packages}
    parents = nearest_parents(report)
    owner = primary_roots(report)
    focus: set[str] = set()
    for pkg in result.packages:
        if level_order(display_level(report.score(pkg), report)) < level_order("unknown"):
            focus.update(path_from_root(pkg.name, parents))
    attention = {r.pkg.name for r in rows(report)}
    g = report.gate
    return {
        "meta": {
            "tool": f"auditor {__version__}",
            "verdict": verdict(report),
            "exit_code": g.exit_code,
            "fail_on": report.fail_on,
            "gate": gate_line(report),
            "evidence": evidence_gap(report.result).line(reasons=3),
            "levels": list(DISPLAY_LEVELS),
            "counts": count_levels(report),
            "reasons": list(g.reasons[:MAX_REASONS]),
            "warnings": list(result.warnings[:MAX_REASONS]),
            "inputs": list(result.graph.inputs),
        },
        "packages": [
            _package(
                report,
                p,
                summaries.get(p.name),
                parents,
                group=owner.get(p.name, p.name),
                focus=p.name in focus,
                attention=p.name in attention,
                index_page=project_page(index_url, p.name),
            )
            for p in result.packages
        ],
        "edges": sorted(
            [a, b] for a, b in result.graph.g.edges if a in names and b in names and a != b
        ),
    }


def _package(
    report: ScoredReport,
    pkg: PackageAudit,
    summary: Summary | None,
    parents: Mapping[str, str | None],
    *,
    group: str,
    focus: bool,
    attention: bool,
    index_page: str | None,
) -> dict[str, Any]:
    score: PackageScore = report.score(pkg)
    paths = [path_from_root(pkg.name, parents)]
    others = [r for r in pkg.via if r != paths[0][0]][:MAX_PATHS]
    paths.extend([r, "…", pkg.name] for r in others)
    signals = {
        name: _show(s.value) if s.known else f"unknown: {s.unknown_reason}"
        for name, s in pkg.signals.items()
    }
    repo = None if pkg.repository is None else pkg.repository.url
    return {
        "name": pkg.name,
        "version": pkg.package.version,
        "level": display_level(score, report),  # unknown when its source failed
        "risk": score.risk,
        "vendor_level": score.vendor_level,
        "unknown_heavy": score.unknown_heavy,
        "categories": list(score.context.categories),
        "direct": pkg.direct,
        "depth": pkg.depth,
        "reach": pkg.reach,
        "place": _place(pkg),
        "group": group,
        "focus": focus,
        "attention": attention,
        "origins": list(pkg.origins),
        "paths": paths,
        "reason": report.shown_reason(pkg.name),
        "bus_factor": _bus_factor(pkg),
        "bus_factor_n": _number(
            pkg, "truck_factor", "contributor_absence_factor", "contributor_absence_factor_github"
        ),
        "release_days": _number(pkg, "days_since_release"),
        "push_days": _number(pkg, "pushed_days_ago"),
        "funding": _funding(pkg),
        "state": score.state,
        "state_why": score.state_why,
        "repository": repo if repo and repo.startswith(("https://", "http://")) else None,
        "index_page": index_page,
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


def _number(pkg: PackageAudit, *names: str) -> float | None:
    """The first known numeric signal of ``names``: numbers sort as numbers."""
    for name in names:
        s = pkg.signals.get(name)
        value = None if s is None or not s.known else s.value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
    return None


def render_html(
    report: ScoredReport,
    summaries: Mapping[str, Summary] | None = None,
    *,
    index_url: str | None = None,
) -> str:
    """The page; ``index_url`` (the configured index) gives each package a link to its
    page there."""
    data = page_data(report, summaries or {}, index_url)
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
