"""The clone path against a real git server on loopback: clone, then fetch."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.collectors.backends.git import BusFactorReport, bus_factor, open_target
from auditor.errors import InputError

from .gitrepo import NOW, Commit, add_commits, build_repo, content, git
from .gitserver import serve_git


def served_repo(root: Path) -> Path:
    repo = build_repo(
        root / "owner" / "project.git",
        [
            Commit(
                "Alice <alice@acme.com>",
                30,
                {"a.py": content("a"), **{f"b{i}.py": content(f"b{i}") for i in range(6)}},
            ),
            Commit("Bob <bob@globex.com>", 20, {"a.py": None, "moved.py": content("a")}),
        ],
        bare=True,
    )
    git("config", "uploadpack.allowFilter", "true", cwd=repo)
    git("config", "uploadpack.allowAnySHA1InWant", "true", cwd=repo)
    return repo


def authors_of(report: BusFactorReport, path: str) -> set[str]:
    assert report.analysed_files is not None
    return next({n for n, _ in f.authors} for f in report.analysed_files if f.path == path)


def test_blobless_clone_then_fetch(tmp_path: Path) -> None:
    repo = served_repo(tmp_path / "served")
    cache = tmp_path / "cache"
    with serve_git(tmp_path / "served") as server:
        url = server.url("owner/project")
        target = open_target(url, cache_dir=cache, allow_insecure_loopback=True)
        assert (
            target.git_dir == cache / "git" / f"127.0.0.1_{server.port}" / "owner" / "project.git"
        )
        assert git("config", "remote.origin.promisor", cwd=target.git_dir).strip() == "true"
        missing = git("rev-list", "--objects", "--missing=print", "--all", cwd=target.git_dir)
        assert sum(line.startswith("?") for line in missing.splitlines()) == 7
        before = len(server.requests)
        report = bus_factor(target, now=NOW)
        # The move is exact, so the lineage carries over without reading old contents:
        # Alice added moved.py's lineage (FA), Bob's rename is a change (DL 1), and both
        # pass the thresholds; the b*.py files are Alice's alone.
        assert report.truck_factor == 1
        assert authors_of(report, "moved.py") == {"Alice", "Bob"}
        # Classification read the contents of the seven files present, all fetched in
        # one fetch (its ref listing and its pack request), not one fetch per file.
        fetches = [r for r in server.requests[before:] if r.startswith("POST")]
        assert len(fetches) <= 2
        missing = git("rev-list", "--objects", "--missing=print", "--all", cwd=target.git_dir)
        assert sum(line.startswith("?") for line in missing.splitlines()) == 0

        add_commits(repo, [Commit("Carol <carol@initech.com>", 5, {"c.py": content("c")})])
        requests_before = len(server.requests)
        again = open_target(url, cache_dir=cache, allow_insecure_loopback=True)
        assert again.git_dir == target.git_dir
        assert any("upload-pack" in r for r in server.requests[requests_before:])
        updated = bus_factor(again, now=NOW)
        assert updated.revision == git("rev-parse", "main", cwd=repo).strip()
        assert updated.files_total == 8

        offline = open_target(url, cache_dir=cache, allow_insecure_loopback=True, offline=True)
        count = len(server.requests)
        assert bus_factor(offline, now=NOW).revision == updated.revision
        assert len(server.requests) == count


def test_missing_remote_repository(tmp_path: Path) -> None:
    (tmp_path / "served").mkdir()
    with serve_git(tmp_path / "served") as server, pytest.raises(InputError, match="cannot clone"):
        open_target(
            server.url("owner/absent"), cache_dir=tmp_path / "c", allow_insecure_loopback=True
        )
    assert not list((tmp_path / "c").rglob("*.tmp"))


def test_loopback_http_needs_the_explicit_option(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="only https://"):
        open_target("http://127.0.0.1:1/o/r", cache_dir=tmp_path)


def test_offline_blobless_clone_classifies_by_name_without_the_network(tmp_path: Path) -> None:
    served_repo(tmp_path / "served")
    cache = tmp_path / "cache"
    with serve_git(tmp_path / "served") as server:
        url = server.url("owner/project")
        open_target(url, cache_dir=cache, allow_insecure_loopback=True)  # clone, no contents
        count = len(server.requests)
        offline = open_target(url, cache_dir=cache, allow_insecure_loopback=True, offline=True)
        report = bus_factor(offline, now=NOW)
        assert len(server.requests) == count  # not one fetch, not even per file
    assert report.files_analysed == 7
    assert report.truck_factor == 1
    assert any("by name only" in note for note in report.notes)
