"""Scoring: a pure function from rules and signals to findings, a level and a number.

Why pure: the same signals must always give the same score, tests can hand in signals
built by hand, and ``auditor explain`` can show exactly why. Nothing here reads the
network or the clock; the shipped weights are read from ``rules/scoring.toml`` once.

Three-valued logic (Kleene): a comparison over an unknown signal is *unknown*; ``all``
is false if any part is false, else unknown if any part is unknown; ``any`` is true if
any part is true, else unknown if any part is unknown. So a rule is ``unknown`` exactly
when its outcome depends on a signal nobody could collect: it never passes or hits on
missing data. ``missing = "x"`` is the one test that is always decided.

The number: each person-risk hit adds its severity's points; serving-path packages and
packages with wide reach get extra points, each shown as its own factor; the total is
capped at 100 (the cap is a visible negative factor too), so the factors always add up
to the number. Vendor-risk hits (one organisation controls the project) are reported as
``vendor_level`` and add no points: the bus-factor number is about people.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal, TypedDict

from auditor.collectors.interface import JSONValue, Signal, SignalSpec
from auditor.errors import InputError
from auditor.judge.compiled import (
    TRUE,
    TRUTH,
    UNKNOWN,
    CompiledCondition,
    Truth,
    compile_conditions,
    leaf_key,
)
from auditor.judge.context import PackageContext
from auditor.judge.rules import (
    SEVERITIES,
    AllOf,
    AnyOf,
    Compare,
    Condition,
    Kind,
    Missing,
    Rule,
    Severity,
    parse_condition,
)

Outcome = Literal["hit", "pass", "unknown"]
Level = Literal["none", "unknown", "low", "medium", "high", "critical"]
State = Literal["active", "mature", "abandoned", "unknown"]
# "unknown" sits between none and low: no rule hit, but the rules that decide the level
# were mostly undecided, so the package is not known to be fine. It sorts above none in
# reports, below every --fail-on level (only --strict fails on undecided rules).
LEVELS: tuple[Level, ...] = ("none", "unknown", "low", "medium", "high", "critical")
BANDED: tuple[Level, ...] = ("low", "medium", "high", "critical")
STATES: tuple[State, ...] = ("abandoned", "mature", "active")
SCORING_FILE = "scoring.toml"


def level_rank(level: str) -> int:
    """Position of a level or severity in none < unknown < low < medium < high < critical."""
    return LEVELS.index(level)


@dataclass(frozen=True, kw_only=True, init=False)
class Evidence:
    """One signal as a condition read it: what it was, where from, what it was compared to."""

    signal: str
    op: str
    expected: JSONValue | date
    value: JSONValue
    source: str | None
    unknown_reason: str | None
    result: bool | None

    def __init__(
        self,
        *,
        signal: str,
        op: str,
        expected: JSONValue | date,
        value: JSONValue,
        source: str | None,
        unknown_reason: str | None,
        result: bool | None,
    ) -> None:
        # Written out because an audit builds thousands: the generated __init__ of a
        # frozen dataclass sets each field through object.__setattr__, twice the time of
        # filling the instance's dict at once. Still frozen: assigning later raises.
        self.__dict__.update(
            signal=signal,
            op=op,
            expected=expected,
            value=value,
            source=source,
            unknown_reason=unknown_reason,
            result=result,
        )

    def to_json(self) -> dict[str, JSONValue]:
        exp = self.expected.isoformat() if isinstance(self.expected, date) else self.expected
        return {
            "signal": self.signal,
            "op": self.op,
            "expected": exp,
            "value": self.value,
            "source": self.source,
            "unknown_reason": self.unknown_reason,
            "result": self.result,
        }


@dataclass(frozen=True, kw_only=True)
class AcceptanceNote:
    """A user's acceptance matched to a finding; an expired one no longer hides it."""

    reason: str
    expires: date
    expired: bool
    origin: str

    def describe(self) -> str:
        if self.expired:
            return (
                f"acceptance expired on {self.expires.isoformat()} ({self.origin}): shown "
                "again; fix the risk or renew the acceptance with a new expires date"
            )
        return f"accepted until {self.expires.isoformat()} ({self.origin}): {self.reason}"


