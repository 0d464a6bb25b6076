"""The README's own command line, run as a user runs it: a URL, no --cache-dir.

``auditor bus-factor https://…`` must clone into ``$AUDITOR_CACHE_DIR`` (else the user
cache directory) like ``audit`` does. The remote is a real git server on loopback
speaking https with a certificate made here (git trusts it through ``GIT_SSL_CAINFO``),
so the CLI's real rules apply: https only, and a host other than github.com only with
``--allow-host``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .gitrepo import Commit, build_repo, content, git
from .gitserver import make_certificate, serve_git

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


def _served(root: Path) -> None:
    repo = build_repo(
        root / "owner" / "project.git",
        [
            Commit("Alice <alice@acme.com>", 30, {"src/a.py": content("a"), "README.md": "# p\n"}),
            Commit("Bob <bob@globex.com>", 20, {"src/b.py": content("b")}),
            Commit("Alice <alice@acme.com>", 10, {"src/c.py": content("c")}),
        ],
        bare=True,
    )
    git("config", "uploadpack.allowFilter", "true", cwd=repo)
    git("config", "uploadpack.allowAnySHA1InWant", "true", cwd=repo)


def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "auditor", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUDITOR_", "XDG_"))}
    env["HOME"] = str(tmp_path / "home")
    return env


def test_readme_command_uses_the_cache_directory_variable(
    tmp_path: Path, environment: dict[str, str]
) -> None:
    _served(tmp_path / "served")
    cert, key = make_certificate(tmp_path)
    with serve_git(tmp_path / "served", tls=(cert, key)) as server:
        url = server.url("owner/project")
        host = f"127.0.0.1:{server.port}"
        env = {**environment, "GIT_SSL_CAINFO": str(cert), "AUDITOR_CACHE_DIR": str(tmp_path / "c")}
        refused = _run(["bus-factor", url], env)
        assert refused.returncode == 2
        assert "--allow-host" in refused.stderr

        done = _run(["bus-factor", url, "--allow-host", host, "--format", "json"], env)
        assert done.returncode == 0, done.stderr
        assert "internal error" not in done.stderr
        report = json.loads(done.stdout)
        assert report["truck_factor"] == 1
        assert [f["path"] for f in report["analysed_files"]] == ["src/a.py", "src/b.py", "src/c.py"]
        assert report["excluded_files"] == [
            {"path": "README.md", "rule": "linguist: documentation"}
        ]
        clone = tmp_path / "c" / "git" / f"127.0.0.1_{server.port}" / "owner" / "project.git"
        assert (clone / "HEAD").is_file()

        text = _run(["bus-factor", url, "--allow-host", host, "--list-files"], env)
        assert text.returncode == 0, text.stderr
        assert "src/b.py  [Python]  Bob" in text.stdout
        assert "README.md  (linguist: documentation)" in text.stdout


def test_readme_command_defaults_to_the_user_cache_directory(
    tmp_path: Path, environment: dict[str, str]
) -> None:
    _served(tmp_path / "served")
    cert, key = make_certificate(tmp_path)
    with serve_git(tmp_path / "served", tls=(cert, key)) as server:
        env = {**environment, "GIT_SSL_CAINFO": str(cert), "XDG_CACHE_HOME": str(tmp_path / "x")}
        host = f"127.0.0.1:{server.port}"
        done = _run(["bus-factor", server.url("owner/project"), "--allow-host", host], env)
        assert done.returncode == 0, done.stderr
        assert "Truck factor" in done.stdout
        clones = tmp_path / "x" / "auditor" / "git" / f"127.0.0.1_{server.port}"
        assert (clones / "owner" / "project.git" / "HEAD").is_file()
