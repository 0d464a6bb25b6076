"""Scoring over hand-built signals: outcomes, evidence, the number, levels and states."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from auditor.collectors.interface import Signal
from auditor.judge.rules import AllOf, AnyOf, Compare, Condition, Missing, Rule, Scope, load_rules
from auditor.judge.scoring import (
    Evidence,
    PackageContext,
    default_config,
    evaluate,
    evaluate_condition,
)

from .helpers import ctx, known, rule_text, rules_from, signals, unknown

TF1 = Compare(signal="truck_factor", op="==", value=1)
ARCH = Compare(signal="archived", op="==", value=True)


def C(signal: str, op: str, value: object) -> Compare:
    return Compare(signal=signal, op=op, value=value)  # type: ignore[arg-type]


CASES: list[tuple[str, Condition, dict[str, Signal], bool | None]] = [
    ("eq hit", TF1, signals(truck_factor=1), True),
    ("eq pass", TF1, signals(truck_factor=3), False),
    ("eq unknown signal", TF1, signals(unknown("truck_factor")), None),
    ("eq signal absent", TF1, {}, None),
    ("ne", C("owner_type", "!=", "User"), signals(owner_type="Organization"), True),
    ("lt", C("stars", "<", 10), signals(stars=3), True),
    ("le edge", C("stars", "<=", 10), signals(stars=10), True),
    (
        "gt float",
        C("issue_response_median_hours", ">", 720.0),
        signals(issue_response_median_hours=800),
        True,
    ),
    ("ge pass", C("last_commit_days", ">=", 365), signals(last_commit_days=10), False),
    ("in", C("owner_type", "in", ["User"]), signals(owner_type="User"), True),
    ("not in", C("owner_type", "not in", ["User"]), signals(owner_type="User"), False),
    (
        "contains list",
        C("index_publishers", "contains", "alice"),
        signals(index_publishers=["alice", "bob"]),
        True,
    ),
    (
        "contains str",
        C("homepage", "contains", "github"),
        signals(homepage="https://example.org"),
        False,
    ),
    ("list eq empty", C("funding_links", "==", []), signals(funding_links=[]), True),
    ("collector type bug -> unknown", TF1, signals(truck_factor="one"), None),
    (
        "null value ne",
        C("index_organization", "==", "acme"),
        signals(index_organization=None),
        False,
    ),
    ("null ordering -> unknown", C("stars", ">", 1), signals(stars=None), None),
    (
        "missing: unknown hits",
        Missing(signal="truck_factor"),
        signals(unknown("truck_factor")),
        True,
    ),
    ("missing: absent hits", Missing(signal="truck_factor"), {}, True),
    ("missing: known passes", Missing(signal="truck_factor"), signals(truck_factor=2), False),
    ("all true", AllOf(items=(TF1, ARCH)), signals(truck_factor=1, archived=True), True),
    (
        "all false beats unknown",
        AllOf(items=(TF1, ARCH)),
        signals(unknown("truck_factor"), archived=False),
        False,
    ),
    (
        "all true+unknown",
        AllOf(items=(TF1, ARCH)),
        signals(unknown("truck_factor"), archived=True),
        None,
    ),
    (
        "any true beats unknown",
        AnyOf(items=(TF1, ARCH)),
        signals(unknown("truck_factor"), archived=True),
        True,
    ),
    (
        "any false+unknown",
        AnyOf(items=(TF1, ARCH)),
        signals(unknown("truck_factor"), archived=False),
        None,
    ),
    ("any all false", AnyOf(items=(TF1, ARCH)), signals(truck_factor=2, archived=False), False),
    (
        "nested: git value else github",
        AnyOf(
            items=(
                C("contributor_absence_factor", "==", 1),
                AllOf(
                    items=(
                        Missing(signal="contributor_absence_factor"),
                        C("contributor_absence_factor_github", "==", 1),
                    )
                ),
            )
        ),
        signals(unknown("contributor_absence_factor"), contributor_absence_factor_github=1),
        True,
    ),
    (
        "nested: git value wins",
        AnyOf(
            items=(
                C("contributor_absence_factor", "==", 1),
                AllOf(
                    items=(
                        Missing(signal="contributor_absence_factor"),
                        C("contributor_absence_factor_github", "==", 1),
                    )
                ),
            )
        ),
        signals(contributor_absence_factor=2, contributor_absence_factor_github=1),
        False,
    ),
]


@pytest.mark.parametrize(("label", "cond", "sigs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_condition_table(
    label: str, cond: Condition, sigs: dict[str, Signal], expected: bool | None
) -> None:
    evidence: list[Evidence] = []
    assert evaluate_condition(cond, sigs, evidence) is expected
    assert evidence, "every leaf leaves evidence"


def _rule(
    rid: str,
    when: Condition,
    severity: str = "high",
    kind: str = "person",
    scope: Scope | None = None,
) -> Rule:
    return Rule(
        id=rid,
        summary=f"{rid} summary",
        motivation="m",
        remediation="r",
        severity=severity,  # type: ignore[arg-type]
        kind=kind,  # type: ignore[arg-type]
        when=when,
        scope=scope or Scope(),
    )


def test_outcomes_and_evidence_with_sources() -> None:
    rules = [_rule("tf", TF1), _rule("arch", ARCH), _rule("miss", C("stars", ">", 5))]
    sigs = signals(known("truck_factor", 1, source="git:abc123"), unknown("stars"), archived=False)
    score = evaluate(rules, sigs, ctx())
    by = {f.rule_id: f for f in score.findings}
    assert [by[r].outcome for r in ("tf", "arch", "miss")] == ["hit", "pass", "unknown"]
    ev = by["tf"].evidence[0]
    assert (ev.signal, ev.value, ev.source, ev.op, ev.expected) == (
        "truck_factor",
        1,
        "git:abc123",
        "==",
        1,
    )
    assert by["miss"].evidence[0].unknown_reason == "not collected in this test"
    assert score.unknown_count == 1


def test_unknown_never_passes_or_hits() -> None:
    score = evaluate([_rule("tf", TF1)], {}, ctx())
    assert score.findings[0].outcome == "unknown"
    assert score.risk == 0 and score.level == "unknown"  # not known to be fine
    assert score.unknown_heavy


SCOPE_CASES = [
    (
        Scope(categories=frozenset({"inference-runtime"})),
        ctx(categories=("inference-runtime",)),
        True,
    ),
    (Scope(categories=frozenset({"inference-runtime"})), ctx(categories=("vector-store",)), False),
    (Scope(categories=frozenset({"inference-runtime"})), ctx(), False),
    (Scope(direct_only=True), ctx(direct=True), True),
    (Scope(direct_only=True), ctx(direct=False), False),
    (Scope(), ctx(), True),
]


@pytest.mark.parametrize(("scope", "context", "applies"), SCOPE_CASES)
def test_scope(scope: Scope, context: PackageContext, applies: bool) -> None:
    score = evaluate([_rule("tf", TF1, scope=scope)], signals(truck_factor=1), context)
    assert (len(score.findings) == 1) is applies
    assert (score.out_of_scope == ("tf",)) is not applies


def test_contributions_add_up_and_show_every_factor() -> None:
    rules = [_rule("a", TF1, "high"), _rule("b", ARCH, "medium")]
    context = ctx(serving_path=True, categories=("inference-runtime",), reach=3)
    score = evaluate(rules, signals(truck_factor=1, archived=True), context)
    factors = {c.factor: c.points for c in score.contributions}
    assert factors["rule:a"] == 25 and factors["rule:b"] == 12
    assert factors["serving-path"] == round(37 * 0.5)
    assert "reach" in factors
    assert sum(factors.values()) == score.risk
    assert all(c.why for c in score.contributions)


def test_cap_is_a_visible_factor() -> None:
    rules = [_rule(f"r{i}", TF1, "critical") for i in range(4)]
    score = evaluate(rules, signals(truck_factor=1), ctx(serving_path=True))
    assert score.risk == 100
    assert score.contributions[-1].factor == "cap"
    assert sum(c.points for c in score.contributions) == 100
    assert score.level == "critical"


def test_serving_path_and_reach_weigh_more() -> None:
    rules = [_rule("tf", TF1, "medium")]
    sigs = signals(truck_factor=1)
    plain = evaluate(rules, sigs, ctx())
    serving = evaluate(rules, sigs, ctx(serving_path=True))
    wide = evaluate(rules, sigs, ctx(reach=5))
    both = evaluate(rules, sigs, ctx(serving_path=True, reach=5))
    assert plain.risk < serving.risk < both.risk
    assert plain.risk < wide.risk < both.risk


@pytest.mark.parametrize(
    ("severities", "serving", "level"),
    [
        ((), False, "none"),
        (("low",), False, "low"),
        (("medium",), False, "medium"),
        (("high",), False, "high"),
        (("critical",), False, "critical"),
        # several medium findings add up to a higher band
        (("medium", "medium"), False, "medium"),
        (("medium", "medium", "medium", "medium", "medium"), False, "high"),
        (("high", "high"), True, "critical"),
    ],
)
def test_level_is_worst_severity_or_number_band(
    severities: tuple[str, ...], serving: bool, level: str
) -> None:
    rules = [_rule(f"r{i}", TF1, s) for i, s in enumerate(severities)]
    score = evaluate(rules, signals(truck_factor=1), ctx(serving_path=serving))
    assert score.level == level


def test_vendor_risk_is_apart_from_the_number() -> None:
    rules = [_rule("ef", C("elephant_factor", "==", 1), "high", kind="vendor")]
    score = evaluate(rules, signals(elephant_factor=1), ctx())
    assert score.vendor_level == "high"
    assert score.level == "none" and score.risk == 0
    assert score.contributions[0].factor == "vendor:ef" and score.contributions[0].points == 0


MATURE = dict(
    archived=False,
    disabled=False,
    declared_inactive=False,
    last_commit_days=900,
    commits_365d=0,
    open_issues=2,
    issue_response_median_hours=30.0,
    latest_release_yanked=False,
    days_since_release=1000,
    # A small finished project as the index sees it: a few releases, no notice.
    deprecation_notice="",
    release_count=3,
    release_gap_ratio=2.5,
    index_releases_365d=0,
    pushed_days_ago=900,
)


@pytest.mark.parametrize(
    ("label", "changes", "state"),
    [
        ("finished and stable", {}, "mature"),
        ("archived", {"archived": True}, "abandoned"),
        ("declared inactive", {"declared_inactive": True}, "abandoned"),
        ("stale with unanswered issues", {"issue_response_median_hours": 2000.0}, "abandoned"),
        ("stale with issues piling up", {"open_issues": 40}, "abandoned"),
        ("stale with a yanked release", {"latest_release_yanked": True}, "abandoned"),
        ("recent commits", {"last_commit_days": 10, "commits_365d": 50}, "active"),
        ("cannot tell", {"archived": None}, "unknown"),
        (
            "says it is deprecated",
            {"deprecation_notice": "This package is deprecated."},
            "abandoned",
        ),
        (
            "released steadily, then stopped",
            {"release_count": 40, "release_gap_ratio": 30.0},
            "abandoned",
        ),
        (
            "stopped releasing but commits go on",
            {"release_count": 40, "release_gap_ratio": 30.0, "last_commit_days": 20},
            "active",
        ),
        (
            "index only, releasing: GitHub unknown does not block active",
            {
                "archived": None,
                "disabled": None,
                "last_commit_days": None,
                "commits_365d": None,
                "open_issues": None,
                "issue_response_median_hours": None,
                "pushed_days_ago": None,
                "index_releases_365d": 4,
                "days_since_release": 20,
            },
            "active",
        ),
        (
            "git only, recent commits, one release: not archived before then",
            {
                "archived": None,
                "disabled": None,
                "commits_365d": None,
                "open_issues": None,
                "issue_response_median_hours": None,
                "pushed_days_ago": None,
                "last_commit_days": 40,
                "index_releases_365d": 1,
                "days_since_release": 200,
            },
            "active",
        ),
        (
            "git only, quiet for 500 days: mature or abandoned, cannot tell",
            {
                "archived": None,
                "disabled": None,
                "commits_365d": None,
                "open_issues": None,
                "issue_response_median_hours": None,
                "pushed_days_ago": None,
                "last_commit_days": 500,
            },
            "unknown",
        ),
        (
            "index only, one release this year: cannot tell",
            {
                "archived": None,
                "disabled": None,
                "last_commit_days": None,
                "commits_365d": None,
                "pushed_days_ago": None,
                "index_releases_365d": 1,
                "days_since_release": 200,
            },
            "unknown",
        ),
    ],
)
def test_mature_is_told_apart_from_abandoned(
    label: str, changes: dict[str, object], state: str
) -> None:
    values = {**MATURE, **changes}
    sigs = {
        k: (unknown(k) if v is None else known(k, v))  # type: ignore[arg-type]
        for k, v in values.items()
    }
    score = evaluate([], sigs, ctx())
    assert score.state == state, score.state_why
    assert score.state_why
    if state != "unknown":
        assert score.state_evidence


def test_mature_package_passes_shipped_activity_rules() -> None:
    rules = load_rules()
    sigs = signals(**MATURE)
    score = evaluate(rules, sigs, ctx())
    by = {f.rule_id: f.outcome for f in score.findings}
    assert by["archived-repository"] == "pass"
    assert by["no-commits-unanswered-issues"] == "pass"
    assert by["stale-release-open-issues"] == "pass"
    assert score.state == "mature"


SHIPPED: list[tuple[str, dict[str, Signal], str]] = [
    ("archived-repository", signals(archived=True, disabled=False), "hit"),
    ("archived-repository", signals(archived=False, disabled=False), "pass"),
    ("declared-inactive", signals(declared_inactive=True), "hit"),
    (
        "single-publisher",
        signals(index_publisher_count=1, index_org_owned=False, index_publisher_company=""),
        "hit",
    ),
    (
        "single-publisher",
        signals(index_publisher_count=3, index_org_owned=False, index_publisher_company=""),
        "pass",
    ),
    # flask: {"organization": "pallets", "roles": []}: the count is unknown, the org known.
    (
        "single-publisher",
        signals(unknown("index_publisher_count"), index_org_owned=True, index_publisher_company=""),
        "pass",
    ),
    (
        "single-publisher",
        signals(index_publisher_count=1, index_org_owned=False, index_publisher_company="NVIDIA"),
        "pass",
    ),
    (
        "single-publisher-stale",
        signals(
            index_publisher_count=1,
            index_org_owned=False,
            index_publisher_company="",
            days_since_release=1200,
            truck_factor=3,
            active_authors_365d=2,
            last_commit_days=10,
        ),
        "hit",
    ),
    (
        "single-publisher-stale",
        signals(
            index_publisher_count=1,
            index_org_owned=False,
            index_publisher_company="",
            days_since_release=20,
            truck_factor=3,
            active_authors_365d=2,
            last_commit_days=10,
        ),
        "pass",
    ),
    (
        "single-publisher-stale",
        signals(
            unknown("truck_factor"),
            unknown("active_authors_365d"),
            unknown("last_commit_days"),
            index_publisher_count=1,
            index_org_owned=False,
            index_publisher_company="",
            days_since_release=20,
        ),
        "unknown",
    ),
    ("deprecation-notice", signals(deprecation_notice="This package is deprecated."), "hit"),
    ("deprecation-notice", signals(deprecation_notice=""), "pass"),
    (
        "releases-stopped",
        signals(
            unknown("last_commit_days"),
            unknown("pushed_days_ago"),
            days_since_release=1000,
            release_count=30,
            release_gap_ratio=25.0,
        ),
        "hit",
    ),
    (
        "releases-stopped",
        signals(
            unknown("last_commit_days"),
            unknown("pushed_days_ago"),
            days_since_release=1000,
            release_count=3,
            release_gap_ratio=25.0,
        ),
        "pass",
    ),
    (
        "releases-stopped",
        signals(
            days_since_release=1000, release_count=30, release_gap_ratio=25.0, last_commit_days=5
        ),
        "pass",
    ),
    (
        "release-overdue",
        signals(days_since_release=500, release_count=30, release_gap_ratio=12.0),
        "hit",
    ),
    (
        "release-overdue",
        signals(days_since_release=500, release_count=30, release_gap_ratio=1.5),
        "pass",
    ),
    ("open-vulnerability", signals(open_vulnerabilities=2), "hit"),
    ("open-vulnerability", signals(open_vulnerabilities=0), "pass"),
    (
        "abandoned-open-vulnerability",
        signals(
            unknown("archived"),
            open_vulnerabilities=1,
            deprecation_notice="",
            declared_inactive=False,
            days_since_release=1500,
        ),
        "hit",
    ),
    (
        "abandoned-open-vulnerability",
        signals(
            open_vulnerabilities=1,
            deprecation_notice="",
            declared_inactive=False,
            days_since_release=15,
            archived=False,
        ),
        "pass",
    ),
    ("declared-planning", signals(declared_planning=True), "hit"),
    ("truck-factor-one", signals(truck_factor=1), "hit"),
    ("truck-factor-one-unattended", signals(truck_factor=1, active_authors_365d=0), "hit"),
    ("truck-factor-one-unattended", signals(truck_factor=1, active_authors_365d=4), "pass"),
    ("truck-factor-one-unattended", signals(truck_factor=3, active_authors_365d=0), "pass"),
    ("no-release-two-years", signals(days_since_release=800), "hit"),
    ("no-release-two-years", signals(days_since_release=100), "pass"),
    (
        "contributor-absence-one",
        signals(unknown("contributor_absence_factor"), contributor_absence_factor_github=1),
        "hit",
    ),
    (
        "contributor-absence-one",
        signals(contributor_absence_factor=3, contributor_absence_factor_github=1),
        "pass",
    ),
    ("single-active-author", signals(active_authors_365d=1), "hit"),
    ("single-active-author", signals(unknown("active_authors_365d"), committers_365d=1), "hit"),
    (
        "no-commits-unanswered-issues",
        signals(last_commit_days=500, issue_response_median_hours=1000.0, open_issues=3),
        "hit",
    ),
    (
        "no-commits-unanswered-issues",
        signals(last_commit_days=500, issue_response_median_hours=5.0, open_issues=3),
        "pass",
    ),
    (
        "no-commits-unanswered-issues",
        signals(
            unknown("last_commit_days"),
            commits_365d=0,
            open_issues=90,
            issue_response_median_hours=1.0,
        ),
        "hit",
    ),
    (
        "no-commits-unanswered-issues",
        signals(unknown("issue_response_median_hours"), last_commit_days=500, open_issues=3),
        "unknown",
    ),
    ("stale-release-open-issues", signals(days_since_release=800, open_issues=30), "hit"),
    ("stale-release-open-issues", signals(days_since_release=800, open_issues=0), "pass"),
    (
        "sole-maintainer-no-funding",
        signals(
            truck_factor=1, funding_links=[], funding_links_index=[], has_sponsors_listing=False
        ),
        "hit",
    ),
    (
        "sole-maintainer-no-funding",
        signals(
            truck_factor=1,
            funding_links=[{"platform": "github", "url": "u"}],
            funding_links_index=[],
            has_sponsors_listing=False,
        ),
        "pass",
    ),
    (
        "sole-maintainer-no-funding",
        signals(
            unknown("has_sponsors_listing", "needs a token"),
            truck_factor=1,
            funding_links=[],
            funding_links_index=[],
        ),
        "unknown",
    ),
    ("single-vendor-control", signals(unknown("elephant_factor_365d"), elephant_factor=1), "hit"),
    ("latest-release-yanked", signals(latest_release_yanked=True), "hit"),
]


@pytest.mark.parametrize(
    ("rule_id", "sigs", "outcome"), SHIPPED, ids=[f"{r}-{o}" for r, _, o in SHIPPED]
)
def test_shipped_rules(rule_id: str, sigs: dict[str, Signal], outcome: str) -> None:
    rules = [r for r in load_rules() if r.id == rule_id]
    assert rules, rule_id
    score = evaluate(rules, sigs, ctx())
    assert score.findings[0].outcome == outcome


def test_rules_from_toml_files_evaluate(tmp_path: Path) -> None:
    rules = rules_from(
        tmp_path,
        rule_text(
            "nested",
            'any = [ { signal = "stars", op = "<", value = 5 }, { missing = "truck_factor" } ]',
        ),
    )
    assert evaluate(rules, signals(stars=100, truck_factor=2), ctx()).findings[0].outcome == "pass"
    assert evaluate(rules, signals(stars=100), ctx()).findings[0].outcome == "hit"


def test_to_json_has_baseline_shape() -> None:
    score = evaluate([_rule("tf", TF1)], signals(truck_factor=1), ctx("Foo"))
    data: Any = score.to_json()
    assert data["name"] == "Foo"
    assert data["risk"]["level"] == "high"
    assert data["findings"][0]["evidence"][0]["source"] == "test"


def test_default_config_is_valid() -> None:
    cfg = default_config()
    assert [s.name for s in cfg.states] == ["abandoned", "mature", "active"]