@dataclass(frozen=True, kw_only=True, init=False)
class Finding:
    rule_id: str
    severity: Severity
    kind: Kind
    outcome: Outcome
    summary: str
    remediation: str
    evidence: tuple[Evidence, ...]
    acceptance: AcceptanceNote | None = None
    suggestion: str | None = None

    def __init__(
        self,
        *,
        rule_id: str,
        severity: Severity,
        kind: Kind,
        outcome: Outcome,
        summary: str,
        remediation: str,
        evidence: tuple[Evidence, ...],
        acceptance: AcceptanceNote | None = None,
        suggestion: str | None = None,
    ) -> None:
        # Written out for speed, as Evidence's (an audit builds thousands).
        self.__dict__.update(
            rule_id=rule_id,
            severity=severity,
            kind=kind,
            outcome=outcome,
            summary=summary,
            remediation=remediation,
            evidence=evidence,
            acceptance=acceptance,
            suggestion=suggestion,
        )

    @property
    def counts(self) -> bool:
        """A hit not hidden by a live acceptance."""
        return self.outcome == "hit" and (self.acceptance is None or self.acceptance.expired)

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "rule": self.rule_id,
            "severity": self.severity,
            "kind": self.kind,
            "outcome": self.outcome,
            "summary": self.summary,
            "remediation": self.remediation,
            "evidence": [e.to_json() for e in self.evidence],
            "acceptance": None if self.acceptance is None else self.acceptance.describe(),
            "suggestion": self.suggestion,
        }


@dataclass(frozen=True, kw_only=True)
class Contribution:
    """One visible part of the risk number."""

    factor: str
    points: int
    why: str


@dataclass(frozen=True, kw_only=True)
class StateRule:
    name: State
    why: str
    when: Condition


@dataclass(frozen=True, kw_only=True)
class ScoringConfig:
    points: Mapping[Severity, int]
    serving_path: float
    reach_step: float
    reach_max: float
    bands: Mapping[Level, int]
    unknown_heavy_share: float
    states: tuple[StateRule, ...]
    unknown_heavy_points: float = 50.0


@dataclass(frozen=True, kw_only=True)
class PackageScore:
    name: str
    context: PackageContext
    findings: tuple[Finding, ...]
    level: Level
    vendor_level: Level
    risk: int
    contributions: tuple[Contribution, ...]
    state: State
    state_why: str
    state_evidence: tuple[Evidence, ...]
    unknown_count: int
    unknown_heavy: bool
    out_of_scope: tuple[str, ...]

    def to_json(self) -> dict[str, JSONValue]:
        """The report shape; ``risk.level`` is what ``--baseline`` reads back."""
        return {
            "name": self.name,
            "categories": list(self.context.categories),
            "direct": self.context.direct,
            "reach": self.context.reach,
            "depth": self.context.depth,
            "serving_path": self.context.serving_path,
            "risk": {
                "level": self.level,
                "score": self.risk,
                "vendor_level": self.vendor_level,
                "contributions": [
                    {"factor": c.factor, "points": c.points, "why": c.why}
                    for c in self.contributions
                ],
            },
            "state": {
                "name": self.state,
                "why": self.state_why,
                "evidence": [e.to_json() for e in self.state_evidence],
            },
            "unknown_count": self.unknown_count,
            "unknown_heavy": self.unknown_heavy,
            "findings": [f.to_json() for f in self.findings],
            "out_of_scope": list(self.out_of_scope),
        }


# ---------------------------------------------------------------- conditions


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _equal(actual: JSONValue, expected: JSONValue | date) -> bool | None:
    """Equality across the JSON shapes a collector gives; None when the shapes differ."""
    if actual is None:
        return expected is None
    if isinstance(expected, bool) or isinstance(actual, bool):
        both = isinstance(expected, bool) and isinstance(actual, bool)
        return actual is expected if both else None
    if isinstance(expected, date):
        a = _as_date(actual)
        return None if a is None else a == expected
    na, ne = _number(actual), _number(expected)
    if na is not None or ne is not None:
        return None if na is None or ne is None else na == ne
    if type(actual) is not type(expected):
        return None
    return actual == expected


