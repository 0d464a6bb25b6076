"""Startup stays light: ``auditor --version`` and ``audit --help`` load no networking,
graph or GitHub library (benchmarks/bench_startup.py measures the time; no test asserts
one). Constants repeated for that reason are held equal to their sources here."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("networkx", "github", "requests", "urllib3", "rich", "resolvelib", "sqlite_utils")

PROBE = f"""
import contextlib, io, json, sys
from auditor.cli import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    code = main(sys.argv[1:])
print(json.dumps({{"code": code, "out": out.getvalue(),
                  "loaded": sorted(m for m in {HEAVY!r} if m in sys.modules)}}))
"""


@pytest.mark.parametrize(
    "argv",
    [
        ["--version"],
        ["-V"],
        ["--help"],
        ["audit", "--help"],
        ["audit", "-V"],
        ["audit", "--version"],
        ["graph", "--help"],
        ["explain", "--help"],
        ["bus-factor", "--help"],
        ["sponsor", "--help"],
    ],
)
def test_version_and_help_load_nothing_heavy(argv: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, check=True
    )
    result = json.loads(done.stdout)
    assert result["code"] == 0
    assert result["loaded"] == []
    if argv == ["audit", "--help"]:
        assert "-r FILE, --requirement FILE" in result["out"]
    elif "--help" in argv:
        assert result["out"].startswith("usage: auditor ")
    else:
        assert result["out"].startswith("auditor ")


def test_repeated_constants_match_their_sources() -> None:
    from auditor import api, summaries
    from auditor.cli import audit_cmd, common, llm_options, sponsor_cmd
    from auditor.judge import policy
    from auditor.reporters import sponsor

    assert audit_cmd.FAIL_ON_CHOICES == policy.FAIL_ON_CHOICES
    assert common.DEFAULT_GITHUB_API == api.DEFAULT_GITHUB_API
    assert llm_options.API_CHOICES == summaries.API_CHOICES
    assert llm_options.DEFAULT_URL == summaries.DEFAULT_URL
    assert llm_options.DEFAULT_MODEL == summaries.DEFAULT_MODEL
    assert sponsor_cmd.FORMATS == sponsor.FORMATS
