"""The report as SARIF 2.1.0, for GitHub code scanning (``upload-sarif``) and other viewers.

Why each choice:

- **One SARIF rule per auditor rule**, with the rule's summary, motivation and remediation
  as help, so an alert explains itself where it is shown.
- **Results sit on the user's own line.** A package the user never wrote is placed on the
  line of the direct requirement that pulls it in, and the message carries the path
  (``torch -> sympy -> mpmath``), because that line is what the user can change. A package
  pulled in by several requirements gets one result per requirement.
- **Paths relative to the repository root** (``uriBaseId: %SRCROOT%``) when the file lies
  inside it: code scanning matches alerts to files by repository path, so an absolute
  runner path would match nothing.
- **Stable ``partialFingerprints``**: a hash of the rule, the package and the root
  requirement, not of line numbers or text, so moving a line or rewording a rule does not
  open a duplicate alert on the next run.
- **Accepted findings are kept, as suppressed results**, so an alert closed by an
  acceptance in ``[tool.auditor]`` shows as suppressed instead of vanishing silently.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

import networkx as nx

from auditor import __version__
from auditor.collectors.run import PackageAudit
from auditor.judge.report import ScoredReport
from auditor.judge.rules import Rule
from auditor.judge.scoring import Finding, PackageScore
from auditor.model import Requirement
from auditor.reporters.interface import RenderContext, Reporter
from auditor.reporters.sanitize import clean

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "auditorFinding/v1"
MAX_ROOTS = 10
LEVEL_OF_SEVERITY = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}


class SarifReporter(Reporter):
    """``--format sarif``: one run, one rule per auditor rule, results on requirement lines."""

    def render(self, report: ScoredReport, context: RenderContext) -> str:
        return json.dumps(sarif_document(report, context), indent=2) + "\n"


def fingerprint(rule_id: str, package: str, root: str) -> str:
    """Stable across runs: independent of line numbers, versions and wording."""
    return hashlib.sha256(f"{rule_id}\0{package}\0{root}".encode()).hexdigest()[:32]


def sarif_document(report: ScoredReport, context: RenderContext) -> dict[str, Any]:
    rules = _rules(report, context.rules)
    index = {r["id"]: i for i, r in enumerate(rules)}
    results: list[dict[str, Any]] = []
    for pkg in report.ordered():
        score = report.score(pkg)
        for finding in score.findings:
            if finding.outcome != "hit":
                continue
            results.extend(_results(report, pkg, score, finding, index[finding.rule_id], context))
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "auditor",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": rules,
            }
        },
        "invocations": [
            {
                "executionSuccessful": True,
                "exitCode": report.gate.exit_code,
                "toolExecutionNotifications": [
                    {"level": "warning", "message": {"text": clean(w)}}
                    for w in report.result.warnings
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
            },
            "levels": report.counts(),
        },
    }
    if context.source_root is not None:
        run["originalUriBaseIds"] = {SRCROOT: {"uri": context.source_root.resolve().as_uri() + "/"}}
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
    return {
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
        },
    }


def _results(
    report: ScoredReport,
    pkg: PackageAudit,
    score: PackageScore,
    finding: Finding,
    rule_index: int,
    context: RenderContext,
) -> list[dict[str, Any]]:
    graph = report.result.graph
    roots = list(pkg.via[:MAX_ROOTS]) or [pkg.name]
    out: list[dict[str, Any]] = []
    for root in roots:
        requirement = next(iter(graph.roots.get(root, ())), None)
        path = _path(report, root, pkg.name)
        where = f" ({requirement.origin})" if requirement is not None else ""
        version = pkg.package.version or "?"
        if root == pkg.name:
            text = f"{pkg.name} {version}{where}: {finding.summary}."
        else:
            text = (
                f"{pkg.name} {version}, pulled in by {root}{where} via {' -> '.join(path)}: "
                f"{finding.summary}."
            )
        text += (
            f" Package risk {score.level} ({score.risk}/100). "
            f"Fix: {' '.join(finding.remediation.split())}"
        )
        result: dict[str, Any] = {
            "ruleId": finding.rule_id,
            "ruleIndex": rule_index,
            "level": LEVEL_OF_SEVERITY.get(finding.severity, "warning"),
            "message": {"text": clean(text)},
            "locations": [_location(requirement, context)],
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint(finding.rule_id, pkg.name, root)},
            "properties": {
                "package": pkg.name,
                "version": pkg.package.version,
                "root": root,
                "path": path,
                "risk": {"level": score.level, "score": score.risk},
                "severity": finding.severity,
            },
        }
        if finding.acceptance is not None and not finding.acceptance.expired:
            result["suppressions"] = [
                {
                    "kind": "external",
                    "status": "accepted",
                    "justification": finding.acceptance.describe(),
                }
            ]
        out.append(result)
    return out


def _path(report: ScoredReport, root: str, name: str) -> list[str]:
    if root == name:
        return [name]
    try:
        found: list[str] = nx.shortest_path(report.result.graph.g, root, name)
        return found
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        return [root, name]


def _location(requirement: Requirement | None, context: RenderContext) -> dict[str, Any]:
    if requirement is None:
        return {"physicalLocation": {"artifactLocation": {"uri": "requirements"}}}
    artifact = artifact_location(requirement.origin.path, context)
    physical: dict[str, Any] = {"artifactLocation": artifact}
    if requirement.origin.line is not None and requirement.origin.line >= 1:
        physical["region"] = {"startLine": requirement.origin.line}
    return {"physicalLocation": physical}


def artifact_location(path_text: str, context: RenderContext) -> dict[str, str]:
    """A path relative to ``%SRCROOT%`` when inside the source root, else as written.

    Relative inputs are taken relative to ``context.working_dir`` (the CLI's current
    directory) before being compared with the root; the library never reads the cwd.
    """
    path = Path(path_text)
    root = context.source_root
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
