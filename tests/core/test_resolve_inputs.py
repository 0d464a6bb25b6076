"""Resolution fed hostile or odd inputs: duplicate lines, markers that cannot be read."""

from __future__ import annotations

import pytest

from auditor.cache import Cache
from auditor.index.client import PackageNotFoundError
from auditor.model import DependencyInput, LockedPackage, Origin
from auditor.resolve.resolver import resolve
from tests.core.conftest import client, options
from tests.core.test_resolve import req, versions
from tests.fakes import FakeIndex, Release
from tests.sources.fuzzing import WorkBudgetExceeded, count_work


def test_duplicate_lines_cost_linear_work(empty_index: FakeIndex, cache: Cache) -> None:
    """10,000 copies of a line used to cost 10,000**2 specifier checks in the resolver."""
    empty_index.add_project("dup", [Release("1.0"), Release("2.0")])
    index = client(empty_index, cache)
    index.releases("dup")  # the first fetch is not what is measured
    work = []
    for copies in (100, 1600):
        reqs = tuple(req("dup>=1", line=i + 1) for i in range(copies))
        inp = DependencyInput(path="requirements.txt", kind="requirements", requirements=reqs)
        graph, exc, calls = count_work(
            lambda i=inp: resolve([i], index=index, options=options()), 5_000_000
        )
        assert exc is None and not isinstance(exc, WorkBudgetExceeded), exc
        assert graph is not None and versions(graph) == {"dup": "2.0"}
        assert len(graph.origins("dup")) == copies  # every line is still an origin
        work.append(calls)
    assert work[1] <= 24 * work[0], work


def test_lock_marker_that_cannot_be_evaluated_keeps_the_package(
    empty_index: FakeIndex, cache: Cache
) -> None:
    origin = Origin(path="pylock.toml", line=3)
    locked = (LockedPackage(name="odd", version="1.0", origin=origin, dependencies=()),)
    inp = DependencyInput(
        path="pylock.toml",
        kind="pylock",
        requirements=(req('odd==1.0; "a" == "b"', path="pylock.toml"),),
        locked=locked,
    )
    graph = resolve([inp], index=client(empty_index, cache), options=options())
    assert versions(graph) == {"odd": "1.0"}


def test_unknown_package_names_the_file_and_line(fake_index: FakeIndex, cache: Cache) -> None:
    inp = DependencyInput(
        path="requirements.txt",
        kind="requirements",
        requirements=(req("requests"), req("requestz>=1", line=7)),
    )
    with pytest.raises(PackageNotFoundError) as err:
        resolve([inp], index=client(fake_index, cache), options=options())
    assert err.value.message.startswith("requirements.txt:7: package 'requestz' was not found")
