"""The index client's edges that no test guarded until mutation testing (issue 15) asked.

Each test pins something a user acts on: which file's metadata is read, what an answer
from the cache looks like, which failure is named and how, what a message may show.
Everything goes through the loopback fake index, or through the parsers on the text a
real index sends.
"""

from __future__ import annotations

import gzip
import io
import json
import random
import sqlite3
import tarfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

import auditor.index.client as client_module
from auditor.cache import Cache
from auditor.config import make_target, target_tags
from auditor.errors import DataSourceError, OfflineMissError
from auditor.index.client import (
    LISTED_404,
    CoreMetadata,
    IndexClient,
    PackageNotFoundError,
    metadata_from_email,
    metadata_from_wheel,
    project_json_url,
    project_release_summary,
    upload_history,
)
from auditor.index.history import SUMMARY_FORMAT, ReleaseSummary, moment
from auditor.index.http import make_session
from auditor.index.simple_api import (
    DistFile,
    parse_html_page,
    parse_json_page,
    wheel_prefilter,
)
from tests.core.conftest import client
from tests.fakes import FakeIndex, Release

TAGS = target_tags(make_target("3.12", "linux"))
SECRET = "s3cr@tT0ken"  # an '@' inside the password, as people do type them unescaped


# -- what messages may show --------------------------------------------------------------


def test_an_unreachable_index_is_named_without_its_credentials(cache: Cache) -> None:
    index = f"http://ci:{SECRET}@127.0.0.1:9/simple"
    with pytest.raises(DataSourceError) as err:
        IndexClient([index], session=make_session(retries=0), cache=cache).files("torch")
    assert err.value.message == (
        "cannot read the package index http://***@127.0.0.1:9/simple: "
        "connection failed (refused, reset or name not resolved)"
    )
    assert err.value.hint == (
        "Check the network or proxy settings, or point --index-url at a reachable index; "
        "--offline audits from the cache alone."
    )


def test_a_dead_extra_index_is_named_without_credentials_and_with_the_reason(
    empty_index: FakeIndex, cache: Cache
) -> None:
    empty_index.add_project("torch", ["2.5.1"])
    extra = f"http://ci:{SECRET}@127.0.0.1:9/whl/cu124"
    c = IndexClient([empty_index.simple_url, extra], session=make_session(retries=0), cache=cache)
    assert c.files("torch")
    assert c.warnings == [
        "extra index http://***@127.0.0.1:9/whl/cu124 cannot be reached (connection failed "
        "(refused, reset or name not resolved)); continuing with the other indexes"
    ]


def test_an_unknown_project_is_named_with_the_indexes_without_credentials(
    empty_index: FakeIndex, cache: Cache
) -> None:
    index = empty_index.simple_url.replace("http://", f"http://ci:{SECRET}@")
    extra = empty_index.url + "/extra"
    c = IndexClient([index, extra], session=make_session(retries=0), cache=cache)
    with pytest.raises(PackageNotFoundError) as err:
        c.files("nosuchthing")
    shown = index.replace(f"ci:{SECRET}@", "***@")
    message = f"package 'nosuchthing' was not found on the package index ({shown}, {extra})"
    assert err.value.message == message
    assert err.value.hint == (
        "Check the spelling of the name, or pass --index-url/--extra-index-url "
        "for the index that hosts it."
    )


def test_a_project_only_on_an_extra_index_is_found_there(
    empty_index: FakeIndex, cache: Cache
) -> None:
    """The CUDA builds of torch live on the vendor's index, not on the primary one."""
    with FakeIndex() as vendor:
        vendor.add_project("torch", ["2.5.1"])
        c = IndexClient(
            [empty_index.simple_url, vendor.simple_url],
            session=make_session(retries=0),
            cache=cache,
        )
        assert {f.version for f in c.files("torch")} == {"2.5.1"}


def test_an_index_url_with_a_trailing_slash(empty_index: FakeIndex, cache: Cache) -> None:
    empty_index.add_project("lib", ["1.0"])
    c = IndexClient([empty_index.simple_url + "/"], session=make_session(retries=0), cache=cache)
    assert c.files("lib") and c.project_json("lib") is not None
    assert project_json_url("https://idx.example/simple/", "lib") == (
        "https://idx.example/pypi/lib/json"
    )
    with pytest.raises(ValueError, match=r"^at least one index URL is required$"):
        IndexClient([], session=make_session(retries=0), cache=cache)


def test_an_extra_index_that_is_not_http_is_skipped_with_a_warning(
    empty_index: FakeIndex, cache: Cache
) -> None:
    empty_index.add_project("lib", ["1.0"])
    c = IndexClient(
        [empty_index.simple_url, "file:///srv/wheels"], session=make_session(retries=0), cache=cache
    )
    assert c.files("lib")
    assert c.warnings == [
        "extra index file:///srv/wheels only http(s) indexes are read; "
        "continuing with the other indexes"
    ]
    assert c.unreachable == ("file:///srv/wheels",)


def test_a_primary_index_that_times_out_is_named_a_timeout(
    empty_index: FakeIndex, cache: Cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "DEFAULT_TIMEOUT", (2.0, 0.3))
    empty_index.add_project("lib", ["1.0"])
    empty_index.delay(0.8, "/simple/lib")
    with pytest.raises(DataSourceError) as err:
        client(empty_index, cache).files("lib")
    assert err.value.message == (
        f"cannot read the package index {empty_index.simple_url}: "
        "timed out (no answer within 0.3s, retries included)"
    )
    time.sleep(0.6)  # let the abandoned answer leave before the server stops


