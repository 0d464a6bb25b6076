"""Token discovery: GITHUB_TOKEN, GH_TOKEN, then a logged-in GitHub CLI (a fake ``gh``
script on PATH here), never printed; and what the user is told without any token."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from auditor.cli import main
from auditor.cli.token import github_host, github_token
from tests.audit.conftest import TARGET, TOKEN
from tests.fakes.github_server import FakeGitHub

GH_TOKEN = "gho_fromTheGitHubCLI0123456789SECRET"


def fake_gh(tmp_path: Path, body: str) -> dict[str, str]:
    """A PATH holding only a ``gh`` that runs ``body`` (a POSIX shell script)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    script = bin_dir / "gh"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return {"PATH": f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin"}


LOGGED_IN = f"""
[ "$1 $2 $3 $4" = "auth token --hostname github.com" ] || exit 1
[ "$GH_PROMPT_DISABLED" = "1" ] || exit 1
echo {GH_TOKEN}
"""


def test_environment_first_then_gh(tmp_path: Path) -> None:
    env = fake_gh(tmp_path, LOGGED_IN)
    api = "https://api.github.com"
    assert github_token(api, {**env, "GITHUB_TOKEN": " a ", "GH_TOKEN": "b"}) == "a"
    assert github_token(api, {**env, "GITHUB_TOKEN": "", "GH_TOKEN": "b"}) == "b"
    assert github_token(api, env) == GH_TOKEN


def test_gh_is_asked_about_the_host_the_audit_talks_to(tmp_path: Path) -> None:
    env = fake_gh(tmp_path, LOGGED_IN)
    # A token for github.com must not go to an Enterprise server (or the other way).
    assert github_token("https://ghe.example.com/api/v3", env) is None
    assert github_host("https://ghe.example.com/api/v3") == "ghe.example.com"
    assert github_host("https://api.github.com") == "github.com"


@pytest.mark.parametrize(
    "body",
    [
        'echo "You are not logged into any GitHub hosts." >&2\nexit 1\n',  # logged out
        "echo\n",  # empty answer
        "echo 'not a token at all'\n",  # not token-shaped
        f"sleep 5\necho {GH_TOKEN}\n",  # too slow: bounded, then no token
    ],
)
def test_gh_without_a_usable_answer_means_no_token(tmp_path: Path, body: str) -> None:
    env = fake_gh(tmp_path, body)
    assert github_token("https://api.github.com", env, timeout=0.5) is None


def test_no_gh_installed(tmp_path: Path) -> None:
    assert github_token("https://api.github.com", {"PATH": str(tmp_path)}) is None


def test_the_gh_token_reaches_github_and_is_never_shown(
    run: Any,
    github: FakeGitHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    host = urlsplit(github.base_url).netloc
    env = fake_gh(
        tmp_path,
        f'[ "$1 $2 $3 $4" = "auth token --hostname {host}" ] || exit 1\necho {TOKEN}\n',
    )
    monkeypatch.setenv("PATH", env["PATH"] + os.pathsep + os.environ["PATH"])
    result = run("audit", "tensorkit\n", "--format", "json")
    assert result.code in (0, 1), result.err
    assert f"token {TOKEN}" in github.authorizations or f"Bearer {TOKEN}" in github.authorizations
    assert TOKEN not in result.out and TOKEN not in result.err
    assert "no GitHub token" not in result.err
    cache = Path(tmp_path / "cache")
    for path in cache.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path


def test_without_a_token_the_warning_says_how_to_get_one(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "PATH", fake_gh(tmp_path, "exit 1\n")["PATH"] + os.pathsep + os.environ["PATH"]
    )
    result = run("audit", "tensorkit\n")
    assert "no GitHub token" in result.err
    assert "GITHUB_TOKEN" in result.err and "gh auth login" in result.err
    assert "https://github.com/settings/tokens" in result.err


def test_no_github_never_runs_gh(run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "gh-ran"
    env = fake_gh(tmp_path, f"touch {marker}\necho {GH_TOKEN}\n")
    monkeypatch.setenv("PATH", env["PATH"] + os.pathsep + os.environ["PATH"])
    assert run("audit", "tensorkit\n", "--no-github").code in (0, 1)
    assert main(["graph", str(tmp_path / "requirements.txt"), *TARGET]) == 0
    assert not marker.exists()
