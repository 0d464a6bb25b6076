"""``audit`` end to end against the fake index and the fake GitHub."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from auditor.collectors.backends.github.signals import NAMES as GITHUB_NAMES
from auditor.collectors.catalog import all_specs
from tests.audit.conftest import TOKEN
from tests.fakes.github_server import FakeGitHub

APP = "requests>=2.30\ntensorkit\nml-core\ngitlabby\nsneaky\n"
# These tests are about signals; their fixtures include risky packages, so the gate may
# fail (1). Exit codes themselves are tested in test_gate.py.
RAN = (0, 1)


def signals(doc: dict[str, Any], name: str) -> dict[str, Any]:
    pkg = next(p for p in doc["packages"] if p["name"] == name)
    sigs: dict[str, Any] = pkg["signals"]
    return sigs


def values(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return {k: v["value"] for k, v in signals(doc, name).items() if "value" in v}


def reasons(doc: dict[str, Any], name: str) -> dict[str, str]:
    return {k: v["unknown"] for k, v in signals(doc, name).items() if "unknown" in v}


def test_json_carries_every_signal_with_source_and_time(
    run: Any, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    result = run("audit", APP, "--format", "json")
    assert result.code in RAN, result.err
    doc = result.json()
    assert doc["schema_version"] == "2" and doc["tool"]["name"] == "auditor"
    catalog = set(all_specs())
    names = {p["name"] for p in doc["packages"]}
    assert {"requests", "urllib3", "tensorkit", "tinytok", "ml-core", "ml-io"} <= names
    for pkg in doc["packages"]:
        assert set(pkg["signals"]) == catalog, pkg["name"]
        for name, sig in pkg["signals"].items():
            assert sig["source"] and sig["fetched_at"], (pkg["name"], name)
            assert ("value" in sig) != ("unknown" in sig), (pkg["name"], name)
            assert "unknown" not in sig or sig["unknown"], (pkg["name"], name)

    # Most critical first: the direct requirements come before what they pull in.
    order = [p["name"] for p in doc["packages"]]
    assert order.index("tensorkit") < order.index("tinytok")

    tk = values(doc, "tensorkit")
    assert tk["index_publisher_count"] == 2  # alice and Alice are one account
    assert tk["index_organization"] == "aifoundry"
    assert tk["development_status"] == "5 - Production/Stable"
    assert tk["declared_inactive"] is False
    assert tk["funding_links_index"] == [
        {"platform": "open_collective", "url": "https://opencollective.com/tensorkit"}
    ]
    assert tk["repository_confidence"] == "high"
    assert tk["stars"] == 25000 and tk["archived"] is False  # from the fake GitHub
    tk_pkg = next(p for p in doc["packages"] if p["name"] == "tensorkit")
    assert tk_pkg["repository"]["url"] == "https://github.com/aifoundry/tensorkit"
    assert tk_pkg["direct"] is True and tk_pkg["origins"][0].endswith("requirements.txt:2")

    tiny = values(doc, "tinytok")
    assert tiny["declared_inactive"] is True and tiny["repository_confidence"] == "medium"
    assert values(doc, "gitlabby")["declared_planning"] is True
    assert values(doc, "ml-io")["latest_release_yanked"] is True
    assert values(doc, "ml-core")["requires_python"] == ">=3.9"
    # Known-null, not unknown: the project simply has no organisation.
    assert values(doc, "requests")["index_organization"] is None
    assert reasons(doc, "tensorkit")["truck_factor"].startswith("not collected: add --git")
    assert "no ownership data" in reasons(doc, "sneaky")["index_publishers"]
    # Recorded repository that GitHub has never heard of.
    assert reasons(doc, "requests")["stars"] == "repository not found on GitHub"


def test_monorepo_packages_are_collected_once(run: Any, github: FakeGitHub) -> None:
    github.anonymous_limit = 500
    result = run("audit", "ml-core\n", "--format", "json")
    assert result.code in RAN, result.err
    doc = result.json()
    paths = [r.path for r in github.requests]
    assert paths.count("/repos/megacorp/ml-monorepo") == 1
    assert paths.count("/repos/megacorp/ml-monorepo/contributors") == 1
    core, io = values(doc, "ml-core"), values(doc, "ml-io")
    assert core["contributors_count"] == io["contributors_count"]
    repos = {p["name"]: p["repository"]["url"] for p in doc["packages"]}
    assert repos == {
        "ml-core": "https://github.com/megacorp/ml-monorepo",
        "ml-io": "https://github.com/megacorp/ml-monorepo",
    }


def test_without_token_one_warning_says_what_a_token_adds(run: Any) -> None:
    result = run("audit", "tinytok\n")
    assert result.code in RAN
    warnings = [line for line in result.err.splitlines() if "token" in line]
    assert len(warnings) == 1
    assert "has_sponsors_listing" in warnings[0] and "GITHUB_TOKEN" in warnings[0]


def test_no_github_makes_github_signals_unknown(run: Any, github: FakeGitHub) -> None:
    result = run("audit", "tensorkit\n", "--no-github", "--format", "json")
    assert result.code in RAN, result.err
    doc = result.json()
    why = reasons(doc, "tensorkit")
    assert {why[n] for n in GITHUB_NAMES} == {"skipped (--no-github)"}
    assert values(doc, "tensorkit")["index_publisher_count"] == 2
    assert github.requests == []
    assert "github" in doc["collectors"]["skipped"]


def test_github_unreachable_degrades_to_unknown_with_a_warning(
    run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    result = run("audit", "tinytok\n", "--format", "json", api="http://127.0.0.1:9")
    assert result.code in RAN, result.err
    doc = result.json()
    why = reasons(doc, "tinytok")
    assert all(n in why for n in GITHUB_NAMES)
    assert "reach GitHub" in why["stars"] or "kept failing" in why["stars"]
    assert "warning: github: no signals for 1 package(s)" in result.err
    assert values(doc, "tinytok")["declared_inactive"] is True  # the index still answered
    assert any("no signals" in w for w in doc["warnings"])


def test_rejected_token_is_a_clear_error(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = "ghp_REJECTEDtoken0000000000000000"
    monkeypatch.setenv("GITHUB_TOKEN", bad)
    result = run("audit", "tinytok\n")
    assert result.code == 3
    assert "rejected the token" in result.err and "cannot be trusted" in result.err
    assert "Traceback" not in result.err
    assert bad not in result.err + result.out


def test_token_never_written_anywhere(
    run: Any, github: FakeGitHub, cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    report = tmp_path / "report.json"
    first = run("audit", APP, "--format", "json", "-o", str(report))
    second = run("audit", APP)  # text, from the cache
    assert first.code in RAN and second.code in RAN
    assert f"token {TOKEN}" in github.authorizations  # it was used...
    outputs = first.out + first.err + second.out + second.err + report.read_text()
    assert TOKEN not in outputs  # ...and never shown
    files = [p for p in cache_dir.rglob("*") if p.is_file()]
    assert any(p.name.startswith("cache.sqlite3") for p in files)
    for path in files:
        assert TOKEN.encode() not in path.read_bytes(), path


def test_non_github_and_private_links_are_recorded_not_fetched(
    run: Any, github: FakeGitHub
) -> None:
    result = run("audit", "gitlabby\nsneaky\n", "--format", "json")
    assert result.code in RAN, result.err
    doc = result.json()
    assert values(doc, "gitlabby")["repository_url"] == "https://gitlab.com/team/gitlabby"
    assert values(doc, "gitlabby")["repository_confidence"] == "low"
    assert "recorded, not fetched" in reasons(doc, "gitlabby")["stars"]
    sneaky = values(doc, "sneaky")
    assert sneaky["repository_url"].startswith("http://127.0.0.1:")
    assert "recorded, not fetched" in reasons(doc, "sneaky")["stars"]
    assert not [r for r in github.requests if "evil" in r.path]
    assert github.requests == []  # nothing on GitHub was even needed


def test_text_report_table_and_unknown_summary(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    result = run("audit", "tensorkit\n", "--format", "signals")
    assert result.code in RAN, result.err
    out = result.out
    for header in ("package", "publishers", "last release", "repository", "archived", "funding"):
        assert header in out
    assert "aifoundry/tensorkit" in out and "solodev/tinytok" in out
    assert "2 packages (1 direct, 1 transitive)" in out
    assert "signals unknown:" in out and "not collected: add --git" in out
    assert "truck factor" not in out


def test_git_flag_adds_the_truck_factor_column_and_vets_hosts(run: Any) -> None:
    # Only a non-GitHub repository here: --git must refuse it (host not allowed), offline.
    result = run("audit", "gitlabby\n", "--git", "--no-github", "--format", "json")
    assert result.code in RAN, result.err
    why = reasons(result.json(), "gitlabby")["truck_factor"]
    assert "not allowed for cloning" in why
    text = run("audit", "gitlabby\n", "--git", "--no-github", "--format", "signals")
    assert "truck factor" in text.out
