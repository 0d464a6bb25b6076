"""Prefetching: what the provider asks the index for ahead of the resolver, and what not.

Prefetching only moves requests earlier, onto worker threads; what it must guarantee is
observable in the fake index's request log: the releases the resolver will take are
fetched ahead (so a cold run waits on the network in parallel, not one request at a
time), and nothing is fetched that the resolver would never ask for (a dependency under
a false marker, an extra nobody asked for, a pre-release, a release the target cannot
install, a direct URL, anything at all with ``--no-deps``). The worker pool is replaced
by an executor that runs each task at once, so the log is the same on every run.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version
from resolvelib import BaseReporter, Resolver

from auditor.cache import Cache
from auditor.index.client import IndexClient
from auditor.index.http import make_session
from auditor.resolve.provider import Cand, Provider, Req
from tests.core.conftest import options
from tests.fakes import FakeIndex, Release


class Inline(Executor):
    """Runs each task when it is submitted, keeping its outcome in the future as a
    worker thread would (nobody reads a prefetch's future: a failure stays there)."""

    def __init__(self) -> None:
        self.tasks = 0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.tasks += 1
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # what a worker thread does with it
            future.set_exception(exc)
        return future


def provider(fake: FakeIndex, cache: Cache, *, no_deps: bool = False) -> tuple[Provider, Inline]:
    opts = options()
    pool = Inline()
    index = IndexClient([fake.simple_url], session=make_session(retries=0), cache=cache)
    p = Provider(
        index=index,
        target=opts.target,
        tags=opts.tags,
        constraints={},
        direct={},
        executor=pool,
        no_deps=no_deps,
    )
    return p, pool


def root(text: str) -> Req:
    from packaging.requirements import Requirement

    parsed = Requirement(text)
    return Req(
        name=parsed.name,
        extras=frozenset(parsed.extras),
        specifier=parsed.specifier,
        url=parsed.url,
        text=text,
    )


def pages(fake: FakeIndex) -> set[str]:
    """Projects whose file list was asked for."""
    return {p.split("/")[2] for p in fake.requests if p.startswith("/simple/")}


def metadata(fake: FakeIndex) -> set[str]:
    """Releases whose metadata was asked for, as ``name-version``."""
    return {
        "-".join(p.rsplit("/", 1)[1].split("-")[:2])
        for p in fake.requests
        if p.startswith("/files/") and p.endswith(".metadata")
    }


def world(fake: FakeIndex) -> None:
    fake.add_project(
        "app",
        [
            Release(
                "1.0",
                requires_dist=[
                    'winlib; sys_platform == "win32"',
                    'extra-dep; extra == "x"',
                    "lib>=1",
                    "helper @ https://example.com/helper-1.0.tar.gz",
                ],
            )
        ],
    )
    fake.add_project(
        "lib",
        [
            Release("1.0"),
            Release("2.0", requires_dist=["leaf"]),
            Release("2.1", requires_python=">=3.13"),
            Release("3.0b1"),
        ],
    )
    for name in ("leaf", "winlib", "extra-dep"):
        fake.add_project(name, [Release("1.0")])


def test_prefetch_fetches_what_the_resolver_will_take_and_nothing_else(
    empty_index: FakeIndex, cache: Cache
) -> None:
    world(empty_index)
    p, _ = provider(empty_index, cache)
    p.prefetch(root("app"))
    assert pages(empty_index) == {"app", "lib", "leaf"}
    assert metadata(empty_index) == {"app-1.0", "lib-2.0", "leaf-1.0"}
    # lib 2.0 is the newest lib the target can take (2.1 needs Python 3.13, 3.0b1 is a
    # pre-release): taking it is no backtracking, so lib 1.0 is not fetched either
    before = len(empty_index.requests)
    result = Resolver(p, BaseReporter()).resolve([root("app")])
    found = {c.name: str(c.version) for c in result.mapping.values() if c.version}
    assert found == {"app": "1.0", "lib": "2.0", "leaf": "1.0"}
    # everything the resolver needed was already on hand
    assert len(empty_index.requests) == before


def test_prefetch_follows_the_extras_asked_for(empty_index: FakeIndex, cache: Cache) -> None:
    world(empty_index)
    p, _ = provider(empty_index, cache)
    p.prefetch(root("app[x]"))
    assert pages(empty_index) == {"app", "lib", "leaf", "extra-dep"}


def test_a_self_referencing_extra_does_not_stop_the_prefetch(
    empty_index: FakeIndex, cache: Cache
) -> None:
    empty_index.add_project(
        "bundle",
        [Release("1.0", requires_dist=["bundle[cuda]; extra == 'all'", "numpy; extra == 'all'"])],
    )
    empty_index.add_project("numpy", [Release("2.0")])
    p, _ = provider(empty_index, cache)
    p.prefetch(root("bundle[all]"))
    assert metadata(empty_index) == {"bundle-1.0", "numpy-2.0"}


def test_each_project_is_prefetched_once_even_in_a_cycle(
    empty_index: FakeIndex, cache: Cache
) -> None:
    empty_index.add_project("chicken", [Release("1.0", requires_dist=["egg"])])
    empty_index.add_project("egg", [Release("1.0", requires_dist=["chicken"])])
    p, pool = provider(empty_index, cache)
    p.prefetch(root("chicken"))
    p.prefetch(root("chicken>=1"))
    assert pool.tasks == 2
    assert metadata(empty_index) == {"chicken-1.0", "egg-1.0"}


def test_no_prefetch_for_direct_urls_or_with_no_deps(empty_index: FakeIndex, cache: Cache) -> None:
    world(empty_index)
    p, pool = provider(empty_index, cache)
    p.prefetch(root("helper @ https://example.com/helper-1.0.tar.gz"))
    assert pool.tasks == 0 and len(empty_index.requests) == 0
    p, pool = provider(empty_index, cache, no_deps=True)
    p.prefetch(root("app"))
    assert pages(empty_index) == {"app"} and metadata(empty_index) == set()


def test_a_failing_prefetch_stays_on_its_worker(empty_index: FakeIndex, cache: Cache) -> None:
    world(empty_index)
    p, pool = provider(empty_index, cache)
    empty_index.fail("/simple/lib/", 503)
    p.prefetch(root("app"))  # lib's page fails: the prefetch stops there, silently
    assert pool.tasks == 2 and pages(empty_index) == {"app", "lib"}


# -- backtracking: the next older releases ------------------------------------------------


def releases(fake: FakeIndex, name: str, *, broken: str | None = "3.0") -> None:
    """1.0 to 6.0; ``broken`` needs Python 3.13 (the tests' target is 3.12)."""
    fake.add_project(
        name,
        [
            Release(v, requires_python=">=3.13" if v == broken else None)
            for v in ("1.0", "2.0", "3.0", "4.0", "5.0", "6.0")
        ],
    )


def offered(
    p: Provider, name: str, spec: str = "", *, bad: tuple[str, ...] = (), take: int = 1
) -> list[str]:
    """The first ``take`` candidates the resolver is offered for ``name`` (``spec``), with
    ``bad`` releases known incompatible, as resolvelib reads them: one at a time."""
    req = root(name + spec)
    known_bad = [Cand(name=name, version=Version(v)) for v in bad]
    matches = p.find_matches(name, {name: iter([req])}, {name: iter(known_bad)})()
    return [str(next(matches).version) for _ in range(take)]


def fetched(fake: FakeIndex, name: str) -> set[str]:
    return {m.removeprefix(name + "-") for m in metadata(fake) if m.startswith(name + "-")}


def test_the_first_candidate_offered_is_no_sign_of_backtracking(
    empty_index: FakeIndex, cache: Cache
) -> None:
    releases(empty_index, "lib")
    p, _ = provider(empty_index, cache)
    assert offered(p, "lib") == ["6.0"]
    # a requirement that pins an older release is no backtracking either (the old rule,
    # "older than the newest", fetched three more here)
    assert offered(p, "lib", "==4.0") == ["4.0"]
    assert offered(p, "lib", "<5") == ["4.0"]
    assert fetched(empty_index, "lib") == set()


def test_a_rejected_candidate_prefetches_the_next_three_the_resolver_would_try(
    empty_index: FakeIndex, cache: Cache
) -> None:
    releases(empty_index, "lib")  # 3.0 needs Python 3.13: never a candidate
    p, pool = provider(empty_index, cache)
    assert offered(p, "lib", take=2) == ["6.0", "5.0"]
    assert fetched(empty_index, "lib") == {"4.0", "2.0", "1.0"}
    assert pool.tasks == 3
    # one step further back: what is already on its way is not asked twice
    assert offered(p, "lib", take=3) == ["6.0", "5.0", "4.0"]
    assert pool.tasks == 3
    assert empty_index.count("/files/lib/lib-2.0-py3-none-any.whl.metadata") == 1


def test_known_incompatible_releases_are_backtracking_and_are_not_fetched(
    empty_index: FakeIndex, cache: Cache
) -> None:
    releases(empty_index, "lib", broken=None)
    p, _ = provider(empty_index, cache)
    # after a backjump the resolver asks again with 6.0 and 4.0 ruled out: the first
    # offer is already a step back, and the next three exclude what is ruled out
    assert offered(p, "lib", bad=("6.0", "4.0")) == ["5.0"]
    assert fetched(empty_index, "lib") == {"3.0", "2.0", "1.0"}


def test_backtracking_stays_within_the_requirements(empty_index: FakeIndex, cache: Cache) -> None:
    releases(empty_index, "lib", broken=None)
    p, _ = provider(empty_index, cache)
    assert offered(p, "lib", ">=3,!=5.0", take=2) == ["6.0", "4.0"]
    assert fetched(empty_index, "lib") == {"3.0"}


def test_no_backtracking_prefetch_with_no_deps(empty_index: FakeIndex, cache: Cache) -> None:
    releases(empty_index, "lib")
    p, pool = provider(empty_index, cache, no_deps=True)
    assert offered(p, "lib", take=2) == ["6.0", "5.0"]
    assert pool.tasks == 0 and metadata(empty_index) == set()


def test_candidate_versions_is_what_prefetch_chose(empty_index: FakeIndex, cache: Cache) -> None:
    # the release prefetched is the resolver's first choice, for the same specifier
    world(empty_index)
    p, _ = provider(empty_index, cache)
    first = next(p.candidate_versions("lib", [SpecifierSet(">=1")]))
    assert str(first[0]) == "2.0"


def test_backtracking_through_many_releases_walks_them_once(
    empty_index: FakeIndex, cache: Cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fetching ahead reads on from the candidate offered, never from the newest again:
    backtracking through n releases is n steps, not n squared."""
    empty_index.add_project("lib", [Release(f"1.{i}") for i in range(40)])
    p, _ = provider(empty_index, cache)
    walks = 0
    real = p.candidate_versions

    def counted(name: str, specs: Any) -> Any:
        nonlocal walks
        walks += 1
        return real(name, specs)

    monkeypatch.setattr(p, "candidate_versions", counted)
    assert offered(p, "lib", take=30) == [f"1.{i}" for i in range(39, 9, -1)]
    assert walks == 1
    assert fetched(empty_index, "lib") == {f"1.{i}" for i in range(7, 38)}
