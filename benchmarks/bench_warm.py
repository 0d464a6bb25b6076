"""Warm audits (everything in the cache) of two source trees, interleaved, and their answers.

Issue 18's goal: a warm ``audit benchmarks/ai-stack.txt --no-github`` in 0.3 s. For each
case (text and JSON with ``--no-github``, and the default run, which asks GitHub without a
token), both trees run ``--runs`` times, alternating, each run a fresh process of this
interpreter with ``PYTHONPATH`` set to the tree. Printed and saved: the median and range
of wall time and of CPU time (user + sys of the child: steadier than wall on a shared
machine) and the 1-minute load average around the runs. Every report of a case must be
the same for both trees, timestamps (``fetched_at``) masked; a difference is printed.

    git worktree add /tmp/before <commit>
    python benchmarks/bench_warm.py --before /tmp/before --after . --runs 7

One cold audit from ``--after`` fills a fresh cache first (``--cache-dir`` to reuse one).
Both trees are byte-compiled first: a source tree without ``.pyc`` files (an editable
install with PYTHONDONTWRITEBYTECODE set) compiles every module on every run, which a
wheel install never does; ``--no-compile`` measures that case. pip's configuration file is
hidden from the children, as in bench_compare.py.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
CASES = {
    "text --no-github": ["--no-github"],
    "json --no-github": ["--no-github", "--format", "json"],
    "text, GitHub without a token": [],
}
STAMP = re.compile(rb'"(fetched_at|generated_at)": "[^"]*"')


def run(tree: Path, argv: list[str], cache: Path) -> tuple[dict[str, float], bytes]:
    """Wall, CPU (user + sys), load and the report of one child auditing from ``tree``."""
    env = {
        **os.environ,
        "PYTHONPATH": str(tree),
        "PIP_CONFIG_FILE": os.devnull,
        "AUDITOR_CACHE_DIR": str(cache),
    }
    env.pop("GITHUB_TOKEN", None)
    env.pop("GH_TOKEN", None)
    load = os.getloadavg()[0]
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "auditor", "audit", *argv],
        cwd=tree,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert child.stdout is not None
    out = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.stdout.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):  # 1: the audit's gate failed, which is a result, not an error
        raise SystemExit(f"auditor audit {' '.join(argv)} from {tree} exited {code}")
    figures = {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "load": load}
    return figures, STAMP.sub(rb'"\1": "T"', out)


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} s ({min(values):.3f}-{max(values):.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--after", type=Path, default=ROOT)
    parser.add_argument("--input", default="benchmarks/ai-stack.txt")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--no-compile", action="store_true")
    args = parser.parse_args()
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    if not args.no_compile:
        for tree in trees.values():
            compileall.compile_dir(tree / "auditor", quiet=1)
    cache = args.cache_dir or Path(tempfile.mkdtemp(prefix="auditor-bench-warm-"))
    base = [args.input, "--python-version", "3.11", "--platform", "linux"]
    run(trees["after"], [*base, "--no-github"], cache)  # fills the cache (or checks it)

    results: dict[str, dict[str, dict[str, list[float]]]] = {}
    same: dict[str, bool] = {}
    for case, flags in CASES.items():
        argv = [*base, *flags]
        reports: dict[str, set[bytes]] = {"before": set(), "after": set()}
        for tree in trees.values():
            run(tree, argv, cache)  # warm-up: the OS file cache, first-run cache rows
        figures: dict[str, dict[str, list[float]]] = {
            n: {"wall": [], "cpu": [], "load": []} for n in trees
        }
        for _ in range(args.runs):
            for name, tree in trees.items():
                got, report = run(tree, argv, cache)
                reports[name].add(report)
                for key, value in got.items():
                    figures[name][key].append(value)
        results[case] = figures
        same[case] = reports["before"] == reports["after"] and len(reports["after"]) == 1
        print(f"{case} (median of {args.runs}, range):")
        for name in trees:
            f = figures[name]
            loads = f"{min(f['load']):.1f}-{max(f['load']):.1f}"
            print(f"  {name:6s} wall {summary(f['wall'])}  cpu {summary(f['cpu'])}  load {loads}")
        print(f"  same report: {'yes' if same[case] else 'NO'}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"warm-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "when": stamp,
                "trees": {k: str(v) for k, v in trees.items()},
                "runs": args.runs,
                "compiled": not args.no_compile,
                "results": results,
                "same_report": same,
            },
            indent=2,
        )
    )
    print(f"saved {out}")
    if not all(same.values()):
        raise SystemExit("the reports differ between the trees")


if __name__ == "__main__":
    main()
