"""Reading every package's project document, one after another or side by side.

Usage::

    python benchmarks/bench_project_json.py [--delay 0.1] [--runs 3]

The collectors read one project JSON document per package, in the graph's order. On
a cold cache each is a round trip to the index; this serves the recorded projects of
``tests/fixtures/index`` from the loopback fake index with every document delayed
``--delay`` seconds (a realistic round trip), and times ``map_repositories`` (the
first reader) with the documents fetched side by side, as the audit does, and with
that switched off (the old, sequential reading). Both must map the same repositories.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor.cache import Cache  # noqa: E402
from auditor.collectors.run import map_repositories  # noqa: E402
from auditor.config import make_target  # noqa: E402
from auditor.index.client import IndexClient  # noqa: E402
from auditor.index.http import make_session  # noqa: E402
from auditor.model import PackageStatus, ResolvedPackage  # noqa: E402
from auditor.resolve.graph import DependencyGraph  # noqa: E402
from tests.fakes.index_server import FakeIndex  # noqa: E402


def graph_of(names: list[str]) -> DependencyGraph:
    g = nx.DiGraph()
    for name in names:
        g.add_node(
            name,
            package=ResolvedPackage(
                name=name, display_name=name, version="1", status=PackageStatus.RESOLVED
            ),
        )
    return DependencyGraph(g, {}, target=make_target("3.11", "linux"), inputs=[])


class Sequential(IndexClient):
    """The client with side-by-side fetching switched off."""

    @contextlib.contextmanager
    def fetching_project_json(self, names: Iterable[str]) -> Iterator[None]:
        yield


def one(fake: FakeIndex, names: list[str], cls: type[IndexClient]) -> tuple[float, Any]:
    client = cls([fake.simple_url], session=make_session(), cache=Cache(None))
    started = time.perf_counter()
    mapped = map_repositories(graph_of(names), client)
    return time.perf_counter() - started, {n: m.url for n, m in mapped.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--delay", type=float, default=0.1)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    names = sorted(p.stem for p in (ROOT / "tests" / "fixtures" / "index").glob("*.json"))
    names = [n for n in names if not n.startswith("synthetic")]
    times: dict[str, list[float]] = {"sequential": [], "side by side": []}
    with FakeIndex.recorded() as fake:
        fake.delay(args.delay, "/pypi/")
        for _ in range(args.runs):
            seq, seq_map = one(fake, names, Sequential)
            par, par_map = one(fake, names, IndexClient)
            if seq_map != par_map:
                print("the two readings mapped different repositories", file=sys.stderr)
                return 1
            times["sequential"].append(seq)
            times["side by side"].append(par)
    for label, values in times.items():
        print(
            f"{label:>13}: median {statistics.median(values):.2f} s over {args.runs} runs, "
            f"{len(names)} documents at {args.delay * 1000:.0f} ms each"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
