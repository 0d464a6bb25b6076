"""The configuration file next to the input, end to end: its acceptances and settings
apply to an audit run from another directory, and a broken one stops it (exit 2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ACCEPT_TINYTOK = (
    '[[accept]]\npackage = "tinytok"\nreason = "vendoring it next sprint"\nexpires = 2099-01-01\n'
)


def test_acceptances_next_to_the_input_apply(run: Any, tmp_path: Path) -> None:
    before = run("audit", "tensorkit\n")
    assert before.code == 1, before.err  # tinytok is at high risk
    (tmp_path / ".auditor.toml").write_text(ACCEPT_TINYTOK)
    after = run("audit", "tensorkit\n")  # the cwd is not tmp_path: found from the input
    assert after.code == 0, after.err
    assert "0 high" in after.out


def test_settings_next_to_the_input_apply_and_flags_win(run: Any, tmp_path: Path) -> None:
    (tmp_path / ".auditor.toml").write_text('fail-on = "critical"\n[audit]\nformat = "json"\n')
    result = run("audit", "tensorkit\n")
    assert result.code == 0, result.err
    assert result.json()["summary"]["gate"]["fail_on"] == "critical"
    assert run("audit", "tensorkit\n", "--fail-on", "high").code == 1


def test_a_broken_file_next_to_the_input_stops_the_audit(run: Any, tmp_path: Path) -> None:
    (tmp_path / ".auditor.toml").write_text(ACCEPT_TINYTOK.replace("[[accept]]", "[[acept]]"))
    result = run("audit", "tensorkit\n")
    assert result.code == 2
    assert f"{tmp_path / '.auditor.toml'}:1: unknown table [acept]" in result.err
    assert "Did you mean 'accept'?" in result.err
    assert "Traceback" not in result.err
