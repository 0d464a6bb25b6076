"""The ``bus-factor`` command: output formats and every bad input raising InputError."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from auditor.errors import InputError

from .conftest import CliRun, as_json
from .gitrepo import Commit, build_repo, content, git


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return build_repo(
        tmp_path / "project",
        [
            Commit("Alice <alice@acme.com>", 30, {"a.py": content("a"), "b.py": content("b")}),
            Commit("Bob <bob@globex.com>", 20, {"c.py": content("c")}),
        ],
    )


def test_text_output(cli: CliRun, repo: Path) -> None:
    code, out = cli(str(repo))
    assert code == 0
    assert "Truck factor" in out
    assert "Alice <alice@acme.com>" in out
    assert "Truck-factor developers" in out


def test_json_output(cli: CliRun, repo: Path) -> None:
    code, out = cli(str(repo), "--format", "json")
    data = as_json(out)
    assert code == 0
    assert data["truck_factor"] == 1
    assert data["truck_factor_authors"][0]["name"] == "Alice"
    assert data["revision"] == git("rev-parse", "HEAD", cwd=repo).strip()


def test_rev_and_exclude(cli: CliRun, repo: Path) -> None:
    _, out = cli(str(repo), "--rev", "main~1", "--format", "json")
    assert as_json(out)["files"]["total"] == 2
    _, out = cli(str(repo), "--exclude", "a.py", "--exclude", "b.py", "--format", "json")
    data = as_json(out)
    assert data["files"]["analysed"] == 1
    assert data["truck_factor_authors"][0]["name"] == "Bob"


def test_not_a_repository(cli: CliRun, tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    with pytest.raises(InputError, match="not a git repository"):
        cli(str(tmp_path / "plain"))


def test_missing_path(cli: CliRun, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        cli(str(tmp_path / "nowhere"))


def test_empty_repository(cli: CliRun, tmp_path: Path) -> None:
    empty = build_repo(tmp_path / "empty", [])
    with pytest.raises(InputError, match="empty repository"):
        cli(str(empty))


def test_unknown_revision(cli: CliRun, repo: Path) -> None:
    with pytest.raises(InputError, match=r"unknown revision 'v9\.9\.9'"):
        cli(str(repo), "--rev", "v9.9.9")


def test_option_like_revision_is_refused(cli: CliRun, repo: Path) -> None:
    with pytest.raises(InputError, match="not a revision"):
        cli(str(repo), "--rev=--output=/tmp/x")


def test_host_not_allowed(cli: CliRun) -> None:
    with pytest.raises(InputError, match="not allowed") as caught:
        cli("https://gitlab.com/owner/repo")
    assert "--allow-host gitlab.com" in str(caught.value)


def test_plain_http_is_refused(cli: CliRun) -> None:
    with pytest.raises(InputError, match="only https://"):
        cli("http://github.com/owner/repo")


def test_clone_failure(cli: CliRun, tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    host = f"127.0.0.1:{port}"
    with pytest.raises(InputError, match="cannot clone"):
        cli(f"https://{host}/owner/repo", "--allow-host", host)
    assert not list((tmp_path / "cache").rglob("*.tmp"))  # no half clone left behind


def test_offline_without_a_clone(cli: CliRun) -> None:
    from auditor.errors import OfflineMissError

    with pytest.raises(OfflineMissError):
        cli("--offline", "https://github.com/owner/repo")
