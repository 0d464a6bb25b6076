"""Mutation testing of the modules that decide: do the tests notice when the code changes?

Usage::

    pip install mutmut          # not a project dependency: this run is not part of CI
    python benchmarks/mutation.py policy scoring [--workdir DIR] [--max-children 2]
    python benchmarks/mutation.py --list

Each name is a scope: the modules mutated and the test files that guard them (below).
Coverage says a line ran; a surviving mutant says no test would notice it was wrong.
mutmut rewrites every function of the scope many ways (``<`` to ``<=``, a constant
changed, a condition negated, an argument dropped...) and runs the scope's tests on
each; a mutant the tests still pass on "survived".

Why a copy: mutmut writes a ``mutants/`` tree and its cache beside the code it mutates;
the run works on a copy of ``auditor/``, ``rules/`` and ``tests/`` in ``--workdir``, so
the worktree is never touched. A full run starts afresh: mutmut keeps an earlier verdict
for every function whose code did not change, even when the tests did, so resuming would
report survivors that the new tests kill. ``--again`` re-runs only the listed mutants. The
survivors and the score are written to ``benchmarks/results/mutation-<scopes>.txt``;
``benchmarks/README.md`` lists them, each killed by a test or explained as equivalent.

Slow by nature (every mutant runs the scope's tests): keep to a few scopes per run.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"

# scope -> (modules to mutate, tests that guard them)
SCOPES: dict[str, tuple[list[str], list[str]]] = {
    "policy": (
        ["auditor/judge/policy.py"],
        [
            "tests/scoring/test_policy.py",
            "tests/scoring/test_policy_edges.py",
            "tests/audit/test_gate.py",
        ],
    ),
    "scoring": (
        ["auditor/judge/scoring.py"],
        [
            "tests/scoring/test_scoring.py",
            "tests/scoring/test_properties.py",
            "tests/scoring/test_score_json.py",
            "tests/scoring/test_scoring_config.py",
            "tests/scoring/test_conditions_and_points.py",
            "tests/scoring/test_suggestion_and_heaviness.py",
            "tests/scoring/test_compiled.py",
        ],
    ),
    "compiled": (
        ["auditor/judge/compiled.py"],
        ["tests/scoring/test_compiled.py", "tests/scoring/test_leaf_memo.py"],
    ),
    "provider": (
        ["auditor/resolve/provider.py"],
        [
            "tests/core/test_resolve.py",
            "tests/core/test_provider_rules.py",
            "tests/core/test_provider_prefetch.py",
        ],
    ),
    "index": (
        ["auditor/index/client.py", "auditor/index/simple_api.py"],
        [
            "tests/core/test_index_client.py",
            "tests/core/test_index_edges.py",
            "tests/core/test_index_faults.py",
            "tests/core/test_fast_paths.py",
            "tests/core/test_resolve.py",
            "tests/audit/test_index_risk.py",
        ],
    ),
    "metrics": (
        ["auditor/collectors/backends/github/metrics.py"],
        [
            "tests/github/test_metrics.py",
            "tests/github/test_parsing.py",
            "tests/github/test_windows.py",
        ],
    ),
    "graphql": (
        ["auditor/collectors/backends/github/graphql.py"],
        [
            "tests/github/test_graphql.py",
            "tests/github/test_collector.py",
            "tests/github/test_windows.py",
        ],
    ),
    "collectors": (
        [
            "auditor/collectors/index.py",
            "auditor/collectors/notices.py",
            "auditor/collectors/backends/github/graphql.py",
        ],
        [
            "tests/audit/test_index_collector.py",
            "tests/audit/test_index_risk.py",
            "tests/audit/test_notices.py",
            "tests/github/test_graphql.py",
            "tests/github/test_collector.py",
            "tests/github/test_faults.py",
            "tests/github/test_windows.py",
            "tests/github/test_rest_comments.py",
        ],
    ),
}


def _config(modules: list[str], tests: list[str]) -> str:
    def toml_list(items: list[str]) -> str:
        return "[" + ", ".join(f'"{i}"' for i in items) + "]"

    return (
        "\n[tool.mutmut]\n"
        'source_paths = ["auditor"]\n'
        f"only_mutate = {toml_list(modules)}\n"
        f"pytest_add_cli_args_test_selection = {toml_list(tests)}\n"
        # xdist's workers would fight mutmut's own; online tests never run here.
        'pytest_add_cli_args = ["-p", "no:xdist", "-q", "-m", "not online"]\n'
        'also_copy = ["rules", "benchmarks"]\n'
    )


def prepare(workdir: Path, modules: list[str], tests: list[str], *, fresh: bool) -> None:
    """A copy of the project that mutmut may write into; ``fresh`` drops its verdicts."""
    workdir.mkdir(parents=True, exist_ok=True)
    if fresh:
        shutil.rmtree(workdir / "mutants", ignore_errors=True)
    for name in ("auditor", "rules", "tests", "benchmarks"):
        target = workdir / name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(
            ROOT / name,
            target,
            ignore=shutil.ignore_patterns("__pycache__", "results", "*.pyc"),
        )
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    pyproject += _config(modules, tests)
    (workdir / "pyproject.toml").write_text(pyproject, encoding="utf-8")


def run(workdir: Path, max_children: int, only: list[str]) -> tuple[float, str]:
    beside = Path(sys.executable).parent / "mutmut"  # the venv running this script
    mutmut = str(beside) if beside.exists() else (shutil.which("mutmut") or "mutmut")
    if only:
        # mutmut maps tests to the functions they run once, and maps later only tests with
        # new names: a test edited since would not be run on the mutants it now reaches.
        (workdir / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
    started = time.monotonic()
    subprocess.run(
        [mutmut, "run", "--max-children", str(max_children), *only], cwd=workdir, check=False
    )
    elapsed = time.monotonic() - started
    results = subprocess.run(
        [mutmut, "results", "--all", "true"],
        cwd=workdir,
        check=False,
        capture_output=True,
        text=True,
    )
    return elapsed, results.stdout


def summarise(listing: str) -> tuple[dict[str, int], list[str], list[str], list[str]]:
    """Counts per status, the surviving mutants, those no test reached and those a
    stopped run never checked, from ``mutmut results``. The three lists are written out:
    ``--again`` re-runs them all (a mutant without a test is not killed either, a new
    test file may reach it, and an unchecked one is the rest of a stopped run)."""
    counts: dict[str, int] = {}
    survivors: list[str] = []
    untested: list[str] = []
    unchecked: list[str] = []
    for line in listing.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if not sep:
            continue
        counts[status] = counts.get(status, 0) + 1
        if status in ("survived", "no tests"):  # no test ran on it: nothing would notice
            survivors.append(name)
        elif status == "no tests":
            untested.append(name)
        elif status == "not checked":
            unchecked.append(name)
    return counts, survivors, untested, unchecked


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scopes", nargs="*", help=f"any of: {', '.join(SCOPES)}")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/auditor-mutation"))
    parser.add_argument("--max-children", type=int, default=2)
    parser.add_argument("--list", action="store_true", help="print the scopes and exit")
    parser.add_argument(
        "--again",
        action="store_true",
        help="re-run only the last run's survivors (and the mutants a stopped run left "
        "unchecked) against the current tests",
    )
    args = parser.parse_args(argv)
    if args.list or not args.scopes:
        for name, (modules, tests) in SCOPES.items():
            print(f"{name}: {' '.join(modules)}  <-  {' '.join(tests)}")
        return 0
    unknown = [s for s in args.scopes if s not in SCOPES]
    if unknown:
        parser.error(f"unknown scope(s) {', '.join(unknown)}; use --list")
    modules = [m for s in args.scopes for m in SCOPES[s][0]]
    tests = sorted({t for s in args.scopes for t in SCOPES[s][1]})
    workdir = args.workdir / "-".join(args.scopes)
    out = RESULTS / f"mutation-{'-'.join(args.scopes)}.txt"
    only: list[str] = []
    if args.again:
        if not out.exists():
            parser.error(f"no earlier run to repeat ({out} is missing)")
        only = [line.strip() for line in out.read_text().splitlines() if line.startswith("  ")]
    prepare(workdir, modules, tests, fresh=not only)
    elapsed, listing = run(workdir, args.max_children, only)
    counts, survivors, untested, not_checked = summarise(listing)
    listed = {line.strip().rpartition(": ")[0] for line in listing.splitlines()}
    gone = [name for name in only if name not in listed]
    if gone:
        # Mutant names carry the module path and function: after a move or a rewrite
        # the earlier survivors do not exist any more, and "none survived" would be a lie.
        print(
            f"{len(gone)} earlier survivor(s) no longer exist (e.g. {gone[0]}): the code moved "
            "or changed; run the scope in full (without --again)",
            file=sys.stderr,
        )
        return 1
    if only:
        # Only the earlier survivors ran: the rest keep the earlier run's verdicts.
        before = out.read_text(encoding="utf-8")
        total = int(before.split("mutants: ", 1)[1].split(";", 1)[0])
        unchecked = counts.get("not checked", 0)  # a full run stopped part way
        killed = total - len(survivors) - len(untested) - unchecked
        counts = {"killed or timed out": killed, "survived": len(survivors)}
        if untested:
            counts["no tests"] = len(untested)
        if unchecked:
            counts["not checked"] = unchecked
        history = [f"  {line}" for line in before.splitlines() if line.startswith("run")]
    else:
        total = sum(counts.values())
        killed = counts.get("killed", 0) + counts.get("timeout", 0)
        history = []
    score = killed / total if total else 0.0
    run_line = f"run: {time.strftime('%Y-%m-%d %H:%M')} {'again' if only else 'full'}, "
    run_line += f"{len(survivors)} survived, {len(untested)} without a test"
    report = [
        f"scopes: {' '.join(args.scopes)}",
        f"modules: {' '.join(modules)}",
        f"tests: {' '.join(tests)}",
        *[line.strip() for line in history],
        run_line,
        f"wall time: {elapsed:.0f} s with {args.max_children} children",
        f"mutants: {total}; " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())),
        f"score (killed or timed out / all): {score:.1%}",
        "survivors:",
        *(f"  {name}" for name in survivors),
        *(["without a test:"] if untested else []),
        *(f"  {name}" for name in untested),
        *(["not checked:"] if not_checked else []),
        *(f"  {name}" for name in not_checked),
    ]
    RESULTS.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(report) + "\n", encoding="utf-8")
    print("\n".join(report))
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
