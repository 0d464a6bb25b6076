"""Poetry constraint dialect → PEP 440."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from auditor.sources.poetry_constraint import ConstraintError, python_marker, translate


@pytest.mark.parametrize(
    ("poetry", "pep440"),
    [
        ("^1.2.3", "<2,>=1.2.3"),
        ("^0.2.3", "<0.3,>=0.2.3"),
        ("^0.0.3", "<0.0.4,>=0.0.3"),
        ("^0", "<1,>=0"),
        ("~1.2.3", "<1.3,>=1.2.3"),
        ("~1", "<2,>=1"),
        ("~=2.1", "~=2.1"),
        ("*", ""),
        ("1.2.3", "==1.2.3"),
        ("=1.2.3", "==1.2.3"),
        ("1.13.*", "==1.13.*"),
        (">= 1.2, < 2.0", "<2.0,>=1.2"),
        (">=1.2 <2.0", "<2.0,>=1.2"),
        ("2.3.0+cu121", "==2.3.0+cu121"),
        ("^1.0.post1", "<2,>=1.0.post1"),
    ],
)
def test_translate(poetry: str, pep440: str) -> None:
    result = translate(poetry)
    assert result.specifier == pep440 and result.approximation is None


def test_union_becomes_covering_range_with_a_note() -> None:
    result = translate("^1.0 || ^2.0")
    assert result.specifier == "<3,>=1.0"
    assert result.approximation is not None and "||" in result.approximation


def test_invalid_constraint() -> None:
    with pytest.raises(ConstraintError):
        translate("^banana")


def test_python_marker() -> None:
    assert python_marker("^3.10") == 'python_version >= "3.10" and python_version < "4"'
    assert python_marker(">=3.8.1") == 'python_full_version >= "3.8.1"'
    assert python_marker("*") is None


@given(st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=3))
def test_caret_contains_its_own_version_and_excludes_next_breaking(parts: list[int]) -> None:
    version = ".".join(map(str, parts))
    spec = SpecifierSet(translate(f"^{version}").specifier)
    assert Version(version) in spec
    index = next((i for i, p in enumerate(parts) if p), len(parts) - 1)
    bumped = [*parts[:index], parts[index] + 1]
    assert Version(".".join(map(str, bumped))) not in spec
