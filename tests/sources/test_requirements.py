"""pip requirements files: the messy real-world shapes from ARCHITECTURE.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.errors import InputError, ParseError
from auditor.model import DependencyInput, Requirement, SourceOptions
from auditor.sources.interface import InputFile
from auditor.sources.requirements import RequirementsSource
from tests.sources.helpers import DATA, read

MESSY = DATA / "reqs" / "requirements.txt"


def _by_line(reqs: tuple[Requirement, ...], path_end: str) -> dict[int | None, Requirement]:
    return {r.origin.line: r for r in reqs if r.origin.path.endswith(path_end)}


def _read_text(
    text: str, tmp_path: Path, name: str = "requirements.txt"
) -> tuple[Requirement, ...]:
    path = tmp_path / name
    path.write_text(text)
    return (
        RequirementsSource()
        .read(InputFile(display=name, path=path, text=text), SourceOptions())
        .requirements
    )


@pytest.fixture
def messy(monkeypatch: pytest.MonkeyPatch) -> DependencyInput:
    monkeypatch.setenv("PRIVATE_INDEX_URL", "https://private.example.com/simple")
    return read(MESSY)


def test_fixture_really_has_crlf_and_no_final_newline() -> None:
    raw = MESSY.read_bytes()
    assert b"\r\n" in raw and not raw.endswith(b"\n")


def test_duplicate_torch_lines_under_exclusive_markers_are_both_kept(
    messy: DependencyInput,
) -> None:
    reqs = _by_line(messy.requirements, "requirements.txt")
    assert reqs[7].name == "torch" and reqs[7].specifier == "==2.3.0+cu124"
    assert reqs[7].marker == 'sys_platform == "linux"'
    assert reqs[8].specifier == "==2.3.0"  # spaces around == are fine
    assert reqs[8].marker == 'sys_platform != "linux"'


def test_extras_specifier_lists_and_inline_comment(messy: DependencyInput) -> None:
    reqs = _by_line(messy.requirements, "requirements.txt")
    transformers = reqs[9]
    assert transformers.extras == ("sentencepiece", "torch")
    assert transformers.specifier == "!=4.41.0,!=4.41.1,>=4.40"
    assert transformers.text == "transformers[torch,sentencepiece]>=4.40,!=4.41.0,!=4.41.1"
    assert reqs[10].specifier == "==1.26.*"
    assert reqs[11].specifier == "~=1.13.0"
    assert reqs[12].name == "pillow" and reqs[12].display_name == "Pillow"
    assert reqs[12].specifier == ">=10.3.0.post1"
    assert reqs[26].specifier == ">=0.30.0.dev0"


def test_hashes_on_continuation_lines_belong_to_the_first_line(messy: DependencyInput) -> None:
    reqs = _by_line(messy.requirements, "requirements.txt")
    tok = reqs[13]
    assert tok.name == "tokenizers" and tok.text == "tokenizers==0.19.1"
    assert len(tok.hashes) == 2 and all(h.startswith("sha256:") for h in tok.hashes)
    assert 14 not in reqs and 15 not in reqs


def test_direct_references_and_bare_urls(messy: DependencyInput) -> None:
    reqs = _by_line(messy.requirements, "requirements.txt")
    flash = reqs[16]
    assert flash.name == "flash-attn"
    assert flash.url is not None and "%2Bcu124" in flash.url
    assert flash.marker == 'platform_machine == "x86_64"'
    assert flash.hashes == (
        "sha256:" + "9e2e8d5c7b7a5a0f5a8b4d3c2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f",
    )
    xformers = reqs[17]
    assert xformers.name == "xformers" and xformers.url is not None
    assert xformers.url.endswith("xformers-0.0.26.post1-cp311-cp311-manylinux2014_x86_64.whl")
    peft = reqs[18]
    assert (
        peft.name == "peft"
        and peft.url == "git+https://git.example.com/org/peft.git@v0.11.1#egg=peft"
    )


def test_editable_dot_takes_the_pyproject_name(messy: DependencyInput) -> None:
    reqs = _by_line(messy.requirements, "requirements.txt")
    own = reqs[19]
    assert own.editable and own.name == "inference-service"
    assert own.url == (DATA / "reqs").resolve().as_uri()
    assert own.text == "-e ."


def test_markers_with_or_in_and_not_in(messy: DependencyInput) -> None:
    reqs = _by_line(messy.requirements, "requirements.txt")
    assert reqs[21].marker is not None and " or " in reqs[21].marker
    assert reqs[22].marker == '"linux" in sys_platform'
    assert reqs[23].marker == 'python_version not in "3.0, 3.1"'


def test_duplicate_lines_and_case_are_normalised_but_kept(messy: DependencyInput) -> None:
    reqs = _by_line(messy.requirements, "requirements.txt")
    assert (reqs[24].name, reqs[25].name) == ("requests", "requests")
    assert reqs[24].display_name == "Requests"


def test_includes_constraints_and_index_options_merge(messy: DependencyInput) -> None:
    result = messy
    base = [r for r in result.requirements if r.origin.path.endswith("base.txt")]
    assert [(r.name, r.origin.line) for r in base] == [("numpy", 3), ("sentence-transformers", 4)]
    assert base[0].origin.path == str(DATA / "reqs" / "base.txt")
    cons = result.constraints
    assert [(c.name, c.specifier, c.constraint) for c in cons] == [
        ("urllib3", "<3,>=2.2.2", True),
        ("certifi", ">=2024.7.4", True),
    ]
    assert cons[0].origin.path.endswith("constraints/pins.txt") and cons[0].origin.line == 2
    index = result.index
    assert index.index_url == "https://mirror.example.com/simple"
    assert index.extra_index_urls == (
        "https://download.example.com/whl/cu124",
        "https://private.example.com/simple",
    )
    assert index.trusted_hosts == ("download.example.com",)


def test_pip_compile_output_lists_everything_as_direct() -> None:
    result = read(DATA / "reqs" / "requirements-lock.txt")
    names = [r.name for r in result.requirements]
    assert names == [
        "certifi", "charset-normalizer", "filelock", "huggingface-hub",
        "requests", "torch", "urllib3", "setuptools",
    ]  # fmt: skip
    torch = next(r for r in result.requirements if r.name == "torch")
    assert torch.specifier == "==2.3.1+cu121" and torch.origin.line == 28
    assert result.index.index_url == "https://mirror.example.com/simple"


def test_include_from_subfolder_walks_back_up(tmp_path: Path) -> None:
    nested = read(DATA / "reqs" / "nested" / "dev.txt")
    assert nested.requirements[-1].name == "pytest"
    assert any(r.name == "torch" for r in nested.requirements)


def test_include_found_from_repository_root(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "common.txt").write_text("numpy\n")
    (tmp_path / "requirements" / "prod.txt").write_text("-r requirements/common.txt\nscipy\n")
    result = read(tmp_path / "requirements" / "prod.txt")
    assert [r.name for r in result.requirements] == ["numpy", "scipy"]


def test_missing_include_names_every_path_tried(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("numpy\n-r missing.txt\n")
    with pytest.raises(InputError) as info:
        read(tmp_path / "requirements.txt")
    message = str(info.value)
    assert "requirements.txt:2" in message and "'missing.txt' not found" in message
    assert str(tmp_path / "missing.txt") in message


def test_include_cycle_names_the_chain() -> None:
    with pytest.raises(InputError) as info:
        read(DATA / "reqs" / "cycle_a.txt")
    message = str(info.value)
    assert "include cycle" in message
    assert "cycle_a.txt -> " in message and "cycle_b.txt -> " in message


def test_malformed_line_reports_file_line_and_reason(tmp_path: Path) -> None:
    lines = ["numpy"] * 11 + ["torch>==2"]
    (tmp_path / "requirements.txt").write_text("\n".join(lines) + "\n")
    with pytest.raises(ParseError) as info:
        read(tmp_path / "requirements.txt")
    assert str(info.value).startswith(
        f"{tmp_path / 'requirements.txt'}:12: cannot parse 'torch>==2'"
    )
    assert info.value.line == 12 and "column 6" in info.value.why


def test_env_var_expansion_only_braced_uppercase(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TORCH_VERSION", "2.3.1")
    monkeypatch.setenv("lower", "9")
    reqs = _read_text("torch==${TORCH_VERSION}\n", tmp_path)
    assert reqs[0].specifier == "==2.3.1"
    with pytest.raises(ParseError):
        _read_text("torch==${lower}\n", tmp_path)


def test_editable_forms_and_vcs_without_egg(tmp_path: Path) -> None:
    (tmp_path / "libs" / "tok").mkdir(parents=True)
    text = (
        "-e file:.\n"
        "--editable ./libs/tok[fast]\n"
        "-e git+https://git.example.com/org/repo.git@main#egg=My_Repo\n"
    )
    reqs = _read_text(text, tmp_path)
    assert reqs[0].editable and reqs[0].name == tmp_path.name.lower().replace("_", "-")
    assert reqs[1].name == "tok" and reqs[1].extras == ("fast",)
    assert reqs[1].url == (tmp_path / "libs" / "tok").resolve().as_uri()
    assert reqs[2].name == "my-repo" and reqs[2].editable
    with pytest.raises(ParseError, match="egg"):
        _read_text("git+https://git.example.com/org/repo.git@main\n", tmp_path)


def test_options_are_accepted_and_ignored(tmp_path: Path) -> None:
    text = (
        "--pre\n--prefer-binary\n--only-binary :all:\n--no-binary=lxml\n"
        "--use-feature fast-deps\n--find-links ./wheels\n--no-index\n"
        "-i https://a.example.com/simple\n-i https://b.example.com/simple\n"
        "--extra-index-url https://c.example.com/simple\nlxml\n"
    )
    path = tmp_path / "requirements.txt"
    path.write_text(text)
    result = read(path)
    assert [r.name for r in result.requirements] == ["lxml"]
    assert result.index.no_index and result.index.index_url == "https://b.example.com/simple"
    assert result.warnings == ()


def test_comment_line_ends_continuation_and_fragment_is_not_a_comment(tmp_path: Path) -> None:
    text = (
        "numpy \\\n  >=1.24\n# plain comment \\\n"
        "https://files.example.com/scipy-1.13.0.tar.gz#sha256=abc123 # note\n"
    )
    reqs = _read_text(text, tmp_path)
    assert reqs[0].specifier == ">=1.24" and reqs[0].origin.line == 1
    assert reqs[1].name == "scipy" and reqs[1].origin.line == 4
    assert reqs[1].url == "https://files.example.com/scipy-1.13.0.tar.gz#sha256=abc123"
    assert reqs[1].hashes == ("sha256:abc123",)
