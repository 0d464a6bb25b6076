"""Format detection by name then content, directories, stdin and file errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.errors import InputError
from auditor.model import SourceOptions
from auditor.sources import SOURCES, detect_source, read_input
from auditor.sources.cyclonedx import CycloneDxSource
from auditor.sources.pdm_lock import PdmLockSource
from auditor.sources.pipfile_lock import PipfileLockSource
from auditor.sources.poetry_lock import PoetryLockSource
from auditor.sources.pylock import PylockSource
from auditor.sources.pyproject import PyprojectSource
from auditor.sources.requirements import RequirementsSource
from auditor.sources.uv_lock import UvLockSource
from tests.sources.helpers import DATA

FIXTURES = [
    (DATA / "reqs" / "requirements.txt", RequirementsSource),
    (DATA / "reqs" / "requirements-lock.txt", RequirementsSource),
    (DATA / "pep621" / "pyproject.toml", PyprojectSource),
    (DATA / "poetry" / "pyproject.toml", PyprojectSource),
    (DATA / "uv" / "uv.lock", UvLockSource),
    (DATA / "poetry" / "poetry.lock", PoetryLockSource),
    (DATA / "pdm" / "pdm.lock", PdmLockSource),
    (DATA / "pylock" / "pylock.toml", PylockSource),
    (DATA / "pipenv" / "Pipfile.lock", PipfileLockSource),
    (DATA / "sbom" / "app.cdx.json", CycloneDxSource),
]


def test_every_source_is_exported_and_has_a_fixture() -> None:
    assert set(SOURCES) == {cls for _, cls in FIXTURES}
    assert len({cls.kind for cls in SOURCES}) == len(SOURCES)


@pytest.mark.parametrize(("path", "cls"), FIXTURES, ids=lambda v: getattr(v, "name", v))
def test_detect_by_name(path: Path, cls: type) -> None:
    assert detect_source(path.name, path.read_text()) is cls
    assert cls.matches_name(path.name)


@pytest.mark.parametrize(("path", "cls"), FIXTURES, ids=lambda v: getattr(v, "name", v))
def test_detect_by_content_alone(path: Path, cls: type) -> None:
    text = path.read_bytes().decode()
    assert detect_source("", text) is cls


@pytest.mark.parametrize(
    "name",
    ["requirements-dev.txt", "dev-requirements.txt", "requirements.in", "constraints.txt",
     "pylock.gpu.toml", "bom.json", "sbom.cyclonedx.json"],
)  # fmt: skip
def test_more_names(name: str) -> None:
    assert detect_source(name, "") is not None


def test_plain_txt_needs_requirement_content(tmp_path: Path) -> None:
    (tmp_path / "deps.txt").write_text("numpy>=1.24\n# comment\n-r other.txt\n")
    assert detect_source("deps.txt", (tmp_path / "deps.txt").read_text()) is RequirementsSource
    assert detect_source("notes.txt", "Remember to buy milk.\nAnd eggs!\n") is None


def test_stdin_detected_by_content() -> None:
    text = (DATA / "uv" / "uv.lock").read_text()
    result = read_input("-", SourceOptions(), stdin_text=text)
    assert result.kind == "uv.lock" and result.path == "<stdin>"
    reqs = read_input("-", SourceOptions(), stdin_text="numpy==1.26.4\r\ntorch\r\n")
    assert [r.name for r in reqs.requirements] == ["numpy", "torch"]
    assert reqs.requirements[0].origin.path == "<stdin>"


def test_stdin_without_text() -> None:
    with pytest.raises(InputError, match="stdin"):
        read_input("-", SourceOptions())


def test_unknown_format_lists_supported_formats(tmp_path: Path) -> None:
    path = tmp_path / "deps.yaml"
    path.write_text("dependencies:\n  - numpy: ^1.24\n")
    with pytest.raises(InputError) as info:
        read_input(str(path), SourceOptions())
    assert "cannot tell which dependency format" in str(info.value)
    assert "uv.lock" in str(info.value) and "requirements" in str(info.value)


def test_missing_file_and_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_input(str(tmp_path / "requirements.txt"), SourceOptions())
    with pytest.raises(InputError, match="no dependency file"):
        read_input(str(tmp_path), SourceOptions())


def test_directory_picks_the_lock_and_says_so() -> None:
    result = read_input(str(DATA / "poetry"), SourceOptions())
    assert result.kind == "poetry.lock"
    assert "read poetry.lock" in result.warnings[0] and "pyproject.toml" in result.warnings[0]


def test_not_utf8_and_utf16(tmp_path: Path) -> None:
    bad = tmp_path / "requirements.txt"
    bad.write_bytes(b"numpy==1\n\xc3\x28\n")
    with pytest.raises(InputError, match="not a UTF-8 text file"):
        read_input(str(bad), SourceOptions())
    windows = tmp_path / "requirements-win.txt"
    windows.write_bytes("numpy==1.26.4\r\n".encode("utf-16"))
    assert read_input(str(windows), SourceOptions()).requirements[0].specifier == "==1.26.4"
