"""The GitHub Action's entry point (``.github/actions/audit/entry.py``) run as Actions runs
it: the ``GITHUB_STEP_SUMMARY`` and ``GITHUB_OUTPUT`` files, inputs as ``INPUT_*``
variables, against the fake index and the fake GitHub, failure paths included. Also the
action and pre-commit metadata."""

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
    extra: dict[str, str] | None = None,
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
        "ACTION_AUDITOR_PYTHON": sys.executable,
        "ACTION_OUTPUT_DIR": str(tmp_path / "out"),
        "AUDITOR_CACHE_DIR": str(tmp_path / "cache"),
        "INPUT_REQUIREMENTS": "requirements.txt",
        "INPUT_FAIL_ON": fail_on,
        "INPUT_STRICT": "false",
        "INPUT_EXTRA_ARGS": "--python-version 3.12 --platform linux --max-wait 1",
        "CI": "true",
        **(extra or {}),
    }
    done = subprocess.run(
        [sys.executable, str(ACTION / "entry.py")],
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


def test_an_input_error_writes_a_summary_and_no_report_outputs(
    tmp_path: Path, index: FakeIndex, github: FakeGitHub
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "auditor.sarif").write_text("{}")  # left by an earlier run: must not be reported
    step = run_step(tmp_path, index, github, None)  # requirements.txt does not exist
    assert step.code == 2, step.log
    assert "did not finish (exit 2)" in step.summary
    assert step.outputs["exit-code"] == "2" and step.outputs["highest-risk"] == "unknown"
    # No output names a file that does not exist: an upload step guarded by
    # `steps.audit.outputs.sarif != ''` is skipped instead of failing.
    assert not {"sarif", "json", "markdown"} & set(step.outputs)
    assert not (out / "auditor.sarif").exists()


def test_extra_args_are_split_like_a_command_line(
    tmp_path: Path, index: FakeIndex, github: FakeGitHub
) -> None:
    bad = {"INPUT_EXTRA_ARGS": "--python-version 3.12 --fail-on 'not a level'"}
    step = run_step(tmp_path, index, github, "orgkit\n", extra=bad)
    assert step.code == 2, step.log
    assert "invalid choice: 'not a level'" in step.log
    assert step.outputs["exit-code"] == "2" and "sarif" not in step.outputs


def test_an_interpreter_that_cannot_run_auditor_is_reported(
    tmp_path: Path, index: FakeIndex, github: FakeGitHub
) -> None:
    broken = {"ACTION_AUDITOR_PYTHON": str(tmp_path / "no-such-python")}
    step = run_step(tmp_path, index, github, "orgkit\n", extra=broken)
    assert step.code != 0
    assert step.outputs["exit-code"] == str(step.code)
    assert step.outputs["highest-risk"] == "unknown"
    assert "did not finish" in step.summary


def test_install_failure_is_reported_not_raised(tmp_path: Path) -> None:
    """Without an interpreter given, the entry point makes a venv and installs auditor;
    when that fails (here: the venv cannot be created) the step says so and fails."""
    blocker = tmp_path / "runner-temp"
    blocker.mkdir()
    (blocker / "auditor-venv").write_text("a file where the venv should go")
    env = {k: v for k, v in os.environ.items() if k not in ("ACTION_AUDITOR_PYTHON",)}
    env.update(
        RUNNER_TEMP=str(blocker),
        GITHUB_OUTPUT=str(tmp_path / "out.txt"),
        GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"),
    )
    done = subprocess.run(
        [sys.executable, str(ACTION / "entry.py")],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 3
    assert "exit-code=3\n" in (tmp_path / "out.txt").read_text()
    assert "failed" in (tmp_path / "summary.md").read_text()


def test_venv_interpreter_path_per_platform() -> None:
    sys.path.insert(0, str(ACTION))
    try:
        import entry  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(ACTION))
    assert entry.venv_python(Path("v"), windows=True) == Path("v") / "Scripts" / "python.exe"
    assert entry.venv_python(Path("v"), windows=False) == Path("v") / "bin" / "python"


def test_action_metadata() -> None:
    text = (ACTION / "action.yml").read_text()
    assert "using: composite" in text
    for name in ("requirements", "fail-on", "strict", "github-token", "python-version", "cache"):
        assert re.search(rf"^  {name}:\n", text, re.M), name
    assert "default: ${{ github.token }}" in text
    assert "GITHUB_TOKEN: ${{ inputs.github-token }}" in text
    # Its own Python, without changing the caller's: setup-python must not touch PATH.
    setup = text.split("actions/setup-python@", 1)[1].split("- ", 1)[0]
    assert "update-environment: false" in setup
    assert "run: bash" not in text and "shell: bash" not in text  # Windows runners
    assert text.count("shell: pwsh") == 2
    assert 'Join-Path $env:GITHUB_ACTION_PATH "entry.py"' in text
    cache = text.split("actions/cache@", 1)[1]
    assert "${{ runner.temp }}/auditor-cache" in cache
    assert "hashFiles('**/requirements*.txt'" in cache and "steps.day.outputs.day" in cache
    for output in ("exit-code", "highest-risk", "critical", "high", "sarif", "json"):
        assert f"value: ${{{{ steps.audit.outputs.{output} }}}}" in text, output
    # Inputs reach the script through env only: never interpolated into `run:` text.
    assert not any("inputs." in line for line in text.splitlines() if "run:" in line)


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
        "pdm.lock",
        "svc/uv.lock",
    ):
        assert pattern.search(path), path
    for path in (
        "README.md",
        "src/app.py",
        "setup.cfg",
        "docs/pyproject.toml.md",
        "yarn.lock",
        "Cargo.lock",
        "web/package-lock.json",
        "Gemfile.lock",
        "composer.lock",
        "flake.lock",
    ):
        assert not pattern.search(path), path
    # The terminal report lists only what needs attention unless asked: no flag that
    # prints every package may be passed by default.
    args = re.search(r"^  args: \[(.*)\]$", text, re.M)
    assert args is not None
    assert "--all" not in args.group(1) and "json" not in args.group(1)


def test_example_workflow_matches_readme_and_uploads_sarif_only_when_written() -> None:
    example = (ROOT / "examples" / "github-workflow.yml").read_text()
    readme = (ROOT / "README.md").read_text()
    body = example.split("\n", 1)[1]  # after the comment line
    assert f"```yaml\n{body}```" in readme
    upload = example.split("upload-sarif@", 1)[0].rsplit("- if:", 1)[1]
    assert "steps.audit.outputs.sarif != ''" in upload


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
