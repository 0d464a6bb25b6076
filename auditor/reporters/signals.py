"""An audit's signals as a terminal table, as JSON, and one package explained in full.

Formats return strings and never write: the CLI picks stdout or ``-o``. Values that come
from the index or GitHub (names, URLs, reasons) are untrusted text, so everything that
reaches a terminal goes through ``clean``. The JSON keeps every signal of every package,
known ones with value, source and fetch time, unknown ones with the reason, so a reader
can tell "not collected" from "zero".
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from auditor import __version__
from auditor.audit import AuditResult, PackageAudit
from auditor.collectors.interface import JSONValue, Signal
from auditor.reporters.graph import clean

AUDIT_SCHEMA_VERSION = "1"


# -- JSON ------------------------------------------------------------------------------------


def signal_data(signal: Signal) -> dict[str, JSONValue]:
    """``{"value", "source", "fetched_at"}`` or ``{"unknown", "source", "fetched_at"}``."""
    head: dict[str, JSONValue] = (
        {"value": signal.value} if signal.known else {"unknown": signal.unknown_reason}
    )
    return {**head, "source": signal.source, "fetched_at": signal.fetched_at.isoformat()}


def repository_data(pkg: PackageAudit) -> dict[str, str] | None:
    repo = pkg.repository
    if repo is None:
        return None
    return {"url": repo.url, "confidence": repo.confidence, "how": pkg.repository_how or repo.how}


def package_data(pkg: PackageAudit) -> dict[str, Any]:
    return {
        "name": pkg.name,
        "version": pkg.package.version,
        "direct": pkg.direct,
        "depth": pkg.depth,
        "reach": pkg.reach,
        "via": list(pkg.via),
        "origins": list(pkg.origins),
        "repository": repository_data(pkg),
        "signals": {name: signal_data(s) for name, s in pkg.signals.items()},
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
        "packages": [package_data(p) for p in result.packages],
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
    return json.dumps(to_data(result), indent=2) + "\n"


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


def explain_data(result: AuditResult, pkg: PackageAudit, now: datetime) -> dict[str, Any]:
    data = package_data(pkg)
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


def render_explain_json(result: AuditResult, pkg: PackageAudit, now: datetime) -> str:
    return json.dumps(explain_data(result, pkg, now), indent=2) + "\n"


def render_explain_text(result: AuditResult, pkg: PackageAudit, now: datetime) -> str:
    """Every signal with value, source and age; the repository mapping; the paths."""
    lines = [f"{pkg.name} {pkg.package.version or '?'}"]
    lines.append(
        f"  {'direct requirement' if pkg.direct else f'transitive, depth {pkg.depth}'}; "
        f"reached from {pkg.reach} direct requirement(s)"
    )
    lines.append("")
    lines.append("repository:")
    if pkg.repository is not None:
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
