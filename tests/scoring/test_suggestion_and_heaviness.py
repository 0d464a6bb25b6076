"""A rule's suggestion, the weighted unknown-heaviness and ``present`` conditions.

Written from the scoring scope's mutation survivors (benchmarks/mutation.py scoring):
each of these decides what a user reads ("use X instead") or whether a package with no
hit says "unknown" rather than a green "none".
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from auditor.collectors.interface import Signal
from auditor.errors import InputError
from auditor.judge.rules import Compare, Kind, Missing, Rule, Scope, Severity
from auditor.judge.scoring import (
    SCORING_FILE,
    Evidence,
    default_config,
    evaluate,
    evaluate_condition,
    evaluate_rule,
    load_scoring_config,
)
from auditor.judge.taxonomy import default_rules_root

from .helpers import ctx, known, unknown


def _rule(
    rid: str,
    signal: str,
    severity: Severity = "high",
    kind: Kind = "person",
    suggestion: str | None = None,
) -> Rule:
    return Rule(
        id=rid,
        summary=rid,
        motivation="m",
        remediation="r",
        severity=severity,
        kind=kind,
        when=Compare(signal=signal, op="==", value=1),
        scope=Scope(),
        suggestion=suggestion,
    )


NOTICE = _rule("notice", "flag", suggestion="successor")


def test_a_hit_names_the_successor_the_project_gives() -> None:
    sigs = {"flag": known("flag", 1), "successor": known("successor", "new-lib")}
    assert evaluate_rule(NOTICE, sigs, "old-lib").suggestion == "old-lib says: use new-lib"
    # evaluate passes the package's own name
    scored = evaluate([NOTICE], sigs, ctx("old-lib"))
    assert scored.findings[0].suggestion == "old-lib says: use new-lib"
    # without a package name the sentence still reads
    assert evaluate_rule(NOTICE, sigs).suggestion == "the project says: use new-lib"


@pytest.mark.parametrize(
    ("flag", "successor"),
    [
        (known("flag", 2), known("successor", "new-lib")),  # the rule passes
        (unknown("flag"), known("successor", "new-lib")),  # the rule is undecided
        (known("flag", 1), unknown("successor")),  # the successor is unknown
        (known("flag", 1), known("successor", "")),  # the notice names none
        (known("flag", 1), known("successor", 3)),  # not a name
        (known("flag", 1), None),  # not collected at all
    ],
)
def test_no_suggestion_without_a_hit_and_a_named_successor(
    flag: Signal, successor: Signal | None
) -> None:
    sigs = {"flag": flag} | ({} if successor is None else {"successor": successor})
    assert evaluate_rule(NOTICE, sigs, "old-lib").suggestion is None


def test_a_rule_without_a_suggestion_suggests_nothing() -> None:
    sigs = {"flag": known("flag", 1), "successor": known("successor", "new-lib")}
    plain = replace(NOTICE, suggestion=None)
    assert evaluate_rule(plain, sigs, "old-lib").suggestion is None


# -- unknown-heaviness --------------------------------------------------------------------


def _heavy(rules: list[Rule], sigs: dict[str, Signal], **config: float) -> tuple[bool, str]:
    cfg = replace(default_config(), **config)  # type: ignore[arg-type]
    s = evaluate(rules, sigs, ctx("pkg", direct=True), cfg)
    return s.unknown_heavy, s.level


def test_heavy_at_exactly_the_share() -> None:
    # points: high 25, medium 12, low 5. One high undecided of high + high decided: 50 %.
    rules = [_rule("a", "a"), _rule("b", "b")]
    sigs = {"a": unknown("a"), "b": known("b", 2)}
    assert _heavy(rules, sigs, unknown_heavy_points=1000) == (True, "unknown")
    assert _heavy(rules, sigs, unknown_heavy_share=0.51, unknown_heavy_points=1000) == (
        False,
        "none",
    )


def test_heaviness_is_weighted_by_points_not_counted() -> None:
    # one low undecided against one high decided: one rule of two, but 5 of 30 points
    rules = [_rule("a", "a", "low"), _rule("b", "b", "high")]
    sigs = {"a": unknown("a"), "b": known("b", 2)}
    assert _heavy(rules, sigs, unknown_heavy_points=1000)[0] is False
    # the other way round: 25 of 30 points undecided
    sigs = {"a": known("a", 2), "b": unknown("b")}
    assert _heavy(rules, sigs, unknown_heavy_points=1000)[0] is True


def test_heavy_when_the_undecided_points_alone_reach_the_bar() -> None:
    # 25 undecided of 25 + 3 x 25 decided: 25 % share, but 25 points >= heavy_points 25
    rules = [_rule(x, x) for x in "abcd"]
    sigs = {"a": unknown("a")} | {x: known(x, 2) for x in "bcd"}
    assert _heavy(rules, sigs, unknown_heavy_points=25) == (True, "unknown")
    assert _heavy(rules, sigs, unknown_heavy_points=26) == (False, "none")


def test_vendor_rules_do_not_weigh() -> None:
    # an undecided vendor rule leaves nothing unsaid about people
    rules = [_rule("v", "v", kind="vendor"), _rule("p", "p")]
    sigs = {"v": unknown("v"), "p": known("p", 2)}
    assert _heavy(rules, sigs, unknown_heavy_share=0.1, unknown_heavy_points=1)[0] is False
    # and only vendor rules, all undecided: no person rule, so not heavy
    assert _heavy(rules[:1], {"v": unknown("v")}, unknown_heavy_share=0.0)[0] is False


def test_no_rules_is_not_heavy() -> None:
    assert _heavy([], {}, unknown_heavy_share=0.0, unknown_heavy_points=0) == (False, "none")


def test_a_hit_keeps_its_level_however_much_is_undecided() -> None:
    rules = [_rule("a", "a", "low"), _rule("b", "b"), _rule("c", "c")]
    sigs = {"a": known("a", 1), "b": unknown("b"), "c": unknown("c")}
    assert _heavy(rules, sigs) == (True, "low")


# -- present ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signal", "present", "result"),
    [
        (known("x", 0), True, True),
        (unknown("x"), True, False),
        (None, True, False),
        (known("x", 0), False, False),
        (unknown("x"), False, True),
        (None, False, True),
    ],
)
def test_present_and_missing_are_decided_and_recorded(
    signal: Signal | None, present: bool, result: bool
) -> None:
    sigs: dict[str, Signal] = {} if signal is None else {"x": signal}
    evidence: list[Evidence] = []
    assert evaluate_condition(Missing(signal="x", present=present), sigs, evidence) is result
    (ev,) = evidence
    assert (ev.signal, ev.op, ev.result) == ("x", "present" if present else "missing", result)
    assert ev.value == (None if signal is None else signal.value)


def test_heavy_points_are_read_from_the_file_and_checked(tmp_path: Path) -> None:
    shipped = (default_rules_root() / SCORING_FILE).read_text(encoding="utf-8")
    assert "heavy_points = 50\n" in shipped
    copy = tmp_path / "scoring.toml"
    copy.write_text(shipped.replace("heavy_points = 50\n", "heavy_points = 30\n"), "utf-8")
    assert load_scoring_config(copy).unknown_heavy_points == 30.0
    copy.write_text(shipped.replace("heavy_points = 50\n", "heavy_points = -1\n"), "utf-8")
    with pytest.raises(InputError) as info:
        load_scoring_config(copy)
    assert "  unknown.heavy_points: must be a non-negative number" in info.value.message


def test_a_file_without_states_has_none(tmp_path: Path) -> None:
    # [[state]] is optional: without it every package's state is "unknown", not an error.
    shipped = (default_rules_root() / SCORING_FILE).read_text(encoding="utf-8")
    copy = tmp_path / "scoring.toml"
    copy.write_text(shipped.split("\n[[state]]", 1)[0], "utf-8")
    assert load_scoring_config(copy).states == ()
