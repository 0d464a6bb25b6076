"""Priority of each funding target, as a sum of visible factors, so the ranking explains itself.

Why additive points and two named multipliers: a finance team reading "priority 62" must be
able to see where every point came from. The factors, in order:

- reach: how many of the user's direct requirements (across every app given) need the
  target's packages, and in how many apps;
- serving path: a package in a serving-path category (rules/taxonomy.toml) takes
  production down when it breaks;
- risk: the package's bus-factor risk score from the rules (rules/checks);
- bus factor: truck factor, active maintainers and publishing accounts, from the signals;
- funding need: high unless the evidence shows backing (organisation owner, an index
  organisation, several contributing organisations, large-company employees, fame);
- breadth: one recipient behind several of the user's packages.

Then two multipliers that say why a target ranks low: owned by a large company
(rules/large-companies.toml) and archived. A signal nobody could collect adds nothing and
is shown as unknown: missing evidence never raises or lowers a priority by itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from auditor.judge.scoring import level_rank
from auditor.sponsorship.facts import PackageFacts
from auditor.sponsorship.large_companies import Company, LargeCompanies
from auditor.sponsorship.targets import FundingTarget, TargetSet


@dataclass(frozen=True, kw_only=True)
class Weights:
    """The points each factor can give; the defaults sum to 100 before multipliers."""

    reach: float = 25.0
    apps: float = 5.0
    serving_path: float = 15.0
    risk: float = 15.0
    bus_factor: float = 15.0
    funding_need: float = 15.0
    breadth_step: float = 3.0
    breadth_max: float = 10.0
    large_company: float = 0.2
    archived: float = 0.3
    famous_stars: int = 10_000
    unfunded_min_level: str = "low"


@dataclass(frozen=True, kw_only=True)
class Factor:
    """One visible part of a priority: its points (negative for a multiplier) and why."""

    name: str
    points: float
    why: str


@dataclass(frozen=True, kw_only=True)
class Dependent:
    """One of the user's packages behind a target, and which of their requirements need it."""

    name: str
    version: str | None
    via: tuple[str, ...]
    apps: tuple[str, ...]
    risk: int
    level: str
    categories: tuple[str, ...]
    repository: str | None


@dataclass(frozen=True, kw_only=True)
class Assessment:
    """The scored view of a set of packages: priority, factors and evidence."""

    priority: float
    factors: tuple[Factor, ...]
    evidence: tuple[str, ...]
    dependents: tuple[Dependent, ...]
    company: str | None


@dataclass(frozen=True, kw_only=True)
class Recommendation:
    """A target to fund: who, why, for which of the user's packages, and where to pay."""

    target: FundingTarget
    assessment: Assessment
    summary: str

    @property
    def priority(self) -> float:
        return self.assessment.priority


@dataclass(frozen=True, kw_only=True)
class Unfunded:
    """A risky package with no funding channel, and what else helps."""

    package: str
    assessment: Assessment
    suggestions: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Ranking:
    recommendations: tuple[Recommendation, ...]
    unfunded: tuple[Unfunded, ...]
    apps: tuple[str, ...]
    direct_count: int


@dataclass(frozen=True, kw_only=True)
class Stack:
    """Totals of the user's whole input: the denominators of reach."""

    direct: int
    apps: tuple[str, ...]


def stack_of(packages: Sequence[PackageFacts]) -> Stack:
    roots = {r for p in packages for r in p.via} | {p.name for p in packages if p.direct}
    apps = sorted({a for p in packages for a in p.apps})
    return Stack(direct=max(1, len(roots)), apps=tuple(apps))


def owner_company(pkg: PackageFacts, companies: LargeCompanies) -> Company | None:
    """The large company owning the repository or the index organisation, if any."""
    owner = pkg.repository.owner if pkg.repository is not None else None
    return companies.by_github(owner) or companies.by_github(pkg.text("index_organization"))


