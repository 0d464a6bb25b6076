"""Sponsorship states only what it knows (issue 13, point 6).

- "No sign of corporate backing" only where backing signals were collected;
- subscriptions (Tidelift) and shop pages (Gumroad) are listed as such and take no
  share of a donation budget unless asked;
- a maintainer reached through two packages, however each links them, is one target.
"""

from __future__ import annotations

from auditor.sponsorship.channels import normalise_link
from auditor.sponsorship.large_companies import LargeCompanies
from auditor.sponsorship.plan import Budget, plan_from_facts
from auditor.sponsorship.ranking import rank
from auditor.sponsorship.targets import build_targets
from tests.sponsor.helpers import NOW, links, pkg

NO_COMPANIES = LargeCompanies(companies=())


def _need_why(package: object) -> tuple[float, str]:
    packages = [package]
    r = rank(build_targets(packages), packages, NO_COMPANIES)  # type: ignore[arg-type]
    need = next(f for f in r.recommendations[0].assessment.factors if f.name == "funding need")
    return need.points, need.why


def test_no_backing_is_said_only_when_backing_signals_were_collected() -> None:
    gh = links(("github", "https://github.com/sponsors/solo"))
    looked = pkg("looked", slug="solo/looked", funding_links=gh, owner_type="User", stars=40)
    points, why = _need_why(looked)
    assert "no sign of corporate or organisational backing" in why and points > 0

    not_looked = pkg("blind", slug="solo/blind", funding_links=gh)
    points, why = _need_why(not_looked)
    assert "not known" in why and "no sign" not in why
    assert points == 0  # unknown adds nothing


def test_a_shop_link_is_listed_as_such() -> None:
    channel = normalise_link("custom", "https://someone.gumroad.com/l/support-my-lib")
    assert channel is not None and channel.key.platform == "gumroad"
    assert channel.key.is_commercial and "shop" in channel.title.lower()
    packages = [
        pkg(
            "shoplib",
            slug="someone/shoplib",
            funding_links_index=links(("custom", "https://someone.gumroad.com/l/x")),
        )
    ]
    target = build_targets(packages).targets[0]
    assert target.kind == "shop"
    summary = rank(build_targets(packages), packages, NO_COMPANIES).recommendations[0].summary
    assert "shop page" in summary and "--include-commercial" in summary


def _plan(include_commercial: bool) -> dict[str, int | None]:
    packages = [
        pkg("donate", slug="dev/donate", funding_links=links(("github", "https://github.com/dev"))),
        pkg(
            "subscribed",
            slug="co/subscribed",
            funding_links_index=links(
                ("tidelift", "https://tidelift.com/funding/github/pypi/subscribed")
            ),
        ),
        pkg(
            "shop",
            slug="s/shop",
            funding_links_index=links(("custom", "https://seller.gumroad.com/l/x")),
        ),
    ]
    budget = Budget(amount=300, include_commercial=include_commercial)
    plan = plan_from_facts(packages, NO_COMPANIES, budget=budget, generated_at=NOW)
    return {r.target.kind: plan.amount(r.target.id) for r in plan.ranking.recommendations}


def test_commercial_targets_get_no_share_of_a_donation_budget_unless_asked() -> None:
    default = _plan(include_commercial=False)
    assert default["subscription"] == 0 and default["shop"] == 0
    assert sum(v or 0 for v in default.values()) == 300  # all of it to the donation target
    asked = _plan(include_commercial=True)
    assert (asked["subscription"] or 0) > 0 and (asked["shop"] or 0) > 0


def test_one_maintainer_through_two_packages_is_one_target() -> None:
    # One links the Sponsors page, the other the bare account under a "Funding" label.
    a = pkg(
        "a", slug="alice/a", funding_links=links(("github", "https://github.com/sponsors/Alice"))
    )
    b = pkg("b", slug="alice/b", funding_links_index=links(("custom", "https://github.com/alice")))
    targets = build_targets([a, b]).targets
    assert [t.id for t in targets] == ["github:alice"]
    assert targets[0].packages == ("a", "b")
