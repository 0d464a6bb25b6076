"""rules/scoring.toml read from a file: the shipped weights, and every problem at once.

The shipped configuration is read once per process (``default_config`` is cached), so a
test that only scores never reads the file again; these read it on purpose.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from auditor.errors import InputError
from auditor.judge.scoring import SCORING_FILE, StateRule, default_config, load_scoring_config
from auditor.judge.taxonomy import default_rules_root

SHIPPED = default_rules_root() / SCORING_FILE


def test_the_shipped_weights_read_from_a_file(tmp_path: Path) -> None:
    copy = tmp_path / "scoring.toml"
    copy.write_text(SHIPPED.read_text(encoding="utf-8"), encoding="utf-8")
    cfg = load_scoring_config(copy)
    assert cfg == default_config()
    assert dict(cfg.points) == {"low": 5, "medium": 12, "high": 25, "critical": 40}
    assert (cfg.serving_path, cfg.reach_step, cfg.reach_max) == (1.5, 0.1, 1.5)
    assert dict(cfg.bands) == {"low": 1, "medium": 25, "high": 50, "critical": 75}
    assert cfg.unknown_heavy_share == 0.5
    assert [s.name for s in cfg.states] == ["abandoned", "mature", "active"]
    assert all(isinstance(s, StateRule) and s.why for s in cfg.states)
    assert cfg.states[0].why.startswith("says so (deprecation notice")


def test_a_state_without_why_is_named_by_itself(tmp_path: Path) -> None:
    text = re.sub(
        r'\nwhy = "commits or releases[^"]*"\n', "\n", SHIPPED.read_text(encoding="utf-8")
    )
    copy = tmp_path / "scoring.toml"
    copy.write_text(text, encoding="utf-8")
    assert load_scoring_config(copy).states[2].why == "active"


def test_broken_weights_list_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "scoring.toml"
    bad.write_text(
        '[points]\nlow = "five"\nmedium = -1\nhigh = true\ncritical = 40\n'
        "[multipliers]\nserving_path = 1.5\nreach_step = 0.1\n"
        "[unknown]\nheavy_share = 0.5\n"
        '[[state]]\nname = "zombie"\n'
        '[[state]]\nname = "active"\n[state.when]\nsignal = "no_such_signal"\nop = "=="\n'
        "value = 1\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        load_scoring_config(bad)
    lines = info.value.message.splitlines()
    assert lines[0] == f"{bad} has problems:"
    assert lines[1:5] == [
        "  [levels]: missing table",
        "  state[0].name: must be one of abandoned, mature, active",
        lines[3],  # the unknown signal, worded by the condition parser
        "  points.low: must be a non-negative number",
    ]
    assert lines[3].startswith("  state[1].when") and "no_such_signal" in lines[3]
    assert "  points.medium: must be a non-negative number" in lines
    assert "  points.high: must be a non-negative number" in lines
    assert "  multipliers.reach_max: must be a non-negative number" in lines
    assert "  levels.low: must be a non-negative number" in lines
    assert "  points.critical: must be a non-negative number" not in lines
    assert info.value.hint == (
        "Fix the listed fields; the shipped rules/scoring.toml shows the shape."
    )


def test_unreadable_weights_say_what_to_do(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(InputError) as info:
        load_scoring_config(missing)
    assert info.value.message.startswith(f"cannot read scoring weights {missing}: ")
    assert info.value.hint == (
        "Reinstall auditor, or fix the file (rules/scoring.toml shows the shape)."
    )


def test_missing_tables_and_bad_multipliers_are_all_listed(tmp_path: Path) -> None:
    bad = tmp_path / "scoring.toml"
    bad.write_text(
        '[levels]\nlow = 0\nmedium = 25\nhigh = 50\ncritical = 75\nstate = ["x"]\n'
        "[multipliers]\nserving_path = -1\nreach_step = false\nreach_max = 1.5\n"
        '[unknown]\nheavy_share = "half"\n',
        encoding="utf-8",
    )
    text = bad.read_text(encoding="utf-8").replace('state = ["x"]\n', "")
    bad.write_text('state = ["x"]\n' + text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_scoring_config(bad)
    lines = info.value.message.splitlines()[1:]
    assert lines[:2] == [
        "  [points]: missing table",
        "  state[0].name: must be one of abandoned, mature, active",
    ]
    assert "  multipliers.serving_path: must be a non-negative number" in lines
    assert "  multipliers.reach_step: must be a non-negative number" in lines
    assert "  unknown.heavy_share: must be a non-negative number" in lines
    assert not any(line.startswith("  levels.") for line in lines)  # 0 is a valid band
    assert not any("reach_max" in line for line in lines)


def test_the_default_file_and_the_signal_catalogue_given(tmp_path: Path) -> None:
    assert load_scoring_config() == default_config()
    copy = tmp_path / "scoring.toml"
    copy.write_text(SHIPPED.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_scoring_config(copy, signals={})  # no signal known: every state is wrong
    assert "state[0].when" in info.value.message and "archived" in info.value.message


def test_every_missing_table_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "scoring.toml"
    bad.write_text("[points]\nlow = 5\nmedium = 12\nhigh = 25\ncritical = 40\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_scoring_config(bad)
    lines = info.value.message.splitlines()[1:4]
    assert lines == [
        "  [multipliers]: missing table",
        "  [levels]: missing table",
        "  [unknown]: missing table",
    ]


def test_a_state_that_is_not_an_array_is_named(tmp_path: Path) -> None:
    """Found by the mutation run: a scalar ``state`` was skipped without a word, so the
    shipped states silently stopped deciding anything."""
    text = 'state = "x"\n' + SHIPPED.read_text(encoding="utf-8").split("[[state]]")[0]
    bad = tmp_path / "scoring.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_scoring_config(bad)
    assert "  state: must be an array of tables ([[state]])" in info.value.message.splitlines()