def _compare(op: str, actual: JSONValue, expected: JSONValue | date) -> bool | None:
    """True/False, or None when the collected value cannot be compared (a collector bug
    or a null value): unknown, never a silent pass."""
    if op in ("==", "!="):
        equal = _equal(actual, expected)
        if equal is None:
            return None
        return equal if op == "==" else not equal
    if op in ("<", "<=", ">", ">="):
        pair: tuple[float, float] | tuple[date, date] | None = None
        if isinstance(expected, date | str):
            a, e = _as_date(actual), _as_date(expected)
            pair = (a, e) if a is not None and e is not None else None
        else:
            an, en = _number(actual), _number(expected)
            pair = (an, en) if an is not None and en is not None else None
        if pair is None:
            return None
        x, y = pair
        return {
            "<": x < y,  # type: ignore[operator]
            "<=": x <= y,  # type: ignore[operator]
            ">": x > y,  # type: ignore[operator]
            ">=": x >= y,  # type: ignore[operator]
        }[op]
    if op in ("in", "not in"):
        if actual is None or not isinstance(expected, list):
            return None
        inside = actual in expected
        return inside if op == "in" else not inside
    if op == "contains":
        if isinstance(actual, list):
            return expected in actual
        if isinstance(actual, str) and isinstance(expected, str):
            return expected in actual
        return None
    return None


NOT_COLLECTED = "not collected: no collector provided this signal"


def _leaf(signal: Signal | None, name: str) -> tuple[JSONValue, str | None, str | None]:
    if signal is None:
        return None, None, NOT_COLLECTED
    return signal.value, signal.source, signal.unknown_reason


# A leaf's answer depends only on what it asks and the one signal it reads, and rules ask
# the same questions (53 distinct leaves among 107 in the shipped rules and states): within
# one package each distinct leaf is evaluated once and its Evidence (immutable) reused.
LeafMemo = dict[tuple[str, ...], tuple[bool | None, Evidence]]


def _answer(
    leaf: Compare | Missing, value: JSONValue, reason: str | None
) -> tuple[bool | None, str | None]:
    """A leaf's result over a signal's value and unknown reason, and why it is unknown."""
    if isinstance(leaf, Missing):
        return ((reason is None) if leaf.present else (reason is not None)), reason
    if reason is not None:
        return None, reason
    cmp = _compare(leaf.op, value, leaf.value)
    if cmp is None:
        return None, f"value {value!r} cannot be compared with {leaf.op}"
    return cmp, None


def _shape(leaf: Compare | Missing) -> tuple[str, str, JSONValue | date]:
    """What a leaf's Evidence names besides the signal's value: signal, test, expected."""
    if isinstance(leaf, Missing):
        return leaf.signal, "present" if leaf.present else "missing", None
    return leaf.signal, leaf.op, leaf.value


def _evidence(
    leaf: Compare | Missing,
    value: JSONValue,
    source: str | None,
    reason: str | None,
    result: bool | None,
) -> Evidence:
    signal, op, expected = _shape(leaf)
    return Evidence(
        signal=signal,
        op=op,
        expected=expected,
        value=value,
        source=source,
        unknown_reason=reason,
        result=result,
    )


def _evaluate_leaf(
    leaf: Compare | Missing, signals: Mapping[str, Signal]
) -> tuple[bool | None, Evidence]:
    value, source, reason = _leaf(signals.get(leaf.signal), leaf.signal)
    result, why = _answer(leaf, value, reason)
    return result, _evidence(leaf, value, source, why, result)


def evaluate_condition(
    condition: Condition,
    signals: Mapping[str, Signal],
    evidence: list[Evidence],
    memo: LeafMemo | None = None,
) -> bool | None:
    """Kleene evaluation; every leaf is read (no short cut) so the evidence is complete.

    ``memo`` (one per package's signals) remembers each distinct leaf's answer."""
    if isinstance(condition, Compare | Missing):
        if memo is None:
            result, found = _evaluate_leaf(condition, signals)
        else:
            key = leaf_key(condition)
            hit = memo.get(key)
            if hit is None:
                hit = memo[key] = _evaluate_leaf(condition, signals)
            result, found = hit
        evidence.append(found)
        return result
    results = [evaluate_condition(item, signals, evidence, memo) for item in condition.items]
    # Every result is True, False or None (never 0 or 1), so ``in`` is the identity test.
    if isinstance(condition, AllOf):
        if False in results:
            return False
        return None if None in results else True
    assert isinstance(condition, AnyOf)
    if True in results:
        return True
    return None if None in results else False


def in_scope(rule: Rule, context: PackageContext) -> bool:
    return _in_scope(rule, context.direct, set(context.categories))


