"""Fixtures for audit tests: the recorded fake index plus synthetic projects whose
Project-URLs point at repositories the fake GitHub knows, and a CLI runner."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from auditor.cli import main
from tests.fakes import FakeIndex, Release
from tests.fakes.github_server import FakeGitHub

TOKEN = "ghp_AUDITtoken0123456789abcdefSECRET"
TARGET = ["--python-version", "3.12", "--platform", "linux"]


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> dict[str, Any]:
        doc: dict[str, Any] = json.loads(self.out)
        return doc


def add_synthetic_projects(index: FakeIndex, github: FakeGitHub) -> None:
    """Projects mapping to the fake GitHub's fixtures, plus links that must not be fetched."""
    index.add_project(
        "tensorkit",
        ["1.0", Release("1.1", requires_dist=["tinytok"])],
        project_urls={
            "Source": "https://github.com/aifoundry/tensorkit",
            "Funding": "https://opencollective.com/tensorkit",
        },
        classifiers=["Development Status :: 5 - Production/Stable"],
        roles=[("Owner", "alice"), ("Maintainer", "bob"), ("Maintainer", "Alice")],
        organization="aifoundry",
    )
    index.add_project(
        "tinytok",
        ["0.1", "0.2"],
        home_page="https://github.com/solodev/tinytok",
        classifiers=["Development Status :: 7 - Inactive"],
        roles=[("Owner", "solodev")],
    )
    index.add_project(
        "ml-core",
        [Release("3.0", requires_dist=["ml-io"], requires_python=">=3.9")],
        project_urls={"Repository": "https://github.com/megacorp/ml-monorepo"},
    )
    index.add_project(
        "ml-io",
        ["3.0", Release("3.1", yanked=True)],
        project_urls={"Source Code": "https://github.com/megacorp/ml-monorepo/tree/main/io"},
    )
    index.add_project(
        "gitlabby",
        ["1.0"],
        project_urls={"Source": "https://gitlab.com/team/gitlabby"},
        classifiers=["Development Status :: 1 - Planning"],
    )
    port = urlsplit(github.base_url).port
    sneaky = index.add_project(
        "sneaky",
        ["1.0"],
        project_urls={
            # A Project-URL aimed at the GitHub fake's own address: must never be fetched.
            "Source": f"http://127.0.0.1:{port}/evil/repo",
            "Tracker": "http://10.0.0.8/evil/other",
        },
    )
    sneaky.ownership = {}  # this index says nothing about who can publish it


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    # No 202 "still computing" answers: the collector would wait seconds for each.
    with FakeGitHub(valid_tokens={TOKEN}, stats_202=0) as fake:
        yield fake


@pytest.fixture
def index(github: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeIndex]:
    with FakeIndex.recorded() as fake:
        add_synthetic_projects(fake, github)
        monkeypatch.setenv("PIP_INDEX_URL", fake.simple_url)
        yield fake


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    path = tmp_path / "cache"
    path.mkdir()
    return path


@pytest.fixture
def run(
    index: FakeIndex,
    github: FakeGitHub,
    cache_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> Any:
    """``run(command, requirements_text, *flags)``: the CLI against both fakes."""

    def _run(command: str, requirements: str, *flags: str, api: str | None = None) -> Run:
        reqs = tmp_path / "requirements.txt"
        reqs.write_text(requirements)
        files = ["--for", str(reqs)] if command == "explain" else [str(reqs)]
        argv = [
            command,
            *files,
            *TARGET,
            "--cache-dir",
            str(cache_dir),
            "--github-api-url",
            api or github.base_url,
            "--max-wait",
            "1",
            *flags,
        ]
        code = main(argv)
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return _run


RISKY = "solokit\n"
HEALTHY = "orgkit\n"


def add_gate_stacks(index: FakeIndex) -> None:
    """A one-publisher package on an archived repository, and an org-backed one."""
    index.add_project(
        "solokit",
        ["0.9", "1.0"],
        project_urls={"Source": "https://github.com/oldlab/legacy-nn"},
        classifiers=["Development Status :: 4 - Beta"],
        roles=[("Owner", "lonewolf")],
    )
    # A healthy project releases: three releases in the last months.
    recent = datetime.now(UTC) - timedelta(days=20)
    index.add_project(
        "orgkit",
        [
            Release("1.9", upload_time=recent - timedelta(days=120)),
            Release("1.10", upload_time=recent - timedelta(days=60)),
            Release("2.0", upload_time=recent),
        ],
        project_urls={"Source": "https://github.com/aifoundry/tensorkit"},
        classifiers=["Development Status :: 5 - Production/Stable"],
        roles=[("Owner", "alice"), ("Maintainer", "bob"), ("Maintainer", "carol")],
        organization="aifoundry",
    )
