"""The signal stage of a real audit, cold, against the fake GitHub at a real round trip.

Usage::

    python benchmarks/bench_signals.py [--input benchmarks/ai-stack.txt] [--delay 0.1]
                                       [--runs 3]

What it measures (issue 18): the time ``audit`` spends collecting signals for a real
graph when GitHub's answers are not cached, and how many requests it sends per
repository with a token (the goal is at most 0.1).

1. The graph and the package index's documents come from the live index (the index
   location is read from the usual configuration, never written here) into a temporary
   cache, once: that part is the resolution's benchmark (``bench_resolve.py``).
2. Every github.com repository the packages name is served by ``tests/fakes/
   github_server.py`` as a small synthetic repository under its real owner and name,
   every answer delayed ``--delay`` seconds (100 ms is a realistic round trip to the
   public API). The fake validates each GraphQL document against GitHub's schema, in a
   process of its own, so that work is not charged to the collector.
3. Each run copies the warm index cache, so GitHub's answers start uncached, and runs
   ``auditor.api.collect`` in this process with a token: the stage times come from the
   progress callback the CLI's progress bars use.

Results are printed and saved under benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor.api import Settings, collect  # noqa: E402
from tests.fakes.github_server import FakeGitHub, synthetic_repository  # noqa: E402

TOKEN = "bench-token"


def renamed(index: int, full_name: str) -> dict[str, Any]:
    """Synthetic repository ``index`` under a real ``owner/name``."""
    data = synthetic_repository(index)
    old_full = data["repo"]["full_name"]
    old_owner = old_full.split("/")[0]
    owner, name = full_name.split("/")
    text = json.dumps(data).replace(old_full, full_name).replace(f'"{old_owner}"', f'"{owner}"')
    text = text.replace(f"/{old_owner}", f"/{owner}")
    out: dict[str, Any] = json.loads(text)
    out["repo"]["name"] = name
    return out


def serve(repos: list[str], delay: float, conn: Any) -> None:
    """The fake GitHub in a process of its own: its GraphQL validation (graphql-core over
    GitHub's whole schema) must not be charged to the collector it answers."""
    fake = FakeGitHub(Path("/nonexistent"), valid_tokens={TOKEN}, delay=delay)
    for n, full in enumerate(repos):
        fake.add_repo(renamed(n, full))
    with fake:
        conn.send(fake.base_url)
        conn.recv()  # the run is over
        conn.send((len(fake.requests), fake.count("POST /graphql")))


class StageClock:
    """First and last moment each progress stage was heard."""

    def __init__(self) -> None:
        self.spans: dict[str, list[float]] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        span = self.spans.setdefault(stage, [now, now])
        span[1] = now

    def seconds(self) -> dict[str, float]:
        return {stage: round(b - a, 3) for stage, (a, b) in self.spans.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--input", type=Path, default=ROOT / "benchmarks" / "ai-stack.txt")
    parser.add_argument("--delay", type=float, default=0.1)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-signals-"))
    try:
        warm = work / "warm"
        started = time.perf_counter()
        first = collect([args.input], Settings(cache_dir=warm, github=False))
        print(f"index stage filled the cache in {time.perf_counter() - started:.1f} s")
        repos = sorted(
            {
                f"{p.repository.owner}/{p.repository.name}"
                for p in first.packages
                if p.repository is not None and p.repository.host == "github.com"
            },
            key=str.lower,
        )
        print(f"{len(first.packages)} packages, {len(repos)} GitHub repositories")
        rounds = []
        for i in range(args.runs):
            cache = work / f"run{i}"
            shutil.copytree(warm, cache)
            parent, child = multiprocessing.Pipe()
            server = multiprocessing.get_context("spawn").Process(
                target=serve, args=(repos, args.delay, child), daemon=True
            )
            server.start()
            base_url = parent.recv()
            clock = StageClock()
            settings = Settings(cache_dir=cache, github_api_url=base_url, github_token=TOKEN)
            t0 = time.perf_counter()
            result = collect([args.input], settings, progress=clock)
            wall = time.perf_counter() - t0
            parent.send("done")
            total, graphql = parent.recv()
            server.join(timeout=30)
            known = sum(
                1
                for p in result.packages
                for s in p.signals.values()
                if s.source.startswith("github") and s.known
            )
            stages = clock.seconds()
            github_stage = next((v for k, v in stages.items() if "github" in k), None)
            row = {
                "wall_seconds": round(wall, 2),
                "github_stage_seconds": github_stage,
                "stages": stages,
                "requests": total,
                "graphql_requests": graphql,
                "rest_requests": total - graphql,
                "requests_per_repo": round(total / max(len(repos), 1), 3),
                "github_signals_known": known,
                "github_signals": sum(
                    1
                    for p in result.packages
                    for s in p.signals.values()
                    if s.source.startswith("github")
                ),
                "warnings": [w for w in result.warnings if "github" in w.lower()][:5],
            }
            rounds.append(row)
            print(
                f"run {i + 1}: collect {wall:.2f} s, GitHub stage {github_stage} s, "
                f"{total} requests ({graphql} GraphQL) for {len(repos)} repositories = "
                f"{row['requests_per_repo']} per repository"
            )
        report = {
            "input": str(args.input),
            "delay": args.delay,
            "packages": len(first.packages),
            "repositories": len(repos),
            "median_github_stage_seconds": statistics.median(
                r["github_stage_seconds"] or 0.0 for r in rounds
            ),
            "median_collect_seconds": statistics.median(r["wall_seconds"] for r in rounds),
            "rounds": rounds,
        }
        out = ROOT / "benchmarks" / "results" / f"signals-{time.strftime('%Y%m%d-%H%M%S')}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2))
        print(f"results: {out}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
