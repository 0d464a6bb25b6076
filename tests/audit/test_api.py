"""The library's front door (``from auditor import audit, Settings``) against the fakes.

The CLI is a thin layer over these calls; here they are called directly, and each one is
checked against what the CLI prints for the same input, so the two cannot drift apart.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import auditor
from auditor import Settings
from tests.audit.conftest import TOKEN
from tests.fakes import FakeIndex
from tests.fakes.github_server import FakeGitHub
from tests.gitstats.gitrepo import Commit, build_repo, content

APP = "tensorkit\nml-core\ngitlabby\nrequests>=2.30\n"


def _settings(cache_dir: Path, github: FakeGitHub, **extra: Any) -> Settings:
    return Settings(
        python_version="3.12",
        platform="linux",
        cache_dir=cache_dir,
        github_api_url=github.base_url,
        max_wait=1,
        **extra,
    )


@pytest.fixture
def app(tmp_path: Path) -> Path:
    path = tmp_path / "requirements.txt"
    path.write_text(APP)
    return path


def test_audit_gives_the_cli_s_levels_and_exit_code(
    index: FakeIndex, github: FakeGitHub, cache_dir: Path, app: Path, run: Any
) -> None:
    report = auditor.audit([app], _settings(cache_dir, github))
    levels = {pkg.name: report.score(pkg).level for pkg in report.result.packages}
    assert {"tensorkit", "tinytok", "ml-core", "ml-io", "gitlabby", "urllib3"} <= set(levels)

    cli = run("audit", APP, "--format", "json")
    assert cli.code == report.gate.exit_code
    assert {p["name"]: p["risk"]["level"] for p in cli.json()["packages"]} == levels
    # Worst first, as every report shows it.
    ordered = [report.score(p).level for p in report.ordered()]
    ranks = [_rank(level) for level in ordered]
    assert ranks == sorted(ranks, reverse=True)


def _rank(level: str) -> int:
    from auditor.judge.scoring import level_rank

    return level_rank(level)


def test_audit_fail_on_is_a_setting(
    index: FakeIndex, github: FakeGitHub, cache_dir: Path, app: Path
) -> None:
    strict = auditor.audit([app], _settings(cache_dir, github, fail_on="low"))
    lenient = auditor.audit([app], _settings(cache_dir, github, fail_on="critical"))
    worst = max(_rank(s.level) for s in strict.scores.values())
    assert worst >= _rank("low")
    assert strict.gate.exit_code == 1
    assert lenient.gate.exit_code == (1 if worst >= _rank("critical") else 0)


def test_graph_resolves_without_collecting_signals(
    index: FakeIndex, github: FakeGitHub, cache_dir: Path, app: Path
) -> None:
    resolved = auditor.graph([app], _settings(cache_dir, github))
    assert resolved.graph.g.has_edge("tensorkit", "tinytok")
    assert github.count() == 0  # the graph alone never asks GitHub


def test_explain_scores_one_package(
    index: FakeIndex, github: FakeGitHub, cache_dir: Path, app: Path
) -> None:
    explained = auditor.explain("TinyTok", [app], _settings(cache_dir, github))
    assert explained.package.name == "tinytok"
    assert explained.score.name == "tinytok"
    assert [p.name for p in explained.result.packages if p.signals] == ["tinytok"]
    with pytest.raises(auditor.InputError, match="not in the resolved dependency graph"):
        auditor.explain("tinytoke", [app], _settings(cache_dir, github))


def test_sponsor_plans_from_the_same_collection(
    index: FakeIndex, github: FakeGitHub, cache_dir: Path, app: Path
) -> None:
    plan = auditor.sponsor(
        [app],
        _settings(cache_dir, github),
        budget=auditor.Budget(amount=100, currency="USD", period="month"),
    )
    assert plan.package_count >= 6
    assert any("no GitHub token" in w for w in plan.warnings)


def test_nothing_to_audit_is_an_input_error(cache_dir: Path) -> None:
    with pytest.raises(auditor.InputError, match="nothing to audit"):
        auditor.graph([], Settings(cache_dir=cache_dir))


def test_a_bad_github_url_is_refused_when_settings_are_made() -> None:
    with pytest.raises(auditor.InputError, match="not an http"):
        Settings(github_api_url="ftp://example.invalid")


def test_the_token_is_not_in_the_settings_repr() -> None:
    assert TOKEN not in repr(Settings(github_token=TOKEN))


def test_bus_factor_reads_a_local_history(tmp_path: Path) -> None:
    repo = build_repo(
        tmp_path / "repo",
        [
            Commit("Ana <ana@example.org>", 300, {"a.py": content("a"), "b.py": content("b")}),
            Commit("Ben <ben@example.org>", 200, {"c.py": content("c")}),
        ],
    )
    report = auditor.bus_factor(str(repo), Settings(use_cache=False))
    assert report.truck_factor == 1  # Ana wrote two of the three files
    assert [a.name for a in report.truck_factor_authors] == ["Ana"]


def test_import_is_cheap_and_names_load_on_use() -> None:
    code = (
        "import sys, auditor\n"
        "heavy = [m for m in ('networkx', 'github', 'resolvelib', 'requests')"
        " if m in sys.modules]\n"
        "assert heavy == [], heavy\n"
        "assert callable(auditor.audit) and auditor.Settings().fail_on == 'high'\n"
        "assert set(auditor.__all__) <= set(dir(auditor))\n"
        # A subpackage imported first must not hide a public function of the same name.
        "import pkgutil, importlib, types\n"
        "for m in pkgutil.walk_packages(auditor.__path__, 'auditor.'):\n"
        "    if not m.name.endswith('__main__'): importlib.import_module(m.name)\n"
        "for name in auditor.__all__:\n"
        "    assert not isinstance(getattr(auditor, name), types.ModuleType), name\n"
        "try:\n    auditor.nonsense\nexcept AttributeError:\n    pass\n"
        "else:\n    raise SystemExit(1)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _readme_python_example() -> str:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### From Python", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_readme_python_example_runs_as_written(
    index: FakeIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """README.md's own example, unchanged, in a checkout holding a requirements.txt."""
    checkout = build_repo(
        tmp_path / "app",
        [
            Commit(
                "Ana <ana@example.org>",
                30,
                {"requirements.txt": "tensorkit\nml-core\n", "app.py": content("app")},
            )
        ],
    )
    monkeypatch.setenv("AUDITOR_CACHE_DIR", str(tmp_path / "cache"))
    done = subprocess.run(
        [sys.executable, "-c", _readme_python_example()],
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    names = {line.split()[0] for line in lines[:-1]}
    assert {"tensorkit", "tinytok", "ml-core", "ml-io"} <= names
    assert lines[-1].endswith(" packages")
