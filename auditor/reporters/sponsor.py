"""Sponsorship plan → Markdown, HTML, JSON or CSV text. Formats return strings; the CLI writes.

Why four: Markdown for a pull request or issue, HTML for a finance team (one
self-contained file: inline CSS, no script, no external resource, the only links are
the funding links themselves), JSON for tools, CSV for a spreadsheet.

Why sanitise: recipients, titles, URLs and evidence come from FUNDING.yml files, index
organisations and Project-URLs, which anyone can write. Every such text goes through
``auditor.reporters.sanitize`` for the format at hand: no terminal escapes, no Markdown
image or ``@mention``, no ``javascript:`` link, no spreadsheet formula.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Callable, Sequence

from auditor import __version__
from auditor.collectors.interface import JSONValue
from auditor.reporters.jsontext import dumps_indented
from auditor.reporters.sanitize import clean, csv_cell, markdown, markdown_url
from auditor.sponsorship.plan import SponsorPlan
from auditor.sponsorship.ranking import Assessment, Factor, Recommendation, Unfunded
from auditor.summaries import Summary

SCHEMA_VERSION = "1"
FORMATS = ("markdown", "html", "json", "csv")
CSV_COLUMNS = (
    "type",
    "rank",
    "recipient",
    "kind",
    "priority",
    "amount",
    "currency",
    "period",
    "funding_url",
    "other_urls",
    "packages",
    "apps",
    "reason",
)


def _amount(plan: SponsorPlan, rec: Recommendation) -> int | None:
    return plan.amount(rec.target.id)


def _money(plan: SponsorPlan, amount: int | None) -> str:
    if plan.budget is None or amount is None:
        return ""
    return f"{amount:,} {plan.budget.currency}"


def _why(factors: Sequence[Factor], limit: int = 3) -> str:
    """The largest factors in one line, for tables."""
    top = sorted(factors, key=lambda f: -abs(f.points))[:limit]
    return "; ".join(f.why for f in top)


def _apps(a: Assessment) -> list[str]:
    return sorted({app for d in a.dependents for app in d.apps})


# ---------------------------------------------------------------- JSON


def _assessment_json(a: Assessment) -> dict[str, JSONValue]:
    return {
        "priority": a.priority,
        "factors": [{"name": f.name, "points": f.points, "why": f.why} for f in a.factors],
        "evidence": list(a.evidence),
        "large_company": a.company,
        "packages": [
            {
                "name": d.name,
                "version": d.version,
                "via": list(d.via),
                "apps": list(d.apps),
                "risk": d.risk,
                "level": d.level,
                "categories": list(d.categories),
                "repository": d.repository,
            }
            for d in a.dependents
        ],
    }


def plan_json(plan: SponsorPlan) -> dict[str, JSONValue]:
    """The plan as plain data (what ``render_json`` writes)."""
    alloc = plan.allocation
    budget: JSONValue = None
    if plan.budget is not None and alloc is not None:
        budget = {
            "amount": plan.budget.amount,
            "currency": plan.budget.currency,
            "period": plan.budget.period,
            "min_amount": plan.budget.min_amount,
            "max_share": plan.budget.max_share,
            "cap": alloc.cap,
            "cap_relaxed": alloc.cap_relaxed,
            "below_minimum": alloc.below_minimum,
            "funded_targets": alloc.funded,
            "allocated": sum(s.amount for s in alloc.shares),
        }
    recs: list[JSONValue] = []
    for position, rec in enumerate(plan.ranking.recommendations, start=1):
        t = rec.target
        recs.append(
            {
                "rank": position,
                "id": t.id,
                "name": t.name,
                "kind": t.kind,
                "summary": rec.summary,
                "amount": _amount(plan, rec),
                "links": [
                    {"platform": c.key.platform, "title": c.title, "url": c.url} for c in t.channels
                ],
                "sources": [
                    {"package": d.package, "url": d.url, "source": d.source} for d in t.declared
                ],
                "notes": list(t.notes),
                **_assessment_json(rec.assessment),
            }
        )
    unfunded: list[JSONValue] = [
        {"package": u.package, "suggestions": list(u.suggestions), **_assessment_json(u.assessment)}
        for u in plan.ranking.unfunded
    ]
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "auditor", "version": __version__},
        "generated_at": plan.generated_at.isoformat(),
        "inputs": list(plan.inputs),
        "apps": list(plan.ranking.apps),
        "packages": plan.package_count,
        "direct_requirements": plan.ranking.direct_count,
        "budget": budget,
        "recommendations": recs,
        "unfunded": unfunded,
        "warnings": list(plan.warnings),
    }


def render_json(plan: SponsorPlan) -> str:
    return dumps_indented(plan_json(plan), ensure_ascii=False) + "\n"


# ---------------------------------------------------------------- CSV


def render_csv(plan: SponsorPlan) -> str:
    """One row per recommendation, then one per risky package with no funding channel."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    currency = plan.budget.currency if plan.budget else ""
    period = plan.budget.period if plan.budget else ""
    for position, rec in enumerate(plan.ranking.recommendations, start=1):
        t, a = rec.target, rec.assessment
        amount = _amount(plan, rec)
        writer.writerow(
            [
                "fund",
                position,
                csv_cell(t.name),
                csv_cell(t.kind),
                f"{a.priority:.1f}",
                "" if amount is None else amount,
                csv_cell(currency),
                csv_cell(period),
                csv_cell(t.primary.url),
                csv_cell(" ".join(c.url for c in t.channels[1:])),
                csv_cell(";".join(t.packages)),
                csv_cell(";".join(_apps(a))),
                csv_cell(_why(a.factors)),
            ]
        )
    for u in plan.ranking.unfunded:
        a = u.assessment
        writer.writerow(
            [
                "no-funding-channel",
                "",
                csv_cell(u.package),
                "package",
                f"{a.priority:.1f}",
                "",
                csv_cell(currency),
                csv_cell(period),
                "",
                "",
                csv_cell(u.package),
                csv_cell(";".join(_apps(a))),
                csv_cell(u.suggestions[0] if u.suggestions else ""),
            ]
        )
    return buf.getvalue()


