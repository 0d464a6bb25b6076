"""Which files the truck factor counts: GitHub Linguist's view, then the manual rules.

Why Linguist: the study (Avelino et al., ICPC 2016) kept exactly the files GitHub's
Linguist counts in a project's language statistics: not vendored, not documentation,
not generated, not binary, and of a programming or markup language (data languages
such as JSON or YAML and prose such as Markdown or plain text are left out). go-enry,
the Go port of Linguist, answers the same questions through ``enry-python``; the
project's own ``.gitattributes`` overrides (``attributes``) take precedence, as on GitHub.

Why the order: the cheap questions that need only the path (the manual rules, the
user's ``--exclude``, submodules and symlinks, vendored, documentation) go first, so
content is read only for the files still in; that content comes from one batched
``git cat-file`` and only its first 16 KiB are kept. A file whose content the
repository lacks is classified by its name alone and named in a note, never an error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import enry  # type: ignore[import-untyped]  # no type information shipped

from .attributes import flag, read_attributes
from .blobs import absent_blobs, partial_clone_remote, prefetch, read_heads
from .exclude import ExcludeMatcher, load_language_types
from .git import GitFailed, run_git

KEPT_TYPES = frozenset({"programming", "markup"})
_MODE_SYMLINK = "120000"


@dataclass(frozen=True, kw_only=True)
class TreeFile:
    """One entry of the analysed commit's tree."""

    path: str
    oid: str
    mode: str
    kind: str


@dataclass(frozen=True, kw_only=True)
class Classification:
    """The kept files with their language, and every other file with its reason."""

    kept: Mapping[str, str]
    excluded: Mapping[str, str]
    notes: tuple[str, ...]


def list_tree(git_dir: Path, sha: str) -> list[TreeFile]:
    """Every entry of commit ``sha``'s tree, recursively (submodules included)."""
    out = run_git(["ls-tree", "-r", "-z", "--full-tree", sha], git_dir=git_dir)
    entries: list[TreeFile] = []
    for record in out.split("\0"):
        meta, _, path = record.partition("\t")
        fields = meta.split(" ")
        if path and len(fields) == 3:
            entries.append(TreeFile(path=path, mode=fields[0], kind=fields[1], oid=fields[2]))
    return entries


def path_reason(
    entry: TreeFile, matcher: ExcludeMatcher, attributes: Mapping[str, str] | None = None
) -> str | None:
    """Why a file is out by its path alone, or None if its content must be looked at.

    ``attributes`` are the file's Linguist attributes from ``.gitattributes``; where one
    is set it overrides Linguist's own rule, as on GitHub.
    """
    if entry.kind != "blob":
        return "submodule"
    if entry.mode == _MODE_SYMLINK:
        return "symlink"
    rule = matcher.reason(entry.path)
    if rule is not None:
        return rule
    attrs = attributes or {}
    vendored = flag(attrs, "linguist-vendored")
    if vendored if vendored is not None else bool(enry.is_vendor(entry.path)):
        return "linguist: vendored" + (" (.gitattributes)" if vendored else "")
    documentation = flag(attrs, "linguist-documentation")
    if documentation if documentation is not None else bool(enry.is_documentation(entry.path)):
        return "linguist: documentation" + (" (.gitattributes)" if documentation else "")
    return None


def language_type(language: str, overrides: Mapping[str, str]) -> str:
    """The type of ``language``: the study's where ``overrides`` has it, else Linguist's."""
    kind = overrides.get(language)
    return kind if kind is not None else str(enry.get_language_type(language))


def content_reason(
    path: str,
    head: bytes | None,
    overrides: Mapping[str, str] | None = None,
    attributes: Mapping[str, str] | None = None,
) -> tuple[str | None, str]:
    """``(reason, language)``: why Linguist leaves the file out (None: kept), its language.

    ``head`` None: the content is missing and the name decides alone. An empty file has
    no language for Linguist (it detects none on an empty blob).
    """
    attrs = attributes or {}
    if head is not None and not head:
        return "linguist: empty file", ""
    if head is not None and bool(enry.is_binary(head)):
        return "linguist: binary", ""
    generated = flag(attrs, "linguist-generated")
    if generated if generated is not None else bool(enry.is_generated(path, head or b"")):
        return "linguist: generated" + (" (.gitattributes)" if generated else ""), ""
    named = attrs.get("linguist-language")
    language = named or str(enry.get_language(path, head or b"") or "")
    if not language:
        return "linguist: no language", ""
    detectable = flag(attrs, "linguist-detectable")
    if detectable is not None:
        return (None if detectable else "linguist: not detectable (.gitattributes)"), language
    kind = language_type(language, overrides or {})
    if kind not in KEPT_TYPES:
        return f"linguist: {kind} language ({language})", language
    return None, language


