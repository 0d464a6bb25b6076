"""Synthetic dependency graphs of a chosen size, served by the fake package index.

Why: recorded fixtures hold a couple of dozen projects, too few to see how resolution
time grows with the size of a graph. ``build_synthetic`` makes a layered DAG of ``n``
projects (3 versions each, 0–5 dependencies with version ranges, always pointing to
deeper layers so there is no cycle) that is reproducible from ``seed``, and returns the
root names to audit. Every range admits 1.1.0, so a solution always exists, while
upper bounds such as ``<2`` make a resolver that tries the newest version first
backtrack, as real graphs do.

Run ``python benchmarks/synthetic_index.py`` for a baseline: the time to crawl each graph
breadth-first over HTTP with plain ``requests`` (the fake's own cost), to compare the
auditor's resolution times against.
"""

from __future__ import annotations

import math
import random
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.fakes.index_server import FakeIndex

VERSIONS = ("1.0.0", "1.1.0", "2.0.0")
# Each range admits 1.1.0, so choosing 1.1.0 everywhere satisfies every edge.
RANGES = (">=1.0", ">=1.0,<2", ">=1.1", "~=1.1", "<2", ">=1.1,<3", "==1.*", ">1.0")
MAX_DEPS = 5


def package_name(seed: int, index: int) -> str:
    """Stable, obviously synthetic names, distinct per seed so graphs can share a fake."""
    return f"bench-s{seed}-p{index:05d}"


def layers_for(n: int) -> int:
    """Depth grows with log n, like real stacks (wide, not deep)."""
    return max(2, round(math.log2(max(n, 2))))


def build_synthetic(fake: FakeIndex, n: int, seed: int) -> list[str]:
    """Add ``n`` synthetic projects to ``fake`` and return the root requirement names.

    Projects are spread over ``layers_for(n)`` layers; layer 0 holds the roots (at most
    10). Each version of a project draws its own 0–5 dependencies from deeper layers, with
    a range from ``RANGES``, so versions of one project differ in their edges.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    rng = random.Random(seed)
    depth = layers_for(n)
    roots = min(10, max(1, n // 10))
    layer_of = [0] * roots + [1 + (i * (depth - 1)) // max(1, n - roots) for i in range(n - roots)]
    names = [package_name(seed, i) for i in range(n)]
    deeper = {
        level: [i for i, lvl in enumerate(layer_of) if lvl > level] for level in range(depth + 1)
    }
    for index, name in enumerate(names):
        candidates = deeper[layer_of[index]]
        versions = []
        for position, version in enumerate(VERSIONS):
            count = rng.randint(0, min(MAX_DEPS, len(candidates)))
            targets = sorted(rng.sample(candidates, count))
            versions.append(
                {
                    "version": version,
                    "requires_dist": [f"{names[t]}{rng.choice(RANGES)}" for t in targets],
                    "requires_python": ">=3.9",
                    "upload_time": f"2024-{1 + position * 4:02d}-01T00:00:00.000000Z",
                }
            )
        fake.add_project(name, versions, summary=f"synthetic benchmark package {index}")
    return names[:roots]


def crawl(simple_url: str, roots: list[str]) -> int:
    """Fetch every reachable simple page and newest .metadata once; returns pages seen."""
    import requests
    from packaging.requirements import Requirement

    session = requests.Session()
    seen: set[str] = set()
    queue = list(roots)
    while queue:
        name = queue.pop()
        if name in seen:
            continue
        seen.add(name)
        page = session.get(
            f"{simple_url}/{name}/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
        ).json()
        wheel = next(f for f in reversed(page["files"]) if f["filename"].endswith(".whl"))
        text = session.get(wheel["url"] + ".metadata").text
        for line in text.splitlines():
            if line.startswith("Requires-Dist:"):
                queue.append(Requirement(line.split(":", 1)[1].strip()).name)
    return len(seen)


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.fakes.index_server import FakeIndex

    print(f"{'n':>6} {'build s':>8} {'crawl s':>8} {'reached':>8}")
    for n in (50, 200, 800):
        with FakeIndex() as fake:
            started = time.perf_counter()
            roots = build_synthetic(fake, n, seed=1)
            built = time.perf_counter() - started
            started = time.perf_counter()
            reached = crawl(fake.simple_url, roots)
            crawled = time.perf_counter() - started
        print(f"{n:>6} {built:>8.3f} {crawled:>8.3f} {reached:>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
