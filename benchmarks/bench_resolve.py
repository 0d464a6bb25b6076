"""Resolution speed and memory: ours cold and warm against ``uv pip compile``, and growth.

Part 1 (needs the live package index and ``uv`` on PATH or in this environment):
on a requirements file (default: ../shared/bench/ai-stack.txt) run, interleaved, for
``--runs`` rounds: ``auditor graph`` with an empty cache (cold) and ``uv pip compile
--python-version X`` with an empty uv cache, in turns first, then ``auditor graph`` again
with its cache (warm). Each is a
separate process, timed from outside, with its own peak RSS (``os.wait4``). Then the
two resolutions are compared, and each is checked to be a valid resolution (every
requirement met, every release installable, nothing extra) with ``auditor.resolve.verify``.

Part 2 (no network): the fake index with synthetic layered graphs of growing size,
cold and warm, to show how time grows with the graph.

    python benchmarks/bench_resolve.py --runs 5
    python benchmarks/bench_resolve.py --skip-live --synthetic 100,250,500,1000
    python benchmarks/bench_resolve.py --skip-live --synthetic "" --synthetic-audit 1000

Index location for both tools comes from auditor's own configuration reading (flags,
PIP_INDEX_URL/UV_INDEX_URL, pip's configuration, pip's default), never from this file.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_INPUT = ROOT.parent / "shared" / "bench" / "ai-stack.txt"
RESULTS = ROOT / "benchmarks" / "results"


def timed(
    argv: list[str], env: dict[str, str] | None = None, *, tree: bool = False
) -> tuple[float, float, int, float]:
    """(wall seconds, peak RSS MB, exit code, CPU seconds) of one child process.

    ``tree``: also sample the whole process tree's memory (``TREE_PEAKS``; nan when not
    sampled). Only in runs whose time is not the figure: reading a process's
    ``smaps_rollup`` costs 4-5 ms of kernel CPU on this 2-core machine and takes the
    process's memory-map lock, so sampling three processes every 20 ms took a fifth of
    a core from the run it measured (a cold graph: 3.1 s unsampled, 3.7 s sampled).

    Peak memory and CPU (user + sys) come from GNU time around the child: a forked
    child's own rusage would also count pages inherited from this (larger) benchmark
    process. CPU is the steadier figure on a shared machine: other work stretches the
    wall time far more than it does the child's own CPU time. The CPU includes the
    child's own fetch processes (it waits for them); the peak RSS is the largest one
    process reached (``TREE_PEAKS`` has what the processes held together).
    """
    gnu_time = shutil.which("time") or "/usr/bin/time"
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss_file:
        wrapped = [gnu_time, "-f", "%U %S %M", "-o", rss_file.name, *argv]
        use_time = Path(gnu_time).exists()
        start = time.perf_counter()
        with subprocess.Popen(
            wrapped if use_time else argv,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
        ) as proc:
            sampler = _TreeSampler(proc.pid) if tree else None
            if sampler is not None:
                sampler.start()
            _, err = proc.communicate()
            if sampler is not None:
                sampler.stop()
        wall = time.perf_counter() - start
        TREE_PEAKS.append(sampler.peak_mb if sampler is not None else float("nan"))
        if proc.returncode != 0:
            sys.stderr.write(err.decode(errors="replace")[-2000:])
        text = rss_file.read().strip().splitlines()
        fields = text[-1].split() if use_time and text else []
        if len(fields) == 3 and fields[2].isdigit():
            cpu = float(fields[0]) + float(fields[1])
            rss = int(fields[2]) / 1024
        else:
            cpu = rss = float("nan")
    return wall, rss, proc.returncode, cpu


#: the peak memory of each ``timed`` run's whole process tree (the sum of the processes'
#: proportional set sizes, sampled every 20 ms; nan where /proc cannot say), in order
TREE_PEAKS: list[float] = []


class _TreeSampler(threading.Thread):
    """Samples the summed PSS (shared pages split between their sharers, so a forked
    child's pages are not counted twice) of a process and all its descendants."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_mb = float("nan")
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.02):
            total = sum(_pss_kb(p) for p in _descendants(self.pid))
            if total:
                seen = 0.0 if math.isnan(self.peak_mb) else self.peak_mb
                self.peak_mb = max(total / 1024, seen)

    def stop(self) -> None:
        self._done.set()
        self.join()


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as f:
                    todo.extend(int(x) for x in f.read().split())
        except OSError:
            continue
    return found


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def uv_command() -> list[str]:
    found = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    if not Path(found).exists():
        raise SystemExit("uv is not installed: pip install uv")
    return [found]


