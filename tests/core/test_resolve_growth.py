"""The incremental resolution (auditor/resolve/incremental.py) finds exactly what
resolvelib's own loop finds, round by round, and follows requirements that change.

Speed is measured in benchmarks/ (bench_resolve.py --synthetic); here only the answer
and the path to it are checked.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from packaging.requirements import Requirement as PkgRequirement
from packaging.utils import canonicalize_name
from resolvelib import BaseReporter, Resolver
from resolvelib.resolvers import Resolution, ResolutionImpossible
from resolvelib.resolvers.resolution import _build_result

from auditor.cache import Cache
from auditor.resolve import incremental
from auditor.resolve.incremental import IncrementalResolution
from auditor.resolve.provider import Cand, Provider, Req
from auditor.resolve.resolver import _to_req
from benchmarks.synthetic_index import build_synthetic, package_name
from tests.core.conftest import client, options
from tests.core.test_resolve import req, run, versions
from tests.fakes import FakeIndex, Release


class Trace(BaseReporter[Req, Cand, str]):
    """Every step of a resolution, in order: the path, not only the answer."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, str]] = []

    def pinning(self, candidate: Cand) -> None:
        self.steps.append(("pin", candidate.label))

    def rejecting_candidate(self, criterion: Any, candidate: Cand) -> None:
        self.steps.append(("reject", candidate.label))

    def resolving_conflicts(self, causes: Any) -> None:
        self.steps.append(("backjump", ",".join(sorted(c.requirement.name for c in causes))))


class Checked(IncrementalResolution):
    """Before every choice, recompute what resolvelib's own loop would: the open names
    with its uncached pin check, and the choice with its uncached preference."""

    checked = 0

    def _most_preferred(self) -> str:
        name = super()._most_preferred()
        stock_open = [
            key
            for key, criterion in self.state.criteria.items()
            if not Resolution._is_current_pin_satisfying(self, key, criterion)
        ]
        assert set(stock_open) == self._open
        assert name == min(stock_open, key=lambda k: Resolution._get_preference(self, k))
        for key in stock_open:  # what the heap relies on is current (read, not refreshed)
            assert self._preferences[key][3] == Resolution._get_preference(self, key)
        self.checked += 1
        return name


@pytest.fixture
def cache_(tmp_path: Any) -> Iterator[Cache]:
    c = Cache(tmp_path / "c.sqlite3")
    yield c
    c.close()


def _provider(fake: FakeIndex, cache: Cache) -> Provider:
    opts = options("3.11")
    return Provider(
        index=client(fake, cache),
        target=opts.target,
        tags=opts.tags,
        constraints={},
        direct={},
        executor=None,
    )


def _reqs(names: list[str]) -> list[Req]:
    return [_to_req(req(n, line=i + 1)) for i, n in enumerate(names)]


def _stock(provider: Provider, names: list[str]) -> tuple[dict[str, str], list[tuple[str, str]]]:
    trace = Trace()
    result = Resolver(provider, trace).resolve(_reqs(names), max_rounds=5000)
    return {k: c.label for k, c in result.mapping.items()}, trace.steps


def _ours(
    provider: Provider, names: list[str], cls: type[IncrementalResolution] = Checked
) -> tuple[dict[str, str], list[tuple[str, str]], IncrementalResolution]:
    trace = Trace()
    resolution = cls(provider, trace)
    state = resolution.resolve(_reqs(names), max_rounds=5000)
    mapping = _build_result(state).mapping
    return {k: c.label for k, c in mapping.items()}, trace.steps, resolution


@pytest.mark.parametrize(
    ("n", "seed", "all_roots"), [(60, 7, True), (150, 3, True), (150, 11, False)]
)
def test_same_path_and_answer_as_resolvelib(
    empty_index: FakeIndex, cache_: Cache, n: int, seed: int, all_roots: bool
) -> None:
    roots = build_synthetic(empty_index, n, seed=seed)
    names = [package_name(seed, i) for i in range(n)] if all_roots else roots
    provider = _provider(empty_index, cache_)
    stock_answer, stock_steps = _stock(provider, names)
    answer, steps, resolution = _ours(provider, names)
    assert answer == stock_answer
    assert steps == stock_steps  # every pin, rejection and backjump, in the same order
    assert isinstance(resolution, Checked)
    assert resolution.checked == len([s for s in steps if s[0] == "pin"]) + sum(
        1 for s in steps if s[0] == "backjump"
    )
    # The incremental path did the work; full scans only after swapped states.
    assert resolution.incremental_rounds > 0
    assert resolution.full_scans <= 1 + sum(1 for s in steps if s[0] == "backjump")


