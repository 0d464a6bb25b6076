"""Two source trees of auditor, same input, interleaved: CPU, wall and the answer.

Issue 18 asks that speed work changes no result. This runs, for ``--runs`` rounds and
alternating between the trees: ``auditor graph`` cold (empty cache), the same warm, then
(once per tree) a cold ``auditor audit --no-github`` to fill a cache and ``--runs`` warm
audits from it. Each run is a fresh process of this interpreter with ``PYTHONPATH`` set
to the tree, so both use the same installed packages. It prints and saves wall time, CPU
time (user + sys of the child, steadier than wall on a shared machine), peak RSS and
the 1-minute load average with each figure, and checks that both trees pinned the same
packages in every round (the full graph JSON is compared).

    git worktree add /tmp/before <commit>
    python benchmarks/bench_compare.py --before /tmp/before --after . --runs 3

The index location comes from auditor's own configuration reading (``--index-url`` to
override); pip's configuration file is hidden from the children so extra indexes
configured on the machine do not turn every run into a faulted, uncached one.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results"


def run(tree: Path, argv: list[str]) -> dict[str, float]:
    """Wall, CPU (user + sys) and peak RSS of one child running auditor from ``tree``."""
    env = {**os.environ, "PYTHONPATH": str(tree), "PIP_CONFIG_FILE": os.devnull}
    load = os.getloadavg()[0]
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "auditor", *argv],
        cwd=tree,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    assert child.stderr is not None
    err = child.stderr.read().decode(errors="replace")
    child.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):  # 1: the audit's gate failed, which is a result, not an error
        raise SystemExit(f"auditor {' '.join(argv[:2])} from {tree} exited {code}:\n{err}")
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mb": usage.ru_maxrss / 1024,
        "load": load,
    }


def pins(path: Path) -> dict[str, str]:
    return {p["name"]: p["version"] for p in json.loads(path.read_text())["packages"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--after", type=Path, default=ROOT)
    parser.add_argument("--input", type=Path, default=ROOT / "benchmarks" / "ai-stack.txt")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--python-version", default="3.11")
    parser.add_argument("--index-url", default=None)
    args = parser.parse_args()
    from auditor.config import index_location

    index = index_location(flag_index_url=args.index_url).index_url
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    work = Path(tempfile.mkdtemp(prefix="bench-compare-"))
    common = [
        str(args.input.resolve()), "--python-version", args.python_version,
        "--index-url", index, "-q", "--format", "json",
    ]  # fmt: skip
    figures: dict[str, list[dict[str, float]]] = {}
    same: list[bool] = []

    def record(label: str, tree: str, argv: list[str]) -> None:
        got = run(trees[tree], argv)
        figures.setdefault(f"{label} {tree}", []).append(got)
        print(
            f"{label:12s} {tree:6s} wall {got['wall']:6.2f} s  cpu {got['cpu']:6.2f} s  "
            f"rss {got['rss_mb']:4.0f} MB  load {got['load']:.1f}",
            flush=True,
        )

    for i in range(args.runs):
        outs = {}
        for tree in trees:
            cache, outs[tree] = work / f"g-{tree}-{i}", work / f"graph-{tree}-{i}.json"
            argv = ["graph", *common, "--cache-dir", str(cache), "-o", str(outs[tree])]
            record("graph cold", tree, argv)
        for tree in trees:
            argv = ["graph", *common, "--cache-dir", str(work / f"g-{tree}-{i}")]
            record("graph warm", tree, [*argv, "-o", str(work / "warm.json")])
        same.append(json.loads(outs["before"].read_text()) == json.loads(outs["after"].read_text()))
        print(f"round {i + 1}: same graph JSON: {same[-1]} ({len(pins(outs['after']))} packages)")
    for i in range(args.runs + 1):
        for tree in trees:
            argv = ["audit", *common, "--no-github", "--cache-dir", str(work / f"a-{tree}")]
            record("audit cold" if i == 0 else "audit warm", tree, [*argv, "-o", os.devnull])
    summary = {
        key: {
            "median_wall": statistics.median(r["wall"] for r in rows),
            "median_cpu": statistics.median(r["cpu"] for r in rows),
            "peak_rss_mb": max(r["rss_mb"] for r in rows),
            "loads": [round(r["load"], 1) for r in rows],
        }
        for key, rows in figures.items()
    }
    for key, s in summary.items():
        print(
            f"{key:20s} median wall {s['median_wall']:.2f} s, CPU {s['median_cpu']:.2f} s, "
            f"peak {s['peak_rss_mb']:.0f} MB, load {s['loads']}"
        )
    print(f"same graph JSON in every round: {all(same)}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"compare-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(
        json.dumps(
            {
                "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "cpus": os.cpu_count(),
                "trees": {k: str(v) for k, v in trees.items()},
                "runs": figures,
                "summary": summary,
                "same_graph_json": same,
            },
            indent=2,
        )
    )
    print(f"results: {out}")
    if not all(same):
        raise SystemExit("the two trees resolved differently")


if __name__ == "__main__":
    main()