def _employers(pkg: PackageFacts, companies: LargeCompanies) -> list[str]:
    names = [companies.by_name(o) for o in pkg.strings("top_contributor_orgs")]
    return sorted({c.name for c in names if c is not None})


def _bus_factor(pkg: PackageFacts, w: Weights) -> tuple[float, list[str]]:
    """Points from truck factor, active maintainers and publishers, with evidence."""
    points = 0.0
    why: list[str] = []
    truck = pkg.number("truck_factor")
    if truck is not None and truck <= 2:
        points += w.bus_factor * (0.5 if truck <= 1 else 0.25)
        why.append(f"truck factor {truck}")
    active = pkg.number("active_authors_365d", "committers_365d")
    if active is not None and active <= 1:
        points += w.bus_factor * 0.25
        why.append(f"{active} active maintainer(s) in the last year")
    absence = pkg.number("contributor_absence_factor", "contributor_absence_factor_github")
    if truck is None and absence == 1:
        points += w.bus_factor * 0.25
        why.append("one person made over half of all commits")
    publishers = pkg.number("index_publisher_count")
    if publishers == 1:
        points += w.bus_factor * 0.25
        why.append("one account can publish releases")
    return min(points, w.bus_factor), why


def _backing(pkg: PackageFacts, companies: LargeCompanies, w: Weights) -> list[str]:
    """Evidence that the package already has money or corporate support."""
    found: list[str] = []
    if pkg.text("owner_type") == "Organization":
        found.append("repository owned by a GitHub organisation")
    org = pkg.text("index_organization")
    if org:
        found.append(f"published by the index organisation {org}")
    elephant = pkg.number("elephant_factor")
    if elephant is not None and elephant >= 2:
        found.append(f"{elephant} organisations share most commits (elephant factor)")
    employers = _employers(pkg, companies)
    if employers:
        found.append("top contributors work at " + ", ".join(employers))
    stars = pkg.number("stars")
    if stars is not None and stars >= w.famous_stars:
        found.append(f"widely known ({stars:,} stars): sponsors find it more easily")
    return found


BACKING_SIGNALS = ("owner_type", "elephant_factor", "top_contributor_orgs", "stars")


def backing_collected(pkg: PackageFacts) -> bool:
    """Whether any signal that could show backing was collected (known) for ``pkg``.

    The index organisation alone does not count: its absence is common for
    company-backed projects, so "none found" needs the repository's side too.
    """
    return any(pkg.value(name) is not None for name in BACKING_SIGNALS)


def _dependent(pkg: PackageFacts) -> Dependent:
    return Dependent(
        name=pkg.name,
        version=pkg.version,
        via=pkg.via,
        apps=pkg.apps,
        risk=pkg.risk,
        level=pkg.level,
        categories=pkg.categories,
        repository=pkg.repository.url if pkg.repository is not None else None,
    )


def _evidence(pkg: PackageFacts) -> list[str]:
    parts = [f"risk {pkg.risk}/100 ({pkg.level})"]
    for label, names in (
        ("truck factor", ("truck_factor",)),
        ("active maintainers (365 d)", ("active_authors_365d", "committers_365d")),
        ("publishing accounts", ("index_publisher_count",)),
        ("stars", ("stars",)),
    ):
        value = pkg.number(*names)
        parts.append(f"{label} {'unknown' if value is None else value}")
    if pkg.flag("archived"):
        parts.append("archived")
    return [f"{pkg.name}: " + ", ".join(parts)]


def _counted(members: Sequence[PackageFacts], companies: LargeCompanies) -> list[PackageFacts]:
    """A shared recipient (Tidelift, a collective) is judged by the packages that need it:
    large-company packages among its members do not lend it their reach or risk, unless
    every member is one (then the large-company multiplier says why it ranks low)."""
    independent = [m for m in members if owner_company(m, companies) is None]
    return independent or list(members)


