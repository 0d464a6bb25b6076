"""Truck factors against the published ones (Avelino et al.; the original tool's README).

Usage::

    python benchmarks/bench_truck_factor_study.py [--repos DIR] [--only NAME ...]

The original tool (aserg-ufmg/Truck-Factor) lists the truck factors it computed in
November 2016 for fifteen popular projects. This script looks for local clones of
those repositories (full history, not blobless) under ``DIR`` (default: the
``TRUCK_FACTOR_STUDY_REPOS`` environment variable), in any of these layouts:
``DIR/owner+name/repo`` (a mirror snapshot), ``DIR/owner/name.git``, ``DIR/name.git``,
``DIR/name``. Repositories not present are skipped and said so. For each one it
analyses the newest first-parent commit of the default branch before 2016-12-01 (the
study's data date)::

    git --git-dir=G log --first-parent BRANCH --before=2016-12-01T00:00:00Z -1 --format=%H

and prints a Markdown table: repository, commit, published, ours, files analysed,
seconds. Nothing is cloned or downloaded here; the clones are the caller's.
Results are also saved as JSON under benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auditor.collectors.backends.git import bus_factor  # noqa: E402
from auditor.collectors.backends.git.target import Target  # noqa: E402

BEFORE = "2016-12-01T00:00:00Z"


@dataclass(frozen=True)
class Study:
    owner: str
    name: str
    published: int
    aliases: tuple[str, ...] = ()
    branches: tuple[str, ...] = ()
    """Branches to try after the default one, for projects whose 2016 default branch
    was renamed or replaced since (Font-Awesome's 2016 master lives on as 4.x)."""


STUDY = (
    Study("freeCodeCamp", "freeCodeCamp", 1),
    Study("twbs", "bootstrap", 3),
    Study("d3", "d3", 1),
    Study("facebook", "react", 4),
    Study("angular", "angular.js", 6),
    Study("FortAwesome", "Font-Awesome", 1, branches=("4.x",)),
    Study("jquery", "jquery", 4),
    Study("electron", "electron", 1),
    Study("tensorflow", "tensorflow", 2),
    Study("docker", "docker", 13, aliases=("moby/moby",)),
    Study("meteor", "meteor", 5),
    Study("apple", "swift", 5),
    Study("vuejs", "vue", 1),
    Study("rails", "rails", 11),
    Study("atom", "atom", 4),
)


def git(git_dir: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", f"--git-dir={git_dir}", *args], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() if done.returncode == 0 else ""


def find(root: Path, study: Study) -> Path | None:
    """The git directory of ``study``'s repository under ``root``, if there is one."""
    for full in (f"{study.owner}/{study.name}", *study.aliases):
        owner, name = full.split("/")
        for candidate in (
            root / f"{owner}+{name}" / "repo",
            root / owner / f"{name}.git",
            root / f"{name}.git",
            root / name / ".git",
            root / name,
        ):
            if candidate.is_dir() and git(candidate, "rev-parse", "--git-dir"):
                return candidate
    return None


def study_commit(git_dir: Path, study: Study) -> str:
    """The newest first-parent commit of the default branch before the study's date."""
    for branch in ("HEAD", "master", "main", *study.branches):
        sha = git(
            git_dir, "log", "--first-parent", branch, f"--before={BEFORE}", "-1", "--format=%H"
        )
        if sha:
            return sha
    return ""


def run_one(study: Study, git_dir: Path) -> dict[str, Any]:
    sha = study_commit(git_dir, study)
    label = f"{study.owner}/{study.name}"
    if not sha:
        return {"repository": label, "error": "no commit before the study's date"}
    target = Target(label=label, git_dir=git_dir, remote=None, rename="similar")
    started = time.perf_counter()
    report = bus_factor(target, rev=sha)
    seconds = time.perf_counter() - started
    return {
        "repository": label,
        "commit": sha,
        "published": study.published,
        "ours": report.truck_factor,
        "files_analysed": report.files_analysed,
        "files_total": report.files_total,
        "seconds": round(seconds, 1),
        "developers": [a.name for a in report.truck_factor_authors],
        "notes": list(report.notes),
    }


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| repository | commit | published | ours | files analysed | seconds |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        if "error" in row:
            lines.append(f"| {row['repository']} | – | – | – | – | {row['error']} |")
            continue
        lines.append(
            f"| {row['repository']} | `{row['commit'][:12]}` | {row['published']} | "
            f"{row['ours']} | {row['files_analysed']} of {row['files_total']} | {row['seconds']} |"
        )
    done = [r for r in rows if "error" not in r and r["ours"] is not None]
    exact = sum(1 for r in done if r["ours"] == r["published"])
    within = sum(1 for r in done if abs(r["ours"] - r["published"]) <= 1)
    if done:
        lines.append("")
        lines.append(
            f"{exact} of {len(done)} exact ({exact / len(done):.0%}), "
            f"{within} of {len(done)} within 1."
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos", type=Path, default=os.environ.get("TRUCK_FACTOR_STUDY_REPOS"))
    parser.add_argument("--only", nargs="*", default=(), help="repository names to run")
    args = parser.parse_args(argv)
    if args.repos is None:
        parser.error("give --repos DIR or set TRUCK_FACTOR_STUDY_REPOS")
    rows: list[dict[str, Any]] = []
    for study in STUDY:
        if args.only and study.name not in args.only:
            continue
        git_dir = find(Path(args.repos), study)
        if git_dir is None:
            print(f"skipped {study.owner}/{study.name}: not present", file=sys.stderr)
            continue
        row = run_one(study, git_dir)
        print(json.dumps(row), file=sys.stderr, flush=True)
        rows.append(row)
    print(table(rows))
    results = ROOT / "benchmarks" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "truck_factor_study.json").write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
