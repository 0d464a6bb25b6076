"""Sponsorship: whom to fund so the stack survives, and how much.

``plan_sponsorship(audit_result, scores, companies, budget=...)`` groups every funding
channel into recipients (``targets``), ranks them with an explanation (``ranking``) and,
given a budget, splits it into whole units (``allocate``). Reporters render the plan.
"""

from auditor.sponsorship.allocate import Allocation, Share, allocate
from auditor.sponsorship.channels import Channel, ChannelKey, normalise_link
from auditor.sponsorship.facts import PackageFacts, facts_from_audit
from auditor.sponsorship.large_companies import Company, LargeCompanies, load_companies
from auditor.sponsorship.plan import Budget, SponsorPlan, plan_from_facts, plan_sponsorship
from auditor.sponsorship.ranking import Factor, Ranking, Recommendation, Unfunded, Weights, rank
from auditor.sponsorship.targets import FundingTarget, TargetSet, build_targets

__all__ = [
    "Allocation",
    "Budget",
    "Channel",
    "ChannelKey",
    "Company",
    "Factor",
    "FundingTarget",
    "LargeCompanies",
    "PackageFacts",
    "Ranking",
    "Recommendation",
    "Share",
    "SponsorPlan",
    "TargetSet",
    "Unfunded",
    "Weights",
    "allocate",
    "build_targets",
    "facts_from_audit",
    "load_companies",
    "normalise_link",
    "plan_from_facts",
    "plan_sponsorship",
    "rank",
]
