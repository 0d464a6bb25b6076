"""The CI gate end to end: scoring wired into ``audit``, through ``auditor.cli.main``.

Two synthetic stacks on the fake index and the fake GitHub:

- ``solokit``: ONE publishing account, its source an archived repository
  (oldlab/legacy-nn): a known risky package that must fail the default gate;
- ``orgkit``: several publishers in an index organisation, its source the org-backed
  aifoundry/tensorkit (many contributors, not archived): a healthy stack that passes.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.audit.conftest import HEALTHY, RISKY, TOKEN, add_gate_stacks
from tests.fakes import FakeIndex
from tests.fakes.github_server import FakeGitHub


@pytest.fixture(autouse=True)
def stacks(index: FakeIndex, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    add_gate_stacks(index)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    # Acceptances are read from the working directory: keep the repository's out.
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)


def schema() -> dict[str, Any]:
    text = resources.files("auditor").joinpath("schemas/report.schema.json").read_text()
    doc: dict[str, Any] = json.loads(text)
    return doc


def validate(doc: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator.check_schema(schema())
    jsonschema.Draft202012Validator(
        schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(doc)


def package(doc: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(p for p in doc["packages"] if p["name"] == name)
    return found


def write_policy(path: Path, expires: str, rule: str | None = "archived-repository") -> Path:
    rule_line = f'rule = "{rule}"\n' if rule else ""
    path.write_text(
        "[tool.auditor]\n\n[[tool.auditor.accept]]\n"
        f'package = "solokit"\n{rule_line}reason = "replacing it this quarter"\n'
        f"expires = {expires}\n"
    )
    return path


# -- pass and fail ---------------------------------------------------------------------


def test_risky_stack_fails_the_default_gate(run: Any) -> None:
    result = run("audit", RISKY)
    assert result.code == 1, result.err
    assert result.out.startswith("auditor FAIL (exit 1, --fail-on high)")
    # Under the requirement that brings it in (itself: a direct requirement), one line.
    lines = result.out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("solokit "))
    assert "requirements.txt:1" in lines[header]
    row = lines[header + 1]
    assert row.split()[:2] == ["high", "solokit"] and "archived" in row
    assert "gate: solokit: high risk" in result.err
    assert "archived-repository" in result.err and "single-publisher" in result.err
    assert "Traceback" not in result.err


def test_healthy_stack_passes(run: Any) -> None:
    result = run("audit", HEALTHY, "--format", "json")
    assert result.code == 0, result.err
    doc = result.json()
    validate(doc)
    risk = package(doc, "orgkit")["risk"]
    # No rule hits, but without --git the truck factor and the commit-based rules are
    # undecided (over the high band's worth of points): "unknown", not a green "none".
    assert risk["level"] == "unknown" and risk["score"] == 0
    assert doc["summary"]["levels"]["unknown"] == 1 and doc["summary"]["levels"]["none"] == 0
    outcomes = {f["rule"]: f["outcome"] for f in risk["findings"]}
    assert outcomes["archived-repository"] == "pass"
    assert outcomes["single-publisher"] == "pass"
    assert outcomes["truck-factor-one"] == "unknown"  # no --git: undecided, never "pass"
    assert doc["summary"]["gate"] == {
        "fail_on": "high",
        "strict": False,
        "exit_code": 0,
        "failing": [],
        "reasons": [],
    }
    assert "gate:" not in result.err


def test_fail_on_critical_lets_the_risky_stack_pass(run: Any) -> None:
    assert run("audit", RISKY, "--fail-on", "critical").code == 0


def test_fail_on_low_fails_on_a_single_medium_finding(run: Any) -> None:
    # gitlabby: one publisher (medium); --no-github so nothing else is known.
    assert run("audit", "gitlabby\n", "--no-github").code == 0
    assert run("audit", "gitlabby\n", "--no-github", "--fail-on", "medium").code == 1


def test_bad_fail_on_is_a_usage_error(run: Any) -> None:
    result = run("audit", RISKY, "--fail-on", "severe")
    assert result.code == 2 and "invalid choice" in result.err


def test_the_text_report_is_worst_first(run: Any) -> None:
    result = run("audit", RISKY + HEALTHY, "--all")
    assert result.code == 1
    rows = [
        line.split()[1]
        for line in result.out.splitlines()
        if line.startswith("  ") and line.split()[1:2] in (["solokit"], ["orgkit"])
    ]
    assert rows == ["solokit", "orgkit"]
    doc = run("audit", RISKY + HEALTHY, "--format", "json").json()
    levels = {p["name"]: p["risk"]["level"] for p in doc["packages"]}
    assert levels["solokit"] == "high"
    assert "1 high" in result.out and f"1 {levels['orgkit']}" in result.out
    # Without --all only what needs attention (medium and above, and unknown) is listed.
    short = run("audit", RISKY + HEALTHY)
    listed = levels["orgkit"] in ("medium", "high", "critical", "unknown")
    assert " solokit " in short.out and (" orgkit " in short.out) == listed
    # The raw signals table is still there, on demand.
    signals = run("audit", RISKY, "--format", "signals")
    assert signals.code == 1 and "publishers" in signals.out and "archived" in signals.out


# -- strict ----------------------------------------------------------------------------


def test_strict_with_unknown_signals_on_a_direct_package_is_untrustworthy(run: Any) -> None:
    result = run("audit", HEALTHY, "--no-github", "--strict", "--format", "json")
    assert result.code == 3, result.err
    assert "--strict: the result is untrustworthy" in result.err
    assert "orgkit: " in result.err and "archived" in result.err
    doc = result.json()
    validate(doc)
    assert doc["summary"]["gate"]["exit_code"] == 3
    assert doc["summary"]["gate"]["failing"][0]["kind"] == "unknown"
    # Without --strict the same evidence passes: unknown is shown, not failed on.
    assert run("audit", HEALTHY, "--no-github").code == 0


def test_strict_risk_wins_over_unknown(run: Any) -> None:
    assert run("audit", RISKY, "--strict").code == 1


def test_strict_passes_when_nothing_at_the_threshold_is_undecided(run: Any) -> None:
    assert run("audit", HEALTHY, "--strict", "--fail-on", "critical").code == 0


# -- acceptances -----------------------------------------------------------------------


def test_live_acceptance_hides_the_finding(run: Any) -> None:
    write_policy(Path(".auditor.toml"), "2999-12-31", rule=None)
    result = run("audit", RISKY, "--format", "json")
    assert result.code == 0, result.err
    doc = result.json()
    validate(doc)
    risk = package(doc, "solokit")["risk"]
    assert risk["level"] in ("none", "unknown") and risk["score"] == 0
    hit = next(f for f in risk["findings"] if f["rule"] == "archived-repository")
    assert hit["outcome"] == "hit" and hit["acceptance"].startswith("accepted until 2999-12-31")
    assert "expired" not in result.err


def test_expired_acceptance_stops_hiding_and_says_so(run: Any) -> None:
    write_policy(Path("pyproject.toml"), "2020-01-01")
    result = run("audit", RISKY)
    assert result.code == 1
    assert "note: solokit / archived-repository: acceptance expired on 2020-01-01" in result.err
    assert "renew the acceptance" in result.err


def test_policy_flag_reads_a_file_elsewhere(run: Any, tmp_path: Path) -> None:
    policy = write_policy(tmp_path / "team-policy.toml", "2999-12-31", rule=None)
    assert run("audit", RISKY, "--policy", str(policy)).code == 0
    missing = run("audit", RISKY, "--policy", str(tmp_path / "nope.toml"))
    assert missing.code == 2 and "nope.toml does not exist" in missing.err


def test_broken_policy_is_an_input_error(run: Any, github: FakeGitHub) -> None:
    Path(".auditor.toml").write_text('[[accept]]\npackage = "solokit"\nexpires = "soon"\n')
    result = run("audit", RISKY)
    assert result.code == 2
    assert "accept[0].reason: missing" in result.err and "accept[0].expires" in result.err
    assert github.requests == []  # rejected before any network work


def test_acceptance_for_one_rule_leaves_the_others(run: Any) -> None:
    write_policy(Path(".auditor.toml"), "2999-12-31", rule="archived-repository")
    result = run("audit", RISKY, "--format", "json")
    risk = package(result.json(), "solokit")["risk"]
    assert risk["level"] == "medium"  # the single publisher still counts
    assert result.code == 0 and "acceptance" not in result.err


# -- baseline --------------------------------------------------------------------------


def test_baseline_with_the_same_report_passes(run: Any, tmp_path: Path) -> None:
    report = tmp_path / "previous.json"
    first = run("audit", RISKY, "--format", "json", "-o", str(report))
    assert first.code == 1 and first.out == ""
    validate(json.loads(report.read_text()))
    again = run("audit", RISKY, "--baseline", str(report), "--format", "json")
    assert again.code == 0, again.err
    doc = again.json()
    validate(doc)
    assert package(doc, "solokit")["risk"]["baseline"] == {"previous": "high", "status": "same"}
    assert doc["summary"]["baseline"] == str(report)


def test_baseline_fails_on_a_worse_package(run: Any, tmp_path: Path) -> None:
    report = tmp_path / "previous.json"
    write_policy(Path(".auditor.toml"), "2999-12-31", rule=None)
    assert run("audit", RISKY, "--format", "json", "-o", str(report)).code == 0
    Path(".auditor.toml").unlink()
    result = run("audit", RISKY, "--baseline", str(report))
    assert result.code == 1
    previous = package(json.loads(report.read_text()), "solokit")["risk"]["level"]
    assert f"worse than the baseline's {previous}" in result.err


def test_baseline_fails_on_a_new_risky_package(run: Any, tmp_path: Path) -> None:
    report = tmp_path / "previous.json"
    assert run("audit", HEALTHY, "--format", "json", "-o", str(report)).code == 0
    result = run("audit", HEALTHY + RISKY, "--baseline", str(report))
    assert result.code == 1 and "new since the baseline" in result.err


def test_baseline_that_is_not_a_report_is_an_input_error(run: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"packages": [\n  {"name": "x"}\n')
    result = run("audit", RISKY, "--baseline", str(bad))
    assert result.code == 2 and f"{bad}:3: baseline is not JSON" in result.err


# -- rules and taxonomy ----------------------------------------------------------------


def test_broken_rule_directory_lists_every_problem(
    run: Any, tmp_path: Path, github: FakeGitHub
) -> None:
    rules = tmp_path / "my-rules"
    rules.mkdir()
    (rules / "typo.toml").write_text(
        'id = "mine"\nsummary = "s"\nmotivation = "m"\nremediation = "r"\n'
        'severity = "hgh"\nkind = "person"\n[when]\nsignal = "truck_factr"\nop = "=="\n'
        "value = 1\n"
    )
    (rules / "syntax.toml").write_text('id = "broken\n')
    result = run("audit", RISKY, "--rules", str(rules))
    assert result.code == 2
    assert "typo.toml: severity: 'hgh' is not one of" in result.err
    assert "typo.toml: when.signal: unknown signal 'truck_factr'" in result.err
    assert "syntax.toml:1: invalid TOML" in result.err
    assert "Traceback" not in result.err
    assert github.requests == []  # rejected before any network work


def test_user_rules_and_taxonomy_are_added(run: Any, tmp_path: Path) -> None:
    rules = tmp_path / "my-rules"
    rules.mkdir()
    (rules / "beta.toml").write_text(
        'id = "still-beta"\nsummary = "Still in beta"\nmotivation = "m"\n'
        'remediation = "Wait for 1.0."\nseverity = "critical"\nkind = "person"\n'
        '[when]\nsignal = "development_status"\nop = "=="\nvalue = "4 - Beta"\n'
    )
    taxonomy = tmp_path / "mine.toml"
    taxonomy.write_text('[category.inference-runtime]\npackages = ["solokit"]\n')
    result = run(
        "audit",
        RISKY,
        "--rules",
        str(rules),
        "--taxonomy",
        str(taxonomy),
        "--fail-on",
        "critical",
        "--format",
        "json",
    )
    assert result.code == 1
    doc = result.json()
    validate(doc)
    pkg = package(doc, "solokit")
    assert pkg["categories"] == ["inference-runtime"] and pkg["serving_path"] is True
    assert pkg["risk"]["level"] == "critical"
    factors = [c["factor"] for c in pkg["risk"]["contributions"]]
    assert "rule:still-beta" in factors and "serving-path" in factors
    assert sum(c["points"] for c in pkg["risk"]["contributions"]) == pkg["risk"]["score"]


def test_missing_rule_directory_is_an_input_error(run: Any, tmp_path: Path) -> None:
    result = run("audit", RISKY, "--rules", str(tmp_path / "absent"))
    assert result.code == 2 and "does not exist" in result.err


# -- the JSON report -------------------------------------------------------------------


def test_full_report_validates_against_the_shipped_schema(run: Any) -> None:
    app = "requests>=2.30\ntensorkit\nml-core\ngitlabby\nsneaky\n" + RISKY + HEALTHY
    result = run("audit", app, "--format", "json")
    assert result.code == 1
    doc = result.json()
    validate(doc)
    summary = doc["summary"]
    assert sum(summary["levels"].values()) == summary["packages"] == len(doc["packages"])
    failing = {f["name"] for f in summary["gate"]["failing"]}
    assert "solokit" in failing and "orgkit" not in failing
    for pkg in doc["packages"]:
        risk = pkg["risk"]
        assert sum(c["points"] for c in risk["contributions"]) == risk["score"], pkg["name"]
        for f in risk["findings"]:
            undecided = [e for e in f["evidence"] if e["result"] is None]
            assert f["outcome"] != "unknown" or undecided, (pkg["name"], f["rule"])


def test_schema_rejects_a_report_without_risk() -> None:
    doc = {
        "schema_version": "1",
        "tool": {"name": "auditor", "version": "0"},
        "target": {"inputs": [], "python_version": "3.12", "platform": "linux"},
        "collectors": {"run": [], "skipped": []},
        "packages": [{"name": "x", "version": "1"}],
        "unknown_summary": [],
        "warnings": [],
    }
    with pytest.raises(jsonschema.ValidationError):
        validate(doc)


# -- explain ---------------------------------------------------------------------------


def test_explain_shows_outcomes_risk_state_and_what_lowers_it(run: Any) -> None:
    result = run("explain", RISKY, "solokit")
    assert result.code == 0, result.err
    out = result.out
    assert "risk: high" in out and "+25  rule:archived-repository" in out
    assert "state: abandoned" in out
    assert "[HIT] archived-repository (high, person)" in out
    assert "archived = true, == true -> yes   [github:oldlab/legacy-nn]" in out
    assert "[pass] declared-inactive" in out
    assert "[unknown] truck-factor-one" in out
    assert "what would lower its risk:" in out
    assert "archived-repository: Look for a maintained fork" in out
    git_line = next(line for line in out.splitlines() if "to decide" in line and "--git" in line)
    assert "truck-factor-one" in git_line and "truck_factor" in git_line


def test_explain_json_and_acceptances(run: Any) -> None:
    write_policy(Path(".auditor.toml"), "2020-01-01")
    result = run("explain", RISKY, "solokit", "--no-github", "--format", "json")
    assert result.code == 0, result.err
    doc = result.json()
    assert doc["risk"]["level"] == "medium" and doc["categories"] == []
    actions = {a["action"] for a in doc["lower_risk"]["resolve_unknowns"]}
    assert "run without --no-github" in actions
    # One publisher is weak alone (low); with no release in two years it weighs more.
    assert [r["rule"] for r in doc["lower_risk"]["remediations"]] == [
        "single-publisher-stale",
        "no-release-two-years",
        "single-publisher",
    ]
    # The acceptance targets a rule GitHub would decide; nothing to say while unknown.
    assert "matches no finding" not in result.err


def test_quiet_keeps_stderr_clean_but_not_the_exit_code(run: Any) -> None:
    write_policy(Path(".auditor.toml"), "2020-01-01")
    result = run("audit", RISKY, "-q")
    assert result.code == 1
    assert "gate:" not in result.err and "note:" not in result.err
    assert "FAIL (exit 1, --fail-on high)" in result.out


def test_help_documents_formats_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    from auditor.cli import main

    assert main(["audit", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    for text in ("--fail-on", "--strict", "--baseline", "--policy", "--rules", "--taxonomy"):
        assert text in out
    assert "signals: the raw signals table" in out
    assert "1 risk at or above it" in out and "3 untrustworthy result" in out