def assess(
    members: Sequence[PackageFacts],
    stack: Stack,
    companies: LargeCompanies,
    weights: Weights,
    *,
    listed: Sequence[PackageFacts] | None = None,
) -> Assessment:
    """Score a group of packages (one target's, or one unfunded package).

    ``listed`` are all the packages to show (default ``members``); those not in
    ``members`` are named in a zero-point factor saying why they do not count.
    """
    w = weights
    shown = list(listed) if listed is not None else list(members)
    factors: list[Factor] = []
    left_out = [p for p in shown if p not in members]
    if left_out:
        names = sorted({c.name for p in left_out if (c := owner_company(p, companies))})
        factors.append(
            Factor(
                name="large company",
                points=0.0,
                why=", ".join(p.name for p in left_out)
                + f" owned by {', '.join(names)}: not counted for this recipient",
            )
        )
    roots = {r for p in members for r in p.via} | {p.name for p in members if p.direct}
    share = len(roots) / stack.direct
    factors.append(
        Factor(
            name="reach",
            points=w.reach * min(1.0, share),
            why=f"needed by {len(roots)} of your {stack.direct} direct requirements",
        )
    )
    apps = {a for p in members for a in p.apps}
    if len(stack.apps) > 1:
        factors.append(
            Factor(
                name="apps",
                points=w.apps * len(apps) / len(stack.apps),
                why=f"used by {len(apps)} of your {len(stack.apps)} apps",
            )
        )
    serving = sorted({c for p in members if p.serving_path for c in p.categories})
    if any(p.serving_path for p in members):
        factors.append(
            Factor(
                name="serving path",
                points=w.serving_path,
                why="on the serving path (" + (", ".join(serving) or "serving category") + ")",
            )
        )
    worst = max(members, key=lambda p: (p.risk, p.name))
    if worst.risk > 0:
        factors.append(
            Factor(
                name="risk",
                points=w.risk * worst.risk / 100,
                why=f"{worst.name}: bus-factor risk {worst.risk}/100 ({worst.level})",
            )
        )
    bus = [(p, *_bus_factor(p, w)) for p in members]
    bus_pkg, bus_points, bus_why = max(bus, key=lambda b: (b[1], b[0].name))
    if bus_points > 0:
        factors.append(
            Factor(
                name="bus factor", points=bus_points, why=f"{bus_pkg.name}: " + "; ".join(bus_why)
            )
        )
    needs = [(p, _backing(p, companies, w)) for p in members]
    need_pkg, backing = min(needs, key=lambda n: (len(n[1]), n[0].name))
    if backing:
        need = w.funding_need * max(0.0, 1 - len(backing) / 4)
        why = f"{need_pkg.name}: little backing: " + "; ".join(backing)
    elif backing_collected(need_pkg):
        need = w.funding_need
        why = f"{need_pkg.name}: no sign of corporate or organisational backing"
    else:
        # Nothing was looked at (no GitHub answer, no git history): not "none found".
        need = 0.0
        why = (
            f"{need_pkg.name}: backing not known (the repository's owner, contributors'"
            " employers and organisations were not collected); unknown adds nothing"
        )
    factors.append(Factor(name="funding need", points=need, why=why))
    if len(members) > 1:
        factors.append(
            Factor(
                name="breadth",
                points=min(w.breadth_max, w.breadth_step * (len(members) - 1)),
                why=f"one recipient behind {len(members)} of your packages",
            )
        )
    subtotal = sum(f.points for f in factors)
    owners = [owner_company(p, companies) for p in members]
    company: str | None = None
    if owners and all(c is not None for c in owners):
        company = ", ".join(sorted({c.name for c in owners if c is not None}))
        cut = subtotal * (1 - w.large_company)
        subtotal -= cut
        factors.append(
            Factor(
                name="large company",
                points=-cut,
                why=f"owned by {company} (large-companies list): the company can fund it; "
                "your money goes further elsewhere",
            )
        )
    if all(p.flag("archived") for p in members):
        cut = subtotal * (1 - w.archived)
        subtotal -= cut
        factors.append(
            Factor(
                name="archived",
                points=-cut,
                why="the repository is archived: money will not restart it; plan a successor",
            )
        )
    rounded = tuple(Factor(name=f.name, points=round(f.points, 1), why=f.why) for f in factors)
    evidence = [e for p in shown for e in _evidence(p)]
    evidence.extend(f"{p.name}: backing: {'; '.join(b)}" for p, b in needs if b)
    return Assessment(
        priority=round(max(0.0, subtotal), 1),
        factors=rounded,
        evidence=tuple(evidence),
        dependents=tuple(_dependent(p) for p in sorted(shown, key=lambda p: p.name)),
        company=company,
    )


