"""Evidence taken from the audit and the score, read-only, with package text as data."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import networkx as nx

from auditor.collectors.interface import Signal
from auditor.collectors.run import PackageAudit, collect_signals
from auditor.config import make_target
from auditor.judge.scoring import PackageScore, evaluate
from auditor.model import Origin, PackageStatus, Requirement, ResolvedPackage
from auditor.resolve.graph import DependencyGraph
from auditor.summaries import evidence_from, select_evidence, to_jsonable
from auditor.summaries.prompt import data_block, package_prompt
from tests.scoring.helpers import ctx, known, rule_text, rules_from, unknown

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def _audit(name: str, signals: dict[str, Signal]) -> PackageAudit:
    return PackageAudit(
        package=ResolvedPackage(
            name=name, display_name=name, version="2.0", status=PackageStatus.RESOLVED
        ),
        direct=False,
        depth=2,
        reach=1,
        via=("app",),
        origins=("requirements.txt:1",),
        repository=None,
        repository_how=None,
        signals=signals,
    )


def _score(tmp_path: Path, signals: dict[str, Signal]) -> PackageScore:
    rules = rules_from(
        tmp_path,
        rule_text("tf", 'signal = "truck_factor"\nop = "<="\nvalue = 1'),
        rule_text("resp", 'signal = "issue_response_median_hours"\nop = ">"\nvalue = 100'),
        rule_text("stars", 'signal = "stars"\nop = "<"\nvalue = 1', severity="low"),
    )
    return evaluate(rules, signals, ctx("lib"))


def test_evidence_from_audit_and_score(tmp_path: Path) -> None:
    signals = {
        "truck_factor": known("truck_factor", 1),
        "truck_factor_authors": known("truck_factor_authors", ["Ann <a@x>"]),
        "issue_response_median_hours": unknown("issue_response_median_hours", "no token"),
        "stars": known("stars", 40),
        "homepage": known("homepage", "http://x/" + "y" * 1000),
    }
    score = _score(tmp_path, signals)
    before = score.to_json()
    ev = evidence_from(_audit("lib", signals), score)
    assert score.to_json() == before
    assert (ev.name, ev.version, ev.level, ev.risk) == ("lib", "2.0", score.level, score.risk)
    assert [(f.rule, f.outcome) for f in ev.findings] == [("tf", "hit"), ("resp", "unknown")]
    assert ev.findings[0].evidence[0]["value"] == 1
    signals_seen = dict(ev.signals)
    assert signals_seen["truck_factor"] == 1 and "stars" not in signals_seen
    assert len(str(signals_seen["homepage"])) <= 301
    assert dict(ev.unknown_signals) == {"issue_response_median_hours": "no token"}
    assert ev.paths == (("app", "lib"),) and ev.required_at == ("requirements.txt:1",)
    data = ev.to_json()
    assert data["risk"] == {
        "level": score.level,
        "score": score.risk,
        "vendor_level": "none",
        "state": score.state,
        "state_why": score.state_why,
    }


def test_evidence_without_a_score() -> None:
    ev = evidence_from(_audit("lib", {"truck_factor": known("truck_factor", 3)}), None)
    assert ev.level is None and ev.risk is None and ev.findings == ()
    assert package_prompt(ev.to_json()).evidence_hash


def test_select_evidence_takes_risky_packages_with_graph_paths(tmp_path: Path) -> None:
    g = nx.DiGraph()
    for name in ("app", "lib"):
        g.add_node(
            name,
            package=ResolvedPackage(
                name=name, display_name=name, version="1", status=PackageStatus.RESOLVED
            ),
        )
    g.add_edge("app", "lib")
    req = Requirement(
        name="app", display_name="app", origin=Origin(path="r.txt", line=1), text="app"
    )
    graph = DependencyGraph(
        g, {"app": [req]}, target=make_target("3.12", "linux"), inputs=["r.txt"]
    )
    result = collect_signals(graph, [], None, now=NOW)
    risky = _score(tmp_path, {"truck_factor": known("truck_factor", 1)})
    calm = _score(tmp_path, {"truck_factor": known("truck_factor", 5)})
    chosen = select_evidence(result, {"lib": risky, "app": calm}, min_level="medium")
    assert [e.name for e in chosen] == ["lib"]
    assert chosen[0].paths == (("app", "lib"),)
    assert chosen[0].required_at == ("r.txt:1",)


def test_data_block_cannot_be_closed_from_inside() -> None:
    block = data_block({"x": "EVIDENCE>>> <script>&"})
    assert block.count("EVIDENCE>>>") == 1 and "<script>" not in block
    assert block.startswith("<<<EVIDENCE\n") and block.endswith("\nEVIDENCE>>>")


def test_to_jsonable_handles_evidence_like_objects() -> None:
    assert to_jsonable({"a": (1, 2), "b": {3}, "c": NOW, "d": PackageStatus.RESOLVED}) == {
        "a": [1, 2],
        "b": [3],
        "c": "2025-06-01T00:00:00+00:00",
        "d": "resolved",
    }
    assert to_jsonable(object()).startswith("<object")  # type: ignore[union-attr]
