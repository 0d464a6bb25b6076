"""An audit as a risk report (text, JSON), its raw signals table, and one package explained.

Formats return strings and never write: the CLI picks stdout or ``-o``. The risk report
groups packages by level, worst first, so the ones to act on are at the top; the signals
table (``--format signals``) is the raw evidence behind it. Values that come
from the index or GitHub (names, URLs, reasons) are untrusted text, so everything that
reaches a terminal goes through ``clean``. The JSON keeps every signal of every package,
known ones with value, source and fetch time, unknown ones with the reason, so a reader
can tell "not collected" from "zero".
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from auditor import __version__
from auditor.collectors.interface import JSONValue, Signal, SignalSpec
from auditor.collectors.run import AuditResult, PackageAudit
from auditor.judge.policy import Change
from auditor.judge.report import ScoredReport, counting_hits, reason, resolutions
from auditor.judge.scoring import Evidence, PackageScore, level_rank
from auditor.reporters.jsontext import dumps_indented
from auditor.reporters.sanitize import clean

if TYPE_CHECKING:
    from auditor.summaries import Summary

AUDIT_SCHEMA_VERSION = "2"  # auditor/schemas/CHANGELOG.md says what changed


# -- JSON ------------------------------------------------------------------------------------


def signal_data(signal: Signal, spec: SignalSpec | None = None) -> dict[str, JSONValue]:
    """``{"value", "source", "fetched_at"}`` or ``{"unknown", "source", "fetched_at"}``,
    with the declared ``type`` when the catalog knows the signal (the schema checks the
    value against it)."""
    head: dict[str, JSONValue] = (
        {"value": signal.value} if signal.known else {"unknown": signal.unknown_reason}
    )
    typed: dict[str, JSONValue] = {"type": spec.type} if spec is not None else {}
    return {
        **head,
        **typed,
        "source": signal.source,
        "fetched_at": signal.fetched_at.isoformat(),
    }


def repository_data(pkg: PackageAudit) -> dict[str, str] | None:
    repo = pkg.repository
    if repo is None:
        return None
    return {"url": repo.url, "confidence": repo.confidence, "how": pkg.repository_how or repo.how}


def package_data(
    pkg: PackageAudit, specs: Mapping[str, SignalSpec] | None = None
) -> dict[str, Any]:
    known = specs or {}
    return {
        "name": pkg.name,
        "version": pkg.package.version,
        # how the graph knows this package: an unresolvable one says why, so "?" is
        # never read as "fine"
        "status": pkg.package.status.value,
        "status_reason": pkg.package.reason,
        "dependencies_known": pkg.package.dependencies_known,
        "direct": pkg.direct,
        "depth": pkg.depth,
        "reach": pkg.reach,
        "via": list(pkg.via),
        "origins": list(pkg.origins),
        "repository": repository_data(pkg),
        "signals": {name: signal_data(s, known.get(name)) for name, s in pkg.signals.items()},
    }


def to_data(result: AuditResult) -> dict[str, Any]:
    """A JSON-ready document; ``schema_version`` changes only on breaking changes."""
    graph = result.graph
    return {
        "schema_version": AUDIT_SCHEMA_VERSION,
        "tool": {"name": "auditor", "version": __version__},
        "target": {
            "inputs": list(graph.inputs),
            "python_version": graph.target.python_version,
            "platform": graph.target.platform,
        },
        "collectors": {
            "run": list(result.collectors_run),
            "skipped": list(result.collectors_skipped),
        },
        "packages": [package_data(p, result.specs) for p in result.packages],
        "unknown_summary": [
            {
                "collector": u.collector,
                "reason": u.reason,
                "signals": u.signals,
                "packages": u.packages,
            }
            for u in result.unknown
        ],
        "warnings": list(result.warnings),
    }


def render_json(result: AuditResult) -> str:
    return dumps_indented(to_data(result)) + "\n"


# -- text ------------------------------------------------------------------------------------


def _value(pkg: PackageAudit, name: str) -> JSONValue:
    signal = pkg.signals.get(name)
    return signal.value if signal is not None and signal.known else None


def _known(pkg: PackageAudit, name: str) -> bool:
    signal = pkg.signals.get(name)
    return signal is not None and signal.known


def _cell(pkg: PackageAudit, name: str, fmt: str = "{}") -> str:
    return fmt.format(_value(pkg, name)) if _known(pkg, name) else "?"


def _funding(pkg: PackageAudit) -> str:
    names = ("funding_links_index", "funding_links", "has_sponsors_listing")
    known = [n for n in names if _known(pkg, n)]
    if any(_value(pkg, n) for n in known):
        return "yes"
    return "no" if len(known) == len(names) else "?"


def _contributors(pkg: PackageAudit) -> str:
    count = _cell(pkg, "contributors_count")
    share = _value(pkg, "top_contributor_share")
    if isinstance(share, int | float) and not isinstance(share, bool):
        return f"{count} / {share:.0%}"
    return f"{count} / ?"


def _archived(pkg: PackageAudit) -> str:
    if not _known(pkg, "archived"):
        return "?"
    return "ARCHIVED" if _value(pkg, "archived") else "no"


def render_text(
    result: AuditResult, *, width: int = 120, color: bool = False, git: bool = False
) -> str:
    """A table of the main signals per package ('?' is unknown), then why things are unknown."""
    from rich.console import Console  # loaded for this table only: JSON needs no rich
    from rich.table import Table

    table = Table(title=None, show_lines=False, expand=False)
    for header, justify in (
        ("package", "left"),
        ("version", "left"),
        ("depth", "right"),
        ("publishers", "right"),
        ("last release", "right"),
        ("repository", "left"),
        ("archived", "left"),
        ("contributors / top", "right"),
        *((("truck factor", "right"),) if git else ()),
        ("funding", "left"),
    ):
        table.add_column(header, justify=justify)
    for pkg in result.packages:
        repo = pkg.repository.slug if pkg.repository is not None else None
        if repo is None and _known(pkg, "repository_url"):
            repo = str(_value(pkg, "repository_url"))
        row = [
            pkg.name,
            pkg.package.version or "?",
            "direct" if pkg.direct else str(pkg.depth),
            _cell(pkg, "index_publisher_count"),
            _cell(pkg, "days_since_release", "{} d"),
            repo or "?",
            _archived(pkg),
            _contributors(pkg),
            *((_cell(pkg, "truck_factor"),) if git else ()),
            _funding(pkg),
        ]
        table.add_row(*(clean(c) for c in row))
    buf = io.StringIO()
    console = Console(
        file=buf, width=width, color_system="auto" if color else None, force_terminal=color
    )
    console.print(table)
    return buf.getvalue() + "".join(line + "\n" for line in summary_lines(result))


def summary_lines(result: AuditResult) -> list[str]:
    graph = result.graph
    direct = sum(1 for p in result.packages if p.direct)
    total_signals = sum(len(p.signals) for p in result.packages)
    unknown = sum(u.signals for u in result.unknown)
    lines = [
        f"{len(result.packages)} packages ({direct} direct, {len(result.packages) - direct} "
        f"transitive) for Python {graph.target.python_version} on {graph.target.platform}; "
        f"collectors: {', '.join(result.collectors_run) or 'none'}"
        + (
            f" (skipped: {', '.join(result.collectors_skipped)})"
            if result.collectors_skipped
            else ""
        ),
        f"{unknown} of {total_signals} signals unknown" + (":" if unknown else "."),
    ]
    for u in result.unknown[:8]:
        lines.append(
            f"  {u.signals:>5}  {u.collector}: {clean(u.reason)} ({u.packages} package(s))"
        )
    if len(result.unknown) > 8:
        rest = sum(u.signals for u in result.unknown[8:])
        lines.append(
            f"  {rest:>5}  for {len(result.unknown) - 8} other reasons (see --format json)"
        )
    return lines


# -- explain ---------------------------------------------------------------------------------


def age(fetched_at: datetime, now: datetime) -> str:
    """'fetched just now', 'fetched 3 h ago', 'fetched 2 d ago'."""
    seconds = max(0.0, (now - fetched_at).total_seconds())
    if seconds < 60:
        return "fetched just now"
    if seconds < 3600:
        return f"fetched {int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"fetched {int(seconds // 3600)} h ago"
    return f"fetched {int(seconds // 86400)} d ago"


def explain_data(
    result: AuditResult, pkg: PackageAudit, now: datetime, score: PackageScore | None = None
) -> dict[str, Any]:
    data = package_data(pkg, result.specs)
    if score is not None:
        data.update(explain_score_data(score))
    data["paths"] = _paths(result, pkg)
    data["repository_url"] = _value(pkg, "repository_url")
    for name, signal in pkg.signals.items():
        data["signals"][name]["age"] = age(signal.fetched_at, now)
    data["schema_version"] = AUDIT_SCHEMA_VERSION
    data["warnings"] = list(result.warnings)
    return data


def _paths(result: AuditResult, pkg: PackageAudit) -> list[dict[str, Any]]:
    graph = result.graph
    out: list[dict[str, Any]] = []
    for path in graph.paths(pkg.name):
        origins = [str(r.origin) for r in graph.roots.get(path[0], ())]
        out.append({"path": path, "origins": origins})
    return out


def render_explain_json(
    result: AuditResult, pkg: PackageAudit, now: datetime, score: PackageScore | None = None
) -> str:
    return dumps_indented(explain_data(result, pkg, now, score)) + "\n"


def render_explain_text(
    result: AuditResult, pkg: PackageAudit, now: datetime, score: PackageScore | None = None
) -> str:
    """Every signal with value, source and age; the repository mapping; the paths; and,
    with a score, every rule's outcome and evidence and what would lower the risk."""
    lines = [f"{pkg.name} {pkg.package.version or '?'}"]
    lines.append(
        f"  {'direct requirement' if pkg.direct else f'transitive, depth {pkg.depth}'}; "
        f"reached from {pkg.reach} direct requirement(s)"
    )
    lines.append("")
    lines.append("repository:")
    fault = result.faults.get(pkg.name)
    if pkg.repository is None and fault is not None:
        lines.append(f"  unknown: {fault}")
    elif pkg.repository is not None:
        lines.append(f"  {pkg.repository.url}  (confidence {pkg.repository.confidence})")
        lines.append(f"  found via {pkg.repository_how or pkg.repository.how}")
    elif _known(pkg, "repository_url"):
        lines.append(f"  {_value(pkg, 'repository_url')}  (recorded, not fetched)")
        lines.append(f"  found via {pkg.repository_how or '?'}")
    else:
        lines.append("  none known (no source, homepage or GitHub link in its Project-URLs)")
    lines.append("")
    lines.append("why is it here:")
    for item in _paths(result, pkg):
        where = f"   [{', '.join(item['origins'])}]" if item["origins"] else ""
        lines.append("  " + " -> ".join(item["path"]) + where)
    lines.append("")
    if score is not None:
        lines.extend(explain_score_lines(score, fault=fault))
        lines.append("")
    lines.extend(_signal_lines(pkg.signals, now))
    if result.warnings:
        lines.append("")
        lines.extend(f"note: {w}" for w in result.warnings)
    return "".join(clean(line) + "\n" for line in lines)