def _summary(target: FundingTarget, assessment: Assessment) -> str:
    count = len(target.packages)
    who = {
        "person": "one person",
        "organisation": "one organisation",
        "collective": "one collective",
    }.get(target.kind, "one recipient")
    if target.kind == "subscription":
        head = (
            f"one subscription covers {count} of your dependencies (commercial: no share "
            "of a donation budget unless --include-commercial)"
        )
    elif target.kind == "shop":
        head = (
            f"a shop page for {', '.join(target.packages)} (sells something: no share of "
            "a donation budget unless --include-commercial)"
        )
    elif count > 1:
        head = f"{who} maintains {count} of your dependencies"
    else:
        head = f"funds {target.packages[0]}"
    if assessment.company:
        head += f"; owned by {assessment.company}"
    return head


def _suggestions(pkg: PackageFacts, company: str | None) -> tuple[str, ...]:
    repo = pkg.repository.url if pkg.repository is not None else None
    out: list[str] = []
    if pkg.flag("archived"):
        out.append("It is archived: find a maintained fork or successor and fund that instead.")
    where = f" at {repo}" if repo else ""
    out.append(f"Contribute: review pull requests, triage issues, fix bugs you hit{where}.")
    if repo and pkg.repository is not None and pkg.repository.host == "github.com":
        out.append(
            f"Ask for a funding link: open an issue at {repo}/issues proposing a "
            ".github/FUNDING.yml, so sponsors can find the maintainers."
        )
    else:
        out.append("Ask the maintainers how they would like to be supported (a funding link).")
    if company:
        out.append(f"Owned by {company}: raise it through your account contacts there.")
    org = pkg.text("index_organization")
    if org and not company:
        out.append(f"Support it through its publishing organisation ({org}).")
    out.append(
        "If a foundation hosts it (NumFOCUS, the PSF, the Linux Foundation, Software "
        "Freedom Conservancy), donate to the foundation earmarked for the project."
    )
    return tuple(out)


def rank(
    target_set: TargetSet,
    packages: Sequence[PackageFacts],
    companies: LargeCompanies,
    weights: Weights | None = None,
) -> Ranking:
    """Every target ranked by priority (highest first), plus risky unfunded packages."""
    w = weights or Weights()
    stack = stack_of(packages)
    facts = {p.name: p for p in packages}
    recs: list[Recommendation] = []
    for target in target_set.targets:
        members = [facts[n] for n in target.packages if n in facts]
        if not members:
            continue
        a = assess(_counted(members, companies), stack, companies, w, listed=members)
        recs.append(Recommendation(target=target, assessment=a, summary=_summary(target, a)))
    recs.sort(key=lambda r: (-r.priority, r.target.id))
    unfunded: list[Unfunded] = []
    threshold = level_rank(w.unfunded_min_level)
    for name in target_set.unfunded:
        pkg = facts.get(name)
        if pkg is None or level_rank(pkg.level) < threshold:
            continue
        a = assess([pkg], stack, companies, w)
        unfunded.append(
            Unfunded(package=name, assessment=a, suggestions=_suggestions(pkg, a.company))
        )
    unfunded.sort(key=lambda u: (-u.assessment.priority, u.package))
    return Ranking(
        recommendations=tuple(recs),
        unfunded=tuple(unfunded),
        apps=stack.apps,
        direct_count=stack.direct,
    )
