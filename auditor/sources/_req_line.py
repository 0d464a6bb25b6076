"""One requirement argument of a requirements file (after options are split off).

pip accepts more than PEP 508 here: bare URLs, VCS URLs with ``#egg=``, archives and
folders on disk, and ``-e`` targets. Each gets a name the resolver can use.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as PackagingRequirement
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

from auditor.errors import ParseError
from auditor.model import Origin, Requirement
from auditor.sources._files import OUTSIDE_HINT, outside_checkout
from auditor.sources._local import local_project_name
from auditor.sources._pep508 import check_marker, parse_pep508, to_requirement

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://|^file:")
_EXTRAS_SUFFIX = re.compile(r"^(?P<target>.*?)(?P<extras>\[[^\]]*\])?$")
_ARCHIVES = (".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar")
_HASH_NAMES = ("sha256", "sha384", "sha512", "md5", "sha1", "sha224")


def _is_url(text: str) -> bool:
    return _URL.match(text) is not None


def _looks_like_path(text: str) -> bool:
    if text in {".", ".."} or text.startswith(("./", "../", "/", "~", ".\\", "..\\")):
        return True
    target = _EXTRAS_SUFFIX.match(text)
    bare = target.group("target") if target else text
    if bare.endswith(_ARCHIVES) and not re.search(r"[<>=!~;@ ]", bare):
        return True
    return ("/" in bare or "\\" in bare) and not re.search(r"[<>=!~;@ ]", bare)


def _split_extras(text: str) -> tuple[str, tuple[str, ...]]:
    found = _EXTRAS_SUFFIX.match(text)
    if found is None or not found.group("extras"):
        return text, ()
    inner = found.group("extras")[1:-1]
    return found.group("target"), tuple(sorted(e.strip() for e in inner.split(",") if e.strip()))


def _name_from_filename(filename: str) -> tuple[str, str] | None:
    """Project name and version from an archive name (``%2B`` already undone)."""
    try:
        if filename.endswith(".whl"):
            name, version, _, _ = parse_wheel_filename(filename)
            return str(name), str(version)
        if filename.endswith((".tar.gz", ".zip")):
            name, version = parse_sdist_filename(filename)
            return str(name), str(version)
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None
    return None


def _fragment(url: str) -> dict[str, str]:
    parsed = parse_qs(urlsplit(url).fragment)
    return {key: values[0] for key, values in parsed.items() if values}


def _fragment_hashes(fragment: dict[str, str]) -> tuple[str, ...]:
    return tuple(f"{algo}:{fragment[algo]}" for algo in _HASH_NAMES if algo in fragment)


class RequirementLine:
    """Builds requirements for one file: the context every argument is read in."""

    def __init__(
        self, *, path: str, base_dir: Path, constraint: bool, checkout: Path | None = None
    ) -> None:
        self.path = path
        self.base_dir = base_dir
        self.constraint = constraint
        #: local projects must lie inside this folder (None: anywhere), checked before a
        #: project's folder is read for its name
        self.checkout = checkout

    def _inside(self, folder: Path, line: int, text: str) -> None:
        why = None if self.checkout is None else outside_checkout(folder, self.checkout)
        if why is not None:
            raise ParseError(self.path, line, text, why, hint=OUTSIDE_HINT)

    def parse(self, arg: str, *, line: int, hashes: tuple[str, ...]) -> Requirement:
        """A non-editable requirement argument."""
        if _is_url(arg):
            url, _, marker = arg.partition("; ")
            return self._from_url(url.strip(), marker.strip() or None, line, arg, hashes)
        target, _, marker = arg.partition(";")
        if _looks_like_path(target.strip()):
            return self._from_path(
                target.strip(), marker.strip() or None, line, arg, editable=False
            )
        req = parse_pep508(arg, path=self.path, line=line)
        extra_hashes = _fragment_hashes(_fragment(req.url)) if req.url else ()
        return to_requirement(
            req,
            origin=Origin(path=self.path, line=line),
            text=arg,
            constraint=self.constraint,
            hashes=hashes + tuple(h for h in extra_hashes if h not in hashes),
        )

    def parse_editable(self, value: str, *, line: int) -> Requirement:
        """An ``-e`` target: a local folder or a VCS URL."""
        text = f"-e {value}"
        target, extras = _split_extras(value)
        if target.startswith("file:") and not target.startswith("file://"):
            target = target[len("file:") :] or "."
        if _is_url(target):
            req = self._from_url(target, None, line, text, (), editable=True)
            return req if not extras else _with_extras(req, extras)
        req = self._from_path(target, None, line, text, editable=True)
        return req if not extras else _with_extras(req, extras)

    def _from_url(
        self,
        url: str,
        marker: str | None,
        line: int,
        text: str,
        hashes: tuple[str, ...],
        *,
        editable: bool = False,
    ) -> Requirement:
        fragment = _fragment(url)
        extras: tuple[str, ...] = ()
        name: str | None = None
        if "\x00" in unquote(url):
            raise ParseError(self.path, line, text, "the URL holds a NUL character (%00)")
        if "egg" in fragment:
            name, extras = _split_extras(fragment["egg"])
        else:
            path = urlsplit(url).path
            filename = unquote(path.rsplit("/", 1)[-1])
            found = _name_from_filename(filename)
            if found is not None:
                name = found[0]
            elif url.startswith("file:"):
                folder = Path(unquote(path))
                self._inside(folder, line, text)
                name = local_project_name(folder)
        if not name:
            raise ParseError(
                self.path,
                line,
                text,
                "cannot tell which project this URL is",
                hint="Add '#egg=<name>' to the URL or write it as '<name> @ <url>'.",
            )
        checked = check_marker(marker, path=self.path, line=line, text=text) if marker else None
        frag_hashes = tuple(h for h in _fragment_hashes(fragment) if h not in hashes)
        return Requirement(
            name=canonicalize_name(name),
            display_name=name,
            origin=Origin(path=self.path, line=line),
            text=text,
            extras=extras,
            marker=checked,
            url=url,
            editable=editable,
            constraint=self.constraint,
            hashes=hashes + frag_hashes,
        )

    def _from_path(
        self, target: str, marker: str | None, line: int, text: str, *, editable: bool
    ) -> Requirement:
        bare, extras = _split_extras(target)
        # os.path.expanduser leaves an unknown ``~user`` as written; Path's raises
        folder = (self.base_dir / os.path.expanduser(bare)).resolve()
        self._inside(folder, line, text)
        found = _name_from_filename(folder.name)
        name = found[0] if found else local_project_name(folder)
        checked = check_marker(marker, path=self.path, line=line, text=text) if marker else None
        return Requirement(
            name=canonicalize_name(name),
            display_name=name,
            origin=Origin(path=self.path, line=line),
            text=text,
            extras=extras,
            marker=checked,
            url=folder.as_uri(),
            editable=editable,
            constraint=self.constraint,
        )


def _with_extras(req: Requirement, extras: tuple[str, ...]) -> Requirement:
    return replace(req, extras=tuple(sorted(set(req.extras) | set(extras))))


def is_requirement_like(arg: str) -> bool:
    """Cheap test used by content detection: would pip read this as a requirement?"""
    if _is_url(arg) or _looks_like_path(arg):
        return True
    try:
        PackagingRequirement(arg)
    except InvalidRequirement:
        return False
    return True