# ---------------------------------------------------------------- Markdown


def _md(text: object) -> str:
    """Outside text as inert Markdown (the sanitiser ``audit`` uses)."""
    return markdown(text)


def _md_link(url: str, title: str) -> str:
    """A Markdown link only for an http(s) URL; anything else is shown as text."""
    safe = markdown_url(url)
    if safe is None:
        return f"{_md(title)} ({_md(url)})"
    return f"[{_md(title)}]({safe})"


def _budget_line(plan: SponsorPlan) -> str:
    b, alloc = plan.budget, plan.allocation
    if b is None or alloc is None:
        return "No budget given: the ranked list without amounts (add `--budget N`)."
    line = (
        f"Budget: **{b.amount:,} {b.currency} per {b.period}**, split over {alloc.funded} "
        f"target(s): proportional to priority, at least {b.min_amount:,} {b.currency} each, "
        f"at most {alloc.cap:,} {b.currency} ({b.max_share:.0%}) each."
    )
    if alloc.cap_relaxed:
        line += " Too few targets for the cap: relaxed to an even split."
    if alloc.below_minimum:
        line += " The budget is below the minimum: it all goes to the top target."
    return line


def _factors_md(factors: Sequence[Factor]) -> list[str]:
    return [f"  - {_md(f.name)} {f.points:+.1f}: {_md(f.why)}" for f in factors]


def render_markdown(plan: SponsorPlan) -> str:
    r = plan.ranking
    out = [
        "# Sponsorship plan",
        "",
        f"{plan.package_count} packages from {len(r.apps) or len(plan.inputs)} app(s) "
        f"({', '.join(_md(a) for a in (r.apps or plan.inputs))}); "
        f"{len(r.recommendations)} funding target(s), {len(r.unfunded)} risky package(s) "
        "with no funding channel.",
        "",
        _budget_line(plan),
        "",
    ]
    if r.recommendations:
        amount_head = " Amount |" if plan.budget else ""
        out += [
            f"| # | Recipient | Priority |{amount_head} Your packages | Fund at |",
            "|---|---|---|" + ("---|" if plan.budget else "") + "---|---|",
        ]
        for position, rec in enumerate(r.recommendations, start=1):
            t = rec.target
            amount = f" {_money(plan, _amount(plan, rec)) or '0'} |" if plan.budget else ""
            out.append(
                f"| {position} | {_md(t.name)} | {rec.priority:.1f} |{amount} "
                f"{_md(', '.join(t.packages))} | {_md_link(t.primary.url, t.primary.title)} |"
            )
        out.append("")
        out.append("## Why each target")
        out.append("")
        for position, rec in enumerate(r.recommendations, start=1):
            out += _rec_md(plan, position, rec)
    if r.unfunded:
        out += [
            "## Risky packages with no funding channel",
            "",
            "Money cannot reach these directly; here is what else helps.",
            "",
        ]
        for u in r.unfunded:
            out += _unfunded_md(u)
    out += [
        "## How priority is computed",
        "",
        "Reach across your apps, serving-path categories, the bus-factor risk score, "
        "truck factor / active maintainers / publishing accounts, and how little funding "
        "or corporate backing a project has add points; projects owned by a large company "
        "(rules/large-companies.toml, extend with `--companies FILE`) and archived ones are "
        "multiplied down. Unknown signals add nothing.",
        "",
    ]
    if plan.warnings:
        out += ["## Warnings", ""] + [f"- {_md(w)}" for w in plan.warnings] + [""]
    return "\n".join(out)


