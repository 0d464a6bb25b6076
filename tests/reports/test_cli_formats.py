"""Every format end to end through ``auditor.cli.main`` against the fake index and GitHub,
and ``--summarize`` wired into ``audit`` against the fake local model server.

Two stacks (as in tests/audit/test_gate.py): ``solokit`` (one publisher, archived
repository) fails the default gate; ``orgkit`` (an organisation, many contributors) passes.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from auditor.api import Settings, collect
from auditor.cli import build_parser
from auditor.cli.audit_cmd import no_color, show_progress
from tests.audit.conftest import HEALTHY, RISKY, TOKEN, add_gate_stacks
from tests.fakes import FakeIndex
from tests.fakes.llm_server import FakeLLMServer, closed_port_url
from tests.reports.schemas import validate_report, validate_sarif


@pytest.fixture(autouse=True)
def stacks(index: FakeIndex, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    add_gate_stacks(index)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    monkeypatch.delenv("NO_COLOR", raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)


def test_json(run: Any) -> None:
    result = run("audit", RISKY, "--format", "json")
    assert result.code == 1, result.err
    doc = result.json()
    validate_report(doc)
    assert doc["summary"]["gate"]["exit_code"] == 1
    assert all("summary" not in p for p in doc["packages"])


def test_text_has_no_escape_sequences_off_a_terminal(run: Any) -> None:
    result = run("audit", RISKY)
    assert result.code == 1
    assert "solokit" in result.out and "\x1b" not in result.out
    # No progress bars when stderr is not a terminal.
    assert "resolving" not in result.err and "collecting" not in result.err


def test_markdown(run: Any) -> None:
    result = run("audit", RISKY, "--format", "markdown")
    assert result.code == 1, result.err
    md = result.out
    assert md.startswith("## ❌ auditor: FAIL")
    assert "**Evidence:**" in md.split("### Needs attention")[0]
    assert "### Needs attention" in md and "| **solokit** |" in md
    assert "<details><summary><b>solokit</b>" in md
    passing = run("audit", HEALTHY, "--format", "markdown")
    assert passing.code == 0 and passing.out.startswith("## ✅ auditor: PASS")


def test_sarif_points_at_the_requirement_line(run: Any, tmp_path: Path) -> None:
    result = run("audit", "orgkit\n\nsolokit\n", "--format", "sarif")
    assert result.code == 1, result.err
    doc = json.loads(result.out)
    validate_sarif(doc)
    results = doc["runs"][0]["results"]
    solo = [r for r in results if r["properties"]["package"] == "solokit"]
    assert {r["ruleId"] for r in solo} >= {"archived-repository", "single-publisher"}
    assert len({r["ruleId"] for r in solo}) == len(solo)  # one result per rule and package
    assert doc["runs"][0]["automationDetails"]["id"] == "auditor/requirements.txt/"
    for r in solo:
        loc = r["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"] == {"uri": "requirements.txt", "uriBaseId": "%SRCROOT%"}
        assert loc["region"]["startLine"] == 3
    base = doc["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == tmp_path.resolve().as_uri() + "/"
    again = json.loads(run("audit", "orgkit\n\nsolokit\n", "--format", "sarif").out)
    assert [r["partialFingerprints"] for r in again["runs"][0]["results"]] == [
        r["partialFingerprints"] for r in results
    ]


def test_text_opens_and_closes_on_the_verdict(run: Any) -> None:
    result = run("audit", "orgkit\nsolokit\n")
    assert result.code == 1, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith("auditor FAIL (exit 1, --fail-on high)")
    assert lines[-1] == lines[0]
    assert any(line.startswith("evidence: ") for line in lines[:4])
    rows = [line.split()[1] for line in lines if line.startswith("  ") and len(line) > 12]
    rows = [r for r in rows if r in ("solokit", "orgkit")]
    levels = {
        p["name"]: p["risk"]["level"]
        for p in run("audit", "orgkit\nsolokit\n", "--format", "json").json()["packages"]
    }
    # Listed: what needs attention (medium and above, and unknown), worst first.
    shown = [n for n in ("solokit", "orgkit") if levels[n] not in ("none", "low")]
    assert rows == shown and rows[0] == "solokit"
    everything = run("audit", "orgkit\nsolokit\n", "--all")
    assert everything.code == 1
    assert "All " in everything.out and " orgkit " in everything.out


def test_markdown_limit(run: Any) -> None:
    result = run("audit", RISKY, "--format", "markdown", "--markdown-limit", "4096")
    assert result.code == 1, result.err
    assert len(result.out.encode()) <= 4096 and result.out.startswith("## ❌ auditor: FAIL")
    small = run("audit", RISKY, "--format", "markdown", "--markdown-limit", "100")
    assert small.code == 2 and "at least 4096" in small.err
    bad = run("audit", RISKY, "--markdown-limit", "lots")
    assert bad.code == 2 and "whole number" in bad.err


def test_html(run: Any, index: FakeIndex) -> None:
    result = run("audit", RISKY, "--format", "html")
    assert result.code == 1, result.err
    assert result.out.startswith("<!DOCTYPE html>")
    assert '"name":"solokit"' in result.out
    # The index page link is built from the index this run used (PIP_INDEX_URL here).
    data = json.loads(result.out.split('id="auditor-data">')[1].split("</script>")[0])
    solo = next(p for p in data["packages"] if p["name"] == "solokit")
    assert solo["index_page"] == index.url + "/project/solokit/"


def test_one_run_writes_several_formats(run: Any, tmp_path: Path) -> None:
    md, sarif, html = tmp_path / "r.md", tmp_path / "r.sarif", tmp_path / "r.html"
    result = run(
        "audit",
        RISKY,
        "--format",
        "json",
        "--report",
        f"markdown={md}",
        "--report",
        f"sarif={sarif}",
        "--report",
        f"html={html}",
    )
    assert result.code == 1, result.err
    validate_report(result.json())
    validate_sarif(json.loads(sarif.read_text()))
    assert md.read_text().startswith("## ❌ auditor: FAIL")
    assert html.read_text().startswith("<!DOCTYPE html>")
    bad = run("audit", RISKY, "--report", "pdf=x.pdf")
    assert bad.code == 2 and "unknown format 'pdf'" in bad.err


# -- summaries (issue 8) wired into audit ------------------------------------------------


def test_summarize_adds_generated_text_and_keeps_the_exit_code(run: Any, tmp_path: Path) -> None:
    without = run("audit", RISKY, "--format", "json")
    with FakeLLMServer("ollama") as server:
        result = run("audit", RISKY, "--format", "json", "--summarize", "--llm-url", server.url)
        md = run("audit", RISKY, "--format", "markdown", "--summarize", "--llm-url", server.url)
        text = run("audit", RISKY, "--summarize", "--llm-url", server.url)
        chats = len(server.chats)
    assert result.code == without.code == md.code == text.code == 1, result.err
    doc = result.json()
    validate_report(doc)
    solo = next(p for p in doc["packages"] if p["name"] == "solokit")
    assert solo["summary"]["generated_by"] == "qwen2.5:3b via ollama"
    assert solo["summary"]["text"].startswith("solokit is at high risk")
    # Risk, findings and gate are identical to the run without summaries.
    plain = without.json()
    for a, b in zip(plain["packages"], doc["packages"], strict=True):
        assert a["risk"] == b["risk"]
    assert plain["summary"] == doc["summary"]
    assert "*generated by qwen2.5:3b*" in md.out and "solokit is at high risk" in md.out
    assert "[generated by qwen2.5:3b] solokit is at high risk" in text.out
    assert chats == 1  # the later runs were served from the summaries cache


def test_summarize_with_the_server_down_warns_and_keeps_the_exit_code(run: Any) -> None:
    result = run("audit", RISKY, "--format", "json", "--summarize", "--llm-url", closed_port_url())
    assert result.code == 1, result.err
    assert "warning:" in result.err and "summar" in result.err.lower()
    doc = result.json()
    validate_report(doc)
    assert all("summary" not in p for p in doc["packages"])
    passing = run("audit", HEALTHY, "--summarize", "--llm-url", closed_port_url())
    assert passing.code == 0


def test_summarize_with_an_unknown_model_is_an_input_error(run: Any) -> None:
    with FakeLLMServer("ollama") as server:
        result = run(
            "audit", RISKY, "--summarize", "--llm-url", server.url, "--llm-model", "nope:1b"
        )
    assert result.code == 2
    assert "nope:1b" in result.err and "qwen2.5:3b" in result.err


def test_summarize_with_a_malformed_url_fails_before_auditing(run: Any, index: FakeIndex) -> None:
    result = run("audit", RISKY, "--summarize", "--llm-url", "ftp://x")
    assert result.code == 2, result.err


# -- progress and colour ------------------------------------------------------------------


def _args(*argv: str) -> argparse.Namespace:
    return build_parser("audit").parse_args(["audit", *argv])


def test_progress_only_for_a_person_at_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert show_progress(_args("x"))
    assert not show_progress(_args("x", "--quiet"))
    monkeypatch.setenv("CI", "true")
    assert not show_progress(_args("x"))
    monkeypatch.delenv("CI")
    monkeypatch.setattr("sys.stderr.isatty", lambda: False)
    assert not show_progress(_args("x"))


def test_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert no_color()
    monkeypatch.setenv("NO_COLOR", "")
    assert not no_color()


def test_collect_reports_progress(
    index: FakeIndex, cache_dir: Path, tmp_path: Path, github: Any
) -> None:
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("orgkit\nsolokit\n")
    settings = Settings(
        python_version="3.12",
        platform="linux",
        cache_dir=cache_dir,
        github_api_url=github.base_url,
    )
    seen: list[tuple[str, int, int]] = []
    collect([reqs], settings, progress=lambda stage, done, total: seen.append((stage, done, total)))
    stages = [s for s, _, _ in seen]
    assert stages[0] == "resolving the dependency graph"
    assert ("mapping repositories", 2, 2) in seen
    assert "collecting index signals" in stages and "collecting github signals" in stages
    last = [t for t in seen if t[0] == "collecting github signals"][-1]
    assert last[1] == last[2]


@pytest.mark.parametrize(
    "flags",
    [
        (),
        ("--no-github",),
        ("--strict",),
        ("--fail-on", "critical"),
        ("--no-deps",),
    ],
    ids=["default", "no-github", "strict", "fail-on-critical", "no-deps"],
)
def test_every_json_variant_matches_the_schema(run: Any, flags: tuple[str, ...]) -> None:
    result = run("audit", "orgkit\nsolokit\nrequests\n", "--format", "json", *flags)
    assert result.code in (0, 1, 3), result.err
    validate_report(result.json())


def test_json_with_baseline_and_acceptance_matches_the_schema(run: Any, tmp_path: Path) -> None:
    first = run("audit", RISKY, "--format", "json")
    baseline = tmp_path / "baseline.json"
    baseline.write_text(first.out)
    policy = tmp_path / "work" / ".auditor.toml"
    policy.write_text(
        '[tool.auditor]\n\n[[tool.auditor.accept]]\npackage = "solokit"\n'
        'rule = "single-publisher"\nreason = "known"\nexpires = 2099-01-01\n'
    )
    result = run("audit", RISKY, "--format", "json", "--baseline", str(baseline))
    assert result.code == 0, result.err  # same as the baseline: not new, not worse
    doc = result.json()
    validate_report(doc)
    solo = next(p for p in doc["packages"] if p["name"] == "solokit")
    assert solo["risk"]["baseline"]["status"] in ("same", "better")


def test_progress_bars_do_not_disturb_the_report(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("auditor.cli.audit_cmd.show_progress", lambda args: True)
    result = run("audit", RISKY, "--format", "json")
    assert result.code == 1, result.err
    validate_report(result.json())  # stdout holds the report only
