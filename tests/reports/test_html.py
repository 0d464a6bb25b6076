"""The HTML report: self-contained, safe with hostile text, and working in a real browser.

The browser test starts Debian's chromium headless with networking features off and a
throwaway profile, opens ``report.html#selftest=evil-pkg`` (the page then searches for
that package, selects it with the keyboard, sorts by clicking and by keyboard, shows
everything, clicks its node, and writes what it saw into ``#selftest-result``), reads
the DOM with ``--dump-dom``, and saves screenshots at 27 and 300 packages to
test-artifacts/. It is skipped, saying
why, only when no chromium binary exists (CI: ``apt-get install -y chromium``).
"""

from __future__ import annotations

import html as htmllib
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from auditor.reporters.html import page_data, render_html, script_json
from tests.reports.synthetic import scored_report, summaries_for

ROOT = Path(__file__).resolve().parent.parent.parent
ARTIFACTS = ROOT / "test-artifacts"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def browser() -> str | None:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--metrics-recording-only",
        # Anything that tries the network goes to a closed loopback port.
        "--proxy-server=127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>",
        f"--user-data-dir={profile}",
    ]
    return subprocess.run(
        [binary, *flags, *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_page_is_self_contained_and_inert(tmp_path: Path) -> None:
    report = scored_report(20)
    page = render_html(report, summaries_for(report))
    assert page.startswith("<!DOCTYPE html>")
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    # No external resource of any kind.
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<link" not in page and "@import" not in page
    # Hostile package text never appears as markup or escapes.
    assert "<img src=x" not in page and "\x1b" not in page
    data = page.split('<script type="application/json" id="auditor-data">')[1]
    data = data.split("</script>")[0]
    doc = json.loads(data)
    assert len(doc["packages"]) == 20
    evil = next(p for p in doc["packages"] if p["name"] == "evil-pkg")
    assert "<img src=x" in evil["summary"]["text"]  # kept as data, shown as text
    assert evil["summary"]["generated_by"] == "qwen2.5:3b via ollama"
    assert {e[1] for e in doc["edges"]} >= {"evil-pkg"}


def test_script_json_cannot_close_the_script() -> None:
    text = script_json({"a": "</script><script>alert(1)</script>&\u2028"})
    assert "</script" not in text and "<" not in text and "&" not in text
    assert json.loads(text)["a"].startswith("</script>")


def test_title_is_escaped(tmp_path: Path) -> None:
    report = scored_report(5, inputs_dir=tmp_path / "<b>x")
    page = render_html(report)
    assert "<b>x" not in page.split("<body>")[0]
    assert htmllib.escape("<b>x") in page


def _selftest(binary: str, tmp_path: Path, page: Path, name: str) -> tuple[dict[str, Any], str]:
    dom = chromium(
        binary,
        tmp_path / "profile",
        "--virtual-time-budget=5000",
        "--dump-dom",
        page.as_uri() + "#selftest=" + name,
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    match = re.search(r'<pre id="selftest-result">(.*?)</pre>', dom.stdout, re.DOTALL)
    assert match, f"the page script did not run: {dom.stdout[:500]}"
    seen: dict[str, Any] = json.loads(htmllib.unescape(match.group(1)))
    return seen, dom.stdout


def _screenshot(binary: str, tmp_path: Path, page: Path, shot: Path) -> None:
    """The page as it opens (no self-test), saved for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    shot.unlink(missing_ok=True)
    result = chromium(
        binary,
        tmp_path / "profile-shot",
        "--hide-scrollbars",
        "--window-size=1400,1000",
        "--virtual-time-budget=5000",
        f"--screenshot={shot}",
        page.as_uri(),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.stat().st_size > 10_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.skipif(browser() is None, reason="no chromium found: apt-get install -y chromium")
@pytest.mark.parametrize("size", [27, 300])
def test_page_opens_on_the_risk_and_search_sort_select_work(tmp_path: Path, size: int) -> None:
    binary = browser()
    assert binary is not None
    report = scored_report(size, direct=3 if size < 100 else 12)
    page = tmp_path / "report.html"
    index = "http://127.0.0.1:9/simple/"
    page.write_text(render_html(report, summaries_for(report), index_url=index), encoding="utf-8")
    seen, dom = _selftest(binary, tmp_path, page, "evil-pkg")
    data = page_data(report, {}, index)
    packages = data["packages"]

    # Opens on the risky part: medium and above and their paths to the roots.
    focus = [p for p in packages if p["focus"]]
    risky = [p for p in packages if p["level"] in ("medium", "high", "critical")]
    assert {p["name"] for p in risky} <= {p["name"] for p in focus}
    assert all(
        p["level"] in ("medium", "high", "critical")
        or p["direct"]
        or p["name"] in {n for q in risky for n in q["paths"][0]}
        for p in focus
    )
    assert seen["initial"]["nodes"] == len(focus) < size
    assert seen["initial"]["rows"] == sum(1 for p in packages if p["attention"])
    assert seen["initial"]["first_by_risk"] == "evil-pkg"  # the worst package first
    # ...everything else one click away.
    assert seen["all"] == {"nodes": size, "rows": size}

    # Search: typing part of a name narrows the table and marks the node.
    assert seen["searched"] == ["evil-pkg"] and seen["matched_nodes"] == 1
    # Select from the keyboard: Enter on a row opens its evidence.
    assert seen["selected_by_keyboard"] == "evil-pkg"
    assert seen["headers_focusable"] is True
    # Numeric sort: days as numbers (1132 before 701 before 400 before 90), unknown last.
    days = [d for d in seen["release_desc"] if d is not None]
    assert days == sorted(days, reverse=True) and 1132 in days and 12 in days
    names = sorted(p.name for p in report.result.packages)
    assert (seen["first_by_name"], seen["last_by_name"]) == (names[0], names[-1])
    assert seen["zoomed"] is True and seen["clicked"] == "evil-pkg"
    assert seen["panel_package"] == "evil-pkg"
    assert seen["panel_links"] == [
        "http://127.0.0.1:9/project/evil-pkg/",
        "https://github.com/example/evil-pkg",
    ]
    hits = {f.rule_id for f in report.scores["evil-pkg"].findings if f.outcome == "hit"}
    assert hits <= set(seen["panel_rules"])
    assert 'data-selftest="clicked"' in dom
    panel = dom.split('id="panel"')[1].split("</aside>")[0]
    assert "archived-repository" in panel and "What to do:" in panel
    assert 'data-generated="true"' in panel and "Generated by qwen2.5:3b" in panel
    assert "<img src=x" not in panel  # hostile text stayed text

    _screenshot(binary, tmp_path, page, ARTIFACTS / f"html-report-{size}.png")
