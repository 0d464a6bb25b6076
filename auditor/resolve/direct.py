"""Direct references (``name @ url``, ``-e .``, ``git+https://…``): what can be known.

The index cannot describe these, so we read what is cheap and safe: a local project's
static ``[project]`` table, a wheel's filename and METADATA. Anything that would need a
build (a git checkout, an sdist URL, dynamic metadata) is kept in the graph as
unresolvable with the reason, rather than guessed.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from auditor.errors import InputError
from auditor.index.client import MAX_WHEEL_BYTES, CoreMetadata, metadata_from_wheel
from auditor.index.failures import network_errors
from auditor.index.http_defaults import DEFAULT_TIMEOUT
from auditor.resolve.provider import DirectInfo
from auditor.sources._files import read_text_file

#: a local project's pyproject.toml is small; a bigger one is not read
_MAX_PYPROJECT = 1024 * 1024

if TYPE_CHECKING:
    import requests


def describe_direct(
    name: str, url: str, session: requests.Session | None, *, offline: bool
) -> DirectInfo:
    """Version and metadata for a direct reference, or the reason they are unknown."""
    parts = urlsplit(url)
    if parts.scheme == "file" or (not parts.scheme and url.startswith((".", "/"))):
        return _local(name, Path(unquote(parts.path if parts.scheme else url)))
    if "+" in parts.scheme:
        return DirectInfo(
            version=None,
            metadata=None,
            reason=f"{parts.scheme.split('+')[0]} reference {url}: reading its metadata "
            "would need a checkout and a build, so its dependencies are not resolved",
        )
    filename = unquote(parts.path.rsplit("/", 1)[-1])
    if filename.endswith(".whl"):
        try:
            _, version, _, _ = parse_wheel_filename(filename)
        except InvalidWheelFilename:
            return DirectInfo(version=None, metadata=None, reason=f"{filename} is not a wheel name")
        meta = (
            None
            if offline or session is None
            else _wheel_metadata(name, url, str(version), session)
        )
        return DirectInfo(
            version=version,
            metadata=meta,
            reason=None if meta else "the wheel could not be read, so its dependencies are unknown",
        )
    return DirectInfo(
        version=None,
        metadata=None,
        reason=f"direct URL {url} is not a wheel; its metadata would need a build",
    )


def _local(name: str, path: Path) -> DirectInfo:
    pyproject = path / "pyproject.toml"
    try:
        data = tomllib.loads(read_text_file(pyproject, str(pyproject), limit=_MAX_PYPROJECT))
    except (InputError, ValueError, RecursionError) as exc:
        why = exc.message if isinstance(exc, InputError) else exc.__class__.__name__
        return DirectInfo(
            version=None,
            metadata=None,
            reason=f"local project {path} has no readable pyproject.toml ({why})",
        )
    project = data.get("project")
    project = project if isinstance(project, dict) else {}
    dynamic = project.get("dynamic")
    deps = project.get("dependencies", [])
    if (
        (isinstance(dynamic, list) and "dependencies" in dynamic)
        or not isinstance(deps, list)
        or not all(isinstance(d, str) for d in deps)
    ):
        return DirectInfo(
            version=None,
            metadata=None,
            reason=f"local project {path} declares its dependencies as dynamic "
            "(or not as a list of strings)",
        )
    version: Version | None = None
    try:
        version = Version(str(project["version"])) if "version" in project else None
    except InvalidVersion:
        version = None
    meta = CoreMetadata(
        name=name,
        version=str(version) if version else "local",
        requires_dist=tuple(deps),
        requires_python=(
            project["requires-python"] if isinstance(project.get("requires-python"), str) else None
        ),
        source=f"{pyproject} [project]",
    )
    return DirectInfo(version=version, metadata=meta, reason=None)


def _wheel_metadata(
    name: str, url: str, version: str, session: requests.Session
) -> CoreMetadata | None:
    try:
        head = session.head(url, timeout=DEFAULT_TIMEOUT, allow_redirects=True)
        size = int(head.headers.get("Content-Length") or 0)
        if size > MAX_WHEEL_BYTES:
            return None
        resp = session.get(url, timeout=DEFAULT_TIMEOUT)
        if resp.status_code != 200:
            return None
        return metadata_from_wheel(name, version, resp.content, f"wheel {url}")
    except network_errors(ValueError):
        return None
