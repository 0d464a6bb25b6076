"""Hand-built scored reports for reporter tests: no index, no network.

``scored_report(n)`` builds a graph of ``n`` packages under a few direct requirements
(``requirements.txt`` lines 1..k), gives every package signals, and scores it with the
shipped rules and taxonomy, so reporters see exactly what ``audit`` would hand them.
Package ``evil-pkg`` carries hostile text (Markdown, HTML, escapes) in its signals.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import networkx as nx

from auditor.collectors.catalog import all_specs
from auditor.collectors.interface import JSONValue, Signal
from auditor.collectors.run import AuditResult, PackageAudit
from auditor.config import make_target
from auditor.judge.policy import Acceptance
from auditor.judge.report import ScoredReport, score_audit
from auditor.judge.rules import Rule, default_rules_dir, load_rules
from auditor.judge.taxonomy import load_taxonomy
from auditor.model import Origin, PackageStatus, Requirement, ResolvedPackage
from auditor.repository import RepositoryRef
from auditor.resolve.graph import DependencyGraph
from auditor.summaries import Summary

NOW = datetime(2025, 6, 1, tzinfo=UTC)
HOSTILE = (
    "\x1b[31mred\x1b[0m <img src=x onerror=alert(1)> | **bold** [x](javascript:alert(1)) @alice #1"
)


def rules() -> tuple[Rule, ...]:
    return load_rules([default_rules_dir()])


# Every signal the shipped rules read, at healthy values: a package with all of them is
# decided (level none), one without them is mostly undecided (shown as unknown).
WELL_KNOWN: dict[str, JSONValue] = {
    "active_authors_365d": 6,
    "commits_365d": 240,
    "committers_365d": 9,
    "contributor_absence_factor": 4,
    "contributor_absence_factor_github": 4,
    "declared_inactive": False,
    "elephant_factor": 2,
    "elephant_factor_365d": 2,
    "issue_response_median_hours": 6.0,
    "last_commit_days": 2,
    "latest_release_yanked": False,
    "open_issues": 3,
    "truck_factor": 3,
}
# Days that sort differently as text and as numbers (1132 < 400 as text).
RISKY_DAYS = (400, 1132, 701)
HEALTHY_DAYS = (12, 5, 90, 200)


def _signals(name: str, risky: bool, archived: bool, i: int = 0) -> dict[str, Signal]:
    values: dict[str, JSONValue] = {
        "index_publisher_count": 1 if risky else 3,
        "index_org_owned": False,
        "index_publisher_company": "",
        "archived": archived,
        "disabled": False,
        "days_since_release": RISKY_DAYS[(i // 3) % 3] if risky else HEALTHY_DAYS[i % 4],
        "pushed_days_ago": 500 if archived else 3,
        "contributors_count": 1 if risky else 40,
        "top_contributor_share": 0.97 if risky else 0.2,
        "funding_links": [],
        "funding_links_index": [],
        "has_sponsors_listing": False,
        # What the index says of every project: no notice, no advisory, a release rhythm.
        "deprecation_notice": "",
        "declared_planning": False,
        "open_vulnerabilities": 0,
        "index_releases_365d": 0 if risky else 6,
    }
    if not risky and not archived and i % 2 == 1:
        values.update(WELL_KNOWN)
    if name == "evil-pkg":
        values["repository_url"] = HOSTILE
    out: dict[str, Signal] = {}
    for spec in all_specs():
        if spec in values:
            out[spec] = Signal(name=spec, value=values[spec], source="test", fetched_at=NOW)
        else:
            out[spec] = Signal.unknown(spec, "test", NOW, "not collected in this test")
    return out


def scored_report(
    n: int = 12,
    *,
    direct: int = 3,
    inputs_dir: Path | None = None,
    fail_on: str = "high",
    acceptances: tuple[Acceptance, ...] = (),
    special: tuple[str, ...] = (),
) -> ScoredReport:
    """``n`` packages: ``direct`` roots ``root-0..`` on lines 1.. of requirements.txt, each
    pulling a chain of transitive packages; every third package risky, every fifth
    archived (high), and one package named ``evil-pkg`` with hostile text. ``special`` names are
    used for the first transitive packages (hostile or very long names)."""
    req_path = str((inputs_dir / "requirements.txt") if inputs_dir else "requirements.txt")
    g = nx.DiGraph()
    names = [f"root-{i}" for i in range(direct)]
    names += ["evil-pkg", *special]
    names += [f"pkg-{i:04d}" for i in range(n - len(names))]
    for name in names:
        g.add_node(
            name,
            package=ResolvedPackage(
                name=name, display_name=name, version="1.0", status=PackageStatus.RESOLVED
            ),
        )
    transitive = names[direct:]
    for i, name in enumerate(transitive):
        parent = names[i % direct] if i < direct * 2 else transitive[i - direct * 2]
        g.add_edge(parent, name)
    g.add_edge(names[0], "evil-pkg")  # two roots reach evil-pkg
    if direct > 1:
        g.add_edge(names[1], "evil-pkg")
    roots = {
        name: [
            Requirement(
                name=name,
                display_name=name,
                origin=Origin(path=req_path, line=i + 1),
                text=name,
            )
        ]
        for i, name in enumerate(names[:direct])
    }
    graph = DependencyGraph(
        g, roots, target=make_target("3.12", "linux"), inputs=[req_path], warnings=()
    )
    packages = []
    for i, name in enumerate(names):
        risky = i % 3 == 0 or name == "evil-pkg"
        archived = i % 5 == 0 or name == "evil-pkg"
        packages.append(
            PackageAudit(
                package=graph.package(name),
                direct=graph.is_direct(name),
                depth=graph.depth(name),
                reach=graph.reach(name),
                via=tuple(graph.via(name)),
                origins=tuple(graph.origins(name)),
                repository=RepositoryRef(
                    url=f"https://github.com/example/{name}",
                    host="github.com",
                    owner="example",
                    name=name,
                    confidence="high",
                    how="Source Project-URL",
                ),
                repository_how="Source Project-URL",
                signals=_signals(name, risky, archived, i),
            )
        )
    result = AuditResult(
        graph=graph,
        packages=tuple(packages),
        warnings=("a test warning with \x1b[2J an escape",),
        collectors_run=("index", "github"),
        collectors_skipped=("git",),
        specs=all_specs(),
        unknown=(),
        finished_at=NOW,
    )
    return score_audit(
        result,
        rules(),
        load_taxonomy(),
        today=date(2025, 6, 1),
        fail_on=fail_on,  # type: ignore[arg-type]
        acceptances=acceptances,
    )


def summaries_for(report: ScoredReport) -> dict[str, Summary]:
    """A generated summary for every package at medium or above."""
    return {
        name: Summary(
            package=name,
            text=f"{name} is held up by one person. {HOSTILE}",
            model="qwen2.5:3b",
            api="ollama",
        )
        for name, score in report.scores.items()
        if score.level in ("medium", "high", "critical")
    }
