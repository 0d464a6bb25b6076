"""Re-exported names load from their home on first use, once, and only names that exist."""

from __future__ import annotations

import subprocess
import sys

import pytest

import auditor
import auditor.sources


def test_a_name_loads_from_its_home_and_stays() -> None:
    from auditor.sources.detect import read_input

    assert auditor.sources.read_input is read_input
    assert vars(auditor.sources)["read_input"] is read_input  # kept: the hook runs once


def test_an_unknown_name_is_an_attribute_error_naming_it() -> None:
    with pytest.raises(AttributeError, match="'auditor' has no attribute 'nope'"):
        auditor.nope  # noqa: B018
    assert not hasattr(auditor.sources, "nope")


def test_dir_lists_names_not_loaded_yet() -> None:
    code = "import sys, auditor; print('Settings' in dir(auditor), 'auditor.api' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]
