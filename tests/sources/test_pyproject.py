"""pyproject.toml: PEP 621, PEP 735, Poetry, and only the chosen extras/groups."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.errors import ParseError
from auditor.model import Requirement
from tests.sources.helpers import DATA, read

PEP621 = DATA / "pep621" / "pyproject.toml"
POETRY = DATA / "poetry" / "pyproject.toml"


def test_pep621_dependencies_with_lines() -> None:
    result = read(PEP621)
    got = [(r.name, r.specifier, r.origin.line) for r in result.requirements]
    assert got == [
        ("fastapi", "<1,>=0.110", 10),
        ("pydantic", "~=2.7", 11),
        ("sentence-transformers", "==3.0.*", 12),
        ("llama-index-core", "!=0.10.41,>=0.10.40", 13),
        ("faiss-cpu", ">=1.8.0", 14),
    ]
    assert result.requirements[0].extras == ("standard",)
    assert result.requirements[4].marker == (
        'platform_machine != "arm64" or sys_platform != "darwin"'
    )
    assert all(r.group is None for r in result.requirements)


def test_self_referencing_extra_expands_instead_of_depending_on_itself() -> None:
    result = read(PEP621, extras=frozenset({"all"}))
    extra = [(r.name, r.group, r.origin.line) for r in result.requirements if r.group]
    assert extra == [
        ("torch", "extra:cuda", 19),
        ("bitsandbytes", "extra:cuda", 20),
        ("ragas", "extra:eval", 22),
        ("datasets", "extra:eval", 22),
    ]
    assert all(r.name != "rag-service" for r in result.requirements)


def test_extra_chosen_twice_is_not_duplicated() -> None:
    result = read(PEP621, all_extras=True)
    names = [r.name for r in result.requirements if r.group]
    assert names.count("torch") == 1 and names.count("ragas") == 1


def test_dependency_groups_with_include_group() -> None:
    result = read(PEP621, groups=frozenset({"dev"}))
    grouped = [(r.name, r.group) for r in result.requirements if r.group]
    assert grouped == [
        ("ruff", "group:dev"),
        ("mypy", "group:dev"),
        ("pytest", "group:test"),
        ("pytest-asyncio", "group:test"),
    ]


def test_unknown_choice_is_a_warning() -> None:
    result = read(PEP621, extras=frozenset({"gpu"}), groups=frozenset({"lint"}))
    assert any("no extra named 'gpu'" in w for w in result.warnings)
    assert any("no dependency group named 'lint'" in w for w in result.warnings)


def test_include_group_cycle(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(
        '[project]\nname = "x"\n[dependency-groups]\n'
        'a = [{include-group = "b"}]\nb = [{include-group = "a"}]\n'
    )
    with pytest.raises(ParseError, match="include-group cycle"):
        read(path, groups=frozenset({"a"}))


def test_poetry_main_dependencies_translated() -> None:
    result = read(POETRY)
    by_name: dict[str, list[Requirement]] = {}
    for r in result.requirements:
        by_name.setdefault(r.name, []).append(r)
    assert "python" not in by_name
    torch = by_name["torch"]
    assert [(t.specifier, t.marker) for t in torch] == [
        ("==2.3.0+cpu", 'sys_platform != "darwin"'),
        ("==2.3.0", 'sys_platform == "darwin"'),
    ]
    assert by_name["transformers"][0].specifier == "<5,>=4.41"
    assert by_name["transformers"][0].extras == ("torch", "vision")
    assert by_name["pillow"][0].specifier == "<10.4,>=10.3"
    assert by_name["pillow"][0].origin.line == 14
    assert by_name["numpy"][0].specifier == "<2.0,>=1.24"
    assert by_name["timm"][0].specifier == ""
    clip = by_name["open-clip-torch"][0]
    assert clip.url == "git+https://git.example.com/mlfoundations/open_clip.git@v2.24.0"
    shared = by_name["shared-utils"][0]
    assert shared.editable and shared.url == (DATA / "shared-utils").resolve().as_uri()
    assert by_name["tiny-wheel"][0].url == (
        "https://files.example.com/tiny_wheel-0.1.0-py3-none-any.whl"
    )
    assert "onnxruntime" not in by_name and "onnxruntime-gpu" not in by_name
    assert "pytest" not in by_name  # dev group not chosen
    assert any("safetensors" in w and "||" in w for w in result.warnings)
    assert by_name["safetensors"][0].specifier == "<2,>=0.4"


def test_poetry_optional_dependency_needs_its_extra_and_python_becomes_marker() -> None:
    result = read(POETRY, extras=frozenset({"gpu"}))
    gpu = [r for r in result.requirements if r.name == "onnxruntime-gpu"]
    assert len(gpu) == 1 and gpu[0].group == "extra:gpu"
    assert gpu[0].marker == 'python_version >= "3.10" and python_version < "3.13"'
    assert not any(r.name == "onnxruntime" for r in result.requirements)


def test_poetry_groups_only_when_chosen() -> None:
    result = read(POETRY, groups=frozenset({"dev", "docs"}))
    grouped = [(r.name, r.specifier, r.group) for r in result.requirements if r.group]
    assert grouped == [
        ("pytest", "<9,>=8.2", "group:dev"),
        ("black", "==24.4.2", "group:dev"),
        ("mkdocs-material", "<10,>=9.5", "group:docs"),
    ]


def test_poetry_legacy_dev_dependencies(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(
        '[tool.poetry]\nname = "old"\n\n[tool.poetry.dependencies]\npython = "~2.7 || ^3.6"\n'
        'requests = "^2.20"\n\n[tool.poetry.dev-dependencies]\npytest = "^4.6"\n'
    )
    assert [r.name for r in read(path).requirements] == ["requests"]
    dev = read(path, groups=frozenset({"dev"})).requirements
    assert [(r.name, r.specifier, r.origin.line) for r in dev] == [
        ("requests", "<3,>=2.20", 6),
        ("pytest", "<5,>=4.6", 9),
    ]


def test_bad_toml_is_a_parse_error_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[project]\nname = "x"\ndependencies = [\n  "numpy",\n  numpy\n]\n')
    with pytest.raises(ParseError) as info:
        read(path)
    assert info.value.line == 5 and "invalid TOML" in info.value.why


def test_bad_requirement_string_points_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[project]\nname = "x"\ndependencies = [\n  "numpy",\n  "torch>==2",\n]\n')
    with pytest.raises(ParseError) as info:
        read(path)
    assert info.value.line == 5 and info.value.text == "torch>==2"
