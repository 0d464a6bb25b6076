"""A package's distinct conditions are evaluated once and their evidence reused: the
findings, state and evidence are exactly what evaluating every leaf anew gives."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.collectors.interface import Signal
from auditor.judge.rules import AllOf, AnyOf, Compare, Missing, load_rules, signals_of
from auditor.judge.scoring import (
    LeafMemo,
    assess_state,
    default_config,
    evaluate,
    evaluate_condition,
    evaluate_rule,
)
from tests.scoring.helpers import ctx, known, unknown

RULES = load_rules()
CONFIG = default_config()
NAMES = sorted(
    {n for r in RULES for n in signals_of(r.when)}
    | {n for s in CONFIG.states for n in signals_of(s.when)}
)
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 4000),
    st.floats(0, 5, allow_nan=False),
    st.sampled_from(["", "x", "2024-01-01", "User", "Organization"]),
    st.lists(st.sampled_from(["a", "b"]), max_size=2),
)


@st.composite
def package_signals(draw: st.DrawFn) -> dict[str, Signal]:
    out: dict[str, Signal] = {}
    for name in NAMES:
        kind = draw(st.sampled_from(["known", "unknown", "absent"]))
        if kind == "known":
            out[name] = known(name, draw(VALUES))
        elif kind == "unknown":
            out[name] = unknown(name)
    return out


@settings(max_examples=150, deadline=None)
@given(signals=package_signals(), direct=st.booleans())
def test_remembered_leaves_give_the_same_findings_and_state(
    signals: dict[str, Signal], direct: bool
) -> None:
    fresh = [evaluate_rule(rule, signals, "pkg") for rule in RULES]
    memo: LeafMemo = {}
    remembered = [evaluate_rule(rule, signals, "pkg", memo) for rule in RULES]
    assert remembered == fresh
    assert assess_state(signals, CONFIG, memo) == assess_state(signals, CONFIG)
    score = evaluate(RULES, signals, ctx(direct=direct))
    assert [f for f in fresh if f.rule_id not in score.out_of_scope] == list(score.findings)


def test_values_that_compare_differently_are_different_leaves() -> None:
    # 1, 1.0, True, "1", [1] and a date look alike to a careless key; not to _compare.
    signals = {"x": known("x", 1)}
    memo: LeafMemo = {}
    results = []
    for value in (1, True, "1", 1.0, [1], date(2024, 1, 1), 1):
        evidence: list = []
        results.append(
            evaluate_condition(Compare(signal="x", op="==", value=value), signals, evidence, memo)
        )
        assert evidence[0].expected == value and type(evidence[0].expected) is type(value)
    assert results == [True, None, None, True, None, None, True]


def test_present_and_missing_are_different_leaves() -> None:
    memo: LeafMemo = {}
    gone: dict[str, Signal] = {}
    tree = AnyOf(items=(Missing(signal="x"), AllOf(items=(Missing(signal="x", present=True),))))
    evidence: list = []
    assert evaluate_condition(tree, gone, evidence, memo) is True
    assert [e.result for e in evidence] == [True, False]
    assert [e.op for e in evidence] == ["missing", "present"]
