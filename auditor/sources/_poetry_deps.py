"""One Poetry dependency entry (string, table or list of tables) as requirements.

Shared by pyproject.toml's ``[tool.poetry.*dependencies]`` and poetry.lock's
``[package.dependencies]``, which use the same shapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

import auditor.sources._shape as shape
from auditor.errors import ParseError
from auditor.model import Origin, Requirement
from auditor.sources._pep508 import and_markers, check_marker
from auditor.sources.poetry_constraint import ConstraintError, python_marker, translate


@dataclass(frozen=True, kw_only=True)
class PoetryEntry:
    """A translated entry: the requirement, whether it is optional, and any caveat."""

    requirement: Requirement
    optional: bool
    warning: str | None = None


def _specifier(
    constraint: str, *, path: str, line: int | None, text: str
) -> tuple[str, str | None]:
    try:
        result = translate(constraint)
    except ConstraintError as exc:
        raise ParseError(path, line, text, str(exc)) from exc
    return result.specifier, result.approximation


def _vcs_url(table: dict[str, Any], where: tuple[str, int | None, str]) -> str:
    url = shape.text(table["git"], *where)
    url = url if url.startswith("git+") else f"git+{url}"
    ref = next((table[k] for k in ("rev", "tag", "branch") if table.get(k)), None)
    if ref:
        url = f"{url}@{shape.text(ref, *where)}"
    if table.get("subdirectory"):
        url = f"{url}#subdirectory={shape.text(table['subdirectory'], *where)}"
    return url


def poetry_entries(
    name: str,
    value: object,
    *,
    path: str,
    line: int | None,
    text: str,
    base_dir: Path | None,
    group: str | None = None,
) -> list[PoetryEntry]:
    """Translate ``name = value`` as Poetry reads it."""
    if isinstance(value, list):
        tables = value
    elif isinstance(value, (str, dict)):
        tables = [value]
    else:
        raise ParseError(path, line, text, "expected a version string or a table")
    entries: list[PoetryEntry] = []
    for item in tables:
        table: dict[str, Any] = {"version": item} if isinstance(item, str) else item
        if not isinstance(table, dict):
            raise ParseError(path, line, text, "expected a version string or a table")
        entries.append(
            _entry(name, table, path=path, line=line, text=text, base_dir=base_dir, group=group)
        )
    return entries


def _entry(
    name: str,
    table: dict[str, Any],
    *,
    path: str,
    line: int | None,
    text: str,
    base_dir: Path | None,
    group: str | None,
) -> PoetryEntry:
    where = (path, line, text)
    version = table.get("version", "*")
    if isinstance(version, bool) or not isinstance(version, (str, int, float)):
        raise shape.wrong_type(path, line, text, "a version constraint string", version)
    specifier, warning = _specifier(str(version), path=path, line=line, text=text)
    markers: list[str | None] = []
    if isinstance(table.get("markers"), str):
        markers.append(check_marker(table["markers"], path=path, line=line, text=text))
    if isinstance(table.get("python"), str):
        try:
            py = python_marker(table["python"])
        except ConstraintError as exc:
            raise ParseError(path, line, text, f"python = {table['python']!r}: {exc}") from exc
        markers.append(py)
    if isinstance(table.get("platform"), str):
        markers.append(f'sys_platform == "{table["platform"]}"')
    url: str | None = None
    editable = False
    if "git" in table:
        url = _vcs_url(table, where)
    elif "path" in table:
        folder = Path(shape.text(table["path"], *where))
        if base_dir is not None and not folder.is_absolute():
            folder = base_dir / folder
        url = folder.resolve().as_uri()
        editable = table.get("develop") is True
    elif "url" in table:
        url = shape.text(table["url"], *where)
    extras = shape.strings(table.get("extras"), *where)
    requirement = Requirement(
        name=canonicalize_name(name),
        display_name=name,
        origin=Origin(path=path, line=line),
        text=text,
        specifier="" if url else specifier,
        extras=tuple(sorted(extras)),
        marker=and_markers(*markers),
        url=url,
        editable=editable,
        group=group,
    )
    return PoetryEntry(
        requirement=requirement,
        optional=table.get("optional") is True,
        warning=f"{path}:{line}: {name} {warning}" if warning else None,
    )
