"""Reading dependency files that a pull request may have written: regular files only.

A CI job audits whatever files the change under review contains, so a file can be a
symlink to ``/dev/zero``, a FIFO that never ends, a multi-gigabyte blob, or point at
``/proc/self/environ``. Every input is therefore opened without blocking, checked to be a
regular file, and read up to a size cap; anything else is an InputError naming the file
and never shows its content.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from auditor.errors import InputError, excerpt
from auditor.sources._text import decode_bytes

#: the largest dependency file read; real lock files of big AI apps stay under a few MiB
MAX_INPUT_BYTES = 16 * 1024 * 1024

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
)


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit} bytes"


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_regular_bytes(path: Path, display: str, *, limit: int | None = None) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes.

    ``limit`` defaults to MAX_INPUT_BYTES.

    ``O_NONBLOCK`` makes opening a FIFO return at once instead of waiting for a writer;
    the type is then checked on the open descriptor, so a swap between check and read
    cannot slip a device in.
    """
    limit = MAX_INPUT_BYTES if limit is None else limit
    # O_BINARY: on Windows os.open is otherwise in text mode (CRLF folded, Ctrl-Z ends it)
    flags = (
        os.O_RDONLY
        | getattr(os, "O_BINARY", 0)
        | getattr(os, "O_NONBLOCK", 0)
        | getattr(os, "O_NOCTTY", 0)
    )
    try:
        fd = os.open(path, flags)
    except FileNotFoundError as exc:
        raise InputError(
            f"{display}: no such file",
            hint="Check the path; run from the project folder or pass the file's full path.",
        ) from exc
    except PermissionError as exc:
        raise InputError(
            f"{display}: permission denied", hint="Make the file readable and run again."
        ) from exc
    except OSError as exc:
        raise InputError(f"{display}: cannot read it ({exc.strerror})") from exc
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InputError(
                f"{display}: is {_kind(mode)}, not a regular file; only regular text files "
                "are read",
                hint="Name the dependency file itself (a symlink to a regular file is fine).",
            )
        chunks: list[bytes] = []
        total = 0
        while True:
            # /proc files report size 0, so the cap is enforced on what is really read
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise InputError(
                    f"{display}: larger than {_size(limit)}; not read",
                    hint="Dependency files are small text files; check that this is one.",
                )
    except OSError as exc:
        raise InputError(f"{display}: cannot read it ({exc.strerror})") from exc
    finally:
        os.close(fd)
    return b"".join(chunks)


def read_text_file(path: Path, display: str, *, limit: int | None = None) -> str:
    """A regular text file's content (see ``read_regular_bytes`` and ``decode_bytes``)."""
    return decode_bytes(read_regular_bytes(path, display, limit=limit), display)


#: what to do about an include or a local project outside the checkout
OUTSIDE_HINT = (
    "A dependency file may come from an untrusted change: copy the file into the "
    "repository, or pass --allow-outside-includes if you trust it."
)


def checkout_root(top: Path | None) -> Path:
    """Where includes may lead: the top file's repository root, else its folder.

    ``.git`` may be a folder or (in a worktree or submodule) a file; either marks a root.
    Standard input counts as a file in the current directory.
    """
    folder = top.resolve().parent if top is not None else Path.cwd().resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return folder


def outside_checkout(folder: Path, checkout: Path) -> str | None:
    """Why a local project at ``folder`` is not read, or None when it lies inside."""
    if folder.resolve().is_relative_to(checkout):
        return None
    return (
        f"local project {excerpt(str(folder))!r} lies outside the checkout ({checkout}); not read"
    )
