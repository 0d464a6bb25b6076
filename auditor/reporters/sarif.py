"""The report as SARIF 2.1.0, for GitHub code scanning (``upload-sarif``) and other viewers.

Why each choice:

- **One SARIF rule per auditor rule**, with the rule's summary, motivation and remediation
  as help, so an alert explains itself where it is shown.
- **``helpUri``** links each shipped rule to its section of docs/rules.md, and
  ``properties.security-severity`` (GitHub's 0-10 scale) follows the rule's severity, so
  code scanning sorts and labels alerts as it does its own.
- **Results sit on the user's own line.** A package the user never wrote is placed on the
  line of the direct requirement that pulls it in (the nearest one), and the message
  carries the path (``torch -> sympy -> mpmath``), because that line is what the user can
  change. **One result per rule and package**: the other requirements that pull it in
  are ``relatedLocations``, so one transitive package raises one alert, not ten.
- **Paths relative to the repository root** (``uriBaseId: %SRCROOT%``) when the file lies
  inside the checkout, or inside the working directory when there is no checkout: code
  scanning matches alerts to files by repository path, so an absolute runner path would
  match nothing.
- **Stable ``partialFingerprints``**: a hash of the rule and the package, not of line
  numbers, text or which requirement is nearest, so moving a line, rewording a rule or
  adding a requirement does not open a duplicate alert on the next run.
- **``automationDetails.id``** names the run's category from its inputs, so audits of two
  dependency files in one repository do not close each other's alerts.
- **Accepted findings are kept, as suppressed results**, so an alert closed by an
  acceptance in ``[tool.auditor]`` shows as suppressed instead of vanishing silently.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from auditor import __version__
from auditor.collectors.run import PackageAudit
from auditor.judge.report import ScoredReport
from auditor.judge.rules import Rule
from auditor.judge.scoring import Finding, PackageScore
from auditor.model import Requirement
from auditor.reporters.attention import (
    also_text,
    count_levels,
    display_level,
    evidence_gap,
    gate_line,
    nearest_parents,
    path_from_root,
    worst_first,
)
from auditor.reporters.interface import RenderContext, Reporter
from auditor.reporters.jsontext import dumps_indented
from auditor.reporters.ruledocs import help_uri
from auditor.reporters.sanitize import clean

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "auditorFinding/v2"
MAX_RELATED = 10
LEVEL_OF_SEVERITY = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
# GitHub's security-severity bands: critical > 9.0, high 7.0-8.9, medium 4.0-6.9, low < 4.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "2.0"}


class SarifReporter(Reporter):
    """``--format sarif``: one run, one rule per auditor rule, results on requirement lines."""

    def render(self, report: ScoredReport, context: RenderContext) -> str:
        return dumps_indented(sarif_document(report, context)) + "\n"


def fingerprint(rule_id: str, package: str) -> str:
    """Stable across runs: independent of line numbers, versions, wording and roots."""
    return hashlib.sha256(f"{rule_id}\0{package}".encode()).hexdigest()[:32]


def source_base(context: RenderContext) -> Path | None:
    """What ``%SRCROOT%`` stands for: the checkout, else the working directory."""
    return context.source_root or context.working_dir


def automation_id(report: ScoredReport, context: RenderContext) -> str:
    """``auditor/requirements.txt/``: the category (inputs, relative where possible);
    the trailing slash leaves the run id to the uploader."""
    names = []
    for text in report.result.graph.inputs:
        loc = artifact_location(text, context)
        names.append(loc["uri"] if "uriBaseId" in loc else Path(text).name or text)
    label = "+".join(names) or "audit"
    label = "".join(c if c.isalnum() or c in "._-+/" else "-" for c in clean(label))[:120]
    return f"auditor/{label}/"


def sarif_document(report: ScoredReport, context: RenderContext) -> dict[str, Any]:
    rules = _rules(report, context.rules)
    index = {r["id"]: i for i, r in enumerate(rules)}
    parents = nearest_parents(report)
    results: list[dict[str, Any]] = []
    for pkg in worst_first(report):
        score = report.score(pkg)
        for finding in score.findings:
            if finding.outcome != "hit":
                continue
            results.append(
                _result(
                    report,
                    pkg,
                    score,
                    finding,
                    index[finding.rule_id],
                    path_from_root(pkg.name, parents),
                    context,
                )
            )
    gap = evidence_gap(report.result)
    notices = [clean(w) for w in report.result.warnings]
    if gap.unknown:
        notices.append(clean(gap.line(reasons=3)))
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "auditor",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": rules,
            }
        },
        "automationDetails": {"id": automation_id(report, context)},
        "invocations": [
            {
                "executionSuccessful": True,
                "exitCode": report.gate.exit_code,
                "toolExecutionNotifications": [
                    {"level": "warning", "message": {"text": n}} for n in notices
                ],
            }
        ],
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {
            "gate": {
                "fail_on": report.fail_on,
                "strict": report.strict,
                "exit_code": report.gate.exit_code,
                "verdict": gate_line(report),
            },
            "levels": count_levels(report),
            "evidence": {"unknown_signals": gap.unknown, "signals": gap.total},
        },
    }
    base = source_base(context)
    if base is not None:
        run["originalUriBaseIds"] = {SRCROOT: {"uri": base.resolve().as_uri() + "/"}}
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _rules(report: ScoredReport, loaded: Sequence[Rule]) -> list[dict[str, Any]]:
    """Every loaded rule, plus any rule a finding names that was not passed in."""
    out: dict[str, dict[str, Any]] = {}
    for rule in loaded:
        out[rule.id] = _rule(
            rule.id, rule.summary, rule.motivation, rule.remediation, rule.severity, rule.kind
        )
    for score in report.scores.values():
        for f in score.findings:
            if f.rule_id not in out:
                out[f.rule_id] = _rule(f.rule_id, f.summary, "", f.remediation, f.severity, f.kind)
    return [out[k] for k in sorted(out)]


def _rule(
    rule_id: str, summary: str, motivation: str, remediation: str, severity: str, kind: str
) -> dict[str, Any]:
    motivation = " ".join(motivation.split())
    remediation = " ".join(remediation.split())
    text = f"{summary}\n\nWhy it matters: {motivation}\n\nWhat to do: {remediation}"
    markdown = (
        f"**{summary}**\n\n**Why it matters.** {motivation}\n\n**What to do.** {remediation}"
        f"\n\nSee why a package is here and every signal behind this: "
        f"`auditor explain PACKAGE`."
    )
    rule: dict[str, Any] = {
        "id": rule_id,
        "name": "".join(part.capitalize() for part in rule_id.split("-")),
        "shortDescription": {"text": summary},
        "fullDescription": {"text": motivation or summary},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": LEVEL_OF_SEVERITY.get(severity, "warning")},
        "properties": {
            "tags": ["maintainers", "bus-factor", f"{kind}-risk"],
            "severity": severity,
            "kind": kind,
            "security-severity": SECURITY_SEVERITY.get(severity, "5.5"),
        },
    }
    uri = help_uri(rule_id)
    if uri is not None:
        rule["helpUri"] = uri
    return rule


def _result(
    report: ScoredReport,
    pkg: PackageAudit,
    score: PackageScore,
    finding: Finding,
    rule_index: int,
    path: list[str],
    context: RenderContext,
) -> dict[str, Any]:
    """One result for the rule and package, on the nearest requirement's line; the other
    requirements that pull the package in become related locations."""
    graph = report.result.graph
    root = path[0]
    requirement = next(iter(graph.roots.get(root, ())), None)
    where = f" ({requirement.origin})" if requirement is not None else ""
    version = pkg.package.version or "?"
    others = [r for r in pkg.via if r != root]
    level = display_level(score, report)
    if root == pkg.name:
        text = f"{pkg.name} {version}{where}: {finding.summary}."
    else:
        text = (
            f"{pkg.name} {version}, pulled in by {root}{where} via {' -> '.join(path)}: "
            f"{finding.summary}."
        )
    if others:
        text += f" Also pulled in by {also_text(others, 3).removeprefix('also via ')}."
    text += (
        f" Package risk {level} ({score.risk}/100). Fix: {' '.join(finding.remediation.split())}"
    )
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": LEVEL_OF_SEVERITY.get(finding.severity, "warning"),
        "message": {"text": clean(text)},
        "locations": [_location(requirement, context)],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(finding.rule_id, pkg.name)},
        "properties": {
            "package": pkg.name,
            "version": pkg.package.version,
            "root": root,
            "roots": [root, *others],
            "path": path,
            "risk": {"level": level, "score": score.risk},
            "severity": finding.severity,
            "security-severity": SECURITY_SEVERITY.get(finding.severity, "5.5"),
        },
    }
    related = []
    for i, other in enumerate(others[:MAX_RELATED]):
        req = next(iter(graph.roots.get(other, ())), None)
        loc = _location(req, context)
        loc["id"] = i
        loc["message"] = {"text": clean(f"{pkg.name} is also pulled in by {other}")}
        related.append(loc)
    if related:
        result["relatedLocations"] = related
    if finding.acceptance is not None and not finding.acceptance.expired:
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": finding.acceptance.describe(),
            }
        ]
    return result


def _location(requirement: Requirement | None, context: RenderContext) -> dict[str, Any]:
    if requirement is None:
        return {"physicalLocation": {"artifactLocation": {"uri": "requirements"}}}
    artifact = artifact_location(requirement.origin.path, context)
    physical: dict[str, Any] = {"artifactLocation": artifact}
    if requirement.origin.line is not None and requirement.origin.line >= 1:
        physical["region"] = {"startLine": requirement.origin.line}
    return {"physicalLocation": physical}


def artifact_location(path_text: str, context: RenderContext) -> dict[str, str]:
    """A path relative to ``%SRCROOT%`` when inside the checkout (or, with none, the
    working directory); else an absolute ``file:`` URI, or the path as written.

    Relative inputs are taken relative to ``context.working_dir`` (the CLI's current
    directory) before being compared with the root; the library never reads the cwd.
    """
    path = Path(path_text)
    root = source_base(context)
    if not path.is_absolute() and context.working_dir is not None:
        path = context.working_dir / path
    if root is not None and path.is_absolute():
        try:
            relative = path.resolve().relative_to(root.resolve())
        except ValueError:
            pass
        else:
            return {"uri": quote(PurePosixPath(*relative.parts).as_posix()), "uriBaseId": SRCROOT}
    if path.is_absolute():
        return {"uri": path.as_uri()}
    return {"uri": quote(PurePosixPath(*Path(path_text).parts).as_posix())}
