"""``auditor explain``: every signal of one package, with sources, ages and paths."""

from __future__ import annotations

from typing import Any

import pytest

from tests.audit.conftest import TOKEN
from tests.fakes.github_server import FakeGitHub


def test_explain_shows_signals_sources_ages_and_paths(
    run: Any, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    result = run("explain", "requests\ntensorkit\n", "tinytok")
    assert result.code == 0, result.err
    out = result.out
    assert out.startswith("tinytok 0.2")
    assert "https://github.com/solodev/tinytok  (confidence medium)" in out
    assert "found via the homepage" in out
    assert "tensorkit -> tinytok" in out and "requirements.txt:2]" in out
    assert "declared_inactive" in out and "true" in out
    assert "[github:solodev/tinytok, fetched just now]" in out
    assert "/pypi/tinytok/json, fetched" in out
    assert "truck_factor" in out and "unknown: not collected: add --git" in out
    # Only the explained package's repository was asked about.
    assert not [r for r in github.requests if "aifoundry" in r.path]


def test_explain_json(run: Any) -> None:
    result = run("explain", "ml-core\n", "ML_IO", "--no-github", "--format", "json")
    assert result.code == 0, result.err
    doc = result.json()
    assert doc["name"] == "ml-io" and doc["depth"] == 1
    assert doc["paths"][0]["path"] == ["ml-core", "ml-io"]
    assert doc["paths"][0]["origins"][0].endswith("requirements.txt:1")
    assert doc["repository"]["how"].startswith("Project-URL 'Source Code'")
    sig = doc["signals"]["latest_release_yanked"]
    assert sig["value"] is True and sig["age"] == "fetched just now"
    assert doc["signals"]["stars"]["unknown"] == "skipped (--no-github)"


def test_explain_unknown_package_lists_close_names(run: Any) -> None:
    result = run("explain", "tensorkit\n", "tinytk", "--no-github")
    assert result.code == 2
    assert "tinytk is not in the resolved dependency graph" in result.err
    assert "Did you mean: tinytok?" in result.err


def test_explain_needs_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    from auditor.cli import main

    assert main(["explain", "requests"]) == 2
    assert "--for requirements.txt" in capsys.readouterr().err
