"""One funding link → one channel identity, so the same recipient is recognised everywhere.

Projects spell the same account many ways: ``https://github.com/sponsors/Alice/``,
``github.com/sponsors/alice``, ``https://opencollective.com/tensorkit/donate``. Grouping
and de-duplication compare ``ChannelKey``s, never raw URLs. Every Tidelift link (one per
package, in several URL shapes) is one key: Tidelift is paid once, as a subscription, and
passes the money on to the projects it lifts.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

# Host → platform, for hosts whose first path segment names the account.
_ACCOUNT_HOSTS: dict[str, str] = {
    "opencollective.com": "open_collective",
    "polar.sh": "polar",
    "liberapay.com": "liberapay",
    "patreon.com": "patreon",
    "ko-fi.com": "ko_fi",
    "buymeacoffee.com": "buy_me_a_coffee",
    "issuehunt.io": "issuehunt",
    "otechie.com": "otechie",
    "paypal.me": "paypal",
}
# Hosts whose ``projects/<name>`` path names the project (LFX, formerly CommunityBridge).
_PROJECT_HOSTS: dict[str, str] = {
    "crowdfunding.lfx.linuxfoundation.org": "lfx_crowdfunding",
    "funding.communitybridge.org": "lfx_crowdfunding",
}
# How reports name each platform.
PLATFORM_TITLES: dict[str, str] = {
    "github": "GitHub Sponsors",
    "open_collective": "Open Collective",
    "tidelift": "Tidelift",
    "polar": "Polar",
    "thanks_dev": "thanks.dev",
    "liberapay": "Liberapay",
    "patreon": "Patreon",
    "ko_fi": "Ko-fi",
    "buy_me_a_coffee": "Buy Me a Coffee",
    "issuehunt": "IssueHunt",
    "otechie": "Otechie",
    "community_bridge": "LFX Crowdfunding",
    "lfx_crowdfunding": "LFX Crowdfunding",
    "paypal": "PayPal",
    "gumroad": "Gumroad (shop)",
    "custom": "Custom link",
}
_CANONICAL: dict[str, str] = {
    "github": "https://github.com/sponsors/{}",
    "open_collective": "https://opencollective.com/{}",
    "polar": "https://polar.sh/{}",
    "liberapay": "https://liberapay.com/{}",
    "patreon": "https://www.patreon.com/{}",
    "ko_fi": "https://ko-fi.com/{}",
    "buy_me_a_coffee": "https://www.buymeacoffee.com/{}",
    "issuehunt": "https://issuehunt.io/r/{}",
    "otechie": "https://otechie.com/{}",
    "thanks_dev": "https://thanks.dev/{}",
    "paypal": "https://paypal.me/{}",
    "lfx_crowdfunding": "https://crowdfunding.lfx.linuxfoundation.org/projects/{}",
}
TIDELIFT_URL = "https://tidelift.com/"
# Platforms where money buys something (a subscription, a product in a shop) rather than
# being a donation: listed as such, and given no share of a donation budget unless the
# user asks for it (``sponsor --include-commercial``).
COMMERCIAL_PLATFORMS = frozenset({"tidelift", "gumroad"})


@dataclass(frozen=True, order=True)
class ChannelKey:
    """A recipient on one platform: ``("github", "alice")``, ``("tidelift", "")``."""

    platform: str
    account: str

    @property
    def is_github(self) -> bool:
        return self.platform == "github"

    @property
    def is_tidelift(self) -> bool:
        return self.platform == "tidelift"

    @property
    def is_commercial(self) -> bool:
        """A subscription or a shop, not a donation channel."""
        return self.platform in COMMERCIAL_PLATFORMS

    def __str__(self) -> str:
        return f"{self.platform}:{self.account}" if self.account else self.platform


@dataclass(frozen=True, kw_only=True)
class Channel:
    """A normalised link: its identity and the URL to show (canonical where known)."""

    key: ChannelKey
    url: str

    @property
    def title(self) -> str:
        """The platform's name; a custom link is named by its host."""
        if self.key.platform == "custom":
            return self.key.account.split("/", 1)[0]
        return PLATFORM_TITLES.get(self.key.platform, self.key.platform.replace("_", " "))


def _host(netloc: str) -> str:
    host = netloc.rsplit("@", 1)[-1].split(":", 1)[0].lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def normalise_link(platform: str, url: str) -> Channel | None:
    """The channel behind ``url`` (``platform`` as the signal said it); None if unusable.

    Only http(s) links count. Known platforms are recognised by host, whatever label the
    project gave them; anything else is a custom channel keyed by host and path.
    """
    text = url.strip()
    if "://" not in text:
        head = text.split("/", 1)[0]
        if ":" in head and not head.rsplit(":", 1)[1].isdigit():
            return None  # "mailto:…", "javascript:…": not a web link
        text = f"https://{text}"
    parts = urlsplit(text)
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return None
    host = _host(parts.netloc)
    segments = [s for s in parts.path.split("/") if s]
    if host == "github.com" and len(segments) >= 2 and segments[0].lower() == "sponsors":
        return _known("github", segments[1])
    if host == "github.com" and len(segments) == 1:
        # A funding link to a bare GitHub account is that account's Sponsors page,
        # whatever label the project gave it: the same maintainer, one target.
        return _known("github", segments[0])
    if host == "tidelift.com" or host.endswith(".tidelift.com"):
        return Channel(key=ChannelKey("tidelift", ""), url=TIDELIFT_URL)
    if host == "gumroad.com" or host.endswith(".gumroad.com"):
        seller = host.removesuffix(".gumroad.com") if host != "gumroad.com" else ""
        account = seller or "/".join(segments[:2]).lower()
        return Channel(key=ChannelKey("gumroad", account), url=text)
    if host == "thanks.dev" and segments:
        return _known("thanks_dev", "/".join(segments))
    if host == "issuehunt.io" and len(segments) >= 2 and segments[0].lower() == "r":
        return _known("issuehunt", "/".join(segments[1:]))
    project_platform = _PROJECT_HOSTS.get(host)
    if project_platform is not None and len(segments) >= 2 and segments[0] == "projects":
        return _known(project_platform, segments[1])
    account_platform = _ACCOUNT_HOSTS.get(host)
    if account_platform is not None and segments:
        return _known(account_platform, segments[0])
    path = "/".join(segments)
    canonical = f"https://{host}/{path}" if path else f"https://{host}/"
    if parts.query:
        canonical = f"{canonical}?{parts.query}"
    key_account = f"{host}/{path}".lower().rstrip("/")
    if parts.query:
        key_account = f"{key_account}?{parts.query}"
    return Channel(key=ChannelKey("custom", key_account), url=canonical)


def _known(platform: str, account: str) -> Channel:
    account = account.strip().lower()
    return Channel(key=ChannelKey(platform, account), url=_CANONICAL[platform].format(account))


def github_sponsors(login: str) -> Channel:
    """The GitHub Sponsors channel of an account (user or organisation)."""
    return _known("github", login)
