"""Build small git repositories with fixed authors and dates, fast, for the tests.

Histories are written with ``git fast-import`` (one process per repository, no
working tree churn), so each test states exactly who created, changed, renamed and
deleted what, and when; the expected truck factor follows by construction.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

NOW = datetime(2024, 6, 1, tzinfo=UTC)
DAY = 86_400


@dataclass
class Commit:
    """One commit: ``author`` as "Name <email>", ``days_ago`` before ``NOW``."""

    author: str
    days_ago: float = 100.0
    files: dict[str, str | None] = field(default_factory=dict)  # None deletes
    renames: Sequence[tuple[str, str]] = ()
    branch: str = "main"
    merge: str | None = None  # branch merged into this one
    message: str = "change"


def content(seed: str, lines: int = 30) -> str:
    """Distinct multi-line text, long enough for git's similarity rename detection."""
    return "".join(
        f"{seed} line {i}: some stable text to keep files similar\n" for i in range(lines)
    )


def _data(text: str) -> bytes:
    raw = text.encode()
    return b"data %d\n" % len(raw) + raw + b"\n"


def fast_import_stream(
    commits: Sequence[Commit], now: datetime = NOW, *, tip: str | None = None
) -> bytes:
    """The fast-import commands for ``commits``; ``tip`` is main's current commit id."""
    out: list[bytes] = []
    heads: dict[str, int | str] = {} if tip is None else {"main": tip}
    for mark, commit in enumerate(commits, start=1):
        stamp = int(now.timestamp() - commit.days_ago * DAY)
        ident = f"{commit.author} {stamp} +0000".encode()
        out.append(b"commit refs/heads/%s\nmark :%d\n" % (commit.branch.encode(), mark))
        out.append(b"author " + ident + b"\ncommitter " + ident + b"\n")
        out.append(_data(commit.message))
        parent = heads.get(commit.branch)
        if parent is None and commit.branch != "main" and "main" in heads:
            parent = heads["main"]
        if parent is not None:
            out.append(f"from {_ref(parent)}\n".encode())
        if commit.merge is not None:
            out.append(f"merge {_ref(heads[commit.merge])}\n".encode())
        for old, new in commit.renames:
            out.append(f"R {old} {new}\n".encode())
        for path, text in commit.files.items():
            if text is None:
                out.append(f"D {path}\n".encode())
            else:
                out.append(f"M 100644 inline {path}\n".encode() + _data(text))
        out.append(b"\n")
        heads[commit.branch] = mark
    return b"".join(out)


def _ref(parent: int | str) -> str:
    return f":{parent}" if isinstance(parent, int) else parent


def git(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True, timeout=120
    )
    return done.stdout


def build_repo(
    path: Path, commits: Sequence[Commit], *, bare: bool = False, now: datetime = NOW
) -> Path:
    """Create a repository at ``path`` holding exactly ``commits``; return ``path``."""
    path.mkdir(parents=True, exist_ok=True)
    git("init", "-q", "-b", "main", *(["--bare"] if bare else []), str(path), cwd=path)
    if commits:
        subprocess.run(
            ["git", "fast-import", "--quiet", "--done"],
            cwd=path,
            input=fast_import_stream(commits, now) + b"done\n",
            check=True,
            capture_output=True,
            timeout=300,
        )
    if not bare and commits:
        git("reset", "-q", "--hard", "main", cwd=path)
    return path


def add_commits(path: Path, commits: Sequence[Commit], *, now: datetime = NOW) -> None:
    """Append commits on top of ``main`` of an existing repository."""
    tip = git("rev-parse", "main", cwd=path).strip()
    subprocess.run(
        ["git", "fast-import", "--quiet"],
        cwd=path,
        input=fast_import_stream(commits, now, tip=tip),
        check=True,
        capture_output=True,
        timeout=300,
    )
