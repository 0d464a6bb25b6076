"""Opening a repository the user named and pinning the revision to analyse.

Why pin to a commit id first: the history, the file set and the ``.mailmap`` must all
come from the same commit, and a branch could move between two git calls. Every later
call uses the full id, so no user-supplied text reaches git after this point.
"""

from __future__ import annotations

from pathlib import Path

from auditor.errors import InputError

from .git import GitFailed, run_git


def open_local(path: Path) -> Path:
    """Return the git directory of the repository at ``path`` (bare or with a worktree)."""
    target = path.expanduser().resolve()
    if not target.exists():
        raise InputError(
            f"{path} does not exist",
            hint="Give a local repository path or an https:// repository URL.",
        )
    if not target.is_dir():
        raise InputError(f"{path} is not a git repository (it is a file)")
    try:
        out = run_git(["rev-parse", "--absolute-git-dir"], cwd=target, timeout=60)
    except GitFailed as exc:
        raise InputError(
            f"{path} is not a git repository ({exc.detail})",
            hint="Point at a clone (the folder holding .git) or give its https:// URL.",
        ) from exc
    return Path(out.strip())


def resolve_revision(git_dir: Path, rev: str | None, *, label: str) -> str:
    """Return the full commit id for ``rev`` (default: HEAD), or say clearly why not."""
    wanted = rev if rev is not None else "HEAD"
    if wanted.startswith("-") or "\n" in wanted or not wanted.strip():
        raise InputError(f"{wanted!r} is not a revision")
    try:
        out = run_git(
            ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{wanted}^{{commit}}"],
            git_dir=git_dir,
            timeout=60,
        )
        return out.strip()
    except GitFailed as exc:
        if _is_empty(git_dir):
            raise InputError(
                f"{label} is an empty repository: it has no commits to analyse",
                hint="Push at least one commit, or point at another repository.",
            ) from exc
        raise InputError(
            f"unknown revision {wanted!r} in {label}",
            hint="Give a branch, tag or commit id that exists (see `git tag`, `git branch -a`).",
        ) from exc


def _is_empty(git_dir: Path) -> bool:
    try:
        return not run_git(["rev-list", "-n", "1", "--all"], git_dir=git_dir, timeout=60).strip()
    except GitFailed:
        return True


def list_files(git_dir: Path, sha: str) -> list[str]:
    """Paths of the files present at commit ``sha`` (submodules are not files)."""
    out = run_git(["ls-tree", "-r", "-z", sha], git_dir=git_dir)
    files = []
    for entry in out.split("\0"):
        meta, _, path = entry.partition("\t")
        if path and meta.split(" ")[1:2] == ["blob"]:
            files.append(path)
    return files
