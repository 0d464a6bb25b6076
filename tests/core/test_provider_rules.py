"""The provider's rules, pip's way: which releases are candidates, what a release needs.

Each test states one rule a user would notice broken (a different version installed, a
dependency missing or invented, a release that pip would never pick). Asked of the
provider directly where the rule is about one project's candidates or one release's
dependencies, and of the whole resolution where the rule only shows in the graph.
Issue 15's mutation run (``benchmarks/mutation.py provider``) showed each unguarded.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from auditor.cache import Cache
from auditor.errors import ResolutionError
from auditor.index.client import IndexClient, PackageNotFoundError
from auditor.index.http import make_session
from auditor.model import DependencyInput, PackageStatus, Requirement
from auditor.resolve.graph import DependencyGraph
from auditor.resolve.provider import Cand, Provider
from auditor.resolve.resolver import resolve
from tests.core.conftest import options
from tests.core.test_resolve import req, run, versions
from tests.fakes import FakeIndex, Release

#: connection refused at once: an extra index that cannot be reached
DEAD = "http://127.0.0.1:9/whl/cu124"
DEAD_TOO = "http://127.0.0.1:9/whl/rocm"


def provider(
    fake: FakeIndex,
    cache: Cache,
    *,
    extra: Sequence[str] = (),
    platform: str = "linux",
    python: str = "3.12",
    no_deps: bool = False,
) -> Provider:
    """A provider on the fake index, as the resolver builds one (no prefetching)."""
    opts = options(python=python, platform=platform)
    index = IndexClient([fake.simple_url, *extra], session=make_session(retries=0), cache=cache)
    return Provider(
        index=index,
        target=opts.target,
        tags=opts.tags,
        constraints={},
        direct={},
        executor=None,
        no_deps=no_deps,
    )


def candidates(p: Provider, name: str, *specs: str) -> list[str]:
    """Every candidate release, in the order the resolver would try them."""
    return [str(v) for v, _ in p.candidate_versions(name, [SpecifierSet(s) for s in specs])]


def cand(name: str, version: str, *extras: str) -> Cand:
    return Cand(name=name, version=Version(version), extras=frozenset(extras))


def deps(p: Provider, candidate: Cand) -> list[tuple[str, str, str | None]]:
    """(identifier, specifier, marker) of each dependency the release declares."""
    return [(d.identifier, str(d.specifier), d.marker) for d in p.get_dependencies(candidate)]


# -- which releases are candidates --------------------------------------------------------


def test_newest_first_by_version_not_by_text(empty_index: FakeIndex, cache: Cache) -> None:
    empty_index.add_project("nums", [Release("9.0"), Release("10.0"), Release("1.0")])
    assert candidates(provider(empty_index, cache), "nums") == ["10.0", "9.0", "1.0"]


def test_a_release_with_an_invalid_version_is_skipped_alone(
    empty_index: FakeIndex, cache: Cache
) -> None:
    # The fake lists the invalid version first, as real pages list old odd uploads.
    empty_index.add_project(
        "legacy",
        [Release("1.0"), Release("2.0"), Release("banana.x", files=["legacy-banana.x.tar.gz"])],
    )
    assert candidates(provider(empty_index, cache), "legacy") == ["2.0", "1.0"]


def test_pre_releases_only_when_nothing_final_fits(empty_index: FakeIndex, cache: Cache) -> None:
    empty_index.add_project(
        "pre", [Release("1.0"), Release("2.0b1"), Release("2.0"), Release("2.1rc1")]
    )
    empty_index.add_project("early", [Release("0.1a1"), Release("0.1b2")])
    p = provider(empty_index, cache)
    # finals exist: pre-releases are never offered, not even after the finals
    assert candidates(p, "pre") == ["2.0", "1.0"]
    # no final fits the specifier: its pre-releases are
    assert candidates(p, "pre", ">2.0") == ["2.1rc1"]
    # nothing but pre-releases: they are the candidates, newest first
    assert candidates(p, "early") == ["0.1b2", "0.1a1"]


def test_a_specifier_naming_a_pre_release_admits_all_of_them(
    empty_index: FakeIndex, cache: Cache
) -> None:
    empty_index.add_project(
        "pre", [Release("1.0"), Release("2.0b1"), Release("2.0"), Release("2.1rc1")]
    )
    assert candidates(provider(empty_index, cache), "pre", ">=2.0b1") == ["2.1rc1", "2.0", "2.0b1"]


def test_a_project_with_only_pre_releases_resolves(empty_index: FakeIndex, cache: Cache) -> None:
    empty_index.add_project("early", [Release("0.1a1"), Release("0.1b2")])
    empty_index.add_project("app", [Release("1.0", requires_dist=["early"])])
    assert versions(run(empty_index, cache, req("app"))) == {"app": "1.0", "early": "0.1b2"}


def test_yanked_only_when_pinned_exactly(empty_index: FakeIndex, cache: Cache) -> None:
    empty_index.add_project(
        "yanky", [Release("1.0"), Release("2.0", yanked="broken"), Release("3.0")]
    )
    p = provider(empty_index, cache)
    assert candidates(p, "yanky") == ["3.0", "1.0"]
    assert candidates(p, "yanky", ">=2.0,<3") == []  # a range is not a pin
    assert candidates(p, "yanky", "==2.*") == []  # nor is a wildcard
    assert candidates(p, "yanky", "==2.0") == ["2.0"]
    assert candidates(p, "yanky", "===2.0") == ["2.0"]
    assert candidates(p, "yanky", "==2.0", "<3") == ["2.0"]
    # arbitrary equality with text that is no version matches nothing, without error
    assert candidates(p, "yanky", "===latest") == []


def test_yanked_pin_among_loose_requirements(empty_index: FakeIndex, cache: Cache) -> None:
    # Not every line is pinned, so this is a resolution, not a lock read as written.
    empty_index.add_project("pinme", [Release("1.0"), Release("2.0", yanked="bad build")])
    empty_index.add_project("other", [Release("1.0")])
    found = versions(run(empty_index, cache, req("pinme==2.0"), req("other", line=2)))
    assert found == {"pinme": "2.0", "other": "1.0"}


def test_a_project_whose_every_release_is_yanked_resolves_when_pinned(
    empty_index: FakeIndex, cache: Cache
) -> None:
    empty_index.add_project("gone", [Release("1.0", yanked="withdrawn")])
    empty_index.add_project("other", [Release("1.0")])
    found = versions(run(empty_index, cache, req("gone==1.0"), req("other", line=2)))
    assert found == {"gone": "1.0", "other": "1.0"}


def test_only_releases_the_target_can_install(empty_index: FakeIndex, cache: Cache) -> None:
    empty_index.add_project("universal", [Release("1.0"), Release("2.0")])
    empty_index.add_project(
        "wheels",
        [
            Release("1.0", files=["wheels-1.0-py3-none-any.whl"]),
            Release("2.0", files=["wheels-2.0-cp312-cp312-win_amd64.whl"]),
            Release("3.0", files=["wheels-3.0-x1-py3-none-any.whl"]),  # not a wheel name
        ],
    )
    linux = provider(empty_index, cache)
    assert candidates(linux, "universal") == ["2.0", "1.0"]
    assert candidates(linux, "wheels") == ["1.0"]
    windows = provider(empty_index, cache, platform="windows")
    assert candidates(windows, "wheels") == ["2.0", "1.0"]


def test_requires_python_of_the_files(empty_index: FakeIndex, cache: Cache) -> None:
    empty_index.add_project("modern", [Release("1.0"), Release("2.0", requires_python=">=3.13")])
    assert candidates(provider(empty_index, cache, python="3.12"), "modern") == ["1.0"]
    assert candidates(provider(empty_index, cache, python="3.13"), "modern") == ["2.0", "1.0"]


def test_constraints_limit_the_candidates(empty_index: FakeIndex, cache: Cache) -> None:
    empty_index.add_project("core", [Release("1.0"), Release("2.0")])
    found = versions(run(empty_index, cache, req("core"), req("core<2", line=2, constraint=True)))
    assert found == {"core": "1.0"}


# -- what a release depends on ------------------------------------------------------------


APP = Release(
    "1.0",
    requires_dist=[
        "plain>=1",
        'linux-only; sys_platform == "linux"',
        'spaced (>=1.19) ; python_version >= "3.8"',  # how older tools write it
        'win-only; sys_platform == "win32"',
        "gpu-kernels>=2; extra == 'gpu'",
        'gpu-linux; extra == "gpu" and sys_platform == "linux"',
        "not a requirement !!",
    ],
)


def test_dependencies_follow_markers_and_extras(empty_index: FakeIndex, cache: Cache) -> None:
    empty_index.add_project("app", [APP])
    p = provider(empty_index, cache)
    assert deps(p, cand("app", "1.0")) == [
        ("plain", ">=1", None),
        ("linux-only", "", 'sys_platform == "linux"'),
        ("spaced", ">=1.19", 'python_version >= "3.8"'),
    ]
    # app[gpu] stands on app at the very same release, then adds the extra's lines
    assert deps(p, cand("app", "1.0", "gpu")) == [
        ("app", "==1.0", None),
        ("plain", ">=1", None),
        ("linux-only", "", 'sys_platform == "linux"'),
        ("spaced", ">=1.19", 'python_version >= "3.8"'),
        ("gpu-kernels", ">=2", "extra == 'gpu'"),
        ("gpu-linux", "", 'extra == "gpu" and sys_platform == "linux"'),
    ]
    parents = {d.parent for d in p.get_dependencies(cand("app", "1.0", "gpu"))}
    assert parents == {"app 1.0"}
    assert p.dependencies[cand("app", "1.0")][0].name == "plain"  # kept for the graph


def test_an_extras_dependencies_come_from_the_chosen_release(
    empty_index: FakeIndex, cache: Cache
) -> None:
    empty_index.add_project(
        "bundle",
        [
            Release("1.0", requires_dist=["old-kernels; extra == 'gpu'"]),
            Release("2.0", requires_dist=["new-kernels; extra == 'gpu'"]),
        ],
    )
    for name in ("old-kernels", "new-kernels"):
        empty_index.add_project(name, [Release("1.0")])
    found = versions(run(empty_index, cache, req("bundle[gpu]"), req("bundle<2", line=2)))
    assert found == {"bundle": "1.0", "old-kernels": "1.0"}


def test_no_deps_reads_no_metadata(empty_index: FakeIndex, cache: Cache) -> None:
    empty_index.add_project("app", [APP])
    p = provider(empty_index, cache, no_deps=True)
    assert deps(p, cand("app", "1.0", "gpu")) == [("app", "==1.0", None)]
    assert empty_index.count("/files/") == 0


def test_the_graph_knows_what_the_metadata_said(empty_index: FakeIndex, cache: Cache) -> None:
    empty_index.add_project("modern", [Release("2.0", requires_python=">=3.10")])
    graph = run(empty_index, cache, req("modern"))
    pkg = graph.package("modern")
    assert pkg.dependencies_known is True
    assert pkg.requires_python == ">=3.10"


def test_edges_keep_the_marker_of_the_requires_dist_line(
    empty_index: FakeIndex, cache: Cache
) -> None:
    empty_index.add_project("app", [APP])
    for name in ("plain", "linux-only", "spaced"):
        empty_index.add_project(name, [Release("1.19")])
    graph = run(empty_index, cache, req("app"))
    assert graph.g.edges["app", "linux-only"]["marker"] == 'sys_platform == "linux"'
    assert graph.g.edges["app", "spaced"]["marker"] == 'python_version >= "3.8"'
    assert graph.g.edges["app", "plain"]["marker"] is None


# -- direct references ---------------------------------------------------------------------


def test_a_direct_reference_with_extras(empty_index: FakeIndex, cache: Cache) -> None:
    empty_index.add_project("other", [Release("1.0")])
    graph = run(
        empty_index,
        cache,
        req("mylib[cli] @ git+https://github.com/example/mylib@v1"),
        req("other", line=2),
    )
    pkg = graph.package("mylib")
    assert pkg.status is PackageStatus.UNRESOLVABLE and pkg.extras == ("cli",)
    assert pkg.reason and "git reference" in pkg.reason


def test_a_dependency_by_direct_url_is_not_looked_up(empty_index: FakeIndex, cache: Cache) -> None:
    empty_index.add_project(
        "app", [Release("1.0", requires_dist=["helper @ https://example.com/helper-1.0.tar.gz"])]
    )
    graph = run(empty_index, cache, req("app"))
    assert graph.package("helper").url == "https://example.com/helper-1.0.tar.gz"
    assert graph.package("helper").status is PackageStatus.UNRESOLVABLE
    assert graph.package("helper").reason == (
        "direct reference https://example.com/helper-1.0.tar.gz in another package's "
        "requirements: its metadata is not read, so its dependencies are unknown"
    )
    assert graph.via("helper") == ["app"]
    assert "/simple/helper/" not in empty_index.requests


def test_a_name_only_dependency_accepts_the_direct_reference(
    empty_index: FakeIndex, cache: Cache
) -> None:
    empty_index.add_project("plugin", [Release("1.0", requires_dist=["mylib"])])
    graph = run(
        empty_index,
        cache,
        req("mylib @ git+https://github.com/example/mylib@v1"),
        req("plugin", line=2),
    )
    assert graph.package("mylib").url == "git+https://github.com/example/mylib@v1"
    assert graph.dependents("mylib") == ["plugin"]


# -- projects the index does not have ---------------------------------------------------


def test_a_missing_project_names_the_line_that_asked(empty_index: FakeIndex, cache: Cache) -> None:
    with pytest.raises(PackageNotFoundError) as err:
        run(empty_index, cache, req("ghost", line=3))
    assert err.value.message.startswith("requirements.txt:3: package 'ghost' was not found")
    assert err.value.hint and "--extra-index-url" in err.value.hint


def test_a_missing_dependency_names_the_release_that_asked(
    empty_index: FakeIndex, cache: Cache
) -> None:
    empty_index.add_project("app", [Release("1.0", requires_dist=["ghost>=1"])])
    with pytest.raises(PackageNotFoundError) as err:
        run(empty_index, cache, req("app"))
    assert err.value.message.startswith("required by app 1.0: package 'ghost' was not found")
    assert err.value.hint and "--extra-index-url" in err.value.hint


def test_a_missing_project_without_a_requirement_is_the_plain_error(
    empty_index: FakeIndex, cache: Cache
) -> None:
    p = provider(empty_index, cache)
    with pytest.raises(PackageNotFoundError) as err:
        p.find_matches("ghost", {"ghost": iter([])}, {"ghost": iter([])})
    assert err.value.message.startswith("package 'ghost' was not found")


# -- an extra index that cannot be reached ----------------------------------------------


def run_with(
    fake: FakeIndex, cache: Cache, extra: Sequence[str], *reqs: Requirement
) -> DependencyGraph:
    """A resolution with extra indexes after the fake one (as ``--extra-index-url``)."""
    index = IndexClient([fake.simple_url, *extra], session=make_session(retries=0), cache=cache)
    inp = DependencyInput(path="requirements.txt", kind="requirements", requirements=reqs)
    return resolve([inp], index=index, options=options())


def _why(reason: str | None) -> str:
    assert reason is not None
    return reason


def test_a_project_only_an_unreachable_index_may_have(empty_index: FakeIndex, cache: Cache) -> None:
    empty_index.add_project("other", [Release("1.0")])
    graph = run_with(empty_index, cache, [DEAD], req("cuda-kernels[jit]"), req("other", line=2))
    pkg = graph.package("cuda-kernels")
    assert pkg.status is PackageStatus.UNRESOLVABLE and pkg.version is None
    assert pkg.extras == ("jit",)
    assert _why(pkg.reason) == (
        f"not on any reachable index; the index {DEAD} could not be reached, "
        "so its dependencies are unknown"
    )
    assert versions(graph)["other"] == "1.0"


def test_a_pin_only_an_unreachable_index_may_serve(empty_index: FakeIndex, cache: Cache) -> None:
    empty_index.add_project("torchish", [Release("2.4.0"), Release("2.5.1")])
    empty_index.add_project("other", [Release("1.0")])
    graph = run_with(empty_index, cache, [DEAD], req("other"), req("torchish==2.5.1+cu124", line=2))
    assert _why(graph.package("torchish").reason) == (
        f"pinned version (==2.5.1+cu124) not on any reachable index; the index {DEAD} "
        "could not be reached, so its dependencies are unknown"
    )
    graph = run_with(empty_index, cache, [DEAD], req("other"), req("torchish===2.6", line=2))
    assert _why(graph.package("torchish").reason).startswith(
        "pinned version (===2.6) not on any reachable index"
    )
    graph = run_with(empty_index, cache, [DEAD, DEAD_TOO], req("other"), req("torchish>=3", line=2))
    assert _why(graph.package("torchish").reason) == (
        f"no release matching >=3 not on any reachable index; the indexes {DEAD}, "
        f"{DEAD_TOO} could not be reached, so its dependencies are unknown"
    )


def test_a_conflict_is_still_a_conflict_beside_an_unreachable_index(
    empty_index: FakeIndex, cache: Cache
) -> None:
    empty_index.add_project("core", [Release("1.0"), Release("2.0")])
    empty_index.add_project("plugin", [Release("1.0", requires_dist=["core<2"])])
    with pytest.raises(ResolutionError) as err:
        run_with(empty_index, cache, [DEAD], req("core>=2"), req("plugin", line=2))
    assert "cannot be satisfied" in err.value.message


# -- the order the resolver settles requirements in ---------------------------------------
#
# When several resolutions are valid, which one comes out depends on the order the
# requirements are settled in. pip's order (the resolved set must be pip's): upper-bounded
# requirements before open ones, the user's own before transitive ones, then by name.
# alpha 2.0 needs shared<2 and beta 2.1 needs shared>=2: whichever is settled first keeps
# its newest release, the other steps back.


def _alpha_beta(fake: FakeIndex) -> None:
    fake.add_project("shared", [Release("1.0"), Release("2.0")])
    fake.add_project("alpha", [Release("1.0"), Release("2.0", requires_dist=["shared<2"])])
    fake.add_project(
        "beta", [Release("1.0"), Release("2.0"), Release("2.1", requires_dist=["shared>=2"])]
    )


ALPHA_FIRST = {"alpha": "2.0", "beta": "2.0", "shared": "1.0"}
BETA_FIRST = {"alpha": "1.0", "beta": "2.1", "shared": "2.0"}


@pytest.mark.parametrize(
    ("beta", "expected"),
    [
        ("beta", ALPHA_FIRST),  # both open: by name
        ("beta>=1", ALPHA_FIRST),  # a lower bound does not count
        ("beta!=1.5", ALPHA_FIRST),
        ("beta<3", BETA_FIRST),  # an upper bound does
        ("beta<=3", BETA_FIRST),
        ("beta~=2.0", BETA_FIRST),
        ("beta==2.*", BETA_FIRST),
    ],
)
def test_upper_bounded_requirements_are_settled_first(
    empty_index: FakeIndex, cache: Cache, beta: str, expected: dict[str, str]
) -> None:
    _alpha_beta(empty_index)
    assert versions(run(empty_index, cache, req("alpha"), req(beta, line=2))) == expected


def test_the_users_own_requirements_are_settled_first(empty_index: FakeIndex, cache: Cache) -> None:
    # beta comes in through aaa-top: the user's own zeta goes first, though named later
    _alpha_beta(empty_index)
    empty_index.add_project("aaa-top", [Release("1.0", requires_dist=["beta"])])
    empty_index.add_project("zeta", [Release("1.0"), Release("2.0", requires_dist=["shared<2"])])
    found = versions(run(empty_index, cache, req("aaa-top"), req("zeta", line=2)))
    assert found == {"aaa-top": "1.0", "zeta": "2.0", "beta": "2.0", "shared": "1.0"}


def test_candidates_carry_the_identifier_asked_for(empty_index: FakeIndex, cache: Cache) -> None:
    # resolvelib pins what find_matches offers under the identifier it asked about; when
    # backjumping has removed every requirement of a criterion, only the identifier is left.
    empty_index.add_project("bundle", [Release("1.0"), Release("2.0")])
    p = provider(empty_index, cache)
    for identifier in ("bundle", "bundle[gpu]", "bundle[cli,gpu]"):
        offered = list(p.find_matches(identifier, {identifier: iter([])}, {identifier: iter([])})())
        assert [c.identifier for c in offered] == [identifier, identifier]
        assert [str(c.version) for c in offered] == ["2.0", "1.0"]
    assert offered[0].extras == frozenset({"cli", "gpu"})  # each extra's lines count


def test_a_marker_that_cannot_be_evaluated_is_not_followed(
    empty_index: FakeIndex, cache: Cache
) -> None:
    # `~=` needs two version parts: packaging cannot evaluate this marker, nor can pip.
    empty_index.add_project(
        "app", [Release("1.0", requires_dist=['odd; python_version ~= "3"', "plain"])]
    )
    assert deps(provider(empty_index, cache), cand("app", "1.0")) == [("plain", "", None)]