#: versions and ranges that conflict often: resolvelib rejects, backjumps, and (seeds
#: 26 and 28) gives up optimistic backjumping and rolls back; seed 35 has no answer
_RANGES = (">=1", "<2", ">=2", "<1.1", "==1.1", ">=1.1,<3", "~=2.0", "!=2.0", "<3")
_VERSIONS = ("1.0", "1.1", "2.0", "2.1", "3.0")


def _conflicting_world(fake: FakeIndex, n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    for i in range(n):
        releases = []
        for version in _VERSIONS[: rng.randint(2, 5)]:
            later = list(range(i + 1, n))
            deps = rng.sample(later, min(len(later), rng.randint(0, 3)))
            requires = [f"w{d}{rng.choice(_RANGES)}" for d in sorted(deps)]
            releases.append(Release(version, requires_dist=requires))
        fake.add_project(f"w{i}", releases)
    return [f"w{i}" for i in range(5)]


def _outcome(resolve: Callable[[], tuple[dict[str, str], Trace]]) -> tuple[object, list[Any]]:
    try:
        answer, trace = resolve()
    except ResolutionImpossible as exc:
        causes = sorted(
            (c.requirement.text, c.parent.label if c.parent else "") for c in exc.causes
        )
        return ("impossible", causes), []
    return answer, trace.steps


@pytest.mark.parametrize("seed", [2, 6, 15, 26, 28, 35])
def test_same_path_through_conflicts_as_resolvelib(
    empty_index: FakeIndex, cache_: Cache, seed: int
) -> None:
    roots = _conflicting_world(empty_index, 30, seed)
    provider = _provider(empty_index, cache_)
    stock_trace, our_trace = Trace(), Trace()
    resolution = Checked(provider, our_trace)

    def stock() -> tuple[dict[str, str], Trace]:
        result = Resolver(provider, stock_trace).resolve(_reqs(roots), max_rounds=5000)
        return {k: c.label for k, c in result.mapping.items()}, stock_trace

    def ours() -> tuple[dict[str, str], Trace]:
        state = resolution.resolve(_reqs(roots), max_rounds=5000)
        return {k: c.label for k, c in _build_result(state).mapping.items()}, our_trace

    expected = _outcome(stock)
    assert _outcome(ours) == expected
    assert our_trace.steps == stock_trace.steps
    if seed != 35:
        assert any(kind == "backjump" for kind, _ in our_trace.steps)
        assert resolution.checked > 0
    if seed in (26, 28):
        assert resolution._optimistic_backjumping_ratio == 0  # rolled back


def _order_world(fake: FakeIndex) -> None:
    """A world whose answer depends on ranking ``z`` again once ``a`` bounds it.

    Both answers are valid: {a 1, z 1.0, q 1, m 1} when ``z`` is ranked by its upper
    bound (pip's order, and resolvelib's), {a 1, m 2, q 2, z 0.9} when ``z`` keeps the
    preference it had as a bare root and ``m`` is pinned first.
    """
    fake.add_project("a", [Release("1.0", requires_dist=["z<2"])])
    fake.add_project("m", [Release("1.0"), Release("2.0", requires_dist=["q>=2"])])
    fake.add_project("z", [Release("0.9"), Release("1.0", requires_dist=["q<2"]), Release("2.0")])
    fake.add_project("q", [Release("1.0"), Release("2.0")])


def test_preference_follows_a_requirement_added_mid_resolution(
    empty_index: FakeIndex, cache_: Cache
) -> None:
    _order_world(empty_index)
    found = versions(run(empty_index, cache_, req("a"), req("m", line=2), req("z", line=3)))
    assert found == {"a": "1.0", "m": "1.0", "q": "1.0", "z": "1.0"}
    stock, _ = _stock(_provider(empty_index, cache_), ["a", "m", "z"])
    assert stock == {"a": "a 1.0", "m": "m 1.0", "q": "q 1.0", "z": "z 1.0"}


def test_pin_check_follows_a_requirement_added_to_a_pinned_name(
    empty_index: FakeIndex, cache_: Cache
) -> None:
    """``b`` is pinned to 2.0 first; ``c`` then asks for ``b<2``: the pin no longer
    satisfies ``b``, which must be reopened and moved to 1.0."""
    empty_index.add_project("b", [Release("1.0"), Release("2.0")])
    empty_index.add_project("c", [Release("1.0", requires_dist=["b<2"])])
    found = versions(run(empty_index, cache_, req("b"), req("c", line=2)))
    assert found == {"b": "1.0", "c": "1.0"}


def test_a_reopened_pin_takes_its_requirements_back(empty_index: FakeIndex, cache_: Cache) -> None:
    """``x`` is pinned to 2.0, which bounds ``y``; then ``z`` asks for ``x<2``.
    resolvelib reopens ``x`` and drops 2.0's requirements, so ``y`` is unbounded again
    and ``w`` is resolved before it. A stale preference for ``y`` picks ``y`` first."""
    empty_index.add_project("x", [Release("1.0"), Release("2.0", requires_dist=["y<3"])])
    empty_index.add_project("y", [Release("1.0"), Release("3.0")])
    empty_index.add_project("z", [Release("1.0", requires_dist=["x<2", "w"])])
    empty_index.add_project("w", [Release("1.0")])
    provider = _provider(empty_index, cache_)
    stock_answer, stock_steps = _stock(provider, ["x<5", "z<2"])
    answer, steps, _ = _ours(provider, ["x<5", "z<2"])
    assert steps == stock_steps
    pins = [label for kind, label in steps if kind == "pin"]
    assert pins == ["x 2.0", "z 1.0", "x 1.0", "w 1.0", "y 1.0"]
    assert answer == stock_answer == {"x": "x 1.0", "z": "z 1.0", "w": "w 1.0"}


def test_other_resolvelib_releases_run_their_own_loop(
    empty_index: FakeIndex, cache_: Cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Off resolvelib 1.2 the copied loop is not used; the memoised pin checks and
    preferences still are, and still give resolvelib's path."""
    monkeypatch.setattr(incremental, "LOOP_VERSIONS", ("0.0.",))
    build_synthetic(empty_index, 60, seed=5)
    names = [package_name(5, i) for i in range(60)]
    provider = _provider(empty_index, cache_)
    stock_answer, stock_steps = _stock(provider, names)
    answer, steps, resolution = _ours(provider, names, IncrementalResolution)
    assert (answer, steps) == (stock_answer, stock_steps)
    assert resolution.incremental_rounds == 0 and resolution.full_scans == 0


def test_the_hooks_exist_on_the_installed_resolvelib() -> None:
    """The memoised methods override resolvelib's by name: if a release renames them,
    they would silently stop being used. Fail here instead, and re-read the loop."""
    for method in (
        "_is_current_pin_satisfying",
        "_get_preference",
        "_add_to_criteria",
        "_remove_information_from_criteria",
        "_attempt_to_pin_criterion",
        "_backjump",
        "_push_new_state",
        "_rollback_states",
    ):
        assert callable(getattr(Resolution, method, None)), method
    assert incremental.incremental_loop_available()


def test_requirement_traits_read_every_specifier() -> None:
    from resolvelib.structs import RequirementInformation

    from auditor.resolve.provider import requirement_traits

    def info(text: str, parent: Cand | None = None) -> RequirementInformation[Req, Cand]:
        parsed = PkgRequirement(text)
        r = Req(name=canonicalize_name(parsed.name), extras=frozenset(), specifier=parsed.specifier)
        return RequirementInformation(r, parent)

    parent = Cand(name="p", version=None)
    assert requirement_traits([info("x>=1", parent)]) == (True, True, True, True)
    assert requirement_traits([info("x>=1", parent), info("x<3", parent)]) == (
        True,
        True,
        False,
        True,
    )
    assert requirement_traits([info("x==1.*", parent)]) == (True, True, False, True)
    assert requirement_traits([info("x==1.2")]) == (True, False, False, False)
