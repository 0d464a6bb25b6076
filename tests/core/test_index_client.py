"""The index client against a real HTTP server on loopback: protocols, fallbacks, faults."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.cache import Cache
from auditor.config import make_target, target_tags
from auditor.errors import DataSourceError, OfflineMissError
from auditor.index.client import IndexClient, PackageNotFoundError
from auditor.index.http import make_session
from auditor.index.simple_api import DistFile, parse_html_page, parse_json_page, wheel_prefilter
from tests.core.conftest import client
from tests.fakes import FakeIndex, Release

TAGS = target_tags(make_target("3.12", "linux"))


def test_files_come_from_the_pep691_page(fake_index: FakeIndex, cache: Cache) -> None:
    files = client(fake_index, cache).files("Requests")
    versions = {f.version for f in files}
    assert {"2.34.2", "2.33.1"} <= versions
    wheel = next(f for f in files if f.is_wheel and f.version == "2.34.2")
    assert wheel.url.startswith(fake_index.url)
    assert wheel.requires_python == ">=3.10"


def test_metadata_from_pep658_file(fake_index: FakeIndex, cache: Cache) -> None:
    meta = client(fake_index, cache).metadata("requests", "2.34.2", TAGS)
    assert meta.source.startswith("wheel metadata")
    names = {
        line.split(">")[0].split("<")[0].split(";")[0].strip() for line in meta.requires_dist or ()
    }
    assert {"charset_normalizer", "idna", "urllib3", "certifi"} <= names


def test_metadata_from_the_wheel_by_range_requests(empty_index: FakeIndex, cache: Cache) -> None:
    empty_index.add_project(
        "wheelonly",
        [Release("1.0", requires_dist=["dep>=2"], files=["wheelonly-1.0-py3-none-any.whl"])],
    )
    empty_index.missing_metadata("wheelonly")
    meta = client(empty_index, cache).metadata("wheelonly", "1.0", TAGS)
    assert meta.requires_dist == ("dep>=2",)
    assert "range" in meta.source
    ranged = [r for r in empty_index.requests.records() if "Range" in r.headers]
    assert ranged, "the wheel should be read with Range requests, not downloaded whole"


def test_sdist_only_release_reads_pkg_info(empty_index: FakeIndex, cache: Cache) -> None:
    empty_index.add_project(
        "native-runtime",
        [
            Release("0.1", requires_dist=["numpy>=1.20"], files=["native_runtime-0.1.tar.gz"]),
            Release("0.2", requires_dist=["numpy>=2"], files=["native_runtime-0.2.tar.gz"]),
        ],
    )
    empty_index.missing_metadata("native-runtime")
    c = client(empty_index, cache)
    old = c.metadata("native-runtime", "0.1", TAGS)
    assert old.requires_dist == ("numpy>=1.20",)
    assert old.source.startswith("sdist PKG-INFO")


def pkg_info(version: str, *lines: str) -> str:
    return "\n".join([f"Metadata-Version: {version}", "Name: native", "Version: 1.0", *lines])


def test_sdist_pkg_info_with_dynamic_requires_dist_is_not_authoritative() -> None:
    from auditor.index.client import _from_sdist

    # Metadata 2.2+ without Dynamic: the list (even an empty one) is the truth.
    static = _from_sdist("native", "1.0", pkg_info("2.2"))
    assert static is not None and static.requires_dist == ()
    assert static.source == "sdist PKG-INFO (Metadata 2.2+)"
    # Dynamic: Requires-Dist means a build decides: no requirements listed is not "none".
    assert _from_sdist("native", "1.0", pkg_info("2.2", "Dynamic: Requires-Dist")) is None
    assert _from_sdist("native", "1.0", pkg_info("2.4", "Dynamic: requires-dist")) is None
    # Some listed, but a build may add more: used, and the source says it may be short.
    partial = _from_sdist(
        "native", "1.0", pkg_info("2.2", "Dynamic: Requires-Dist", "Requires-Dist: numpy")
    )
    assert partial is not None and partial.requires_dist == ("numpy",)
    assert "may be incomplete" in partial.source
    # Another field being dynamic changes nothing.
    other = _from_sdist("native", "1.0", pkg_info("2.2", "Dynamic: Version"))
    assert other is not None and other.source == "sdist PKG-INFO (Metadata 2.2+)"


def test_recorded_sdist_only_project_has_its_dependencies(
    fake_index: FakeIndex, cache: Cache
) -> None:
    c = client(fake_index, cache)
    files = c.files("llama-cpp-python")
    assert files and not any(f.is_wheel for f in files)
    latest = max((f.version for f in files), key=lambda v: tuple(int(x) for x in v.split(".")))
    meta = c.metadata("llama-cpp-python", latest, TAGS)
    assert meta.requires_dist is not None
    assert any(r.startswith("numpy") for r in meta.requires_dist)


def test_unknown_package_is_a_clear_error(fake_index: FakeIndex, cache: Cache) -> None:
    with pytest.raises(PackageNotFoundError) as err:
        client(fake_index, cache).files("no-such-package")
    assert "no-such-package" in err.value.message
    assert err.value.hint and "spelling" in err.value.hint


def test_unreachable_primary_index_is_a_data_source_error(cache: Cache) -> None:
    c = IndexClient(["http://127.0.0.1:9/simple"], session=make_session(retries=0), cache=cache)
    with pytest.raises(DataSourceError) as err:
        c.files("requests")
    assert err.value.exit_code == 3
    assert "127.0.0.1:9" in err.value.message


def test_unreachable_extra_index_warns_once_and_continues(
    fake_index: FakeIndex, cache: Cache
) -> None:
    dead = "http://127.0.0.1:9/whl/cu124"
    c = IndexClient([fake_index.simple_url, dead], session=make_session(retries=0), cache=cache)
    assert c.files("requests")
    assert c.files("idna")
    assert len(c.warnings) == 1 and dead in c.warnings[0]


def test_server_errors_on_the_primary_index_fail_loudly(
    fake_index: FakeIndex, cache: Cache
) -> None:
    fake_index.fail("/simple/requests", status=503)
    with pytest.raises(DataSourceError) as err:
        client(fake_index, cache).files("requests")
    assert "503" in err.value.message


def test_malformed_page_is_not_cached(fake_index: FakeIndex, cache: Cache) -> None:
    fake_index.malformed("/simple/idna", times=1)
    with pytest.raises(DataSourceError):
        client(fake_index, cache).files("idna")
    # The garbage was not stored: a new run gets the real page.
    assert client(fake_index, cache).files("idna")


def test_second_run_is_served_from_the_cache(fake_index: FakeIndex, tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    first = Cache(path)
    client(fake_index, first).metadata("requests", "2.34.2", TAGS)
    first.close()
    fake_index.requests.clear()
    second = Cache(path)
    meta = client(fake_index, second).metadata("requests", "2.34.2", TAGS)
    assert meta.requires_dist
    assert len(fake_index.requests) == 0


def test_offline_miss_names_what_is_missing(fake_index: FakeIndex, cache: Cache) -> None:
    with pytest.raises(OfflineMissError) as err:
        client(fake_index, cache, offline=True).files("requests")
    assert "requests" in err.value.message and "--offline" in err.value.message
    assert len(fake_index.requests) == 0


def test_html_pages_from_vendor_indexes() -> None:
    page = """<html><body>
    <a href="../../packages/torch-2.5.1%2Bcu124-cp311-cp311-linux_x86_64.whl#sha256=ab"
       data-requires-python="&gt;=3.9">torch-2.5.1+cu124-cp311-cp311-linux_x86_64.whl</a>
    <a href="torch-2.4.0.tar.gz" data-yanked="broken">torch-2.4.0.tar.gz</a>
    <a href="notes.txt">notes</a>
    </body></html>"""
    files = parse_html_page(page, "https://download.example.com/whl/cu124/torch/")
    assert [f.version for f in files] == ["2.5.1+cu124", "2.4.0"]
    assert files[0].requires_python == ">=3.9"
    assert (
        files[0].url
        == "https://download.example.com/whl/packages/torch-2.5.1%2Bcu124-cp311-cp311-linux_x86_64.whl"
    )
    assert files[1].yanked and not files[0].yanked


def test_json_pages_carry_pep592_yanked_flags() -> None:
    # PEP 691: ``yanked`` is false, true, or a reason string (which means yanked).
    entries = [
        {"filename": "tool-1.0.tar.gz", "url": "tool-1.0.tar.gz", "hashes": {}},
        {"filename": "tool-1.1.tar.gz", "url": "tool-1.1.tar.gz", "hashes": {}, "yanked": False},
        {"filename": "tool-1.2.tar.gz", "url": "tool-1.2.tar.gz", "hashes": {}, "yanked": True},
        {"filename": "tool-1.3.tar.gz", "url": "tool-1.3.tar.gz", "hashes": {}, "yanked": "bad"},
    ]
    page = json.dumps({"meta": {"api-version": "1.1"}, "name": "tool", "files": entries})
    files = [DistFile.from_row(r) for r in parse_json_page(page, "https://idx.example/tool/")]
    assert {f.version: f.yanked for f in files} == {
        "1.0": False,
        "1.1": False,
        "1.2": True,
        "1.3": True,
    }


def test_wheels_for_other_targets_are_dropped_after_the_cache(
    empty_index: FakeIndex, tmp_path: Path
) -> None:
    from auditor.index.simple_api import wheel_prefilter

    files = [
        "gpu-1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "gpu-1.0-cp312-cp312-win_amd64.whl",
        "gpu-1.0-cp38-cp38-manylinux_2_17_x86_64.whl",
        "gpu-1.0-py3-none-any.whl",
        "gpu-1.0.tar.gz",
    ]
    empty_index.add_project("gpu", [Release("1.0", files=files)])
    path = tmp_path / "c.sqlite3"
    kept = IndexClient(
        [empty_index.simple_url],
        session=make_session(retries=0),
        cache=Cache(path),
        keep_file=wheel_prefilter(TAGS),
    ).files("gpu")
    assert sorted(f.filename for f in kept) == sorted(
        [files[0], "gpu-1.0-py3-none-any.whl", "gpu-1.0.tar.gz"]
    )
    # The cache is target-agnostic: a client for Windows sees its wheel.
    win_tags = target_tags(make_target("3.12", "windows"))
    other = IndexClient(
        [empty_index.simple_url],
        session=make_session(retries=0),
        cache=Cache(path),
        keep_file=wheel_prefilter(win_tags),
    ).files("gpu")
    assert "gpu-1.0-cp312-cp312-win_amd64.whl" in {f.filename for f in other}


def _gpu_project(index: FakeIndex) -> list[str]:
    """A project whose older release has only a Windows wheel: nothing a Linux target
    keeps, yet part of its history."""
    files = [
        "gpu-1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "gpu-1.0-cp312-cp312-win_amd64.whl",
        "gpu-1.0.tar.gz",
    ]
    index.add_project(
        "gpu",
        [
            Release(
                "0.9",
                files=["gpu-0.9-cp312-cp312-win_amd64.whl"],
                upload_time="2024-01-02T00:00:00Z",
            ),
            Release("1.0", files=files, upload_time="2025-01-02T00:00:00Z"),
        ],
    )
    index.add_project("winonly", [Release("1.0", files=["winonly-1.0-cp312-cp312-win_amd64.whl"])])
    return files


def _simple_rows(path: Path) -> dict[str, dict[str, object]]:
    import sqlite3

    with sqlite3.connect(path) as conn:
        rows = conn.execute("select key, value from entries where namespace = 'simple'")
        return {key: json.loads(value) for key, value in rows}


def test_a_target_s_cache_row_holds_only_the_files_it_can_install(
    empty_index: FakeIndex, tmp_path: Path
) -> None:
    files = _gpu_project(empty_index)
    path = tmp_path / "c.sqlite3"
    keep = wheel_prefilter(TAGS)
    cache = Cache(path)
    assert len(client(empty_index, cache, keep_file=keep).files("gpu")) == 2
    cache.close()
    stored = _simple_rows(path)
    assert list(stored) == [f"{empty_index.simple_url}|gpu|{keep.key()}"]
    row = stored[f"{empty_index.simple_url}|gpu|{keep.key()}"]
    assert [r[0] for r in row["files"]] == [files[0], files[2]]  # type: ignore[index, union-attr]
    assert row["count"] == 4  # the page listed four files


def test_a_warm_target_reads_its_rows_and_the_whole_history(
    empty_index: FakeIndex, tmp_path: Path
) -> None:
    _gpu_project(empty_index)
    path = tmp_path / "c.sqlite3"
    cold_cache = Cache(path)
    cold = client(empty_index, cold_cache, keep_file=wheel_prefilter(TAGS))
    cold_files = cold.files("gpu")
    cold_history = cold.upload_times("gpu")
    cold.files("winonly")
    cold_cache.close()
    before = empty_index.count()
    warm = client(empty_index, Cache(path), keep_file=wheel_prefilter(TAGS))
    assert warm.files("gpu") == cold_files
    history = warm.upload_times("gpu")
    assert history == cold_history and history is not None
    assert set(history) == {"0.9", "1.0"}  # 0.9 has nothing this target keeps
    assert warm.files("winonly") == ()
    assert warm._listed("winonly")  # listed files, though none for this target
    assert empty_index.count() == before  # all from the cache


def test_a_whole_page_row_serves_every_target(empty_index: FakeIndex, tmp_path: Path) -> None:
    files = _gpu_project(empty_index)
    path = tmp_path / "c.sqlite3"
    unfiltered = Cache(path)
    client(empty_index, unfiltered).files("gpu")  # no filter: the page's whole list
    unfiltered.close()
    assert list(_simple_rows(path)) == [f"{empty_index.simple_url}|gpu"]
    before = empty_index.count()
    kept = client(empty_index, Cache(path), keep_file=wheel_prefilter(TAGS)).files("gpu")
    assert sorted(f.filename for f in kept) == sorted([files[0], files[2]])
    assert empty_index.count() == before


def _kept_rows_without_history(index: FakeIndex, tmp_path: Path) -> Path:
    """A cache holding the target's rows of ``gpu`` and no history row beside them."""
    import sqlite3

    _gpu_project(index)
    path = tmp_path / "c.sqlite3"
    cache = Cache(path)
    client(index, cache, keep_file=wheel_prefilter(TAGS)).files("gpu")
    cache.close()
    with sqlite3.connect(path) as conn:
        conn.execute("delete from entries where namespace = 'upload-times'")
    return path


