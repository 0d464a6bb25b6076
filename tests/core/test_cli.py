"""The command line as a user runs it: output, exit codes and error messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.cli import audit_main, main
from tests.fakes import FakeIndex

ROOT = Path(__file__).resolve().parents[2]
# The recorded numpy releases need Python 3.12: say the target, whatever runs the tests.
TARGET = ["--python-version", "3.12", "--platform", "linux"]
# These tests are about resolution; GitHub signals are tested in tests/audit.
NO_GH = ["--no-github"]


@pytest.fixture
def index_env(fake_index: FakeIndex, monkeypatch: pytest.MonkeyPatch) -> FakeIndex:
    monkeypatch.setenv("PIP_INDEX_URL", fake_index.simple_url)
    return fake_index


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_audit_prints_every_package_with_depth_and_origin(
    index_env: FakeIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reqs = write(tmp_path, "requirements.txt", "requests>=2.30\nllama-cpp-python\n")
    assert audit_main([str(reqs), *TARGET, *NO_GH, "--all"]) == 0
    out = capsys.readouterr().out
    assert "markupsafe" in out and "llama-cpp-python" in out
    assert out.startswith("auditor PASS") and "All " in out


def test_graph_json_is_complete(
    index_env: FakeIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reqs = write(tmp_path, "requirements.txt", "# app\nrequests>=2.30\n")
    assert main(["graph", str(reqs), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    pkgs = {p["name"]: p for p in doc["packages"]}
    assert pkgs["requests"]["direct"] is True
    assert pkgs["requests"]["origins"] == [f"{reqs}:2"]
    assert pkgs["idna"]["via"] == ["requests"] and pkgs["idna"]["depth"] == 1
    assert {d["name"] for d in pkgs["requests"]["dependencies"]} >= {"idna", "urllib3"}


def test_graph_why_and_dot(
    index_env: FakeIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reqs = write(tmp_path, "requirements.txt", "llama-cpp-python\n")
    assert main(["graph", str(reqs), "--why", "MarkupSafe", *TARGET]) == 0
    out = capsys.readouterr().out
    assert "llama-cpp-python -> jinja2 -> markupsafe" in out
    assert f"[{reqs}:1]" in out
    assert (
        main(["graph", str(reqs), *TARGET, "--format", "dot", "-o", str(tmp_path / "g.dot")]) == 0
    )
    dot = (tmp_path / "g.dot").read_text()
    assert dot.startswith("digraph") and '"jinja2" -> "markupsafe"' in dot


def test_stdin_and_pyproject(
    index_env: FakeIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("requests\n"))
    assert main(["graph", "-", "--format", "json"]) == 0
    assert any(p["name"] == "urllib3" for p in json.loads(capsys.readouterr().out)["packages"])
    project = write(
        tmp_path,
        "pyproject.toml",
        '[project]\nname = "app"\nversion = "1"\ndependencies = ["idna"]\n'
        '[project.optional-dependencies]\nnet = ["requests"]\n',
    )
    assert main(["graph", str(project), "--format", "json"]) == 0
    names = {p["name"] for p in json.loads(capsys.readouterr().out)["packages"]}
    assert names == {"idna"}
    assert main(["graph", str(project), "--extra", "net", "--format", "json"]) == 0
    names = {p["name"] for p in json.loads(capsys.readouterr().out)["packages"]}
    assert "requests" in names and "urllib3" in names


def test_malformed_line_names_file_and_line(
    index_env: FakeIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reqs = write(tmp_path, "requirements.txt", "requests\n" * 11 + "torch>==2\n")
    assert audit_main([str(reqs), *NO_GH]) == 2
    err = capsys.readouterr().err
    assert f"{reqs}:12: cannot parse 'torch>==2'" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("requestz\n", "'requestz' was not found"),
        ("-r other.txt\n", "other.txt"),
    ],
)
def test_bad_inputs_exit_2_with_a_message(
    index_env: FakeIndex,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str,
    expected: str,
) -> None:
    reqs = write(tmp_path, "requirements.txt", content)
    assert audit_main([str(reqs), *NO_GH]) == 2
    err = capsys.readouterr().err
    assert expected in err and err.startswith("error: ")


def test_include_cycle(
    index_env: FakeIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "a.txt", "-r b.txt\nrequests\n")
    write(tmp_path, "b.txt", "-r a.txt\n")
    assert audit_main([str(tmp_path / "a.txt"), *NO_GH]) == 2
    assert "cycle" in capsys.readouterr().err.lower()


def test_missing_file(
    index_env: FakeIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert audit_main([str(tmp_path / "nope.txt"), *NO_GH]) == 2
    assert "nope.txt" in capsys.readouterr().err


def test_unreadable_lock_file(
    index_env: FakeIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lock = write(tmp_path, "uv.lock", "version = 1\n[[package]\nname = 'x'\n")
    assert audit_main([str(lock), *NO_GH]) == 2
    err = capsys.readouterr().err
    assert "uv.lock" in err and "Traceback" not in err


def test_conflict_exit_2(
    index_env: FakeIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reqs = write(tmp_path, "requirements.txt", "requests==2.34.2\nurllib3<2\n")
    assert audit_main([str(reqs), *NO_GH]) == 2
    err = capsys.readouterr().err
    assert "cannot be satisfied" in err and f"urllib3 <2  ({reqs}:2)" in err
    assert "urllib3: 2.8.0, 2.7.0" in err  # what does exist, so the user can choose


def test_unreachable_index_exit_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    reqs = write(tmp_path, "requirements.txt", "requests\n")
    assert audit_main([str(reqs), *NO_GH]) == 3
    err = capsys.readouterr().err
    assert "127.0.0.1:9" in err and "--index-url" in err


def test_offline_after_a_warm_run(
    index_env: FakeIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reqs = write(tmp_path, "requirements.txt", "requests\n")
    cache = ["--cache-dir", str(tmp_path / "cache")]
    assert audit_main([str(reqs), "--offline", *cache, *NO_GH]) == 3
    assert "--offline" in capsys.readouterr().err
    assert audit_main([str(reqs), *cache, *NO_GH]) == 0
    index_env.stop()  # the network is gone; the cache must be enough
    assert audit_main([str(reqs), "--offline", *cache, *NO_GH]) == 0
    assert "urllib3" in capsys.readouterr().out


def test_index_options_inside_the_file_are_honoured(
    fake_index: FakeIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reqs = write(
        tmp_path,
        "requirements.txt",
        f"--index-url {fake_index.simple_url}\n--extra-index-url http://127.0.0.1:9/whl/cu124\nidna\n",
    )
    assert audit_main([str(reqs), *NO_GH, "--all"]) == 0
    captured = capsys.readouterr()
    assert " idna " in captured.out
    assert captured.err.count("127.0.0.1:9/whl/cu124") == 1


def test_corrupt_cache_degrades_to_a_warning(
    index_env: FakeIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    (cache_dir / "cache.sqlite3").write_bytes(b"this is not a database" * 100)
    reqs = write(tmp_path, "requirements.txt", "idna\n")
    assert audit_main([str(reqs), "--cache-dir", str(cache_dir), *NO_GH, "--all"]) == 0
    captured = capsys.readouterr()
    assert " idna " in captured.out and "cache" in captured.err


def test_nothing_to_audit_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit"]) == 2
    assert "nothing to audit" in capsys.readouterr().err


def test_console_scripts_and_module_entry(index_env: FakeIndex, tmp_path: Path) -> None:
    reqs = write(tmp_path, "requirements.txt", "idna\n")
    env = {**os.environ, "PIP_INDEX_URL": index_env.simple_url}
    result = subprocess.run(
        [sys.executable, "-m", "auditor", "graph", str(reqs), "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["packages"][0]["name"] == "idna"


def test_pip_audit_spellings_r_f_o(
    index_env: FakeIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = write(tmp_path, "a.txt", "idna\n")
    b = write(tmp_path, "b.txt", "certifi\n")
    out = tmp_path / "report.json"
    code = audit_main(["-r", str(a), "--requirement", str(b), "-f", "json", "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    names = {p["name"] for p in json.loads(out.read_text())["packages"]}
    assert names == {"idna", "certifi"}


def test_format_and_output_from_the_environment(
    index_env: FakeIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    reqs = write(tmp_path, "requirements.txt", "idna\n")
    monkeypatch.setenv("AUDITOR_FORMAT", "json")
    monkeypatch.setenv("AUDITOR_OUTPUT", str(tmp_path / "env.json"))
    monkeypatch.setenv("AUDITOR_NO_GITHUB", "1")
    assert audit_main([str(reqs)]) == 0, capsys.readouterr().err
    doc = json.loads((tmp_path / "env.json").read_text())
    assert doc["packages"][0]["name"] == "idna"
    # The flag still wins over the variable.
    assert audit_main([str(reqs), "-f", "text", "-o", "-", "--all"]) == 0
    assert " idna " in capsys.readouterr().out


def test_audit_r_with_unknown_flag_shows_the_audit_usage(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert audit_main(["-r", "x.txt", "--no-such-flag"]) == 2
    err = capsys.readouterr().err
    assert "usage: auditor audit" in err and "--no-such-flag" in err


def test_desc_describes_the_rules_that_fired(
    index_env: FakeIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reqs = write(tmp_path, "requirements.txt", "idna\n")
    audit_main([str(reqs), *NO_GH, "--desc"])
    out = capsys.readouterr().out
    assert "Rules that fired:" in out or "Rules: none fired." in out
    if "Rules that fired:" in out:
        assert "what to do:" in out


def test_output_to_a_fifo_writes_through_it_and_leaves_it_a_fifo(tmp_path: Path) -> None:
    """``-o /dev/null`` (or any device or FIFO) is written in place: an atomic rename
    over it would replace the device with a plain file, for the whole machine."""
    import stat
    import threading

    from auditor.cli.common import write_output

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    write_output("the report\n", str(fifo))
    reader.join(timeout=30)
    assert received == ["the report\n"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert not list(tmp_path.glob(".pipe.tmp*"))


def test_output_to_a_regular_file_is_replaced_whole(tmp_path: Path) -> None:
    from auditor.cli.common import write_output

    target = tmp_path / "report.txt"
    target.write_text("old and longer than the new one\n")
    write_output("new\n", str(target))
    assert target.read_text() == "new\n"
    assert not list(tmp_path.glob(".report.txt.tmp*"))
