"""The configuration file, the AUDITOR_* variables and the flags: where the file is found,
what a broken one says, and which layer wins (flag > environment > file > default)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from auditor.api import Settings, load_scoring
from auditor.cli import build_parser, main
from auditor.cli.configuration import (
    apply_layers,
    command_parsers,
    env_name,
    keyed_actions,
    merge_requirements,
)
from auditor.configfile import COMMAND_TABLES, find_config, read_config
from auditor.errors import InputError
from auditor.judge.policy import load_acceptances

ACCEPT = '[[tool.auditor.accept]]\npackage = "x"\nreason = "r"\nexpires = 2030-01-01\n'


def layered(argv: list[str], env: dict[str, str] | None = None) -> argparse.Namespace:
    parser = build_parser(argv[0])
    args = parser.parse_args(argv)
    out, _ = apply_layers(parser, args, argv, environ=env or {})
    merge_requirements(out)
    return out


def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    return root


# -- finding the file ---------------------------------------------------------------------


def test_search_goes_from_the_input_folder_up_to_the_repository_root(tmp_path: Path) -> None:
    root = repo(tmp_path)
    deep = root / "services" / "api"
    deep.mkdir(parents=True)
    (tmp_path / ".auditor.toml").write_text('fail-on = "low"\n')  # above the root: ignored
    assert find_config(deep) is None
    (root / "pyproject.toml").write_text('[project]\nname = "a"\n[tool.auditor]\n')
    assert find_config(deep) == root / "pyproject.toml"
    (deep / "pyproject.toml").write_text('[project]\nname = "b"\n')  # no [tool.auditor]
    assert find_config(deep) == root / "pyproject.toml"
    (root / "services" / ".auditor.toml").write_text('fail-on = "low"\n')
    assert find_config(deep) == root / "services" / ".auditor.toml"
    (deep / ".auditor.toml").write_text("")
    assert find_config(deep) == deep / ".auditor.toml"


def test_outside_a_repository_only_the_start_folder_counts(tmp_path: Path) -> None:
    (tmp_path / ".auditor.toml").write_text('fail-on = "low"\n')
    (tmp_path / "sub").mkdir()
    assert find_config(tmp_path / "sub") is None
    assert find_config(tmp_path) == tmp_path / ".auditor.toml"


def test_the_file_next_to_the_input_is_used_not_the_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "requirements.txt").write_text("idna\n")
    (app / ".auditor.toml").write_text('fail-on = "critical"\n')
    monkeypatch.chdir(tmp_path)
    assert layered(["audit", "app/requirements.txt"]).fail_on == "critical"
    assert layered(["audit", "-r", "app/requirements.txt"]).fail_on == "critical"


# -- broken files are errors with file, line and the closest name ---------------------------


def test_invalid_toml_names_file_and_line(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (root / "pyproject.toml").write_text('[project]\nname = "a"\n\n[tool.auditor\n')
    with pytest.raises(InputError) as info:
        find_config(root)
    assert f"{root / 'pyproject.toml'}:4: invalid TOML" in info.value.message


def test_invalid_toml_no_longer_drops_the_acceptances_silently(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text(ACCEPT + 'bad = "\n')
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match=r"pyproject.toml:5: invalid TOML"):
        load_scoring(Settings(github=False))


def test_a_misspelt_table_is_an_error_with_the_closest_name(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[tool.auditor]\nfail-on = "high"\n\n' + ACCEPT.replace("accept", "accpet"))
    with pytest.raises(InputError) as info:
        load_acceptances(path)
    assert f"{path}:4: unknown table [tool.auditor.accpet]" in info.value.message
    assert info.value.hint == "Did you mean 'accept'?"


def test_unknown_key_exits_2_with_line_and_suggestion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".auditor.toml").write_text('# settings\nfail-on = "high"\nfial-on = "low"\n')
    (tmp_path / "requirements.txt").write_text("idna\n")
    assert main(["audit", str(tmp_path / "requirements.txt")]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / '.auditor.toml'}:3: unknown key 'fial-on'" in err
    assert "Did you mean 'fail-on'" in err


def test_a_key_in_the_wrong_command_table_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".auditor.toml").write_text('[graph]\nfail-on = "low"\n')
    (tmp_path / "r.txt").write_text("idna\n")
    with pytest.raises(InputError, match=r"\.auditor\.toml:2: unknown key 'fail-on' in \[graph\]"):
        layered(["graph", str(tmp_path / "r.txt")])


def test_bad_values_name_the_file_line_and_choices(tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_text("idna\n")
    config = tmp_path / ".auditor.toml"
    for text, message in (
        ('fail-on = "medum"\n', r":1: fail-on = 'medum': not one of low, medium"),
        ("strict = 1\n", r":1: strict = 1: must be true or false"),
        ('max-wait = "soon"\n', r":1: max-wait = 'soon': 'soon' is not a number"),
        ("extra-index-url = [1.5, true]\n", r":1: extra-index-url = .*string or a number"),
    ):
        config.write_text(text)
        with pytest.raises(InputError, match=message):
            layered(["audit", str(tmp_path / "r.txt")])
    config.write_text('fail-on = "medum"\n')
    with pytest.raises(InputError) as info:
        layered(["audit", str(tmp_path / "r.txt")])
    assert info.value.hint == "Did you mean 'medium'?"


def test_acceptance_problems_carry_their_line(tmp_path: Path) -> None:
    path = tmp_path / ".auditor.toml"
    path.write_text('fail-on = "high"\n\n[[accept]]\npackage = "x"\nreson = "typo"\n')
    with pytest.raises(InputError) as info:
        load_acceptances(path)
    assert f"{path}:3: accept[0].reason: missing" in info.value.message
    assert "unknown field 'reson'; did you mean 'reason'?" in info.value.message


# -- precedence -----------------------------------------------------------------------------


def test_flag_beats_environment_beats_file_beats_default(tmp_path: Path) -> None:
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("idna\n")
    argv = ["audit", str(reqs)]
    assert layered(argv).fail_on == "high"  # the default
    (tmp_path / ".auditor.toml").write_text('fail-on = "low"\n[audit]\nstrict = true\n')
    assert layered(argv).fail_on == "low"
    assert layered(argv).strict is True
    env = {"AUDITOR_FAIL_ON": "medium", "AUDITOR_STRICT": "0"}
    assert layered(argv, env).fail_on == "medium"
    assert layered(argv, env).strict is False
    assert layered([*argv, "--fail-on", "critical"], env).fail_on == "critical"


def test_a_command_table_beats_the_shared_table(tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_text("idna\n")
    (tmp_path / ".auditor.toml").write_text(
        'format = "json"\n[audit]\nformat = "sarif"\n[graph]\nformat = "dot"\n'
    )
    assert layered(["audit", str(tmp_path / "r.txt")]).format == "sarif"
    assert layered(["graph", str(tmp_path / "r.txt")]).format == "dot"
    assert layered(["explain", "idna", "--for", str(tmp_path / "r.txt")]).format == "json"


def test_a_repeated_flag_replaces_the_configured_list(tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_text("idna\n")
    (tmp_path / ".auditor.toml").write_text(
        'extra-index-url = ["https://a.example/simple", "https://b.example/simple"]\n'
    )
    argv = ["audit", str(tmp_path / "r.txt")]
    assert layered(argv).extra_index_url == ["https://a.example/simple", "https://b.example/simple"]
    env = {"AUDITOR_EXTRA_INDEX_URL": "https://c.example/simple https://d.example/simple"}
    assert layered(argv, env).extra_index_url == [
        "https://c.example/simple",
        "https://d.example/simple",
    ]
    flagged = [*argv, "--extra-index-url", "https://e.example/simple"]
    assert layered(flagged, env).extra_index_url == ["https://e.example/simple"]


def test_paths_in_the_file_are_relative_to_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "requirements.txt").write_text("idna\n")
    (app / ".auditor.toml").write_text(
        'baseline = "ci/base.json"\noutput = "out/report.json"\ncache-dir = "/abs/cache"\n'
        'report = ["sarif=out/a.sarif"]\nrules = ["my-rules"]\n'
    )
    monkeypatch.chdir(tmp_path)
    args = layered(["audit", "app/requirements.txt"])
    assert args.baseline == app / "ci" / "base.json"
    assert args.output == str(app / "out" / "report.json")
    assert args.cache_dir == Path("/abs/cache")
    assert args.report == [("sarif", str(app / "out" / "a.sarif"))]
    assert args.rules == [app / "my-rules"]


def test_requirements_from_the_file_and_r_are_inputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".auditor.toml").write_text('requirement = ["requirements.txt"]\n')
    monkeypatch.chdir(tmp_path)
    assert layered(["audit"]).files == [str(tmp_path / "requirements.txt")]
    assert layered(["audit", "-r", "a.txt", "-r", "b.txt"]).files == ["a.txt", "b.txt"]


def test_environment_values_are_checked(tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_text("idna\n")
    argv = ["audit", str(tmp_path / "r.txt")]
    with pytest.raises(InputError, match=r"AUDITOR_STRICT='maybe': use 1 or 0"):
        layered(argv, {"AUDITOR_STRICT": "maybe"})
    with pytest.raises(InputError, match=r"AUDITOR_FORMAT='xml': not one of"):
        layered(argv, {"AUDITOR_FORMAT": "xml"})
    assert layered(argv, {"AUDITOR_FORMAT": "json"}).format == "json"
    assert layered(argv, {"AUDITOR_OUTPUT": "r.json"}).output == "r.json"
    assert layered(argv, {"AUDITOR_VERBOSE": "2"}).verbose == 2


def test_the_environment_error_exits_2_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "r.txt").write_text("idna\n")
    monkeypatch.setenv("AUDITOR_FAIL_ON", "everything")
    assert main(["audit", str(tmp_path / "r.txt")]) == 2
    assert "error: AUDITOR_FAIL_ON='everything': not one of" in capsys.readouterr().err


def test_verbose_names_the_file_and_variables_but_no_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "r.txt").write_text("idna @ https://example.invalid/idna.whl\n")
    (tmp_path / ".auditor.toml").write_text('fail-on = "critical"\n')
    monkeypatch.setenv("AUDITOR_INDEX_URL", "http://127.0.0.1:9/secret-path/simple")
    main(["graph", str(tmp_path / "r.txt"), "-v", "--offline"])
    err = capsys.readouterr().err
    assert f"config: {tmp_path / '.auditor.toml'}" in err
    (line,) = [x for x in err.splitlines() if x.startswith("config: from the environment:")]
    assert "AUDITOR_INDEX_URL" in line and "secret-path" not in line


# -- every flag has a key and a variable ----------------------------------------------------


def test_every_flag_has_a_key_and_a_variable() -> None:
    commands = command_parsers(build_parser())
    keys = {name: keyed_actions(sub) for name, sub in commands.items()}
    assert {name for name, k in keys.items() if k} == set(COMMAND_TABLES)
    for name, sub in commands.items():
        for action in sub._actions:
            if action.option_strings and not isinstance(
                action, argparse._HelpAction | argparse._VersionAction
            ):
                assert any(o.startswith("--") for o in action.option_strings), (name, action)
    audit = keys["audit"]
    for key in ("requirement", "format", "output", "desc", "verbose", "cache-dir", "index-url"):
        assert key in audit, key
    assert env_name("fail-on") == "AUDITOR_FAIL_ON"
    assert env_name("cache-dir") == "AUDITOR_CACHE_DIR"  # the variable the library reads


def test_read_config_of_a_dotfile_with_tool_auditor_spelling(tmp_path: Path) -> None:
    path = tmp_path / ".auditor.toml"
    path.write_text('[tool.auditor]\nfail-on = "low"\n' + ACCEPT)
    config = read_config(path)
    assert dict(config.values) == {"fail-on": "low"}
    assert config.accept_lines == (3,)
    assert config.where("fail-on") == f"{path}:2"


def test_a_shared_value_one_command_cannot_take_points_to_its_table(tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_text("idna\n")
    (tmp_path / "pyproject.toml").write_text('[tool.auditor]\nformat = "sarif"\n')
    assert layered(["audit", str(tmp_path / "r.txt")]).format == "sarif"
    with pytest.raises(InputError) as info:
        layered(["graph", str(tmp_path / "r.txt")])
    assert "pyproject.toml:2: format = 'sarif': not one of text, json, dot" in info.value.message
    assert (
        info.value.hint
        == "A value for one command only goes in its own table: [tool.auditor.graph]."
    )
