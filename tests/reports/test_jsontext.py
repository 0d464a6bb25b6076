"""Indented JSON by the C encoder and msgspec's formatter is json.dumps's, byte for byte."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.reporters.jsontext import dumps_indented

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e16, 1e-05, -0.0, 1.2345678901234568e17, 5e-324, 0.1]),
    st.text(),
    st.sampled_from(["é😀\u2028\x7f\x00", "\ud800 lone", '<>&"\\/\b\f\n\r\t']),
)
KEYS = st.one_of(st.text(max_size=8), st.integers(-3, 3), st.sampled_from(["", "a b", "é"]))
DOCS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(KEYS, inner, max_size=4),
    ),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(doc=DOCS, ascii_only=st.booleans())
def test_same_bytes_as_the_standard_library(doc: Any, ascii_only: bool) -> None:
    expected = json.dumps(doc, indent=2, ensure_ascii=ascii_only)
    assert dumps_indented(doc, ensure_ascii=ascii_only) == expected


@pytest.mark.parametrize("value", [float("nan"), float("inf"), [1.0, float("-inf")]])
def test_what_msgspec_cannot_read_is_written_by_the_standard_library(value: Any) -> None:
    assert dumps_indented({"x": value}) == json.dumps({"x": value}, indent=2)