def _rec_md(plan: SponsorPlan, position: int, rec: Recommendation) -> list[str]:
    t, a = rec.target, rec.assessment
    money = _money(plan, _amount(plan, rec))
    head = f"### {position}. {_md(t.name)} — priority {a.priority:.1f}"
    if money:
        head += f", {money} per {plan.budget.period if plan.budget else ''}"
    out = [head, "", f"{_md(rec.summary)}.", ""]
    out.append("- Fund at: " + ", ".join(_md_link(c.url, c.title) for c in t.channels))
    out.append("- Your packages:")
    for d in a.dependents:
        via = _md(", ".join(d.via) or "?")
        out.append(
            f"  - {_md(d.name)} {_md(d.version or '')} (risk {d.risk}, {_md(d.level)}; "
            f"needed by {via}; in {_md(', '.join(d.apps) or '?')})"
        )
    out.append("- Priority:")
    out += _factors_md(a.factors)
    out.append("- Evidence:")
    out += [f"  - {_md(e)}" for e in a.evidence]
    found = sorted({f"{d.package}: {d.source}" for d in t.declared})
    out.append(f"- Links found in: {_md('; '.join(found))}")
    out += [f"- Note: {_md(n)}" for n in t.notes]
    out.append("")
    return out


def _unfunded_md(u: Unfunded) -> list[str]:
    a = u.assessment
    d = a.dependents[0] if a.dependents else None
    out = [f"### {_md(u.package)} — priority {a.priority:.1f}", ""]
    if d is not None:
        out.append(
            f"Risk {d.risk} ({_md(d.level)}); needed by {_md(', '.join(d.via) or '?')}; "
            f"repository {_md_link(d.repository, d.repository) if d.repository else 'unknown'}."
        )
        out.append("")
    out += _factors_md(a.factors)
    out.append("")
    out += [f"- {_md(s)}" for s in u.suggestions]
    out.append("")
    return out


