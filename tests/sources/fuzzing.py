"""Tools for the fuzz tests: a work counter, hostile values and seed documents.

Work is counted, not timed: ``count_work`` counts every Python and C function call made
while a reader runs (``sys.setprofile`` events). The count is the same on a fast laptop
and a loaded CI runner, so a bound on it is a test of the algorithm, not of the machine.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

from hypothesis import strategies as st

from auditor.sources._base import BaseSource
from auditor.sources.cyclonedx import CycloneDxSource
from auditor.sources.pdm_lock import PdmLockSource
from auditor.sources.pipfile_lock import PipfileLockSource
from auditor.sources.poetry_lock import PoetryLockSource
from auditor.sources.pylock import PylockSource
from auditor.sources.pyproject import PyprojectSource
from auditor.sources.requirements import RequirementsSource
from auditor.sources.uv_lock import UvLockSource
from tests.sources.helpers import DATA

T = TypeVar("T")

#: CI runs this many examples per format; set AUDITOR_FUZZ_EXAMPLES for a longer hunt
EXAMPLES = int(os.environ.get("AUDITOR_FUZZ_EXAMPLES", "40"))
#: the longer hunt is random; CI's run is the same every time
DERANDOMIZE = "AUDITOR_FUZZ_EXAMPLES" not in os.environ


@dataclass(frozen=True)
class Format:
    """One input format: its file name, reader, encoding and the seeds mutated."""

    name: str
    reader: type[BaseSource]
    encoding: str  # "text", "toml" or "json"
    seeds: tuple[Path, ...]


FORMATS = (
    Format(
        "requirements.txt",
        RequirementsSource,
        "text",
        (DATA / "reqs/requirements.txt", DATA / "reqs/requirements-lock.txt"),
    ),
    Format(
        "pyproject.toml",
        PyprojectSource,
        "toml",
        (DATA / "pep621/pyproject.toml", DATA / "poetry/pyproject.toml"),
    ),
    Format("uv.lock", UvLockSource, "toml", (DATA / "uv/uv.lock",)),
    Format("poetry.lock", PoetryLockSource, "toml", (DATA / "poetry/poetry.lock",)),
    Format("pdm.lock", PdmLockSource, "toml", (DATA / "pdm/pdm.lock",)),
    Format("pylock.toml", PylockSource, "toml", (DATA / "pylock/pylock.toml",)),
    Format("Pipfile.lock", PipfileLockSource, "json", (DATA / "pipenv/Pipfile.lock",)),
    Format("app.cdx.json", CycloneDxSource, "json", (DATA / "sbom/app.cdx.json",)),
)


class WorkBudgetExceeded(Exception):
    """Raised inside the code under test once it made more calls than its budget."""


def count_work(
    fn: Callable[[], T], budget: int | None = None
) -> tuple[T | None, BaseException | None, int]:
    """Run ``fn``; return its result or exception and the number of calls it made.

    With ``budget``, the run is stopped (WorkBudgetExceeded) as soon as it makes more
    calls than that, so an exponential or quadratic regression fails at once, not after
    minutes.
    """
    calls = 0

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1
            if budget is not None and calls > budget:
                sys.setprofile(None)
                raise WorkBudgetExceeded(f"more than {budget} calls")

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        result = fn()
    except BaseException as exc:  # the caller decides which ones are allowed
        sys.setprofile(previous)
        return None, exc, calls
    sys.setprofile(previous)
    return result, None, calls


# -- hostile values ------------------------------------------------------------------------

#: strings a reader meets in real and in hostile files
TRICKY_STRINGS = (
    "",
    " ",
    "*",
    "==1.0",
    ">=",
    "^1.2",
    "~1.2",
    ">=1,<2 || ^3",
    "1.0",
    "not a version",
    'pkg ; "a" == "b"',
    'pkg; python_version == "3.12"',
    "pkg[extra]>=1; extra == 'gpu'",
    "pkg[",
    "pkg @ ",
    "pkg @ https://files.example/pkg-1.0-py3-none-any.whl",
    "git+https://git.example/org/repo.git@v1",
    "https://files.example/simple",
    "pkg:pypi/requests@2.0",
    "pkg:npm/left-pad@1.0",
    "pkg:pypi/",
    "../../outside",
    "/proc/self/environ",
    ".",
    "\x1b[31mred\x1b[0m",
    "a\x00b",
    "main",
    "dev",
    "extra == 'x'",
    '"dev" in dependency_groups',
    "sys_platform",
    " " * 300,
)

#: keys the readers look up, so mutations land where the code reads
KNOWN_KEYS = (
    "name",
    "version",
    "dependencies",
    "optional-dependencies",
    "dev-dependencies",
    "dependency-groups",
    "include-group",
    "source",
    "marker",
    "markers",
    "extra",
    "extras",
    "groups",
    "category",
    "git",
    "path",
    "url",
    "index",
    "registry",
    "editable",
    "virtual",
    "develop",
    "optional",
    "python",
    "platform",
    "requires-dist",
    "requires-python",
    "specifier",
    "metadata",
    "dynamic",
    "purl",
    "bom-ref",
    "bomFormat",
    "components",
    "component",
    "ref",
    "dependsOn",
    "default",
    "develop",
    "_meta",
    "sources",
    "verify_ssl",
    "package",
    "packages",
    "project",
    "tool",
    "poetry",
    "uv",
    "pdm",
    "group",
    "vcs",
    "directory",
    "archive",
    "ref",
    "rev",
    "tag",
    "branch",
    "subdirectory",
    "type",
    "reference",
    "resolved_reference",
)


def hostile_values(*, allow_none: bool, allow_dates: bool) -> st.SearchStrategy[Any]:
    """Values of every JSON/TOML type, weighted towards what readers trip on."""
    scalars: list[st.SearchStrategy[Any]] = [
        st.sampled_from(TRICKY_STRINGS),
        st.text(max_size=20),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        st.booleans(),
    ]
    if allow_none:
        scalars.append(st.none())
    if allow_dates:
        scalars.append(st.dates())
    keys = st.one_of(st.sampled_from(KNOWN_KEYS), st.sampled_from(TRICKY_STRINGS), st.text())
    return st.recursive(
        st.one_of(scalars),
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=3)
        ),
        max_leaves=6,
    )


def paths(doc: Any) -> list[tuple[Any, ...]]:
    """Every path into a parsed document (keys and indexes), the root excluded."""
    found: list[tuple[Any, ...]] = []
    stack: list[tuple[tuple[Any, ...], Any]] = [((), doc)]
    while stack:
        prefix, value = stack.pop()
        items: list[tuple[Any, Any]] = []
        if isinstance(value, dict):
            items = list(value.items())
        elif isinstance(value, list):
            items = list(enumerate(value))
        for key, child in items:
            found.append((*prefix, key))
            stack.append(((*prefix, key), child))
    return sorted(found, key=repr)


def get(doc: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


#: the lines hostile requirements files are made of
TRICKY_LINES = (
    "-r other.txt",
    "-r other.txt",
    "-c other.txt",
    "-r ../outside.txt",
    "-r /proc/self/environ",
    "-c /etc/hostname",
    "-r missing.txt",
    "-r",
    "-rother.txt",
    "-r https://files.example/reqs.txt",
    "-e .",
    "-e file:.",
    "-e git+https://git.example/org/repo.git#egg=repo",
    "-e",
    "--hash=sha256:abcd",
    "pkg==1.0 --hash=sha256:abcd \\",
    "    --hash=sha256:ef01",
    'pkg ; "a" == "b"',
    "pkg >== 2",
    "pkg[extra,other]>=1,<2; python_version < '3.12' or sys_platform == 'win32'",
    "pkg @ https://files.example/pkg-1.0-py3-none-any.whl#sha256=00",
    "https://files.example/pkg-1.0-py3-none-any.whl",
    "https://files.example/archive.zip",
    "git+https://git.example/org/repo.git@v1#egg=repo",
    "./local/folder",
    "pkg-1.0.tar.gz",
    "\\",
    "${HOME}/x",
    "pkg==${VERSION}",
    "--index-url https://index.example/simple",
    "--extra-index-url https://extra.example/simple --trusted-host extra.example",
    "--no-index",
    "--unknown-option value",
    "'unbalanced quote",
    "pkg # comment",
    "# comment",
    "pkg" + " " * 500 + "#",
    "torch==2.3.0+cu124; sys_platform == 'linux'",
    "numpy==1.26.*",
    "\x1b]0;title\x07pkg",
)


def tricky_lines() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(TRICKY_LINES),
        st.text(alphabet=st.sampled_from(list("abc-_.=<>~!;@[], '\"#\\$/{}*^|\t")), max_size=40),
        st.text(max_size=30),
    )
