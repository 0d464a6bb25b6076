"""Every fault mode x default gate / --strict / the next run on the same cache.

The stack is ``orgkit``: healthy when every source answers (exit 0), so any other exit
code below is the fault's doing. For each fault the run must: exit with the code the
README's exit-code table documents, say on stderr what failed and for which package,
and never show what it could not learn as healthy (no values, no "pass", no "none" for
a package whose data source failed). The next run on the same cache, with the fault
still there, must give the same answer (the failure was not cached as a fact); once
the source answers again, the audit is whole.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import auditor.index.client as client_module
from auditor.cli import main
from tests.audit.conftest import HEALTHY, TOKEN, add_gate_stacks
from tests.audit.test_gate import validate
from tests.fakes import FakeIndex
from tests.fakes.github_server import FakeGitHub, Fault

INDEX_SIGNALS = ("index_publishers", "index_organization", "days_since_release")
GITHUB_SIGNALS = ("archived", "stars", "contributors_count")


@pytest.fixture(autouse=True)
def stacks(index: FakeIndex, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    add_gate_stacks(index)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    # A read timeout in tenths of a second, so the timeout mode is quick.
    monkeypatch.setattr(client_module, "DEFAULT_TIMEOUT", (2.0, 0.3))


@dataclass(frozen=True)
class Mode:
    """One fault: how to cause it, the exit codes (default, --strict), what stderr says."""

    inject: Callable[[FakeIndex, FakeGitHub], None]
    default: int
    strict: int
    says: str  # a phrase of the warning that names the failure
    source: str  # "index" (the project JSON) or "github"


MODES = {
    "json-500": Mode(
        lambda i, g: i.fail("/pypi/orgkit/json", 500), 3, 3, "server error (HTTP 500)", "index"
    ),
    "json-404-listed": Mode(
        lambda i, g: i.fail("/pypi/orgkit/json", 404), 3, 3, "simple API lists", "index"
    ),
    "json-malformed": Mode(
        lambda i, g: i.malformed("/pypi/orgkit/json"), 3, 3, "not valid JSON", "index"
    ),
    "json-wrong-shape": Mode(
        lambda i, g: i.wrong_shape("/pypi/orgkit/json"), 3, 3, "not a project document", "index"
    ),
    "json-timeout": Mode(
        lambda i, g: i.delay(0.8, "/pypi/orgkit/json"), 3, 3, "timed out", "index"
    ),
    "github-5xx": Mode(
        lambda i, g: g.add_fault(Fault(prefix="/", status=502)), 0, 3, "server error", "github"
    ),
    "github-secondary-rate-limit": Mode(
        lambda i, g: g.add_fault(
            Fault(
                prefix="/",
                status=403,
                retry_after=1,
                message="You have exceeded a secondary rate limit.",
            )
        ),
        0,
        3,
        "rate limit",
        "github",
    ),
}


def package(doc: dict[str, Any], name: str = "orgkit") -> dict[str, Any]:
    found: dict[str, Any] = next(p for p in doc["packages"] if p["name"] == name)
    return found


def check_unknown_not_healthy(doc: dict[str, Any], mode: Mode) -> None:
    """What the fault hid is unknown with its reason, in signals, findings and levels."""
    pkg = package(doc)
    lost = GITHUB_SIGNALS + (INDEX_SIGNALS if mode.source == "index" else ())
    for name in lost:
        sig = pkg["signals"][name]
        assert "value" not in sig and sig["unknown"], (name, sig)
    for finding in pkg["risk"]["findings"]:
        if finding["outcome"] == "pass" and any(e["signal"] in lost for e in finding["evidence"]):
            # A pass may rest only on evidence the fault did not touch (a known value
            # that rules the condition out), never on what was lost.
            assert any(
                e["signal"] not in lost and e["result"] is False for e in finding["evidence"]
            ), finding
    if mode.source == "index":
        assert mode.says in pkg["signals"]["index_publishers"]["unknown"]
        assert "repository link is unknown" in pkg["signals"]["archived"]["unknown"]
        levels = doc["summary"]["levels"]
        assert levels["none"] == 0 and levels["unknown"] == 1, levels
        failing = doc["summary"]["gate"]["failing"]
        assert {"name": "orgkit", "kind": "unknown"}.items() <= failing[0].items()
    else:
        assert mode.says in pkg["signals"]["archived"]["unknown"].lower()


@pytest.mark.parametrize("mode_name", list(MODES))
def test_fault_matrix(run: Any, index: FakeIndex, github: FakeGitHub, mode_name: str) -> None:
    mode = MODES[mode_name]
    mode.inject(index, github)
    for flags, expected in (((), mode.default), (("--strict",), mode.strict)):
        for attempt in ("first run", "next run, same cache"):
            result = run("audit", HEALTHY, "--format", "json", *flags)
            where = f"{mode_name} {flags} {attempt}"
            assert result.code == expected, (where, result.err)
            assert "Traceback" not in result.err, result.err
            warnings = [line for line in result.err.splitlines() if line.startswith("warning:")]
            assert any(mode.says in w.lower() or mode.says in w for w in warnings), (
                where,
                result.err,
            )
            if mode.source == "index":
                assert any("orgkit" in w for w in warnings), result.err
            doc = result.json()
            validate(doc)
            check_unknown_not_healthy(doc, mode)
            assert doc["summary"]["gate"]["exit_code"] == expected
    # The source answers again: nothing of the failure was remembered.
    index.clear_faults()
    github.faults.clear()
    healed = run("audit", HEALTHY, "--format", "json")
    assert healed.code == 0, healed.err
    signals = package(healed.json())["signals"]
    assert signals["index_organization"]["value"] == "aifoundry"
    assert signals["archived"]["value"] is False
    if mode_name == "json-timeout":
        time.sleep(1.0)  # let abandoned answers leave before the fake stops


def test_an_index_without_the_json_api_is_a_fact_not_a_fault(run: Any, index: FakeIndex) -> None:
    """A plain mirror: the simple API works, every project JSON is 404. Said once; the
    gate judges what is known (no exit 3 on every audit against such a mirror)."""
    index.fail("/pypi/", 404)
    for flags, expected in (((), 0), (("--strict",), 3)):
        result = run("audit", "requests>=2.30\n", "--no-github", "--format", "json", *flags)
        assert result.code == expected, result.err
        assert "seems to offer no project JSON API" in result.err
        doc = result.json()
        # Not a fault: nothing fails the gate for a source failing (rules undecided by
        # the missing API may still leave packages at level unknown, as without it).
        if not flags:
            assert doc["summary"]["gate"]["failing"] == []
        reason = package(doc, "requests")["signals"]["index_publishers"]["unknown"]
        assert "no project JSON API" in reason


def test_the_text_report_shows_unknown_not_none(run: Any, index: FakeIndex) -> None:
    index.fail("/pypi/orgkit/json", 500)
    result = run("audit", HEALTHY)
    assert result.code == 3
    row = next(
        line for line in result.out.splitlines() if line.startswith("  ") and " orgkit " in line
    )
    assert row.split()[0] == "unknown" and "none" not in row
    assert "risk unknown: the index" in row  # the reason column says what failed
    assert "1 unknown, 0 low, 0 none" in result.out
    assert "gate: orgkit: risk unknown" in result.err
    markdown = run("audit", HEALTHY, "--format", "markdown")
    assert re.search(r"\| \*\*orgkit\*\* \| 2\.0 \| [^|]*unknown[^|]*\| risk unknown", markdown.out)
    page = run("audit", HEALTHY, "--format", "html")
    assert '"level": "unknown"' in page.out or '"level":"unknown"' in page.out


def test_wrong_shape_rows_in_the_cache_warn_and_are_refetched(run: Any, cache_dir: Path) -> None:
    assert run("audit", HEALTHY).code == 0
    db = cache_dir / "cache.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("update entries set value = '[\"another version\"]'")
        conn.execute("update entries set value = '{broken' where namespace = 'simple'")
    for attempt in ("damaged", "rewritten"):
        result = run("audit", HEALTHY, "--format", "json")
        assert result.code == 0, (attempt, result.err)
        assert "Traceback" not in result.err and "internal error" not in result.err
        assert package(result.json())["signals"]["index_organization"]["value"] == "aifoundry"
        if attempt == "damaged":
            assert "wrong shape" in result.err
        else:
            assert "wrong shape" not in result.err  # the refetch overwrote the rows


# -- lock files: the index unreachable, or --offline with nothing cached -------------------

UV_LOCK = Path(__file__).resolve().parents[1] / "sources" / "data" / "uv" / "uv.lock"
PYLOCK = Path(__file__).resolve().parents[1] / "sources" / "data" / "pylock" / "pylock.toml"


@pytest.mark.parametrize("lock", [UV_LOCK, PYLOCK], ids=["uv.lock", "pylock.toml"])
@pytest.mark.parametrize("how", ["unreachable", "offline-empty-cache"])
@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
def test_a_lock_file_without_its_index_is_untrustworthy(
    lock: Path,
    how: str,
    strict: bool,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    copy = tmp_path / "app" / lock.name
    copy.parent.mkdir()
    shutil.copy(lock, copy)
    flags = ["--index-url", "http://127.0.0.1:9/simple"] if how == "unreachable" else ["--offline"]
    for _attempt in ("first run", "next run, same cache"):
        code = main(
            [
                "audit",
                str(copy),
                "--no-github",
                "--cache-dir",
                str(tmp_path / "cache"),
                "--format",
                "json",
                *flags,
                *(["--strict"] if strict else []),
            ]
        )
        out, err = capsys.readouterr()
        assert code == 3, err
        assert "Traceback" not in err
        assert "cannot read the package index" in err or "offline" in err, err
        if out.strip():  # the audit finished: every package is unknown, none is "none"
            doc = json.loads(out)
            assert doc["summary"]["levels"]["none"] == 0
            assert doc["summary"]["levels"]["unknown"] == len(doc["packages"])


def test_explain_says_the_risk_is_unknown_and_why(run: Any, index: FakeIndex) -> None:
    index.fail("/pypi/orgkit/json", 500)
    result = run("explain", "orgkit\n", "orgkit")
    assert "risk: unknown (the index's project JSON could not be read" in result.out
    assert "risk: none" not in result.out
    assert "unknown: the index's project JSON could not be read" in result.out  # repository


def test_two_audits_on_a_fresh_cache_both_use_it(
    index: FakeIndex, github: FakeGitHub, tmp_path: Path
) -> None:
    """Two CI jobs (or a laptop and a pre-commit hook) starting at the same moment."""
    import os
    import subprocess
    import sys

    reqs = tmp_path / "requirements.txt"
    reqs.write_text(HEALTHY)
    env = {
        **os.environ,
        "PIP_INDEX_URL": index.simple_url,
        "PIP_CONFIG_FILE": os.devnull,
        "GITHUB_TOKEN": TOKEN,
    }
    argv = [
        sys.executable,
        "-m",
        "auditor",
        "audit",
        str(reqs),
        "--python-version",
        "3.12",
        "--platform",
        "linux",
        "--cache-dir",
        str(tmp_path / "fresh-cache"),
        "--github-api-url",
        github.base_url,
        "--max-wait",
        "1",
    ]
    procs = [
        subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    for proc in procs:
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        assert "cache" not in err, err  # no "cannot use the cache ... continuing without it"


@pytest.mark.parametrize("fault", ["index-unreachable", "token-rejected"])
def test_failures_that_stop_the_audit(
    run: Any, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    """No partial audit here: the error names the source, 3 in every mode, every run."""
    if fault == "index-unreachable":
        monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
        says = "cannot read the package index"
    else:
        monkeypatch.setenv("GITHUB_TOKEN", "ghp_wrong_token_value")
        says = "rejected the token"
    for flags in ((), ("--strict",), ()):
        result = run("audit", HEALTHY, *flags)
        assert result.code == 3, result.err
        assert says in result.err and "Traceback" not in result.err
        assert "ghp_wrong_token_value" not in result.err + result.out
