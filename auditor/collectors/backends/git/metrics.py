"""The time- and organisation-dependent metrics, computed from cached facts and "now".

Contributor absence factor (CHAOSS): the fewest developers whose commits exceed half of
all commits in a window. Elephant factor: the same over organisations, counting only
commits from organisational addresses. Developer distribution: 1 − the top developer's
share of commits. Active authors: developers with a commit in the window.

"Now" is a parameter, never read inside, so tests and reproducible reports can pin it;
a pinned revision is still measured against the present, because the question is
whether the people are around today.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime

from .facts import HistoryFacts
from .report import AuthorShare, BusFactorReport, CommitShare, ExcludedFile, FileAuthors, OrgShare

DAY = 86_400
TOP = 10


def absence_factor(counts: Iterable[int]) -> int:
    """Fewest contributors whose contributions add up to more than half of the total."""
    ordered = sorted((c for c in counts if c > 0), reverse=True)
    total = sum(ordered)
    running = 0
    for needed, count in enumerate(ordered, start=1):
        running += count
        if running * 2 > total:
            return needed
    return 0


def build_report(
    facts: HistoryFacts, *, target: str, ref: str | None, now: datetime
) -> BusFactorReport:
    """Combine the facts with the present moment into the report."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    stamp = int(now.timestamp())
    year_ago, quarter_ago = stamp - 365 * DAY, stamp - 90 * DAY
    all_time: Counter[int] = Counter(facts.commit_developer)
    recent: Counter[int] = Counter()
    quarter: set[int] = set()
    orgs_all: Counter[int] = Counter()
    orgs_recent: Counter[int] = Counter()
    for dev, when, org in zip(
        facts.commit_developer, facts.commit_time, facts.commit_organisation, strict=True
    ):
        is_recent = when >= year_ago
        if is_recent:
            recent[dev] += 1
            if when >= quarter_ago:
                quarter.add(dev)
        if org >= 0:
            orgs_all[org] += 1
            if is_recent:
                orgs_recent[org] += 1
    total = sum(all_time.values())
    people = facts.people
    analysed = facts.files_analysed

    authors = tuple(
        AuthorShare(
            name=people[d].name,
            email=people[d].email,
            files=facts.authored_files.get(d, 0),
            share=facts.authored_files.get(d, 0) / analysed if analysed else 0.0,
        )
        for d in facts.truck_factor_developers
    )
    top = sorted(all_time, key=lambda d: (-all_time[d], people[d].name.casefold(), d))[:TOP]
    top_authors = tuple(
        CommitShare(
            name=people[d].name,
            email=people[d].email,
            commits=all_time[d],
            share=all_time[d] / total,
            files=facts.authored_files.get(d, 0),
        )
        for d in top
    )
    org_total = sum(orgs_all.values())
    organisations = tuple(
        OrgShare(name=facts.organisations[o], commits=n, share=n / org_total)
        for o, n in sorted(
            orgs_all.items(), key=lambda item: (-item[1], facts.organisations[item[0]])
        )[:TOP]
    )
    last = facts.last_commit_time
    evidence = facts.evidence
    analysed_files = (
        None
        if evidence is None
        else tuple(
            FileAuthors(
                path=f.path,
                language=f.language,
                authors=tuple((people[d].name, people[d].email) for d in f.authors),
            )
            for f in evidence.analysed
        )
    )
    excluded_files = (
        None
        if evidence is None
        else tuple(ExcludedFile(path=p, rule=r) for p, r in evidence.excluded)
    )
    return BusFactorReport(
        target=target,
        revision=facts.revision,
        ref=ref,
        now=now,
        truck_factor=facts.truck_factor,
        truck_factor_authors=authors,
        contributor_absence_factor=absence_factor(all_time.values()) if total else None,
        contributor_absence_factor_365d=absence_factor(recent.values()) if total else None,
        active_authors_90d=len(quarter),
        active_authors_365d=len(recent),
        developer_distribution=(1 - max(all_time.values()) / total) if total else None,
        elephant_factor=absence_factor(orgs_all.values()) if orgs_all else None,
        elephant_factor_365d=absence_factor(orgs_recent.values()) if orgs_recent else None,
        organisations=organisations,
        top_authors=top_authors,
        commits=total,
        commits_365d=sum(recent.values()),
        authors=len(all_time),
        last_commit_at=None if last is None else datetime.fromtimestamp(last, UTC),
        last_commit_days=None if last is None else max(0, (stamp - last) // DAY),
        files_total=facts.files_total,
        files_analysed=analysed,
        files_orphaned=facts.files_orphaned,
        bots_excluded=facts.bots,
        rename_detection=facts.rename_detection,
        notes=facts.notes,
        analysed_files=analysed_files,
        excluded_files=excluded_files,
    )
