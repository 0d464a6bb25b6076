"""The ``git`` collector: signals per package, one analysis per repository, cached."""

from __future__ import annotations

import socket
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from auditor.cache import Cache
from auditor.collectors.backends.git import HistoryFacts, Target, api
from auditor.collectors.git_history import GitHistoryCollector
from auditor.collectors.interface import Signal, Subject
from auditor.repository import RepositoryRef

from .gitrepo import NOW, Commit, build_repo, content, git
from .gitserver import serve_git


def subject(package: str, url: str | None) -> Subject:
    if url is None:
        return Subject(package=package, version="1.0")
    ref = RepositoryRef(
        url=url, host="x", owner="o", name="r", confidence="high", how="project_urls"
    )
    return Subject(package=package, version="1.0", repository=ref)


def by_name(signals: Sequence[Signal]) -> dict[str, Signal]:
    return {s.name: s for s in signals}


@pytest.fixture
def served(tmp_path: Path) -> Path:
    root = tmp_path / "served"
    repo = build_repo(
        root / "org" / "mono.git",
        [
            Commit("Alice <alice@acme.com>", 400, {"a.py": content("a"), "b.py": content("b")}),
            Commit("Bob <bob@globex.com>", 20, {"c.py": content("c")}),
        ],
        bare=True,
    )
    git("config", "uploadpack.allowFilter", "true", cwd=repo)
    return root


def counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = api.analyse_target

    def wrapper(target: Target, **kwargs: Any) -> HistoryFacts:
        calls.append(target.label)
        return real(target, **kwargs)

    monkeypatch.setattr("auditor.collectors.git_history.analyse_target", wrapper)
    return calls


def test_signals_sharing_and_cache(
    tmp_path: Path, served: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = counting(monkeypatch)
    cache = Cache(tmp_path / "cache.sqlite")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead_port = sock.getsockname()[1]
    with serve_git(served) as server:
        url = server.url("org/mono")
        collector = GitHistoryCollector(
            cache_dir=tmp_path / "clones",
            cache=cache,
            max_parallel=2,
            now=NOW,
            allow_insecure_loopback=True,
        )
        subjects = [
            subject("pkg-one", url),
            subject("pkg-two", url + ".git"),  # the same repository, spelled differently
            subject("no-repo", None),
            subject("elsewhere", "https://gitlab.com/o/r"),
            subject("broken", f"http://127.0.0.1:{dead_port}/o/r"),
        ]
        result = collector.collect(subjects)
        assert set(result) == {s.package for s in subjects}
        names = [spec.name for spec in GitHistoryCollector.provides]
        for signals in result.values():
            assert [s.name for s in signals] == names

        one = by_name(result["pkg-one"])
        assert one["truck_factor"].value == 1
        assert one["truck_factor_authors"].value == ["Alice"]
        assert one["active_authors_90d"].value == 1
        assert one["active_authors_365d"].value == 1
        assert one["contributor_absence_factor"].value == 2  # 1 of 2 is not a majority
        assert one["developer_distribution"].value == 0.5
        assert one["last_commit_days"].value == 20
        assert one["git_commits_365d"].value == 1
        assert one["elephant_factor"].value == 2
        assert (
            one["git_revision"].value
            == git("rev-parse", "main", cwd=served / "org" / "mono.git").strip()
        )
        assert one["truck_factor"].source.startswith("git:http://127.0.0.1")
        assert one["truck_factor"].fetched_at == NOW
        assert by_name(result["pkg-two"]) == one
        assert calls == [f"{url}.git"]  # analysed once for both packages

        for package, reason in [
            ("no-repo", "no source repository"),
            ("elsewhere", "not allowed"),
            ("broken", "cannot clone"),
        ]:
            signals = result[package]
            assert all(not s.known for s in signals), package
            assert reason in (signals[0].unknown_reason or ""), package

        # A new collector sharing the cache: fetches, finds the same commit, skips analysis.
        again = GitHistoryCollector(
            cache_dir=tmp_path / "clones", cache=cache, now=NOW, allow_insecure_loopback=True
        )
        second = again.collect([subject("pkg-one", url)])
        assert by_name(second["pkg-one"]) == one
        assert calls == [f"{url}.git"]


def test_unknown_when_nothing_is_left_to_analyse(tmp_path: Path, served: Path) -> None:
    with serve_git(served) as server:
        collector = GitHistoryCollector(
            cache_dir=tmp_path / "clones",
            cache=None,
            now=NOW,
            excludes=["*.py"],
            allow_insecure_loopback=True,
        )
        signals = by_name(collector.collect([subject("p", server.url("org/mono"))])["p"])
    assert not signals["truck_factor"].known
    assert "no source files" in (signals["truck_factor"].unknown_reason or "")
    assert signals["active_authors_365d"].value == 1  # activity does not need files


def test_offline_without_a_clone_is_unknown(tmp_path: Path) -> None:
    collector = GitHistoryCollector(cache_dir=tmp_path, offline=True, now=NOW)
    signals = collector.collect([subject("p", "https://github.com/o/r")])["p"]
    assert all(not s.known for s in signals)
    assert "--offline" in (signals[0].unknown_reason or "")