def _in_scope(rule: Rule, direct: bool, categories: set[str]) -> bool:
    if rule.scope.direct_only and not direct:
        return False
    return not rule.scope.categories or bool(rule.scope.categories & categories)


def _suggestion(rule: Rule, signals: Mapping[str, Signal], package: str) -> str | None:
    """What a hit rule offers instead, from the signal it names (None without one)."""
    if rule.suggestion is None:
        return None
    named = signals.get(rule.suggestion)
    if named is not None and named.known and isinstance(named.value, str) and named.value:
        return f"{package or 'the project'} says: use {named.value}"
    return None


def evaluate_rule(
    rule: Rule, signals: Mapping[str, Signal], package: str = "", memo: LeafMemo | None = None
) -> Finding:
    evidence: list[Evidence] = []
    result = evaluate_condition(rule.when, signals, evidence, memo)
    outcome: Outcome = "unknown" if result is None else ("hit" if result else "pass")
    suggestion = _suggestion(rule, signals, package) if outcome == "hit" else None
    return Finding(
        rule_id=rule.id,
        severity=rule.severity,
        kind=rule.kind,
        outcome=outcome,
        summary=rule.summary,
        remediation=rule.remediation,
        evidence=tuple(evidence),
        suggestion=suggestion,
    )


# ---------------------------------------------------------------- the number


def contributions(
    findings: Sequence[Finding], context: PackageContext, config: ScoringConfig
) -> tuple[Contribution, ...]:
    """Every factor of the number, in order; their points add up to the number."""
    out: list[Contribution] = []
    base = 0
    for f in findings:
        if f.outcome != "hit":
            continue
        if f.acceptance is not None and not f.acceptance.expired:
            out.append(
                Contribution(factor=f"rule:{f.rule_id}", points=0, why=f.acceptance.describe())
            )
        elif f.kind == "vendor":
            out.append(
                Contribution(
                    factor=f"vendor:{f.rule_id}",
                    points=0,
                    why=f"{f.summary} (vendor risk, reported as vendor_level, not in this number)",
                )
            )
        elif f.kind == "input":
            out.append(
                Contribution(
                    factor=f"input:{f.rule_id}",
                    points=0,
                    why=f"{f.summary} (a problem of the input file, not in this number)",
                )
            )
        else:
            pts = config.points[f.severity]
            base += pts
            why = f"{f.summary} ({f.severity})"
            if f.acceptance is not None:
                why += f"; {f.acceptance.describe()}"
            out.append(Contribution(factor=f"rule:{f.rule_id}", points=pts, why=why))
    total = base
    if base and context.serving_path and config.serving_path > 1:
        extra = round(base * (config.serving_path - 1))
        cats = ", ".join(context.categories) or "serving path"
        out.append(
            Contribution(
                factor="serving-path",
                points=extra,
                why=f"on the serving path ({cats}): rule points x{config.serving_path:g}",
            )
        )
        total += extra
    mult = min(config.reach_max, 1 + config.reach_step * max(0, context.reach - 1))
    if total and mult > 1:
        extra = round(total * (mult - 1))
        out.append(
            Contribution(
                factor="reach",
                points=extra,
                why=f"{context.reach} direct requirements depend on it: x{mult:g}",
            )
        )
        total += extra
    if total > 100:
        out.append(
            Contribution(factor="cap", points=100 - total, why="the number is capped at 100")
        )
    return tuple(out)


def _worst(severities: Iterable[str]) -> Level:
    return LEVELS[max((level_rank(s) for s in severities), default=0)]


def _band(risk: int, config: ScoringConfig) -> Level:
    band: Level = "none"
    for level in BANDED:
        if risk >= config.bands[level]:
            band = level
    return band


def rescore(
    score: PackageScore, findings: Sequence[Finding], config: ScoringConfig
) -> PackageScore:
    """The same package with new findings (e.g. acceptances applied): number and levels
    recomputed, state and context kept."""
    return replace(score, **_verdict(findings, score.context, config))


class _Verdict(TypedDict):
    """The fields of a PackageScore that its findings decide."""

    findings: tuple[Finding, ...]
    level: Level
    vendor_level: Level
    risk: int
    contributions: tuple[Contribution, ...]
    unknown_count: int
    unknown_heavy: bool