def live(args: argparse.Namespace) -> dict[str, Any]:
    from auditor.config import index_location

    index = index_location(flag_index_url=args.index_url).index_url
    work = Path(tempfile.mkdtemp(prefix="bench-resolve-"))
    ours_json = work / "ours.json"
    uv_txt = work / "uv.txt"
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull}
    runs: dict[str, list[tuple[float, float]]] = {"cold": [], "warm": [], "uv": []}
    trees: dict[str, list[float]] = {"cold": [], "warm": [], "uv": []}
    for i in range(args.runs):
        cache = work / f"cache-{i}"
        ours = [
            sys.executable, "-m", "auditor", "graph", str(args.input), "--format", "json",
            "--python-version", args.python_version, "--index-url", index,
            "--cache-dir", str(cache), "-q", "-o", str(ours_json),
        ]  # fmt: skip
        uv = [
            *uv_command(), "pip", "compile", str(args.input), "--python-version",
            args.python_version, "--index-url", index, "--cache-dir", str(work / f"uv-{i}"),
            "--no-header", "--quiet", "-o", str(uv_txt),
        ]  # fmt: skip
        # Who goes first alternates: the mirror is slower for whoever asks first after
        # a while (it revalidates its copies upstream), and that must not always be us.
        order = [("cold", ours), ("uv", uv)] if i % 2 == 0 else [("uv", uv), ("cold", ours)]
        for label, argv in (*order, ("warm", ours)):
            wall, rss, code, _ = timed(argv, env)
            if code != 0:
                raise SystemExit(f"{label} run failed with exit code {code}")
            runs[label].append((wall, rss))
            print(f"round {i + 1}: {label:5s} {wall:7.2f} s  {rss:6.0f} MB", flush=True)
    # The memory of all processes together, in one more (untimed) run of each: sampling
    # it slows the run it samples (see ``timed``).
    for label, argv in (("cold", ours), ("uv", uv), ("warm", ours)):
        if label == "cold":
            shutil.rmtree(cache, ignore_errors=True)
        elif label == "uv":
            shutil.rmtree(work / f"uv-{args.runs - 1}", ignore_errors=True)
        wall, rss, code, _ = timed(argv, env, tree=True)
        if code != 0:
            raise SystemExit(f"{label} memory run failed with exit code {code}")
        trees[label].append(TREE_PEAKS[-1])
        print(f"memory: {label:5s} all processes {TREE_PEAKS[-1]:4.0f} MB", flush=True)
    medians = {k: statistics.median(w for w, _ in v) for k, v in runs.items()}
    peaks = {k: max(r for _, r in v) for k, v in runs.items()}
    comparison = compare(args, index, ours_json, uv_txt)
    # Each round leaves two caches (uv's is 270 MB for this stack): a series of eight
    # rounds is 2 GB, and a session of series once filled this machine's disk.
    shutil.rmtree(work, ignore_errors=True)
    return {
        "input": str(args.input),
        "python_version": args.python_version,
        "runs": args.runs,
        "seconds": runs,
        "median_seconds": medians,
        "peak_rss_mb": peaks,
        "peak_tree_pss_mb": {k: max(v) for k, v in trees.items()},
        "cold_over_uv": medians["cold"] / medians["uv"],
        "comparison": comparison,
    }


def compare(args: argparse.Namespace, index: str, ours_json: Path, uv_txt: Path) -> dict[str, Any]:
    from auditor.cache import Cache
    from auditor.config import make_target, target_tags
    from auditor.index.client import IndexClient
    from auditor.index.http import make_session
    from auditor.resolve.verify import check_resolution

    ours = {p["name"]: p["version"] for p in json.loads(ours_json.read_text())["packages"]}
    theirs = read_pins(uv_txt)
    roots = [
        line.strip()
        for line in Path(args.input).read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    target = make_target(args.python_version)
    tags = target_tags(target)
    client = IndexClient([index], session=make_session(), cache=Cache(None))
    verdicts = {
        label: check_resolution(roots, pins, index=client, target=target, tags=tags)
        for label, pins in (("auditor", ours), ("uv", theirs))
    }
    for label, verdict in verdicts.items():
        state = "valid" if verdict.valid else "INVALID"
        print(f"{label}: {len(ours if label == 'auditor' else theirs)} packages, {state}")
        for problem in verdict.problems[:10]:
            print(f"  - {problem}")
    same = sorted(n for n in set(ours) & set(theirs) if ours[n] == theirs[n])
    return {
        "auditor_packages": len(ours),
        "uv_packages": len(theirs),
        "same_name_and_version": len(same),
        "only_auditor": sorted(set(ours) - set(theirs)),
        "only_uv": sorted(set(theirs) - set(ours)),
        "different_versions": {
            n: {"auditor": ours[n], "uv": theirs[n]}
            for n in sorted(set(ours) & set(theirs))
            if ours[n] != theirs[n]
        },
        "auditor_valid": verdicts["auditor"].valid,
        "uv_valid": verdicts["uv"].valid,
        "auditor_problems": list(verdicts["auditor"].problems),
        "uv_problems": list(verdicts["uv"].problems),
    }


def read_pins(path: Path) -> dict[str, str]:
    from packaging.utils import canonicalize_name

    pins: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line and not line.startswith("-"):
            name, _, version = line.partition("==")
            pins[canonicalize_name(name.split("[")[0].strip())] = version.split(";")[0].strip()
    return pins


def synthetic(sizes: list[int], runs: int, audit_sizes: list[int]) -> list[dict[str, Any]]:
    """Cold and warm ``graph`` per size; with ``audit_sizes``, one cold ``audit`` too."""
    from benchmarks.synthetic_index import build_synthetic, package_name
    from tests.fakes import FakeIndex

    out: list[dict[str, Any]] = []
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull}
    for n in sorted(set(sizes) | set(audit_sizes)):
        row: dict[str, Any] = {"packages": n}
        with FakeIndex() as fake:
            build_synthetic(fake, n, seed=7)
            work = Path(tempfile.mkdtemp(prefix=f"bench-synth-{n}-"))
            reqs = work / "requirements.txt"
            # Every package listed, as in a compiled requirements file, so the resolved
            # graph has all n packages (with the synthetic edges between them).
            reqs.write_text("".join(f"{package_name(7, i)}\n" for i in range(n)))
            if n in sizes:
                row.update(_synthetic_graph(fake.simple_url, reqs, work, runs, env))
            if n in audit_sizes:
                row.update(_synthetic_audit(fake.simple_url, reqs, work, env))
            shutil.rmtree(work, ignore_errors=True)
        shown = (f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items())
        print(f"synthetic: {'  '.join(shown)}", flush=True)
        out.append(row)
    return out


