"""The compiled scorer gives exactly what the tree walk gives.

``Scorer`` compiles conditions into numbered leaves and min/max functions and shares
evidence, answers and findings between the packages of one audit; ``evaluate_rule``,
``assess_state`` and ``evaluate_condition`` walk the tree and stay the reference. Every
shipped rule and state is compared over varied signals (known, unknown, absent, values
a careless key would confuse), one scorer reused across packages whose signals collide.
"""

from __future__ import annotations

import inspect
import itertools
import random
from dataclasses import MISSING, FrozenInstanceError, fields, replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.collectors.interface import JSONValue, Signal
from auditor.judge.compiled import AS_BOOL, REMEMBER_FROM, TRUTH, compile_conditions
from auditor.judge.context import PackageContext
from auditor.judge.policy import apply_acceptances
from auditor.judge.rules import (
    AllOf,
    AnyOf,
    Compare,
    Condition,
    Missing,
    Rule,
    Scope,
    load_rules,
    signals_of,
)
from auditor.judge.scoring import (
    Evidence,
    Finding,
    PackageScore,
    Scorer,
    ScoringConfig,
    assess_state,
    default_config,
    evaluate,
    evaluate_condition,
    evaluate_rule,
    in_scope,
    rescore,
)
from auditor.judge.taxonomy import default_taxonomy
from tests.scoring.helpers import ctx, known, unknown

RULES = load_rules()
CONFIG = default_config()
NAMES = sorted(
    {n for r in RULES for n in signals_of(r.when)}
    | {n for s in CONFIG.states for n in signals_of(s.when)}
    | {r.suggestion for r in RULES if r.suggestion is not None}
)
CATEGORIES = default_taxonomy().ids()
# The shipped rules apply everywhere; copies with a scope test the per-package plan.
SCOPED = (
    *RULES,
    replace(RULES[0], id="direct-only", scope=Scope(direct_only=True)),
    replace(RULES[1], id="runtimes", scope=Scope(categories=frozenset(CATEGORIES[:2]))),
    replace(
        RULES[2],
        id="direct-runtimes",
        scope=Scope(categories=frozenset(CATEGORIES[1:3]), direct_only=True),
    ),
)
# Values that look alike to a careless key: 1, 1.0, True, "1", [1]; 0.0 and -0.0 compare
# equal but show differently; a list and a table cannot be hashed.
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([0, 1, 2, 5, 30, 400, 800, 1000, 4000, -1]),
    st.sampled_from([0.0, -0.0, 1.0, 0.5, 2.5]),
    st.sampled_from(["", "x", "1", "2024-01-01", "2019-05-01", "User", "Organization", "new"]),
    st.lists(st.sampled_from(["a", "b", 1]), max_size=2),
    st.just({"a": 1}),
)
SOURCES = st.sampled_from(["index:one", "index:two", "github", "git"])
REASONS = st.sampled_from(["no repository", "rate limited", "not collected in this test"])


@st.composite
def package_signals(draw: st.DrawFn) -> dict[str, Signal]:
    """Few sources, values and reasons, so that packages often share a signal's content."""
    out: dict[str, Signal] = {}
    for name in NAMES:
        kind = draw(st.sampled_from(["known", "known", "unknown", "absent"]))
        if kind == "known":
            out[name] = known(name, draw(VALUES), draw(SOURCES))
        elif kind == "unknown":
            out[name] = unknown(name, draw(REASONS))
    return out


@st.composite
def contexts(draw: st.DrawFn) -> PackageContext:
    return PackageContext(
        name=draw(st.sampled_from(["alpha", "beta", "gamma"])),
        categories=tuple(draw(st.lists(st.sampled_from(CATEGORIES), max_size=2, unique=True))),
        direct=draw(st.booleans()),
        reach=draw(st.integers(1, 4)),
        serving_path=draw(st.booleans()),
    )


