"""Budget allocation: exact sums, caps, minimums and priority order, by property."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.errors import InputError
from auditor.sponsorship.allocate import Allocation, allocate

priorities_st = st.lists(
    st.floats(min_value=0, max_value=100, allow_nan=False, allow_infinity=False),
    min_size=0,
    max_size=25,
)


def pairs(values: list[float]) -> list[tuple[str, float]]:
    return [(f"t{i}", v) for i, v in enumerate(values)]


def amounts(a: Allocation) -> list[int]:
    return [s.amount for s in a.shares]


@settings(max_examples=400, deadline=None)
@given(
    values=priorities_st,
    budget=st.integers(min_value=0, max_value=100_000),
    min_amount=st.integers(min_value=0, max_value=500),
    max_share=st.sampled_from([0.05, 0.1, 0.25, 1 / 3, 0.4, 0.5, 0.75, 1.0]),
)
def test_allocation_properties(
    values: list[float], budget: int, min_amount: int, max_share: float
) -> None:
    a = allocate(pairs(values), budget, min_amount=min_amount, max_share=max_share)
    got = amounts(a)
    assert len(got) == len(values)
    assert all(isinstance(x, int) and x >= 0 for x in got)
    positive = [v for v in values if v > 0]
    # Sum: exactly the budget whenever someone can receive it; nothing otherwise.
    assert sum(got) == (budget if positive else 0)
    # Only positive priorities receive money.
    assert all(x == 0 for x, v in zip(got, values, strict=True) if v <= 0)
    funded = [x for x in got if x > 0]
    assert a.funded == len(funded)
    cap = math.floor(max_share * budget + 1e-9)
    # Cap: holds whenever enough targets are funded to spend the budget under it;
    # otherwise it is relaxed to the even split, and the allocation says so.
    if funded and len(funded) * cap >= budget:
        assert max(funded) <= cap
        assert not a.cap_relaxed
    if funded:
        assert max(funded) <= max(cap, -(-budget // len(funded)))
        assert a.cap == max(cap, -(-budget // len(funded))) or a.cap == cap
    # Minimum: every funded target gets at least it, unless the budget is below it
    # (then all of it goes to the single top target).
    if budget >= min_amount:
        assert all(x >= min_amount for x in funded)
        assert not a.below_minimum
    elif funded:
        assert len(funded) == 1 and a.below_minimum
        top = max(range(len(values)), key=lambda i: (values[i], -i))
        assert got[top] == budget
    # Order: a higher priority never gets less.
    for i, vi in enumerate(values):
        for j, vj in enumerate(values):
            if vi > vj:
                assert got[i] >= got[j], (values, got)


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.floats(min_value=0.1, max_value=100), min_size=1, max_size=12),
    budget=st.integers(min_value=1, max_value=50_000),
)
def test_as_many_targets_as_the_minimum_allows(values: list[float], budget: int) -> None:
    """Fewer targets only when the minimum forces it: one more would break it."""
    a = allocate(pairs(values), budget, min_amount=10, max_share=0.4)
    k = a.funded
    if budget >= 10 and k < len(values):
        bigger = allocate(
            pairs(sorted(values, reverse=True)[: k + 1]), budget, min_amount=0, max_share=0.4
        )
        assert min(amounts(bigger)) < 10


def test_proportional_with_cap_and_redistribution() -> None:
    a = allocate([("a", 80), ("b", 10), ("c", 10)], 100, min_amount=1, max_share=0.4)
    # a is capped at 40; its excess goes to b and c in proportion (equal here).
    assert amounts(a) == [40, 30, 30]
    assert a.cap == 40 and not a.cap_relaxed


def test_whole_units_by_largest_remainder() -> None:
    a = allocate([("a", 1), ("b", 1), ("c", 1)], 100, min_amount=1, max_share=1.0)
    assert amounts(a) == [34, 33, 33]  # the tie goes to the higher-ranked (first) one


def test_minimum_means_fewer_targets() -> None:
    a = allocate([("a", 50), ("b", 30), ("c", 2)], 100, min_amount=10, max_share=1.0)
    assert amounts(a)[2] == 0 and sum(amounts(a)) == 100 and a.funded == 2


def test_budget_below_minimum_goes_to_the_top_target() -> None:
    a = allocate([("a", 5), ("b", 50)], 7, min_amount=10)
    assert amounts(a) == [0, 7] and a.below_minimum


def test_too_few_targets_for_the_cap_relax_it_to_an_even_split() -> None:
    a = allocate([("a", 90), ("b", 10)], 100, min_amount=0, max_share=0.4)
    assert amounts(a) == [50, 50] and a.cap_relaxed and a.cap == 50


def test_nothing_to_fund() -> None:
    assert amounts(allocate([("a", 0.0)], 100)) == [0]
    assert amounts(allocate([("a", 3.0)], 0)) == [0]
    assert allocate([], 100).funded == 0


@pytest.mark.parametrize(
    ("budget", "min_amount", "max_share"), [(-1, 10, 0.4), (10, -1, 0.4), (10, 1, 0), (10, 1, 1.5)]
)
def test_invalid_inputs_are_clear_errors(budget: int, min_amount: int, max_share: float) -> None:
    with pytest.raises(InputError):
        allocate([("a", 1.0)], budget, min_amount=min_amount, max_share=max_share)
