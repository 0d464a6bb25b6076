"""An audit scored: signals + rules + taxonomy + policy -> one report the reporters render.

Why a separate step: ``collect_signals`` gathers evidence, ``scoring`` judges one
package, ``policy`` decides the gate; this module joins them for a whole graph so the
CLI, the reporters and tests all see the same assembled result. It is pure: the caller
passes today's date, the loaded rules and the acceptances, and gets values back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from auditor.collectors.run import AuditResult, PackageAudit
from auditor.judge.policy import (
    EXIT_UNTRUSTWORTHY,
    Acceptance,
    AcceptanceResult,
    Baseline,
    Change,
    GateResult,
    apply_acceptances,
    compare_baseline,
    gate,
)
from auditor.judge.rules import Rule
from auditor.judge.scoring import (
    LEVELS,
    Finding,
    Level,
    PackageScore,
    Scorer,
    ScoringConfig,
    default_config,
    level_rank,
)
from auditor.judge.taxonomy import Taxonomy

_KIND_ORDER = {"person": 0, "vendor": 1, "input": 2}


@dataclass(frozen=True, kw_only=True)
class ScoredReport:
    """The audit's evidence with every package's score and the gate's decision."""

    result: AuditResult
    scores: Mapping[str, PackageScore]
    gate: GateResult
    fail_on: Level
    strict: bool
    notes: tuple[str, ...] = ()
    baseline: str | None = None
    changes: Mapping[str, Change] = field(default_factory=dict)

    def score(self, pkg: PackageAudit) -> PackageScore:
        return self.scores[pkg.name]

    def ordered(self) -> list[PackageAudit]:
        """Worst first: level, then the risk number, then the audit's criticality order.
        A package whose data source failed sits just below the gate's level: it fails the
        gate (3), though nothing says how risky it is."""
        position = {p.name: i for i, p in enumerate(self.result.packages)}
        unknown_rank = level_rank(self.fail_on) - 0.5

        def rank(name: str) -> float:
            level = self.scores[name].level
            if name in self.result.faults and level in _UNJUDGED:
                return unknown_rank
            return level_rank(level)

        return sorted(
            self.result.packages,
            key=lambda p: (-rank(p.name), -self.scores[p.name].risk, position[p.name]),
        )

    def shown_level(self, name: str) -> str:
        """The level a report shows (see :func:`shown_level`)."""
        return shown_level(self.scores[name], failed=name in self.result.faults)

    def shown_reason(self, name: str) -> str:
        """The one-line reason a report shows: the failure itself for a package whose
        data source failed, else the score's reason."""
        fault = self.result.faults.get(name)
        score = self.scores[name]
        if fault is not None and score.level in _UNJUDGED:
            return f"risk unknown: {fault}"
        return reason(score)

    def counts(self) -> dict[str, int]:
        """How many packages sit at each level, every level present (zeros included);
        a package whose data source failed counts as ``unknown``."""
        out: dict[str, int] = dict.fromkeys(LEVELS, 0)
        for s in self.scores.values():
            level = self.shown_level(s.name)
            out[level] = out.get(level, 0) + 1
        return out


# Levels that say nothing is known to be wrong: for a package whose source failed, they
# are shown as unknown, with the failure as the reason.
_UNJUDGED = frozenset({"none", "unknown"})


def shown_level(score: PackageScore, *, failed: bool = False) -> str:
    """The level every report shows: the scorer's, except ``unknown`` (never a green
    ``none``) when the package's data source failed (``failed``) or its ``none`` rests
    on mostly undecided rules."""
    if failed and score.level in _UNJUDGED:
        return "unknown"
    if score.level == "none" and score.unknown_heavy:
        return "unknown"
    return str(score.level)


def package_scores(
    result: AuditResult,
    rules: Sequence[Rule],
    taxonomy: Taxonomy,
    config: ScoringConfig | None = None,
) -> tuple[PackageScore, ...]:
    """Every package of the audit classified and scored, in the audit's order."""
    scorer = Scorer(rules, default_config() if config is None else config)
    return tuple(
        scorer.score(
            pkg.signals,
            taxonomy.context(pkg.name, direct=pkg.direct, reach=pkg.reach, depth=pkg.depth),
        )
        for pkg in result.packages
    )


