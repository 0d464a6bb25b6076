"""Installed environments: --env in-process and --python through a subprocess."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from auditor.errors import InputError
from auditor.sources.environment import environment_input, read_environment


def test_roots_skip_required_packages_and_installer_tools() -> None:
    data = {
        "environment": {"python_version": "3.11", "sys_platform": "linux"},
        "dists": [
            {"name": "Transformers", "version": "4.41.2", "requires": [
                "tokenizers<0.20,>=0.19", "torch; extra == 'torch'"]},
            {"name": "tokenizers", "version": "0.19.1", "requires": []},
            {"name": "torch", "version": "2.3.1", "requires": ["filelock"]},
            {"name": "filelock", "version": "3.15.4", "requires": []},
            {"name": "pip", "version": "24.0", "requires": []},
        ],
    }  # fmt: skip
    result = environment_input(data, "<environment test>")
    assert [r.name for r in result.requirements] == ["transformers", "torch"]
    locked = {p.name: p for p in result.locked or ()}
    edges = {d.name: d for d in locked["transformers"].dependencies or ()}
    assert edges["tokenizers"].specifier == "<0.20,>=0.19"
    assert edges["torch"].marker == 'extra == "torch"'
    assert locked["pip"].version == "24.0"


def test_running_interpreter_lists_packaging() -> None:
    result = read_environment(None)
    names = {p.name for p in result.locked or ()}
    assert {"packaging", "pytest"} <= names
    assert result.kind == "environment"


def test_other_interpreter_through_subprocess() -> None:
    result = read_environment(sys.executable)
    assert any(p.name == "packaging" for p in result.locked or ())


def test_bad_interpreter_path(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such interpreter"):
        read_environment(str(tmp_path / "nope" / "python"))
    not_python = tmp_path / "false.sh"
    not_python.write_text("#!/bin/sh\nexit 3\n")
    not_python.chmod(0o755)
    with pytest.raises(InputError, match="exited with status 3"):
        read_environment(str(not_python))
