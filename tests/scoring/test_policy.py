"""Acceptances, baselines and the gate's exit codes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from auditor.errors import InputError
from auditor.judge.policy import (
    EXIT_OK,
    EXIT_RISK,
    EXIT_UNTRUSTWORTHY,
    Acceptance,
    apply_acceptances,
    compare_baseline,
    find_policy_file,
    gate,
    load_acceptances,
    load_baseline,
    parse_baseline,
)
from auditor.judge.rules import Compare, Rule, Scope
from auditor.judge.scoring import PackageScore, evaluate

from .helpers import ctx, signals, unknown

TODAY = date(2025, 6, 1)


def _rule(rid: str, signal: str, severity: str = "high") -> Rule:
    return Rule(
        id=rid,
        summary=rid,
        motivation="m",
        remediation="r",
        severity=severity,  # type: ignore[arg-type]
        kind="person",
        when=Compare(signal=signal, op="==", value=1),
        scope=Scope(),
    )


RULES = [_rule("tf", "truck_factor", "high"), _rule("pub", "index_publisher_count", "medium")]


def score(name: str, direct: bool = True, **values: object) -> PackageScore:
    sigs = {k: v for k, v in signals(**values).items() if v.value is not None}  # type: ignore[arg-type]
    sigs.update({k: unknown(k) for k, v in values.items() if v is None})
    return evaluate(RULES, sigs, ctx(name, direct=direct))


def accept(package: str, rule: str | None = None, expires: date = date(2026, 1, 1)) -> Acceptance:
    return Acceptance(
        package=package, rule=rule, reason="we vendor it", expires=expires, origin="t"
    )


# ---------------------------------------------------------------- acceptances


def test_active_acceptance_hides_the_finding() -> None:
    s = score("foo", truck_factor=1, index_publisher_count=2)
    assert s.level == "high"
    result = apply_acceptances([s], [accept("Foo")], TODAY)
    after = result.scores[0]
    assert after.level == "none" and after.risk == 0
    assert after.findings[0].acceptance is not None
    assert "accepted until 2026-01-01" in after.contributions[0].why
    assert gate(result.scores).exit_code == EXIT_OK
    assert result.notes == ()


def test_expired_acceptance_stops_hiding_and_says_so() -> None:
    s = score("foo", truck_factor=1, index_publisher_count=2)
    result = apply_acceptances([s], [accept("foo", expires=date(2025, 1, 1))], TODAY)
    after = result.scores[0]
    assert after.level == "high" and after.risk == s.risk
    assert any("expired on 2025-01-01" in n for n in result.notes)
    assert "expired" in after.contributions[0].why
    assert gate(result.scores).exit_code == EXIT_RISK


def test_acceptance_holds_through_its_expiry_day() -> None:
    # "expires = 2025-06-01" reads as "accepted until that date": on the day it still
    # hides the finding; the day after it stops and says so.
    s = score("foo", truck_factor=1, index_publisher_count=2)
    today = apply_acceptances([s], [accept("foo", expires=TODAY)], TODAY)
    assert today.scores[0].level == "none" and today.notes == ()
    assert today.scores[0].findings[0].acceptance is not None
    assert today.scores[0].findings[0].acceptance.expired is False
    yesterday = apply_acceptances([s], [accept("foo", expires=date(2025, 5, 31))], TODAY)
    assert yesterday.scores[0].level == "high"
    assert any("expired on 2025-05-31" in n for n in yesterday.notes)


def test_live_acceptance_wins_over_an_expired_one_for_the_same_finding() -> None:
    s = score("foo", truck_factor=1, index_publisher_count=2)
    both = [accept("foo", rule="tf", expires=date(2025, 5, 31)), accept("foo", expires=TODAY)]
    after = apply_acceptances([s], both, TODAY).scores[0]
    assert after.level == "none"


def test_rule_specific_acceptance_only_hides_that_rule() -> None:
    s = score("foo", truck_factor=1, index_publisher_count=1)
    result = apply_acceptances([s], [accept("foo", rule="tf")], TODAY)
    after = result.scores[0]
    by = {f.rule_id: f for f in after.findings}
    assert by["tf"].acceptance is not None and by["pub"].acceptance is None
    assert after.level == "medium"


def test_unused_acceptance_is_noted() -> None:
    s = score("foo", truck_factor=2, index_publisher_count=2)
    result = apply_acceptances([s], [accept("bar")], TODAY)
    assert "matches no finding" in result.notes[0]


def test_load_acceptances_from_pyproject_and_dotfile(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "app"\n[tool.auditor]\n[[tool.auditor.accept]]\n'
        'package = "Foo_Bar"\nrule = "tf"\nreason = "pinned"\nexpires = 2026-12-31\n',
        encoding="utf-8",
    )
    path = find_policy_file(tmp_path)
    assert path == tmp_path / "pyproject.toml"
    (acc,) = load_acceptances(path)
    assert (acc.package, acc.rule, acc.expires) == ("foo-bar", "tf", date(2026, 12, 31))
    (tmp_path / ".auditor.toml").write_text(
        '[[accept]]\npackage = "x"\nreason = "r"\nexpires = 2026-01-01\n', encoding="utf-8"
    )
    assert find_policy_file(tmp_path) == tmp_path / ".auditor.toml"
    assert load_acceptances(tmp_path / ".auditor.toml")[0].rule is None


def test_no_policy_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "a"\n', encoding="utf-8")
    assert find_policy_file(tmp_path) is None


def test_bad_acceptances_report_every_problem(tmp_path: Path) -> None:
    p = tmp_path / ".auditor.toml"
    p.write_text(
        '[[accept]]\nrule = 3\n[[accept]]\npackage = "x"\nreason = "r"\nexpires = "soon"\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        load_acceptances(p)
    msg = info.value.message
    for bit in (
        "accept[0].package",
        "accept[0].rule",
        "accept[0].reason",
        "accept[0].expires",
        "accept[1].expires",
    ):
        assert bit in msg


# ---------------------------------------------------------------- baseline


def _report(**levels: str) -> dict[str, object]:
    return {"packages": [{"name": n, "risk": {"level": lv}} for n, lv in levels.items()]}


def test_baseline_only_new_or_worse_fails() -> None:
    same = score("same", truck_factor=1)  # high
    worse = score("worse", truck_factor=1)  # high, was medium
    new = score("new", truck_factor=1)  # high, absent before
    better = score("better", index_publisher_count=1)  # medium, was high
    baseline = parse_baseline(_report(same="high", worse="medium", better="high"), "prev.json")
    changes = {c.name: c.status for c in compare_baseline([same, worse, new, better], baseline)}
    assert changes == {"same": "same", "worse": "worse", "new": "new", "better": "better"}
    result = gate([same, worse, new, better], fail_on="high", baseline=baseline)
    assert result.exit_code == EXIT_RISK
    assert sorted(f.name for f in result.failing) == ["new", "worse"]
    assert any("worse than the baseline's medium" in r for r in result.reasons)
    only_old = gate([same], fail_on="high", baseline=baseline)
    assert only_old.exit_code == EXIT_OK


def test_load_baseline_file_and_errors(tmp_path: Path) -> None:
    good = tmp_path / "prev.json"
    good.write_text(json.dumps(_report(Foo_Bar="low")), encoding="utf-8")
    assert load_baseline(good).levels == {"foo-bar": "low"}
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(InputError):
        load_baseline(bad)
    with pytest.raises(InputError):
        parse_baseline({"packages": [{"name": "x"}]}, "x.json")


def test_a_report_roundtrips_as_baseline() -> None:
    s = score("foo", truck_factor=1)
    baseline = parse_baseline({"packages": [s.to_json()]}, "r.json")
    assert gate([s], baseline=baseline).exit_code == EXIT_OK


# ---------------------------------------------------------------- gate


@pytest.mark.parametrize(
    ("values", "fail_on", "strict", "code"),
    [
        ({"truck_factor": 2, "index_publisher_count": 2}, "high", False, EXIT_OK),
        ({"truck_factor": 1, "index_publisher_count": 2}, "high", False, EXIT_RISK),
        ({"truck_factor": 2, "index_publisher_count": 1}, "high", False, EXIT_OK),
        ({"truck_factor": 2, "index_publisher_count": 1}, "medium", False, EXIT_RISK),
        ({"truck_factor": 1, "index_publisher_count": 2}, "critical", False, EXIT_OK),
        ({"truck_factor": None, "index_publisher_count": 2}, "high", False, EXIT_OK),
        ({"truck_factor": None, "index_publisher_count": 2}, "high", True, EXIT_UNTRUSTWORTHY),
        # the unknown rule is below --fail-on critical: strict does not care
        ({"truck_factor": None, "index_publisher_count": 2}, "critical", True, EXIT_OK),
        # known risk wins over unknowns
        ({"truck_factor": None, "index_publisher_count": 1}, "medium", True, EXIT_RISK),
    ],
)
def test_gate_exit_codes(values: dict[str, Any], fail_on: str, strict: bool, code: int) -> None:
    result = gate([score("foo", **values)], fail_on=fail_on, strict=strict)
    assert result.exit_code == code, result.reasons
    if code != EXIT_OK:
        assert result.failing and result.reasons


def test_strict_only_for_packages_that_matter() -> None:
    deep = evaluate(RULES, {}, ctx("deep", direct=False, reach=1))
    wide = evaluate(RULES, {}, ctx("wide", direct=False, reach=2))
    serving = evaluate(RULES, {}, ctx("gpu", direct=False, serving_path=True))
    assert gate([deep], strict=True).exit_code == EXIT_OK
    assert gate([wide], strict=True).exit_code == EXIT_UNTRUSTWORTHY
    result = gate([serving], strict=True)
    assert result.exit_code == EXIT_UNTRUSTWORTHY
    assert "truck_factor" in result.failing[0].reason


def test_accepted_unknown_does_not_fail_strict() -> None:
    s = evaluate(RULES, {}, ctx("foo", direct=True))
    result = apply_acceptances([s], [accept("foo")], TODAY)
    assert gate(result.scores, strict=True).exit_code == EXIT_OK


def test_bad_fail_on() -> None:
    with pytest.raises(InputError):
        gate([], fail_on="severe")
