"""Outside text in the sponsorship plan is inert in every format.

FUNDING.yml entries, index organisations, Project-URLs and package names are written by
strangers (a pull request can add a dependency whose metadata says anything). None of it
may reach a terminal as an escape sequence, render in Markdown as an image, script or
@mention, become a ``javascript:`` link, or run as a spreadsheet formula.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest

from auditor.reporters.sanitize import csv_cell, markdown, markdown_url
from auditor.reporters.sponsor import render
from auditor.sponsorship.large_companies import LargeCompanies
from auditor.sponsorship.plan import Budget, plan_from_facts
from tests.sponsor.helpers import links, pkg

ESC = "\x1b]0;pwned\x07\x1b[2J"
EVIL_NAME = f"{ESC}<script>alert(1)</script>@everyone"
EVIL_URL = "https://evil.example/x)![pixel](https://evil.example/p.png"
FORMULA_URL = "https://evil.example/=HYPERLINK(1)"


def hostile_plan() -> object:
    packages = [
        pkg(
            EVIL_NAME,
            slug="hostile/repo",
            funding_links=links(
                ("custom", EVIL_URL),
                ("github", f"https://github.com/sponsors/{ESC}@evil<img src=x>"),
            ),
            risk=80,
        ),
        pkg(
            "=cmd|' /C calc'!A0", slug="formula/repo", funding_links=links(("custom", FORMULA_URL))
        ),
        pkg("-2+3", risk=70),  # risky with no channel: an "unfunded" row
    ]
    return plan_from_facts(
        packages,
        LargeCompanies(companies=()),
        budget=Budget(amount=100),
        inputs=("app.txt",),
        warnings=(f"index: {EVIL_NAME} failed",),
        generated_at=datetime(2025, 6, 1, tzinfo=UTC),
    )


@pytest.mark.parametrize("fmt", ["markdown", "csv", "html"])
def test_no_terminal_escape_in_any_format(fmt: str) -> None:
    text = render(hostile_plan(), fmt)  # type: ignore[arg-type]
    assert "\x1b" not in text and "\x07" not in text


def test_markdown_renders_no_markup_from_outside() -> None:
    text = render(hostile_plan(), "markdown")  # type: ignore[arg-type]
    assert "<script>" not in text and "<img" not in text
    prose = re.sub(r"\]\([^)\s]*\)", "]", text)  # link destinations are not prose
    assert "@everyone" not in prose and "@evil" not in prose
    assert "![pixel]" not in text
    # The funding link stays a link, with the characters that could close it encoded.
    assert "(https://evil.example/x%29![pixel]" not in text
    assert "https://evil.example/x%29" in text


def test_csv_cells_never_start_a_formula() -> None:
    rows = list(csv.reader(io.StringIO(render(hostile_plan(), "csv"))))  # type: ignore[arg-type]
    assert len(rows) > 2
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row


def test_html_escapes_and_links_only_http() -> None:
    text = render(hostile_plan(), "html")  # type: ignore[arg-type]
    assert "<script>" not in text and "<img" not in text
    assert 'href="javascript' not in text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2", "'-2"),
        ("@fundme", "'@fundme"),
        ("\tx", "'x"),
        ("\x1b[31m=red", "'=red"),
        ("plain", "plain"),
        ("", ""),
        ("a\nb", "a b"),
    ],
)
def test_csv_cell(value: str, expected: str) -> None:
    assert csv_cell(value) == expected


def test_markdown_url_only_http_and_nothing_that_ends_the_link() -> None:
    assert markdown_url("javascript:alert(1)") is None
    assert markdown_url("data:text/html,x") is None
    assert markdown_url("https://a.example/x y)z") == "https://a.example/x%20y%29z"
    assert markdown("[x](javascript:alert(1)) @me <b>") == (
        "&#91;x&#93;(javascript:alert(1)) &#64;me &#60;b&#62;"
    )