def reference(
    rules: tuple[Rule, ...], signals: dict[str, Signal], context: PackageContext, cfg: ScoringConfig
) -> PackageScore:
    """The score as the tree walk gives it, leaf by leaf, with no memo and no sharing."""
    findings = [evaluate_rule(r, signals, context.name) for r in rules if in_scope(r, context)]
    state, why, evidence = assess_state(signals, cfg)
    empty = PackageScore(
        name=context.name,
        context=context,
        findings=(),
        level="none",
        vendor_level="none",
        risk=0,
        contributions=(),
        state=state,
        state_why=why,
        state_evidence=evidence,
        unknown_count=0,
        unknown_heavy=False,
        out_of_scope=tuple(r.id for r in rules if not in_scope(r, context)),
    )
    return rescore(empty, findings, cfg)


@settings(max_examples=200, deadline=None)
@given(packages=st.lists(st.tuples(package_signals(), contexts()), min_size=1, max_size=4))
def test_one_scorer_over_many_packages_gives_the_tree_walks_scores(
    packages: list[tuple[dict[str, Signal], PackageContext]],
) -> None:
    scorer = Scorer(SCOPED, CONFIG)
    for signals, context in packages:
        expected = reference(SCOPED, signals, context, CONFIG)
        got = scorer.score(signals, context)
        assert got == expected
        # equal is not enough where the shown text differs: 0.0 == -0.0, 1 == True
        assert repr(got) == repr(expected)
        assert got.to_json() == expected.to_json()
        assert evaluate(SCOPED, signals, context) == expected


def test_every_shipped_rule_and_state_is_compared() -> None:
    """The property above reads every signal the shipped rules and states name."""
    assert len(RULES) >= 20 and len(CONFIG.states) >= 2
    assert set(NAMES) >= {"truck_factor", "days_since_release", "archived"}


def _signals_for(*truths: bool | None) -> dict[str, Signal]:
    """Signal ``s{i}`` such that ``s{i} == 1`` is the i-th truth value."""
    out: dict[str, Signal] = {}
    for i, truth in enumerate(truths):
        name = f"s{i}"
        out[name] = unknown(name) if truth is None else known(name, 1 if truth else 2)
    return out


def _leaf(i: int) -> Compare:
    return Compare(signal=f"s{i}", op="==", value=1)


T, F, U = True, False, None
# Kleene's strong three-valued logic, written out rather than computed.
KLEENE_ALL = {
    (T, T): T, (T, F): F, (T, U): U,
    (F, T): F, (F, F): F, (F, U): F,
    (U, T): U, (U, F): F, (U, U): U,
}  # fmt: skip
KLEENE_ANY = {
    (T, T): T, (T, F): T, (T, U): T,
    (F, T): T, (F, F): F, (F, U): U,
    (U, T): T, (U, F): U, (U, U): U,
}  # fmt: skip


@pytest.mark.parametrize(("form", "table"), [(AllOf, KLEENE_ALL), (AnyOf, KLEENE_ANY)])
@pytest.mark.parametrize("pair", list(KLEENE_ALL))
def test_kleene_truth_table(
    form: type[AllOf] | type[AnyOf],
    table: dict[tuple[bool | None, bool | None], bool | None],
    pair: tuple[bool | None, bool | None],
) -> None:
    condition = form(items=(_leaf(0), _leaf(1)))
    compiled = compile_conditions([condition])
    signals = _signals_for(*pair)
    truths, evidence = Scorer(_rules_over(condition), _no_states())._read(signals)
    assert AS_BOOL[compiled.conditions[0].truth(truths)] is table[pair]
    assert evaluate_condition(condition, signals, []) is table[pair]
    assert [e.result for e in compiled.conditions[0].gather(evidence)] == list(pair)


@pytest.mark.parametrize(
    "three", [(a, b, c) for a in (T, F, U) for b in (T, F, U) for c in (T, F, U)]
)
def test_kleene_over_three_and_nested(three: tuple[bool | None, bool | None, bool | None]) -> None:
    a, b, c = three
    signals = _signals_for(*three)
    flat_all = AllOf(items=(_leaf(0), _leaf(1), _leaf(2)))
    flat_any = AnyOf(items=(_leaf(0), _leaf(1), _leaf(2)))
    nested = AnyOf(items=(AllOf(items=(_leaf(0), _leaf(1))), _leaf(2)))
    expected = {
        flat_all: KLEENE_ALL[(KLEENE_ALL[(a, b)], c)],
        flat_any: KLEENE_ANY[(KLEENE_ANY[(a, b)], c)],
        nested: KLEENE_ANY[(KLEENE_ALL[(a, b)], c)],
    }
    conditions = list(expected)
    compiled = compile_conditions(conditions)
    truths, _ = Scorer(_rules_over(*conditions), _no_states())._read(signals)
    for condition, done in zip(conditions, compiled.conditions, strict=True):
        assert AS_BOOL[done.truth(truths)] is expected[condition]


