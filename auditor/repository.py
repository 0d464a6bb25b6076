"""Package → source repository mapping, from a project's declared URLs only.

Pure functions: they read the Project-URLs (label → url) and the home page a package
declares and never touch the network. Labels are normalised as the well-known project
URL specification says (lowercase, punctuation and whitespace removed), so "Source
Code", "source-code" and "SourceCode" are one label. Only a link to GitHub (github.com
or the configured GitHub host) yields a ``RepositoryRef``: a link to any other host is
left for the caller to record, never to fetch, which is what keeps an untrusted
Project-URL (a private or loopback address) from steering our requests.
"""

from __future__ import annotations

import ipaddress
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit


@dataclass(frozen=True, kw_only=True)
class RepositoryRef:
    """A source repository a package maps to, with how sure we are and why."""

    url: str
    host: str
    owner: str
    name: str
    confidence: Literal["high", "medium", "low"]
    how: str

    @property
    def slug(self) -> str:
        return f"{self.owner}/{self.name}"


DEFAULT_GITHUB_HOSTS: tuple[str, ...] = ("github.com",)

# Well-known labels (the specification's aliases), after normalisation.
SOURCE_LABELS = frozenset({"source", "repository", "sourcecode", "github"})
FUNDING_LABELS = frozenset({"funding", "sponsor", "donate", "donation"})
HOMEPAGE_LABELS = frozenset({"homepage"})
# Labels whose GitHub link almost always points inside the project's own repository.
REPOSITORY_HINT_LABELS = frozenset(
    {
        "issues",
        "bugs",
        "issue",
        "tracker",
        "issuetracker",
        "bugtracker",
        "changelog",
        "changes",
        "whatsnew",
        "history",
        "releasenotes",
    }
)

# First path segments of github.com that are pages of the site, not repository owners.
_RESERVED_OWNERS = frozenset(
    {
        "about",
        "apps",
        "collections",
        "contact",
        "enterprise",
        "explore",
        "features",
        "login",
        "marketplace",
        "notifications",
        "orgs",
        "organizations",
        "pricing",
        "search",
        "settings",
        "site",
        "sponsors",
        "topics",
        "trending",
        "users",
    }
)
_PUNCTUATION_AND_SPACE = str.maketrans("", "", string.punctuation + string.whitespace)

Confidence = Literal["high", "medium", "low"]

# Funding hosts → FUNDING.yml platform names, so links from Project-URLs and from
# FUNDING.yml / fundingLinks share one vocabulary.
_FUNDING_HOSTS: tuple[tuple[str, str], ...] = (
    ("opencollective.com", "open_collective"),
    ("patreon.com", "patreon"),
    ("ko-fi.com", "ko_fi"),
    ("tidelift.com", "tidelift"),
    ("liberapay.com", "liberapay"),
    ("issuehunt.io", "issuehunt"),
    ("polar.sh", "polar"),
    ("buymeacoffee.com", "buy_me_a_coffee"),
    ("thanks.dev", "thanks_dev"),
    ("crowdfunding.lfx.linuxfoundation.org", "lfx_crowdfunding"),
    ("funding.communitybridge.org", "community_bridge"),
)


@dataclass(frozen=True, kw_only=True)
class ParsedRepoUrl:
    """A repository URL reduced to host, owner and name."""

    host: str
    owner: str
    name: str

    @property
    def url(self) -> str:
        return f"https://{self.host}/{self.owner}/{self.name}"


def normalise_label(label: str) -> str:
    """Lowercase and drop punctuation and whitespace, per the project URL specification."""
    return label.translate(_PUNCTUATION_AND_SPACE).lower()


def label_kind(label: str) -> str:
    """The well-known kind of a label: source, funding, homepage, or the normalised label."""
    norm = normalise_label(label)
    if norm in SOURCE_LABELS:
        return "source"
    if norm in FUNDING_LABELS:
        return "funding"
    if norm in HOMEPAGE_LABELS:
        return "homepage"
    return norm


@lru_cache(maxsize=4096)
def is_ip_or_local(host: str) -> bool:
    """True for IP literals and local names: never a GitHub host, whatever is configured.

    Remembered per host: an audit asks about the same few hosts hundreds of times, and a
    name that is not an address costs ``ipaddress`` two failed parses each time."""
    if host in {"localhost", ""} or host.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def parse_repository_url(
    url: str, *, github_hosts: Iterable[str] = DEFAULT_GITHUB_HOSTS
) -> ParsedRepoUrl | None:
    """Reduce a GitHub URL to host/owner/name, or None when it names no GitHub repository.

    Accepts https, git+https, ssh and scp-like (``git@github.com:o/r.git``) forms; strips
    ``.git``, ``/tree/...``, ``/blob/...``, ``/issues``, query and fragment.
    """
    hosts = {h.lower() for h in github_hosts}
    text = url.strip()
    if not text:
        return None
    if "://" not in text and text.startswith("git@") and ":" in text:
        # scp-like syntax: git@github.com:owner/repo.git
        user_host, _, path = text.partition(":")
        host = user_host.split("@", 1)[1]
    else:
        if text.startswith("git+"):
            text = text[4:]
        if "://" not in text:
            text = "https://" + text
        try:
            parts = urlsplit(text)
            host = parts.hostname or ""
        except ValueError:
            return None
        if parts.scheme not in {"http", "https", "ssh", "git"}:
            return None
        path = parts.path
    host = host.lower().removeprefix("www.")
    if host not in hosts or is_ip_or_local(host):
        return None
    segments = [s for s in path.split("/") if s]
    if len(segments) < 2:
        return None
    owner, name = segments[0], segments[1]
    name = name.removesuffix(".git")
    if owner.lower() in _RESERVED_OWNERS or not name or not _valid_segment(owner):
        return None
    if not _valid_segment(name):
        return None
    return ParsedRepoUrl(host=host, owner=owner, name=name)


