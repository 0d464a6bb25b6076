"""The report as GitHub-flavoured Markdown, for job summaries and pull-request comments.

Why this shape: a reviewer reads the verdict (did the gate pass, how many packages at
each level, how much evidence is missing and why), then one table of the packages that
need attention, grouped under the requirement that brings each in, and opens the rest
only when needed: the details and every other package sit in collapsible ``<details>``.

Why a size budget: GitHub refuses a job summary over 1 MiB (and a comment over 65,536
characters; ``--markdown-limit``), and a graph of thousands of packages would pass it.
The verdict is bounded and always kept; detail is dropped first, then the folded list of
the other packages, then attention rows, and a note says what was left out.

Why escape everything: package names, reasons and summaries come from package authors.
Unescaped, ``|`` breaks a table, ``<img src=...>`` or ``[x](javascript:...)`` renders, and
``@someone`` pings a stranger from a pull request. Every character Markdown or HTML could
read as syntax is written as an HTML character reference, which both read as text.
"""

from __future__ import annotations

from collections.abc import Mapping

from auditor.collectors.run import PackageAudit
from auditor.judge.report import ScoredReport, counting_hits
from auditor.reporters.attention import (
    UNKNOWN,
    Row,
    also_text,
    count_levels,
    display_level,
    evidence_gap,
    gate_line,
    needs_attention,
    origin_of,
    primary_roots,
    rows,
    verdict,
)
from auditor.reporters.interface import RenderContext, Reporter
from auditor.reporters.sanitize import markdown as escape
from auditor.reporters.signals import _activity, _bus_factor, _funding, _place
from auditor.summaries import Summary

MAX_BYTES = 1024 * 1024 - 16 * 1024  # GitHub's job-summary limit, minus a safety margin
_ICON = {0: "✅", 1: "❌", 3: "⚠️"}