def _signal_lines(signals: Mapping[str, Signal], now: datetime) -> list[str]:
    lines: list[str] = []
    by_collector: dict[str, list[Signal]] = {}
    for signal in signals.values():
        by_collector.setdefault(signal.source.split(":", 1)[0], []).append(signal)
    for collector, group in by_collector.items():
        known = sum(1 for s in group if s.known)
        lines.append(f"signals from {collector} ({known} of {len(group)} known):")
        width = max(len(s.name) for s in group)
        for s in group:
            if s.known:
                lines.append(
                    f"  {s.name:<{width}}  {_show(s.value)}   [{s.source}, "
                    f"{age(s.fetched_at, now)}]"
                )
            else:
                lines.append(
                    f"  {s.name:<{width}}  unknown: {s.unknown_reason}   [{s.source}, "
                    f"{age(s.fetched_at, now)}]"
                )
        lines.append("")
    return lines[:-1] if lines else lines


def _show(value: JSONValue) -> str:
    if isinstance(value, str):
        return value or '""'
    if value is None:
        return "none"
    text = json.dumps(value)
    return text if len(text) <= 160 else text[:157] + "..."


# -- the risk report -------------------------------------------------------------------------


def risk_data(score: PackageScore, change: Change | None = None) -> dict[str, Any]:
    """``risk`` of one package: level, number and its parts, state, every finding."""
    data: dict[str, Any] = score.to_json()
    risk: dict[str, Any] = dict(data["risk"])
    risk["reason"] = reason(score)
    risk["state"] = data["state"]
    risk["findings"] = data["findings"]
    risk["unknown_count"] = score.unknown_count
    risk["unknown_heavy"] = score.unknown_heavy
    risk["out_of_scope"] = list(score.out_of_scope)
    if change is not None:
        risk["baseline"] = {"previous": change.previous, "status": change.status}
    return risk


