"""Every comparison operator at its boundary, and every factor of the risk number.

Written from the mutation run's survivors (benchmarks/mutation.py scoring): ``<`` read as
``<=``, dates compared as strings, a missing signal's evidence, the reach step, the cap.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from auditor.collectors.interface import JSONValue
from auditor.judge.policy import apply_acceptances
from auditor.judge.rules import AllOf, Compare, Missing, Rule, Scope
from auditor.judge.scoring import (
    Evidence,
    ScoringConfig,
    StateRule,
    default_config,
    evaluate,
    evaluate_condition,
    rescore,
)

from .helpers import ctx, known, unknown
from .test_policy import RULES, _rule, accept, score

D = date(2024, 1, 2)


@pytest.mark.parametrize(
    ("op", "actual", "expected", "result"),
    [
        ("<", 4, 5, True),
        ("<", 5, 5, False),
        ("<=", 5, 5, True),
        ("<=", 6, 5, False),
        (">", 5, 5, False),
        (">", 6, 5, True),
        (">=", 5, 5, True),
        (">=", 4, 5, False),
        ("<", "2024-01-01T23:59:59Z", D, True),
        ("<", "2024-01-02T10:00:00Z", D, False),
        (">=", "2024-01-02", "2024-01-02", True),
        ("<", "soon", D, None),
        (">", 5, "2024-01-01", None),
        ("<", "4", 5, None),
        ("<", True, 5, None),
        ("==", True, True, True),
        ("==", False, True, False),
        ("==", True, 1, None),
        ("==", 1, True, None),
        ("==", "2024-01-02T08:00:00Z", D, True),
        ("==", "2024-01-03", D, False),
        ("==", "soon", D, None),
        ("==", 1, 1.0, True),
        ("==", "1", 1, None),
        ("==", 1, "1", None),
        ("==", "a", "a", True),
        ("==", ["a"], "a", None),
        ("!=", 2, 1, True),
        ("!=", "x", 1, None),
        ("in", "x", ["x", "y"], True),
        ("in", "z", ["x", "y"], False),
        ("not in", "z", ["x", "y"], True),
        ("in", "x", "x", None),
        ("contains", ["a", "b"], "a", True),
        ("contains", "abc", "b", True),
        ("contains", "abc", "z", False),
        ("contains", 5, "b", None),
        ("contains", "abc", 5, None),
    ],
)
def test_operators(
    op: str, actual: JSONValue, expected: JSONValue | date, result: bool | None
) -> None:
    evidence: list[Evidence] = []
    got = evaluate_condition(
        Compare(signal="s", op=op, value=expected), {"s": known("s", actual)}, evidence
    )
    assert got is result
    (e,) = evidence
    assert (e.signal, e.op, e.expected, e.value, e.source, e.result) == (
        "s",
        op,
        expected,
        actual,
        "test",
        result,
    )
    if result is None:
        assert e.unknown_reason == f"value {actual!r} cannot be compared with {op}"
    else:
        assert e.unknown_reason is None


def test_missing_is_always_decided_and_says_why() -> None:
    evidence: list[Evidence] = []
    assert evaluate_condition(Missing(signal="gone"), {}, evidence) is True
    assert evaluate_condition(Missing(signal="u"), {"u": unknown("u", "rate limit")}, evidence)
    assert evaluate_condition(Missing(signal="k"), {"k": known("k", 3)}, evidence) is False
    assert evidence == [
        Evidence(
            signal="gone",
            op="missing",
            expected=None,
            value=None,
            source=None,
            unknown_reason="not collected: no collector provided this signal",
            result=True,
        ),
        Evidence(
            signal="u",
            op="missing",
            expected=None,
            value=None,
            source="test",
            unknown_reason="rate limit",
            result=True,
        ),
        Evidence(
            signal="k",
            op="missing",
            expected=None,
            value=3,
            source="test",
            unknown_reason=None,
            result=False,
        ),
    ]


def test_an_uncollected_signal_in_a_comparison_is_unknown_with_the_reason() -> None:
    evidence: list[Evidence] = []
    assert evaluate_condition(Compare(signal="gone", op="<", value=1), {}, evidence) is None
    assert evidence[0].signal == "gone"
    assert evidence[0].unknown_reason == "not collected: no collector provided this signal"


def points(config: ScoringConfig | None = None, **kw: object) -> list[tuple[str, int, str]]:
    """The factors of foo's number (tf high + pub medium hit) in a given context."""
    s = score("foo", truck_factor=1, index_publisher_count=1)
    placed = replace(s, context=replace(s.context, **kw))  # type: ignore[arg-type]
    out = rescore(placed, s.findings, config or default_config())
    return [(c.factor, c.points, c.why) for c in out.contributions]


