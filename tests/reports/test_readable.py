"""Issue 16: reports a person reads in ten seconds, at any size of stack.

The terminal report opens and closes on the verdict, shows the evidence gap, lists only
what needs attention (``--all`` for everything) under the requirement that brings each
package in, one line of at most 80 columns per package, and never cuts two names into
the same text. ``unknown`` is a level of its own in every format. Hostile and huge
input stays bounded and clean everywhere.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

import jsonschema
import pytest

from auditor.judge.scoring import LEVELS
from auditor.reporters.attention import (
    DISPLAY_LEVELS,
    count_levels,
    display_level,
    evidence_gap,
    groups,
    level_order,
    needs_attention,
    short_name,
)
from auditor.reporters.html import page_data, project_page
from auditor.reporters.interface import OutputFormat, RenderContext, reporter_for
from auditor.reporters.text import render_attention_text
from tests.reports.schemas import validate_report, validate_sarif
from tests.reports.synthetic import rules, scored_report, summaries_for

ESC = "\x1b"


def text(report: Any, width: int = 80, **kw: Any) -> str:
    return render_attention_text(report, width=width, **kw)


FOLDED = re.compile(r"^  unknown  (\d+) packages whose rules are mostly undecided", re.MULTILINE)


def _is_row(line: str) -> bool:
    """A package line: two spaces, then a level word (not a folded line of unknowns)."""
    return line.startswith("  ") and line.split()[0] in DISPLAY_LEVELS and not FOLDED.match(line)


def _listed(out: str) -> tuple[set[str], int]:
    """Names on package lines, and how many packages the report accounts for (package
    lines plus the count on each folded line of unknowns)."""
    lines = out.splitlines()
    names = {x.split()[1] for x in lines if _is_row(x)}
    folded = [int(m.group(1)) for x in lines if (m := FOLDED.match(x))]
    return names, len([x for x in lines if _is_row(x)]) + sum(folded)


# -- levels -----------------------------------------------------------------------------


def test_levels_come_from_the_scorer_with_unknown_after_medium() -> None:
    assert set(DISPLAY_LEVELS) == set(LEVELS) | {"unknown"}
    assert DISPLAY_LEVELS == ("critical", "high", "medium", "unknown", "low", "none")
    assert level_order("medium") < level_order("unknown") < level_order("low")
    assert needs_attention("unknown") and needs_attention("medium")
    assert not needs_attention("low") and not needs_attention("none")


def test_none_on_mostly_undecided_rules_is_shown_as_unknown() -> None:
    report = scored_report(40)
    for score in report.scores.values():
        if score.level == "none":
            assert display_level(score) == ("unknown" if score.unknown_heavy else "none")
    counts = count_levels(report)
    assert counts["unknown"] == sum(
        1
        for s in report.scores.values()
        if s.level == "unknown" or (s.level == "none" and s.unknown_heavy)
    )
    assert counts["unknown"] > 0 and counts["none"] > 0
    assert sum(counts.values()) == 40


def _with_level(report: Any, name: str, level: str) -> Any:
    """The report with one package's scored level replaced (as the scorer will emit
    ``unknown`` itself): the reporters must take it as it is."""
    scores = dict(report.scores)
    scores[name] = replace(scores[name], level=level, unknown_heavy=False)
    return replace(report, scores=scores)


def test_a_scored_unknown_level_is_first_class_everywhere() -> None:
    report = _with_level(scored_report(12), "root-0", "unknown")
    assert display_level(report.scores["root-0"]) == "unknown"
    out = text(report, everything=True)
    line = next(x for x in out.splitlines() if " root-0 " in x and x.startswith("  "))
    assert line.split()[0] == "unknown"
    md = reporter_for("markdown").render(report, RenderContext())
    assert "❔ **unknown" in md
    doc = json.loads(reporter_for("json").render(report, RenderContext()))
    validate_report(doc)
    assert doc["summary"]["levels"]["unknown"] == count_levels(report)["unknown"]
    page = page_data(report, {})
    assert next(p for p in page["packages"] if p["name"] == "root-0")["level"] == "unknown"


def test_unknown_has_its_own_colour_in_the_terminal() -> None:
    report = scored_report(40)
    coloured = text(report, color=True)
    unknown = next(x for x in coloured.splitlines() if "unknown " in x and "undecided" in x)
    medium = next(x for x in coloured.splitlines() if "medium " in x and x.startswith("  "))
    code = re.compile(r"\x1b\[([0-9;]+)m")
    assert code.search(unknown).group(1) != code.search(medium).group(1)  # type: ignore[union-attr]


# -- the terminal -----------------------------------------------------------------------


def test_verdict_first_and_last_with_counts_and_the_evidence_gap() -> None:
    report = scored_report(40)
    lines = text(report).splitlines()
    risky = sum(1 for f in report.gate.failing if f.kind == "risk")
    assert risky and lines[0].startswith(
        f"auditor FAIL (exit 1, --fail-on high): {risky} package(s)"
    )
    assert lines[-1] == lines[0]
    counts = count_levels(report)
    assert lines[1] == "40 packages: " + ", ".join(f"{counts[lv]} {lv}" for lv in DISPLAY_LEVELS)
    assert list(counts) == ["critical", "high", "medium", "unknown", "low", "none"]
    gap = evidence_gap(report.result)
    assert lines[2].startswith(f"evidence: {gap.unknown:,} of {gap.total:,} signals unknown")
    assert lines[3].strip() == f"{gap.unknown:,} test: not collected in this test"


def test_only_what_needs_attention_by_default_and_all_with_the_flag() -> None:
    report = scored_report(40)
    attention = {name for name, s in report.scores.items() if needs_attention(display_level(s))}
    names, accounted = _listed(text(report))
    assert names <= attention and accounted == len(attention)
    # Unknowns beyond three under one requirement share a folded line, names in it.
    out = text(report)
    folded = list(re.finditer(r"^  unknown  (\d+) packages whose.*\n +(.*)$", out, re.MULTILINE))
    assert folded
    for m in folded:
        listed = [n for n in m.group(2).split(", ") if not n.startswith("+")]
        assert listed and set(listed) <= attention
    whole = text(report, everything=True)
    assert len([x for x in whole.splitlines() if _is_row(x)]) == 40 and not FOLDED.search(whole)


def test_grouped_by_the_requirement_that_brings_it_in_worst_first() -> None:
    report = scored_report(40)
    grouped = groups(report)
    assert {g.root for g in grouped} <= set(report.result.graph.roots)
    for g in grouped:
        assert g.origin.startswith("requirements.txt:")
        orders = [level_order(r.level) for r in g.rows]
        assert orders == sorted(orders)
        for row in g.rows:
            assert g.root in row.pkg.via
    worst = [level_order(g.worst) for g in grouped]
    assert worst == sorted(worst)
    out = text(report)
    header = next(x for x in out.splitlines() if x.startswith("root-0 "))
    assert "requirements.txt:1" in header
    wide = text(report, width=120)
    evil = next(x for x in wide.splitlines() if " evil-pkg " in x)
    assert "also via root-1" in evil


def test_every_line_fits_80_columns_and_reasons_are_shortened() -> None:
    report = scored_report(60, special=("a-fairly-long-but-ordinary-package-name-here",))
    out = text(report, summaries=None)
    for line in out.splitlines():
        assert len(line) <= 80, line
    assert any(line.endswith("…") for line in out.splitlines())


def test_long_names_are_never_cut_into_the_same_text() -> None:
    stem = "pydantic-" + "x" * 70
    a, b = stem + "-core", stem + "-extra"
    report = scored_report(20, special=(a, b, "pydantic", "pydantic-core"))
    out = text(report, everything=True)
    shown = [x.split()[1] for x in out.splitlines() if x.startswith("  ") and len(x.split()) > 1]
    assert "pydantic" in shown and "pydantic-core" in shown  # short names whole
    long_ones = [x for x in shown if x.startswith("pydantic-xxx")]
    assert len(long_ones) == 2 and long_ones[0] != long_ones[1]
    assert short_name(a, 60) != short_name(b, 60)
    assert len(short_name(a, 60)) <= 60
    assert short_name("pydantic-core", 60) == "pydantic-core"


def test_nothing_needing_attention_says_so() -> None:
    report = scored_report(8)
    calm = {
        name: replace(score, level="low", unknown_heavy=False)
        for name, score in report.scores.items()
    }
    quiet = replace(report, scores=calm, gate=replace(report.gate, exit_code=0, failing=()))
    out = text(quiet)
    assert "Nothing needs attention" in out
    assert out.splitlines()[0].startswith("auditor PASS")


# -- JSON schema: closed and typed ------------------------------------------------------


def _doc() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(reporter_for("json").render(scored_report(8), RenderContext()))
    validate_report(doc)
    return doc


def test_json_is_version_2_with_typed_signals_and_the_verdict() -> None:
    doc = _doc()
    assert doc["schema_version"] == "2"
    sig = doc["packages"][0]["signals"]["archived"]
    assert sig["type"] == "bool" and isinstance(sig["value"], bool)
    assert doc["summary"]["verdict"].startswith("FAIL")
    assert doc["summary"]["evidence"]["unknown"] <= doc["summary"]["evidence"]["signals"]
    assert list(doc["summary"]["levels"]) == list(DISPLAY_LEVELS)


@pytest.mark.parametrize(
    "break_it",
    [
        lambda d: d.update(schema_verison="2"),  # a misspelt top-level key
        lambda d: d["summary"].update(levles={}),
        lambda d: d["packages"][0].update(risc={}),
        lambda d: d["packages"][0]["risk"].update(scroe=1),
        lambda d: d["packages"][0]["signals"]["archived"].update(valeu=True),
        lambda d: d["packages"][0]["risk"]["findings"][0].update(rulee="x"),
        lambda d: d["packages"][0]["signals"]["archived"].update(value="yes"),  # wrong type
        lambda d: d["packages"][0]["signals"]["days_since_release"].update(value="400"),
        lambda d: d["summary"]["levels"].pop("unknown"),
    ],
)
def test_json_schema_rejects_misspelt_keys_and_mistyped_values(break_it: Any) -> None:
    doc = _doc()
    break_it(doc)
    with pytest.raises(jsonschema.ValidationError):
        validate_report(doc)


# -- bad input: huge, long, hostile ------------------------------------------------------

HOSTILE_NAMES = (
    "n" * 200,
    "<script>alert(1)</script>",
    "a|b*c_d`e[f](javascript:x)",
    "\x1b[2Jclear\x1b]0;title\x07",
    "@someone #12 www.example.com",
    "</script><!--",
)


@pytest.mark.parametrize("fmt", [f.value for f in OutputFormat])
def test_hostile_and_long_names_stay_clean_in_every_format(fmt: str) -> None:
    report = scored_report(30, special=HOSTILE_NAMES)
    out = reporter_for(fmt).render(
        report, RenderContext(rules=rules(), summaries=summaries_for(report), width=80)
    )
    assert ESC not in out and "\x07" not in out
    if fmt in ("json", "sarif"):
        doc = json.loads(out)
        (validate_report if fmt == "json" else validate_sarif)(doc)
    if fmt == "markdown":
        assert "<script" not in out and "](javascript" not in out and "@someone" not in out
        assert "www.example" not in out
    if fmt == "html":
        body = out.split('<script type="application/json" id="auditor-data">')[1]
        assert "<script" not in body.split("</script>")[0]
        assert "<!--" not in body.split("</script>")[0]
    if fmt == "text":
        for line in out.splitlines():
            if (
                "Summaries" in out
                and line.startswith("  ")
                and ": " in line
                and "[generated" in line
            ):
                continue  # a generated summary may run long; it is one line
            assert len(line) <= 80 or "n" * 60 in line, line


def test_five_thousand_packages_stay_bounded_in_every_format() -> None:
    report = scored_report(5000, direct=40, special=("x" * 200,))
    context = RenderContext(rules=rules(), width=80)
    text_out = reporter_for("text").render(report, context)
    attention = sum(1 for s in report.scores.values() if needs_attention(display_level(s)))
    # Header lines, one per group and package, the trailer: nothing else grows.
    assert len(text_out.splitlines()) <= attention + 2 * 40 + 20
    md = reporter_for("markdown").render(report, context)
    assert len(md.encode()) <= 1024 * 1024
    md_comment = reporter_for("markdown").render(report, replace(context, markdown_limit=65536))
    assert len(md_comment.encode()) <= 65536 and md_comment.startswith("## ❌ auditor: FAIL")
    sarif = json.loads(reporter_for("sarif").render(report, context))
    hits = sum(1 for s in report.scores.values() for f in s.findings if f.outcome == "hit")
    assert len(sarif["runs"][0]["results"]) == hits  # one per rule and package, never per root
    html = reporter_for("html").render(report, context)
    assert html.count('"name":') >= 5000


def test_project_page_comes_from_the_configured_index() -> None:
    assert project_page("http://127.0.0.1:8080/simple/", "a b") == (
        "http://127.0.0.1:8080/project/a%20b/"
    )
    assert project_page("https://mirror.example/root/pypi/+simple", "torch") == (
        "https://mirror.example/root/pypi/+simple/torch/"
    )
    assert project_page(None, "torch") is None
    assert project_page("file:///srv/index", "torch") is None
    page = page_data(scored_report(6), {}, "http://127.0.0.1:9/simple")
    assert all(
        p["index_page"] == f"http://127.0.0.1:9/project/{p['name']}/" for p in page["packages"]
    )
