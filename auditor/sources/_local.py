"""Names for local projects (``-e .``, Poetry ``path =``), which carry no name themselves."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.utils import canonicalize_name

from auditor.errors import InputError
from auditor.sources._files import read_text_file

#: a project's pyproject.toml is small; a larger one is not read for a name
_MAX_PYPROJECT_BYTES = 1024 * 1024


def local_project_name(folder: Path) -> str:
    """The project's declared name when its pyproject.toml says it, else the folder name.

    A wrong guess only costs an unresolved node, so unreadable files fall back quietly.
    """
    path = folder / "pyproject.toml"
    try:
        data = tomllib.loads(read_text_file(path, str(path), limit=_MAX_PYPROJECT_BYTES))
    except (InputError, ValueError, RecursionError):
        data = {}
    project = data.get("project")
    if isinstance(project, dict) and isinstance(project.get("name"), str):
        return str(project["name"])
    poetry = data.get("tool", {}).get("poetry", {}) if isinstance(data.get("tool"), dict) else {}
    if isinstance(poetry, dict) and isinstance(poetry.get("name"), str):
        return str(poetry["name"])
    return folder.resolve().name


def same_name(a: str, b: str) -> bool:
    """PEP 503 equality, the comparison every format needs for self-references."""
    return canonicalize_name(a) == canonicalize_name(b)