def test_truth_numbers_round_trip() -> None:
    assert [AS_BOOL[TRUTH[v]] for v in (False, None, True)] == [False, None, True]
    # false < unknown < true: all is min, any is max
    assert TRUTH[False] < TRUTH[None] < TRUTH[True]


LEAF_SIGNALS = ["a", "b", "c"]
LEAVES = st.one_of(
    st.builds(
        Compare,
        signal=st.sampled_from(LEAF_SIGNALS),
        op=st.sampled_from(["==", "!=", "<", ">=", "in", "contains"]),
        value=st.sampled_from([1, 2, True, "x", [1, "x"], 1.0]),
    ),
    st.builds(Missing, signal=st.sampled_from(LEAF_SIGNALS), present=st.booleans()),
)
TREES: st.SearchStrategy[Condition] = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.builds(AllOf, items=st.lists(inner, min_size=1, max_size=3).map(tuple)),
        st.builds(AnyOf, items=st.lists(inner, min_size=1, max_size=3).map(tuple)),
    ),
    max_leaves=8,
)
LEAF_VALUES: st.SearchStrategy[JSONValue] = st.sampled_from(
    [None, 0, 1, 2, True, False, 1.0, "x", "", [1], ["x", 2], {"k": 1}]
)


@st.composite
def small_signals(draw: st.DrawFn) -> dict[str, Signal]:
    out: dict[str, Signal] = {}
    for name in LEAF_SIGNALS:
        kind = draw(st.sampled_from(["known", "unknown", "absent"]))
        if kind == "known":
            out[name] = known(name, draw(LEAF_VALUES))
        elif kind == "unknown":
            out[name] = unknown(name)
    return out


@settings(max_examples=300, deadline=None)
@given(trees=st.lists(TREES, min_size=1, max_size=3), signals=small_signals())
def test_compiled_trees_give_the_tree_walks_truth_and_evidence(
    trees: list[Condition], signals: dict[str, Signal]
) -> None:
    """Random nesting, repeated and shared leaves: same truth, same evidence in order."""
    compiled = compile_conditions(trees)
    truths, evidence = Scorer(_rules_over(*trees), _no_states())._read(signals)
    assert len(truths) == len(evidence) == compiled.size
    for tree, done in zip(trees, compiled.conditions, strict=True):
        walked: list[Evidence] = []
        result = evaluate_condition(tree, signals, walked)
        assert AS_BOOL[done.truth(truths)] is result
        assert list(done.gather(evidence)) == walked


def test_each_package_gets_its_own_suggestion_from_a_shared_scorer() -> None:
    rules = tuple(r for r in RULES if r.suggestion is not None)
    assert rules, "a shipped rule offers a suggestion"
    rule = rules[0]
    hit = _hitting_signals(rule)
    scorer = Scorer(rules, CONFIG)
    first = scorer.score(hit, ctx("old-one", direct=True))
    second = scorer.score(hit, ctx("old-two", direct=True))
    assert first.findings[0].outcome == "hit"
    assert first.findings[0].suggestion == "old-one says: use new-lib"
    assert second.findings[0].suggestion == "old-two says: use new-lib"
    # a successor named, but the rule does not hit: no suggestion
    passing = {**hit, **{n: known(n, "") for n in signals_of(rule.when)}}
    third = scorer.score(passing, ctx("old-three", direct=True))
    assert third.findings[0].outcome == "pass"
    assert third.findings[0].suggestion is None


