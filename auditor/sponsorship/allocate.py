"""Split a budget over ranked targets: proportional, capped, whole units, exact sum.

Pure and exact (``Fraction`` arithmetic): the same inputs always give the same amounts,
and the amounts always add up to the budget, never one unit off through rounding.

The rules, in order:

1. Only targets with a positive priority can get money; higher priority never gets less.
2. The top ``k`` targets are funded, ``k`` as large as possible such that every funded
   target gets at least ``min_amount``; the rest get 0 ("below the minimum").
3. Within the funded targets, money is proportional to priority, but no target gets more
   than ``max_share`` of the budget (rounded down to whole units); what a capped target
   cannot take is redistributed to the others in proportion ("water-filling").
4. Whole units by the largest remainder method: everyone gets the floor of their exact
   share, and the units left go to the largest fractional parts (ties: higher priority).

Infeasible cases, and the documented choice for each:

- budget below ``min_amount``: the whole budget goes to the top target (a small budget
  still does the most good where it matters most); ``Allocation.below_minimum`` is True.
- fewer funded targets than ``1 / max_share`` (e.g. 2 targets with a 40% cap): the cap
  cannot hold and still spend the budget, so it is relaxed to an even split,
  ``ceil(budget / k)``; ``Allocation.cap_relaxed`` says so and ``cap`` is the one used.
- budget 0 or no target with a positive priority: every amount is 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from auditor.errors import InputError


@dataclass(frozen=True, kw_only=True)
class Share:
    """One target's amount, in whole currency units."""

    key: str
    priority: float
    amount: int


@dataclass(frozen=True, kw_only=True)
class Allocation:
    """The amounts (in the input order), and which rules had to give way."""

    budget: int
    shares: tuple[Share, ...]
    funded: int
    cap: int
    cap_relaxed: bool
    below_minimum: bool

    def amount(self, key: str) -> int:
        return next((s.amount for s in self.shares if s.key == key), 0)


def _water_fill(weights: Sequence[Fraction], total: int, cap: int) -> list[Fraction]:
    """Exact proportional shares of ``total`` with each at most ``cap`` (assumes
    ``len(weights) * cap >= total``): capped shares' excess goes to the rest."""
    shares: list[Fraction | None] = [None] * len(weights)
    remaining = Fraction(total)
    while True:
        open_idx = [i for i, s in enumerate(shares) if s is None]
        weight = sum((weights[i] for i in open_idx), Fraction(0))
        over = [i for i in open_idx if remaining * weights[i] / weight > cap]
        if not over:
            for i in open_idx:
                shares[i] = remaining * weights[i] / weight
            return [s if s is not None else Fraction(0) for s in shares]
        for i in over:
            shares[i] = Fraction(cap)
            remaining -= cap


def _round(exact: Sequence[Fraction], total: int) -> list[int]:
    """Largest remainder: floors, then one unit each to the largest fractional parts.

    ``exact`` is in priority order, so a tie goes to the higher priority.
    """
    floors = [math.floor(x) for x in exact]
    left = total - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return floors


def allocate(
    priorities: Sequence[tuple[str, float]],
    budget: int,
    *,
    min_amount: int = 10,
    max_share: float = 0.4,
) -> Allocation:
    """Whole-unit amounts for ``(key, priority)`` pairs; see the module doc for the rules."""
    if budget < 0:
        raise InputError("the budget cannot be negative", hint="Pass --budget 0 or more.")
    if min_amount < 0:
        raise InputError("the minimum amount cannot be negative", hint="Pass --min-amount 0+.")
    if not 0 < max_share <= 1:
        raise InputError(
            f"the maximum share must be above 0 and at most 1, not {max_share}",
            hint="For example --max-share 0.4 (no target gets more than 40%).",
        )
    order = sorted(
        (i for i, (_, p) in enumerate(priorities) if p > 0 and math.isfinite(p)),
        key=lambda i: (-priorities[i][1], i),
    )
    # A hair of tolerance so 0.4 x 100 is 40 (binary floats are a hair off) and 1/3 x 3 is 1.
    cap = math.floor(max_share * budget + 1e-9)
    amounts = [0] * len(priorities)
    funded, used_cap, relaxed, below = 0, cap, False, False
    if budget > 0 and order:
        weights = [Fraction(priorities[i][1]) for i in order]
        for k in range(len(order), 0, -1):
            k_cap = max(cap, -(-budget // k))
            whole = _round(_water_fill(weights[:k], budget, k_cap), budget)
            if min(whole) >= min_amount or k == 1:
                for i, amount in zip(order[:k], whole, strict=True):
                    amounts[i] = amount
                funded = sum(1 for a in whole if a > 0)
                used_cap, relaxed = k_cap, k_cap > cap
                below = min(whole) < min_amount
                break
    shares = tuple(
        Share(key=key, priority=p, amount=a)
        for (key, p), a in zip(priorities, amounts, strict=True)
    )
    return Allocation(
        budget=budget,
        shares=shares,
        funded=funded,
        cap=used_cap,
        cap_relaxed=relaxed,
        below_minimum=below,
    )
