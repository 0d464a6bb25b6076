"""Package → repository mapping from Project-URLs (auditor.repository)."""

from __future__ import annotations

import pytest

from auditor.repository import (
    declared_source_urls,
    funding_links,
    label_kind,
    map_repository,
    normalise_label,
    parse_repository_url,
)


@pytest.mark.parametrize(
    ("label", "norm", "kind"),
    [
        ("Source Code", "sourcecode", "source"),
        ("source-code", "sourcecode", "source"),
        ("Repository", "repository", "source"),
        ("GitHub", "github", "source"),
        ("Source", "source", "source"),
        ("Funding", "funding", "funding"),
        ("Sponsor", "sponsor", "funding"),
        ("Donate!", "donate", "funding"),
        ("donation", "donation", "funding"),
        ("Home-page", "homepage", "homepage"),
        ("Home Page", "homepage", "homepage"),
        ("Bug Tracker", "bugtracker", "bugtracker"),
    ],
)
def test_label_normalisation(label: str, norm: str, kind: str) -> None:
    assert normalise_label(label) == norm
    assert label_kind(label) == kind


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/Org/Repo",
        "https://github.com/Org/Repo.git",
        "https://github.com/Org/Repo/",
        "https://www.github.com/Org/Repo",
        "http://github.com/Org/Repo/tree/main/packages/sub",
        "https://github.com/Org/Repo/blob/main/README.md",
        "https://github.com/Org/Repo/issues",
        "https://github.com/Org/Repo/issues/12",
        "https://github.com/Org/Repo/releases",
        "https://github.com/Org/Repo#readme",
        "https://github.com/Org/Repo?tab=readme",
        "git+https://github.com/Org/Repo.git",
        "git@github.com:Org/Repo.git",
        "ssh://git@github.com/Org/Repo.git",
        "github.com/Org/Repo",
    ],
)
def test_url_cleaning(url: str) -> None:
    parsed = parse_repository_url(url)
    assert parsed is not None
    assert (parsed.host, parsed.owner, parsed.name) == ("github.com", "Org", "Repo")
    assert parsed.url == "https://github.com/Org/Repo"


@pytest.mark.parametrize(
    "url",
    [
        "https://gitlab.com/org/repo",
        "https://github.com/sponsors/someone",
        "https://github.com/org",
        "https://github.com/",
        "http://127.0.0.1:8080/org/repo",
        "http://10.0.0.5/org/repo",
        "http://localhost/org/repo",
        "https://evilgithub.com/org/repo",
        "https://github.com.evil.example/org/repo",
        "ftp://github.com/org/repo",
        "",
    ],
)
def test_only_github_yields_a_repository(url: str) -> None:
    assert parse_repository_url(url) is None


def test_configured_enterprise_host() -> None:
    parsed = parse_repository_url(
        "https://ghe.corp.example/team/tool", github_hosts=("github.com", "ghe.corp.example")
    )
    assert parsed is not None and parsed.owner == "team"
    # IP literals never count, even when configured.
    assert parse_repository_url("http://10.1.2.3/a/b", github_hosts=("10.1.2.3",)) is None


def test_source_label_wins_with_high_confidence() -> None:
    ref = map_repository(
        {
            "Homepage": "https://github.com/other/site",
            "Source Code": "https://github.com/org/lib/tree/main",
            "Funding": "https://github.com/sponsors/org",
        }
    )
    assert ref is not None
    assert (ref.owner, ref.name, ref.confidence) == ("org", "lib", "high")
    assert "Source Code" in ref.how


def test_homepage_then_issue_links_then_any() -> None:
    ref = map_repository(
        {"Documentation": "https://docs.example"}, home_page="https://github.com/a/b"
    )
    assert ref is not None and ref.confidence == "medium" and ref.slug == "a/b"
    ref = map_repository({"Bug Tracker": "https://github.com/a/c/issues"})
    assert ref is not None and ref.confidence == "medium" and ref.slug == "a/c"
    ref = map_repository({"Docs": "https://github.com/a/d/wiki"})
    assert ref is not None and ref.confidence == "low" and ref.slug == "a/d"


def test_no_github_link_means_no_repository() -> None:
    urls = {"Source": "https://gitlab.com/org/repo", "Funding": "https://github.com/sponsors/x"}
    assert map_repository(urls) is None
    assert declared_source_urls(urls) == ["https://gitlab.com/org/repo"]
    assert map_repository({}) is None


def test_monorepo_packages_map_to_one_repository() -> None:
    a = map_repository({"Source": "https://github.com/corp/mono/tree/main/packages/a"})
    b = map_repository({"Repository": "https://github.com/corp/mono/tree/main/packages/b"})
    assert a is not None and b is not None and a.slug == b.slug == "corp/mono"


def test_funding_links_from_project_urls() -> None:
    links = funding_links(
        {
            "Funding": "https://opencollective.com/proj",
            "Sponsor": "https://github.com/sponsors/dev",
            "Donate": "https://example.org/give",
            "Homepage": "https://example.org",
            "Tidelift": "https://tidelift.com/subscription/pkg/x",
            "Bad": "javascript:alert(1)",
        }
    )
    platforms = [(link["platform"], link["url"]) for link in links]
    assert platforms == [
        ("open_collective", "https://opencollective.com/proj"),
        ("github", "https://github.com/sponsors/dev"),
        ("custom", "https://example.org/give"),
        ("tidelift", "https://tidelift.com/subscription/pkg/x"),
    ]
