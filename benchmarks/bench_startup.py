"""Benchmark startup: ``auditor --version``, ``audit --help`` and friends, as processes.

Usage::

    python benchmarks/bench_startup.py [--runs 15]

Each command runs ``--runs`` times in a fresh process (the console scripts of the
interpreter running this script, startup and imports included) after one warm-up run
that fills the OS file cache; the median, fastest and slowest wall times are printed and
saved under benchmarks/results/. The target is under 0.2 s for ``auditor --version`` and
``audit --help``. A bare ``python -c pass`` is measured too, as the floor no command can
go below on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def commands() -> dict[str, list[str]]:
    auditor = [sys.executable, "-m", "auditor"]
    audit = [str(BIN / "audit")] if (BIN / "audit").exists() else [*auditor, "audit"]
    return {
        "python -c pass (floor)": [sys.executable, "-c", "pass"],
        "auditor --version": [*auditor, "--version"],
        "audit --help": [*audit, "--help"],
        "audit --version": [*audit, "--version"],
        "auditor graph --help": [*auditor, "graph", "--help"],
        "auditor --help (every command)": [*auditor, "--help"],
    }


def measure(command: list[str], runs: int) -> list[float]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "0"}
    subprocess.run(command, capture_output=True, check=True, env=env)  # warm-up
    times: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, env=env)
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    results = {}
    for name, command in commands().items():
        times = measure(command, args.runs)
        results[name] = {
            "median_s": round(statistics.median(times), 4),
            "min_s": round(min(times), 4),
            "max_s": round(max(times), 4),
        }
        print(
            f"{name:32} median {statistics.median(times):.3f} s  "
            f"(min {min(times):.3f}, max {max(times):.3f})"
        )
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    doc = {"runs": args.runs, "load_average_1m": load, "python": sys.version, "results": results}
    (out / f"startup-{stamp}.json").write_text(json.dumps(doc, indent=2) + "\n")
    print(f"load average (1 min) at the end: {load}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
