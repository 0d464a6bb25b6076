"""Link normalisation: one recipient, one key, however the link is spelled."""

from __future__ import annotations

import pytest

from auditor.sponsorship.channels import ChannelKey, normalise_link


@pytest.mark.parametrize(
    ("platform", "url", "key"),
    [
        ("github", "https://github.com/sponsors/Alice", ChannelKey("github", "alice")),
        ("custom", "http://www.github.com/sponsors/ALICE/", ChannelKey("github", "alice")),
        ("custom", "github.com/sponsors/alice?o=esb", ChannelKey("github", "alice")),
        ("github", "https://github.com/alice", ChannelKey("github", "alice")),
        (
            "custom",
            "https://opencollective.com/TensorKit/donate",
            ChannelKey("open_collective", "tensorkit"),
        ),
        (
            "open_collective",
            "https://opencollective.com/tensorkit",
            ChannelKey("open_collective", "tensorkit"),
        ),
        ("tidelift", "https://tidelift.com/funding/github/npm/x", ChannelKey("tidelift", "")),
        ("custom", "https://tidelift.com/subscription/pkg/abc-y?utm=1", ChannelKey("tidelift", "")),
        ("polar", "https://polar.sh/Solo/", ChannelKey("polar", "solo")),
        ("thanks_dev", "https://thanks.dev/u/gh/solo", ChannelKey("thanks_dev", "u/gh/solo")),
        ("liberapay", "https://liberapay.com/solo/donate", ChannelKey("liberapay", "solo")),
        ("patreon", "https://www.patreon.com/solo", ChannelKey("patreon", "solo")),
        ("ko_fi", "https://ko-fi.com/solo", ChannelKey("ko_fi", "solo")),
        (
            "community_bridge",
            "https://funding.communitybridge.org/projects/tok",
            ChannelKey("lfx_crowdfunding", "tok"),
        ),
        ("custom", "https://Example.org/Donate/", ChannelKey("custom", "example.org/donate")),
    ],
)
def test_keys(platform: str, url: str, key: ChannelKey) -> None:
    channel = normalise_link(platform, url)
    assert channel is not None and channel.key == key


def test_non_web_links_are_dropped() -> None:
    assert normalise_link("custom", "mailto:me@example.org") is None
    assert normalise_link("custom", "javascript:alert(1)") is None


def test_canonical_urls_and_titles() -> None:
    gh = normalise_link("github", "http://www.github.com/sponsors/Alice/")
    assert gh is not None and gh.url == "https://github.com/sponsors/alice"
    assert gh.title == "GitHub Sponsors"
    custom = normalise_link("custom", "https://example.org/give")
    assert custom is not None and custom.title == "example.org"
    assert custom.url == "https://example.org/give"
