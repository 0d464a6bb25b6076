"""Condition trees compiled once into numbered leaves and Kleene functions over them.

Why: an audit asks the same rules of hundreds of packages. Walking each rule's tree per
package repeats the same type tests and recursion thousands of times (and the shipped
rules and states ask 53 distinct leaf questions among 107 leaves). Compiled, a rule set
is a table of distinct leaves, grouped by the signal they read, and one function per
condition that combines the leaves' answers; scoring evaluates each distinct leaf once per
package and each condition with a few C-level ``min``/``max`` calls.

Truth values are numbers here, ``0`` false, ``1`` unknown, ``2`` true, so that Kleene's
``all`` is ``min`` and ``any`` is ``max`` (false beats unknown beats true in ``all``, the
other way round in ``any``): the same three-valued logic as ``scoring.evaluate_condition``,
which stays the reference the compiled form is tested against.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import TypeVar

from auditor.judge.rules import AllOf, AnyOf, Compare, Condition, Missing

Leaf = Compare | Missing
Truth = int
FALSE: Truth = 0
UNKNOWN: Truth = 1
TRUE: Truth = 2
# bool | None -> Truth and back; False and True are distinct keys (0 and 1 are not used)
TRUTH: dict[bool | None, Truth] = {False: FALSE, None: UNKNOWN, True: TRUE}
AS_BOOL: tuple[bool | None, bool | None, bool | None] = (False, None, True)

T = TypeVar("T")
TruthFunction = Callable[[Sequence[Truth]], Truth]

# id(leaf) -> (the leaf, kept alive so that its id is never reused; its canonical key)
_LEAF_KEYS: dict[int, tuple[Leaf, tuple[str, ...]]] = {}


def leaf_key(leaf: Leaf) -> tuple[str, ...]:
    """What a leaf asks, as a key: two leaves with the same key give the same answer and
    the same evidence for the same signal."""
    known = _LEAF_KEYS.get(id(leaf))
    if known is not None and known[0] is leaf:
        return known[1]
    if isinstance(leaf, Missing):
        key: tuple[str, ...] = ("missing", leaf.signal, repr(leaf.present))
    else:
        # repr tells 1, 1.0, True, "1", [1] and a date apart: the comparison does too
        key = ("compare", leaf.signal, leaf.op, repr(leaf.value))
    _LEAF_KEYS[id(leaf)] = (leaf, key)
    return key


@dataclass(frozen=True, kw_only=True)
class CompiledCondition:
    """One condition over the leaf table: its truth, and which leaves its evidence lists.

    ``order`` holds the leaf number of every leaf in the tree, depth first, repeats kept:
    exactly the evidence the tree walk appends, in its order."""

    truth: TruthFunction
    order: tuple[int, ...]

    def gather(self, values: Sequence[T]) -> tuple[T, ...]:
        """The items of ``values`` (one per leaf of the table) this condition reads."""
        if len(self.order) == 1:
            return (values[self.order[0]],)
        picked: tuple[T, ...] = itemgetter(*self.order)(values)
        return picked


@dataclass(frozen=True, kw_only=True)
class SignalGroup:
    """The distinct leaves reading one signal. Groups are numbered one after another:
    the first group's leaves are 0, 1, ..., the next group's follow on."""

    signal: str
    leaves: tuple[Leaf, ...]


@dataclass(frozen=True, kw_only=True)
class CompiledSet:
    """Conditions compiled together: one table of distinct leaves, grouped by signal in
    the order signals are first read, and each condition in the order given."""

    groups: tuple[SignalGroup, ...]
    conditions: tuple[CompiledCondition, ...]

    @property
    def size(self) -> int:
        """How many distinct leaves the table holds."""
        return sum(len(g.leaves) for g in self.groups)


def _leaves(condition: Condition) -> list[Leaf]:
    if isinstance(condition, Compare | Missing):
        return [condition]
    return [leaf for item in condition.items for leaf in _leaves(item)]


def _combine(pick: Callable[[Sequence[Truth]], Truth], parts: list[TruthFunction]) -> TruthFunction:
    def combined(truths: Sequence[Truth]) -> Truth:
        return pick([part(truths) for part in parts])

    return combined


def _over_leaves(pick: Callable[[Sequence[Truth]], Truth], numbers: list[int]) -> TruthFunction:
    getter = itemgetter(*numbers)

    def combined(truths: Sequence[Truth]) -> Truth:
        return pick(getter(truths))

    return combined


def _truth(condition: Condition, number: Callable[[Leaf], int]) -> TruthFunction:
    if isinstance(condition, Compare | Missing):
        getter: TruthFunction = itemgetter(number(condition))
        return getter
    assert isinstance(condition, AllOf | AnyOf)
    pick: Callable[[Sequence[Truth]], Truth] = min if isinstance(condition, AllOf) else max
    if len(condition.items) == 1:
        return _truth(condition.items[0], number)
    leaves = [item for item in condition.items if isinstance(item, Compare | Missing)]
    if len(leaves) == len(condition.items):
        return _over_leaves(pick, [number(leaf) for leaf in leaves])
    return _combine(pick, [_truth(item, number) for item in condition.items])


def compile_conditions(conditions: Sequence[Condition]) -> CompiledSet:
    """Compile conditions together so that a leaf they share is evaluated once."""
    by_signal: dict[str, dict[tuple[str, ...], Leaf]] = {}
    for condition in conditions:
        for leaf in _leaves(condition):
            by_signal.setdefault(leaf.signal, {}).setdefault(leaf_key(leaf), leaf)
    numbers: dict[tuple[str, ...], int] = {}
    groups: list[SignalGroup] = []
    for signal, distinct in by_signal.items():
        groups.append(SignalGroup(signal=signal, leaves=tuple(distinct.values())))
        for key in distinct:
            numbers[key] = len(numbers)

    def number(leaf: Leaf) -> int:
        return numbers[leaf_key(leaf)]

    compiled: list[CompiledCondition] = []
    for condition in conditions:
        order = tuple(number(leaf) for leaf in _leaves(condition))
        truth = _truth(condition, number)
        numbers_read = tuple(dict.fromkeys(order))
        if len(numbers_read) >= REMEMBER_FROM:
            truth = _remembered(truth, numbers_read)
        compiled.append(CompiledCondition(truth=truth, order=order))
    return CompiledSet(groups=tuple(groups), conditions=tuple(compiled))


# A condition with this many distinct leaves remembers its answer for each combination
# of their truths: the shipped "abandoned" and "mature" states read 20 and 9 distinct
# leaves, and across an audit's packages only a few combinations of them occur.
REMEMBER_FROM = 6


def _remembered(truth: TruthFunction, numbers: tuple[int, ...]) -> TruthFunction:
    getter = itemgetter(*numbers)
    answers: dict[tuple[Truth, ...], Truth] = {}

    def remembered(truths: Sequence[Truth]) -> Truth:
        key = getter(truths)
        answer = answers.get(key)
        if answer is None:
            answer = answers[key] = truth(truths)
        return answer

    return remembered
