"""Loading rule files: the shipped set is clean, and broken files report every problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.collectors.interface import SignalSpec
from auditor.judge.rules import (
    RuleError,
    check_rules,
    default_rules_dir,
    known_signals,
    load_rules,
    rule_files,
)

from .helpers import rule_text, write_rule

REQUIRED_RULES = {
    "archived-repository",
    "declared-inactive",
    "single-publisher",
    "truck-factor-one",
    "contributor-absence-one",
    "no-commits-unanswered-issues",
    "single-active-author",
    "stale-release-open-issues",
    "sole-maintainer-no-funding",
    "single-vendor-control",
}


def test_shipped_rules_validate_clean() -> None:
    rules, problems = check_rules([default_rules_dir()])
    assert problems == ()
    ids = {r.id for r in rules}
    assert ids >= REQUIRED_RULES
    assert {r.id: r.kind for r in rules}["single-vendor-control"] == "vendor"
    assert len(rule_files(default_rules_dir())) == len(rules)


def test_shipped_rules_dir_found_from_rules_root() -> None:
    assert rule_files(default_rules_dir().parent) == rule_files(default_rules_dir())


def test_index_signals_known_in_one_place() -> None:
    from auditor.collectors.index import IndexCollector

    specs = known_signals()
    for spec in IndexCollector.provides:
        assert specs[spec.name] == spec


def test_every_problem_reported_at_once_with_file_and_field(tmp_path: Path) -> None:
    d = tmp_path / "rules"
    write_rule(
        d,
        "bad.toml",
        'id = "Bad Id"\nseverity = "hgh"\nkind = "robot"\nsummary = ""\ncolour = 1\n'
        "[when]\nall = [\n"
        '  { signal = "truck_factr", op = "==", value = 1 },\n'
        '  { signal = "archived", op = "=~", value = true },\n'
        '  { signal = "stars", op = ">", value = "many" },\n'
        '  { signal = "archived", op = "==", value = 1 },\n'
        '  { signal = "stars", op = "in", value = 3 },\n'
        '  { signal = "archived", op = "contains", value = true },\n'
        "  { nothing = 1 },\n"
        ']\n[scope]\ncategories = ["inference-runtim"]\ndirect_only = "yes"\n',
    )
    _, problems = check_rules([d])
    text = "\n".join(str(p) for p in problems)
    fields = {p.field for p in problems}
    assert all(p.path.endswith("bad.toml") for p in problems)
    for field in (
        "id",
        "severity",
        "kind",
        "summary",
        "motivation",
        "remediation",
        "colour",
        "when.all[0].signal",
        "when.all[1].op",
        "when.all[2].value",
        "when.all[3].value",
        "when.all[4].value",
        "when.all[5].value",
        "when.all[6]",
        "scope.categories[0]",
        "scope.direct_only",
    ):
        assert field in fields, f"{field} not reported:\n{text}"
    assert "did you mean 'truck_factor'" in text
    assert "did you mean 'high'" in text
    assert "did you mean 'inference-runtime'" in text
    with pytest.raises(RuleError) as info:
        load_rules([d])
    assert len(info.value.problems) == len(problems)
    assert info.value.exit_code == 2


def test_problems_across_files_and_duplicate_ids(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    write_rule(a, "one.toml", rule_text("same", 'signal = "truck_factor"\nop = "=="\nvalue = 1'))
    write_rule(b, "two.toml", rule_text("same", 'missing = "stars"'))
    write_rule(b, "three.toml", rule_text("other", 'signal = "nope"\nop = "=="\nvalue = 1'))
    rules, problems = check_rules([a, b])
    assert [r.id for r in rules] == ["same"]
    dup = [p for p in problems if "duplicate id" in p.message]
    assert len(dup) == 1 and dup[0].path.endswith("two.toml") and "one.toml" in dup[0].message
    assert any(p.path.endswith("three.toml") and p.field == "when.signal" for p in problems)


def test_toml_syntax_error_has_line(tmp_path: Path) -> None:
    d = tmp_path / "r"
    write_rule(d, "broken.toml", 'id = "x"\nsummary = \n')
    write_rule(d, "fine.toml", rule_text("fine", 'missing = "stars"'))
    rules, problems = check_rules([d])
    assert [r.id for r in rules] == ["fine"]
    assert len(problems) == 1
    assert problems[0].line == 2
    assert str(problems[0]).startswith(f"{d / 'broken.toml'}:2:")


def test_missing_when_and_empty_any(tmp_path: Path) -> None:
    d = tmp_path / "r"
    write_rule(
        d,
        "a.toml",
        'id = "a"\nsummary = "s"\nmotivation = "m"\nremediation = "r"\n'
        'severity = "low"\nkind = "person"\n',
    )
    write_rule(d, "b.toml", rule_text("b", "any = []"))
    _, problems = check_rules([d])
    assert {(Path(p.path).name, p.field) for p in problems} == {
        ("a.toml", "when"),
        ("b.toml", "when.any"),
    }


def test_custom_signal_catalog(tmp_path: Path) -> None:
    d = tmp_path / "r"
    write_rule(d, "a.toml", rule_text("a", 'signal = "widgets"\nop = ">="\nvalue = 2.5'))
    specs = {"widgets": SignalSpec(name="widgets", type="float", description="w")}
    rules, problems = check_rules([d], signals=specs, categories=())
    assert problems == () and rules[0].id == "a"
    _, problems = check_rules([d], signals={}, categories=())
    assert "unknown signal 'widgets'" in problems[0].message


def test_empty_or_missing_directory(tmp_path: Path) -> None:
    _, problems = check_rules([tmp_path, tmp_path / "nope"])
    assert len(problems) == 2