def test_packages_with_the_same_signal_share_its_evidence() -> None:
    """Sharing is real (one Evidence object), and a different source is not shared."""
    scorer = Scorer(RULES, CONFIG)
    gone = {name: unknown(name, "no repository") for name in NAMES}
    first = scorer.score(gone, ctx("one"))
    second = scorer.score(dict(gone), ctx("two"))
    assert first.findings[0].evidence[0] is second.findings[0].evidence[0]
    moved = {name: known(name, 1, "index:three") for name in NAMES}
    third = scorer.score(moved, ctx("three"))
    assert third.findings[0].evidence[0].source == "index:three"
    assert third == reference(RULES, moved, ctx("three"), CONFIG)


def test_scope_is_decided_per_package_in_a_shared_scorer() -> None:
    scorer = Scorer(SCOPED, CONFIG)
    runtime = ctx("a", direct=True, categories=(CATEGORIES[1],))
    indirect = ctx("b", direct=False)
    other = ctx("c", direct=True, categories=(CATEGORIES[0],))
    for context in (runtime, indirect, runtime, other):
        got = scorer.score({}, context)
        assert got.out_of_scope == reference(SCOPED, {}, context, CONFIG).out_of_scope
    assert scorer.score({}, runtime).out_of_scope == ()
    assert scorer.score({}, indirect).out_of_scope == (
        "direct-only",
        "runtimes",
        "direct-runtimes",
    )
    assert scorer.score({}, other).out_of_scope == ("direct-runtimes",)


def _hitting_signals(rule: Rule) -> dict[str, Signal]:
    """Signals that make the deprecation-notice style rule hit and name a successor."""
    out = {n: known(n, "deprecated: use new-lib") for n in signals_of(rule.when)}
    assert rule.suggestion is not None
    out[rule.suggestion] = known(rule.suggestion, "new-lib")
    assert evaluate_rule(rule, out).outcome == "hit", "adjust the signals to the rule"
    return out


def _rules_over(*conditions: Condition) -> tuple[Rule, ...]:
    return tuple(
        Rule(
            id=f"r{i}",
            summary="s",
            motivation="m",
            remediation="r",
            severity="high",
            kind="person",
            when=condition,
        )
        for i, condition in enumerate(conditions)
    )


def _no_states() -> ScoringConfig:
    return replace(CONFIG, states=())


def test_dates_in_a_condition_are_their_own_leaves() -> None:
    signals = {"a": known("a", "2024-06-01")}
    trees: list[Condition] = [
        Compare(signal="a", op=">", value=date(2024, 1, 1)),
        Compare(signal="a", op=">", value="2024-01-01"),
        Compare(signal="a", op=">", value=date(2025, 1, 1)),
    ]
    compiled = compile_conditions(trees)
    assert compiled.size == 3
    truths, evidence = Scorer(_rules_over(*trees), _no_states())._read(signals)
    assert [AS_BOOL[c.truth(truths)] for c in compiled.conditions] == [True, True, False]
    assert [c.gather(evidence)[0].expected for c in compiled.conditions] == [
        date(2024, 1, 1),
        "2024-01-01",
        date(2025, 1, 1),
    ]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ((0.0, "index:one"), (-0.0, "index:one")),  # equal, hashed alike, shown differently
        ((1, "index:one"), (True, "index:one")),
        ((1, "index:one"), (1.0, "index:one")),
        ((0, "index:one"), (False, "index:one")),
        (("1", "index:one"), (1, "index:one")),
        ((1, "index:one"), (1, "index:two")),  # same value, another source
    ],
)
def test_values_that_look_alike_are_not_shared(
    first: tuple[JSONValue, str], second: tuple[JSONValue, str]
) -> None:
    scorer = Scorer(RULES, CONFIG)
    for value, source in (first, second, first):
        signals = {name: known(name, value, source) for name in NAMES}
        got = scorer.score(signals, ctx("pkg"))
        expected = reference(RULES, signals, ctx("pkg"), CONFIG)
        assert repr(got) == repr(expected)
        shown = {(e.value, type(e.value), e.source) for f in got.findings for e in f.evidence}
        assert shown == {(value, type(value), source)}
        assert all(repr(e.value) == repr(value) for f in got.findings for e in f.evidence)


