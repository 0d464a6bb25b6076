"""FUNDING.yml: parse the subset GitHub accepts and map every platform key to its URL.

GitHub's file is tiny YAML: ``key: value``, ``key: [a, b]`` or a block list under a key.
A full YAML parser would be a new dependency for a dozen lines of input, so this module
reads exactly that subset and ignores anything else rather than failing: a malformed
FUNDING.yml is a project's mistake, not a reason to lose the rest of its signals.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote, urlsplit

# Platform key → how GitHub turns the value into the link it shows on the sponsor button.
PLATFORM_URLS: dict[str, Callable[[str], str]] = {
    "github": lambda v: f"https://github.com/sponsors/{quote(v)}",
    "patreon": lambda v: f"https://www.patreon.com/{quote(v)}",
    "open_collective": lambda v: f"https://opencollective.com/{quote(v)}",
    "ko_fi": lambda v: f"https://ko-fi.com/{quote(v)}",
    "tidelift": lambda v: f"https://tidelift.com/funding/github/{quote(v)}",
    "community_bridge": lambda v: f"https://funding.communitybridge.org/projects/{quote(v)}",
    "liberapay": lambda v: f"https://liberapay.com/{quote(v)}",
    "issuehunt": lambda v: f"https://issuehunt.io/r/{quote(v)}",
    "lfx_crowdfunding": lambda v: (
        f"https://crowdfunding.lfx.linuxfoundation.org/projects/{quote(v)}"
    ),
    "polar": lambda v: f"https://polar.sh/{quote(v)}",
    "buy_me_a_coffee": lambda v: f"https://www.buymeacoffee.com/{quote(v)}",
    "thanks_dev": lambda v: f"https://thanks.dev/{quote(v)}",
    "otechie": lambda v: f"https://otechie.com/{quote(v)}",
    "custom": lambda v: _custom_url(v),
}


def _custom_url(value: str) -> str:
    """GitHub shows scheme-less custom links as https; other schemes stay (and are dropped)."""
    if "://" in value:
        return value
    head = value.split("/", 1)[0]
    if ":" in head and not head.rsplit(":", 1)[1].isdigit():
        return value  # "javascript:…", "mailto:…": not a web link
    return f"https://{value}"


# GraphQL ``FundingPlatform`` enum values → FUNDING.yml keys.
GRAPHQL_PLATFORMS: dict[str, str] = {key.upper(): key for key in PLATFORM_URLS}


def _scalar(text: str) -> str:
    text = text.strip()
    if " #" in text:
        text = text.split(" #", 1)[0].strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    return text.strip()


def parse_funding_yml(text: str) -> dict[str, list[str]]:
    """Platform key → values, for the keys GitHub knows; unknown keys are dropped."""
    result: dict[str, list[str]] = {}
    current: str | None = None
    for raw in text.splitlines():
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or stripped == "---":
            continue
        if stripped.startswith("- ") and current is not None:
            value = _scalar(stripped[2:])
            if value:
                result.setdefault(current, []).append(value)
            continue
        key, sep, rest = stripped.partition(":")
        if not sep:
            current = None
            continue
        key = key.strip().lower()
        current = key if key in PLATFORM_URLS else None
        if current is None:
            continue
        rest = rest.strip()
        if rest.startswith("[") and rest.rstrip().endswith("]"):
            values = [_scalar(v) for v in rest.strip()[1:-1].split(",")]
        else:
            values = [_scalar(rest)] if _scalar(rest) else []
        values = [v for v in values if v and v.lower() not in {"null", "~"}]
        if values:
            result.setdefault(current, []).extend(values)
    return result


def funding_entries(text: str) -> list[dict[str, str]]:
    """``[{"platform", "url"}]`` for a FUNDING.yml, custom links limited to http(s)."""
    out: list[dict[str, str]] = []
    for platform, values in parse_funding_yml(text).items():
        for value in values:
            url = PLATFORM_URLS[platform](value)
            if urlsplit(url).scheme in {"http", "https"}:
                out.append({"platform": platform, "url": url})
    return out


def from_graphql(links: object) -> list[dict[str, str]]:
    """Normalise GraphQL ``fundingLinks`` into the same ``{"platform", "url"}`` shape."""
    out: list[dict[str, str]] = []
    if not isinstance(links, list):
        return out
    for link in links:
        if not isinstance(link, dict):
            continue
        url, platform = link.get("url"), link.get("platform")
        if isinstance(url, str) and isinstance(platform, str):
            out.append({"platform": GRAPHQL_PLATFORMS.get(platform, platform.lower()), "url": url})
    return out
