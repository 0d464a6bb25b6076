"""Fixtures for sponsor tests: the fake index and fake GitHub with funding-rich projects.

Synthetic projects (on top of those the audit tests use):

- ``widgets`` and ``gadgets``: two repositories of the user ``fundme`` (Sponsors listing,
  FUNDING.yml in ``fundme/.github``); ``gadgets`` also links its Sponsors page from its
  Project-URLs in another spelling. One person, two packages: one target.
- ``tensorkit`` (org ``aifoundry``): FUNDING.yml + Open Collective Project-URL.
- ``tinytok`` (user ``solodev``): a FUNDING.yml with every platform, Tidelift included.
- ``ml-core``/``ml-io`` (``megacorp``, a large company via ``--companies``): Tidelift only.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from auditor.cli import main
from tests.audit.conftest import add_synthetic_projects
from tests.fakes import FakeIndex
from tests.fakes.github_server import FIXTURES, FakeGitHub

TOKEN = "ghp_SPONSORtoken0123456789abcdefSECRET"
TARGET = ["--python-version", "3.12", "--platform", "linux"]
MEGACORP = """
[company.megacorp]
name = "MegaCorp"
github = ["megacorp"]
names = ["megacorp"]
"""


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> dict[str, Any]:
        doc: dict[str, Any] = json.loads(self.out)
        return doc


def _gadgets_repo() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / "fundme__widgets.json").read_text())
    data = copy.deepcopy(data)
    repo = data["repo"]
    repo.update(
        id=6066,
        name="gadgets",
        full_name="fundme/gadgets",
        html_url="https://github.com/fundme/gadgets",
        url="https://api.github.com/repos/fundme/gadgets",
        stargazers_count=40,
    )
    return data


def add_sponsor_projects(index: FakeIndex, github: FakeGitHub) -> None:
    add_synthetic_projects(index, github)
    github.add_repo(_gadgets_repo())
    index.add_project(
        "widgets",
        ["2.0"],
        project_urls={"Source": "https://github.com/fundme/widgets"},
        roles=[("Owner", "fundme")],
    )
    index.add_project(
        "gadgets",
        ["1.0"],
        project_urls={
            "Source": "https://github.com/fundme/gadgets",
            "Sponsor": "https://www.github.com/sponsors/FundMe/",
        },
        roles=[("Owner", "fundme")],
    )


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub(valid_tokens={TOKEN}, stats_202=0) as fake:
        yield fake


@pytest.fixture
def index(github: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeIndex]:
    with FakeIndex.recorded() as fake:
        add_sponsor_projects(fake, github)
        monkeypatch.setenv("PIP_INDEX_URL", fake.simple_url)
        yield fake


@pytest.fixture
def companies_file(tmp_path: Path) -> Path:
    path = tmp_path / "companies.toml"
    path.write_text(MEGACORP, encoding="utf-8")
    return path


@pytest.fixture
def sponsor(
    index: FakeIndex,
    github: FakeGitHub,
    tmp_path: Path,
    companies_file: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[..., Run]:
    """``sponsor({"a.txt": text, ...}, *flags)``: the CLI against both fakes, with a token."""
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    cache = tmp_path / "cache"
    cache.mkdir()

    def _run(apps: dict[str, str], *flags: str) -> Run:
        files = []
        for rel, text in apps.items():
            path = tmp_path / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            files.append(str(path))
        argv = [
            "sponsor",
            *files,
            *TARGET,
            "--cache-dir",
            str(cache),
            "--github-api-url",
            github.base_url,
            "--max-wait",
            "1",
            "--companies",
            str(companies_file),
            *flags,
        ]
        code = main(argv)
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return _run
