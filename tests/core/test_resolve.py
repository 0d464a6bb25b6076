"""Resolution against the fake index: pip's rules, markers per target, locks, conflicts."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.cache import Cache
from auditor.errors import ResolutionError
from auditor.index.client import PackageNotFoundError
from auditor.model import (
    DependencyInput,
    LockedDependency,
    LockedPackage,
    Origin,
    PackageStatus,
    Requirement,
)
from auditor.resolve.graph import DependencyGraph
from auditor.resolve.resolver import resolve
from tests.core.conftest import client, options
from tests.fakes import FakeIndex, Release


def req(text: str, line: int = 1, path: str = "requirements.txt", **kw: object) -> Requirement:
    from packaging.requirements import Requirement as Pkg
    from packaging.utils import canonicalize_name

    parsed = Pkg(text)
    return Requirement(
        name=canonicalize_name(parsed.name),
        display_name=parsed.name,
        origin=Origin(path=path, line=line),
        text=text,
        specifier=str(parsed.specifier),
        extras=tuple(sorted(parsed.extras)),
        marker=str(parsed.marker) if parsed.marker else None,
        url=parsed.url,
        **kw,  # type: ignore[arg-type]
    )


def run(fake: FakeIndex, cache: Cache, *reqs: Requirement, **kw: object) -> DependencyGraph:
    inp = DependencyInput(path="requirements.txt", kind="requirements", requirements=reqs)
    return resolve([inp], index=client(fake, cache), options=options(**kw))  # type: ignore[arg-type]


def versions(graph: DependencyGraph) -> dict[str, str | None]:
    return {p.name: p.version for p in graph.packages()}


def test_recorded_world_resolves_transitively(fake_index: FakeIndex, cache: Cache) -> None:
    graph = run(fake_index, cache, req("requests>=2.30"), req("llama-cpp-python", line=2))
    found = versions(graph)
    assert found["requests"] == "2.34.2"
    assert found["llama-cpp-python"] == "0.3.36"
    assert {"urllib3", "idna", "charset-normalizer", "certifi"} <= set(found)
    assert {"numpy", "diskcache", "jinja2", "markupsafe", "typing-extensions"} <= set(found)
    assert graph.depth("requests") == 0 and graph.depth("markupsafe") == 2
    assert graph.via("urllib3") == ["requests"]
    assert graph.via("markupsafe") == ["llama-cpp-python"]
    assert graph.origins("markupsafe") == ["requirements.txt:2"]
    assert graph.paths("markupsafe") == [["llama-cpp-python", "jinja2", "markupsafe"]]
    assert graph.dependents("markupsafe") == ["jinja2"]


def test_yanked_latest_is_skipped_unless_pinned(fake_index: FakeIndex, cache: Cache) -> None:
    assert (
        versions(run(fake_index, cache, req("synthetic-yanked-latest")))["synthetic-yanked-latest"]
        == "1.1.0"
    )


def test_yanked_newest_release_is_passed_over(empty_index: FakeIndex, cache: Cache) -> None:
    # Both releases install on their own (no dependencies, same files): only the yank
    # can explain 1.0 being chosen over 2.0.
    empty_index.add_project("skipme", [Release("1.0"), Release("2.0", yanked=True)])
    assert versions(run(empty_index, cache, req("skipme")))["skipme"] == "1.0"
    assert versions(run(empty_index, cache, req("skipme>=1.0,<3")))["skipme"] == "1.0"


def test_yanked_release_pinned_exactly_is_used(empty_index: FakeIndex, cache: Cache) -> None:
    empty_index.add_project("pinme", [Release("1.0"), Release("2.0", yanked="bad build")])
    assert versions(run(empty_index, cache, req("pinme==2.0")))["pinme"] == "2.0"


def test_requires_python_excludes_releases(fake_index: FakeIndex, cache: Cache) -> None:
    found = versions(run(fake_index, cache, req("synthetic-future-python")))
    assert found["synthetic-future-python"] == "1.2.0"


def test_prereleases_only_when_asked(empty_index: FakeIndex, cache: Cache) -> None:
    empty_index.add_project("pre", [Release("1.0"), Release("2.0b1")])
    assert versions(run(empty_index, cache, req("pre")))["pre"] == "1.0"
    assert versions(run(empty_index, cache, req("pre>=2.0b1")))["pre"] == "2.0b1"


def test_markers_follow_the_target(empty_index: FakeIndex, cache: Cache) -> None:
    empty_index.add_project(
        "app-lib",
        [
            Release(
                "1.0",
                requires_dist=[
                    'linux-only; sys_platform == "linux"',
                    'win-only; sys_platform == "win32"',
                    'old-py; python_version < "3.11"',
                    "gpu-extra; extra == 'gpu'",
                ],
            )
        ],
    )
    for name in ("linux-only", "win-only", "old-py", "gpu-extra"):
        empty_index.add_project(name, [Release("1.0")])
    linux = versions(run(empty_index, cache, req("app-lib"), python="3.12", platform="linux"))
    assert set(linux) == {"app-lib", "linux-only"}
    win = versions(run(empty_index, cache, req("app-lib[gpu]"), python="3.10", platform="windows"))
    assert set(win) == {"app-lib", "win-only", "old-py", "gpu-extra"}


def test_two_lines_under_exclusive_markers(empty_index: FakeIndex, cache: Cache) -> None:
    empty_index.add_project("torchish", [Release("2.4.0"), Release("2.5.1")])
    reqs = (
        req('torchish==2.5.1; sys_platform == "linux"', line=3),
        req('torchish==2.4.0; sys_platform == "darwin"', line=4),
    )
    assert versions(run(empty_index, cache, *reqs, platform="linux"))["torchish"] == "2.5.1"
    assert versions(run(empty_index, cache, *reqs, platform="macos"))["torchish"] == "2.4.0"


def test_backtracks_to_a_compatible_release(empty_index: FakeIndex, cache: Cache) -> None:
    empty_index.add_project("core", [Release("1.0"), Release("2.0")])
    empty_index.add_project(
        "plugin",
        [Release("1.0", requires_dist=["core<2"]), Release("2.0", requires_dist=["core>=3"])],
    )
    found = versions(run(empty_index, cache, req("core"), req("plugin", line=2)))
    assert found == {"core": "1.0", "plugin": "1.0"}


def test_conflict_names_both_sides_and_where(empty_index: FakeIndex, cache: Cache) -> None:
    empty_index.add_project("core", [Release("1.0"), Release("2.0")])
    empty_index.add_project("plugin", [Release("1.0", requires_dist=["core<2"])])
    with pytest.raises(ResolutionError) as err:
        run(empty_index, cache, req("core>=2", line=5), req("plugin", line=9))
    text = err.value.message
    assert "core >=2" in text and "requirements.txt:5" in text
    assert "core <2" in text and "required by plugin 1.0" in text
    assert "core: 2.0, 1.0" in text


def test_unknown_package_says_which_requirement(fake_index: FakeIndex, cache: Cache) -> None:
    with pytest.raises(PackageNotFoundError) as err:
        run(fake_index, cache, req("requestz"))
    assert "requestz" in err.value.message


def test_no_deps_keeps_only_the_listed_packages(fake_index: FakeIndex, cache: Cache) -> None:
    graph = run(fake_index, cache, req("requests"), no_deps=True)
    assert versions(graph) == {"requests": "2.34.2"}


def test_self_referencing_extras(empty_index: FakeIndex, cache: Cache) -> None:
    empty_index.add_project(
        "bundle",
        [
            Release(
                "1.0",
                requires_dist=[
                    "bundle[cuda]; extra == 'all'",
                    "cuda-kernels; extra == 'cuda'",
                ],
            )
        ],
    )
    empty_index.add_project("cuda-kernels", [Release("3.0")])
    graph = run(empty_index, cache, req("bundle[all]"))
    assert versions(graph) == {"bundle": "1.0", "cuda-kernels": "3.0"}
    assert graph.package("bundle").extras == ("all", "cuda")


def test_git_reference_is_kept_as_unresolvable(fake_index: FakeIndex, cache: Cache) -> None:
    graph = run(
        fake_index,
        cache,
        req("mylib @ git+https://github.com/example/mylib@v1"),
        req("requests", line=2),
    )
    pkg = graph.package("mylib")
    assert pkg.status is PackageStatus.UNRESOLVABLE
    assert pkg.reason and "git" in pkg.reason
    assert "requests" in graph


def test_local_project_reference_reads_static_dependencies(
    fake_index: FakeIndex, cache: Cache, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "myapp"\nversion = "0.3"\ndependencies = ["idna>=3"]\n'
    )
    graph = run(fake_index, cache, req(f"myapp @ {tmp_path.as_uri()}"))
    assert graph.package("myapp").status is PackageStatus.DIRECT_URL
    assert graph.package("myapp").version == "0.3"
    assert graph.dependencies("myapp")[0][0] == "idna"


def test_lock_file_gives_the_exact_graph_without_resolving(
    fake_index: FakeIndex, cache: Cache
) -> None:
    origin = Origin(path="uv.lock", line=10)
    locked = (
        LockedPackage(
            name="requests",
            version="2.33.1",
            origin=origin,
            dependencies=(
                LockedDependency(name="idna"),
                LockedDependency(name="win-thing", marker='sys_platform == "win32"'),
            ),
        ),
        LockedPackage(name="idna", version="3.17", origin=origin, dependencies=()),
        LockedPackage(name="win-thing", version="1.0", origin=origin, dependencies=()),
    )
    inp = DependencyInput(
        path="uv.lock",
        kind="uv.lock",
        requirements=(req("requests", path="pyproject.toml"),),
        locked=locked,
    )
    fake_index.requests.clear()
    graph = resolve([inp], index=client(fake_index, cache), options=options(platform="linux"))
    assert versions(graph) == {"requests": "2.33.1", "idna": "3.17"}
    assert graph.package("requests").status is PackageStatus.LOCKED
    assert len(fake_index.requests) == 0


def test_lock_without_edges_reads_them_from_metadata(fake_index: FakeIndex, cache: Cache) -> None:
    origin = Origin(path="Pipfile.lock", line=None)
    locked = tuple(
        LockedPackage(name=n, version=v, origin=origin, dependencies=None)
        for n, v in [
            ("requests", "2.34.2"),
            ("idna", "3.20"),
            ("urllib3", "2.8.0"),
            ("certifi", "2026.10.18"),
            ("charset-normalizer", "3.5.2"),
        ]
    )
    inp = DependencyInput(path="Pipfile.lock", kind="Pipfile.lock", locked=locked)
    graph = resolve([inp], index=client(fake_index, cache), options=options())
    assert list(graph.roots) == ["requests"]
    assert {c for c, _ in graph.dependencies("requests")} == {
        "idna",
        "urllib3",
        "certifi",
        "charset-normalizer",
    }


def test_warm_run_reuses_the_resolution(fake_index: FakeIndex, tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    first = run(fake_index, Cache(path), req("requests"))
    fake_index.requests.clear()
    second = run(fake_index, Cache(path), req("requests"))
    assert versions(first) == versions(second)
    assert sorted(second.g.edges) == sorted(first.g.edges)
    assert len(fake_index.requests) == 0
