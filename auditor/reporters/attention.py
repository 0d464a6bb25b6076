"""What every human-facing format shows first: the verdict, the evidence gap, and the
packages that need attention, grouped by the direct requirement that brings them in.

Why one module: the terminal, Markdown and HTML reports must agree on what "needs
attention" means, how levels are ordered and counted, and which line of the user's files
a package belongs to, or a reader comparing a job summary with a local run sees two
stories. Everything here is pure and cheap (one breadth-first search over the graph).

Levels: the scorer's levels come from ``auditor.judge.scoring.LEVELS``; ``unknown`` (a
package whose decisive rules are mostly undecided) is first-class here whether or not the
scorer already emits it: a package scored ``none`` on mostly undecided rules is *shown*
as ``unknown``, because "no risk found" on missing evidence is not health. In the
attention order it sits after medium and above, before low and none.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from auditor.collectors.run import AuditResult, PackageAudit
from auditor.judge.report import ScoredReport, shown_level
from auditor.judge.scoring import LEVELS, PackageScore

UNKNOWN = "unknown"
VERDICTS: Mapping[int, str] = {0: "PASS", 1: "FAIL", 3: "UNTRUSTWORTHY"}


def _display_levels() -> tuple[str, ...]:
    """Worst first, ``unknown`` right after medium: the order reports list levels in."""
    scored = [lv for lv in reversed(LEVELS) if lv != UNKNOWN]
    cut = scored.index("medium") + 1 if "medium" in scored else len(scored)
    return (*scored[:cut], UNKNOWN, *scored[cut:])


DISPLAY_LEVELS: tuple[str, ...] = _display_levels()
"""Every level a report can show, worst first: critical, high, medium, unknown, low, none."""
_ORDER = {lv: i for i, lv in enumerate(DISPLAY_LEVELS)}
ATTENTION: frozenset[str] = frozenset(DISPLAY_LEVELS[: DISPLAY_LEVELS.index(UNKNOWN) + 1])
"""Levels that need attention by default: medium and above, and unknown."""


def display_level(score: PackageScore, report: ScoredReport | None = None) -> str:
    """The level a report shows: the scorer's, except that ``none`` resting on mostly
    undecided rules is ``unknown``, and so is a package whose data source failed this
    run (``report`` knows which)."""
    return shown_level(score, failed=report is not None and score.name in report.result.faults)


def level_order(level: str) -> int:
    """0 for the worst level; unknown after medium; anything unexpected last."""
    return _ORDER.get(level, len(_ORDER))


def needs_attention(level: str) -> bool:
    return level in ATTENTION


def count_levels(report: ScoredReport) -> dict[str, int]:
    """Packages per shown level, every level present (zeros included), worst first."""
    out = dict.fromkeys(DISPLAY_LEVELS, 0)
    for score in report.scores.values():
        level = display_level(score, report)
        out[level] = out.get(level, 0) + 1
    return out


def worst_first(report: ScoredReport) -> list[PackageAudit]:
    """Every package by shown level (unknown after medium), risk number, audit order."""
    position = {p.name: i for i, p in enumerate(report.result.packages)}
    return sorted(
        report.result.packages,
        key=lambda p: (
            level_order(display_level(report.score(p), report)),
            -report.score(p).risk,
            position[p.name],
        ),
    )


def verdict(report: ScoredReport) -> str:
    return VERDICTS.get(report.gate.exit_code, "FAIL")


def gate_line(report: ScoredReport) -> str:
    """The verdict in words: what failed the gate, or that nothing did."""
    g = report.gate
    mode = " --strict" if report.strict else ""
    risky = sum(1 for f in g.failing if f.kind == "risk")
    undecided = sum(1 for f in g.failing if f.kind == "unknown")
    if g.exit_code == 0:
        what = f"no package at or above {report.fail_on}"
    elif risky:
        what = f"{risky:,} package(s) at or above {report.fail_on}"
        if report.baseline:
            what += " (new or worse than the baseline)"
    else:
        what = f"{undecided:,} package(s) with undecided rules at or above {report.fail_on}"
    return f"{verdict(report)} (exit {g.exit_code}, --fail-on {report.fail_on}{mode}): {what}"


@dataclass(frozen=True, kw_only=True)
class EvidenceGap:
    """How much evidence is missing and the main reasons, for the verdict's second line."""

    unknown: int
    total: int
    reasons: tuple[tuple[str, int], ...]  # ("github: no token ...", signals), most first

    @property
    def share(self) -> float:
        return self.unknown / self.total if self.total else 0.0

    def reasons_line(self, count: int = 2) -> str:
        """``1,389 test: not collected; 2 git: ...; +3 more reason(s)``, or empty."""
        shown = [f"{n:,} {why}" for why, n in self.reasons[:count]]
        rest = len(self.reasons) - count
        if rest > 0:
            shown.append(f"+{rest} more reason(s)")
        return "; ".join(shown)

    def line(self, *, reasons: int = 2) -> str:
        """``evidence: 8,953 of 12,624 signals unknown (71%): 6,120 github: ...; +3 more``."""
        if not self.total:
            return "evidence: no signals were collected"
        if not self.unknown:
            return f"evidence: all {self.total:,} signals collected"
        head = f"evidence: {self.unknown:,} of {self.total:,} signals unknown ({self.share:.0%})"
        if reasons <= 0:
            return head
        shown = [f"{n:,} {why}" for why, n in self.reasons[:reasons]]
        rest = len(self.reasons) - reasons
        if rest > 0:
            shown.append(f"+{rest} more reason(s)")
        return head + (": " + "; ".join(shown) if shown else "")