class MarkdownReporter(Reporter):
    """``--format markdown``: verdict and evidence gap, attention table, the rest folded."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes

    def render(self, report: ScoredReport, context: RenderContext) -> str:
        limit = context.markdown_limit or self.max_bytes
        return render_markdown(report, context.summaries, max_bytes=limit)


def _size(text: str) -> int:
    return len(text.encode())


def _take(blocks: list[str], budget: int) -> tuple[list[str], int]:
    """The longest prefix of ``blocks`` whose size fits ``budget``, and its size."""
    taken: list[str] = []
    used = 0
    for block in blocks:
        cost = _size(block)
        if used + cost > budget:
            break
        taken.append(block)
        used += cost
    return taken, used


def render_markdown(
    report: ScoredReport,
    summaries: Mapping[str, Summary] | None = None,
    *,
    max_bytes: int = MAX_BYTES,
) -> str:
    """The document, at most ``max_bytes`` (UTF-8) long whatever the stack's size.

    What goes first when space runs out: the per-package details, then the folded list
    of everything else, then attention rows (counted in a note); the verdict, the counts
    and the evidence gap are bounded and always kept.
    """
    found = summaries or {}
    head = "".join(_head(report))
    attention = rows(report)
    shown_names = {r.pkg.name for r in attention}
    rest = [r for r in rows(report, everything=True) if r.pkg.name not in shown_names]
    owner = primary_roots(report)

    tail_reserve = 600  # the "left out" note and the generated-text footer
    budget = max(0, max_bytes - _size(head) - tail_reserve)

    table_head = (
        f"\n### Needs attention ({len(attention):,} of {len(report.result.packages):,})\n\n"
        "Medium and above, unknown (evidence mostly missing), and anything failing the "
        "gate, under the direct requirement that brings each in.\n\n"
        "| requirement | package | version | risk | why |\n|---|---|---|---|---|\n"
    )
    attention_rows = _table_rows(report, attention, owner)
    parts: list[str] = [head]
    left_out: list[str] = []
    if attention:
        budget -= _size(table_head)
        taken, used = _take(attention_rows, budget)
        budget -= used
        parts.append(table_head)
        parts.extend(taken)
        if len(taken) < len(attention_rows):
            left_out.append(f"{len(attention_rows) - len(taken):,} attention row(s)")
    else:
        parts.append("\nNothing needs attention: no package at medium or above, none unknown.\n")

    rest_open = (
        f"\n<details><summary>The other {len(rest):,} package(s)</summary>\n\n"
        "| requirement | package | version | risk | why |\n|---|---|---|---|---|\n"
    )
    close = "\n</details>\n"
    details_open = "\n<details><summary>Why each package above needs attention</summary>\n\n"
    # Details of the attention packages come next in priority, then the rest's table.
    detail_blocks = [_details(report, r.pkg, found.get(r.pkg.name)) for r in attention]
    detail_budget = budget - (_size(details_open) + _size(close) if detail_blocks else 0)
    rest_rows = _table_rows(report, rest, owner, fold=False)
    taken_details: list[str] = []
    if detail_blocks and detail_budget > 0:
        # Keep room for at least the start of the rest's table when there is one.
        reserve = _size(rest_open) + _size(close) + sum(_size(r) for r in rest_rows[:20])
        taken_details, used = _take(detail_blocks, max(0, detail_budget - reserve))
        if taken_details:
            budget -= used + _size(details_open) + _size(close)
    if len(taken_details) < len(detail_blocks):
        left_out.append(f"{len(detail_blocks) - len(taken_details):,} package detail(s)")
    taken_rest: list[str] = []
    if rest:
        taken_rest, used = _take(rest_rows, budget - _size(rest_open) - _size(close))
        if len(taken_rest) < len(rest_rows):
            left_out.append(f"{len(rest_rows) - len(taken_rest):,} of the other packages")
    if taken_details:
        parts.append(details_open)
        parts.extend(taken_details)
        parts.append(close)
    if taken_rest:
        parts.append(rest_open)
        parts.extend(taken_rest)
        parts.append(close)
    if left_out:
        parts.append(
            f"\n> Left out to stay under {max_bytes:,} bytes: {', '.join(left_out)}. "
            "The full report: `audit FILE --format json` or `--format html`.\n"
        )
    if found:
        parts.append(
            "\n<sub>Summaries marked *generated* were written by a local model from the "
            "evidence; they do not affect any score or the gate.</sub>\n"
        )
    return "".join(parts)


MAX_NOTES = 10
MAX_LINE = 300


def _head(report: ScoredReport) -> list[str]:
    """Verdict, counts and the evidence gap: bounded, and never dropped."""
    g = report.gate
    word = verdict(report)
    counts = count_levels(report)
    gap = evidence_gap(report.result)
    blocks = [
        f"## {_ICON.get(g.exit_code, '❌')} auditor: {word} "
        f"(`--fail-on {report.fail_on}`{' `--strict`' if report.strict else ''})\n\n",
        f"**{escape(gate_line(report))}**\n\n",
        f"**{len(report.result.packages):,} packages:** "
        + " · ".join(
            (f"**{n:,} {lv}**" if n and needs_attention(lv) else f"{n:,} {lv}")
            for lv, n in counts.items()
        )
        + "\n\n",
        f"**Evidence:** {escape(_cut(gap.line(reasons=0).removeprefix('evidence: ')))}"
        + ("; unknown is never counted as healthy" if gap.unknown else "")
        + "\n",
    ]
    for why, n in gap.reasons[:5]:
        blocks.append(f"- {n:,} unknown: {escape(_cut(why))}\n")
    if len(gap.reasons) > 5:
        blocks.append(f"- and {len(gap.reasons) - 5} more reason(s) (see `--format json`)\n")
    if report.baseline:
        blocks.append(f"\nCompared with the baseline {escape(_cut(report.baseline))}.\n")
    if report.notes:
        blocks.append("\n")
        blocks.extend(f"- note: {escape(_cut(n))}\n" for n in report.notes[:MAX_NOTES])
        if len(report.notes) > MAX_NOTES:
            blocks.append(f"- and {len(report.notes) - MAX_NOTES} more note(s)\n")
    return blocks


def _cut(text: str, limit: int = MAX_LINE) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


FOLD_UNKNOWN = 3  # more unknown packages than this under one requirement: one row
FOLD_NAMES = 40


def _table_rows(
    report: ScoredReport, items: list[Row], owner: Mapping[str, str], *, fold: bool = True
) -> list[str]:
    """One table row per package, the requirement cell only on a group's first row; more
    than three unknown packages under one requirement share one row (their reason is
    the same: evidence missing)."""
    out: list[str] = []
    previous: str | None = None
    rank = _group_rank(items, owner)
    ordered = sorted(items, key=lambda r: rank[owner.get(r.pkg.name, r.pkg.name)])
    by_group: dict[str, list[Row]] = {}
    for row in ordered:
        by_group.setdefault(owner.get(row.pkg.name, row.pkg.name), []).append(row)
    for root, members in by_group.items():
        unknown = [r for r in members if r.level == UNKNOWN]
        folded = fold and len(unknown) > FOLD_UNKNOWN
        for row in members:
            if folded and row.level == UNKNOWN:
                continue
            out.append(_table_row(report, row, root, first=root != previous))
            previous = root
        if folded:
            names = ", ".join(escape(r.pkg.name) for r in unknown[:FOLD_NAMES])
            more = f", +{len(unknown) - FOLD_NAMES} more" if len(unknown) > FOLD_NAMES else ""
            cell = _requirement_cell(report, root) if root != previous else ""
            previous = root
            out.append(
                f"| {cell} | {len(unknown)} packages | - | ❔ **unknown** | rules mostly "
                f"undecided (evidence missing): {names}{more} |\n"
            )
    return out


def _requirement_cell(report: ScoredReport, root: str) -> str:
    return f"{escape(root)} <sub>{escape(_cut(origin_of(report, root), 120))}</sub>"


def _table_row(report: ScoredReport, row: Row, root: str, *, first: bool) -> str:
    cell = _requirement_cell(report, root) if first else ""
    why = report.shown_reason(row.pkg.name) or ("direct requirement" if row.pkg.direct else "")
    also = also_text(row.also_via)
    if also:
        why = f"{why}; {also}" if why else also
    name = escape(row.pkg.name)
    return (
        f"| {cell} | {'**' + name + '**' if row.pkg.direct else name} | "
        f"{escape(_cut(row.pkg.package.version or '?', 40))} | "
        f"{_risk_cell(row)} | {escape(_cut(why, 160))} |\n"
    )


def _group_rank(items: list[Row], owner: Mapping[str, str]) -> dict[str, int]:
    """Groups in the order of their worst row (rows come worst first); stable inside."""
    rank: dict[str, int] = {}
    for row in items:
        rank.setdefault(owner.get(row.pkg.name, row.pkg.name), len(rank))
    return rank


def _risk_cell(row: Row) -> str:
    text = f"{row.level} {row.score.risk}"
    if row.score.vendor_level != "none":
        text += f" (vendor {row.score.vendor_level})"
    if row.level == UNKNOWN:
        return f"❔ **{text}**"
    return f"**{text}**" if row.level in ("high", "critical") else text


def _details(report: ScoredReport, pkg: PackageAudit, summary: Summary | None) -> str:
    score = report.score(pkg)
    why = report.shown_reason(pkg.name)
    title = (
        f"<b>{escape(pkg.name)}</b> {escape(pkg.package.version or '?')}: "
        f"{escape(display_level(score, report))} {score.risk}"
        + (f": {escape(_cut(why))}" if why else "")
    )
    lines = [
        f"<details><summary>{title}</summary>\n",
        "",
        f"- categories: {escape(', '.join(score.context.categories) or '-')}; "
        f"{escape(_place(pkg))}; reached from {pkg.reach} direct requirement(s)",
        f"- bus factor: {escape(_bus_factor(pkg))}; last activity: {escape(_activity(pkg))}; "
        f"funding: {escape(_funding(pkg))}",
        f"- state: {escape(score.state)}: {escape(_cut(score.state_why))}",
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
        text = escape(_cut(summary.text, 2000))
        lines.append(f"- *generated by {escape(summary.model)}* (not scored): {text}")
    lines.append("\n</details>\n")
    return "\n".join(lines) + "\n"
