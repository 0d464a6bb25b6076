"""The faster paths of issue 18 give exactly what the plain paths gave.

The simple-API page decoder (msgspec with a schema of the fields we read) against the
tolerant standard-library reading, on every recorded page; the memoised wheel
prefilter against a fresh judgement of each filename; the release history cached beside
its page against the one read from the page's rows; the cache's encoder against JSON.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from packaging.tags import Tag

from auditor.cache import Cache
from auditor.config import make_target, target_tags
from auditor.index.client import IndexClient, upload_history
from auditor.index.http import make_session
from auditor.index.simple_api import _rows_from_entries, parse_json_page, wheel_prefilter
from tests.fakes import FakeIndex

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "index"
PAGE_URL = "https://index.invalid/simple/demo/"


def recorded_pages() -> list[tuple[str, dict[str, Any]]]:
    pages = []
    for path in sorted(FIXTURES.glob("*.json")):
        page = json.loads(path.read_text()).get("simple")
        if isinstance(page, dict) and page.get("files"):
            text = json.dumps(page).replace("{{FILES}}", "https://files.invalid")
            pages.append((path.stem, json.loads(text)))
    return pages


PAGES = recorded_pages()


def tolerant_rows(page: dict[str, Any]) -> list[list[Any]]:
    return _rows_from_entries(json.loads(json.dumps(page))["files"], PAGE_URL)


@pytest.mark.parametrize(("name", "page"), PAGES, ids=[n for n, _ in PAGES])
def test_fast_rows_equal_tolerant_rows_on_recorded_pages(name: str, page: dict[str, Any]) -> None:
    body = json.dumps(page)
    fast = parse_json_page(body.encode(), PAGE_URL)
    assert fast == tolerant_rows(page)
    assert fast == parse_json_page(body, PAGE_URL)  # text and bytes alike
    assert fast, f"{name}: no rows read"


def test_recorded_pages_cover_yanked_metadata_and_upload_times() -> None:
    """The comparison above is only worth something if the pages exercise each field."""
    rows = [row for _, page in PAGES for row in parse_json_page(json.dumps(page), PAGE_URL)]
    assert any(row[5] for row in rows) and not all(row[5] for row in rows)  # yanked
    assert any(row[6] for row in rows) and not all(row[6] for row in rows)  # metadata
    assert all(isinstance(row[8], str) for row in rows)  # upload-time
    assert any(row[4] for row in rows) and any(row[7] for row in rows)


def file_entry(filename: str, **fields: Any) -> dict[str, Any]:
    return {"filename": filename, "url": f"../../files/{filename}#sha256=00", **fields}


def test_metadata_keys_yanked_reasons_and_odd_values() -> None:
    page = {
        "files": [
            # core-metadata wins over the older key, even when it says false
            file_entry("a-1.0.tar.gz", **{"core-metadata": False, "dist-info-metadata": True}),
            file_entry("a-1.1.tar.gz", **{"dist-info-metadata": {"sha256": "00"}}),
            file_entry("a-1.2.tar.gz", yanked="broken build", size="12"),
            file_entry("a-1.3.tar.gz", yanked=None, **{"core-metadata": None}),
            file_entry("a-1.4.tar.gz", **{"requires-python": "", "upload-time": 5}),
            file_entry("a-1.5-py3-none-any.whl", size=10, **{"upload-time": "2024-01-01T00:00Z"}),
            file_entry("not-a-dist.txt"),
        ],
        "meta": {"api-version": "1.1"},
    }
    fast = parse_json_page(json.dumps(page).encode(), PAGE_URL)
    assert fast == tolerant_rows(page)
    by_name = {row[0]: row for row in fast}
    assert by_name["a-1.0.tar.gz"][6] is False
    assert by_name["a-1.1.tar.gz"][6] is True
    assert by_name["a-1.2.tar.gz"][5] is True and by_name["a-1.2.tar.gz"][7] is None
    assert by_name["a-1.3.tar.gz"][5] is False and by_name["a-1.3.tar.gz"][6] is False
    assert by_name["a-1.4.tar.gz"][4] is None and by_name["a-1.4.tar.gz"][8] is None
    assert (
        by_name["a-1.5-py3-none-any.whl"][1] == "https://index.invalid/files/a-1.5-py3-none-any.whl"
    )
    assert "not-a-dist.txt" not in by_name


def test_a_page_off_the_schema_is_read_tolerantly() -> None:
    """An entry that is not an object, or lacks its URL, is skipped, not fatal."""
    page = {"files": [file_entry("b-1.0.tar.gz"), "junk", {"filename": "b-2.0.tar.gz"}]}
    rows = parse_json_page(json.dumps(page).encode(), PAGE_URL)
    assert [row[0] for row in rows] == ["b-1.0.tar.gz"]


@pytest.mark.parametrize("body", [b"[]", b'{"name": "x"}', b"{not json"])
def test_a_body_that_is_no_project_page_is_a_value_error(body: bytes) -> None:
    with pytest.raises(ValueError):
        parse_json_page(body, PAGE_URL)


def judge_once(tags: list[Tag], filename: str) -> bool:
    """The prefilter's rule, evaluated afresh for one filename (the oracle)."""
    if not filename.endswith(".whl"):
        return True
    parts = filename[:-4].split("-")
    if len(parts) < 5:
        return True
    interp, abi, plat = parts[-3].lower(), parts[-2].lower(), parts[-1].lower()
    return (
        any(p in {t.interpreter for t in tags} for p in interp.split("."))
        and any(a in {t.abi for t in tags} for a in abi.split("."))
        and any(p in {t.platform for t in tags} for p in plat.split("."))
    )


