"""The default terminal report: the verdict, what needs attention, the verdict again.

Why this shape (issue 16): on a 263-package stack a table of every package ran to 2,000
lines at 80 columns and scrolled the verdict away. A person needs, in ten seconds: did
it pass, how much of the evidence is missing and why, and which lines of *their* files
bring in something risky. So the report opens and closes on the verdict, lists only the
packages at medium and above and those whose evidence is mostly missing (``--all`` for
every package), grouped under the direct requirement that brings each one in, worst
first, one line each. Reasons are shortened to the line (``auditor explain`` has the
rest); names are never cut so that two look alike (see ``attention.short_name``).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import TYPE_CHECKING

from auditor.judge.report import ScoredReport, reason
from auditor.reporters.attention import (
    UNKNOWN,
    Row,
    also_text,
    count_levels,
    evidence_gap,
    gate_line,
    groups,
    short_name,
    worst_first,
)
from auditor.reporters.sanitize import clean

if TYPE_CHECKING:
    from rich.text import Text

    from auditor.summaries import Summary

LEVEL_STYLE: Mapping[str, str] = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "yellow",
    "unknown": "bold magenta",
    "low": "cyan",
    "none": "green",
}
VERDICT_STYLE: Mapping[str, str] = {
    "PASS": "bold green",
    "FAIL": "bold red",
    "UNTRUSTWORTHY": "bold magenta",
}
MAX_LAYOUT = 120  # wider terminals and pipes get longer reasons, not more columns
NAME_COLUMN = 28  # names up to this long line up; longer ones push the line, uncut
VERSION_COLUMN = 12
FOLD_UNKNOWN = 3  # more unknown packages than this under one requirement: one folded line
LEVEL_COLUMN = 8


def fit(text: str, room: int) -> str:
    """``text`` on one line, at most ``room`` characters, ``…`` where it was cut."""
    flat = " ".join(text.split())
    if room <= 1:
        return ""
    return flat if len(flat) <= room else flat[: room - 1].rstrip() + "…"


def _wrap(text: str, room: int) -> list[str]:
    """Words onto lines of at most ``room`` characters (a long word gets its own line)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > room:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return [*lines, current] if current else lines


def render_attention_text(
    report: ScoredReport,
    *,
    width: int = 80,
    color: bool = False,
    everything: bool = False,
    summaries: Mapping[str, Summary] | None = None,
) -> str:
    """The verdict, the evidence gap, the attention list (or every package), the verdict."""
    layout = max(40, min(width, MAX_LAYOUT))
    lines: list[_Line] = [*_verdict(report, layout), _Line("")]
    lines.extend(_attention(report, layout, everything))
    found = summaries or {}
    lines.extend(_summaries(report, found, everything))
    lines.append(_Line(""))
    lines.append(
        _Line(
            fit("auditor explain PACKAGE: every signal, rule and path behind a line", layout),
            style="dim",
        )
    )
    lines.append(_verdict(report, layout)[0])
    return render_lines(lines, color=color, width=max(layout, 400))


# rich's Text drops these control codes from everything appended (rich.control)
_STRIPPED = str.maketrans(dict.fromkeys((7, 8, 11, 12, 13)))


class _Line:
    """One line of the report as rich's ``Text`` is built (a base style, appended
    styled pieces, a final ``rstrip``), without importing rich.

    Why: rich costs about 40 ms to import, a tenth of a warm audit, and a report read
    through a pipe or a file has no colour. Without colour a line prints as its plain
    text, which rich would print the same (``test_text_lines``); with colour the same
    steps are replayed on a rich ``Text`` and printed by rich, as before.
    """

    __slots__ = ("_plain", "_steps")

    def __init__(self, text: str = "", style: str = "") -> None:
        self._plain = text.translate(_STRIPPED)
        self._steps: list[tuple[str, str, str]] = [("init", text, style)]

    @property
    def plain(self) -> str:
        return self._plain

    def append(self, text: str, style: str | None = None) -> None:
        self._plain += text.translate(_STRIPPED)
        self._steps.append(("append", text, style or ""))

    def rstrip(self) -> None:
        self._plain = self._plain.rstrip()
        self._steps.append(("rstrip", "", ""))

    def rich_text(self) -> Text:
        from rich.text import Text

        out = Text()
        for op, text, style in self._steps:
            if op == "init":
                out = Text(text, style=style)
            elif op == "append":
                out.append(text, style=style or None)
            else:
                out.rstrip()
        return out


def render_lines(lines: list[_Line], *, color: bool, width: int) -> str:
    """The lines as rich prints them: plain text when there is no colour to print and
    no tab to expand (rich expands tabs by display width), else through rich."""
    if not color and not any("\t" in line.plain for line in lines):
        return "".join(line.plain + "\n" for line in lines)
    return render_with_rich(lines, color=color, width=width)


def render_with_rich(lines: list[_Line], *, color: bool, width: int) -> str:
    """The lines printed by rich (what every report did before ``_Line``)."""
    from rich.console import Console

    buf = io.StringIO()
    console = Console(
        file=buf,
        width=width,
        color_system="standard" if color else None,
        force_terminal=color,
        highlight=False,
    )
    for line in lines:
        console.print(line.rich_text(), soft_wrap=True, markup=False, highlight=False)
    return buf.getvalue()


