"""One streaming pass over ``git log``: who added, changed and renamed each path.

Why one pass and a stream: the whole analysis needs a single walk of history with
rename detection. Reading git's ``-z`` output in fixed-size chunks keeps memory
proportional to the number of paths and people, not to the history's length in bytes.

What counts, as the study's tool counts it (Avelino et al., ICPC 2016; the original
tool, aserg-ufmg/Truck-Factor): history is kept per path, not per file object. An
addition ("A") makes its author a creator of the path; a modification ("M") and a
rename ("R", git's similarity detection with a rename limit high enough for
whole-tree moves) are changes by their author; a rename also links the new path to the
old one, so the old path's whole history carries over. Deletions and type changes are
not events: a path deleted and added again keeps everything it had. Merge commits are
listed (they matter for "last commit") but carry no file changes.

Why per path: it is what the study measured. A path's lineage is itself plus,
transitively, every path renamed into it (``lineage``).
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


RENAME_LIMIT = 999_999
"""git's ``-l``: the study's tool raised ``diff.renameLimit`` to this, so a commit that
moves a whole tree is still seen as renames rather than deletions and additions."""


@dataclass(slots=True)
class PathHistory:
    """One path's own events: who added it, changes per identity, paths renamed into it."""

    adders: set[int] = field(default_factory=set)
    changes: dict[int, int] = field(default_factory=dict)
    sources: set[int] = field(default_factory=set)


@dataclass(slots=True)
class History:
    """Everything the metrics need, in compact columns (one entry per commit)."""

    identities: list[tuple[str, str]] = field(default_factory=list)
    author: array[int] = field(default_factory=lambda: array("l"))
    author_time: array[int] = field(default_factory=lambda: array("q"))
    commit_time: array[int] = field(default_factory=lambda: array("q"))
    merge: bytearray = field(default_factory=bytearray)
    path_ids: dict[str, int] = field(default_factory=dict)
    paths: list[PathHistory] = field(default_factory=list)

    def commit_weights(self) -> list[int]:
        """Non-merge commits per raw identity."""
        weights = [0] * len(self.identities)
        for who, is_merge in zip(self.author, self.merge, strict=True):
            if not is_merge:
                weights[who] += 1
        return weights

    def path_id(self, path: str) -> int:
        pid = self.path_ids.get(path)
        if pid is None:
            pid = self.path_ids[path] = len(self.paths)
            self.paths.append(PathHistory())
        return pid

    def lineage(self, path: str) -> tuple[set[int], dict[int, int]] | None:
        """Creators and changes per identity over ``path`` and every path renamed into it.

        None when the path never appears in history (nothing to say about its authors).
        """
        start = self.path_ids.get(path)
        if start is None:
            return None
        seen = {start}
        todo = [start]
        adders: set[int] = set()
        changes: dict[int, int] = {}
        while todo:
            record = self.paths[todo.pop()]
            adders |= record.adders
            for who, count in record.changes.items():
                changes[who] = changes.get(who, 0) + count
            for source in record.sources:
                if source not in seen:
                    seen.add(source)
                    todo.append(source)
        if not adders and not changes:
            return None
        return adders, changes


def log_arguments(sha: str, rename: RenameMode, skip_paths: Iterable[str] = ()) -> list[str]:
    renames = {
        "similar": ["-M", f"-l{RENAME_LIMIT}"],
        "exact": ["-M100%"],
        "off": ["--no-renames"],
    }[rename]
    return [
        "-c",
        f"mailmap.blob={sha}:.mailmap",
        "log",
        "-z",
        "--name-status",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        *renames,
        _FORMAT,
        sha,
        "--",
        *(f":(exclude,literal){path}" for path in skip_paths),
    ]


def read_history(
    git_dir: Path, sha: str, *, rename: RenameMode = "similar", skip_paths: Iterable[str] = ()
) -> History:
    """Walk the history reachable from ``sha`` and return it; ``skip_paths`` are left out."""
    with stream_git(log_arguments(sha, rename, skip_paths), git_dir=git_dir) as out:
        return parse_log(split_nul(out))


def split_nul(stream: IO[bytes]) -> Iterator[bytes]:
    """The NUL-separated tokens of a stream, read in fixed-size chunks."""
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
    who = -1
    in_merge = False
    pending: list[bytes] = []
    need = 0
    for token in tokens:
        if need:
            pending.append(token)
            need -= 1
            if need == 0:
                if not in_merge:
                    _apply(history, who, pending)
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
            in_merge = b" " in parents.strip()
            history.author.append(who)
            history.author_time.append(int(author_ts or 0))
            history.commit_time.append(int(commit_ts or 0))
            history.merge.append(1 if in_merge else 0)
            continue
        status = token.lstrip(b"\n")
        if not status or who < 0:
            continue
        pending = [status]
        need = 2 if status[:1] in (b"R", b"C") else 1
    return history


def _apply(history: History, who: int, pending: list[bytes]) -> None:
    kind = pending[0][:1]
    if kind not in (b"A", b"M", b"R"):
        return  # deletions, type changes, copies: not events of a lineage
    record = history.paths[history.path_id(_text(pending[-1]))]
    if kind == b"A":
        record.adders.add(who)
        return
    if kind == b"R":
        source = history.path_id(_text(pending[1]))
        if source != history.path_ids[_text(pending[-1])]:
            record.sources.add(source)
    record.changes[who] = record.changes.get(who, 0) + 1
