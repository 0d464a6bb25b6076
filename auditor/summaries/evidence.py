"""The read-only evidence a summary is written from, and how it is taken from an audit.

Why a separate, frozen copy: the summariser must never be able to change a score, a
finding or an exit code. It receives plain frozen values built from the audit's results
and returns text only; nothing it holds points back into the objects the report and the
exit code are computed from.

Which signals: a small model has a small context window (Ollama's default is a few
thousand tokens), so only the signals that explain bus-factor risk are passed, plus every
signal a hit or unknown finding looked at (those travel inside the finding's evidence).
Long strings and lists are trimmed for the same reason.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING

from auditor.collectors.interface import JSONValue

if TYPE_CHECKING:
    from auditor.collectors.run import AuditResult, PackageAudit
    from auditor.judge.scoring import PackageScore
    from auditor.resolve.graph import DependencyGraph

# The signals that say who holds a package up and whether they are still there.
KEY_SIGNALS: tuple[str, ...] = (
    "truck_factor",
    "truck_factor_authors",
    "contributor_absence_factor",
    "contributor_absence_factor_365d",
    "active_authors_90d",
    "active_authors_365d",
    "last_commit_days",
    "days_since_release",
    "index_releases_365d",
    "index_publisher_count",
    "index_organization",
    "archived",
    "owner_type",
    "contributors_count",
    "top_contributor_share",
    "commits_365d",
    "issue_response_median_hours",
    "elephant_factor",
    "declared_inactive",
    "development_status",
    "repository_url",
    "homepage",
    "funding_links",
    "has_sponsors_listing",
)
MAX_STRING = 300
MAX_ITEMS = 10
MAX_PATHS = 3
MAX_FINDINGS = 12
LEVEL_ORDER = ("none", "unknown", "low", "medium", "high", "critical")  # as judge.scoring.LEVELS
# Run timestamps say nothing to a reader but would change the cache key every run.
VOLATILE_KEYS = frozenset({"generated_at", "finished_at", "fetched_at"})


@dataclass(frozen=True, kw_only=True)
class FindingFacts:
    """One hit or unknown finding as the model sees it."""

    rule: str
    severity: str
    outcome: str
    summary: str
    evidence: tuple[Mapping[str, JSONValue], ...] = ()
    accepted: bool = False

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "outcome": self.outcome,
            "summary": self.summary,
            "accepted_by_user": self.accepted,
            "evidence": [dict(e) for e in self.evidence],
        }


@dataclass(frozen=True, kw_only=True)
class PackageEvidence:
    """Everything one package's summary may say, as plain frozen data.

    ``description`` and every signal value are package-supplied text (the index, the
    repository, git authors); the prompt passes them as quoted data only.
    """

    name: str
    version: str | None
    level: str | None = None
    risk: int | None = None
    vendor_level: str | None = None
    state: str | None = None
    state_why: str | None = None
    direct: bool = False
    reach: int = 0
    depth: int = 0
    findings: tuple[FindingFacts, ...] = ()
    signals: tuple[tuple[str, JSONValue], ...] = ()
    unknown_signals: tuple[tuple[str, str], ...] = ()
    paths: tuple[tuple[str, ...], ...] = ()
    required_at: tuple[str, ...] = ()
    description: str | None = None

    def to_json(self) -> dict[str, JSONValue]:
        """The structured data block of the prompt (also what the cache key hashes)."""
        return {
            "package": {"name": self.name, "version": self.version},
            "risk": {
                "level": self.level,
                "score": self.risk,
                "vendor_level": self.vendor_level,
                "state": self.state,
                "state_why": self.state_why,
            },
            "position": {
                "direct_requirement": self.direct,
                "direct_requirements_that_pull_it_in": self.reach,
                "depth": self.depth,
                "paths_from_your_requirements": [list(p) for p in self.paths],
                "required_at": list(self.required_at),
            },
            "findings": [f.to_json() for f in self.findings],
            "signals": dict(self.signals),
            "unknown_signals": dict(self.unknown_signals),
            "package_supplied_text": {"description": self.description},
        }


def trim(value: JSONValue) -> JSONValue:
    """Shorten long strings and lists so one package cannot fill the context window."""
    if isinstance(value, str):
        return value if len(value) <= MAX_STRING else value[:MAX_STRING] + "…"
    if isinstance(value, list):
        return [trim(v) for v in value[:MAX_ITEMS]]
    if isinstance(value, dict):
        return {str(k): trim(v) for k, v in list(value.items())[:MAX_ITEMS]}
    return value


def to_jsonable(value: object) -> JSONValue:
    """Any evidence-like object (mappings, dataclasses, dates, enums) as plain JSON data.

    The sponsorship memo accepts whatever the sponsor module produces; anything that is
    not JSON already becomes its string form rather than an error.
    """
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Enum):
        return to_jsonable(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        to_json = getattr(value, "to_json", None)
        if callable(to_json):
            return to_jsonable(to_json())
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return [to_jsonable(v) for v in items]
    return str(value)


def evidence_from(
    package_audit: PackageAudit,
    package_score: PackageScore | None,
    *,
    graph: DependencyGraph | None = None,
    description: str | None = None,
) -> PackageEvidence:
    """One package's evidence from the audit (signals, position) and its score, if any.

    ``graph`` adds the shortest paths from the user's requirements; without it the
    direct requirements that pull the package in stand in for the paths.
    """
    name = package_audit.name
    findings: tuple[FindingFacts, ...] = ()
    if package_score is not None:
        findings = tuple(
            FindingFacts(
                rule=f.rule_id,
                severity=f.severity,
                outcome=f.outcome,
                summary=f.summary,
                accepted=f.acceptance is not None and not f.acceptance.expired,
                evidence=tuple(
                    {
                        k: trim(v)
                        for k, v in e.to_json().items()
                        if k != "source" and (v is not None or k == "value")
                    }
                    for e in f.evidence
                ),
            )
            for f in package_score.findings
            if f.outcome != "pass"
        )[:MAX_FINDINGS]
    known: list[tuple[str, JSONValue]] = []
    unknown: list[tuple[str, str]] = []
    for signal_name in KEY_SIGNALS:
        signal = package_audit.signals.get(signal_name)
        if signal is None:
            continue
        if signal.known:
            known.append((signal_name, trim(signal.value)))
        else:
            unknown.append((signal_name, str(trim(signal.unknown_reason or "unknown"))))
    if graph is not None:
        paths = tuple(tuple(p) for p in graph.paths(name, limit=MAX_PATHS))
    else:
        paths = tuple((root, name) if root != name else (name,) for root in package_audit.via)
    return PackageEvidence(
        name=name,
        version=package_audit.package.version,
        level=None if package_score is None else package_score.level,
        risk=None if package_score is None else package_score.risk,
        vendor_level=None if package_score is None else package_score.vendor_level,
        state=None if package_score is None else package_score.state,
        state_why=None if package_score is None else package_score.state_why,
        direct=package_audit.direct,
        reach=package_audit.reach,
        depth=package_audit.depth,
        findings=findings,
        signals=tuple(known),
        unknown_signals=tuple(unknown),
        paths=paths[:MAX_PATHS],
        required_at=tuple(package_audit.origins[:MAX_ITEMS]),
        description=None if description is None else str(trim(description)),
    )


def select_evidence(
    result: AuditResult,
    scores: Mapping[str, PackageScore],
    *,
    min_level: str = "medium",
    limit: int = 20,
) -> list[PackageEvidence]:
    """The risky packages worth a narrative, riskiest first, at most ``limit``.

    Summaries cost seconds each on a laptop; a report of 300 packages wants the few
    that matter, not 300 paragraphs.
    """
    threshold = LEVEL_ORDER.index(min_level)
    chosen: list[tuple[PackageAudit, PackageScore]] = []
    for audit in result.packages:
        score = scores.get(audit.name)
        if score is not None and LEVEL_ORDER.index(score.level) >= threshold:
            chosen.append((audit, score))
    chosen.sort(key=lambda pair: (-pair[1].risk, pair[0].name))
    return [evidence_from(a, s, graph=result.graph) for a, s in chosen[:limit]]


def stable(value: JSONValue) -> JSONValue:
    """``value`` without run timestamps (``VOLATILE_KEYS``), so equal evidence hashes equal."""
    if isinstance(value, dict):
        return {k: stable(v) for k, v in value.items() if k not in VOLATILE_KEYS}
    if isinstance(value, list):
        return [stable(v) for v in value]
    return value