def test_a_page_that_is_no_project_page_is_named(empty_index: FakeIndex, cache: Cache) -> None:
    empty_index.add_project("lib", ["1.0"])
    empty_index.malformed("/simple/lib")
    with pytest.raises(DataSourceError) as err:
        client(empty_index, cache).files("lib")
    said = f"cannot read the package index {empty_index.simple_url}: its answer for 'lib' is "
    assert err.value.message.startswith(said + "not a valid project page (")
    empty_index.clear_faults()
    empty_index.wrong_shape("/simple/lib", {"meta": {"api-version": "1.1"}, "name": "lib"})
    with pytest.raises(DataSourceError) as err:
        client(empty_index, cache).files("lib")
    assert err.value.message == (
        said + "not a valid project page (not a PEP 691 project page (no 'files' list))"
    )


def test_an_https_index_is_asked(cache: Cache) -> None:
    c = IndexClient(["https://127.0.0.1:9/simple"], session=make_session(retries=0), cache=cache)
    with pytest.raises(DataSourceError) as err:
        c.files("lib")
    assert "connection failed" in err.value.message


def test_each_answer_is_asked_for_once_a_run(empty_index: FakeIndex) -> None:
    """Without a cache (--no-cache) the run still asks the index once per page."""
    empty_index.add_project("lib", ["1.0"])
    c = IndexClient([empty_index.simple_url], session=make_session(retries=0), cache=Cache(None))
    for _ in range(2):
        assert c.files("lib") and c.project_json("lib") is not None
        assert c.metadata("lib", "1.0", TAGS).requires_dist == ()
    assert empty_index.count("/simple/lib/") == 1 and empty_index.count("/pypi/lib/json") == 1


def test_a_vendor_index_of_html_with_relative_urls(empty_index: FakeIndex, cache: Cache) -> None:
    """What download servers of CUDA builds send: HTML only, file URLs relative to the
    page. The files, their flags and their metadata are read as from the JSON API."""
    empty_index.add_project(
        "torch",
        [
            Release("2.4.0", yanked="broken", requires_python=">=3.8"),
            Release("2.5.1", requires_dist=["filelock"], requires_python=">=3.9"),
        ],
    )
    as_json = client(empty_index, Cache(None)).files("torch")
    empty_index.vendor_style = True
    c = client(empty_index, cache)
    as_html = c.files("torch")
    assert [f.to_row()[:7] for f in as_html] == [f.to_row()[:7] for f in as_json]
    assert as_html[0].url.startswith(empty_index.url + "/files/torch/")
    assert c.metadata("torch", "2.5.1", TAGS).requires_dist == ("filelock",)
    assert c.upload_times("torch") is None  # HTML gives no upload times


# -- which metadata, from where --------------------------------------------------------


def test_metadata_comes_from_the_wheel_the_target_installs(
    empty_index: FakeIndex, cache: Cache
) -> None:
    """GPU projects declare different dependencies per platform: the Windows wheel's
    metadata is not the Linux target's, however it is listed."""
    files = [
        "gpu-1.0-cp312-cp312-win_amd64.whl",
        "gpu-1.0-cp312-cp312-manylinux_2_17_x86_64.whl",
        "gpu-1.0.tar.gz",
    ]
    empty_index.add_project(
        "gpu", [Release("1.0", requires_dist=["dep"], requires_python=">=3.9", files=files)]
    )
    meta = client(empty_index, cache).metadata("gpu", "1.0", TAGS)
    assert meta == CoreMetadata(
        name="gpu",
        version="1.0",
        requires_dist=("dep",),
        requires_python=">=3.9",
        source="wheel metadata (PEP 658)",
    )
    read = [p for p in empty_index.requests if p.endswith(".metadata")]
    assert read == ["/files/gpu/gpu-1.0-cp312-cp312-manylinux_2_17_x86_64.whl.metadata"]


@pytest.mark.parametrize("how", ["missing", "not-metadata"])
def test_an_announced_metadata_file_that_fails_falls_back_to_the_wheel(
    empty_index: FakeIndex, cache: Cache, how: str
) -> None:
    empty_index.add_project("tool", [Release("1.0", requires_dist=["dep>=2"])])
    path = "/files/tool/tool-1.0-py3-none-any.whl.metadata"
    if how == "missing":
        empty_index.fail(path, 404)
    else:  # a mirror's answer with status 200 that is no metadata file
        empty_index.wrong_shape(path, {"message": "not here"})
    meta = client(empty_index, cache).metadata("tool", "1.0", TAGS)
    assert meta == CoreMetadata(
        name="tool",
        version="1.0",
        requires_dist=("dep>=2",),
        requires_python=None,
        source="wheel METADATA (range requests)",
    )


def test_the_latest_release_without_files_to_read_uses_the_project_json(
    empty_index: FakeIndex, cache: Cache
) -> None:
    empty_index.add_project(
        "zipped",
        [
            Release("0.9", files=["zipped-0.9.zip"]),
            Release(
                "1.0", requires_dist=["numpy"], requires_python=">=3.9", files=["zipped-1.0.zip"]
            ),
        ],
    )
    c = client(empty_index, cache)
    assert c.metadata("zipped", "1.0", TAGS) == CoreMetadata(
        name="zipped",
        version="1.0",
        requires_dist=("numpy",),
        requires_python=">=3.9",
        source="project JSON (latest release)",
    )
    # An older release: the project JSON describes only the latest, so nothing is known.
    assert c.metadata("zipped", "0.9", TAGS) == CoreMetadata(
        name="zipped",
        version="0.9",
        requires_dist=None,
        requires_python=None,
        source="none",
        reason="no metadata file, no readable PKG-INFO and no project JSON for this release; "
        "its dependencies are unknown",
    )


def test_requires_dist_null_in_the_project_json_keeps_requires_python(
    empty_index: FakeIndex, cache: Cache
) -> None:
    project = empty_index.add_project(
        "dyn", [Release("1.0", requires_python=">=3.10", files=["dyn-1.0.zip"])]
    )
    project.info["requires_dist"] = None
    assert client(empty_index, cache).metadata("dyn", "1.0", TAGS) == CoreMetadata(
        name="dyn",
        version="1.0",
        requires_dist=None,
        requires_python=">=3.10",
        source="project JSON (latest release)",
        reason="the index's project JSON does not list this release's dependencies "
        "(requires_dist is null: metadata not given or declared dynamic); its dependencies "
        "are unknown",
    )
    empty_index.add_project("plain", [Release("1.0", files=["plain-1.0.zip"])])
    # No Requires-Python is None, not "" (the project JSON says "").
    assert client(empty_index, cache).metadata("plain", "1.0", TAGS).requires_python is None


