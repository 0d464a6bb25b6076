"""Every command line in README.md's shell blocks, run as written (no extra flags) in a
shell, end to end against the loopback fakes: the package index (``PIP_INDEX_URL``),
GitHub (``GITHUB_API_URL``) and a git server that github.com clones are redirected to
(git's ``url.<base>.insteadOf``, set through ``GIT_CONFIG_*`` variables). The files the
examples name are created in a temporary working directory. Each command must exit with
a code the README documents for it, and never with a traceback.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fakes import FakeIndex
from tests.fakes.github_server import FakeGitHub
from tests.gitstats.gitrepo import Commit, build_repo, content, git
from tests.gitstats.gitserver import GitServer, serve_git

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"

# Commands that cannot run here, each with the reason (kept short and explicit).
SKIPPED = {
    "python3 -m venv .venv && .venv/bin/pip install -q . && .venv/bin/audit "
    "examples/requirements.txt": "installs the project into a new venv: needs the real "
    "package index for the build backend",
    "python3 -m venv .venv && .venv/bin/pip install -q '.[test]' && .venv/bin/python -m "
    "pytest -n 2": "runs this very test suite",
}

# What the README documents for each command: audit exits 0 or 1 (risk at or above
# --fail-on); the other commands succeed.
EXPECTED = {"audit": {0, 1}}
DEFAULT_EXPECTED = {0}


def commands() -> list[str]:
    """The command lines of the ```sh blocks, comments and blank lines dropped."""
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    lines: list[str] = []
    for block in blocks:
        for raw in block.splitlines():
            line = re.sub(r"\s+#.*$", "", raw).strip()
            if line and not line.startswith("#"):
                lines.append(line)
    return lines


def program(line: str) -> str:
    """The auditor command a line runs: ``audit``, ``explain``, ``graph``..."""
    words = [w for w in line.split() if "=" not in w or w.startswith("-")]
    if words[0] == "audit":
        return "audit"
    return words[1] if words[0] == "auditor" and len(words) > 1 else words[0]


@dataclass
class World:
    cwd: Path
    env: dict[str, str]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("readme")
    served = tmp / "served"
    repo = build_repo(
        served / "owner" / "repo.git",
        [
            Commit("Alice <alice@acme.com>", 300, {"a.py": content("a"), "b.py": content("b")}),
            Commit("Bob <bob@globex.com>", 20, {"b.py": content("b2"), "c.py": content("c")}),
        ],
        bare=True,
    )
    git("config", "uploadpack.allowFilter", "true", cwd=repo)
    git("config", "uploadpack.allowAnySHA1InWant", "true", cwd=repo)
    with (
        FakeIndex.recorded() as index,
        FakeGitHub(stats_202=0) as github,
        serve_git(served) as git_server,
    ):
        index.add_project(
            "vllm",
            ["0.9.0"],
            project_urls={"Source": "https://github.com/vllm-project/vllm"},
            roles=[("Owner", "woosuk"), ("Maintainer", "simon")],
        )
        yield World(cwd=make_files(tmp / "cwd"), env=environment(tmp, index, github, git_server))


def make_files(cwd: Path) -> Path:
    """The files the README's examples name."""
    (cwd / "a").mkdir(parents=True)
    (cwd / "b").mkdir()
    (cwd / "requirements.txt").write_text("requests>=2.30\njinja2\nvllm\n")
    (cwd / "a" / "requirements.txt").write_text("requests\n")
    (cwd / "b" / "pyproject.toml").write_text(
        '[project]\nname = "b"\nversion = "1.0"\ndependencies = ["jinja2"]\n'
    )
    (cwd / "my-rules").mkdir()
    shutil.copy(ROOT / "rules" / "checks" / "archived-repository.toml", cwd / "my-rules")
    return cwd


def environment(
    tmp: Path, index: FakeIndex, github: FakeGitHub, server: GitServer
) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AUDITOR_", "GITHUB_", "GH_", "PIP_", "UV_", "GIT_"))
    }
    bin_dir = str(Path(sys.executable).parent)  # the console scripts `audit`, `auditor`
    env.update(
        PATH=bin_dir + os.pathsep + env.get("PATH", "/usr/bin:/bin"),
        PIP_INDEX_URL=index.simple_url,
        PIP_CONFIG_FILE=os.devnull,
        GITHUB_API_URL=github.base_url,
        AUDITOR_CACHE_DIR=str(tmp / "cache"),
        GITHUB_STEP_SUMMARY=str(tmp / "step-summary.md"),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_COUNT="1",
        GIT_CONFIG_KEY_0=f"url.http://127.0.0.1:{server.port}/.insteadOf",
        GIT_CONFIG_VALUE_0="https://github.com/",
        CI="true",
    )
    return env


def test_the_readme_has_commands_for_every_command() -> None:
    found = {program(line) for line in commands() if line not in SKIPPED}
    assert {"audit", "explain", "graph", "bus-factor", "sponsor", "rules"} <= found
    assert set(SKIPPED) <= set(commands()), "a skipped command is no longer in README.md"


def test_readme_commands_run_as_written(world: World) -> None:
    """In README order, in one working directory: a later example may use an earlier
    one's output (``--baseline report.json``)."""
    failures: list[str] = []
    ran: dict[str, str] = {}
    for line in commands():
        if line in SKIPPED:
            continue
        done = subprocess.run(
            ["bash", "-c", line],
            cwd=world.cwd,
            env=world.env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        ran[line] = done.stdout
        log = f"$ {line}\nexit {done.returncode}\n{done.stderr[-2000:]}"
        if (
            done.returncode not in EXPECTED.get(program(line), DEFAULT_EXPECTED)
            or "Traceback" in done.stderr
            or "internal error" in done.stderr
        ):
            failures.append(log)
    assert not failures, "\n\n".join(failures)
    # The runs did real work against the fakes, not an early exit.
    assert re.search(r"^([2-9]|[0-9]{2,}) packages: ", ran["audit requirements.txt"], re.M)
    assert "markupsafe" in ran["auditor graph requirements.txt --why markupsafe"]
    bus = ran["auditor bus-factor https://github.com/owner/repo"]
    assert "truck factor" in bus.lower(), bus
    assert (world.cwd / "report.json").is_file() and (world.cwd / "auditor.sarif").is_file()
    assert "auditor" in Path(world.env["GITHUB_STEP_SUMMARY"]).read_text()
