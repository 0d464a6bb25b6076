"""The shipped rules as one Markdown page (docs/rules.md), one section per rule.

Why: SARIF viewers link each rule to its documentation (``helpUri``), and code scanning
shows that link on every alert. One generated page with an anchor per rule id keeps the
documentation exactly in step with the rule files (a test compares the two); regenerate
it with ``python -m auditor.reporters.ruledocs docs/rules.md`` after changing a rule.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from functools import cache
from importlib import metadata

from auditor.judge.rules import Rule, default_rules_dir, load_rules

DOCS_PAGE = "rules.md"


def rules_markdown(rules: Sequence[Rule]) -> str:
    """``## rule-id`` sections (GitHub's anchor for the heading is the id itself)."""
    out = [
        "# Rules\n\n",
        "Generated from `rules/checks/*.toml` by `python -m auditor.reporters.ruledocs "
        "docs/rules.md`; edit the rule files, not this page. `auditor explain PACKAGE` "
        "shows a rule's evidence for one package.\n\n",
        "| rule | severity | kind | summary |\n|---|---|---|---|\n",
    ]
    ordered = sorted(rules, key=lambda r: r.id)
    for r in ordered:
        out.append(f"| [`{r.id}`](#{r.id}) | {r.severity} | {r.kind} | {_flat(r.summary)} |\n")
    for r in ordered:
        scope = []
        if r.scope.categories:
            scope.append("categories " + ", ".join(sorted(r.scope.categories)))
        if r.scope.direct_only:
            scope.append("direct requirements only")
        out.append(
            f"\n## {r.id}\n\n**{_flat(r.summary)}** ({r.severity}, {r.kind} risk"
            + (f"; {'; '.join(scope)}" if scope else "")
            + ")\n\n"
            f"**Why it matters.** {_flat(r.motivation)}\n\n"
            f"**What to do.** {_flat(r.remediation)}\n"
        )
    return "".join(out)


def _flat(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


@cache
def shipped_rule_ids() -> frozenset[str]:
    return frozenset(r.id for r in load_rules([default_rules_dir()]))


@cache
def docs_url() -> str | None:
    """The project's documentation base from its installed metadata (Project-URL
    ``Documentation``), or None when the metadata does not carry one."""
    try:
        urls = [str(u) for u in metadata.metadata("auditor").get_all("Project-URL") or []]
    except metadata.PackageNotFoundError:
        return None
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "documentation" and url.strip().startswith("https://"):
            return url.strip().rstrip("/")
    return None


def help_uri(rule_id: str) -> str | None:
    """The shipped rule's section of the rules page, or None (a user's own rule)."""
    base = docs_url()
    if base is None or rule_id not in shipped_rule_ids():
        return None
    return f"{base}/{DOCS_PAGE}#{rule_id}"


if __name__ == "__main__":  # a maintainer's tool: regenerate docs/rules.md
    text = rules_markdown(load_rules([default_rules_dir()]))
    if len(sys.argv) > 1:
        with open(sys.argv[1], "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