def scored_package_data(
    report: ScoredReport, pkg: PackageAudit, summary: Summary | None = None
) -> dict[str, Any]:
    """One package of the report; ``summary`` (generated, with its model) only when
    ``--summarize`` produced one for it."""
    score = report.score(pkg)
    data = package_data(pkg, report.result.specs)
    data["categories"] = list(score.context.categories)
    data["serving_path"] = score.context.serving_path
    data["risk"] = risk_data(score, report.changes.get(score.name))
    if summary is not None:
        data["summary"] = summary.to_json()
    return data


def summary_data(report: ScoredReport) -> dict[str, Any]:
    """Counts per level and the gate's decision: what a CI step reads first."""
    from auditor.reporters.attention import count_levels, evidence_gap, gate_line

    g = report.gate
    gap = evidence_gap(report.result)
    return {
        "packages": len(report.result.packages),
        "levels": count_levels(report),
        "verdict": gate_line(report),
        "evidence": {"signals": gap.total, "unknown": gap.unknown},
        "gate": {
            "fail_on": report.fail_on,
            "strict": report.strict,
            "exit_code": g.exit_code,
            "failing": [
                {"name": f.name, "kind": f.kind, "level": f.level, "reason": f.reason}
                for f in g.failing
            ],
            "reasons": list(g.reasons),
        },
        "baseline": report.baseline,
        "notes": list(report.notes),
    }