def _synthetic_graph(
    index_url: str, reqs: Path, work: Path, runs: int, env: dict[str, str]
) -> dict[str, Any]:
    cold: list[float] = []
    cold_cpu: list[float] = []
    warm: list[float] = []
    rss: list[float] = []
    tree: list[float] = []
    for i in range(runs):
        argv = [
            sys.executable, "-m", "auditor", "graph", str(reqs), "--format", "json",
            "--index-url", index_url, "--cache-dir", str(work / f"c{i}"), "-q",
            "-o", str(work / "out.json"),
        ]  # fmt: skip
        wall, peak, code, cpu = timed(argv, env)
        if code != 0:
            raise SystemExit(f"synthetic graph of {reqs} failed")
        cold.append(wall)
        cold_cpu.append(cpu)
        rss.append(peak)
        warm.append(timed(argv, env)[0])
    shutil.rmtree(work / f"c{runs - 1}", ignore_errors=True)
    timed(argv, env, tree=True)  # memory, in a run of its own (see ``timed``)
    tree.append(TREE_PEAKS[-1])
    return {
        "resolved": len(json.loads((work / "out.json").read_text())["packages"]),
        "cold_median_s": statistics.median(cold),
        "cold_cpu_median_s": statistics.median(cold_cpu),
        "warm_median_s": statistics.median(warm),
        "peak_rss_mb": max(rss),
        "peak_tree_pss_mb": max(tree),
    }


def _synthetic_audit(index_url: str, reqs: Path, work: Path, env: dict[str, str]) -> dict[str, Any]:
    """One cold ``audit --no-github`` (default text report): its peak memory."""
    argv = [
        sys.executable, "-m", "auditor", "audit", str(reqs), "--no-github",
        "--index-url", index_url, "--cache-dir", str(work / "audit-cache"), "-q",
        "-o", str(work / "audit.txt"),
    ]  # fmt: skip
    wall, peak, code, cpu = timed(argv, env, tree=True)
    if code not in (0, 1):  # 1: the gate failed, which a synthetic graph may do
        raise SystemExit(f"synthetic audit of {reqs} failed with exit code {code}")
    return {
        "audit_cold_s": wall,
        "audit_cold_cpu_s": cpu,
        "audit_peak_rss_mb": peak,
        "audit_peak_tree_pss_mb": TREE_PEAKS[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", type=Path, default=DEFAULT_INPUT)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--python-version", default="3.11")
    parser.add_argument("--index-url", default=None)
    parser.add_argument("--skip-live", action="store_true")
    parser.add_argument("--synthetic", default="100,250,500,1000")
    parser.add_argument("--synthetic-runs", type=int, default=3)
    parser.add_argument(
        "--synthetic-audit",
        default="",
        help="sizes (e.g. 1000) to also run one cold `audit --no-github` on: its peak RSS",
    )
    args = parser.parse_args()
    report: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        }
    }
    if not args.skip_live:
        report["live"] = live(args)
        live_report = report["live"]
        print(
            "median: cold {cold:.2f} s, warm {warm:.2f} s, uv {uv:.2f} s".format(
                **live_report["median_seconds"]
            )
            + f"; cold/uv = {live_report['cold_over_uv']:.2f}"
        )
    if args.synthetic or args.synthetic_audit:
        sizes = [int(x) for x in args.synthetic.split(",") if x]
        audit_sizes = [int(x) for x in args.synthetic_audit.split(",") if x]
        report["synthetic"] = synthetic(sizes, args.synthetic_runs, audit_sizes)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"resolve-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2))
    print(f"results: {out}")


if __name__ == "__main__":
    main()