def _verdict(
    findings: Sequence[Finding], context: PackageContext, config: ScoringConfig
) -> _Verdict:
    parts = contributions(findings, context, config)
    risk = sum(c.points for c in parts)
    counting = [f for f in findings if f.counts]
    worst = _worst([f.severity for f in counting if f.kind == "person"])
    band = _band(risk, config)
    unknown = sum(1 for f in findings if f.outcome == "unknown")
    heavy = unknown_heavy(findings, config)
    level = max(worst, band, key=level_rank)
    return _Verdict(
        findings=tuple(findings),
        level="unknown" if level == "none" and heavy else level,
        vendor_level=_worst([f.severity for f in counting if f.kind == "vendor"]),
        risk=risk,
        contributions=parts,
        unknown_count=unknown,
        unknown_heavy=heavy,
    )


def unknown_heavy(findings: Sequence[Finding], config: ScoringConfig) -> bool:
    """Whether the rules that decide the level are mostly undecided.

    Weighted by the points a hit would add: an undecided truck-factor rule (high) leaves
    more unsaid than an undecided yanked-release rule (low). Heavy when the undecided
    share reaches ``[unknown] heavy_share``, or when the undecided rules alone carry
    ``heavy_points`` (the high band by default): enough that, had the evidence come,
    the package could be high. Vendor rules add no points and do not count.
    """
    total = undecided = 0
    for f in findings:
        if f.kind == "person":
            weight = config.points[f.severity]
            total += weight
            if f.outcome == "unknown":
                undecided += weight
    if total == 0:
        return False
    return (
        undecided / total >= config.unknown_heavy_share or undecided >= config.unknown_heavy_points
    )


def assess_state(
    signals: Mapping[str, Signal], config: ScoringConfig, memo: LeafMemo | None = None
) -> tuple[State, str, tuple[Evidence, ...]]:
    """Abandoned, mature or active, with the evidence; unknown when it cannot be told."""
    for state in config.states:
        evidence: list[Evidence] = []
        result = evaluate_condition(state.when, signals, evidence, memo)
        if result is True:
            return state.name, state.why, tuple(evidence)
        if result is None:
            return _undecided(state, tuple(evidence))
    return _NO_STATE


_NO_STATE: tuple[State, str, tuple[Evidence, ...]] = ("unknown", "no state's conditions hold", ())


def _undecided(
    state: StateRule, evidence: tuple[Evidence, ...]
) -> tuple[State, str, tuple[Evidence, ...]]:
    """A state whose condition is unknown: the package's state cannot be told."""
    missing = sorted({e.signal for e in evidence if e.result is None})
    why = f"cannot tell whether it is {state.name}: {', '.join(missing)} unknown"
    return "unknown", why, evidence


def evaluate(
    rules: Sequence[Rule],
    signals: Mapping[str, Signal],
    context: PackageContext,
    config: ScoringConfig | None = None,
) -> PackageScore:
    """Score one package: every in-scope rule's finding, the level, the number, the state.

    To score many packages with the same rules, use one :class:`Scorer` for them all."""
    return Scorer(rules, default_config() if config is None else config).score(signals, context)


# ---------------------------------------------------------------- many packages

_OUTCOMES: tuple[Outcome, Outcome, Outcome] = ("pass", "unknown", "hit")  # by Truth
# Values that are their own exact key, with their type: equal means shown alike and
# compared alike. Any other value is keyed by its repr: a float (-0.0 == 0.0 but shows
# differently; repr round-trips), a list or a table (cannot be hashed).
_KEYED_VALUES: frozenset[type] = frozenset({str, int, bool, type(None)})
SignalKey = tuple[object, ...]


# What a group's leaves answer for one value and unknown reason: each leaf's truth, and
# what its Evidence says besides the value and source (signal, op, expected, unknown
# reason, result).
_Said = tuple[str, str, JSONValue | date, str | None, bool | None]
_Answers = tuple[tuple[Truth, ...], tuple[_Said, ...]]


def _answers(leaves: Sequence[Compare | Missing], value: JSONValue, reason: str | None) -> _Answers:
    truths: list[Truth] = []
    said: list[_Said] = []
    for leaf in leaves:
        result, why = _answer(leaf, value, reason)
        truths.append(TRUTH[result])
        said.append((*_shape(leaf), why, result))
    return tuple(truths), tuple(said)


