"""Shared helpers: analyse a repository built by a test, and run the CLI command."""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from auditor.cli import bus_factor as command
from auditor.collectors.backends.git import BusFactorReport, bus_factor, open_target

from .gitrepo import NOW, Commit, build_repo

Analyse = Callable[..., BusFactorReport]


@pytest.fixture
def analyse(tmp_path: Path) -> Analyse:
    """Build a repository from commits and return its report (``now`` pinned)."""
    counter = iter(range(1000))

    def run(commits: Sequence[Commit], **options: Any) -> BusFactorReport:
        path = build_repo(tmp_path / f"repo{next(counter)}", commits)
        target = open_target(str(path), cache_dir=tmp_path / "cache")
        options.setdefault("now", NOW)
        return bus_factor(target, **options)

    return run


def make_parser() -> argparse.ArgumentParser:
    """The main CLI's shape as far as this command needs it: a parent with the cache."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--cache-dir", type=Path, default=Path("cache"))
    common.add_argument("--offline", action="store_true")
    parser = argparse.ArgumentParser(prog="auditor")
    subparsers = parser.add_subparsers(dest="command", required=True)
    command.register(subparsers, [common])
    return parser


CliRun = Callable[..., tuple[int, str]]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRun:
    """Parse ``bus-factor`` arguments, call ``run`` and capture what it writes."""

    def invoke(*argv: str) -> tuple[int, str]:
        args = make_parser().parse_args(
            ["bus-factor", "--cache-dir", str(tmp_path / "cache"), "--now", NOW.isoformat(), *argv]
        )
        out = io.StringIO()
        monkeypatch.setattr("sys.stdout", out)
        code = args.run(args)
        return code, out.getvalue()

    return invoke


def as_json(text: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(text)
    return data
