"""Ranking cases with a known expected order, and the explanations that go with them."""

from __future__ import annotations

from collections.abc import Sequence

from auditor.sponsorship.facts import PackageFacts
from auditor.sponsorship.large_companies import Company, LargeCompanies, load_companies
from auditor.sponsorship.ranking import Ranking, rank
from auditor.sponsorship.targets import build_targets
from tests.sponsor.helpers import links, pkg

COMPANIES = LargeCompanies(
    companies=(
        Company(
            id="bigco",
            name="BigCo",
            github=frozenset({"bigco"}),
            names=frozenset({"bigco"}),
            domains=frozenset(),
        ),
    )
)


def gh(login: str) -> list[object]:
    return links(("github", f"https://github.com/sponsors/{login}"))  # type: ignore[return-value]


def ranked(packages: Sequence[PackageFacts], companies: LargeCompanies = COMPANIES) -> Ranking:
    return rank(build_targets(packages), packages, companies)


def order(r: Ranking) -> list[str]:
    return [rec.target.id for rec in r.recommendations]


def test_large_company_owned_ranks_low_and_says_why() -> None:
    corp = pkg("corp-lib", slug="bigco/corp-lib", funding_links=gh("bigco"), risk=80)
    indie = pkg("indie", slug="indie/indie", funding_links=gh("indie"), risk=40)
    r = ranked([corp, indie])
    assert order(r) == ["github:indie", "github:bigco"]
    low = r.recommendations[1]
    assert low.assessment.company == "BigCo"
    factor = next(f for f in low.assessment.factors if f.name == "large company")
    assert factor.points < 0 and "BigCo" in factor.why and "elsewhere" in factor.why
    assert "owned by BigCo" in low.summary


def test_index_organisation_of_a_large_company_counts_as_owned() -> None:
    p = pkg("p", slug="someone/p", funding_links=gh("someone"), index_organization="bigco")
    assert ranked([p]).recommendations[0].assessment.company == "BigCo"


def test_serving_path_ranks_higher() -> None:
    serving = pkg(
        "engine",
        slug="a/engine",
        funding_links=gh("a"),
        categories=("inference-runtime",),
        serving_path=True,
    )
    tooling = pkg("tooling", slug="b/tooling", funding_links=gh("b"), categories=("dev",))
    r = ranked([tooling, serving])
    assert order(r) == ["github:a", "github:b"]
    why = next(f for f in r.recommendations[0].assessment.factors if f.name == "serving path")
    assert "inference-runtime" in why.why


def test_higher_reach_ranks_higher() -> None:
    wide = pkg("wide", slug="a/wide", funding_links=gh("a"), via=("x", "y", "z"))
    narrow = pkg("narrow", slug="b/narrow", funding_links=gh("b"), via=("x",))
    roots = [pkg(n) for n in ("x", "y", "z")]
    r = ranked([narrow, wide, *roots])
    assert order(r) == ["github:a", "github:b"]
    reach = next(f for f in r.recommendations[0].assessment.factors if f.name == "reach")
    assert reach.why == "needed by 3 of your 3 direct requirements"


def test_reach_across_apps_counts_every_app() -> None:
    both = pkg("both", slug="a/both", funding_links=gh("a"), apps=("a.txt", "b.txt"))
    one = pkg("one", slug="b/one", funding_links=gh("b"), apps=("a.txt",))
    r = ranked([one, both])
    assert order(r) == ["github:a", "github:b"]
    apps = next(f for f in r.recommendations[0].assessment.factors if f.name == "apps")
    assert apps.why == "used by 2 of your 2 apps"


def test_already_well_funded_ranks_lower() -> None:
    backed = pkg(
        "backed",
        slug="foundation/backed",
        funding_links=gh("foundation"),
        owner_type="Organization",
        index_organization="foundation",
        elephant_factor=4,
        stars=50_000,
    )
    alone = pkg("alone", slug="solo/alone", funding_links=gh("solo"), owner_type="User", stars=300)
    r = ranked([backed, alone])
    assert order(r) == ["github:solo", "github:foundation"]
    need = {
        rec.target.id: next(f for f in rec.assessment.factors if f.name == "funding need")
        for rec in r.recommendations
    }
    assert need["github:foundation"].points < need["github:solo"].points
    assert "elephant factor" in need["github:foundation"].why


