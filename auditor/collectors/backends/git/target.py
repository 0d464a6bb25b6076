"""Turning what the user typed (a URL or a path) into a repository on disk.

Why decide the rename mode here: it depends on where the repository came from. A
blobless clone has no file contents, and similarity-based rename detection would make
git download blobs one commit at a time over the network, so cached clones use exact
rename detection (moves without edits, which needs no contents); a local repository
with its objects uses git's usual similarity detection.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from auditor.errors import InputError

from .blobs import partial_clone_remote
from .git import DEFAULT_TIMEOUT
from .history import RenameMode
from .remote import RemoteLocation, ensure_clone, parse_remote
from .repo import open_local

_SCP_LIKE = re.compile(r"^[\w.+-]+@[\w.-]+:")


@dataclass(frozen=True, kw_only=True)
class Target:
    """An opened repository: a label for messages, its git directory, its origin."""

    label: str
    git_dir: Path
    remote: RemoteLocation | None
    rename: RenameMode
    offline: bool = False
    """Never reach the network: a partial clone's missing contents stay missing."""


def looks_like_url(target: str) -> bool:
    return "://" in target or bool(_SCP_LIKE.match(target))


def open_target(
    target: str,
    *,
    cache_dir: Path,
    allowed_hosts: Iterable[str] = (),
    allow_insecure_loopback: bool = False,
    offline: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
) -> Target:
    """Clone or fetch a URL into the cache, or open a local repository."""
    if looks_like_url(target):
        if "://" not in target:
            raise InputError(
                f"refusing {target!r}: only https:// URLs are cloned",
                hint="Use the https:// form of the repository URL.",
            )
        remote = parse_remote(
            target,
            allowed_hosts=tuple(allowed_hosts),
            allow_insecure_loopback=allow_insecure_loopback,
        )
        git_dir = ensure_clone(remote, cache_dir, offline=offline, timeout=timeout)
        return Target(
            label=remote.url, git_dir=git_dir, remote=remote, rename="exact", offline=offline
        )
    git_dir = open_local(Path(target))
    return Target(
        label=target,
        git_dir=git_dir,
        remote=None,
        rename=_local_rename_mode(git_dir),
        offline=offline,
    )


def _local_rename_mode(git_dir: Path) -> RenameMode:
    """Exact renames for a local partial clone (no contents), similarity otherwise."""
    return "exact" if partial_clone_remote(git_dir) is not None else "similar"
