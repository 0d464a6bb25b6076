"""Policy behaviour and messages the mutation run (benchmarks/mutation.py) found unguarded.

Each test here kills mutants that survived the rest of the suite: a gate that fails a
package that only got better, a baseline that is not a report crashing instead of
explaining, the strict check stopping at the first package that does not matter, and
the messages and hints a user acts on.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from auditor.errors import InputError
from auditor.judge.policy import (
    EXIT_OK,
    EXIT_RISK,
    EXIT_UNTRUSTWORTHY,
    FAIL_ON_CHOICES,
    Acceptance,
    Change,
    apply_acceptances,
    check_fail_on,
    compare_baseline,
    gate,
    load_acceptances,
    load_baseline,
    parse_acceptances,
    parse_baseline,
)
from auditor.judge.scoring import AcceptanceNote, default_config, evaluate

from .helpers import ctx
from .test_policy import RULES, TODAY, accept, score

REPORT_HINT = 'Pass a JSON report written by `audit --format json` ({"packages": [...]}).'


def test_a_package_better_than_the_baseline_but_still_risky_passes() -> None:
    # critical before, high now: still at --fail-on high, but not new and not worse.
    now_high = score("foo", truck_factor=1, index_publisher_count=2)
    assert now_high.level == "high"
    baseline = parse_baseline({"packages": [{"name": "foo", "risk": {"level": "critical"}}]}, "b")
    assert compare_baseline([now_high], baseline) == (
        Change(name="foo", previous="critical", current="high", status="better"),
    )
    assert gate([now_high], baseline=baseline).exit_code == EXIT_OK


def test_gate_reasons_name_the_person_rules_and_the_baseline() -> None:
    # tf is hit (a person rule), pub passes: only tf is named.
    s = score("foo", truck_factor=1, index_publisher_count=2)
    worse = parse_baseline({"packages": [{"name": "foo", "risk": {"level": "low"}}]}, "b")
    result = gate([s], baseline=worse)
    assert result.reasons[0] == (
        f"foo: high risk ({s.risk}/100: tf) -- worse than the baseline's low"
    )
    assert result.reasons[-1] == (
        "1 package(s) at or above high: see `auditor explain PKG`, reduce the risk, or "
        "accept it with a reason and an expiry in [tool.auditor]"
    )
    new = gate([s], baseline=parse_baseline({"packages": []}, "b"))
    assert new.reasons[0] == f"foo: high risk ({s.risk}/100: tf) -- new since the baseline"


def test_strict_looks_past_packages_that_do_not_matter() -> None:
    deep = evaluate(RULES, {}, ctx("deep", direct=False, reach=1))
    direct = evaluate(RULES, {}, ctx("direct", direct=True))
    result = gate([deep, direct], fail_on="medium", strict=True)
    assert result.exit_code == EXIT_UNTRUSTWORTHY
    assert [f.name for f in result.failing] == ["direct"]
    assert result.failing[0].reason == (
        "direct: 2 rule(s) at or above medium undecided (tf, pub); unknown signals: "
        "index_publisher_count, truck_factor"
    )
    assert result.reasons[-1] == (
        "--strict: the result is untrustworthy; provide the missing data (for example set "
        "GITHUB_TOKEN) or run without --strict"
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "b.json: not an auditor JSON report (no packages list)"),
        ({"packages": "all"}, "b.json: not an auditor JSON report (no packages list)"),
        ({"packages": [3]}, "b.json: packages[0] lacks a name or a risk.level"),
        ({"packages": [{"name": "x", "risk": "high"}]}, "b.json: packages[0] lacks a name"),
        ({"packages": [{"risk": {"level": "high"}}]}, "b.json: packages[0] lacks a name"),
    ],
)
def test_a_baseline_that_is_not_a_report_says_what_to_pass(data: object, message: str) -> None:
    with pytest.raises(InputError) as info:
        parse_baseline(data, "b.json")
    assert info.value.message.startswith(message)
    assert info.value.hint == REPORT_HINT
    if "lacks" in message:
        assert info.value.message.endswith("(one of none, unknown, low, medium, high, critical)")


def test_baseline_file_errors_name_the_file_and_the_fix(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(InputError) as info:
        load_baseline(missing)
    assert info.value.message == f"cannot read baseline {missing}: No such file or directory"
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "packages": [,]\n}', encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_baseline(broken)
    assert info.value.message.startswith(f"{broken}:2: baseline is not JSON: ")
    assert info.value.hint == "Pass a report written by `audit --format json`."


def test_a_bad_fail_on_lists_the_levels() -> None:
    with pytest.raises(InputError) as info:
        check_fail_on("severe")
    assert info.value.message == "--fail-on 'severe' is not a level"
    assert info.value.hint == f"Use one of {', '.join(FAIL_ON_CHOICES)}."
    assert check_fail_on("low") == "low"


def test_unused_acceptances_are_named_with_their_rule_and_origin() -> None:
    s = score("foo", truck_factor=2, index_publisher_count=2)
    notes = apply_acceptances([s], [accept("bar"), accept("baz", rule="tf")], TODAY).notes
    assert notes == (
        "acceptance bar (all rules) (t) matches no finding; remove it if the risk is gone",
        "acceptance baz / tf (t) matches no finding; remove it if the risk is gone",
    )


def test_every_acceptance_problem_is_listed_with_its_place(tmp_path: Path) -> None:
    path = tmp_path / ".auditor.toml"
    path.write_text(
        '[[accept]]\npackage = 3\nreason = " "\nexpires = 2026-01-01\ncolour = "red"\n'
        '[[accept]]\npackage = ""\nreason = "r"\nexpires = 2026-01-01\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        load_acceptances(path)
    assert info.value.message.splitlines()[1:] == [
        f"  {path}:1: accept[0].package: missing; the package name to accept",
        f"  {path}:1: accept[0].reason: missing; say why the risk is acceptable",
        f"  {path}:1: accept[0]: unknown field 'colour'",
        f"  {path}:6: accept[1].package: missing; the package name to accept",
    ]
    assert info.value.hint == (
        "Each [[tool.auditor.accept]] needs package, reason and expires; rule is optional."
    )


def test_acceptance_shapes_toml_allows(tmp_path: Path) -> None:
    path = tmp_path / ".auditor.toml"
    path.write_text(
        '[[accept]]\npackage = "Foo"\nreason = " pinned "\nexpires = 2026-01-01T09:30:00\n',
        encoding="utf-8",
    )
    (acc,) = load_acceptances(path)
    assert (acc.package, acc.reason, acc.expires) == ("foo", "pinned", date(2026, 1, 1))
    assert acc.origin == f"{path} accept[0]"
    path.write_text('accept = "everything"\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_acceptances(path)
    assert info.value.message == f"{path}:1: accept must be an array of tables"
    assert (
        info.value.hint == "Write each acceptance as [[accept]] with package, reason and expires."
    )
    path.write_text("[[accept]]\n[[accept\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_acceptances(path)
    assert info.value.message.startswith(f"{path}:2: invalid TOML: ")
    assert info.value.hint is not None and info.value.hint.startswith("Fix the syntax")
    path.write_text('accept = ["x"]\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_acceptances(path)
    assert f"{path}: accept[0]: must be a table" in info.value.message


def test_a_rule_specific_acceptance_is_preferred_and_recorded_on_the_finding() -> None:
    s = score("foo", truck_factor=1, index_publisher_count=2)
    broad = Acceptance(
        package="foo", rule=None, reason="all of it", expires=TODAY, origin="a.toml accept[0]"
    )
    narrow = Acceptance(
        package="foo", rule="tf", reason="just tf", expires=TODAY, origin="a.toml accept[1]"
    )
    for order in ([broad, narrow], [narrow, broad]):
        after = apply_acceptances([s], order, TODAY).scores[0]
        tf = next(f for f in after.findings if f.rule_id == "tf")
        assert tf.acceptance == AcceptanceNote(
            reason="just tf", expires=TODAY, expired=False, origin="a.toml accept[1]"
        )


def test_an_acceptance_of_a_package_whose_rules_all_pass_matches_nothing() -> None:
    s = score("foo", truck_factor=2, index_publisher_count=2)
    result = apply_acceptances([s], [accept("foo")], TODAY)
    assert all(f.acceptance is None for f in result.scores[0].findings)
    assert result.notes == (
        "acceptance foo (all rules) (t) matches no finding; remove it if the risk is gone",
    )


def test_acceptances_rescore_with_the_given_configuration() -> None:
    s = score("foo", truck_factor=1, index_publisher_count=1)
    cfg = default_config()
    doubled = replace(cfg, points={k: 2 * v for k, v in cfg.points.items()})
    tf_only = [accept("foo", rule="tf")]
    default = apply_acceptances([s], tf_only, TODAY).scores[0]
    custom = apply_acceptances([s], tf_only, TODAY, doubled).scores[0]
    assert custom.risk != default.risk


def test_gate_names_every_person_rule() -> None:
    both = score("foo", truck_factor=1, index_publisher_count=1)
    assert gate([both], fail_on="medium").reasons[0] == (
        f"foo: {both.level} risk ({both.risk}/100: tf, pub)"
    )


def test_acceptance_problems_keep_coming_after_a_non_table(tmp_path: Path) -> None:
    path = tmp_path / ".auditor.toml"
    path.write_text(
        'accept = ["x", {package = "p", reason = "r", expires = "soon", a = 1, b = 2}]\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        load_acceptances(path)
    assert info.value.message.splitlines() == [
        "the acceptances have problems:",
        f"  {path}: accept[0]: must be a table",
        f"  {path}: accept[1].expires: missing or not a date; write an unquoted date such as "
        "expires = 2026-12-31",
        f"  {path}: accept[1]: unknown field 'a'",
        f"  {path}: accept[1]: unknown field 'b'",
    ]
    missing = tmp_path / "absent.toml"
    with pytest.raises(InputError) as info:
        load_acceptances(missing)
    assert info.value.message == f"cannot read {missing}: No such file or directory"


# -- written from the policy scope's mutation survivors after the layout change -----------


def test_a_package_whose_source_failed_fails_the_gate_once() -> None:
    fine = score("fine", truck_factor=2, index_publisher_count=2)
    risky = score("risky", truck_factor=1, index_publisher_count=2)
    assert (fine.level, risky.level) == ("none", "high")
    failed = "the index's project JSON could not be read this run: HTTP 503"
    result = gate([fine, risky], faults={"fine": failed, "risky": failed})
    # A package already failing for its risk is not listed again for its fault.
    assert [(f.name, f.kind, f.level, f.reason) for f in result.failing] == [
        ("risky", "risk", "high", "risky: high risk (25/100: tf)"),
        ("fine", "unknown", "none", f"fine: risk unknown: {failed}"),
    ]
    assert result.exit_code == EXIT_RISK
    alone = gate([fine], faults={"fine": failed})
    assert alone.exit_code == EXIT_UNTRUSTWORTHY
    assert alone.reasons == (
        f"fine: risk unknown: {failed}",
        "a data source failed, so the result is untrustworthy: rerun when the index "
        "answers (failures are never cached; with --offline, run once online first)",
    )
    assert gate([fine], faults={"other": failed}).exit_code == EXIT_OK


def test_acceptance_problems_without_a_line_and_a_misspelt_field() -> None:
    entries = [
        {"package": "foo", "reason": "r", "expires": date(2026, 1, 1)},
        {"package": "foo", "reason": "r", "expire": date(2026, 1, 1)},
    ]
    with pytest.raises(InputError) as info:
        parse_acceptances(entries, "pyproject.toml", lines=[3])  # a line for the first only
    assert info.value.message.splitlines()[1:] == [
        "  pyproject.toml: accept[1].expires: missing or not a date; write an unquoted date "
        "such as expires = 2026-12-31",
        "  pyproject.toml: accept[1]: unknown field 'expire'; did you mean 'expires'?",
    ]
