"""Reading the first bytes of many blobs at once, and fetching them into a blobless clone.

Why one ``git cat-file --batch`` for all files: classifying a file (binary? generated?
which language?) needs a look at its content, and one process per file would cost a
fork each; the batch protocol streams every requested blob through one pipe. Only the
first ``limit`` bytes of each blob are kept, so memory stays flat however large the
files are. A blob the repository does not have (a blobless clone, a mirror that dropped
large files) comes back as ``None``, never as an error: the caller decides what a
missing content means.

Why a single fetch for a blobless clone: otherwise ``cat-file`` would make git fetch
each missing blob on its own, one network round trip per file. The fetch is the one
git itself runs for lazy objects (no negotiation, blob ids on standard input).
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from .git import DEFAULT_TIMEOUT, GitFailed, run_git, spawn_git

HEAD_BYTES = 16 * 1024
"""How much of each blob classification reads: go-enry's own content limit."""


def read_heads(
    git_dir: Path,
    oids: Sequence[str],
    *,
    limit: int = HEAD_BYTES,
    timeout: float = DEFAULT_TIMEOUT,
) -> dict[str, bytes | None]:
    """The first ``limit`` bytes of each blob in ``oids``; ``None`` where it is missing."""
    wanted = list(dict.fromkeys(oids))
    if not wanted:
        return {}
    args = ["cat-file", "--batch"]
    proc = spawn_git(args, git_dir, stdin=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    stdin, stdout, stderr_pipe = proc.stdin, proc.stdout, proc.stderr
    stderr_chunks: list[bytes] = []

    def feed() -> None:
        try:
            stdin.write(b"".join(f"{oid}\n".encode() for oid in wanted))
            stdin.close()
        except OSError:  # git died; the reader reports it
            pass

    writer = threading.Thread(target=feed, daemon=True)
    drain = threading.Thread(target=lambda: stderr_chunks.append(stderr_pipe.read()), daemon=True)
    timer = threading.Timer(timeout, proc.kill)
    timer.daemon = True
    writer.start()
    drain.start()
    timer.start()
    heads: dict[str, bytes | None] = {}
    try:
        for oid in wanted:
            header = stdout.readline()
            if not header:
                break
            fields = header.split()
            if len(fields) >= 2 and fields[1] == b"missing":
                heads[oid] = None
                continue
            if len(fields) != 3:
                break
            size = int(fields[2])
            head = stdout.read(min(size, limit))
            rest = size - len(head)
            while rest > 0:
                chunk = stdout.read(min(rest, 1 << 20))
                if not chunk:
                    break
                rest -= len(chunk)
            stdout.read(1)  # the newline after each object
            heads[oid] = head
    finally:
        timer.cancel()
        proc.kill()
        proc.wait()
        stdout.close()
        writer.join(timeout=5)
        drain.join(timeout=5)
    if len(heads) != len(wanted):
        detail = b"".join(stderr_chunks).decode("utf-8", "replace")
        raise GitFailed(args, proc.returncode, detail or "cat-file stopped early")
    return heads


def partial_clone_remote(git_dir: Path) -> str | None:
    """The promisor remote of a partial (blobless) clone, or None for a full repository.

    Older clones name it in ``extensions.partialClone``; newer git marks the remote
    itself with ``remote.<name>.promisor``.
    """
    try:
        out = run_git(["config", "--get", "extensions.partialClone"], git_dir=git_dir, timeout=30)
        if out.strip():
            return out.strip()
    except GitFailed:
        pass
    try:
        out = run_git(
            ["config", "--get-regexp", r"^remote\..*\.promisor$"], git_dir=git_dir, timeout=30
        )
    except GitFailed:
        return None
    for line in out.splitlines():
        key, _, value = line.partition(" ")
        if value.strip().lower() in {"true", "yes", "on", "1"}:
            return key[len("remote.") : -len(".promisor")]
    return None


def absent_blobs(git_dir: Path, commit: str) -> set[str]:
    """Blobs of ``commit``'s tree that the repository lacks, found without fetching any.

    Why: in a partial clone, asking ``cat-file`` for a missing blob makes git fetch it
    (one network round trip per file) or, offline, stops it outright; ``rev-list
    --missing=print`` only reports.
    """
    out = run_git(
        ["rev-list", "--objects", "--no-walk", "--missing=print", commit], git_dir=git_dir
    )
    return {line[1:].strip() for line in out.splitlines() if line.startswith("?")}


def prefetch(
    git_dir: Path, remote: str, oids: Iterable[str], *, timeout: float = DEFAULT_TIMEOUT
) -> None:
    """Fetch the blobs ``oids`` into a partial clone in one request (raises ``GitFailed``)."""
    wanted = "".join(f"{oid}\n" for oid in dict.fromkeys(oids))
    if not wanted:
        return
    run_git(
        [
            "-c",
            "fetch.negotiationAlgorithm=noop",
            "fetch",
            "--quiet",
            "--no-tags",
            "--no-write-fetch-head",
            "--recurse-submodules=no",
            "--filter=blob:none",
            "--stdin",
            "--",
            remote,
        ],
        git_dir=git_dir,
        timeout=timeout,
        input=wanted.encode(),
    )