def sdist(stem: str, pkg_info: bytes, *, before: int = 0, after: int = 0) -> bytes:
    """A .tar.gz with ``before`` bytes of other files ahead of ``<stem>/PKG-INFO`` and
    ``after`` bytes (that do not compress) behind it."""
    raw = io.BytesIO()
    members = [
        (f"{stem}/setup.py", bytes(before)),
        (f"{stem}/PKG-INFO", pkg_info),
        (f"{stem}/data.bin", random.Random(0).randbytes(after)),
    ]
    with tarfile.open(fileobj=raw, mode="w") as archive:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0)


def test_an_sdist_pkg_info_in_latin_1_is_read(empty_index: FakeIndex, cache: Cache) -> None:
    """Old sdists carry PKG-INFO in Latin-1 (an author's name): still their metadata."""
    empty_index.add_project("old", [Release("0.1", files=["old-0.1.tar.gz"]), "1.0"])
    empty_index.missing_metadata("old")
    text = "Metadata-Version: 2.2\nName: old\nVersion: 0.1\nAuthor: Jos\xe9\n"
    text += "Requires-Python: >=3.8\nRequires-Dist: numpy\n"
    empty_index.serve_bytes("old", "old-0.1.tar.gz", sdist("old-0.1", text.encode("latin-1")))
    assert client(empty_index, cache).metadata("old", "0.1", TAGS) == CoreMetadata(
        name="old",
        version="0.1",
        requires_dist=("numpy",),
        requires_python=">=3.8",
        source="sdist PKG-INFO (Metadata 2.2+)",
    )