def report_data(
    report: ScoredReport, summaries: Mapping[str, Summary] | None = None
) -> dict[str, Any]:
    """The signals document plus ``categories`` and ``risk`` per package and a
    ``summary``; packages keep the audit's order (most depended-on first).
    auditor/schemas/report.schema.json describes it."""
    found = summaries or {}
    # The signals document without its packages (built once, below, with their risk).
    data = to_data(replace(report.result, packages=()))
    data["summary"] = summary_data(report)
    data["packages"] = [
        scored_package_data(report, p, found.get(p.name)) for p in report.result.packages
    ]
    return data


PRETTY_MAX = 1000
"""Up to this many packages the JSON is indented for people; beyond it, compact: Python's
indenting encoder is ten times slower (15 s at 5,000 packages) and the file is for tools."""


def render_report_json(report: ScoredReport, summaries: Mapping[str, Summary] | None = None) -> str:
    data = report_data(report, summaries)
    if len(report.result.packages) <= PRETTY_MAX:
        return dumps_indented(data) + "\n"
    return json.dumps(data, separators=(",", ":")) + "\n"


def _bus_factor(pkg: PackageAudit) -> str:
    """Truck factor when git history gave one, else the contributor absence factor."""
    for name, label in (
        ("truck_factor", "TF"),
        ("contributor_absence_factor", "CAF"),
        ("contributor_absence_factor_github", "CAF"),
    ):
        value = _value(pkg, name)
        if _known(pkg, name) and value is not None:
            return f"{label} {value}"
    return "?"


def _activity(pkg: PackageAudit) -> str:
    release = _cell(pkg, "days_since_release", "{} d")
    pushed = _cell(pkg, "pushed_days_ago", "{} d")
    return f"rel {release} / push {pushed}"


