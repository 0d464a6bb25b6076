"""Benchmark the GitHub collector: requests per repository and wall time, on the fake GitHub.

Usage::

    python benchmarks/bench_github.py [--repos 170] [--delay 0.1] [--batch 20]
                                      [--max-commits 100] [--workers 4] [--stats-202 0]
                                      [--stats-wait 1.0]

About 170 synthetic repositories (the size of a resolved AI-stack graph) are served by
``tests/fakes/github_server.py`` with every answer delayed ``--delay`` seconds (100 ms is
a realistic round trip to the public API). Three runs, each with a cold cache:

- **token**: GraphQL only, one document per batch of ``--batch`` repositories (commit
  authors, profiles' company, issues and comments, releases, funding, the owner's
  ``.github`` repository all in it); no REST request. The target is at most 0.1
  requests per repository, all requests counted.
- **anonymous**: REST only, with GitHub's real 60/hour anonymous limit: how far the
  budget reaches (repositories with their core signals) before the collector stops.
- **anonymous, unlimited**: the same with the fake's limit lifted, to report what a
  full REST-only collection costs per repository.

``--stats-202 N`` makes each statistics endpoint answer 202 N times before 200 (GitHub
does that for repositories whose statistics are not cached). Results are printed and
saved under benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor.collectors.github import GitHubCollector  # noqa: E402
from auditor.collectors.interface import Subject  # noqa: E402
from auditor.repository import RepositoryRef  # noqa: E402
from tests.fakes.github_server import FIXED_NOW, FakeGitHub, synthetic_repository  # noqa: E402

TOKEN = "bench-token"


def subjects_for(n: int) -> list[Subject]:
    out = []
    for i in range(n):
        full = synthetic_repository(i)["repo"]["full_name"]
        owner, name = full.split("/")
        ref = RepositoryRef(
            url=f"https://github.com/{full}",
            host="github.com",
            owner=owner,
            name=name,
            confidence="high",
            how="bench",
        )
        out.append(Subject(package=f"pkg{i}", version=None, repository=ref))
    return out


def run(
    args: argparse.Namespace, *, token: str | None, anonymous_limit: int, repos: int | None = None
) -> dict[str, Any]:
    count = repos or args.repos
    fake = FakeGitHub(
        Path("/nonexistent"),
        valid_tokens={TOKEN},
        anonymous_limit=anonymous_limit,
        delay=args.delay,
        stats_202=args.stats_202,
    )
    for i in range(count):
        fake.add_repo(synthetic_repository(i))
    subjects = subjects_for(count)
    with fake:
        collector = GitHubCollector(
            base_url=fake.base_url,
            token=token,
            now=FIXED_NOW,
            batch_size=args.batch,
            max_commits=args.max_commits,
            workers=args.workers,
            stats_wait=args.stats_wait,
            anonymous_budget=10_000 if anonymous_limit > 60 else 50,
        )
        started = time.perf_counter()
        result = collector.collect(subjects)
        wall = time.perf_counter() - started
    graphql = fake.count("POST /graphql")
    total = len(fake.requests)
    with_stars = sum(
        1 for sigs in result.values() if any(s.name == "stars" and s.known for s in sigs)
    )
    known = sum(1 for sigs in result.values() for s in sigs if s.known)
    return {
        "repos": count,
        "requests": total,
        "graphql_requests": graphql,
        "rest_requests": total - graphql,
        "graphql_per_repo": round(graphql / count, 3),
        "rest_per_repo": round((total - graphql) / count, 2),
        "requests_per_repo": round(total / count, 3),
        "repos_with_core_signals": with_stars,
        "known_signal_share": round(known / (count * len(GitHubCollector.provides)), 3),
        "rate_limited_403": sum(1 for r in fake.requests if r.status == 403),
        "meets_target_0_1": round(total / count, 3) <= 0.1,
        "wall_seconds": round(wall, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repos", type=int, default=170)
    parser.add_argument("--anon-sample", type=int, default=40, help="repos for the unlimited run")
    parser.add_argument("--delay", type=float, default=0.1)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument(
        "--max-commits", type=int, default=100, help="commit authors read per repository"
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--stats-202", type=int, default=0)
    parser.add_argument("--stats-wait", type=float, default=1.0)
    args = parser.parse_args()

    results = {
        "token": run(args, token=TOKEN, anonymous_limit=60),
        "anonymous": run(args, token=None, anonymous_limit=60),
        "anonymous_unlimited": run(
            args, token=None, anonymous_limit=1_000_000, repos=args.anon_sample
        ),
    }
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": vars(args),
        "results": results,
    }
    print(json.dumps(report, indent=2))
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (out / f"github-{stamp}.json").write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