def _verdict(report: ScoredReport, layout: int) -> list[_Line]:
    """Two or three lines: the gate, the counts per level, the evidence gap."""
    gate = gate_line(report)
    word = gate.split(" ", 1)[0]
    first = _Line("auditor ")
    first.append(word, style=VERDICT_STYLE.get(word, "bold"))
    first.append(" " + clean(fit(gate[len(word) :], layout - 9 - len(word))))
    counts = count_levels(report)
    second = _Line(f"{len(report.result.packages):,} packages: ")
    for i, (level, n) in enumerate(counts.items()):
        if i:
            second.append(", ")
        second.append(f"{n:,} {level}", style=LEVEL_STYLE.get(level, "") if n else "dim")
    gap = evidence_gap(report.result)
    style = "magenta" if gap.unknown else ""
    out = [first, second, _Line(clean(fit(gap.line(reasons=0), layout)), style=style)]
    if gap.unknown:
        out.append(_Line("  " + clean(fit(gap.reasons_line(2), layout - 2)), style=style))
    return out


def _attention(report: ScoredReport, layout: int, everything: bool) -> list[_Line]:
    total = len(report.result.packages)
    grouped = groups(report, everything=everything)
    shown = sum(len(g.rows) for g in grouped)
    if everything:
        head = f"All {total:,} packages, worst first, under the requirement that brings them in:"
    elif not shown:
        return [_Line("Nothing needs attention: no package at medium or above, none unknown.")]
    else:
        head = (
            f"Needs attention: {shown:,} of {total:,} packages (medium and above, and "
            "unknown; --all shows all), under the requirement that brings them in:"
        )
    out = [_Line(line) for line in _wrap(head, layout)]
    rows = [r for g in grouped for r in g.rows]
    name_w = min(NAME_COLUMN, max((len(r.pkg.name) for r in rows), default=4))
    ver_w = min(VERSION_COLUMN, max((len(r.pkg.package.version or "?") for r in rows), default=1))
    # The longest name that still leaves the line room for a short reason.
    name_limit = max(24, layout - (2 + LEVEL_COLUMN + 1 + 1 + ver_w + 1 + 5) - 12)
    for group in grouped:
        out.append(_Line(""))
        header = _Line(short_name(clean(group.root), name_limit), style="bold")
        header.append(
            f"  {clean(fit(group.origin, max(10, layout - len(group.root) - 2)))}", style="dim"
        )
        out.append(header)
        unknown = [r for r in group.rows if r.level == UNKNOWN]
        fold = not everything and len(unknown) > FOLD_UNKNOWN
        for row in group.rows:
            if fold and row.level == UNKNOWN:
                continue
            out.append(_row(row, layout, name_w, ver_w, name_limit))
        if fold:
            out.extend(_folded(unknown, layout))
    return out


def _folded(unknown: list[Row], layout: int) -> list[_Line]:
    """Many unknown packages under one requirement share one reason: two lines, not
    one each (``--all`` lists them one by one). Names are listed whole."""
    head = _Line("  ")
    head.append(f"{UNKNOWN:<{LEVEL_COLUMN}}", style=LEVEL_STYLE[UNKNOWN])
    head.append(f" {len(unknown)} packages whose rules are mostly undecided (evidence missing):")
    names = [clean(r.pkg.name) for r in unknown]
    room = layout - 2 - LEVEL_COLUMN - 1
    shown: list[str] = []
    used = 0
    for i, name in enumerate(names):
        rest = len(names) - i - 1
        tail = f", +{rest} more" if rest else ""
        cost = len(name) + (2 if shown else 0)
        if shown and used + cost + len(tail) > room:
            shown.append(f"+{len(names) - i} more")
            break
        shown.append(name)
        used += cost
    body = _Line(" " * (2 + LEVEL_COLUMN + 1) + ", ".join(shown), style="dim")
    return [head, body]


def _row(row: Row, layout: int, name_w: int, ver_w: int, name_limit: int) -> _Line:
    """``  high     solokit        0.1      62  archived repository (+1)``."""
    name = short_name(clean(row.pkg.name), name_limit)
    version = fit(clean(row.pkg.package.version or "?"), ver_w)
    line = _Line("  ")
    line.append(f"{row.level:<{LEVEL_COLUMN}}", style=LEVEL_STYLE.get(row.level, ""))
    line.append(f" {name:<{name_w}} ")
    line.append(f"{version:<{ver_w}} ", style="dim")
    line.append(f"{row.score.risk:>3}  ")
    score = row.score
    if row.fault is not None and row.level == UNKNOWN:
        why = f"risk unknown: {row.fault}"
    elif row.level == UNKNOWN and score.unknown_count and not any(f.counts for f in score.findings):
        why = f"{score.unknown_count} of {len(score.findings)} rules undecided"
    else:
        why = reason(score) or ("direct requirement" if row.pkg.direct else "")
    also = also_text(row.also_via)
    text = f"{why}; {also}" if why and also else (why or also)
    line.append(clean(fit(clean(text), layout - len(line.plain))))
    line.rstrip()
    return line


def _summaries(
    report: ScoredReport, summaries: Mapping[str, Summary], everything: bool
) -> list[_Line]:
    """Generated narratives for the packages shown, marked as generated and not scored."""
    shown = {r.pkg.name for g in groups(report, everything=everything) for r in g.rows}
    picked = [(p.name, summaries[p.name]) for p in worst_first(report) if p.name in summaries]
    picked = [(n, s) for n, s in picked if n in shown]
    if not picked:
        return []
    out = [
        _Line(""),
        _Line("Summaries (generated by a local model from the evidence above; not scored):"),
    ]
    for name, summary in picked:
        out.append(_Line(f"  {clean(name)}: {clean(' '.join(summary.as_text().split()))}"))
    return out
