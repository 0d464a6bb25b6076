"""Lock files: exact pins, edges, roots, and dev groups kept out unless chosen."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from auditor.errors import ParseError
from auditor.model import DependencyInput, LockedPackage
from tests.sources.helpers import DATA, read


def _locked(result: DependencyInput) -> dict[str, LockedPackage]:
    return {p.name + ("" if p.version is None else "@" + p.version): p for p in result.locked or ()}


def test_uv_lock_roots_are_the_project_dependencies() -> None:
    result = read(DATA / "uv" / "uv.lock")
    assert result.kind == "uv.lock"
    roots = [(r.name, r.specifier, r.marker, r.origin.line) for r in result.requirements]
    assert roots == [
        ("fastapi", ">=0.110", None, 53),
        ("torch", "==2.3.1", 'sys_platform != "linux"', 54),
        ("torch", "==2.3.1+cu121", 'sys_platform == "linux"', 55),
    ]
    assert result.requirements[0].extras == ("standard",)


def test_uv_lock_edges_extras_and_dev_exclusion() -> None:
    locked = _locked(read(DATA / "uv" / "uv.lock"))
    assert "pytest@8.2.2" not in locked  # dev group not chosen
    assert "inference-app@0.1.0" not in locked  # the project is not a dependency
    assert locked["uvloop@0.19.0"].origin.line == 129  # reached via fastapi[standard]
    fastapi = locked["fastapi@0.111.0"]
    assert [(d.name, d.marker) for d in fastapi.dependencies or ()] == [
        ("pydantic", None),
        ("starlette", None),
        ("uvicorn", 'extra == "standard"'),
    ]
    anyio = locked["anyio@4.4.0"]
    assert anyio.dependencies is not None
    assert anyio.dependencies[0].marker == 'python_full_version < "3.11"'
    assert locked["torch@2.3.1+cu121"].source == "https://download.example.com/whl/cu121"


def test_uv_lock_dev_group_and_extra_when_chosen() -> None:
    result = read(DATA / "uv" / "uv.lock", groups=frozenset({"dev"}), extras=frozenset({"serve"}))
    grouped = [(r.name, r.group, r.specifier) for r in result.requirements if r.group]
    assert grouped == [("anyio", "extra:serve", ">=4"), ("pytest", "group:dev", "")]
    locked = _locked(result)
    assert locked["pytest@8.2.2"].groups == ("group:dev",)
    assert locked["anyio@4.4.0"].groups == ("main", "extra:serve")


def test_poetry_lock_uses_sibling_pyproject_for_roots() -> None:
    result = read(DATA / "poetry" / "poetry.lock")
    assert result.requirements[0].origin.path.endswith("poetry/pyproject.toml")
    locked = _locked(result)
    assert set(locked) == {
        "numpy@1.26.4",
        "pillow@10.3.0",
        "torch@2.3.0+cpu",
        "open-clip-torch@2.24.0",
    }
    torch = locked["torch@2.3.0+cpu"]
    assert torch.origin.line == 77 and torch.source == "https://download.example.com/whl/cpu"
    assert [(d.name, d.marker) for d in torch.dependencies or ()] == [
        ("filelock", None),
        ("numpy", 'extra == "numpy"'),
        ("sympy", None),
    ]
    clip = locked["open-clip-torch@2.24.0"]
    assert clip.source is not None and clip.source.startswith("git+https://git.example.com/")


def test_poetry_lock_dev_group_only_when_chosen() -> None:
    locked = _locked(read(DATA / "poetry" / "poetry.lock", groups=frozenset({"dev"})))
    assert locked["pytest@8.2.2"].groups == ("group:dev",)
    assert locked["click@8.1.7"].dependencies is not None
    assert locked["click@8.1.7"].dependencies[0].marker == 'platform_system == "Windows"'


def test_poetry_lock_without_pyproject_uses_groups_and_unrequired(tmp_path: Path) -> None:
    text = (DATA / "poetry" / "poetry.lock").read_text()
    text = text.replace(
        'name = "pytest"\nversion = "8.2.2"', 'name = "pytest"\nversion = "8.2.2"\ngroups = ["dev"]'
    )
    text = text.replace(
        'name = "numpy"\nversion = "1.26.4"',
        'name = "numpy"\nversion = "1.26.4"\ngroups = ["main"]',
    )
    lock = tmp_path / "poetry.lock"
    lock.write_text(text)
    result = read(lock)
    locked = _locked(result)
    assert "pytest@8.2.2" not in locked and "numpy@1.26.4" in locked
    roots = {r.name: r.specifier for r in result.requirements}
    assert roots["open-clip-torch"] == "==2.24.0" and "torch" not in roots
    assert "black" in roots and "click" not in roots


def test_poetry_1_category_dev(tmp_path: Path) -> None:
    lock = tmp_path / "poetry.lock"
    lock.write_text(
        '[[package]]\nname = "requests"\nversion = "2.32.3"\ncategory = "main"\n'
        'optional = false\npython-versions = ">=3.8"\n\n'
        '[[package]]\nname = "pytest"\nversion = "8.2.2"\ncategory = "dev"\n'
        'optional = false\npython-versions = ">=3.8"\n'
    )
    assert [p.name for p in read(lock).locked or ()] == ["requests"]
    assert [p.name for p in read(lock, groups=frozenset({"dev"})).locked or ()] == [
        "requests",
        "pytest",
    ]


def test_pdm_lock_merges_extras_entries_and_skips_test_group() -> None:
    result = read(DATA / "pdm" / "pdm.lock")
    locked = _locked(result)
    assert "pytest@8.2.2" not in locked and "iniconfig@2.0.0" not in locked
    fastapi = locked["fastapi@0.111.0"]
    assert fastapi.origin.line == 13
    names = [d.name for d in fastapi.dependencies or ()]
    assert names == ["pydantic", "starlette", "typing-extensions", "uvicorn"]
    assert [r.name for r in result.requirements] == ["fastapi"]
    with_test = _locked(read(DATA / "pdm" / "pdm.lock", groups=frozenset({"test"})))
    assert "pytest@8.2.2" in with_test and "iniconfig@2.0.0" in with_test


def test_pdm_lock_without_pyproject(tmp_path: Path) -> None:
    shutil.copy(DATA / "pdm" / "pdm.lock", tmp_path / "pdm.lock")
    result = read(tmp_path / "pdm.lock")
    assert [r.name for r in result.requirements] == ["fastapi"]
    assert "pytest@8.2.2" not in _locked(result)


def test_pylock_without_edges_every_package_is_a_root() -> None:
    result = read(DATA / "pylock" / "pylock.toml")
    assert [(r.name, r.specifier, r.origin.line) for r in result.requirements] == [
        ("certifi", "==2024.7.4", 9),
        ("nvidia-cublas-cu12", "==12.1.3.1", 16),
        ("torch", "==2.3.1+cu121", 30),
    ]
    assert result.requirements[1].marker == 'platform_machine == "x86_64"'
    assert all(p.dependencies is None for p in result.locked or ())
    with_dev = read(DATA / "pylock" / "pylock.toml", groups=frozenset({"dev"}))
    assert "pytest@8.2.2" in _locked(with_dev)


def test_pylock_with_edges_roots_are_unrequired(tmp_path: Path) -> None:
    lock = tmp_path / "pylock.ml.toml"
    lock.write_text(
        'lock-version = "1.0"\ncreated-by = "hand"\n\n'
        '[[packages]]\nname = "a"\nversion = "1"\ndependencies = [{ name = "b" }]\n\n'
        '[[packages]]\nname = "b"\nversion = "2"\ndependencies = []\n'
    )
    result = read(lock)
    assert [r.name for r in result.requirements] == ["a"]
    assert [d.name for d in _locked(result)["a@1"].dependencies or ()] == ["b"]


def test_pipfile_lock_roots_from_pipfile_and_indexes() -> None:
    result = read(DATA / "pipenv" / "Pipfile.lock")
    roots = [(r.name, r.specifier, r.origin.line) for r in result.requirements]
    assert roots == [
        ("torch", "==2.3.1+cu121", 12),
        ("transformers", ">=4.41", 13),
        ("langchain-community", "", 14),
        ("uvloop", "", 15),
    ]
    assert result.requirements[3].marker == 'sys_platform != "win32"'
    locked = _locked(result)
    assert locked["torch@2.3.1+cu121"].dependencies is None
    assert locked["torch@2.3.1+cu121"].source == "https://download.example.com/whl/cu121"
    assert locked["torch@2.3.1+cu121"].origin.line == 32
    assert "pytest@8.2.2" not in locked
    assert result.index.index_url == "https://mirror.example.com/simple"
    assert result.index.extra_index_urls == ("https://download.example.com/whl/cu121",)


def test_pipfile_lock_develop_and_no_pipfile(tmp_path: Path) -> None:
    shutil.copy(DATA / "pipenv" / "Pipfile.lock", tmp_path / "Pipfile.lock")
    result = read(tmp_path / "Pipfile.lock", groups=frozenset({"dev"}))
    assert "pytest@8.2.2" in _locked(result)
    assert {r.name: r.specifier for r in result.requirements}["uvloop"] == "==0.19.0"


@pytest.mark.parametrize("name", ["uv.lock", "poetry.lock", "pdm.lock", "pylock.toml"])
def test_bad_toml_in_lock(tmp_path: Path, name: str) -> None:
    lock = tmp_path / name
    lock.write_text('[[package]]\nname = "a"\nversion = 1.0.0\n')
    with pytest.raises(ParseError) as info:
        read(lock)
    assert info.value.line == 3


def test_bad_json_in_pipfile_lock(tmp_path: Path) -> None:
    lock = tmp_path / "Pipfile.lock"
    lock.write_text('{\n  "default": {\n    "x": \n}\n')
    with pytest.raises(ParseError) as info:
        read(lock)
    assert info.value.line == 4 and "invalid JSON" in info.value.why