def evidence_gap(result: AuditResult) -> EvidenceGap:
    """From the collectors' unknown summary, or counted from the signals when absent."""
    total = sum(len(p.signals) for p in result.packages)
    if result.unknown:
        reasons = tuple((f"{u.collector}: {u.reason}", u.signals) for u in result.unknown)
        return EvidenceGap(unknown=sum(n for _, n in reasons), total=total, reasons=reasons)
    counted: dict[str, int] = {}
    for pkg in result.packages:
        for s in pkg.signals.values():
            if not s.known:
                why = f"{s.source.split(':', 1)[0]}: {s.unknown_reason}"
                counted[why] = counted.get(why, 0) + 1
    ordered = tuple(sorted(counted.items(), key=lambda kv: (-kv[1], kv[0])))
    return EvidenceGap(unknown=sum(counted.values()), total=total, reasons=ordered)


# -- grouping by the requirement the user can change ---------------------------------------


@dataclass(frozen=True, kw_only=True)
class Row:
    """One package as an attention list shows it."""

    pkg: PackageAudit
    score: PackageScore
    level: str
    also_via: tuple[str, ...]  # other direct requirements that pull it in
    fault: str | None = None  # why its data source failed this run, if it did


@dataclass(frozen=True, kw_only=True)
class Group:
    """The packages one direct requirement brings in; ``origin`` is its file:line."""

    root: str
    origin: str
    rows: tuple[Row, ...]

    @property
    def worst(self) -> str:
        return self.rows[0].level


def primary_roots(report: ScoredReport) -> dict[str, str]:
    """For each package, the direct requirement it is listed under: the nearest root
    (fewest hops), ties going to the root written first in the user's files."""
    owner: dict[str, str] = {}
    # Breadth-first order: a parent is always seen before its children.
    for name, parent in nearest_parents(report).items():
        owner[name] = name if parent is None else owner[parent]
    return owner


def nearest_parents(report: ScoredReport) -> dict[str, str | None]:
    """One breadth-first search from every root, roots in the order the user wrote them:
    each package's parent on a shortest path from its nearest root (roots map to None)."""
    graph = report.result.graph
    order = sorted(
        (r for r in graph.roots if r in graph),
        key=lambda r: (_first_origin(report, r), r),
    )
    parents: dict[str, str | None] = dict.fromkeys(order)
    frontier = list(order)
    while frontier:
        nxt: list[str] = []
        for node in frontier:
            for child in sorted(graph.g.successors(node)):
                if child not in parents:
                    parents[child] = node
                    nxt.append(child)
        frontier = nxt
    return parents


def path_from_root(name: str, parents: Mapping[str, str | None]) -> list[str]:
    """``[root, ..., name]`` along the nearest root's shortest path."""
    path = [name]
    seen = {name}
    current = parents.get(name)
    while current is not None and current not in seen:
        path.append(current)
        seen.add(current)
        current = parents.get(current)
    return path[::-1]


def _first_origin(report: ScoredReport, root: str) -> tuple[str, int]:
    reqs = report.result.graph.roots.get(root, ())
    if not reqs:
        return ("~", 0)
    o = reqs[0].origin
    return (o.path, o.line or 0)


def origin_of(report: ScoredReport, root: str) -> str:
    reqs = report.result.graph.roots.get(root, ())
    return ", ".join(dict.fromkeys(str(r.origin) for r in reqs)) or "-"


def rows(report: ScoredReport, *, everything: bool = False) -> list[Row]:
    """Packages to show, worst first (shown level, then risk number, then audit order):
    those needing attention and those failing the gate (``--fail-on low``), or all."""
    owner = primary_roots(report)
    failing = {f.name for f in report.gate.failing}
    out: list[Row] = []
    for pkg in report.result.packages:
        score = report.score(pkg)
        level = display_level(score, report)
        if not everything and not needs_attention(level) and pkg.name not in failing:
            continue
        main = owner.get(pkg.name)
        out.append(
            Row(
                pkg=pkg,
                score=score,
                level=level,
                also_via=tuple(r for r in pkg.via if r != main and r != pkg.name),
                fault=report.result.faults.get(pkg.name),
            )
        )
    position = {p.name: i for i, p in enumerate(report.result.packages)}
    out.sort(key=lambda r: (level_order(r.level), -r.score.risk, position[r.pkg.name]))
    return out


def groups(report: ScoredReport, *, everything: bool = False) -> list[Group]:
    """The rows grouped under the direct requirement that brings each package in (the
    line the user can change): the group holding the worst package first, worst first
    within a group."""
    owner = primary_roots(report)
    by_root: dict[str, list[Row]] = {}
    for row in rows(report, everything=everything):
        root = owner.get(row.pkg.name, row.pkg.name)
        by_root.setdefault(root, []).append(row)
    out = [
        Group(root=root, origin=origin_of(report, root), rows=tuple(members))
        for root, members in by_root.items()
    ]
    # Rows are already worst first; the first group seen holds the worst package.
    return out


def also_text(names: Sequence[str], limit: int = 2) -> str:
    """``also via a, b (+3)``, or empty."""
    if not names:
        return ""
    shown = ", ".join(names[:limit])
    more = f" (+{len(names) - limit})" if len(names) > limit else ""
    return f"also via {shown}{more}"


# -- names -----------------------------------------------------------------------------------


def short_name(name: str, limit: int) -> str:
    """``name`` whole when it fits ``limit``; else its start and end around ``…`` plus a
    short hash of the whole, so two long names that share both ends still look different
    (a plain cut would show ``pydan…`` for pydantic and pydantic-core alike)."""
    if len(name) <= limit:
        return name
    tag = "#" + hashlib.sha256(name.encode()).hexdigest()[:6]
    room = max(2, limit - len(tag) - 1)
    head = room - room // 3
    tail = room - head
    return f"{name[:head]}…{name[len(name) - tail :]}{tag}"