def _place(pkg: PackageAudit) -> str:
    return "direct" if pkg.direct else f"transitive ({pkg.depth})"


# -- explain with scores ---------------------------------------------------------------------


def _evidence_line(ev: Evidence) -> str:
    if ev.op in ("missing", "present"):
        got = f"unknown ({ev.unknown_reason})" if ev.unknown_reason else _show(ev.value)
        return f"{ev.signal} is {ev.op}? {got} -> {_truth(ev.result)}"
    expected = ev.expected.isoformat() if isinstance(ev.expected, date) else ev.expected
    if ev.unknown_reason is not None:
        return f"{ev.signal} {ev.op} {_show(expected)}: unknown ({ev.unknown_reason})"
    return f"{ev.signal} = {_show(ev.value)}, {ev.op} {_show(expected)} -> {_truth(ev.result)}" + (
        f"   [{ev.source}]" if ev.source else ""
    )


def _truth(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def explain_score_data(score: PackageScore) -> dict[str, Any]:
    """The package's score in the report's shape, plus what would lower its risk."""
    return {
        "categories": list(score.context.categories),
        "serving_path": score.context.serving_path,
        "risk": risk_data(score),
        "lower_risk": lower_risk(score),
    }


def lower_risk(score: PackageScore) -> dict[str, Any]:
    """Remediation of each counted hit, and the action that would decide each unknown."""
    return {
        "remediations": [
            {"rule": f.rule_id, "severity": f.severity, "remediation": f.remediation}
            for f in counting_hits(score)
        ],
        "resolve_unknowns": [
            {"action": r.action, "signals": list(r.signals), "rules": list(r.rules)}
            for r in resolutions(score)
        ],
    }


def explain_score_lines(score: PackageScore, *, fault: str | None = None) -> list[str]:
    """Text for ``explain``: risk and its parts, state, every rule, what would lower it.
    ``fault``: the data source that failed for the package (its risk is then unknown)."""
    failed = fault is not None and score.level in ("none", "unknown")
    lines = [
        (f"risk: unknown ({fault})" if failed else f"risk: {score.level} {score.risk}/100")
        + (f"; vendor risk {score.vendor_level}" if score.vendor_level != "none" else ""),
        "  categories: "
        + (", ".join(score.context.categories) or "none")
        + ("  (serving path)" if score.context.serving_path else ""),
    ]
    if score.contributions:
        lines.append("  contributions:")
        lines.extend(f"    {c.points:+4d}  {c.factor}: {c.why}" for c in score.contributions)
    else:
        lines.append("  contributions: none (no rule hit)")
    lines.append("")
    lines.append(f"state: {score.state}: {score.state_why}")
    lines.extend(f"  {_evidence_line(e)}" for e in score.state_evidence)
    lines.append("")
    lines.append(f"rules ({len(score.findings)} applied, {score.unknown_count} undecided):")
    order = {"hit": 0, "unknown": 1, "pass": 2}
    for f in sorted(
        score.findings, key=lambda f: (order[f.outcome], -level_rank(f.severity), f.rule_id)
    ):
        label = f.outcome.upper() if f.outcome == "hit" else f.outcome
        lines.append(f"  [{label}] {f.rule_id} ({f.severity}, {f.kind}): {f.summary}")
        if f.acceptance is not None:
            lines.append(f"      {f.acceptance.describe()}")
        lines.extend(f"      {_evidence_line(e)}" for e in f.evidence)
        if f.suggestion:
            lines.append(f"      suggestion: {f.suggestion}")
    if score.out_of_scope:
        lines.append(f"  out of scope here: {', '.join(score.out_of_scope)}")
    lines.append("")
    lines.append("what would lower its risk:")
    hits = counting_hits(score)
    for f in hits:
        fix = " ".join(f.remediation.split())
        lines.append(f"  {f.rule_id}: {fix}")
    for r in resolutions(score):
        lines.append(
            f"  to decide {', '.join(r.rules)}: {r.action} (unknown: {', '.join(r.signals)})"
        )
    if not hits and not score.unknown_count:
        lines.append("  nothing: no rule hits and every rule was decided")
    return lines
