"""``auditor rules list`` and ``auditor rules check`` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.cli import main

from .helpers import rule_text, write_rule


def test_rules_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "list"]) == 0
    out = capsys.readouterr().out
    assert "truck-factor-one" in out and "high" in out and "vendor" in out
    assert out.splitlines()[0].split()[:3] == ["ID", "SEVERITY", "KIND"]


def test_rules_list_json_and_extra_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_rule(tmp_path, "mine.toml", rule_text("my-rule", 'missing = "stars"', severity="low"))
    assert main(["rules", "list", "--rules", str(tmp_path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"id": "my-rule", "severity": "low"}.items() <= next(
        d for d in data if d["id"] == "my-rule"
    ).items()


def test_rules_list_signals(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "list", "--signals"]) == 0
    out = capsys.readouterr().out
    assert "truck_factor" in out and "index_publisher_count" in out


def test_rules_check_shipped_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    from auditor.judge.rules import default_rules_dir

    assert main(["rules", "check", str(default_rules_dir())]) == 0
    assert capsys.readouterr().out.startswith("ok: ")


def test_rules_check_broken_dir_exits_2_with_every_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_rule(tmp_path, "a.toml", rule_text("a", 'signal = "truck_factr"\nop = "=="\nvalue = 1'))
    write_rule(tmp_path, "b.toml", rule_text("a", 'missing = "stars"', severity="urgent"))
    write_rule(tmp_path, "c.toml", "id = \n")
    assert main(["rules", "check", str(tmp_path)]) == 2
    out = capsys.readouterr().out
    assert "a.toml: when.signal: unknown signal 'truck_factr' (did you mean 'truck_factor'?)" in out
    assert "b.toml: severity:" in out and "b.toml: id: duplicate id 'a'" in out
    assert "c.toml:1: invalid TOML" in out
    assert "4 problem(s) in 3 file(s)" in out


def test_rules_check_own_taxonomy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "rules"
    write_rule(
        rules, "a.toml", rule_text("a", 'missing = "stars"', extra='[scope]\ncategories = ["eval"]')
    )
    assert main(["rules", "check", str(rules)]) == 2
    tax = tmp_path / "tax.toml"
    tax.write_text('[category.eval]\npatterns = ["lm-eval*"]\n', encoding="utf-8")
    assert main(["rules", "check", str(rules), "--taxonomy", str(tax)]) == 0


def test_rules_check_missing_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "check", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_rules_without_action_is_usage_error() -> None:
    assert main(["rules"]) == 2
