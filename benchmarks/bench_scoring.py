"""How long scoring a warm audit takes, in process: ``score_audit`` alone, N times.

Issue 18 wants a warm ``audit benchmarks/ai-stack.txt --no-github`` in 0.3 s; scoring
(rules x packages, the state, acceptances, the gate) is one phase of it. A process per
run measures imports and collection too and wobbles on a shared machine, so this script
collects once, from the cache (run one audit first to fill it), and then times only
``score_audit`` on that one result, ``--runs`` times, printing the median and the range
and, split out, the per-package ``evaluate`` share. No network is used when the cache is
warm: pass the cache with ``AUDITOR_CACHE_DIR``. The cycle collector is tuned as the
CLI tunes it (``--default-gc`` keeps Python's defaults).

    AUDITOR_CACHE_DIR=/path/to/warm/cache python benchmarks/bench_scoring.py --runs 30
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auditor.api import Settings, collect, load_scoring  # noqa: E402
from auditor.judge.report import package_scores, score_audit  # noqa: E402
from auditor.judge.scoring import default_config  # noqa: E402


def _median_ms(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    return f"median {statistics.median(ms):6.1f} ms  (min {ms[0]:.1f}, max {ms[-1]:.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", default=str(ROOT / "benchmarks" / "ai-stack.txt"))
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--github", action="store_true", help="collect with GitHub too")
    parser.add_argument("--default-gc", action="store_true", help="keep Python's gc thresholds")
    args = parser.parse_args()
    if not args.default_gc:
        from auditor.cli import _tune_collector

        _tune_collector()
    settings = Settings(github=args.github, offline=True)
    setup = load_scoring(settings)
    default_config()
    result = collect([args.file], settings)
    today = date.today()
    whole: list[float] = []
    cpu: list[float] = []
    scores: list[float] = []
    for _ in range(args.runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        score_audit(result, setup.rules, setup.taxonomy, today=today, acceptances=setup.acceptances)
        whole.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        start = time.perf_counter()
        package_scores(result, setup.rules, setup.taxonomy)
        scores.append(time.perf_counter() - start)
    print(f"{len(result.packages)} packages x {len(setup.rules)} rules, {args.runs} runs")
    print(f"score_audit      {_median_ms(whole)}")
    print(f"  its CPU time   {_median_ms(cpu)}")
    print(f"package_scores   {_median_ms(scores)}")


if __name__ == "__main__":
    main()