def test_bus_factor_risk_ranks_higher_and_is_explained() -> None:
    fragile = pkg(
        "fragile",
        slug="a/fragile",
        funding_links=gh("a"),
        truck_factor=1,
        active_authors_365d=1,
        index_publisher_count=1,
    )
    sturdy = pkg(
        "sturdy",
        slug="b/sturdy",
        funding_links=gh("b"),
        truck_factor=6,
        active_authors_365d=12,
        index_publisher_count=4,
    )
    r = ranked([sturdy, fragile])
    assert order(r) == ["github:a", "github:b"]
    bus = next(f for f in r.recommendations[0].assessment.factors if f.name == "bus factor")
    assert "truck factor 1" in bus.why and "one account can publish" in bus.why
    assert not any(f.name == "bus factor" for f in r.recommendations[1].assessment.factors)


def test_unknown_signals_add_nothing() -> None:
    known_safe = pkg("k", slug="a/k", funding_links=gh("a"), truck_factor=5)
    unknown = pkg("u", slug="b/u", funding_links=gh("b"))
    r = ranked([known_safe, unknown])
    a, b = (rec.assessment.priority for rec in r.recommendations)
    assert a == b
    assert "truck factor unknown" in r.recommendations[1].assessment.evidence[0] or (
        "truck factor unknown" in r.recommendations[0].assessment.evidence[0]
    )


def test_archived_ranks_low_and_says_why() -> None:
    dead = pkg("dead", slug="a/dead", funding_links=gh("a"), archived=True, risk=90)
    live = pkg("live", slug="b/live", funding_links=gh("b"), risk=30)
    r = ranked([dead, live])
    assert order(r) == ["github:b", "github:a"]
    assert any(f.name == "archived" for f in r.recommendations[1].assessment.factors)


def test_one_maintainer_of_many_packages_is_grouped_and_ranks_higher() -> None:
    many = [pkg(f"m{i}", slug=f"maint/m{i}", funding_links=gh("maint")) for i in range(4)]
    single = pkg("s", slug="other/s", funding_links=gh("other"))
    r = ranked([*many, single])
    assert order(r) == ["github:maint", "github:other"]
    top = r.recommendations[0]
    assert top.summary.endswith("maintains 4 of your dependencies")
    assert [d.name for d in top.assessment.dependents] == ["m0", "m1", "m2", "m3"]
    assert any(f.name == "breadth" for f in top.assessment.factors)


def test_large_company_members_do_not_lift_a_shared_target() -> None:
    tide = links(("tidelift", "https://tidelift.com/funding/github/npm/x"))
    corp = pkg("corp", slug="bigco/corp", funding_links=tide, risk=90, via=("p", "q"))
    small = pkg("small", slug="s/small", funding_links=tide, risk=10)
    r = ranked([corp, small, pkg("p"), pkg("q")])
    rec = r.recommendations[0]
    factor = next(f for f in rec.assessment.factors if f.name == "large company")
    assert factor.points == 0 and "corp owned by BigCo" in factor.why
    risk = next(f for f in rec.assessment.factors if f.name == "risk")
    assert "small" in risk.why
    assert [d.name for d in rec.assessment.dependents] == ["corp", "small"]


def test_priority_is_the_sum_of_its_factors() -> None:
    p = pkg("p", slug="bigco/p", funding_links=gh("bigco"), truck_factor=1, serving_path=True)
    rec = ranked([p]).recommendations[0]
    total = sum(f.points for f in rec.assessment.factors)
    assert abs(total - rec.priority) < 0.5


def test_risky_packages_without_channel_are_listed_with_what_helps() -> None:
    risky = pkg("risky", slug="r/risky", risk=60, level="high")
    calm = pkg("calm", slug="c/calm", risk=0, level="none")
    corp = pkg("corpy", slug="bigco/corpy", risk=60, level="high")
    r = ranked([risky, calm, corp])
    assert [u.package for u in r.unfunded] == ["risky", "corpy"]
    tips = " ".join(r.unfunded[0].suggestions)
    assert (
        "Contribute" in tips
        and "FUNDING.yml" in tips
        and "https://github.com/r/risky/issues" in tips
    )
    assert "foundation" in tips
    assert any("BigCo" in s for s in r.unfunded[1].suggestions)


def test_shipped_large_company_list_knows_the_usual_names() -> None:
    companies = load_companies()
    for login in ("google", "microsoft", "facebook", "aws", "nvidia", "huggingface", "openai"):
        assert companies.by_github(login) is not None, login
    assert companies.by_name("@Google Inc.") is not None
    assert companies.by_github("solodev") is None