def test_no_history_is_made_up_from_kept_rows(empty_index: FakeIndex, tmp_path: Path) -> None:
    path = _kept_rows_without_history(empty_index, tmp_path)
    warm = client(empty_index, Cache(path), keep_file=wheel_prefilter(TAGS), offline=True)
    assert warm.upload_times("gpu") is None  # unknown, not a history without 0.9


def test_online_a_lost_history_row_is_read_from_the_page_again(
    empty_index: FakeIndex, tmp_path: Path
) -> None:
    path = _kept_rows_without_history(empty_index, tmp_path)
    history = client(empty_index, Cache(path), keep_file=wheel_prefilter(TAGS)).upload_times("gpu")
    assert history is not None and set(history) == {"0.9", "1.0"}


def test_a_page_read_from_an_extra_index_keeps_its_history(
    empty_index: FakeIndex, tmp_path: Path
) -> None:
    """The same index, extra in one run and primary in the next, has its history."""
    _gpu_project(empty_index)
    path = tmp_path / "c.sqlite3"
    first = Cache(path)
    other = empty_index.simple_url.replace("/simple", "/other-simple")  # knows no projects
    IndexClient(
        [other, empty_index.simple_url],
        session=make_session(retries=0),
        cache=first,
        keep_file=wheel_prefilter(TAGS),
    ).files("gpu")
    first.close()
    later = client(empty_index, Cache(path), keep_file=wheel_prefilter(TAGS), offline=True)
    history = later.upload_times("gpu")
    assert history is not None and set(history) == {"0.9", "1.0"}