def _evidences(value: JSONValue, source: str | None, said: Sequence[_Said]) -> tuple[Evidence, ...]:
    return tuple(
        [
            Evidence(
                signal=signal,
                op=op,
                expected=expected,
                value=value,
                source=source,
                unknown_reason=why,
                result=result,
            )
            for signal, op, expected, why, result in said
        ]
    )


_Plan = tuple[tuple[tuple[int, Rule, CompiledCondition], ...], tuple[str, ...]]


class Scorer:
    """Scores packages against one rule set and configuration, sharing work between them.

    Not data but a worker for one audit (and one thread). It compiles the rules' and the states'
    conditions once (see ``auditor.judge.compiled``), and for its life it remembers the
    answers of the leaves reading each distinct signal (a package whose signal has the
    same value, source and unknown reason as another's gets the same immutable Evidence)
    and each distinct Finding (the same rule over the same Evidence). The scores are
    exactly what ``evaluate_rule`` and ``assess_state``, the reference tree walk, give:
    tests compare both over every shipped rule and state.
    """

    def __init__(self, rules: Sequence[Rule], config: ScoringConfig) -> None:
        self.rules = tuple(rules)
        self.config = config
        conditions = [r.when for r in self.rules] + [s.when for s in config.states]
        compiled = compile_conditions(conditions)
        self._groups = compiled.groups
        self._rule_conditions = compiled.conditions[: len(self.rules)]
        self._state_conditions = compiled.conditions[len(self.rules) :]
        # signal contents seen -> their leaves' truths and Evidence; without the source
        # -> their leaves' answers
        self._seen: dict[SignalKey, tuple[tuple[Truth, ...], tuple[Evidence, ...]]] = {}
        self._answered: dict[SignalKey, _Answers] = {}
        self._findings: dict[tuple[object, ...], Finding] = {}
        # (direct, categories) -> the rules in scope and the ids of those out of scope
        self._plans: dict[tuple[bool, tuple[str, ...]], _Plan] = {}

    def _read(self, signals: Mapping[str, Signal]) -> tuple[list[Truth], list[Evidence]]:
        """Every distinct leaf's truth and evidence, numbered as the compiled table."""
        truths: list[Truth] = []
        evidence: list[Evidence] = []
        remembered, answered = self._seen, self._answered
        for group in self._groups:
            name = group.signal
            signal = signals.get(name)
            value: JSONValue
            source: str | None
            reason: str | None
            if signal is None:
                value, source, reason = None, None, NOT_COLLECTED
            else:
                value, source, reason = signal.value, signal.source, signal.unknown_reason
            kind = type(value)
            token = value if kind in _KEYED_VALUES else repr(value)
            key = (name, kind, token, source, reason)
            known = remembered.get(key)
            if known is None:
                # The answers do not depend on the source: packages share them more often.
                asked = (name, kind, token, reason)
                shared = answered.get(asked)
                if shared is None:
                    shared = answered[asked] = _answers(group.leaves, value, reason)
                known = remembered[key] = (
                    shared[0],
                    _evidences(value, source, shared[1]),
                )
            truths += known[0]
            evidence += known[1]
        return truths, evidence

    def _plan(self, context: PackageContext) -> _Plan:
        """The rules in scope for packages placed like this one, and the ids of the rest."""
        categories = set(context.categories)
        used: list[tuple[int, Rule, CompiledCondition]] = []
        skipped: list[str] = []
        for number, (rule, condition) in enumerate(
            zip(self.rules, self._rule_conditions, strict=True)
        ):
            if _in_scope(rule, context.direct, categories):
                used.append((number, rule, condition))
            else:
                skipped.append(rule.id)
        return tuple(used), tuple(skipped)

    def _state(
        self, truths: Sequence[Truth], evidence: Sequence[Evidence]
    ) -> tuple[State, str, tuple[Evidence, ...]]:
        for state, condition in zip(self.config.states, self._state_conditions, strict=True):
            truth = condition.truth(truths)
            if truth == TRUE:
                return state.name, state.why, condition.gather(evidence)
            if truth == UNKNOWN:
                return _undecided(state, condition.gather(evidence))
        return _NO_STATE

    def score(self, signals: Mapping[str, Signal], context: PackageContext) -> PackageScore:
        """What :func:`evaluate` gives for this package."""
        truths, evidence = self._read(signals)
        scope = (context.direct, context.categories)
        plan = self._plans.get(scope)
        if plan is None:
            plan = self._plans[scope] = self._plan(context)
        remembered = self._findings
        findings: list[Finding] = []
        for number, rule, condition in plan[0]:
            found = condition.gather(evidence)
            suggestion = None
            if rule.suggestion is not None and condition.truth(truths) == TRUE:
                suggestion = _suggestion(rule, signals, context.name)
            # The evidence decides the outcome. The finding holds its evidence, so the
            # ids in its key stay alive, never reused, as long as the key does.
            key = (number, suggestion, *map(id, found))
            finding = remembered.get(key)
            if finding is None:
                finding = remembered[key] = Finding(
                    rule_id=rule.id,
                    severity=rule.severity,
                    kind=rule.kind,
                    outcome=_OUTCOMES[condition.truth(truths)],
                    summary=rule.summary,
                    remediation=rule.remediation,
                    evidence=found,
                    suggestion=suggestion,
                )
            findings.append(finding)
        state, why, state_evidence = self._state(truths, evidence)
        return PackageScore(
            name=context.name,
            context=context,
            state=state,
            state_why=why,
            state_evidence=state_evidence,
            out_of_scope=plan[1],
            **_verdict(findings, context, self.config),
        )


