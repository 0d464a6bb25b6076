"""Reading history when the repository lacks some objects: fall back, never fail.

Why: similarity-based rename detection reads file contents, and a repository can lack
a blob (a mirror that drops large files, a lost object, a partial clone offline); git
then stops the whole ``log`` with "unable to read". One unreadable old file must not
cost the analysis. The fallbacks, in order:

1. find the missing blobs and the paths that held them, and read history again with
   those paths left out (everything else keeps similarity rename detection);
2. if that still fails, read history with exact renames only, which compares object ids
   and never opens a file;

and say in a note what was skipped and why. Only when neither works is it an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .git import GitFailed, stream_git
from .history import History, RenameMode, read_history, split_nul

_SHOWN = 10


@dataclass(frozen=True, kw_only=True)
class HistoryRead:
    """The history, the rename mode that produced it, skipped paths and notes."""

    history: History
    rename: RenameMode
    skipped_paths: frozenset[str]
    notes: tuple[str, ...]


def missing_blobs(git_dir: Path, sha: str) -> set[str]:
    """Ids of the objects reachable from ``sha`` that the repository does not have."""
    missing: set[str] = set()
    with stream_git(["rev-list", "--objects", "--missing=print", sha], git_dir=git_dir) as out:
        for line in out:
            if line.startswith(b"?"):
                missing.add(line[1:].strip().decode("ascii", "replace"))
    return missing


def paths_holding(git_dir: Path, sha: str, oids: set[str]) -> set[str]:
    """Every path that held one of ``oids`` at some commit reachable from ``sha``."""
    paths: set[str] = set()
    args = ["log", "--raw", "--no-renames", "--no-abbrev", "-z", "--format=", sha, "--"]
    wanted = {oid.encode() for oid in oids}
    take_next = False
    with stream_git(args, git_dir=git_dir) as out:
        for token in split_nul(out):
            if take_next:
                paths.add(token.decode("utf-8", "surrogateescape"))
                take_next = False
                continue
            meta = token.lstrip(b"\n")
            if meta.startswith(b":"):
                fields = meta[1:].split(b" ")
                take_next = len(fields) >= 4 and (fields[2] in wanted or fields[3] in wanted)
    return paths


def _listing(paths: set[str] | frozenset[str]) -> str:
    ordered = sorted(paths)
    shown = ", ".join(ordered[:_SHOWN])
    return shown + (f" and {len(ordered) - _SHOWN} more" if len(ordered) > _SHOWN else "")


def read_history_resilient(git_dir: Path, sha: str, *, rename: RenameMode) -> HistoryRead:
    """``read_history``, falling back as the module docstring says when objects are missing."""
    try:
        history = read_history(git_dir, sha, rename=rename)
        return HistoryRead(history=history, rename=rename, skipped_paths=frozenset(), notes=())
    except GitFailed as first:
        missing = missing_blobs(git_dir, sha)
        if not missing:
            raise
        failure = first
    paths = frozenset(paths_holding(git_dir, sha, missing))
    if rename == "similar" and paths:
        try:
            history = read_history(git_dir, sha, rename=rename, skip_paths=paths)
        except GitFailed as exc:
            failure = exc
        else:
            note = (
                f"{len(missing)} file content(s) missing from the repository ({failure.detail}); "
                f"left out the history of the {len(paths)} path(s) that held them: "
                f"{_listing(paths)}"
            )
            return HistoryRead(history=history, rename=rename, skipped_paths=paths, notes=(note,))
    history = read_history(git_dir, sha, rename="exact")
    note = (
        f"{len(missing)} file content(s) missing from the repository ({failure.detail}); "
        "renames were detected only where a file moved unchanged"
        + (f" (paths that held them: {_listing(paths)})" if paths else "")
    )
    return HistoryRead(history=history, rename="exact", skipped_paths=frozenset(), notes=(note,))
