"""Where the index is and what the target is: every configuration layer in order."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.config import _pip_configuration, index_location, make_target, target_tags
from auditor.errors import InputError

DEFAULT = "https://index.example.org/simple"


def test_flag_beats_environment_beats_pip_configuration() -> None:
    conf = {"global.index-url": "https://conf.example.com/simple"}
    env = {
        "PIP_INDEX_URL": "https://env.example.com/simple",
        "UV_INDEX_URL": "https://uv.example.com/simple",
    }
    loc = index_location(
        flag_index_url="https://flag.example.com/simple",
        environ=env,
        pip_conf=conf,
        pip_default=DEFAULT,
    )
    assert (loc.index_url, loc.chosen_by) == ("https://flag.example.com/simple", "--index-url")
    loc = index_location(environ=env, pip_conf=conf, pip_default=DEFAULT)
    assert (loc.index_url, loc.chosen_by) == ("https://env.example.com/simple", "PIP_INDEX_URL")
    loc = index_location(
        environ={"UV_INDEX_URL": "https://uv.example.com/simple"},
        pip_conf=conf,
        pip_default=DEFAULT,
    )
    assert loc.chosen_by == "UV_INDEX_URL"
    loc = index_location(environ={}, pip_conf=conf, pip_default=DEFAULT)
    assert (loc.index_url, loc.chosen_by) == (
        "https://conf.example.com/simple",
        "pip configuration",
    )
    loc = index_location(environ={}, pip_conf={}, pip_default=DEFAULT)
    assert (loc.index_url, loc.chosen_by) == (DEFAULT, "pip's default")


def test_extra_indexes_merge_without_duplicates() -> None:
    loc = index_location(
        flag_extra_index_urls=("https://a.example.com/simple",),
        environ={
            "PIP_EXTRA_INDEX_URL": "https://b.example.com/simple https://a.example.com/simple/"
        },
        pip_conf={"global.extra-index-url": f"https://c.example.com/simple {DEFAULT}"},
        pip_default=DEFAULT,
    )
    assert loc.extra_index_urls == (
        "https://a.example.com/simple",
        "https://b.example.com/simple",
        "https://c.example.com/simple",
    )


def test_no_index_at_all_is_a_clear_error() -> None:
    with pytest.raises(InputError) as err:
        index_location(environ={}, pip_conf={}, pip_default="")
    assert "--index-url" in (err.value.hint or "")


def test_pip_configuration_files_later_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    (home / ".config" / "pip").mkdir(parents=True)
    (home / ".config" / "pip" / "pip.conf").write_text(
        "[global]\nindex-url = https://user.example.com/simple\n"
    )
    explicit = tmp_path / "explicit.conf"
    explicit.write_text("[install]\nextra-index-url = https://extra.example.com/simple\n")
    monkeypatch.setenv("HOME", str(home))
    conf = _pip_configuration(
        {"PIP_CONFIG_FILE": str(explicit), "XDG_CONFIG_HOME": str(home / ".config")}
    )
    assert conf["global.index-url"] == "https://user.example.com/simple"
    assert conf["install.extra-index-url"] == "https://extra.example.com/simple"
    loc = index_location(environ={}, pip_conf=conf, pip_default=DEFAULT)
    assert loc.index_url == "https://user.example.com/simple"
    assert loc.extra_index_urls == ("https://extra.example.com/simple",)


def test_target_overrides_markers_and_tags() -> None:
    win = make_target("3.10", "windows")
    env = win.markers()
    assert (env["python_version"], env["sys_platform"], env["platform_system"]) == (
        "3.10",
        "win32",
        "Windows",
    )
    assert any(str(t).startswith("cp310-cp310-win_amd64") for t in target_tags(win))
    linux = make_target("3.12.4", "linux")
    assert linux.markers()["python_full_version"] == "3.12.4"
    assert any("manylinux_2_28" in str(t) for t in target_tags(linux))


@pytest.mark.parametrize("bad", ["3", "three.eleven", "3.x"])
def test_bad_python_version(bad: str) -> None:
    with pytest.raises(InputError):
        make_target(bad)
