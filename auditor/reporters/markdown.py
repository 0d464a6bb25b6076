"""The report as GitHub-flavoured Markdown, for job summaries and pull-request comments.

Why this shape: a reviewer reads the headline (did the gate pass, how many packages at
each level), then the packages that fail the gate, and opens a package's details only
when needed, so everything else sits in collapsible ``<details>`` blocks.

Why a size budget: GitHub refuses a job summary over 1 MiB (and a comment over 65,536
characters), and a graph of thousands of packages would pass it. The document is built
in order of importance and stops adding packages when the next one would cross
``max_bytes``, saying how many were left out and where to find them.

Why escape everything: package names, reasons and summaries come from package authors.
Unescaped, ``|`` breaks a table, ``<img src=...>`` or ``[x](javascript:...)`` renders, and
``@someone`` pings a stranger from a pull request. Every character Markdown or HTML could
read as syntax is written as an HTML character reference, which both read as text.
"""

from __future__ import annotations

from collections.abc import Mapping

from auditor.collectors.run import PackageAudit
from auditor.judge.report import ScoredReport, counting_hits, reason
from auditor.judge.scoring import LEVELS, PackageScore
from auditor.reporters.interface import RenderContext, Reporter
from auditor.reporters.sanitize import markdown as escape
from auditor.reporters.signals import _activity, _bus_factor, _funding, _place, headline
from auditor.summaries import Summary

MAX_BYTES = 1024 * 1024 - 16 * 1024  # GitHub's job-summary limit, minus a safety margin
MAX_FAILING_ROWS = 200
_VERDICT = {0: "PASS", 1: "FAIL", 3: "UNTRUSTWORTHY"}
_ICON = {0: "✅", 1: "❌", 3: "⚠️"}


class MarkdownReporter(Reporter):
    """``--format markdown``: headline, failing packages, collapsible details."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes

    def render(self, report: ScoredReport, context: RenderContext) -> str:
        return render_markdown(report, context.summaries, max_bytes=self.max_bytes)


def render_markdown(
    report: ScoredReport,
    summaries: Mapping[str, Summary] | None = None,
    *,
    max_bytes: int = MAX_BYTES,
) -> str:
    found = summaries or {}
    head = _head(report)
    ordered = report.ordered()
    tail_reserve = 512  # room for the truncation note and the footer
    budget = max_bytes - tail_reserve
    parts: list[str] = []
    size = 0
    for block in head:
        size += len(block.encode())
        parts.append(block)
    shown = 0
    details_open = False
    for pkg in ordered:
        block = _details(report, pkg, found.get(pkg.name))
        if not details_open:
            block = "\n### Packages, worst first\n\n" + block
        cost = len(block.encode())
        if size + cost > budget:
            break
        details_open = True
        parts.append(block)
        size += cost
        shown += 1
    left = len(ordered) - shown
    if left:
        parts.append(
            f"\n> **{left} more package(s) not shown** to keep this under "
            f"{max_bytes // 1024} KiB. The full report: `audit FILE --format json` or "
            "`--format html`.\n"
        )
    if found:
        parts.append(
            "\n<sub>Summaries marked *generated* were written by a local model from the "
            "evidence; they do not affect any score or the gate.</sub>\n"
        )
    return "".join(parts)


def _head(report: ScoredReport) -> list[str]:
    """Headline, counts, gate failures: what a reviewer must see even when truncated."""
    g = report.gate
    counts = report.counts()
    verdict = _VERDICT.get(g.exit_code, "FAIL")
    blocks = [
        f"## {_ICON.get(g.exit_code, '❌')} auditor: {verdict} "
        f"(`--fail-on {report.fail_on}`{' `--strict`' if report.strict else ''})\n\n",
        f"{escape(headline(report))}\n\n",
        "| " + " | ".join(reversed(LEVELS)) + " |\n",
        "|" + "---:|" * len(LEVELS) + "\n",
        "| " + " | ".join(str(counts[lv]) for lv in reversed(LEVELS)) + " |\n",
    ]
    if report.baseline:
        blocks.append(f"\nCompared with the baseline {escape(report.baseline)}.\n")
    failing = g.failing
    if failing:
        blocks.append(f"\n### Failing the gate ({len(failing)})\n\n")
        blocks.append("| package | version | risk | why | in graph | required at |\n")
        blocks.append("|---|---|---|---|---|---|\n")
        for f in failing[:MAX_FAILING_ROWS]:
            pkg = report.result.package(f.name)
            if pkg is None:
                continue
            score = report.score(pkg)
            why = reason(score) if f.kind == "risk" else f"undecided rules: {f.reason}"
            if pkg.name in report.result.faults:
                why = f.reason
            shown = report.shown_level(pkg.name)
            level = _level(score) if shown == score.level else shown
            blocks.append(
                f"| **{escape(pkg.name)}** | {escape(pkg.package.version or '?')} | "
                f"{level} | {escape(why)} | {escape(_place(pkg))} | "
                f"{escape(', '.join(pkg.origins[:3]) or '-')} |\n"
            )
        if len(failing) > MAX_FAILING_ROWS:
            blocks.append(f"\n…and {len(failing) - MAX_FAILING_ROWS} more failing packages.\n")
    else:
        blocks.append(f"\nNo package fails the gate at `{report.fail_on}`.\n")
    if report.notes:
        blocks.append("\n" + "".join(f"- note: {escape(n)}\n" for n in report.notes))
    return blocks


def _level(score: PackageScore) -> str:
    text = f"{score.level} {score.risk}"
    if score.vendor_level != "none":
        text += f" (vendor {score.vendor_level})"
    return f"**{text}**" if score.level in ("high", "critical") else text


def _details(report: ScoredReport, pkg: PackageAudit, summary: Summary | None) -> str:
    score = report.score(pkg)
    why = report.shown_reason(pkg.name)
    title = (
        f"<b>{escape(pkg.name)}</b> {escape(pkg.package.version or '?')}: "
        + (
            f"{escape(score.level)} {score.risk}"
            if report.shown_level(pkg.name) == score.level
            else "unknown"
        )
        + (f": {escape(why)}" if why else "")
    )
    lines = [
        f"<details><summary>{title}</summary>\n",
        "",
        f"- categories: {escape(', '.join(score.context.categories) or '-')}; "
        f"{escape(_place(pkg))}; reached from {pkg.reach} direct requirement(s)",
        f"- bus factor: {escape(_bus_factor(pkg))}; last activity: {escape(_activity(pkg))}; "
        f"funding: {escape(_funding(pkg))}",
        f"- state: {escape(score.state)}: {escape(score.state_why)}",
    ]
    if pkg.origins:
        lines.append(f"- required at: {escape(', '.join(pkg.origins[:5]))}")
    if pkg.via and not pkg.direct:
        lines.append(f"- pulled in by: {escape(', '.join(pkg.via[:10]))}")
    hits = counting_hits(score)
    for f in hits:
        lines.append(f"- **{escape(f.severity)}** {escape(f.rule_id)}: {escape(f.summary)}")
    accepted = [f for f in score.findings if f.outcome == "hit" and not f.counts]
    for f in accepted:
        note = f.acceptance.describe() if f.acceptance is not None else ""
        lines.append(f"- accepted: {escape(f.rule_id)}: {escape(note)}")
    if score.unknown_count:
        lines.append(f"- {score.unknown_count} rule(s) undecided (unknown signals)")
    if summary is not None:
        lines.append(
            f"- *generated by {escape(summary.model)}* (not scored): {escape(summary.text)}"
        )
    lines.append("\n</details>\n")
    return "\n".join(lines) + "\n"
