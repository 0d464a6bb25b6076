"""One streaming pass over ``git log``: who created and who changed each file.

Why one pass and a stream: the whole analysis needs a single walk of history, oldest
commit first, with rename detection. Reading git's ``-z`` output in fixed-size chunks
keeps memory proportional to the number of files and people, not to the history's
length in bytes.

What counts (Avelino et al.): an addition creates a file; a modification or a rename is
a change by its author; a rename moves the file's earlier history to the new path; a
deletion ends the file and is not a change. Merge commits are listed (they matter for
"last commit") but carry no file changes, because ``git log`` shows none for them.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

from .git import stream_git

RenameMode = Literal["similar", "exact", "off"]
"""``similar``: git's default similarity (needs file contents); ``exact``: only
unchanged moves, which a blobless clone answers without downloading any file;
``off``: no rename detection."""

_FORMAT = "--format=%x1e%H%x1f%P%x1f%aN%x1f%aE%x1f%at%x1f%ct"
_CHUNK = 1 << 20


@dataclass(slots=True)
class FileHistory:
    """One file's life: who created it (raw identity index) and changes per identity."""

    creator: int | None
    changes: dict[int, int] = field(default_factory=dict)


@dataclass(slots=True)
class History:
    """Everything the metrics need, in compact columns (one entry per commit)."""

    identities: list[tuple[str, str]] = field(default_factory=list)
    author: array[int] = field(default_factory=lambda: array("l"))
    author_time: array[int] = field(default_factory=lambda: array("q"))
    commit_time: array[int] = field(default_factory=lambda: array("q"))
    merge: bytearray = field(default_factory=bytearray)
    files: list[FileHistory] = field(default_factory=list)
    live: dict[str, int] = field(default_factory=dict)

    def commit_weights(self) -> list[int]:
        """Non-merge commits per raw identity."""
        weights = [0] * len(self.identities)
        for who, is_merge in zip(self.author, self.merge, strict=True):
            if not is_merge:
                weights[who] += 1
        return weights


def log_arguments(sha: str, rename: RenameMode) -> list[str]:
    renames = {"similar": ["-M"], "exact": ["-M100%"], "off": ["--no-renames"]}[rename]
    return [
        "-c",
        f"mailmap.blob={sha}:.mailmap",
        "log",
        "--reverse",
        "--topo-order",
        "-z",
        "--name-status",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        *renames,
        _FORMAT,
        sha,
        "--",
    ]


def read_history(git_dir: Path, sha: str, *, rename: RenameMode = "similar") -> History:
    """Walk the history reachable from ``sha`` (oldest first) and return it."""
    with stream_git(log_arguments(sha, rename), git_dir=git_dir) as out:
        return parse_log(_tokens(out))


def _tokens(stream: IO[bytes]) -> Iterator[bytes]:
    rest = b""
    while chunk := stream.read(_CHUNK):
        parts = (rest + chunk).split(b"\0")
        rest = parts.pop()
        yield from parts
    if rest:
        yield rest


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def parse_log(tokens: Iterable[bytes]) -> History:
    """Build a ``History`` from the NUL-separated tokens of ``log_arguments`` output."""
    history = History()
    interned: dict[tuple[str, str], int] = {}
    live = history.live
    files = history.files
    who = -1
    pending: list[bytes] = []
    need = 0
    for token in tokens:
        if need:
            pending.append(token)
            need -= 1
            if need == 0:
                _apply(history, live, files, who, pending)
                pending = []
            continue
        if token.startswith(b"\x1e"):
            fields = token[1:].split(b"\x1f")
            if len(fields) != 6:
                continue
            _sha, parents, name, email, author_ts, commit_ts = fields
            identity = (name.decode("utf-8", "replace"), email.decode("utf-8", "replace"))
            who = interned.get(identity, -1)
            if who < 0:
                who = interned[identity] = len(history.identities)
                history.identities.append(identity)
            history.author.append(who)
            history.author_time.append(int(author_ts or 0))
            history.commit_time.append(int(commit_ts or 0))
            history.merge.append(1 if b" " in parents.strip() else 0)
            continue
        status = token.lstrip(b"\n")
        if not status or who < 0:
            continue
        pending = [status]
        need = 2 if status[:1] in (b"R", b"C") else 1
    return history


def _apply(
    history: History,
    live: dict[str, int],
    files: list[FileHistory],
    who: int,
    pending: list[bytes],
) -> None:
    kind = pending[0][:1]
    path = _text(pending[-1])
    if kind == b"D":
        live.pop(path, None)
        return
    fid = live.pop(_text(pending[1]), None) if kind == b"R" else live.get(path)
    if fid is None:
        fid = len(files)
        # An addition creates the file; a change to a path we never saw added (history
        # cut short, or a branch that renamed it first) has no known creator.
        files.append(FileHistory(creator=who if kind in (b"A", b"C", b"R") else None))
    live[path] = fid
    changes = files[fid].changes
    changes[who] = changes.get(who, 0) + 1