def test_memoised_prefilter_agrees_with_a_fresh_judgement() -> None:
    names = [row[0] for _, page in PAGES for row in parse_json_page(json.dumps(page), PAGE_URL)]
    names += [
        "torch-2.5.0-cp311-cp311-manylinux_2_28_x86_64.whl",
        "torch-2.5.0-cp311-cp311-win_amd64.whl",
        "torch-2.5.0+cu121-cp311-cp311-linux_x86_64.whl",
        "pkg-1.0-1-cp311-cp311-linux_x86_64.whl",  # build tag
        "pkg-1.0-py2.py3-none-any.whl",
        "pkg-1.0-CP311-ABI3-MANYLINUX2014_X86_64.whl",
        "odd-none-any.whl",
        "odd-1.0-none-any.whl",
        "pkg-1.0.tar.gz",
    ]
    for python in ("3.11", "3.12"):
        for platform in ("linux", "windows", "macos"):
            tags = target_tags(make_target(python, platform))
            keep = wheel_prefilter(tags)
            # twice over: the second pass answers from the memo
            for _ in range(2):
                for filename in names:
                    assert keep(filename) == judge_once(tags, filename), (filename, platform)
    linux = wheel_prefilter(target_tags(make_target("3.11", "linux")))
    assert not linux("torch-2.5.0-cp311-cp311-win_amd64.whl")
    assert linux("torch-2.5.0-cp311-cp311-manylinux_2_28_x86_64.whl")


class CountingCache(Cache):
    """A cache that counts reads per namespace."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.reads: dict[str, int] = {}

    def get(self, namespace: str, key: str, **kw: Any) -> Any | None:
        self.reads[namespace] = self.reads.get(namespace, 0) + 1
        return super().get(namespace, key, **kw)


def test_history_is_cached_beside_its_page_and_equals_the_rows(tmp_path: Path) -> None:
    with FakeIndex.recorded() as fake:
        first = CountingCache(tmp_path / "c.sqlite3")
        try:
            client = IndexClient([fake.simple_url], session=make_session(), cache=first)
            client.releases("requests")
            pages = fake.count("/simple/requests")
            fetched = client.upload_times("requests")
            assert fake.count("/simple/requests") == pages  # no second request
            rows = client._index_files(client.index_urls[0], "requests")
        finally:
            first.close()
        assert fetched is not None and fetched == upload_history(rows or [])
        again = CountingCache(tmp_path / "c.sqlite3")
        try:
            warm = IndexClient([fake.simple_url], session=make_session(), cache=again)
            assert warm.upload_times("requests") == fetched
            assert again.reads.get("simple", 0) == 0  # the page itself was not decoded
        finally:
            again.close()


def test_history_falls_back_to_the_page_for_an_older_cache(tmp_path: Path) -> None:
    """A cache written before histories were kept apart still answers from the page."""
    with FakeIndex.recorded() as fake:
        cache = Cache(tmp_path / "c.sqlite3")
        try:
            IndexClient([fake.simple_url], session=make_session(), cache=cache).releases("idna")
            cache.flush()  # rows are stored behind the caller
            conn = cache._connection()
            with conn:
                conn.execute("delete from entries where namespace = 'upload-times'")
            requests_before = fake.count("/simple/idna")
            times = IndexClient(
                [fake.simple_url], session=make_session(), cache=cache
            ).upload_times("idna")
            assert fake.count("/simple/idna") == requests_before
        finally:
            cache.close()
        assert times and all(stamp for stamp, _ in times.values())


def test_cache_round_trips_what_json_did(tmp_path: Path) -> None:
    value = {"b": [1, 2.5, None, True, "é"], "a": {"x": [["r", 1]]}, "n": {1: "int key"}}
    cache = Cache(tmp_path / "c.sqlite3")
    try:
        cache.put("ns", "k", value, ttl=None)
        assert cache.get("ns", "k") == json.loads(json.dumps(value))
        cache.flush()  # rows are stored behind the caller
        conn = cache._connection()
        with conn:  # what the standard library's encoder wrote for a float it could not
            conn.execute("update entries set value = '[NaN]' where key = 'k'")
        got = cache.get("ns", "k")
        assert isinstance(got, list) and got[0] != got[0]
    finally:
        cache.close()


def test_without_a_cache_the_history_comes_from_the_page_already_fetched() -> None:
    with FakeIndex.recorded() as fake:
        client = IndexClient([fake.simple_url], session=make_session(), cache=Cache(None))
        client.releases("certifi")
        pages = fake.count("/simple/certifi")
        times = client.upload_times("certifi")
        assert fake.count("/simple/certifi") == pages
        assert times and "2026.10.18" in times