def test_reach_and_serving_path_multiply_and_the_cap_holds() -> None:
    # tf high 25 + pub medium 12 = 37.
    assert points() == [("rule:tf", 25, "tf (high)"), ("rule:pub", 12, "pub (medium)")]
    assert points(reach=2)[-1] == ("reach", 4, "2 direct requirements depend on it: x1.1")
    assert points(reach=3)[-1] == ("reach", 7, "3 direct requirements depend on it: x1.2")
    served = points(serving_path=True, categories=("inference", "serving"))
    assert served[-1] == (
        "serving-path",
        18,
        "on the serving path (inference, serving): rule points x1.5",
    )
    assert (
        points(serving_path=True)[-1][2] == "on the serving path (serving path): rule points x1.5"
    )
    assert points(reach=1) == points()
    cfg = default_config()
    doubled = replace(cfg, points={k: 2 * v for k, v in cfg.points.items()})
    capped = points(doubled, serving_path=True)  # 74 x 1.5 = 111
    assert capped[-1] == ("cap", -11, "the number is capped at 100")
    assert sum(p for _, p, _ in capped) == 100
    exactly = replace(cfg, points={**cfg.points, "medium": 75})  # 25 + 75 = 100: no cap
    assert [f for f, _, _ in points(exactly)] == ["rule:tf", "rule:pub"]


def test_accepted_and_expired_findings_in_the_number() -> None:
    s = score("foo", truck_factor=1, index_publisher_count=1)
    live = apply_acceptances([s], [accept("foo", rule="tf")], date(2025, 6, 1)).scores[0]
    assert [(c.factor, c.points, c.why) for c in live.contributions] == [
        ("rule:tf", 0, "accepted until 2026-01-01 (t): we vendor it"),
        ("rule:pub", 12, "pub (medium)"),
    ]
    old = apply_acceptances([s], [accept("foo", rule="tf")], date(2026, 6, 1)).scores[0]
    assert old.contributions[0].points == 25
    assert old.contributions[0].why == (
        "tf (high); acceptance expired on 2026-01-01 (t): shown again; fix the risk or renew "
        "the acceptance with a new expires date"
    )


def test_a_rule_that_passes_first_does_not_hide_a_later_hit() -> None:
    s = score("foo", truck_factor=2, index_publisher_count=1)  # tf passes, pub hits
    assert [(c.factor, c.points) for c in s.contributions] == [("rule:pub", 12)]


def test_vendor_findings_show_without_points() -> None:
    vendor = Rule(
        id="ven",
        summary="one company",
        motivation="m",
        remediation="r",
        severity="high",
        kind="vendor",
        when=Compare(signal="truck_factor", op="==", value=1),
        scope=Scope(),
    )
    s = evaluate([vendor], {"truck_factor": known("truck_factor", 1)}, ctx("v", direct=True))
    assert [(c.factor, c.points, c.why) for c in s.contributions] == [
        ("vendor:ven", 0, "one company (vendor risk, reported as vendor_level, not in this number)")
    ]
    assert (s.level, s.vendor_level, s.risk) == ("none", "high", 0)


def test_a_serving_path_multiplier_of_one_adds_no_factor() -> None:
    flat = replace(default_config(), serving_path=1.0)
    assert [f for f, _, _ in points(flat, serving_path=True)] == ["rule:tf", "rule:pub"]


def test_unknown_heavy_is_a_share_of_the_rules() -> None:
    rules = [*RULES, _rule("third", "stars", "low")]
    sigs = {"truck_factor": known("truck_factor", 2), "stars": known("stars", 5)}
    one_of_three = evaluate(rules, sigs, ctx("foo", direct=True))  # pub unknown
    assert one_of_three.unknown_count == 1 and one_of_three.unknown_heavy is False


def test_evaluate_uses_the_given_configuration_and_its_states() -> None:
    only = StateRule(name="active", why="w", when=Compare(signal="x", op="==", value=1))
    cfg = replace(default_config(), states=(only,), points={**default_config().points, "high": 30})
    s = evaluate(
        RULES,
        {"truck_factor": known("truck_factor", 1), "x": known("x", 2)},
        ctx("foo", direct=True),
        cfg,
    )
    assert s.risk == 30
    assert (s.state, s.state_why) == ("unknown", "no state's conditions hold")


def test_an_input_problem_is_shown_and_adds_no_points() -> None:
    # kind "input": a problem of the requirements file (pins that disagree), not of the
    # people behind the package.
    pins = replace(_rule("pins", "stars", "high"), kind="input")
    s = evaluate([pins, *RULES], {"stars": known("stars", 1)}, ctx("foo", direct=True))
    assert [(c.factor, c.points, c.why) for c in s.contributions] == [
        ("input:pins", 0, "pins (a problem of the input file, not in this number)")
    ]
    assert s.risk == 0


def test_an_undecided_state_names_only_the_undecided_signals() -> None:
    both = StateRule(
        name="abandoned",
        why="w",
        when=AllOf(
            items=(
                Compare(signal="x", op="==", value=1),
                Compare(signal="y", op="==", value=1),
            )
        ),
    )
    cfg = replace(default_config(), states=(both,))
    s = evaluate([], {"x": known("x", 1), "y": unknown("y")}, ctx("foo"), cfg)
    assert (s.state, s.state_why) == ("unknown", "cannot tell whether it is abandoned: y unknown")