# ---------------------------------------------------------------- configuration


def _num(data: Mapping[str, object], key: str, where: str, problems: list[str]) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        problems.append(f"{where}.{key}: must be a non-negative number")
        return 0.0
    return float(value)


def _table(data: Mapping[str, object], key: str, problems: list[str]) -> Mapping[str, object]:
    value = data.get(key)
    if not isinstance(value, dict):
        problems.append(f"[{key}]: missing table")
        return {}
    return value


def load_scoring_config(
    path: Path | None = None, *, signals: Mapping[str, SignalSpec] | None = None
) -> ScoringConfig:
    """Read and validate scoring.toml; every problem is raised at once as InputError."""
    from auditor.judge.rules import known_signals
    from auditor.judge.taxonomy import default_rules_root

    source = path if path is not None else default_rules_root() / SCORING_FILE
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(
            f"cannot read scoring weights {source}: {exc}",
            hint="Reinstall auditor, or fix the file (rules/scoring.toml shows the shape).",
        ) from exc
    problems: list[str] = []
    points = _table(data, "points", problems)
    mult = _table(data, "multipliers", problems)
    bands = _table(data, "levels", problems)
    unknown = _table(data, "unknown", problems)
    specs = known_signals() if signals is None else signals
    states: list[StateRule] = []
    raw_states = data.get("state", [])
    if not isinstance(raw_states, list):
        problems.append("state: must be an array of tables ([[state]])")
        raw_states = []
    for i, raw in enumerate(raw_states):
        where = f"state[{i}]"
        name = raw.get("name") if isinstance(raw, dict) else None
        if name not in STATES:
            problems.append(f"{where}.name: must be one of {', '.join(STATES)}")
            continue
        cond, cond_problems = parse_condition(
            raw.get("when"), path=str(source), where=f"{where}.when", specs=specs
        )
        problems.extend(f"{p.field}: {p.message}" for p in cond_problems)
        if cond is not None:
            states.append(StateRule(name=name, why=str(raw.get("why", name)), when=cond))
    cfg = ScoringConfig(
        points={s: int(_num(points, s, "points", problems)) for s in SEVERITIES},
        serving_path=_num(mult, "serving_path", "multipliers", problems),
        reach_step=_num(mult, "reach_step", "multipliers", problems),
        reach_max=_num(mult, "reach_max", "multipliers", problems),
        bands={lv: int(_num(bands, lv, "levels", problems)) for lv in BANDED},
        unknown_heavy_share=_num(unknown, "heavy_share", "unknown", problems),
        unknown_heavy_points=_num(unknown, "heavy_points", "unknown", problems),
        states=tuple(states),
    )
    if problems:
        raise InputError(
            f"{source} has problems:\n  " + "\n  ".join(problems),
            hint="Fix the listed fields; the shipped rules/scoring.toml shows the shape.",
        )
    return cfg


@lru_cache(maxsize=1)
def default_config() -> ScoringConfig:
    """The shipped weights, read once."""
    return load_scoring_config()