def test_an_audits_scores_are_the_tree_walks_with_or_without_acceptances() -> None:
    """score_audit scores through one Scorer and skips the rescore when nothing is
    accepted: each package's score is still the tree walk's, rescored or not."""
    from tests.reports.synthetic import rules as synthetic_rules
    from tests.reports.synthetic import scored_report

    report = scored_report(40)
    scores = tuple(report.scores[p.name] for p in report.result.packages)
    assert len(scores) == 40 and report.notes == ()
    assert apply_acceptances(scores, (), date(2025, 6, 1)).scores == scores
    for pkg, score in zip(report.result.packages, scores, strict=True):
        assert score == reference(synthetic_rules(), dict(pkg.signals), score.context, CONFIG)
    assert {s.level for s in scores} >= {"high", "none"}


def test_large_conditions_remember_answers_per_combination_of_leaf_truths() -> None:
    """The states (20 and more leaves) remember each combination of their leaves'
    truths. One scorer sees packages that differ from one another in a single signal,
    so a combination that left out one leaf would answer for the wrong package."""
    rng = random.Random(18)
    pool: list[JSONValue] = [None, 0, 1, 3, 12, 400, 800, True, False, "", "x", 20.0]
    scorer = Scorer((), CONFIG)
    sizes = [len(set(c.order)) for c in scorer._state_conditions]
    assert sum(size >= REMEMBER_FROM for size in sizes) >= 2
    seen = set()
    for _ in range(12):
        base = {name: known(name, rng.choice(pool)) for name in NAMES}
        for name in NAMES:
            for variant in (unknown(name), None, *(known(name, v) for v in rng.sample(pool, 3))):
                signals = dict(base)
                if variant is None:
                    del signals[name]
                else:
                    signals[name] = variant
                got = scorer.score(signals, ctx())
                expected = assess_state(signals, CONFIG)
                assert (got.state, got.state_why, got.state_evidence) == expected
                seen.add(got.state)
    assert seen >= {"abandoned", "unknown"}


def test_a_remembered_condition_answers_every_combination_of_its_leaves() -> None:
    """All 3**6 truth combinations through one compiled set: every leaf matters."""
    assert REMEMBER_FROM <= 7, "this test tries every combination: keep it small"
    leaves = [_leaf(i) for i in range(REMEMBER_FROM)]
    half = REMEMBER_FROM // 2
    conditions: list[Condition] = [
        AnyOf(items=tuple(leaves)),
        AllOf(items=tuple(leaves)),
        AllOf(items=(AnyOf(items=tuple(leaves[:half])), AnyOf(items=tuple(leaves[half:])))),
    ]
    scorer = Scorer(_rules_over(*conditions), _no_states())
    compiled = scorer._rule_conditions
    for combination in itertools.product((True, False, None), repeat=REMEMBER_FROM):
        signals = _signals_for(*combination)
        truths, _ = scorer._read(signals)
        for condition, done in zip(conditions, compiled, strict=True):
            assert AS_BOOL[done.truth(truths)] is evaluate_condition(condition, signals, [])


@pytest.mark.parametrize("cls", [Evidence, Finding])
def test_written_out_inits_take_every_field_and_stay_frozen(cls: type) -> None:
    """Evidence and Finding write their __init__ out for speed: it must take exactly the
    dataclass's fields, with the same defaults, and the instance must stay frozen."""
    params = inspect.signature(cls).parameters
    declared = fields(cls)
    assert list(params) == [f.name for f in declared]
    for f in declared:
        assert params[f.name].kind is inspect.Parameter.KEYWORD_ONLY
        assert params[f.name].default == (
            inspect.Parameter.empty if f.default is MISSING else f.default
        )
    values = {f.name: f"v-{f.name}" for f in declared}
    made = cls(**values)
    assert all(getattr(made, name) == value for name, value in values.items())
    assert made == cls(**values) and hash(made) == hash(cls(**values))
    first = declared[0].name
    with pytest.raises(FrozenInstanceError):
        setattr(made, first, "changed")
    assert getattr(replace(made, **{first: "changed"}), first) == "changed"
    if cls is Finding:
        short = {f.name: values[f.name] for f in declared if f.default is MISSING}
        assert cls(**short).acceptance is None and cls(**short).suggestion is None
