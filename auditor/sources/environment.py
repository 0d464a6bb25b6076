"""An installed Python environment as a lock: what is installed is what runs.

``--env`` reads the running interpreter through importlib.metadata; ``--python PATH``
runs that interpreter (argument list, no shell) with a small script that prints the
same data as JSON, so the target needs nothing installed but Python itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata
from typing import Any

from packaging.markers import InvalidMarker, Marker, default_environment
from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as PackagingRequirement
from packaging.utils import canonicalize_name

from auditor.errors import InputError
from auditor.model import DependencyInput, LockedDependency, LockedPackage, Origin
from auditor.sources._lockutil import pinned_root

KIND = "environment"
_NOT_ROOTS = frozenset({"pip", "setuptools", "wheel"})
_TIMEOUT = 120

# Runs on the target interpreter (any Python 3.8+): standard library only.
SCRIPT = r"""
import json, os, platform, sys
from importlib import metadata
seen = set()
dists = []
for dist in metadata.distributions():
    name = dist.metadata["Name"]
    if not name or name.lower() in seen:
        continue
    seen.add(name.lower())
    dists.append({"name": name, "version": dist.version,
                  "requires": list(dist.requires or [])})
env = {
    "implementation_name": sys.implementation.name,
    "os_name": os.name,
    "platform_machine": platform.machine(),
    "platform_python_implementation": platform.python_implementation(),
    "platform_release": platform.release(),
    "platform_system": platform.system(),
    "platform_version": platform.version(),
    "python_full_version": platform.python_version(),
    "python_version": ".".join(platform.python_version_tuple()[:2]),
    "sys_platform": sys.platform,
}
print(json.dumps({"executable": sys.executable, "environment": env, "dists": dists}))
"""


def _run(python: str) -> dict[str, Any]:
    hint = (
        "Pass the path of a Python interpreter (for a virtualenv, .venv/bin/python or "
        ".venv\\Scripts\\python.exe), or use --env for the interpreter running auditor."
    )
    try:
        done = subprocess.run(  # noqa: S603 - fixed argument list, no shell
            [python, "-c", SCRIPT],
            capture_output=True,
            text=True,
            timeout=_TIMEOUT,
            check=False,
        )
    except FileNotFoundError as exc:
        raise InputError(f"--python {python}: no such interpreter", hint=hint) from exc
    except PermissionError as exc:
        raise InputError(f"--python {python}: not executable", hint=hint) from exc
    except OSError as exc:
        raise InputError(f"--python {python}: cannot run it ({exc.strerror})", hint=hint) from exc
    except subprocess.TimeoutExpired as exc:
        raise InputError(f"--python {python}: gave no answer in {_TIMEOUT}s", hint=hint) from exc
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no error output"])[-1]
        raise InputError(
            f"--python {python}: exited with status {done.returncode} ({last})", hint=hint
        )
    try:
        data = json.loads(done.stdout.strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError) as exc:
        raise InputError(
            f"--python {python}: did not print the package list (is it Python 3.8+?)", hint=hint
        ) from exc
    if not isinstance(data, dict):
        raise InputError(f"--python {python}: unexpected output", hint=hint)
    return data


def _in_process() -> dict[str, Any]:
    """The same data SCRIPT prints, read from this interpreter without a subprocess."""
    seen: set[str] = set()
    dists: list[dict[str, Any]] = []
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if not name or name.lower() in seen:
            continue  # earlier sys.path entries shadow later ones, as at import time
        seen.add(name.lower())
        dists.append({"name": name, "version": dist.version, "requires": dist.requires or []})
    return {"executable": sys.executable, "environment": default_environment(), "dists": dists}


def _edges(requires: list[str]) -> list[LockedDependency]:
    deps: list[LockedDependency] = []
    for text in requires:
        try:
            req = PackagingRequirement(text)
        except InvalidRequirement:
            continue  # broken metadata of one dist must not hide the rest
        deps.append(
            LockedDependency(
                name=canonicalize_name(req.name),
                extras=tuple(sorted(req.extras)),
                marker=str(req.marker) if req.marker else None,
                specifier=str(req.specifier),
            )
        )
    return deps


def _required(dep: LockedDependency, env: dict[str, str]) -> bool:
    """Would installing the dependent have pulled this in (no extras asked)?"""
    if dep.marker is None:
        return True
    try:
        return Marker(dep.marker).evaluate({**env, "extra": ""})
    except (InvalidMarker, ValueError, KeyError):
        return True


def environment_input(data: dict[str, Any], display: str) -> DependencyInput:
    """Build the input from the script's JSON (split out so tests can hand in data)."""
    env = {str(k): str(v) for k, v in (data.get("environment") or {}).items()}
    locked: list[LockedPackage] = []
    for dist in data.get("dists", []):
        locked.append(
            LockedPackage(
                name=canonicalize_name(str(dist["name"])),
                version=str(dist.get("version")) if dist.get("version") else None,
                origin=Origin(path=display),
                dependencies=tuple(_edges([str(r) for r in dist.get("requires", [])])),
                source="installed",
            )
        )
    wanted = {
        dep.name
        for pkg in locked
        for dep in pkg.dependencies or ()
        if dep.name != pkg.name and _required(dep, env)
    }
    roots = [p for p in locked if p.name not in wanted and p.name not in _NOT_ROOTS]
    return DependencyInput(
        path=display,
        kind=KIND,
        requirements=tuple(pinned_root(p) for p in roots),
        locked=tuple(sorted(locked, key=lambda p: p.name)),
    )


def read_environment(python: str | None) -> DependencyInput:
    """The packages installed for ``python`` (None: the interpreter running auditor)."""
    if python is None:
        return environment_input(_in_process(), f"<environment {sys.executable}>")
    data = _run(python)
    return environment_input(data, f"<environment {data.get('executable') or python}>")
