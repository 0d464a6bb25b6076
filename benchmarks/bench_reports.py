"""How long each report format takes and how big it is, at 263 and 5,000 packages.

Run from the repository root: ``python benchmarks/bench_reports.py``. The reports are
built from the tests' synthetic scored reports (tests/reports/synthetic.py: every third
package risky, every fifth archived, hostile text in one), so no network is used.
Figures go to stdout and to benchmarks/results/reports.txt.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auditor.reporters.interface import RenderContext, reporter_for  # noqa: E402
from tests.reports.synthetic import rules, scored_report  # noqa: E402

FORMATS = ("text", "markdown", "sarif", "json", "html")


def main() -> None:
    lines = ["packages format    seconds  size"]
    for n in (263, 5000):
        report = scored_report(n, direct=max(3, n // 100))
        context = RenderContext(rules=rules(), width=80)
        for fmt in FORMATS:
            start = time.perf_counter()
            out = reporter_for(fmt).render(report, context)
            took = time.perf_counter() - start
            if fmt == "text":
                size = f"{len(out.splitlines())} lines"
            else:
                size = f"{len(out.encode()) / 1024:,.0f} KiB"
            if fmt == "sarif":
                size += f", {len(json.loads(out)['runs'][0]['results'])} results"
            lines.append(f"{n:>8} {fmt:<9} {took:7.2f}  {size}")
    text = "\n".join(lines) + "\n"
    results = ROOT / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    (results / "reports.txt").write_text(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
