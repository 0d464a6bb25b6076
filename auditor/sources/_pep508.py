"""Turning PEP 508 strings into model requirements, with errors people can read.

Every format ends up here, so names are canonicalised and messages are shaped the same
way whichever file the requirement came from.
"""

from __future__ import annotations

import re

from packaging.markers import (
    InvalidMarker,
    Marker,
    UndefinedComparison,
    UndefinedEnvironmentName,
    default_environment,
)
from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as PackagingRequirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from auditor.errors import ParseError
from auditor.model import Origin, Requirement

_CARET = re.compile(r"^\s*\^\s*$")


def readable_error(exc: Exception, text: str) -> str:
    """Packaging prints a caret diagram; one line with a column reads better in a log."""
    lines = str(exc).splitlines()
    first = lines[0] if lines else "invalid requirement"
    for i, line in enumerate(lines):
        if i > 0 and _CARET.match(line):
            column = line.index("^") - (len(lines[i - 1]) - len(lines[i - 1].lstrip()))
            if 0 <= column <= len(text):
                near = text[column : column + 12] or "end of line"
                return f"{first} at column {column + 1} (near {near!r})"
    if ">==" in text or "=>" in text or "=<" in text:
        return f"{first}; did you mean '>=' or '<='?"
    return first


def parse_pep508(text: str, *, path: str, line: int | None) -> PackagingRequirement:
    """Parse with packaging; a failure becomes ParseError at ``path:line``."""
    try:
        req = PackagingRequirement(text)
    except InvalidRequirement as exc:
        raise ParseError(
            path,
            line,
            text,
            readable_error(exc, text),
            hint="Write it as PEP 508, e.g. 'name[extra]>=1.2; marker'.",
        ) from exc
    problem = None if req.marker is None else _evaluable(req.marker)
    if problem is not None:
        raise ParseError(path, line, text, problem, hint="Compare a marker variable with a value.")
    return req


def check_specifier(spec: str, *, path: str, line: int | None, text: str) -> str:
    """Validate a PEP 440 specifier string and return it normalised."""
    try:
        return str(SpecifierSet(spec))
    except InvalidSpecifier as exc:
        raise ParseError(path, line, text, f"invalid version constraint {spec!r}") from exc


#: markers are tried once on a sample environment, so one that parses but cannot be
#: evaluated (``"a" == "b"`` compares two literals) fails here, at its line
_SAMPLE_ENV: dict[str, str] = {**{k: str(v) for k, v in default_environment().items()}, "extra": ""}


def _evaluable(marker: Marker) -> str | None:
    """None when the marker evaluates, else why not."""
    try:
        marker.evaluate(_SAMPLE_ENV)
    except (UndefinedComparison, UndefinedEnvironmentName) as exc:
        return f"invalid marker: it cannot be evaluated (not a marker variable: {exc})"
    return None


def check_marker(marker: str, *, path: str, line: int | None, text: str) -> str:
    """Validate an environment marker and return it normalised."""
    try:
        parsed = Marker(marker)
    except InvalidMarker as exc:
        raise ParseError(
            path, line, text, f"invalid marker: {readable_error(exc, marker)}"
        ) from exc
    problem = _evaluable(parsed)
    if problem is not None:
        raise ParseError(path, line, text, problem, hint="Compare a marker variable with a value.")
    return str(parsed)


def and_markers(*markers: str | None) -> str | None:
    """Join markers with ``and``, parenthesised so ``or`` chains keep their meaning."""
    present = [m for m in markers if m]
    if not present:
        return None
    if len(present) == 1:
        return present[0]
    return " and ".join(f"({m})" if " or " in m else m for m in present)


def to_requirement(
    req: PackagingRequirement,
    *,
    origin: Origin,
    text: str,
    constraint: bool = False,
    hashes: tuple[str, ...] = (),
    group: str | None = None,
    editable: bool = False,
    url: str | None = None,
    marker: str | None = None,
) -> Requirement:
    """The model requirement for a parsed PEP 508 requirement."""
    return Requirement(
        name=canonicalize_name(req.name),
        display_name=req.name,
        origin=origin,
        text=text,
        specifier=str(req.specifier),
        extras=tuple(sorted(req.extras)),
        marker=marker if marker is not None else (str(req.marker) if req.marker else None),
        url=url if url is not None else req.url,
        editable=editable,
        constraint=constraint,
        hashes=hashes,
        group=group,
    )


def requirement_from_string(
    text: str,
    *,
    path: str,
    line: int | None,
    group: str | None = None,
    constraint: bool = False,
) -> Requirement:
    """Parse one PEP 508 string written at ``path:line``."""
    req = parse_pep508(text, path=path, line=line)
    return to_requirement(
        req, origin=Origin(path=path, line=line), text=text, group=group, constraint=constraint
    )


def normalise_marker(marker: object) -> str | None:
    """Lock files write markers in their own quoting; compare them in packaging's form."""
    if not isinstance(marker, str) or not marker.strip():
        return None
    try:
        return str(Marker(marker))
    except InvalidMarker:
        return marker