@pytest.mark.parametrize("damage", ["not-gzip", "truncated", "over-the-cap"])
def test_an_unreadable_sdist_is_unknown_not_a_crash(
    empty_index: FakeIndex, cache: Cache, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    empty_index.add_project("odd", [Release("0.1", files=["odd-0.1.tar.gz"]), "1.0"])
    empty_index.missing_metadata("odd")
    good = sdist("odd-0.1", b"Metadata-Version: 2.2\nRequires-Dist: numpy\n", before=20_000)
    if damage == "not-gzip":
        empty_index.serve_bytes("odd", "odd-0.1.tar.gz", b"<html>an error page</html>")
    elif damage == "truncated":
        empty_index.serve_bytes("odd", "odd-0.1.tar.gz", good[: len(good) // 2])
    else:  # the download is cut off at the cap, before PKG-INFO is reached
        empty_index.serve_bytes("odd", "odd-0.1.tar.gz", good)
        monkeypatch.setattr(client_module, "MAX_SDIST_BYTES", 40)
    meta = client(empty_index, cache).metadata("odd", "0.1", TAGS)
    assert meta.requires_dist is None and meta.source == "none"


def test_the_sdist_read_within_the_cap_is_whole(
    empty_index: FakeIndex, cache: Cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty_index.add_project("odd", [Release("0.1", files=["odd-0.1.tar.gz"]), "1.0"])
    empty_index.missing_metadata("odd")
    good = sdist("odd-0.1", b"Metadata-Version: 2.2\nRequires-Dist: numpy\n", before=20_000)
    empty_index.serve_bytes("odd", "odd-0.1.tar.gz", good)
    monkeypatch.setattr(client_module, "MAX_SDIST_BYTES", len(good) + 1)
    meta = client(empty_index, cache).metadata("odd", "0.1", TAGS)
    assert meta.requires_dist == ("numpy",)


@pytest.mark.parametrize("json_knows", [True, False])
def test_an_sdist_over_the_cap_defers_to_the_project_json_for_the_latest_release(
    empty_index: FakeIndex, cache: Cache, monkeypatch: pytest.MonkeyPatch, json_knows: bool
) -> None:
    """A PKG-INFO beyond the read cap is never reached, and reaching the cap is a big
    download (llama-cpp-python's sdist is 76 MB): the latest release asks the project
    JSON first. When the JSON does not know (requires_dist null) the sdist is still
    read, and one within reach is still the answer."""
    deps = ["numpy"] if json_knows else []
    empty_index.add_project("big", [Release("1.0", files=["big-1.0.tar.gz"], requires_dist=deps)])
    empty_index.missing_metadata("big")
    pkg_info = b"Metadata-Version: 2.2\nName: big\nVersion: 1.0\nRequires-Dist: jinja2\n"
    blob = sdist("big-1.0", pkg_info, after=300_000)
    empty_index.serve_bytes("big", "big-1.0.tar.gz", blob)
    # PKG-INFO comes first, within the cap; the whole sdist is over it
    monkeypatch.setattr(client_module, "MAX_SDIST_BYTES", 100_000)
    meta = client(empty_index, cache).metadata("big", "1.0", TAGS)
    downloads = empty_index.count("/files/big/big-1.0.tar.gz")
    if json_knows:
        assert (meta.requires_dist, meta.source) == (("numpy",), "project JSON (latest release)")
        assert downloads == 0
    else:
        assert meta.requires_dist == ("jinja2",) and downloads == 1


def test_an_sdist_over_the_cap_is_still_read_for_an_older_release(
    empty_index: FakeIndex, cache: Cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty_index.add_project(
        "big", [Release("0.9", files=["big-0.9.tar.gz"]), Release("1.0", requires_dist=["numpy"])]
    )
    empty_index.missing_metadata("big")
    pkg_info = b"Metadata-Version: 2.2\nName: big\nVersion: 0.9\nRequires-Dist: jinja2\n"
    empty_index.serve_bytes("big", "big-0.9.tar.gz", sdist("big-0.9", pkg_info, after=300_000))
    monkeypatch.setattr(client_module, "MAX_SDIST_BYTES", 100_000)
    meta = client(empty_index, cache).metadata("big", "0.9", TAGS)
    assert meta.requires_dist == ("jinja2",)  # the cap cuts the stream, not the archive
    assert empty_index.count("/files/big/big-0.9.tar.gz") == 1


def test_a_pkg_info_without_metadata_version_is_read_as_1_0() -> None:
    from auditor.index.client import _from_sdist

    meta = _from_sdist("ancient", "0.3", "Name: ancient\nRequires-Dist: six\n")
    assert meta == CoreMetadata(
        name="ancient",
        version="0.3",
        requires_dist=("six",),
        requires_python=None,
        source="sdist PKG-INFO (Metadata 1.0; may be incomplete)",
    )
    meta = _from_sdist("new", "2.0", "Metadata-Version: 2.3\nRequires-Python: >=3.10\n")
    assert meta is not None and meta.requires_python == ">=3.10"


# -- trusted hosts ----------------------------------------------------------------------


def recording_session(seen: list[tuple[str, object]]) -> requests.Session:
    session = make_session(retries=0)
    send = session.request

    def request(method: str, url: str, *args: Any, **kw: Any) -> requests.Response:
        seen.append((url, kw.get("verify")))
        return send(method, url, *args, **kw)

    session.request = request  # type: ignore[method-assign]
    return session


@pytest.mark.parametrize("trusted", [True, False])
def test_only_a_trusted_host_is_read_without_certificate_checks(
    empty_index: FakeIndex, cache: Cache, trusted: bool
) -> None:
    """pip's --trusted-host: that host's certificate is not checked, every other one is,
    for every kind of request (page, metadata, wheel by ranges, sdist, project JSON)."""
    empty_index.add_project("wheelonly", [Release("1.0", files=["wheelonly-1.0-py3-none-any.whl"])])
    empty_index.missing_metadata("wheelonly")
    empty_index.add_project("src", [Release("0.1", files=["src-0.1.tar.gz"]), "1.0"])
    empty_index.add_project("meta", ["1.0"])
    seen: list[tuple[str, object]] = []
    c = IndexClient(
        [empty_index.simple_url],
        session=recording_session(seen),
        cache=cache,
        trusted_hosts=["127.0.0.1"] if trusted else ["other.example"],
    )
    for name, version in (("wheelonly", "1.0"), ("src", "0.1"), ("meta", "1.0")):
        assert c.metadata(name, version, TAGS).requires_dist is not None
    assert c.project_json("meta") is not None
    kinds = {url.rsplit("/", 1)[-1].rsplit(".", 1)[-1] for url, _ in seen}
    assert {"", "whl", "gz", "metadata", "json"} <= kinds  # each kind of request was made
    assert {verify for _, verify in seen} == {not trusted}


# -- the cache: what comes back, what is refused -----------------------------------------


def test_metadata_comes_back_from_the_cache_as_it_was(
    empty_index: FakeIndex, tmp_path: Path
) -> None:
    empty_index.add_project(
        "lib",
        [Release("0.9", files=["lib-0.9.zip"]), Release("1.0", requires_python=">=3.9")],
    )
    path = tmp_path / "c.sqlite3"
    first = client(empty_index, Cache(path))
    answers = [first.metadata("lib", v, TAGS) for v in ("1.0", "0.9")]
    assert answers[0].requires_python == ">=3.9" and answers[1].reason
    empty_index.requests.clear()
    again = client(empty_index, Cache(path))
    assert [again.metadata("lib", v, TAGS) for v in ("1.0", "0.9")] == answers
    assert len(empty_index.requests) == 0


def test_a_definite_answer_is_kept_for_good(empty_index: FakeIndex, tmp_path: Path) -> None:
    empty_index.add_project("lib", [Release("1.0", requires_dist=["dep"])])
    cache = Cache(tmp_path / "c.sqlite3")
    client(empty_index, cache).metadata("lib", "1.0", TAGS)
    cache.flush()  # rows are stored behind the caller
    with sqlite3.connect(tmp_path / "c.sqlite3") as conn:
        (expires,) = conn.execute(
            "select expires_at from entries where namespace='metadata' and key='lib==1.0'"
        ).fetchone()
    assert expires is None


def test_a_cached_row_without_a_source_reads_as_from_the_cache(
    empty_index: FakeIndex, cache: Cache
) -> None:
    """Rows written before the source was recorded: said to come from the cache."""
    row = {"name": "lib", "version": "1.0", "requires_dist": ["dep"], "requires_python": None}
    cache.put("metadata", "lib==1.0", row, ttl=None)
    meta = client(empty_index, cache).metadata("lib", "1.0", TAGS)
    assert meta.source == "cache" and meta.requires_dist == ("dep",) and meta.reason is None
    assert not cache.warnings


def test_offline_uses_an_expired_unknown_and_names_a_missing_release(
    empty_index: FakeIndex, cache: Cache
) -> None:
    unknown = {"name": "lib", "version": "0.9", "requires_dist": None, "requires_python": None}
    cache.put("metadata", "lib==0.9", unknown, ttl=-1)  # expired: online would ask again
    offline = client(empty_index, cache, offline=True)
    assert offline.metadata("lib", "0.9", TAGS).requires_dist is None
    with pytest.raises(OfflineMissError) as err:
        offline.metadata("lib", "1.0", TAGS)
    assert err.value.message == "--offline: the cache has no metadata for lib 1.0"
    assert err.value.hint == "Run the audit once with network access to fill the cache."
    assert len(empty_index.requests) == 0


def test_an_unknown_answer_still_fresh_is_served_from_the_cache(
    empty_index: FakeIndex, cache: Cache
) -> None:
    empty_index.add_project("lib", [Release("1.0", requires_dist=["dep"])])
    unknown = {"name": "lib", "version": "1.0", "requires_dist": None, "requires_python": None}
    cache.put("metadata", "lib==1.0", unknown, ttl=3600)
    assert client(empty_index, cache).metadata("lib", "1.0", TAGS).requires_dist is None
    assert len(empty_index.requests) == 0 and not cache.warnings


def test_cached_pages_and_documents_are_used_without_a_request(
    empty_index: FakeIndex, tmp_path: Path
) -> None:
    empty_index.add_project("lib", ["1.0"])
    path = tmp_path / "c.sqlite3"
    first = client(empty_index, Cache(path))
    assert first.project_json("lib") is not None and first.files("lib")
    assert first.project_json("gone") is None
    with pytest.raises(PackageNotFoundError):
        first.files("gone")
    empty_index.requests.clear()
    warm_cache = Cache(path)
    warm = client(empty_index, warm_cache)
    assert warm.project_json("lib") is not None and warm.files("lib")
    assert warm.project_json("gone") is None
    with pytest.raises(PackageNotFoundError):  # the page's 404 is remembered too
        warm.files("gone")
    assert len(empty_index.requests) == 0 and not warm_cache.warnings


def test_rows_cached_before_upload_times_were_kept_are_still_used(
    empty_index: FakeIndex, cache: Cache
) -> None:
    url = f"{empty_index.url}/files/lib/lib-1.0-py3-none-any.whl"
    row = ["lib-1.0-py3-none-any.whl", url, "1.0", True, ">=3.9", True, False, 100]  # 8 fields
    cache.put("simple", f"{empty_index.simple_url}|lib", {"files": [row]}, ttl=3600)
    c = client(empty_index, cache)
    assert c.files("lib", "1.0") == (
        DistFile(
            filename="lib-1.0-py3-none-any.whl",
            url=url,
            version="1.0",
            is_wheel=True,
            requires_python=">=3.9",
            yanked=True,
            has_metadata=False,
            size=100,
        ),
    )
    assert c.upload_times("lib") is None  # no times in such rows: the project JSON answers
    assert len(empty_index.requests) == 0 and not cache.warnings


def test_a_version_the_index_does_not_list_has_no_files(
    fake_index: FakeIndex, cache: Cache
) -> None:
    assert client(fake_index, cache).files("requests", "0.0.0.dev0") == ()


@pytest.mark.parametrize(
    "value",
    [
        ["wrong"],
        {"files": []},
        {"versions": "1.0"},
        {"versions": {"1.0": "2024-01-01"}},
        {"versions": {"1.0": ["2024-01-01"]}},
        {"versions": {"1.0": [20240101, False]}},
        {"versions": {"1.0": ["2024-01-01", "no"]}},
    ],
)
def test_a_release_history_of_the_wrong_shape_is_refetched(
    empty_index: FakeIndex, cache: Cache, value: object
) -> None:
    empty_index.add_project("lib", [Release("1.0"), Release("2.0", yanked=True)])
    expected = IndexClient(
        [empty_index.simple_url], session=make_session(retries=0), cache=Cache(None)
    ).upload_times("lib")
    assert expected is not None and expected["2.0"][1] is True
    cache.put("upload-times", f"{empty_index.simple_url}|lib", value, ttl=None)
    assert client(empty_index, cache).upload_times("lib") == expected
    assert cache.warnings and "wrong shape" in cache.warnings[0]


def test_a_release_history_comes_back_from_the_cache_with_its_yanks(
    empty_index: FakeIndex, tmp_path: Path
) -> None:
    empty_index.add_project("lib", [Release("1.0"), Release("2.0", yanked="broken")])
    path = tmp_path / "c.sqlite3"
    fetched = client(empty_index, Cache(path)).upload_times("lib")
    assert fetched is not None and fetched["2.0"][1] and not fetched["1.0"][1]
    empty_index.requests.clear()
    assert client(empty_index, Cache(path)).upload_times("lib") == fetched
    assert len(empty_index.requests) == 0


def test_a_page_without_upload_times_is_remembered_as_such(
    empty_index: FakeIndex, cache: Cache
) -> None:
    """An index that gives no upload times (api-version 1.0): the history is None, cached
    as None, and read back without a warning."""
    cache.put("upload-times", f"{empty_index.simple_url}|lib", {"versions": None}, ttl=None)
    assert client(empty_index, cache).upload_times("lib") is None
    assert len(empty_index.requests) == 0 and not cache.warnings


# -- the project JSON: faults and their names ----------------------------------------------


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (["not", "a", "project"], "a JSON list, not an object"),
        ({"info": "x"}, "no 'info' object"),
        ({"info": {}, "releases": ["1.0"]}, "'releases' is not an object"),
    ],
)
def test_a_body_that_is_no_project_document_is_named_exactly(
    empty_index: FakeIndex, cache: Cache, body: object, why: str
) -> None:
    empty_index.add_project("lib", ["1.0"])
    empty_index.wrong_shape("/pypi/lib/json", body)
    c = client(empty_index, cache)
    assert c.project_json("lib") is None
    assert c.project_json_failure("lib") == f"the answer is not a project document ({why})"


def test_a_body_that_is_not_json_is_named(empty_index: FakeIndex, cache: Cache) -> None:
    empty_index.add_project("lib", ["1.0"])
    empty_index.malformed("/pypi/lib/json")
    c = client(empty_index, cache)
    assert c.project_json("lib") is None
    assert c.project_json_failure("lib") == "the answer is not valid JSON"


def test_bad_bodies_do_not_trip_the_breaker(empty_index: FakeIndex, cache: Cache) -> None:
    """The breaker is for storms (5xx, timeouts) that cost retries; one project's bad
    body says nothing about the next project."""
    names = [f"pkg{i}" for i in range(client_module.BREAKER + 2)]
    for name in names:
        empty_index.add_project(name, ["1.0"])
        empty_index.malformed(f"/pypi/{name}/json")
    empty_index.add_project("healthy", ["1.0"])
    c = client(empty_index, cache)
    for name in names:
        assert c.project_json(name) is None
    assert c.project_json("healthy") is not None
    assert empty_index.count("/pypi/") == len(names) + 1


@pytest.mark.parametrize(
    ("status", "why"), [(500, "server error (HTTP 500)"), (429, "rate limited (HTTP 429)")]
)
def test_a_tripped_breaker_names_the_last_failure(
    empty_index: FakeIndex, cache: Cache, status: int, why: str
) -> None:
    names = [f"pkg{i}" for i in range(client_module.BREAKER + 2)]
    for name in names:
        empty_index.add_project(name, ["1.0"])
    empty_index.fail("/pypi/", status)
    c = client(empty_index, cache)
    for name in names:
        c.project_json(name)
    assert empty_index.count("/pypi/") == client_module.BREAKER
    # The packages not asked still name the storm's own last answer.
    assert c.project_json_failure(names[-1]) == (
        f"not asked: the project JSON failed {client_module.BREAKER} times in a row this run "
        f"(last: {why})"
    )


def test_refusals_are_per_project_and_do_not_trip_the_breaker(
    empty_index: FakeIndex, cache: Cache
) -> None:
    """A private index refusing some projects (403) is no storm, and no rate limit."""
    names = [f"pkg{i}" for i in range(client_module.BREAKER + 2)]
    for name in names:
        empty_index.add_project(name, ["1.0"])
    empty_index.fail("/pypi/", 403)
    c = client(empty_index, cache)
    for name in names:
        assert c.project_json(name) is None
    assert empty_index.count("/pypi/") == len(names)
    assert c.project_json_failure(names[-1]) == "HTTP 403"
    empty_index.clear_faults()
    empty_index.fail("/pypi/pkg0/json", 403, retry_after=30)
    again = client(empty_index, Cache(None))
    assert again.project_json("pkg0") is None
    assert again.project_json_failure("pkg0") == "rate limited (HTTP 403)"


def test_timeouts_trip_the_breaker(
    empty_index: FakeIndex, cache: Cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "DEFAULT_TIMEOUT", (2.0, 0.2))
    names = [f"pkg{i}" for i in range(client_module.BREAKER + 1)]
    for name in names:
        empty_index.add_project(name, ["1.0"])
    empty_index.delay(0.5, "/pypi/")
    c = client(empty_index, cache)
    for name in names:
        assert c.project_json(name) is None
    assert c.project_json_failure(names[0]) == "timed out (no answer within 0.2s, retries included)"
    assert (c.project_json_failure(names[-1]) or "").startswith("not asked")
    time.sleep(0.6)  # let the abandoned answers leave before the server stops


def test_an_index_that_is_down_stops_the_project_json_too(cache: Cache) -> None:
    """Refused, not slow: the index is unreachable (exit 3), not one package's gap."""
    c = IndexClient(["http://127.0.0.1:9/simple"], session=make_session(retries=0), cache=cache)
    with pytest.raises(DataSourceError) as err:
        c.project_json("lib")
    assert err.value.message == (
        "cannot read the package index http://127.0.0.1:9/simple: "
        "connection failed (refused, reset or name not resolved)"
    )


def test_offline_project_json_uses_an_expired_copy_or_names_the_gap(
    empty_index: FakeIndex, cache: Cache
) -> None:
    cache.put("project-json", "lib", {"doc": {"info": {"name": "lib"}, "releases": {}}}, ttl=-1)
    offline = client(empty_index, cache, offline=True)
    assert offline.project_json("lib") == {"info": {"name": "lib"}, "releases": {}}
    assert offline.project_json("other") is None
    assert offline.project_json_failure("other") == "--offline, and the cache has no copy of it"
    assert len(empty_index.requests) == 0


def test_offline_uses_an_expired_page_and_names_a_missing_one(
    empty_index: FakeIndex, cache: Cache
) -> None:
    url = f"{empty_index.url}/files/lib/lib-1.0.tar.gz"
    row = ["lib-1.0.tar.gz", url, "1.0", False, None, False, False, 100, "2024-01-01T00:00:00Z"]
    cache.put("simple", f"{empty_index.simple_url}|lib", {"files": [row]}, ttl=-1)
    offline = client(empty_index, cache, offline=True)
    assert [f.filename for f in offline.files("lib")] == ["lib-1.0.tar.gz"]
    with pytest.raises(OfflineMissError) as err:
        offline.files("other")
    assert err.value.hint == "Run the audit once with network access to fill the cache."
    assert len(empty_index.requests) == 0


def test_answers_about_the_index_expire_and_a_release_s_metadata_does_not(
    empty_index: FakeIndex, tmp_path: Path
) -> None:
    """A project missing today may be published tomorrow, and a page gains releases;
    a release's metadata never changes."""
    empty_index.add_project("lib", [Release("1.0", requires_dist=["dep"])])
    cache = Cache(tmp_path / "c.sqlite3")
    c = client(empty_index, cache)
    c.metadata("lib", "1.0", TAGS)
    c.project_json("lib")
    c.project_json("gone")
    with pytest.raises(PackageNotFoundError):
        c.files("gone")
    cache.flush()  # rows are stored behind the caller
    with sqlite3.connect(tmp_path / "c.sqlite3") as conn:
        rows = conn.execute("select namespace, key, expires_at from entries").fetchall()
    expiring = {(ns, key.rsplit("|", 1)[-1]) for ns, key, expires in rows if expires is not None}
    assert expiring == {
        ("simple", "lib"),
        ("simple", "gone"),
        ("upload-times", "lib"),
        ("project-json", "lib"),
        ("project-json", "gone"),
    }
    assert ("metadata", "lib==1.0", None) in rows


def test_a_404_while_the_simple_api_fails_too_is_not_trusted(
    empty_index: FakeIndex, cache: Cache
) -> None:
    """Unsure whether the project exists: its 404 is a fault, never remembered."""
    empty_index.add_project("lib", ["1.0"])
    empty_index.fail("/simple/lib", 503)
    empty_index.fail("/pypi/lib/json", 404)
    c = client(empty_index, cache)
    assert c.project_json("lib") is None
    assert c.project_json_failure("lib") == LISTED_404
    empty_index.clear_faults()
    assert client(empty_index, cache).project_json("lib") is not None


def test_the_project_document_keeps_one_entry_per_release(
    empty_index: FakeIndex, cache: Cache
) -> None:
    """The releases map is kept as its summary. Each release: its first upload over every
    file, yanked only when every file is; a release without files or without any upload
    time is not one."""
    files_host = empty_index.url

    def entry(upload: str | None, yanked: bool, kind: str = "sdist") -> dict[str, Any]:
        return {
            "filename": "x",
            "url": f"{files_host}/x",
            "packagetype": kind,
            "upload_time_iso_8601": upload,
            "yanked": yanked,
        }

    doc = {
        "info": {"name": "lib", "version": "2.0"},
        "last_serial": 1,
        "releases": {
            "0.1": [],
            "0.5": [entry("2024-03-01T00:00:00Z", True), entry("2024-02-01T00:00:00Z", False)],
            "1.0": [entry("2024-05-01T00:00:00Z", True, "bdist_wheel"), entry(None, True)],
            "2.0": [entry(None, False)],
        },
        "vulnerabilities": [
            {
                "aliases": ["CVE-2024-0001"],
                "details": "long text, not kept",
                "fixed_in": ["2.0.1"],
                "id": "PYSEC-2024-1",
                "link": "https://osv.example/vulnerability/PYSEC-2024-1",
                "source": "osv",
                "summary": None,
                "withdrawn": None,
            },
            {"id": "GHSA-xxxx", "aliases": None, "fixed_in": None, "withdrawn": "2024-06-01"},
            "not an advisory",
        ],
        "ownership": {"roles": [], "organization": None},
    }
    empty_index.add_project("lib", ["2.0"])
    empty_index.wrong_shape("/pypi/lib/json", doc)
    got = client(empty_index, cache).project_json("lib")
    assert got is not None and "releases" not in got
    assert project_release_summary(got["release_summary"]) == (
        ReleaseSummary(
            format=SUMMARY_FORMAT,
            # 0.5 from its earlier file, 1.0 from the file with a time; 0.1 and 2.0 not
            times=(
                moment(datetime(2024, 2, 1, tzinfo=UTC)),
                moment(datetime(2024, 5, 1, tzinfo=UTC)),
            ),
            newest_live=moment(datetime(2024, 2, 1, tzinfo=UTC)),  # 0.5: one file not yanked
            latest_yanked=True,  # 1.0: every file yanked
        )
    )
    assert got["vulnerabilities"] == [
        {
            "id": "PYSEC-2024-1",
            "aliases": ["CVE-2024-0001"],
            "fixed_in": ["2.0.1"],
            "withdrawn": None,
            "link": "https://osv.example/vulnerability/PYSEC-2024-1",
        },
        {"id": "GHSA-xxxx", "aliases": [], "fixed_in": [], "withdrawn": "2024-06-01", "link": None},
    ]


def test_a_release_entry_that_is_not_a_list_reads_as_no_files(
    empty_index: FakeIndex, cache: Cache
) -> None:
    empty_index.add_project("lib", ["1.0"])
    doc = {"info": {"name": "lib"}, "releases": {"0.1": None, "1.0": {"files": 1}}}
    empty_index.wrong_shape("/pypi/lib/json", doc)
    got = client(empty_index, cache).project_json("lib")
    assert got is not None and got["release_summary"] is None


# -- core metadata text ----------------------------------------------------------------


def test_metadata_headers_as_tools_write_them() -> None:
    """CRLF line ends, folded fields (spaces or a tab), a URL requirement, a stray line
    from an old multi-line summary, and a body that must not be read as headers."""
    lines = [
        "Metadata-Version: 2.1",
        "Name: tool",
        "Version: 1.0",
        "Summary: first line",
        "of a summary old distutils wrote unescaped",
        "Description: A long description",
        "\tRequires-Dist: not-a-requirement",
        "        still the description",
        "Requires-Dist: nvidia-cuda-runtime-cu12==12.1.105; platform_system == 'Linux'",
        " and platform_machine == 'x86_64'",
        "Requires-Dist: local-dep @ https://files.example/local_dep-1.0-py3-none-any.whl",
        "Requires-Dist: rich",
        "        >=13",
        "Requires-Python: >=3.9",
        "",
        "Requires-Dist: body-text-not-a-field",
    ]
    meta = metadata_from_email("tool", "1.0", "\r\n".join(lines), "test")
    assert meta.requires_dist == (
        "nvidia-cuda-runtime-cu12==12.1.105; platform_system == 'Linux' "
        "and platform_machine == 'x86_64'",
        "local-dep @ https://files.example/local_dep-1.0-py3-none-any.whl",
        "rich >=13",
    )
    assert meta.requires_python == ">=3.9"


def wheel_bytes(members: dict[str, bytes]) -> bytes:
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return raw.getvalue()


def test_a_direct_wheel_gives_its_own_metadata_not_a_vendored_one() -> None:
    """setuptools and others vendor packages with their dist-info inside the wheel."""
    own = "Metadata-Version: 2.1\nName: tool\nVersion: 1.0\nAuthor: Jos\xe9\n"
    own += "Requires-Python: >=3.9\nRequires-Dist: dep\n"
    data = wheel_bytes(
        {
            "tool/_vendor/packaging-24.2.dist-info/METADATA": b"Metadata-Version: 2.1\n"
            b"Name: packaging\nRequires-Dist: vendored-only\n",
            "tool/__init__.py": b"",
            "tool-1.0.dist-info/METADATA": own.encode("latin-1"),
        }
    )
    assert metadata_from_wheel("tool", "1.0", data, "wheel at a URL") == CoreMetadata(
        name="tool",
        version="1.0",
        requires_dist=("dep",),
        requires_python=">=3.9",
        source="wheel at a URL",
    )
    assert metadata_from_wheel("tool", "1.0", b"<html>not a zip</html>", "x") is None
    assert metadata_from_wheel("tool", "1.0", wheel_bytes({"tool/__init__.py": b""}), "x") is None


# -- the simple API's two forms ---------------------------------------------------------


def test_html_and_json_pages_of_the_same_project_give_the_same_files() -> None:
    """Vendor indexes serve PEP 503 HTML: it must describe the files exactly as the JSON
    does (name, URL, version, wheel, Requires-Python, yanked, metadata)."""
    with FakeIndex.recorded() as fake:
        fake.add_project(
            "mixed",
            [
                Release("1.0", requires_python=">=3.8,<4", metadata=False),
                Release("1.1", yanked="broken"),
                Release("1.2", yanked=True, requires_python=">=3.10"),
            ],
        )
        for name in ["mixed", *fake.projects]:
            url = f"{fake.simple_url}/{name}/"
            as_json = requests.get(url, headers={"Accept": "application/vnd.pypi.simple.v1+json"})
            as_html = requests.get(url, headers={"Accept": "text/html"})
            assert "html" in as_html.headers["Content-Type"]
            from_json = [row[:7] for row in parse_json_page(as_json.content, url)]
            from_html = [f.to_row()[:7] for f in parse_html_page(as_html.text, url)]
            assert from_html == from_json, name
            assert from_json


def test_a_hand_written_vendor_page() -> None:
    page = """<!DOCTYPE html><html><body></a>
    <a name="top"></a></a>
    <h1>Links for tool</h1>
    <a href="/whl/tool-1.0-py3-none-any.whl#sha256=00" data-dist-info-metadata="sha256=11"
       ><span>tool-1.0-py3-none-any.whl</span></a><br>
    <a href="/whl/tool-1.1-py3-none-any.whl" data-core-metadata="true">tool 1.1</a>
    <a href="/whl/tool-1.2-py3-none-any.whl" data-core-metadata="false">tool 1.2</a>
    <a href="/whl/tool-1.3.tar.gz" data-yanked="">tool 1.3</a>
    </body></html>"""
    files = parse_html_page(page, "https://vendor.example/whl/tool/")
    assert [(f.filename, f.is_wheel, f.has_metadata, f.yanked) for f in files] == [
        ("tool-1.0-py3-none-any.whl", True, True, False),
        ("tool-1.1-py3-none-any.whl", True, True, False),
        ("tool-1.2-py3-none-any.whl", True, False, False),
        ("tool-1.3.tar.gz", False, False, True),
    ]
    assert files[0].url == "https://vendor.example/whl/tool-1.0-py3-none-any.whl"


@pytest.mark.parametrize("junk", [True, False], ids=["tolerant", "fast"])
def test_an_odd_json_entry_first_does_not_hide_the_rest(junk: bool) -> None:
    files: list[Any] = ["junk"] if junk else []  # an entry off the schema: the tolerant path
    files += [
        {"filename": "tool-0.1.exe", "url": "tool-0.1.exe"},
        {"filename": "tool.whl", "url": "tool.whl"},
        {"filename": "tool-1.0.tar.gz", "url": "../../files/tool-1.0.tar.gz", "yanked": False},
    ]
    page = {"meta": {"api-version": "1.1"}, "files": files}
    rows = parse_json_page(json.dumps(page).encode(), "https://idx.example/simple/tool/")
    assert [row[:3] for row in rows] == [
        ["tool-1.0.tar.gz", "https://idx.example/files/tool-1.0.tar.gz", "1.0"]
    ]


def test_versions_from_the_file_names_real_projects_uploaded() -> None:
    names = {
        "python-dateutil-2.8.2.tar.gz": "2.8.2",  # an old sdist named with the dash
        "pkg-1.0-1-cp312-cp312-manylinux_2_17_x86_64.whl": "1.0",  # a build tag
        "pkg-2.0.zip": "2.0",
    }
    page = {"files": [{"filename": n, "url": n} for n in names]}
    rows = parse_json_page(json.dumps(page).encode(), "https://idx.example/simple/pkg/")
    assert {row[0]: row[2] for row in rows} == names


def test_a_version_s_history_takes_its_first_upload_and_every_yank() -> None:
    def row(name: str, yanked: bool, uploaded: str) -> list[Any]:
        return [name, "u", "1.0", name.endswith(".whl"), None, yanked, True, 1, uploaded]

    rows = [
        row("pkg-1.0.tar.gz", False, "2024-01-01T00:00:00Z"),
        row("pkg-1.0-py3-none-any.whl", True, "2024-02-01T00:00:00Z"),  # a wheel added later
    ]
    assert upload_history(rows) == {"1.0": ("2024-01-01T00:00:00Z", False)}
    assert upload_history(rows[::-1]) == {"1.0": ("2024-01-01T00:00:00Z", False)}
    assert upload_history([rows[1]]) == {"1.0": ("2024-02-01T00:00:00Z", True)}


def test_compressed_abi_tags_are_kept_for_a_target_they_name() -> None:
    keep = wheel_prefilter(TAGS)  # CPython 3.12 on Linux
    assert keep("pkg-1.0-cp311.cp312-cp311.cp312-manylinux_2_17_x86_64.whl")
    assert keep("pkg-1.0-cp312-abi3.none-manylinux_2_17_x86_64.whl")
    assert not keep("pkg-1.0-cp311.cp312-cp311.cp310-manylinux_2_17_x86_64.whl")


def test_a_primary_index_that_is_not_http_is_an_error(cache: Cache) -> None:
    """``--index-url file:///…`` is not read: that is an error like an unreachable index,
    not an "extra index" skipped while every package comes out unresolvable."""
    c = IndexClient(["file:///srv/simple"], session=make_session(retries=0), cache=cache)
    with pytest.raises(DataSourceError) as err:
        c.files("lib")
    assert err.value.message == (
        "cannot read the package index file:///srv/simple: only http(s) indexes are read"
    )
    assert err.value.exit_code == 3 and c.warnings == []