# ---------------------------------------------------------------- HTML

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:70rem;padding:0 1rem;color:#1b1f24;line-height:1.45}
h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;width:100%;margin:1rem 0}
th,td{border:1px solid #d0d7de;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.num{text-align:right;white-space:nowrap}
.card{border:1px solid #d0d7de;border-radius:6px;padding:.75rem 1rem;margin:1rem 0}
.muted{color:#57606a}.neg{color:#a40e26}.pos{color:#116329}
code{background:#f6f8fa;padding:0 .2rem;border-radius:3px}
@media print{.card{break-inside:avoid}}
"""


def _e(text: object) -> str:
    return html.escape(clean(str(text)), quote=True)


def _link(url: str, title: str) -> str:
    """Only http(s) funding links become hyperlinks; nothing else in the page links out."""
    safe = markdown_url(url)  # http(s) only, nothing that could end the attribute
    if safe is None:
        return _e(title)
    return f'<a href="{_e(safe)}" rel="noopener noreferrer">{_e(title)}</a>'


def _factors_html(factors: Sequence[Factor]) -> str:
    rows = "".join(
        f'<tr><td>{_e(f.name)}</td><td class="num {"neg" if f.points < 0 else "pos"}">'
        f"{f.points:+.1f}</td><td>{_e(f.why)}</td></tr>"
        for f in factors
    )
    return f"<table><tr><th>Factor</th><th>Points</th><th>Why</th></tr>{rows}</table>"


def _list(items: Sequence[str], fmt: Callable[[str], str] = _e) -> str:
    return "<ul>" + "".join(f"<li>{fmt(i)}</li>" for i in items) + "</ul>"


def render_html(plan: SponsorPlan) -> str:
    r = plan.ranking
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        "<title>Sponsorship plan</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Sponsorship plan</h1>",
        f'<p class="muted">Generated {_e(plan.generated_at.strftime("%Y-%m-%d %H:%M UTC"))} '
        f"by auditor {_e(__version__)} from {_e(', '.join(r.apps or plan.inputs))}: "
        f"{plan.package_count} packages, {len(r.recommendations)} funding target(s).</p>",
        f"<p>{_e(_budget_line(plan).replace('**', '').replace('`', ''))}</p>",
    ]
    if r.recommendations:
        amount_head = "<th>Amount</th>" if plan.budget else ""
        rows = []
        for position, rec in enumerate(r.recommendations, start=1):
            t = rec.target
            amount = (
                f'<td class="num">{_e(_money(plan, _amount(plan, rec)) or "0")}</td>'
                if plan.budget
                else ""
            )
            rows.append(
                f'<tr><td class="num">{position}</td><td>{_e(t.name)}</td>'
                f'<td class="num">{rec.priority:.1f}</td>{amount}'
                f"<td>{_e(', '.join(t.packages))}</td>"
                f"<td>{_link(t.primary.url, t.primary.title)}</td></tr>"
            )
        parts.append(
            "<h2>Recommendations</h2><table><tr><th>#</th><th>Recipient</th><th>Priority</th>"
            f"{amount_head}<th>Your packages</th><th>Fund at</th></tr>{''.join(rows)}</table>"
        )
        for position, rec in enumerate(r.recommendations, start=1):
            parts.append(_rec_html(plan, position, rec))
    if r.unfunded:
        parts.append(
            "<h2>Risky packages with no funding channel</h2>"
            "<p>Money cannot reach these directly; here is what else helps.</p>"
        )
        for u in r.unfunded:
            a = u.assessment
            parts.append(
                f'<div class="card"><h3>{_e(u.package)} — priority {a.priority:.1f}</h3>'
                f"{_factors_html(a.factors)}{_list(u.suggestions)}</div>"
            )
    if plan.warnings:
        parts.append("<h2>Warnings</h2>" + _list(plan.warnings))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _rec_html(plan: SponsorPlan, position: int, rec: Recommendation) -> str:
    t, a = rec.target, rec.assessment
    money = _money(plan, _amount(plan, rec))
    title = f"{position}. {t.name} — priority {a.priority:.1f}"
    if money and plan.budget is not None:
        title += f", {money} per {plan.budget.period}"
    deps = "".join(
        f"<tr><td><code>{_e(d.name)}</code> {_e(d.version or '')}</td><td>{d.risk} "
        f"({_e(d.level)})</td><td>{_e(', '.join(d.via))}</td><td>{_e(', '.join(d.apps))}</td>"
        f"<td>{_e(d.repository or '')}</td></tr>"
        for d in a.dependents
    )
    links = " · ".join(_link(c.url, f"{c.title}: {c.url}") for c in t.channels)
    return (
        f'<div class="card"><h3>{_e(title)}</h3><p>{_e(rec.summary)}.</p>'
        f"<p>Fund at: {links}</p>"
        "<table><tr><th>Your package</th><th>Risk</th><th>Needed by</th><th>Apps</th>"
        f"<th>Repository</th></tr>{deps}</table>"
        f"{_factors_html(a.factors)}"
        f"<details><summary>Evidence</summary>{_list(a.evidence)}"
        f"{_list(sorted({f'{d.package}: {d.source}' for d in t.declared}))}"
        f"{_list(t.notes) if t.notes else ''}</details></div>"
    )


RENDERERS: dict[str, Callable[[SponsorPlan], str]] = {
    "markdown": render_markdown,
    "html": render_html,
    "json": render_json,
    "csv": render_csv,
}


def render(plan: SponsorPlan, fmt: str, *, memo: Summary | None = None) -> str:
    """The plan in ``fmt`` (one of ``FORMATS``), with the generated memo when there is one.

    CSV stays one row per target (a memo is prose); the other formats carry the memo,
    labelled as generated.
    """
    text = RENDERERS[fmt](plan)
    if memo is None:
        return text
    if fmt == "json":
        doc = json.loads(text)
        doc["memo"] = memo.to_json()
        return dumps_indented(doc, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return text + f"\n## Memo\n\n_{_md(memo.label)}_ {_md(memo.text)}\n"
    if fmt == "html":
        section = (
            f'<section class="memo"><h2>Memo</h2><p><em>{_e(memo.label)}</em> '
            f"{_e(memo.text)}</p></section>"
        )
        return text.replace("</body>", section + "</body>", 1)
    return text
