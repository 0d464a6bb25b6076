"""The one place that starts ``git``: an argument list, never a shell, always a timeout.

Why a wrapper: every call must get the same hardening (no credential prompt that would
hang a CI job, no pager, a protocol allow-list so a hostile repository URL or config
cannot make git run ``ext::`` helpers or read local files, a deadline), and a failure
must come back as one exception type carrying git's own message. Callers put ``--``
before any value a user supplied, so it can never be read as an option.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

DEFAULT_TIMEOUT = 600.0
"""Seconds a single git command may take; a clone of a large repository fits in it."""

_HARDENING = (
    "-c",
    "protocol.allow=never",
    "-c",
    "protocol.https.allow=always",
    "-c",
    "protocol.http.allow=always",  # URLs are vetted before git sees them; see remote.py
    "-c",
    "core.askPass=",
    "-c",
    "credential.helper=",
    "-c",
    "log.showSignature=false",
    "-c",
    "core.quotePath=false",
    "-c",
    "mailmap.file=",
)


class GitFailed(Exception):
    """A git command exited non-zero, timed out or could not start.

    Internal to the package: the callers translate it into an ``InputError`` with a
    message that says what the user should do, keeping git's own words as detail.
    """

    def __init__(self, args: Sequence[str], returncode: int | None, stderr: str) -> None:
        self.args_list = list(args)
        self.returncode = returncode
        self.stderr = stderr.strip()
        super().__init__(f"git {' '.join(args)} failed ({returncode}): {self.stderr}")

    @property
    def detail(self) -> str:
        """git's last line of complaint, the part worth showing to a person."""
        lines = [line.strip() for line in self.stderr.splitlines() if line.strip()]
        for line in lines:
            if line.startswith(("fatal:", "error:")):
                return line.partition(":")[2].strip()
        return lines[-1] if lines else f"git exited with status {self.returncode}"


def git_env() -> dict[str, str]:
    """The environment for every git call: never prompt, never page, C messages."""
    env = dict(os.environ)
    env.update(
        GIT_TERMINAL_PROMPT="0",
        GIT_ASKPASS="",
        SSH_ASKPASS="",
        GIT_PAGER="cat",
        PAGER="cat",
        LC_ALL="C",
        LANGUAGE="C",
        GIT_PROTOCOL_FROM_USER="0",
        GIT_OPTIONAL_LOCKS="0",
    )
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY"):
        env.pop(name, None)
    return env


def _command(args: Sequence[str], git_dir: Path | None) -> list[str]:
    command = ["git", *_HARDENING]
    if git_dir is not None:
        command.append(f"--git-dir={git_dir}")
    command.extend(args)
    return command


def spawn_git(args: Sequence[str], git_dir: Path | None, *, stdin: int) -> subprocess.Popen[bytes]:
    """Start git with our environment, output and errors piped: for callers that stream.

    ``stdin`` is ``subprocess.PIPE`` for a batch reader, ``subprocess.DEVNULL`` otherwise.
    """
    try:
        return subprocess.Popen(  # noqa: S603 - argument list, no shell, vetted values
            _command(args, git_dir),
            cwd=git_dir,
            env=git_env(),
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    except OSError as exc:
        raise GitFailed(args, None, f"cannot run git: {exc}") from exc


def run_git(
    args: Sequence[str],
    *,
    git_dir: Path | None = None,
    cwd: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    input: bytes | None = None,
    index_file: Path | None = None,
) -> str:
    """Run git and return its standard output (UTF-8, undecodable bytes escaped).

    ``input`` is written to git's standard input; without it git reads nothing.
    ``index_file`` points git at a private index (``GIT_INDEX_FILE``), for commands
    that read attributes from a tree through an index in a bare repository.
    """
    env = git_env()
    if index_file is not None:
        env["GIT_INDEX_FILE"] = str(index_file)
    command = _command(args, git_dir)
    workdir = cwd if cwd is not None else git_dir
    try:
        done = subprocess.run(  # noqa: S603 - argument list, no shell, vetted values
            command,
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL if input is None else None,
            input=input,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise GitFailed(args, None, f"timed out after {timeout:.0f} s") from exc
    except OSError as exc:
        raise GitFailed(args, None, f"cannot run git: {exc}") from exc
    stderr = done.stderr.decode("utf-8", "replace")
    if done.returncode != 0:
        raise GitFailed(args, done.returncode, stderr)
    return done.stdout.decode("utf-8", "surrogateescape")


@contextmanager
def stream_git(
    args: Sequence[str],
    *,
    git_dir: Path,
    timeout: float = DEFAULT_TIMEOUT,
) -> Iterator[IO[bytes]]:
    """Run git and hand its standard output over as a binary stream.

    Why streaming: ``git log`` of a large project is hundreds of megabytes; reading it
    in chunks keeps memory flat. The process is killed when the deadline passes or the
    caller stops early; a non-zero exit after the caller finished raises ``GitFailed``.
    """
    proc = spawn_git(args, git_dir, stdin=subprocess.DEVNULL)
    assert proc.stdout is not None and proc.stderr is not None
    stderr_chunks: list[bytes] = []
    stderr_pipe = proc.stderr
    drain = threading.Thread(target=lambda: stderr_chunks.append(stderr_pipe.read()))
    drain.daemon = True
    drain.start()
    timed_out = threading.Event()

    def expire() -> None:
        timed_out.set()
        proc.kill()

    timer = threading.Timer(timeout, expire)
    timer.daemon = True
    timer.start()
    finished = False
    try:
        yield proc.stdout
        finished = True
    finally:
        if not finished:
            proc.kill()
        proc.stdout.close()
        returncode = proc.wait()
        timer.cancel()
        drain.join(timeout=5)
    stderr = b"".join(stderr_chunks).decode("utf-8", "replace")
    if timed_out.is_set():
        raise GitFailed(args, None, f"timed out after {timeout:.0f} s")
    if returncode != 0:
        raise GitFailed(args, returncode, stderr)
