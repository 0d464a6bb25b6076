"""Grouping and de-duplication of funding channels into recipients."""

from __future__ import annotations

from auditor.sponsorship.targets import (
    SOURCE_FUNDING_YML,
    SOURCE_PROJECT_URLS,
    SOURCE_SPONSORS_LISTING,
    FundingTarget,
    TargetSet,
    build_targets,
)
from tests.sponsor.helpers import links, pkg


def by_id(ts: TargetSet) -> dict[str, FundingTarget]:
    return {t.id: t for t in ts.targets}


def test_same_person_via_funding_yml_and_project_url_is_one_target() -> None:
    a = pkg(
        "a", slug="alice/a", funding_links=links(("github", "https://github.com/sponsors/alice"))
    )
    b = pkg(
        "b",
        slug="someorg/b",
        funding_links_index=links(("github", "https://www.github.com/sponsors/Alice/")),
    )
    ts = build_targets([a, b])
    assert list(by_id(ts)) == ["github:alice"]
    target = ts.targets[0]
    assert target.packages == ("a", "b") and target.name == "@alice"
    assert {d.source for d in target.declared} == {SOURCE_FUNDING_YML, SOURCE_PROJECT_URLS}
    assert [c.url for c in target.channels] == ["https://github.com/sponsors/alice"]


def test_channels_of_one_maintainer_form_one_target_with_every_link() -> None:
    a = pkg(
        "a",
        slug="solo/a",
        funding_links=links(
            ("github", "https://github.com/sponsors/solo"),
            ("polar", "https://polar.sh/solo"),
            ("ko_fi", "https://ko-fi.com/solo"),
        ),
    )
    b = pkg("b", slug="x/b", funding_links_index=links(("custom", "https://ko-fi.com/Solo/")))
    ts = build_targets([a, b])
    assert len(ts.targets) == 1
    t = ts.targets[0]
    assert t.id == "github:solo" and t.packages == ("a", "b")
    assert [c.key.platform for c in t.channels] == ["github", "polar", "ko_fi"]


def test_user_and_org_of_the_same_maintainer_are_not_listed_twice() -> None:
    # The org "solo-org" has its own Sponsors listing, but its repository's FUNDING.yml
    # names the maintainer's personal account: one recipient, not two.
    a = pkg(
        "a",
        slug="solo-org/a",
        owner_type="Organization",
        has_sponsors_listing=True,
        funding_links=links(("github", "https://github.com/sponsors/solo")),
    )
    # Another package links the organisation's Sponsors page directly.
    b = pkg(
        "b",
        slug="x/b",
        funding_links_index=links(("github", "https://github.com/sponsors/solo-org")),
    )
    ts = build_targets([a, b])
    assert [t.id for t in ts.targets] == ["github:solo"]
    t = ts.targets[0]
    assert t.packages == ("a", "b")
    assert any("solo-org" in n and "@solo" in n for n in t.notes)


def test_owner_listing_counts_when_funding_yml_names_nobody() -> None:
    a = pkg("a", slug="maint/a", owner_type="User", has_sponsors_listing=True)
    ts = build_targets([a])
    assert [t.id for t in ts.targets] == ["github:maint"]
    assert ts.targets[0].declared[0].source == SOURCE_SPONSORS_LISTING
    assert ts.targets[0].kind == "person"
    assert build_targets([pkg("b", slug="maint/b", has_sponsors_listing=False)]).unfunded == ("b",)


def test_tidelift_links_collapse_to_one_target() -> None:
    a = pkg(
        "a",
        slug="p/a",
        funding_links=links(("tidelift", "https://tidelift.com/funding/github/npm/a")),
    )
    b = pkg(
        "b",
        slug="q/b",
        funding_links_index=links(
            ("custom", "https://tidelift.com/subscription/pkg/x-b?utm_source=b")
        ),
    )
    c = pkg(
        "c",
        slug="r/c",
        funding_links=links(
            ("github", "https://github.com/sponsors/carol"),
            ("tidelift", "https://tidelift.com/funding/github/npm/c"),
        ),
    )
    ts = by_id(build_targets([a, b, c]))
    assert set(ts) == {"tidelift", "github:carol"}
    assert ts["tidelift"].packages == ("a", "b", "c") and ts["tidelift"].kind == "subscription"
    # Tidelift never joins a person's channels: carol's target has only her own link.
    assert [str(ch.key) for ch in ts["github:carol"].channels] == ["github:carol"]
    # The original per-package links stay as evidence.
    assert {d.url for d in ts["tidelift"].declared} >= {"https://tidelift.com/funding/github/npm/a"}


def test_a_shared_foundation_link_does_not_merge_unrelated_maintainers() -> None:
    psf = ("custom", "https://example.org/foundation/donate")
    a = pkg(
        "a",
        slug="alice/a",
        funding_links=links(("github", "https://github.com/sponsors/alice"), psf),
    )
    b = pkg(
        "b", slug="bob/b", funding_links=links(("github", "https://github.com/sponsors/bob"), psf)
    )
    ts = by_id(build_targets([a, b]))
    assert set(ts) == {"github:alice", "github:bob", "custom:example.org/foundation/donate"}
    assert ts["custom:example.org/foundation/donate"].packages == ("a", "b")


def test_several_github_accounts_in_one_file_are_separate_people() -> None:
    a = pkg(
        "a",
        slug="team/a",
        funding_links=links(
            ("github", "https://github.com/sponsors/ann"),
            ("github", "https://github.com/sponsors/ben"),
            ("open_collective", "https://opencollective.com/team-a"),
        ),
    )
    ts = by_id(build_targets([a]))
    assert set(ts) == {"github:ann", "github:ben", "open_collective:team-a"}
    assert ts["open_collective:team-a"].kind == "collective"


def test_packages_without_any_channel_are_listed_as_unfunded() -> None:
    ts = build_targets(
        [
            pkg("z", slug="z/z"),
            pkg("y"),
            pkg("a", funding_links_index=links(("patreon", "https://patreon.com/a"))),
        ]
    )
    assert ts.unfunded == ("y", "z")
    assert [t.id for t in ts.targets] == ["patreon:a"]


def test_grouping_does_not_depend_on_input_order() -> None:
    pkgs = [
        pkg(
            "a",
            slug="solo-org/a",
            has_sponsors_listing=True,
            funding_links=links(("github", "https://github.com/sponsors/solo")),
        ),
        pkg(
            "b",
            funding_links_index=links(
                ("github", "https://github.com/sponsors/solo-org"),
                ("polar", "https://polar.sh/solo"),
            ),
        ),
        pkg("c", funding_links=links(("tidelift", "https://tidelift.com/x"))),
    ]
    forward = build_targets(pkgs)
    backward = build_targets(list(reversed(pkgs)))
    assert [(t.id, t.packages) for t in forward.targets] == [
        (t.id, t.packages) for t in backward.targets
    ]
