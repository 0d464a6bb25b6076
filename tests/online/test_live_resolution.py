"""Against the live package index (off by default: ``python -m pytest -m online``).

The resolved set for the benchmark stack must equal uv's for the same target, or each
difference must be another valid resolution: both answers are checked on their own
(every requirement met, every release installable, nothing extra).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.cache import Cache
from auditor.config import index_location, make_target, target_tags
from auditor.index.client import IndexClient
from auditor.index.http import make_session
from auditor.resolve.pipeline import GraphRequest, build_graph
from auditor.resolve.verify import check_resolution

pytestmark = pytest.mark.online

ROOT = Path(__file__).resolve().parents[2]
STACK = ROOT.parent / "shared" / "bench" / "ai-stack.txt"
LOCAL_STACK = ROOT / "benchmarks" / "ai-stack.txt"


def stack_file() -> Path:
    return STACK if STACK.exists() else LOCAL_STACK


def uv_pins(requirements: Path, index: str, tmp_path: Path) -> dict[str, str] | None:
    uv = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    if not Path(uv).exists():
        return None
    out = tmp_path / "uv.txt"
    subprocess.run(
        [uv, "pip", "compile", str(requirements), "--python-version", "3.11",
         "--index-url", index, "--no-header", "--quiet", "-o", str(out)],
        check=True,
        env={**os.environ, "UV_CACHE_DIR": str(tmp_path / "uv-cache")},
    )  # fmt: skip
    pins: dict[str, str] = {}
    for line in out.read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, _, version = line.partition("==")
            pins[name.strip().lower().replace("_", "-")] = version.split(";")[0].strip()
    return pins


def test_ai_stack_resolves_validly_and_matches_uv_or_both_are_valid(tmp_path: Path) -> None:
    requirements = stack_file()
    # The live test reads the machine's real pip configuration for the index location.
    index = index_location(environ={k: v for k, v in os.environ.items() if k != "PIP_CONFIG_FILE"})
    graph, _ = build_graph(
        GraphRequest(
            files=(str(requirements),),
            python_version="3.11",
            index_url=index.index_url,
            cache_dir=tmp_path / "cache",
        )
    )
    ours = {p.name: p.version or "" for p in graph.packages()}
    assert len(ours) > 100
    target = make_target("3.11")
    client = IndexClient(
        [index.index_url], session=make_session(), cache=Cache(tmp_path / "cache" / "v.sqlite3")
    )
    roots = [line.strip() for line in requirements.read_text().splitlines() if line.strip()]
    verdict = check_resolution(roots, ours, index=client, target=target, tags=target_tags(target))
    assert verdict.valid, verdict.problems
    theirs = uv_pins(requirements, index.index_url, tmp_path)
    if theirs is None:
        pytest.skip("uv is not installed; our resolution was checked valid on its own")
    if theirs != ours:
        other = check_resolution(
            roots, theirs, index=client, target=target, tags=target_tags(target)
        )
        assert other.valid, f"uv's differing resolution is not valid: {other.problems}"