Reader = Callable[[Path, Sequence[str]], Mapping[str, bytes | None]]


def classify(
    git_dir: Path,
    entries: Sequence[TreeFile],
    matcher: ExcludeMatcher,
    *,
    reader: Reader | None = None,
    language_types: Mapping[str, str] | None = None,
    commit: str | None = None,
    fetch: bool = True,
) -> Classification:
    """Split the tree into the files to analyse and the files left out, with reasons.

    ``language_types`` overrides Linguist's type for some languages (default: the
    study's types from ``rules/git-exclude.toml``). ``commit`` is the commit the
    entries come from: its ``.gitattributes`` overrides apply, and in a partial clone
    its missing contents are fetched in one request (unless ``fetch`` is false, as with
    ``--offline``) and whatever is still missing is classified by name, never fetched
    file by file.
    """
    overrides = load_language_types() if language_types is None else language_types
    notes: list[str] = []
    remote = partial_clone_remote(git_dir) if commit is not None else None
    attributes = _attributes(git_dir, commit, entries, remote, fetch, notes)
    excluded: dict[str, str] = {}
    candidates: list[TreeFile] = []
    for entry in entries:
        reason = path_reason(entry, matcher, attributes.get(entry.path))
        if reason is None:
            candidates.append(entry)
        else:
            excluded[entry.path] = reason
    oids = [entry.oid for entry in candidates]
    if remote is not None and commit is not None and oids:
        _fetch(git_dir, remote, oids, fetch, notes)
        absent = absent_blobs(git_dir, commit)
        oids = [oid for oid in oids if oid not in absent]
    heads = (reader or _read)(git_dir, oids)
    kept: dict[str, str] = {}
    by_name: list[str] = []
    for entry in candidates:
        head = heads.get(entry.oid)
        if head is None:
            by_name.append(entry.path)
        reason, language = content_reason(entry.path, head, overrides, attributes.get(entry.path))
        if reason is None:
            kept[entry.path] = language
        else:
            excluded[entry.path] = reason
    if by_name:
        shown = ", ".join(by_name[:10]) + (
            f" and {len(by_name) - 10} more" if len(by_name) > 10 else ""
        )
        notes.append(
            f"{len(by_name)} file(s) classified by name only, their content is not in the "
            f"repository: {shown}"
        )
    return Classification(kept=kept, excluded=excluded, notes=tuple(notes))


def _fetch(git_dir: Path, remote: str, oids: Sequence[str], fetch: bool, notes: list[str]) -> None:
    if not fetch:
        return
    try:
        prefetch(git_dir, remote, oids)
    except GitFailed as exc:
        notes.append(
            f"could not fetch file contents from {remote} ({exc.detail}); "
            "files without content are classified by name only"
        )


def _attributes(
    git_dir: Path,
    commit: str | None,
    entries: Sequence[TreeFile],
    remote: str | None,
    fetch: bool,
    notes: list[str],
) -> dict[str, dict[str, str]]:
    """Every file's Linguist attributes, or none when the tree has no .gitattributes."""
    sources = [
        e for e in entries if e.kind == "blob" and e.path.rsplit("/", 1)[-1] == ".gitattributes"
    ]
    if commit is None or not sources:
        return {}
    if remote is not None:
        _fetch(git_dir, remote, [e.oid for e in sources], fetch, notes)
        if absent_blobs(git_dir, commit) & {e.oid for e in sources}:
            notes.append(".gitattributes not available offline: Linguist overrides not applied")
            return {}
    try:
        return read_attributes(git_dir, commit, [e.path for e in entries if e.kind == "blob"])
    except GitFailed as exc:
        notes.append(
            f"could not read .gitattributes ({exc.detail}): Linguist overrides not applied"
        )
        return {}


def _read(git_dir: Path, oids: Sequence[str]) -> Mapping[str, bytes | None]:
    return read_heads(git_dir, oids)
