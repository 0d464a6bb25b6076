"""Pure helpers: FUNDING.yml, company normalisation, contributor arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from auditor.collectors.backends.github.company import normalise_company
from auditor.collectors.backends.github.funding import (
    PLATFORM_URLS,
    funding_entries,
    parse_funding_yml,
)
from auditor.collectors.backends.github.metrics import (
    IssueTiming,
    contributor_stats,
    median_response_hours,
)

FUNDING = """\
# comment
github: [octocat, "surftocat"]
patreon: octocat # trailing comment
open_collective: proj
ko_fi: octo
tidelift: npm/octo
community_bridge: octo-project
liberapay: octo
issuehunt: octo
lfx_crowdfunding: octo-lfx
polar: octo
buy_me_a_coffee: octo
thanks_dev: u/gh/octo
otechie: octo
unknown_platform: ignored
custom:
  - https://example.org/a
  - 'paypal.me/octo'
"""


def test_every_platform_key_is_mapped() -> None:
    parsed = parse_funding_yml(FUNDING)
    assert set(parsed) == set(PLATFORM_URLS)
    assert parsed["github"] == ["octocat", "surftocat"]
    assert parsed["patreon"] == ["octocat"]
    urls = {(e["platform"], e["url"]) for e in funding_entries(FUNDING)}
    assert ("github", "https://github.com/sponsors/surftocat") in urls
    assert ("tidelift", "https://tidelift.com/funding/github/npm/octo") in urls
    assert (
        "lfx_crowdfunding",
        "https://crowdfunding.lfx.linuxfoundation.org/projects/octo-lfx",
    ) in urls
    assert ("thanks_dev", "https://thanks.dev/u/gh/octo") in urls
    assert ("custom", "https://paypal.me/octo") in urls
    assert ("custom", "https://example.org/a") in urls


def test_malformed_funding_is_ignored_not_fatal() -> None:
    assert funding_entries(":::\n- x\n[broken") == []
    assert funding_entries("custom: javascript:alert(1)") == []


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("@huggingface", "huggingface"),
        ("Hugging Face, Inc.", "hugging face"),
        ("Google LLC", "google"),
        ("@NVIDIA", "nvidia"),
        ("NVIDIA Corporation", "nvidia"),
        ("@google @deepmind", "google"),
        ("Widgets GmbH", "widgets"),
        ("", None),
        (None, None),
        ("Freelance", None),
    ],
)
def test_company_normalisation(raw: str | None, key: str | None) -> None:
    assert normalise_company(raw) == key


def test_contributor_absence_factor() -> None:
    stats = contributor_stats([50, 30, 10, 10])
    assert stats is not None
    assert stats.absence_factor == 2 and stats.top_share == 0.5 and stats.count == 4
    solo = contributor_stats([95, 3, 2])
    assert solo is not None and solo.absence_factor == 1
    assert contributor_stats([]) is None


def test_median_counts_unanswered_issues_with_their_age() -> None:
    now = datetime(2025, 6, 1, tzinfo=UTC)
    issues = [
        IssueTiming(opened=now - timedelta(hours=10), first_response=now - timedelta(hours=8)),
        IssueTiming(opened=now - timedelta(hours=100), first_response=None),
    ]
    assert median_response_hours(issues, now) == 51.0
    assert median_response_hours([], now) is None