def score_audit(
    result: AuditResult,
    rules: Sequence[Rule],
    taxonomy: Taxonomy,
    *,
    today: date,
    acceptances: Sequence[Acceptance] = (),
    fail_on: Level = "high",
    strict: bool = False,
    baseline: Baseline | None = None,
    config: ScoringConfig | None = None,
) -> ScoredReport:
    """Score, apply the user's acceptances, compare with the baseline, and gate."""
    scores = package_scores(result, rules, taxonomy, config)
    # With nothing to accept, rescoring with the same config would rebuild every score
    # unchanged: skip it.
    accepted = (
        apply_acceptances(scores, acceptances, today, config)
        if acceptances
        else AcceptanceResult(scores=scores, notes=())
    )
    decided = partial_gate(
        gate(accepted.scores, fail_on, strict, baseline, faults=result.faults), result
    )
    changes = (
        {c.name: c for c in compare_baseline(accepted.scores, baseline)}
        if baseline is not None
        else {}
    )
    # Scores come back in the audit's order, one per package.
    keyed = {p.name: s for p, s in zip(result.packages, accepted.scores, strict=True)}
    return ScoredReport(
        result=result,
        scores=keyed,
        gate=decided,
        fail_on=fail_on,
        strict=strict,
        notes=accepted.notes,
        baseline=None if baseline is None else baseline.origin,
        changes=changes,
    )


def partial_gate(decided: GateResult, result: AuditResult) -> GateResult:
    """A pass on a partial graph is not a pass: exit 3 (untrustworthy), saying why.

    Risk found in the part that could be audited stays exit 1: it is real either way.
    """
    if not result.graph.partial or decided.exit_code != 0:
        return decided
    reason = (
        "the dependency graph is partial, so the result cannot be trusted: "
        f"{result.graph.partial[0]}"
    )
    return replace(decided, exit_code=EXIT_UNTRUSTWORTHY, reasons=(*decided.reasons, reason))


def counting_hits(score: PackageScore) -> list[Finding]:
    """Hits not hidden by a live acceptance, worst first, person risk before vendor risk."""
    hits = [f for f in score.findings if f.counts]
    return sorted(hits, key=lambda f: (-level_rank(f.severity), _KIND_ORDER[f.kind], f.rule_id))


def reason(score: PackageScore) -> str:
    """The one line a report shows: the worst finding, else the state when it says much."""
    hits = counting_hits(score)
    if hits:
        more = f" (+{len(hits) - 1} more)" if len(hits) > 1 else ""
        return hits[0].summary + more
    if score.state in ("mature", "abandoned"):
        return f"{score.state}: {score.state_why}"
    if score.unknown_heavy:
        return f"mostly unknown: {score.unknown_count} of {len(score.findings)} rules undecided"
    return ""


@dataclass(frozen=True, kw_only=True)
class Resolution:
    """What would decide some unknown signals: one action and the signals it settles."""

    action: str
    signals: tuple[str, ...]
    rules: tuple[str, ...]


def _action(signal: str, why: str, graphql_only: frozenset[str]) -> str:
    """The flag, token or upstream change that would collect ``signal``."""
    text = why.lower()
    if "--no-github" in text:
        return "run without --no-github"
    if "--offline" in text:
        return "run once without --offline to fetch it"
    if "add --git" in text:
        return "add --git (clones the repository, blobless, to compute it)"
    if "not allowed for cloning" in text:
        return "allow the repository's host with --git --allow-host HOST"
    if signal in graphql_only or "token" in text:
        return "set GITHUB_TOKEN (or GH_TOKEN)"
    if "recorded, not fetched" in text or "no repository" in text or "no source" in text:
        return (
            "the package links no GitHub repository: ask upstream for a 'Source' "
            "Project-URL, or use --git --allow-host HOST for its host"
        )
    return f"no flag helps here; it is unknown because {why}"


def resolutions(score: PackageScore) -> tuple[Resolution, ...]:
    """For the rules left undecided, which action would collect the missing signals."""
    from auditor.collectors.backends.github.signals import GRAPHQL_ONLY

    actions: dict[str, tuple[dict[str, None], dict[str, None]]] = {}
    for finding in score.findings:
        if finding.outcome != "unknown":
            continue
        for ev in finding.evidence:
            if ev.result is not None or ev.unknown_reason is None:
                continue
            act = _action(ev.signal, ev.unknown_reason, GRAPHQL_ONLY)
            sigs, rules = actions.setdefault(act, ({}, {}))
            sigs[ev.signal] = None
            rules[finding.rule_id] = None
    return tuple(
        Resolution(action=a, signals=tuple(s), rules=tuple(r)) for a, (s, r) in actions.items()
    )
