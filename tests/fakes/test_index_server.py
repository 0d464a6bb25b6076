"""The fake index must speak the real protocols, or tests built on it prove nothing.

These tests pin the wire format (PEP 503/691/700/658/714/592 and the project JSON API),
the file bytes (PKG-INFO in sdists, METADATA in wheels, hashes that match), the
placeholder filling, the fault modes and the request log.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import tarfile
import time
import zipfile
from collections.abc import Iterator
from email.parser import HeaderParser
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import requests

from . import record_index
from .index_server import (
    FILES_PLACEHOLDER,
    FIXTURE_DIR,
    INDEX_PLACEHOLDER,
    SIMPLE_HTML,
    SIMPLE_JSON,
    FakeIndex,
    Release,
    fake_index_fixture,
)

JSON_ACCEPT = {"Accept": SIMPLE_JSON}
RECORDED = [
    "requests",
    "urllib3",
    "idna",
    "charset-normalizer",
    "certifi",
    "huggingface-hub",
    "filelock",
    "fsspec",
    "packaging",
    "pyyaml",
    "tqdm",
    "typing-extensions",
    "hf-xet",
    "llama-cpp-python",
    "numpy",
    "diskcache",
    "jinja2",
    "markupsafe",
    "safetensors",
    "tokenizers",
]

empty_index = fake_index_fixture(None, name="empty_index")


@pytest.fixture(scope="module")
def recorded() -> Iterator[FakeIndex]:
    with FakeIndex(FIXTURE_DIR) as fake:
        yield fake


@pytest.fixture
def index(recorded: FakeIndex) -> FakeIndex:
    recorded.reset()
    return recorded


def simple(fake: FakeIndex, name: str) -> dict[str, Any]:
    response = requests.get(f"{fake.simple_url}/{name}/", headers=JSON_ACCEPT, timeout=10)
    response.raise_for_status()
    doc: dict[str, Any] = response.json()
    return doc


def project_json(fake: FakeIndex, name: str) -> dict[str, Any]:
    response = requests.get(f"{fake.url}/pypi/{name}/json", timeout=10)
    response.raise_for_status()
    doc: dict[str, Any] = response.json()
    return doc


def headers_of(text: str) -> Any:
    return HeaderParser().parsestr(text)


# --------------------------------------------------------------------------- simple API


def test_every_recorded_project_is_served(index: FakeIndex) -> None:
    assert set(RECORDED) <= set(index.projects)
    for name in RECORDED:
        doc = simple(index, name)
        assert doc["name"] == name
        assert 3 <= len(doc["versions"]) <= 6, name


def test_simple_page_speaks_pep_691_json(index: FakeIndex) -> None:
    response = requests.get(f"{index.simple_url}/requests/", headers=JSON_ACCEPT, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == SIMPLE_JSON
    doc = response.json()
    major, minor = (int(part) for part in doc["meta"]["api-version"].split("."))
    assert (major, minor) >= (1, 1)
    assert doc["name"] == "requests"
    assert doc["versions"] == sorted(doc["versions"], key=lambda v: tuple(map(int, v.split("."))))
    assert doc["files"]
    for entry in doc["files"]:
        assert set(entry) >= {
            "filename",
            "url",
            "hashes",
            "requires-python",
            "yanked",
            "upload-time",
            "size",
        }
        assert entry["url"].startswith(index.url + "/")
        assert len(entry["hashes"]["sha256"]) == 64
        assert entry["yanked"] is False or isinstance(entry["yanked"], str)
        assert entry["upload-time"].endswith("Z")
    wheels = [e for e in doc["files"] if e["filename"].endswith(".whl")]
    assert wheels and all(e["core-metadata"] == e["data-dist-info-metadata"] for e in wheels)


def test_latest_json_alias_and_quality_values(index: FakeIndex) -> None:
    accept = "text/html;q=0.5, application/vnd.pypi.simple.latest+json"
    response = requests.get(f"{index.simple_url}/idna/", headers={"Accept": accept}, timeout=10)
    assert response.headers["Content-Type"] == SIMPLE_JSON


def test_html_when_asked_and_406_for_unknown_types(index: FakeIndex) -> None:
    url = f"{index.simple_url}/idna/"
    response = requests.get(url, headers={"Accept": "text/html"}, timeout=10)
    assert response.headers["Content-Type"] == SIMPLE_HTML
    assert "idna-" in response.text and "#sha256=" in response.text
    assert "data-core-metadata=" in response.text
    response = requests.get(
        f"{index.simple_url}/idna/", headers={"Accept": "application/x-nothing"}, timeout=10
    )
    assert response.status_code == 406


def test_simple_root_lists_projects(index: FakeIndex) -> None:
    doc = requests.get(index.simple_url + "/", headers=JSON_ACCEPT, timeout=10).json()
    assert {"name": "requests"} in doc["projects"]


def test_non_normalised_names_redirect_to_pep_503_form(index: FakeIndex) -> None:
    for variant in ("Charset_Normalizer", "charset.normalizer", "CHARSET-normalizer"):
        response = requests.get(
            f"{index.simple_url}/{variant}/", headers=JSON_ACCEPT, allow_redirects=False, timeout=10
        )
        assert response.status_code == 301
        assert response.headers["Location"] == f"{index.simple_url}/charset-normalizer/"
    followed = requests.get(f"{index.simple_url}/PyYAML", headers=JSON_ACCEPT, timeout=10)
    assert followed.status_code == 200 and followed.json()["name"] == "pyyaml"
    response = requests.get(f"{index.url}/pypi/Jinja2/json", allow_redirects=False, timeout=10)
    assert response.status_code == 301
    assert response.headers["Location"] == f"{index.url}/pypi/jinja2/json"


def test_unknown_paths_and_methods_are_404(index: FakeIndex) -> None:
    for path in (
        "/simple/no-such-project/",
        "/pypi/no-such-project/json",
        "/pypi/requests/2.34.2/json",  # the per-version endpoint: mirrors lack it too
        "/packages/nothing.whl",
        "/elsewhere",
    ):
        assert requests.get(index.url + path, headers=JSON_ACCEPT, timeout=10).status_code == 404
    assert requests.post(f"{index.simple_url}/requests/", data=b"x", timeout=10).status_code == 404


def test_head_has_headers_and_no_body(index: FakeIndex) -> None:
    get = requests.get(f"{index.simple_url}/requests/", headers=JSON_ACCEPT, timeout=10)
    head = requests.head(f"{index.simple_url}/requests/", headers=JSON_ACCEPT, timeout=10)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Length"] == str(len(get.content))
    assert head.headers["Content-Type"] == SIMPLE_JSON


# --------------------------------------------------------------------------- files


def test_metadata_file_matches_its_advertised_hash(index: FakeIndex) -> None:
    doc = simple(index, "huggingface-hub")
    wheel = next(e for e in doc["files"] if e["filename"].endswith(".whl"))
    response = requests.get(wheel["url"] + ".metadata", timeout=10)
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == wheel["core-metadata"]["sha256"]
    meta = headers_of(response.text)
    assert meta["Name"].lower().replace("_", "-") == "huggingface-hub"
    assert meta["Version"] in wheel["filename"]
    requires = meta.get_all("Requires-Dist")
    assert any(r.startswith("filelock") for r in requires)
    assert meta["Requires-Python"]


def test_file_bytes_match_hash_and_size(index: FakeIndex) -> None:
    for entry in simple(index, "tokenizers")["files"]:
        blob = requests.get(entry["url"], timeout=10).content
        assert hashlib.sha256(blob).hexdigest() == entry["hashes"]["sha256"]
        assert len(blob) == entry["size"]


def test_wheel_contains_dist_info_metadata(index: FakeIndex) -> None:
    doc = simple(index, "requests")
    wheel = next(e for e in doc["files"] if e["filename"].endswith(".whl"))
    blob = requests.get(wheel["url"], timeout=10).content
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        stem = "-".join(wheel["filename"].split("-")[:2])
        text = archive.read(f"{stem}.dist-info/METADATA").decode()
    assert text == requests.get(wheel["url"] + ".metadata", timeout=10).text


def test_sdist_only_project_has_pkg_info_but_no_core_metadata(index: FakeIndex) -> None:
    doc = simple(index, "llama-cpp-python")
    assert doc["files"] and all(e["filename"].endswith(".tar.gz") for e in doc["files"])
    for entry in doc["files"]:
        assert "core-metadata" not in entry and "data-dist-info-metadata" not in entry
    newest = max(doc["files"], key=lambda e: e["upload-time"])
    assert requests.get(newest["url"] + ".metadata", timeout=10).status_code == 404
    blob = requests.get(newest["url"], timeout=10).content
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as archive:
        stem = newest["filename"][: -len(".tar.gz")]
        handle = archive.extractfile(f"{stem}/PKG-INFO")
        assert handle is not None
        meta = headers_of(handle.read().decode())
    requires = meta.get_all("Requires-Dist")
    for dependency in ("numpy", "diskcache", "jinja2"):
        assert any(r.lower().startswith(dependency) for r in requires), dependency


# --------------------------------------------------------------------------- project JSON


def test_project_json_shape(index: FakeIndex) -> None:
    doc = project_json(index, "requests")
    info = doc["info"]
    for key in (
        "name",
        "version",
        "summary",
        "home_page",
        "project_urls",
        "requires_dist",
        "requires_python",
        "classifiers",
        "author",
        "author_email",
        "maintainer",
        "license",
    ):
        assert key in info, key
    assert info["name"] == "requests"
    assert set(doc["releases"]) == set(simple(index, "requests")["versions"])
    assert info["version"] in doc["releases"]
    assert doc["urls"] == doc["releases"][info["version"]]
    for files in doc["releases"].values():
        for entry in files:
            assert entry["packagetype"] in ("sdist", "bdist_wheel")
            assert entry["url"].startswith(index.url + "/")
            assert entry["upload_time_iso_8601"].endswith("Z")
            assert entry["yanked"] in (True, False)
    roles = doc["ownership"]["roles"]
    assert roles and {r["role"] for r in roles} <= {"Owner", "Maintainer"}
    assert "organization" in doc["ownership"]
    assert isinstance(doc["last_serial"], int)


def test_placeholders_are_filled_with_the_loopback_address(index: FakeIndex) -> None:
    for name in ("requests", "numpy", "pyyaml"):
        for text in (
            requests.get(f"{index.simple_url}/{name}/", headers=JSON_ACCEPT, timeout=10).text,
            requests.get(f"{index.simple_url}/{name}/", timeout=10).text,
            requests.get(f"{index.url}/pypi/{name}/json", timeout=10).text,
        ):
            assert "{{" not in text
            assert index.url in text
    doc = project_json(index, "numpy")
    assert doc["info"]["package_url"].startswith(index.url + "/project/")


def test_recorded_fixtures_name_no_real_index_host() -> None:
    index_module = pytest.importorskip("pip._internal.models.index")
    from urllib.parse import urlsplit

    hosts = {urlsplit(index_module.PyPI.simple_url).netloc, index_module.PyPI.file_storage_domain}
    for path in FIXTURE_DIR.glob("*.json"):
        text = path.read_text(encoding="utf-8").lower()
        for host in hosts:
            assert host.lower() not in text, f"{path.name} names {host}"


def test_recorded_fixtures_stay_small() -> None:
    for path in FIXTURE_DIR.glob("*.json"):
        assert path.stat().st_size < 60_000, path.name


# --------------------------------------------------------------------------- synthetic


def test_synthetic_yanked_latest(index: FakeIndex) -> None:
    doc = simple(index, "synthetic-yanked-latest")
    by_version = {e["filename"]: e for e in doc["files"]}
    yanked = [e for e in by_version.values() if "-2.0.0" in e["filename"]]
    assert yanked and all(e["yanked"] == "Broken import on Python 3.11; use 1.1.0" for e in yanked)
    assert all(e["yanked"] is False for e in by_version.values() if "-2.0.0" not in e["filename"])
    info = project_json(index, "synthetic-yanked-latest")
    assert info["info"]["version"] == "1.1.0"
    assert info["releases"]["2.0.0"][0]["yanked"] is True
    assert info["releases"]["2.0.0"][0]["yanked_reason"].startswith("Broken import")


def test_synthetic_future_python(index: FakeIndex) -> None:
    doc = simple(index, "synthetic-future-python")
    newest = [e for e in doc["files"] if "-3.0.0" in e["filename"]]
    assert newest and all(e["requires-python"] == ">=3.99" for e in newest)
    assert project_json(index, "synthetic-future-python")["ownership"] == {
        "roles": [
            {"role": "Owner", "user": "synthetic-bob"},
            {"role": "Maintainer", "user": "synthetic-carol"},
        ],
        "organization": "synthetic-org",
    }


def test_add_project_builds_a_consistent_project(empty_index: FakeIndex) -> None:
    assert empty_index.projects == []
    empty_index.add_project(
        "My_Pkg",
        [
            "0.9",
            Release(
                "1.0",
                requires_dist=["dep>=1", 'extra-dep; extra == "fast"'],
                requires_python=">=3.10",
                metadata=False,
            ),
            {"version": "2.0rc1", "files": ["my_pkg-2.0rc1.zip"]},
        ],
        project_urls={"Source": "https://github.com/example/my-pkg"},
        roles=[("Owner", "alice"), ("Maintainer", "bob")],
    )
    doc = simple(empty_index, "my-pkg")
    assert doc["versions"] == ["0.9", "1.0", "2.0rc1"]
    one = [e for e in doc["files"] if "-1.0" in e["filename"]]
    wheel = next(e for e in one if e["filename"].endswith(".whl"))
    assert wheel["core-metadata"] is False and wheel["requires-python"] == ">=3.10"
    assert requests.get(wheel["url"] + ".metadata", timeout=10).status_code == 404
    zipped = next(e for e in doc["files"] if e["filename"].endswith(".zip"))
    with zipfile.ZipFile(io.BytesIO(requests.get(zipped["url"], timeout=10).content)) as archive:
        assert "my_pkg-2.0rc1/PKG-INFO" in archive.namelist()
    info = project_json(empty_index, "my-pkg")["info"]
    assert info["version"] == "1.0"  # the newest final release, not the release candidate
    assert info["requires_dist"] == ["dep>=1", 'extra-dep; extra == "fast"']
    assert info["provides_extra"] == ["fast"]


def test_missing_metadata_drops_the_keys_and_files(empty_index: FakeIndex) -> None:
    empty_index.add_project("plain", ["1.0"])
    wheel = next(e for e in simple(empty_index, "plain")["files"] if e["filename"].endswith(".whl"))
    assert requests.get(wheel["url"] + ".metadata", timeout=10).status_code == 200
    empty_index.missing_metadata("PLAIN")
    wheel = next(e for e in simple(empty_index, "plain")["files"] if e["filename"].endswith(".whl"))
    assert "core-metadata" not in wheel and "data-dist-info-metadata" not in wheel
    assert requests.get(wheel["url"] + ".metadata", timeout=10).status_code == 404


# --------------------------------------------------------------------------- faults, log


def test_fail_n_times_then_recover(index: FakeIndex) -> None:
    index.fail("/simple/idna/", status=503, times=2, retry_after=1)
    url = f"{index.simple_url}/idna/"
    first = requests.get(url, headers=JSON_ACCEPT, timeout=10)
    assert first.status_code == 503 and first.headers["Retry-After"] == "1"
    assert requests.get(url, headers=JSON_ACCEPT, timeout=10).status_code == 503
    assert requests.get(url, headers=JSON_ACCEPT, timeout=10).status_code == 200
    assert requests.get(f"{index.simple_url}/certifi/", timeout=10).status_code == 200


def test_fail_until_cleared(index: FakeIndex) -> None:
    index.fail("/pypi/", status=500)
    for _ in range(3):
        assert requests.get(f"{index.url}/pypi/idna/json", timeout=10).status_code == 500
    index.clear_faults()
    assert requests.get(f"{index.url}/pypi/idna/json", timeout=10).status_code == 200


def test_malformed_json(index: FakeIndex) -> None:
    index.malformed("/simple/requests/")
    response = requests.get(f"{index.simple_url}/requests/", headers=JSON_ACCEPT, timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"] == SIMPLE_JSON
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


def test_delay_slows_matching_requests_only(index: FakeIndex) -> None:
    index.delay(0.3, "/pypi/")
    started = time.perf_counter()
    requests.get(f"{index.simple_url}/idna/", headers=JSON_ACCEPT, timeout=10)
    assert time.perf_counter() - started < 0.25
    started = time.perf_counter()
    requests.get(f"{index.url}/pypi/idna/json", timeout=10)
    assert time.perf_counter() - started >= 0.3
    with pytest.raises(requests.Timeout):
        requests.get(f"{index.url}/pypi/idna/json", timeout=0.1)


def test_request_log_counts_by_prefix(index: FakeIndex) -> None:
    assert len(index.requests) == 0
    for name in ("idna", "certifi", "idna"):
        simple(index, name)
    project_json(index, "idna")
    requests.head(f"{index.simple_url}/idna/", timeout=10)
    assert index.requests.count("/simple/") == 4
    assert index.requests.count("/simple/idna/") == 3
    assert index.count("/simple/", method="HEAD") == 1
    assert index.count("/pypi/") == 1
    assert "/pypi/idna/json" in index.requests
    assert index.requests[0] == "/simple/idna/"
    assert index.requests.records()[0].headers["Accept"] == SIMPLE_JSON


def test_concurrent_requests_are_all_logged(index: FakeIndex) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: simple(index, "tqdm")["name"], range(40)))
    assert statuses == ["tqdm"] * 40
    assert index.count("/simple/tqdm/") == 40


def test_url_requires_a_running_server() -> None:
    fake = FakeIndex()
    with pytest.raises(RuntimeError, match="not running"):
        _ = fake.url
    with fake:
        assert fake.url.startswith("http://127.0.0.1:")
        assert fake.env()["PIP_INDEX_URL"] == fake.simple_url
    fake.stop()


# --------------------------------------------------------------------------- recorder


def test_recorder_and_server_agree_on_placeholders() -> None:
    assert record_index.INDEX_PLACEHOLDER == INDEX_PLACEHOLDER
    assert record_index.FILES_PLACEHOLDER == FILES_PLACEHOLDER


def test_recorder_index_url_order(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        "PIP_INDEX_URL": "http://mirror.invalid/simple/",
        "UV_INDEX_URL": "http://uv.invalid/simple",
    }
    assert record_index.resolve_index_url("http://flag.invalid/simple", env) == (
        "http://flag.invalid/simple"
    )
    assert record_index.resolve_index_url(None, env) == "http://mirror.invalid/simple"
    assert record_index.resolve_index_url(None, {"UV_INDEX_URL": "http://uv.invalid/simple"}) == (
        "http://uv.invalid/simple"
    )
    assert record_index.resolve_index_url(None, {}).startswith("http")
    assert record_index.index_base("http://mirror.invalid/repo/simple") == (
        "http://mirror.invalid/repo"
    )


def test_recorder_rewrites_every_index_and_file_url() -> None:
    rewriter = record_index.Rewriter("https://index.invalid/simple", {"https://files.invalid"})
    doc = rewriter.tree(
        {
            "url": "https://files.invalid/packages/ab/x-1.0.tar.gz",
            "page": "https://index.invalid/project/x/",
            "plain": ["http://index.invalid/pypi/x/json", "see index.invalid for more"],
        }
    )
    assert doc == {
        "url": "{{FILES}}/packages/ab/x-1.0.tar.gz",
        "page": "{{INDEX}}/project/x/",
        "plain": ["{{INDEX}}/pypi/x/json", "see {{INDEX}} for more"],
    }
    rewriter.check(json.dumps(doc))
    with pytest.raises(SystemExit):
        rewriter.check("left https://files.invalid/x")


def test_recorder_picks_sdist_pure_and_cp311_manylinux_wheels() -> None:
    names = [
        "pkg-1.0.tar.gz",
        "pkg-1.0-cp311-cp311-macosx_11_0_arm64.whl",
        "pkg-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "pkg-1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "pkg-1.0-cp39-abi3-manylinux_2_17_x86_64.whl",
        "pkg-1.0-py3-none-any.whl",
        "pkg-1.0-cp311-cp311-win_amd64.whl",
    ]
    entries = [{"filename": n} for n in names]
    picked = [e["filename"] for e in record_index.pick_files(entries, False)]
    assert picked == [
        "pkg-1.0.tar.gz",
        "pkg-1.0-py3-none-any.whl",
        "pkg-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    ]
    only = record_index.pick_files([{"filename": n} for n in names], True)
    assert [e["filename"] for e in only] == ["pkg-1.0.tar.gz"]
    assert record_index.choose_versions(["1.0", "1.1", "2.0b1", "1.2", "0.9"], 2, ["0.9"]) == [
        "0.9",
        "1.1",
        "1.2",
    ]


def test_recorder_strips_the_long_description() -> None:
    text = "Name: x\nDescription: line one\n        |line two\nVersion: 1\n\nbody\n"
    assert record_index.strip_description(text) == "Name: x\nVersion: 1\n"


# --------------------------------------------------------------------------- benchmark


def load_benchmark() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "synthetic_index.py"
    spec = importlib.util.spec_from_file_location("synthetic_index", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_synthetic_graph_is_a_reproducible_layered_dag(empty_index: FakeIndex) -> None:
    bench = load_benchmark()
    roots = bench.build_synthetic(empty_index, 60, seed=7)
    assert len(empty_index.projects) == 60 and roots
    assert all(r in empty_index.projects for r in roots)
    edges = 0
    for name in empty_index.projects:
        project = empty_index.project(name)
        assert project.versions == ["1.0.0", "1.1.0", "2.0.0"]
        for text in project.metadata.values():
            for line in text.splitlines():
                if line.startswith("Requires-Dist:"):
                    edges += 1
                    target = line.split(":", 1)[1].strip().split(">")[0].split("<")[0]
                    target = target.split("=")[0].split("~")[0]
                    assert target > name  # deeper layers have higher indexes: no cycles
    assert edges > 0
    with FakeIndex() as other:
        assert bench.build_synthetic(other, 60, seed=7) == roots
        assert other.project(roots[0]).metadata == empty_index.project(roots[0]).metadata
    assert bench.crawl(empty_index.simple_url, roots) > len(roots)
