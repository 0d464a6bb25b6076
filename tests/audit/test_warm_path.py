"""A warm audit (everything in the cache) loads neither the resolver nor networkx, the
HTTP stack, PyGithub, the git analysis or rich, and says exactly what the cold run said.

benchmarks/bench_warm.py measures the time; no test asserts one. Each run is a fresh
process so that what it imported can be read from ``sys.modules``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.audit.conftest import TARGET
from tests.fakes import FakeIndex
from tests.fakes.github_server import FakeGitHub

APP = "tensorkit\nml-core\ngitlabby\nrequests>=2.30\n"
HEAVY = (
    "networkx",
    "resolvelib",
    "auditor.resolve.resolver",
    "auditor.resolve.provider",
    "requests",
    "urllib3",
    "github",
    "auditor.collectors.backends.git.api",
    "auditor.collectors.github",  # a collector that does not run is declared by its specs
    "auditor.collectors.backends.github.graphql",
    "auditor.collectors.git_history",
    "auditor.collectors.backends.git.facts",
    # the standard library's readers for sdists, wheels, HTML pages and typo hints
    "tarfile",
    "zipfile",
    "html.parser",
    "difflib",
    "auditor.collectors.backends.git.analysis",
    "enry",
    "importlib.metadata",
    "rich",  # a report without colour (text through a pipe, JSON) prints without it
)

PROBE = f"""
import contextlib, io, json, sys
from auditor.cli import main
out, err = io.StringIO(), io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
    code = main(sys.argv[1:])
print(json.dumps({{"code": code, "out": out.getvalue(), "err": err.getvalue(),
                  "loaded": sorted(m for m in {HEAVY!r} if m in sys.modules)}}))
"""


def _audit(app: Path, cache_dir: Path, *flags: str) -> dict[str, Any]:
    argv = ["audit", str(app), *TARGET, "--cache-dir", str(cache_dir), *flags]
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, check=True
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _untimed(text: str) -> str:
    """The report without the moments it was made at."""
    return re.sub(r'"(fetched_at|generated_at)": "[^"]*"', r'"\1": "T"', text)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_warm_audit_loads_nothing_heavy_and_gives_the_same_report(
    index: FakeIndex, github: FakeGitHub, cache_dir: Path, tmp_path: Path, fmt: str
) -> None:
    app = tmp_path / "requirements.txt"
    app.write_text(APP)
    flags = ("--no-github", "--format", fmt)
    cold = _audit(app, cache_dir, *flags)
    # The probe sees heavy modules when they load: the cold run resolves and fetches,
    # and builds its graph without networkx (its import was 0.1-0.2 s on the resolver's
    # thread before the first request).
    assert {"resolvelib", "requests"} <= set(cold["loaded"])
    assert "networkx" not in cold["loaded"]
    requests_before = len(index.requests)

    warm = _audit(app, cache_dir, *flags)
    assert warm["loaded"] == []
    assert len(index.requests) == requests_before  # all from the cache
    assert warm["code"] == cold["code"]
    assert _untimed(warm["out"]) == _untimed(cold["out"])
    assert warm["err"] == cold["err"]
    if fmt == "json":
        assert json.loads(warm["out"])["packages"]


def test_a_warm_audit_that_asks_github_still_answers_the_rest_from_the_cache(
    index: FakeIndex, github: FakeGitHub, cache_dir: Path, tmp_path: Path
) -> None:
    app = tmp_path / "requirements.txt"
    app.write_text(APP)
    flags = ("--github-api-url", github.base_url, "--max-wait", "1", "--format", "json")
    cold = _audit(app, cache_dir, *flags)
    warm = _audit(app, cache_dir, *flags)
    # GitHub is asked (no token: the REST client), the graph still comes from the cache.
    assert "networkx" not in warm["loaded"] and "resolvelib" not in warm["loaded"]
    assert _untimed(warm["out"]) == _untimed(cold["out"])
