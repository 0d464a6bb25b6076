"""Properties of the number: bounded, and never lower when a hit is added."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from auditor.judge.context import PackageContext
from auditor.judge.scoring import Finding, PackageScore, default_config, rescore

CFG = default_config()

findings = st.builds(
    Finding,
    rule_id=st.text(alphabet="abcdef", min_size=1, max_size=4),
    severity=st.sampled_from(["low", "medium", "high", "critical"]),
    kind=st.sampled_from(["person", "vendor"]),
    outcome=st.sampled_from(["hit", "pass", "unknown"]),
    summary=st.just("s"),
    remediation=st.just("r"),
    evidence=st.just(()),
)
contexts = st.builds(
    PackageContext,
    name=st.just("p"),
    direct=st.booleans(),
    reach=st.integers(min_value=0, max_value=50),
    depth=st.integers(min_value=0, max_value=10),
    serving_path=st.booleans(),
)


def _score(context: PackageContext, items: list[Finding]) -> PackageScore:
    empty = PackageScore(
        name="p",
        context=context,
        findings=(),
        level="none",
        vendor_level="none",
        risk=0,
        contributions=(),
        state="unknown",
        state_why="",
        state_evidence=(),
        unknown_count=0,
        unknown_heavy=False,
        out_of_scope=(),
    )
    return rescore(empty, items, CFG)


@given(contexts, st.lists(findings, max_size=12))
def test_number_is_bounded_and_explained(context: PackageContext, items: list[Finding]) -> None:
    s = _score(context, items)
    assert 0 <= s.risk <= 100
    assert sum(c.points for c in s.contributions) == s.risk


@given(contexts, st.lists(findings, max_size=12), findings)
def test_adding_a_hit_never_lowers_risk(
    context: PackageContext, items: list[Finding], extra: Finding
) -> None:
    from dataclasses import replace

    from auditor.judge.scoring import level_rank

    hit = replace(extra, outcome="hit")
    before = _score(context, items)
    after = _score(context, [*items, hit])
    assert after.risk >= before.risk
    assert level_rank(after.level) >= level_rank(before.level)
    assert level_rank(after.vendor_level) >= level_rank(before.vendor_level)
