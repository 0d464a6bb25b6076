"""The repository's own Linguist overrides, from ``.gitattributes`` at the analysed commit.

Why: GitHub Linguist honours ``linguist-vendored``, ``linguist-generated``,
``linguist-documentation``, ``linguist-language`` and ``linguist-detectable`` set in a
project's ``.gitattributes``, and projects use them to say what is theirs (generated
protobuf code checked in, a vendored folder with an unusual name, a file Linguist
misdetects). The study's file set is Linguist's, so it includes these overrides.

How, in a bare repository: git reads attributes from an index, so the commit's tree
is read into a private temporary index (trees only, no file contents), then one
``git check-attr --cached --stdin -z`` answers for every path at once. Git's own
matcher applies the patterns, so nested ``.gitattributes`` files and their precedence
work exactly as git defines them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from .git import run_git

ATTRIBUTES = (
    "linguist-vendored",
    "linguist-generated",
    "linguist-documentation",
    "linguist-language",
    "linguist-detectable",
)
_TRUE = frozenset({"set", "true"})
_FALSE = frozenset({"unset", "false"})


def flag(values: Mapping[str, str], name: str) -> bool | None:
    """An attribute as Linguist reads it: True, False, or None when not specified."""
    value = values.get(name)
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return None


def read_attributes(git_dir: Path, commit: str, paths: Sequence[str]) -> dict[str, dict[str, str]]:
    """The Linguist attributes specified for ``paths`` at ``commit`` (unspecified left out)."""
    if not paths:
        return {}
    with tempfile.TemporaryDirectory(prefix="auditor-attr-") as tmp:
        index = Path(tmp) / "index"
        run_git(["read-tree", commit], git_dir=git_dir, index_file=index)
        out = run_git(
            ["check-attr", "--cached", "--stdin", "-z", *ATTRIBUTES],
            git_dir=git_dir,
            index_file=index,
            input=b"".join(p.encode("utf-8", "surrogateescape") + b"\0" for p in paths),
        )
    found: dict[str, dict[str, str]] = {}
    fields = out.split("\0")
    for i in range(0, len(fields) - 2, 3):
        path, name, value = fields[i], fields[i + 1], fields[i + 2]
        if value != "unspecified":
            found.setdefault(path, {})[name] = value
    return found
