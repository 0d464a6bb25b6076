"""Real dependency files that used to stop with exit 2 and no audit at all.

Each test is a trimmed copy of such a file (names and pins kept, most lines cut) on the
fake index, run through the command line as a user would.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.cli import audit_main, main
from tests.fakes import FakeIndex, Release

TARGET = ["--python-version", "3.12", "--platform", "linux", "--no-github"]
#: a vendor's CUDA wheel index this machine cannot reach (a closed loopback port)
VENDOR_INDEX = "http://127.0.0.1:9/whl/cu128"


def audit_json(
    index: FakeIndex,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *args: str,
    command: str = "audit",
) -> tuple[int, dict[str, dict[str, object]], str]:
    """Exit code, packages by name and stderr of ``audit`` (or ``graph``) as JSON."""
    monkeypatch.setenv("PIP_INDEX_URL", index.simple_url)
    if command == "audit":
        code = audit_main([*args, *TARGET, "--format", "json"])
    else:
        code = main([command, *args, *TARGET[:4], "--format", "json"])
    captured = capsys.readouterr()
    doc = json.loads(captured.out) if captured.out.strip() else {}
    packages = {p["name"]: p for p in doc.get("packages", [])}
    return code, packages, captured.err


# -- a pin that only an unreachable vendor index has --------------------------------------

SGLANG_LIKE = f"""\
# trimmed from an inference server's requirements (CUDA 12.8 build)
--extra-index-url {VENDOR_INDEX}
requests==2.34.2
flashinfer-python==0.6.18.post1
flashinfer-cubin==0.6.18.post1
"""


def _flashinfer(index: FakeIndex) -> None:
    index.add_project(
        "flashinfer-python",
        [Release("0.6.18.post1", requires_dist=["flashinfer-cubin==0.6.18.post1", "idna>=3"])],
    )
    # the public index has older cubin builds only; the pinned one is on the vendor index
    index.add_project("flashinfer-cubin", [Release("0.6.17"), Release("0.6.16")])


def test_vendor_only_pin_stays_unresolvable_and_the_rest_is_audited(
    fake_index: FakeIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _flashinfer(fake_index)
    reqs = tmp_path / "requirements.txt"
    reqs.write_text(SGLANG_LIKE)
    code, audited, err = audit_json(fake_index, monkeypatch, capsys, str(reqs))
    assert code in (0, 1), err
    assert {"flashinfer-cubin", "flashinfer-python", "requests", "idna"} <= set(audited)
    assert f"extra index {VENDOR_INDEX}" in err
    code, packages, err = audit_json(fake_index, monkeypatch, capsys, str(reqs), command="graph")
    assert code == 0, err
    cubin = packages["flashinfer-cubin"]
    assert cubin["status"] == "unresolvable"
    assert "pinned version (==0.6.18.post1) not on any reachable index" in str(cubin["reason"])
    assert f"the index {VENDOR_INDEX} could not be reached" in str(cubin["reason"])
    assert cubin["dependencies_known"] is False
    # the rest is resolved as usual, transitive dependencies included
    assert packages["flashinfer-python"]["version"] == "0.6.18.post1"
    assert packages["requests"]["version"] == "2.34.2"
    assert {"idna", "urllib3", "certifi"} <= set(packages)


def test_missing_pin_without_an_unreachable_index_is_still_an_error(
    fake_index: FakeIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """No index failed, so "not on the index" is a definite answer: exit 2 as before."""
    _flashinfer(fake_index)
    reqs = tmp_path / "requirements.txt"
    reqs.write_text(SGLANG_LIKE.replace(f"--extra-index-url {VENDOR_INDEX}\n", ""))
    code, _, err = audit_json(fake_index, monkeypatch, capsys, str(reqs))
    assert code == 2
    assert "flashinfer-cubin" in err
