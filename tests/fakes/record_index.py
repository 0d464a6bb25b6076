"""Record trimmed fixtures for the fake package index from the live index.

    python tests/fakes/record_index.py --out tests/fixtures/index requests numpy==2.1.3

Why a recorder: hand-written index data drifts from what real indexes send (missing keys,
``null`` where a string was expected, sdist-only projects without core metadata). Recording
keeps the fake honest; trimming keeps the fixtures a few KB each.

Per project it writes ``<out>/<normalized-name>.json`` holding:

- ``simple``: the PEP 691 JSON page, trimmed to the ``--keep`` newest final releases plus
  any ``NAME==VERSION`` asked for, at most 3 files a version (the sdist, one pure
  ``py3-none-any`` wheel and one CPython 3.11 / abi3 manylinux x86_64 wheel);
- ``metadata``: the core metadata of each kept version, from a wheel's PEP 658
  ``.metadata`` file or else from ``PKG-INFO`` streamed out of the sdist (the long
  description is dropped). With ``--wheel-metadata assume`` (default) every kept wheel is
  recorded as declaring core-metadata, as the upstream index does for all wheels, even when
  a caching mirror did not serve it; ``observed`` records only what was served;
- ``project``: the project JSON, trimmed: ``info`` without the description, ``releases``
  reduced to the kept versions and their file names (the full file entries would repeat
  the simple page; the fake rebuilds them from it), ``ownership`` and ``last_serial`` kept.

Where the index is: ``--index-url``, else ``PIP_INDEX_URL`` / ``UV_INDEX_URL``, else pip's
configured ``index-url``, else pip's built-in default, all read at run time so that no
registry host name is written in this repository. Every URL on the index host becomes
``{{INDEX}}`` and every URL on the file host ``{{FILES}}``; the fake fills both with its
own loopback address. The script refuses to write a fixture in which a host name remains.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import sys
import tarfile
import time
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename
from packaging.version import InvalidVersion, Version

INDEX_PLACEHOLDER = "{{INDEX}}"  # must match tests/fakes/index_server.py
FILES_PLACEHOLDER = "{{FILES}}"
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
USER_AGENT = "auditor-fixture-recorder/1"
INFO_KEYS = (
    "author",
    "author_email",
    "classifiers",
    "docs_url",
    "download_url",
    "dynamic",
    "home_page",
    "keywords",
    "license",
    "license_expression",
    "maintainer",
    "maintainer_email",
    "name",
    "package_url",
    "project_url",
    "project_urls",
    "provides_extra",
    "release_url",
    "requires_dist",
    "requires_python",
    "summary",
    "version",
    "yanked",
    "yanked_reason",
)
SDIST_SUFFIXES = (".tar.gz", ".zip")


# --------------------------------------------------------------------------- where


def resolve_index_url(flag: str | None, environ: Mapping[str, str] = os.environ) -> str:
    """The index to record from, in the order the auditor itself uses (see ARCHITECTURE)."""
    if flag:
        return flag.rstrip("/")
    for variable in ("PIP_INDEX_URL", "UV_INDEX_URL"):
        if environ.get(variable):
            return environ[variable].rstrip("/")
    try:
        from pip._internal.configuration import Configuration

        configuration = Configuration(isolated=False)
        configuration.load()
        for key, value in configuration.items():
            if key.split(".", 1)[-1] == "index-url" and value:
                return str(value).rstrip("/")
    except Exception:  # pip missing or its config unreadable: fall through to the default
        pass
    from pip._internal.models.index import PyPI

    return str(PyPI.simple_url).rstrip("/")


def index_base(index_url: str) -> str:
    """The index root, the part before ``/simple`` (the JSON API lives at base/pypi)."""
    for suffix in ("/simple", "/+simple"):
        if index_url.endswith(suffix):
            return index_url[: -len(suffix)]
    return index_url


@dataclass
class Rewriter:
    """Replaces the index and file hosts with placeholders, and proves none is left."""

    index_url: str
    file_origins: set[str]

    @property
    def index_origin(self) -> str:
        parts = urlsplit(self.index_url)
        return f"{parts.scheme}://{parts.netloc}"

    def hosts(self) -> set[str]:
        return {urlsplit(o).netloc for o in {self.index_origin, *self.file_origins}}

    def text(self, value: str) -> str:
        pairs: list[tuple[str, str]] = [(index_base(self.index_url), INDEX_PLACEHOLDER)]
        for origin in sorted(self.file_origins - {self.index_origin}):
            pairs.append((origin, FILES_PLACEHOLDER))
        pairs.append((self.index_origin, INDEX_PLACEHOLDER))
        for original, placeholder in pairs:
            for variant in {original, original.replace("https://", "http://", 1)}:
                value = value.replace(variant, placeholder)
        for host in self.hosts():  # a bare host name in prose: no host may stay
            value = re.sub(re.escape(host), INDEX_PLACEHOLDER, value, flags=re.IGNORECASE)
        return value

    def tree(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.tree(item) for item in value]
        if isinstance(value, dict):
            return {key: self.tree(item) for key, item in value.items()}
        return value

    def check(self, serialized: str) -> None:
        for host in self.hosts():
            if host.lower() in serialized.lower():
                raise SystemExit(f"refusing to write a fixture that still names {host!r}")


# --------------------------------------------------------------------------- fetching


class Client:
    """One session with a timeout and a few retries: recording should not be flaky."""

    def __init__(self, index_url: str, max_sdist_bytes: int) -> None:
        self.index_url = index_url
        self.max_sdist_bytes = max_sdist_bytes
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        for attempt in range(4):
            try:
                response = self.session.get(url, timeout=60, **kwargs)
            except requests.RequestException:
                if attempt == 3:
                    raise
            else:
                if response.status_code < 500 and response.status_code != 429:
                    return response
            time.sleep(1.5 * (attempt + 1))
        return response

    def simple(self, name: str) -> dict[str, Any]:
        url = f"{self.index_url}/{canonicalize_name(name)}/"
        response = self.get(url, headers={"Accept": SIMPLE_JSON})
        response.raise_for_status()
        if not response.headers.get("Content-Type", "").startswith(SIMPLE_JSON):
            raise SystemExit(f"{url} did not answer PEP 691 JSON; is this index modern?")
        doc: dict[str, Any] = response.json()
        return doc

    def project_json(self, name: str) -> dict[str, Any] | None:
        response = self.get(f"{index_base(self.index_url)}/pypi/{canonicalize_name(name)}/json")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        doc: dict[str, Any] = response.json()
        return doc

    def optional_text(self, url: str) -> str | None:
        response = self.get(url)
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.content.decode("utf-8", errors="replace")

    def sdist_pkg_info(self, entry: Mapping[str, Any]) -> str | None:
        """Stream an sdist and return its top-level PKG-INFO, without keeping the file."""
        if (entry.get("size") or 0) > self.max_sdist_bytes:
            return None
        filename: str = entry["filename"]
        response = self.session.get(entry["url"], stream=True, timeout=120)
        response.raise_for_status()
        if filename.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
                for member in archive.namelist():
                    if member.count("/") == 1 and member.endswith("/PKG-INFO"):
                        return archive.read(member).decode("utf-8", errors="replace")
            return None
        response.raw.decode_content = True
        with tarfile.open(fileobj=response.raw, mode="r|*") as archive:
            for tar_member in archive:
                if tar_member.name.count("/") == 1 and tar_member.name.endswith("/PKG-INFO"):
                    handle = archive.extractfile(tar_member)
                    if handle is not None:
                        return handle.read().decode("utf-8", errors="replace")
        return None


# --------------------------------------------------------------------------- trimming


def file_version(filename: str) -> str | None:
    try:
        if filename.endswith(".whl"):
            return str(parse_wheel_filename(filename)[1])
        if filename.endswith(SDIST_SUFFIXES):
            return str(parse_sdist_filename(filename)[1])
    except Exception:  # odd legacy names are simply not kept
        return None
    return None


def wheel_rank(filename: str) -> tuple[str, int] | None:
    """('pure'|'binary', rank) for the wheels worth keeping; lower rank is better."""
    try:
        tags = parse_wheel_filename(filename)[3]
    except Exception:
        return None
    ranks = []
    for tag in tags:
        if tag.abi == "none" and tag.platform == "any" and tag.interpreter.startswith("py"):
            ranks.append(("pure", 0))
        elif "manylinux" in tag.platform and tag.platform.endswith("x86_64"):
            if tag.interpreter == "cp311" and tag.abi == "cp311":
                ranks.append(("binary", 1))
            elif tag.abi == "abi3":
                ranks.append(("binary", 2))
            elif tag.interpreter.startswith("cp"):
                ranks.append(("binary", 3))  # e.g. no cp311 build: newer CPython only
    return min(ranks, key=lambda r: r[1]) if ranks else None


def pick_files(entries: list[dict[str, Any]], sdist_only: bool) -> list[dict[str, Any]]:
    """The sdist plus at most one pure and one binary wheel of one version."""
    kept: list[dict[str, Any]] = []
    sdists = [e for e in entries if e["filename"].endswith(SDIST_SUFFIXES)]
    sdists.sort(key=lambda e: not e["filename"].endswith(".tar.gz"))
    kept += sdists[:1]
    if sdist_only:
        return kept
    best: dict[str, tuple[int, dict[str, Any]]] = {}
    for entry in entries:
        if not entry["filename"].endswith(".whl"):
            continue
        rank = wheel_rank(entry["filename"])
        if rank is None:
            continue
        kind, score = rank
        if kind not in best or score < best[kind][0]:
            best[kind] = (score, entry)
    kept += [best[kind][1] for kind in ("pure", "binary") if kind in best]
    if not any(e["filename"].endswith(".whl") for e in kept):
        wheels = [e for e in entries if e["filename"].endswith(".whl")]
        kept += wheels[:1]  # e.g. platform-only wheels: keep one so metadata is reachable
    return kept


def choose_versions(all_versions: Iterable[str], keep: int, pinned: Iterable[str]) -> list[str]:
    finals: list[tuple[Version, str]] = []
    for text in all_versions:
        try:
            parsed = Version(text)
        except InvalidVersion:
            continue
        if not parsed.is_prerelease:
            finals.append((parsed, text))
    finals.sort(reverse=True)
    chosen = {text for _, text in finals[:keep]}
    known = {str(Version(t)): t for _, t in finals} | {t: t for t in all_versions}
    for pin in pinned:
        if pin not in known:
            raise SystemExit(f"version {pin} is not on the index")
        chosen.add(known[pin])
    return sorted(chosen, key=Version)


def strip_description(text: str) -> str:
    """Core metadata headers only: the long description is most of the bytes."""
    headers = text.replace("\r\n", "\n").split("\n\n", 1)[0]
    lines: list[str] = []
    skipping = False
    for line in headers.split("\n"):
        if line.lower().startswith("description:"):
            skipping = True
            continue
        if skipping and (line.startswith((" ", "\t", "|"))):
            continue
        skipping = False
        lines.append(line)
    return "\n".join(lines).rstrip("\n") + "\n"


def trim_info(info: Mapping[str, Any]) -> dict[str, Any]:
    trimmed = {key: info.get(key) for key in INFO_KEYS if key in info}
    license_text = trimmed.get("license")
    if isinstance(license_text, str) and len(license_text) > 200:
        trimmed["license"] = license_text.splitlines()[0][:200]
    return trimmed


# --------------------------------------------------------------------------- recording


def record_project(
    client: Client,
    name: str,
    pinned: list[str],
    keep: int,
    sdist_only: bool,
    log: Callable[[str], None],
    wheel_metadata: str = "assume",
) -> tuple[str, dict[str, Any], Rewriter]:
    simple = client.simple(name)
    versions_on_index = simple.get("versions") or sorted(
        {v for e in simple["files"] if (v := file_version(e["filename"]))}
    )
    chosen = choose_versions(versions_on_index, keep, pinned)
    by_version: dict[str, list[dict[str, Any]]] = {}
    for entry in simple["files"]:
        version = file_version(entry["filename"])
        if version is not None:
            by_version.setdefault(version, []).append(entry)
    kept_files: list[dict[str, Any]] = []
    metadata: dict[str, dict[str, str]] = {}
    for version in chosen:
        picked = pick_files(by_version.get(str(Version(version)), []), sdist_only)
        for entry in picked:
            entry = dict(entry, version=version)
            entry.pop("provenance", None)
            if sdist_only:
                entry.pop("core-metadata", None)
                entry.pop("data-dist-info-metadata", None)
            kept_files.append(entry)
        text, source = None, ""
        for entry in kept_files[-len(picked) :] if picked else []:
            if not entry["filename"].endswith(".whl") or sdist_only:
                continue
            # Probe even when the page does not advertise it: some mirrors strip the
            # core-metadata key while still serving the file the upstream index has.
            text = client.optional_text(entry["url"] + ".metadata")
            if text is None:
                continue
            digest = {"sha256": hashlib.sha256(text.encode()).hexdigest()}
            entry.setdefault("core-metadata", digest)
            entry.setdefault("data-dist-info-metadata", entry["core-metadata"])
            source = f"core-metadata of {entry['filename']}"
            break
        if text is None:
            for entry in picked:
                if not entry["filename"].endswith(".whl"):
                    text = client.sdist_pkg_info(entry)
                    source = f"PKG-INFO in {entry['filename']}"
                    break
        if text is None:
            log(f"  {name} {version}: no metadata could be read")
            continue
        if wheel_metadata == "assume":
            # The upstream index serves .metadata for every wheel; a caching mirror may
            # lack some. Record the upstream behaviour, with the text we could read.
            for entry in kept_files[-len(picked) :]:
                if entry["filename"].endswith(".whl") and not entry.get("core-metadata"):
                    digest = {"sha256": hashlib.sha256(text.encode()).hexdigest()}
                    entry["core-metadata"] = digest
                    entry["data-dist-info-metadata"] = digest
        metadata[version] = {"source": source, "text": strip_description(text)}
        log(f"  {name} {version}: {len(picked)} files, metadata from {source}")
    newest = chosen[-1] if chosen else None
    for version, item in metadata.items():
        if version != newest:  # classifiers are project-level: once is enough
            item["text"] = "".join(
                line
                for line in item["text"].splitlines(keepends=True)
                if not line.startswith("Classifier:")
            )
    project = client.project_json(name)
    project_doc: dict[str, Any] | None = None
    if project is not None:
        kept_names = {e["filename"] for e in kept_files}
        project_doc = {
            "info": trim_info(project["info"]),
            "releases": {
                version: sorted(
                    f["filename"]
                    for f in project["releases"].get(version, [])
                    if f["filename"] in kept_names
                )
                for version in chosen
            },
            "ownership": project.get("ownership") or {"roles": [], "organization": None},
            "last_serial": project.get("last_serial"),
        }
    file_origins = {
        f"{urlsplit(e['url']).scheme}://{urlsplit(e['url']).netloc}" for e in simple["files"]
    }
    rewriter = Rewriter(client.index_url, file_origins)
    doc = {
        "format": 1,
        "name": canonicalize_name(simple["name"]),
        "recorded": {
            "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "by": "tests/fakes/record_index.py",
            "kept_versions": chosen,
            "pinned": pinned,
            "sdist_only": sdist_only,
            "wheel_metadata": wheel_metadata,
            "trimmed": "long descriptions dropped; Classifier lines kept on the newest"
            " version's metadata only; at most 3 files a version; project releases as"
            " file names",
        },
        "simple": {
            "meta": simple["meta"],
            "name": simple["name"],
            "versions": chosen,
            "files": kept_files,
        },
        "metadata": metadata,
        "project": project_doc,
    }
    return str(canonicalize_name(simple["name"])), rewriter.tree(doc), rewriter


def parse_target(text: str) -> tuple[str, str | None]:
    try:
        requirement = Requirement(text)
    except InvalidRequirement as error:
        raise SystemExit(f"not NAME or NAME==VERSION: {text!r} ({error})") from None
    pins = [s.version for s in requirement.specifier if s.operator in ("==", "===")]
    return requirement.name, (pins[0] if pins else None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("targets", nargs="+", help="NAME or NAME==VERSION")
    parser.add_argument("--out", type=Path, required=True, help="fixture folder")
    parser.add_argument("--index-url", help="simple index URL (default: as pip would)")
    parser.add_argument("--keep", type=int, default=4, help="newest final versions to keep")
    parser.add_argument(
        "--sdist-only",
        action="append",
        default=[],
        metavar="NAME",
        help="keep only sdists (and no core-metadata) for NAME, as the index has them",
    )
    parser.add_argument(
        "--wheel-metadata",
        choices=("assume", "observed"),
        default="assume",
        help="assume: every wheel declares core-metadata, as upstream does (text from the"
        " wheel's .metadata, else the sdist's PKG-INFO); observed: only what was served",
    )
    parser.add_argument(
        "--max-sdist-mb", type=float, default=200, help="largest sdist to stream for PKG-INFO"
    )
    args = parser.parse_args(argv)
    index_url = resolve_index_url(args.index_url)
    client = Client(index_url, int(args.max_sdist_mb * 1024 * 1024))
    pins: dict[str, list[str]] = {}
    for target in args.targets:
        name, pin = parse_target(target)
        pins.setdefault(name, [])
        if pin:
            pins[name].append(pin)
    sdist_only = {canonicalize_name(n) for n in args.sdist_only}
    args.out.mkdir(parents=True, exist_ok=True)
    for name, pinned in pins.items():
        print(f"recording {name}", file=sys.stderr)
        key, doc, rewriter = record_project(
            client,
            name,
            pinned,
            args.keep,
            canonicalize_name(name) in sdist_only,
            lambda line: print(line, file=sys.stderr),
            args.wheel_metadata,
        )
        serialized = json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
        rewriter.check(serialized)
        path = args.out / f"{key}.json"
        path.write_text(serialized, encoding="utf-8")
        print(f"  wrote {path} ({len(serialized.encode()) // 1024} KB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
