"""The GitHub Action's audit step (``.github/actions/audit/run.sh``) run as Actions runs it:
the ``GITHUB_STEP_SUMMARY`` and ``GITHUB_OUTPUT`` files, inputs as ``INPUT_*`` variables,
against the fake index and the fake GitHub. Also the action and pre-commit metadata."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.audit.conftest import TOKEN
from tests.fakes import FakeIndex
from tests.fakes.github_server import FakeGitHub
from tests.reports.schemas import validate_report, validate_sarif

ROOT = Path(__file__).resolve().parent.parent.parent
ACTION = ROOT / ".github" / "actions" / "audit"


@dataclass
class Step:
    code: int
    summary: str
    outputs: dict[str, str]
    log: str


@pytest.fixture(autouse=True)
def stacks(index: FakeIndex) -> None:
    index.add_project(
        "solokit",
        ["1.0"],
        project_urls={"Source": "https://github.com/oldlab/legacy-nn"},
        roles=[("Owner", "lonewolf")],
    )
    index.add_project(
        "orgkit",
        ["2.0"],
        project_urls={"Source": "https://github.com/aifoundry/tensorkit"},
        roles=[("Owner", "alice"), ("Maintainer", "bob"), ("Maintainer", "carol")],
        organization="aifoundry",
    )


def run_step(
    tmp_path: Path,
    index: FakeIndex,
    github: FakeGitHub,
    requirements: str | None,
    *,
    fail_on: str = "high",
) -> Step:
    workspace = tmp_path / "workspace"
    workspace.mkdir(exist_ok=True)
    if requirements is not None:
        (workspace / "requirements.txt").write_text(requirements)
    summary = tmp_path / "step_summary.md"
    outputs = tmp_path / "github_output"
    summary.write_text("earlier step's summary\n")
    outputs.write_text("")
    env = {
        **os.environ,
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_API_URL": github.base_url,
        "PIP_INDEX_URL": index.simple_url,
        "RUNNER_TEMP": str(tmp_path / "runner-temp"),
        "AUDITOR_PYTHON": sys.executable,
        "AUDITOR_OUTPUT_DIR": str(tmp_path / "out"),
        "AUDITOR_CACHE_DIR": str(tmp_path / "cache"),
        "INPUT_REQUIREMENTS": "requirements.txt",
        "INPUT_FAIL_ON": fail_on,
        "INPUT_STRICT": "false",
        "INPUT_EXTRA_ARGS": "--python-version 3.12 --platform linux --max-wait 1",
        "CI": "true",
    }
    done = subprocess.run(
        ["bash", str(ACTION / "run.sh")],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    pairs = [line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line]
    return Step(done.returncode, summary.read_text(), dict(pairs), done.stdout + done.stderr)


def test_failing_stack_fails_the_step_with_summary_sarif_and_outputs(
    tmp_path: Path, index: FakeIndex, github: FakeGitHub
) -> None:
    step = run_step(tmp_path, index, github, "orgkit\nsolokit\n")
    assert step.code == 1, step.log
    assert step.summary.startswith("earlier step's summary\n")  # appended, not replaced
    assert "## ❌ auditor: FAIL" in step.summary and "| **solokit** |" in step.summary
    out = step.outputs
    assert out["exit-code"] == "1"
    assert out["highest-risk"] in ("high", "critical")
    assert int(out["high"]) + int(out["critical"]) >= 1
    assert out["packages"] == "2"
    assert {"none", "low", "medium"} <= set(out)
    sarif = json.loads(Path(out["sarif"]).read_text())
    validate_sarif(sarif)
    located = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert located["artifactLocation"] == {"uri": "requirements.txt", "uriBaseId": "%SRCROOT%"}
    assert located["region"]["startLine"] == 2
    validate_report(json.loads(Path(out["json"]).read_text()))
    assert TOKEN not in step.log and TOKEN not in step.summary


def test_passing_stack_passes(tmp_path: Path, index: FakeIndex, github: FakeGitHub) -> None:
    step = run_step(tmp_path, index, github, "orgkit\n")
    assert step.code == 0, step.log
    assert "## ✅ auditor: PASS" in step.summary
    assert step.outputs["exit-code"] == "0"
    assert step.outputs["highest-risk"] in ("none", "low", "medium")


def test_fail_on_critical_lets_high_risk_pass(
    tmp_path: Path, index: FakeIndex, github: FakeGitHub
) -> None:
    step = run_step(tmp_path, index, github, "solokit\n", fail_on="critical")
    assert step.code == 0, step.log
    assert step.outputs["highest-risk"] == "high"


def test_an_input_error_still_writes_a_summary_and_outputs(
    tmp_path: Path, index: FakeIndex, github: FakeGitHub
) -> None:
    step = run_step(tmp_path, index, github, None)  # requirements.txt does not exist
    assert step.code == 2, step.log
    assert "did not finish (exit 2)" in step.summary
    assert step.outputs["exit-code"] == "2" and step.outputs["highest-risk"] == "unknown"


def test_action_metadata() -> None:
    text = (ACTION / "action.yml").read_text()
    assert "using: composite" in text
    for name in ("requirements", "fail-on", "strict", "github-token", "python-version"):
        assert re.search(rf"^  {name}:\n", text, re.M), name
    assert "default: ${{ github.token }}" in text
    assert "GITHUB_TOKEN: ${{ inputs.github-token }}" in text
    assert "actions/setup-python@" in text
    assert '"${{ github.action_path }}/../../.."' in text
    assert 'bash "${{ github.action_path }}/run.sh"' in text
    for output in ("exit-code", "highest-risk", "critical", "high", "sarif", "json"):
        assert f"value: ${{{{ steps.audit.outputs.{output} }}}}" in text, output
    # Inputs reach the script through env only: never interpolated into `run:` text.
    runs = [line for line in text.splitlines() if "run:" in line or line.startswith("        ")]
    assert not any("inputs." in line for line in runs if "run:" in line)


def test_precommit_hook_matches_dependency_files() -> None:
    text = (ROOT / ".pre-commit-hooks.yaml").read_text()
    assert "- id: auditor" in text and "entry: audit" in text
    files = re.search(r"^  files: (.+)$", text, re.M)
    assert files is not None
    pattern = re.compile(files.group(1))
    for path in (
        "requirements.txt",
        "requirements-dev.txt",
        "app/requirements-gpu.txt",
        "pyproject.toml",
        "uv.lock",
        "poetry.lock",
        "Pipfile.lock",
        "pylock.toml",
        "pylock.dev.toml",
    ):
        assert pattern.search(path), path
    for path in ("README.md", "src/app.py", "setup.cfg", "docs/pyproject.toml.md"):
        assert not pattern.search(path), path


def test_highest_risk_is_unknown_when_nothing_is_known_to_be_fine(
    tmp_path: Path, index: FakeIndex
) -> None:
    # GitHub unreachable (a closed port): numpy has no finding, but the rules that would
    # decide its level are undecided. The action must not report that as "none".
    from types import SimpleNamespace

    closed = SimpleNamespace(base_url="http://127.0.0.1:9")
    step = run_step(tmp_path, index, closed, "numpy\n")  # type: ignore[arg-type]
    assert step.outputs["highest-risk"] == "unknown", step.log
    assert step.outputs["unknown"] == "1" and step.outputs["none"] == "0"