def _valid_segment(segment: str) -> bool:
    allowed = set(string.ascii_letters + string.digits + "-_.")
    return all(c in allowed for c in segment) and segment not in {".", ".."}


def map_repository(
    urls: Mapping[str, str],
    *,
    home_page: str | None = None,
    github_hosts: Iterable[str] = DEFAULT_GITHUB_HOSTS,
) -> RepositoryRef | None:
    """The package's GitHub repository, with a confidence and how it was found.

    Order: a source label (high), the homepage (medium), an issues/changelog link into a
    repository (medium), then any other GitHub link (low). Funding links are skipped:
    ``github.com/sponsors/x`` names a person, not a repository.
    """
    hosts = tuple(github_hosts)
    labelled = list(urls.items())
    if home_page:
        labelled.append(("Home-page", home_page))

    def first(kinds: set[str] | None, confidence: Confidence, how: str) -> RepositoryRef | None:
        for label, url in labelled:
            kind = label_kind(label)
            if kind == "funding":
                continue
            if kinds is not None and kind not in kinds:
                continue
            parsed = parse_repository_url(url, github_hosts=hosts)
            if parsed is not None:
                return RepositoryRef(
                    url=parsed.url,
                    host=parsed.host,
                    owner=parsed.owner,
                    name=parsed.name,
                    confidence=confidence,
                    how=how.format(label=label),
                )
        return None

    return (
        first({"source"}, "high", "Project-URL {label!r} (a source label)")
        or first({"homepage"}, "medium", "the homepage ({label})")
        or first(set(REPOSITORY_HINT_LABELS), "medium", "Project-URL {label!r} links into it")
        or first(None, "low", "a GitHub link under Project-URL {label!r}")
    )


def declared_source_urls(urls: Mapping[str, str], *, home_page: str | None = None) -> list[str]:
    """Source-labelled URLs on any host, so a non-GitHub repository can be recorded."""
    found = [url for label, url in urls.items() if label_kind(label) == "source"]
    if home_page and not found:
        found.append(home_page)
    return found


def funding_platform(url: str, *, github_hosts: Iterable[str] = DEFAULT_GITHUB_HOSTS) -> str:
    """The FUNDING.yml platform a funding URL belongs to, or "custom"."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return "custom"
    host = (parts.hostname or "").lower().removeprefix("www.")
    if host in {h.lower() for h in github_hosts} and parts.path.startswith("/sponsors/"):
        return "github"
    for suffix, platform in _FUNDING_HOSTS:
        if host == suffix or host.endswith("." + suffix):
            return platform
    return "custom"


def funding_links(
    urls: Mapping[str, str], *, github_hosts: Iterable[str] = DEFAULT_GITHUB_HOSTS
) -> list[dict[str, str]]:
    """Funding links from Project-URLs, as ``{"platform", "url", "label"}``, in order.

    A link under any label that points at a GitHub Sponsors page counts too: projects
    often file it under "Homepage"-like labels. Only http(s) URLs are kept.
    """
    hosts = tuple(github_hosts)
    seen: set[str] = set()
    out: list[dict[str, str]] = []
    for label, url in urls.items():
        clean = url.strip()
        if urlsplit(clean).scheme not in {"http", "https"} or clean in seen:
            continue
        platform = funding_platform(clean, github_hosts=hosts)
        if label_kind(label) == "funding" or platform != "custom":
            seen.add(clean)
            out.append({"platform": platform, "url": clean, "label": label})
    return out


def github_hosts_for(base_url: str) -> frozenset[str]:
    """Web hosts whose repository links the configured API can answer for.

    github.com always; for GitHub Enterprise (``https://ghe.example/api/v3`` or
    ``https://api.ghe.example``) its web host too. IP literals and local names never
    count, so a Project-URL cannot point the collector at a private address.
    """
    hosts = {"github.com"}
    host = (urlsplit(base_url).hostname or "").lower()
    if host and host != "api.github.com" and not is_ip_or_local(host):
        hosts.add(host.removeprefix("api."))
    return frozenset(hosts)
