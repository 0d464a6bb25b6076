"""From an audit to a sponsorship plan: targets, ranking, and (with a budget) amounts.

The one entry point the CLI and library users call. Pure over its inputs: the audit's
signals and scores are handed in, nothing here reads the network or the clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from auditor.collectors.run import AuditResult
from auditor.judge.scoring import PackageScore
from auditor.sponsorship.allocate import Allocation, allocate
from auditor.sponsorship.facts import PackageFacts, facts_from_scores
from auditor.sponsorship.large_companies import LargeCompanies
from auditor.sponsorship.ranking import Ranking, Weights, rank
from auditor.sponsorship.targets import build_targets

Period = Literal["month", "year"]


@dataclass(frozen=True, kw_only=True)
class Budget:
    """What the user can spend: whole units of ``currency`` per ``period``."""

    amount: int
    currency: str = "USD"
    period: Period = "month"
    min_amount: int = 10
    max_share: float = 0.4
    # Subscriptions (Tidelift) and shops (Gumroad) sell something: no share of a
    # donation budget unless the user asks for it.
    include_commercial: bool = False


COMMERCIAL_KINDS = frozenset({"subscription", "shop"})


@dataclass(frozen=True, kw_only=True)
class SponsorPlan:
    """Everything a sponsorship report shows."""

    ranking: Ranking
    budget: Budget | None
    allocation: Allocation | None
    inputs: tuple[str, ...]
    package_count: int
    warnings: tuple[str, ...]
    generated_at: datetime

    def amount(self, target_id: str) -> int | None:
        return None if self.allocation is None else self.allocation.amount(target_id)


def plan_from_facts(
    packages: Sequence[PackageFacts],
    companies: LargeCompanies,
    *,
    budget: Budget | None = None,
    inputs: Sequence[str] = (),
    warnings: Sequence[str] = (),
    generated_at: datetime,
    weights: Weights | None = None,
) -> SponsorPlan:
    """Group channels into targets, rank them, and split the budget if there is one."""
    ranking = rank(build_targets(packages), packages, companies, weights)
    allocation = None
    if budget is not None:
        allocation = allocate(
            [
                (r.target.id, r.priority)
                for r in ranking.recommendations
                if budget.include_commercial or r.target.kind not in COMMERCIAL_KINDS
            ],
            budget.amount,
            min_amount=budget.min_amount,
            max_share=budget.max_share,
        )
    return SponsorPlan(
        ranking=ranking,
        budget=budget,
        allocation=allocation,
        inputs=tuple(inputs),
        package_count=len(packages),
        warnings=tuple(warnings),
        generated_at=generated_at,
    )


def plan_sponsorship(
    result: AuditResult,
    scores: Mapping[str, PackageScore],
    companies: LargeCompanies,
    *,
    budget: Budget | None = None,
    weights: Weights | None = None,
) -> SponsorPlan:
    """The plan for an audit whose packages were scored (``scores`` by package name)."""
    return plan_from_facts(
        facts_from_scores(result.packages, scores),
        companies,
        budget=budget,
        inputs=result.graph.inputs,
        warnings=result.warnings,
        generated_at=result.finished_at,
        weights=weights,
    )
