"""Funding targets: every channel found, grouped by recipient, with the packages behind it.

Where channels come from, per package: the repository's FUNDING.yml (or the owner's
``.github`` one), the owner's GitHub Sponsors listing, and the Project-URLs on the index.

How channels become one target (a recipient you pay once):

1. Links are compared as ``ChannelKey``s (see ``channels``): case, ``www.``, trailing
   slashes, ``/donate`` suffixes and the sponsors URL shapes do not create new targets.
2. All Tidelift links are one target: a subscription, not a person.
3. A user and an organisation of the same maintainer are not listed twice: when a
   FUNDING.yml names exactly one GitHub account and the repository's owner also has a
   Sponsors listing, the owner's listing is an alias of that account (the maintainer
   said where the money should go). If FUNDING.yml names several accounts, the owner's
   listing is left out: the file, not the listing, is the maintainer's word.
4. The channels one package declares belong to the same recipient (a maintainer's
   GitHub Sponsors, Polar and Ko-fi pages), unless the package names several GitHub
   accounts (several people: each is a target; the other channels form one project
   target). A channel declared next to disjoint sets of other channels (a foundation's
   donation page linked by unrelated projects) is "shared" and never joins recipients.

Packages reaching the same recipient through any of its channels are grouped under it:
"one person maintains 5 of your dependencies".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from auditor.sponsorship.channels import Channel, ChannelKey, github_sponsors, normalise_link
from auditor.sponsorship.facts import PackageFacts

SOURCE_FUNDING_YML = "FUNDING.yml"
SOURCE_PROJECT_URLS = "Project-URLs"
SOURCE_SPONSORS_LISTING = "GitHub Sponsors listing"
_PLATFORM_ORDER = ("github", "open_collective", "polar", "thanks_dev", "liberapay")


@dataclass(frozen=True, kw_only=True)
class Declared:
    """One channel one package declares, and where it was found."""

    package: str
    channel: Channel
    source: str
    url: str


@dataclass(frozen=True, kw_only=True)
class FundingTarget:
    """A recipient: its channels (first is the one to use), packages and evidence."""

    id: str
    name: str
    kind: str
    channels: tuple[Channel, ...]
    packages: tuple[str, ...]
    declared: tuple[Declared, ...]
    notes: tuple[str, ...] = ()

    @property
    def primary(self) -> Channel:
        return self.channels[0]


@dataclass(frozen=True, kw_only=True)
class TargetSet:
    """Every target, and the packages with no funding channel at all."""

    targets: tuple[FundingTarget, ...]
    unfunded: tuple[str, ...]


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[ChannelKey, ChannelKey] = {}

    def find(self, key: ChannelKey) -> ChannelKey:
        self.parent.setdefault(key, key)
        root = key
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[key] != root:
            self.parent[key], key = root, self.parent[key]
        return root

    def union(self, a: ChannelKey, b: ChannelKey) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # The smaller key wins, so grouping never depends on input order.
            lo, hi = sorted((ra, rb))
            self.parent[hi] = lo


def declared_channels(pkg: PackageFacts) -> tuple[list[Declared], list[str]]:
    """The channels ``pkg`` declares (once per source), and notes on folded aliases."""
    out: list[Declared] = []
    notes: list[str] = []
    seen: set[tuple[ChannelKey, str]] = set()

    def add(channel: Channel | None, source: str, url: str) -> None:
        # One entry per channel and source: the evidence shows every place it was found.
        if channel is not None and (channel.key, source) not in seen:
            seen.add((channel.key, source))
            out.append(Declared(package=pkg.name, channel=channel, source=source, url=url))

    file_links = [normalise_link(p, u) for p, u in pkg.links("funding_links")]
    for channel, (_, url) in zip(file_links, pkg.links("funding_links"), strict=True):
        add(channel, SOURCE_FUNDING_YML, url)
    for platform, url in pkg.links("funding_links_index"):
        add(normalise_link(platform, url), SOURCE_PROJECT_URLS, url)
    owner = pkg.repository.owner if pkg.repository is not None else None
    if owner and pkg.flag("has_sponsors_listing"):
        listing = github_sponsors(owner)
        named = {c.key for c in file_links if c is not None and c.key.is_github}
        if not named or listing.key in named:
            add(listing, SOURCE_SPONSORS_LISTING, listing.url)
        elif len(named) == 1:
            notes.append(
                f"{owner}'s own Sponsors listing is the same maintainer as "
                f"@{next(iter(named)).account} (its FUNDING.yml names that account)"
            )
    return out, notes


def _aliases(packages: Sequence[PackageFacts]) -> list[tuple[ChannelKey, ChannelKey]]:
    """(owner listing, account FUNDING.yml names) pairs: rule 3's aliases."""
    pairs: list[tuple[ChannelKey, ChannelKey]] = []
    for pkg in packages:
        owner = pkg.repository.owner if pkg.repository is not None else None
        if not owner or not pkg.flag("has_sponsors_listing"):
            continue
        named = {
            c.key
            for c in (normalise_link(p, u) for p, u in pkg.links("funding_links"))
            if c is not None and c.key.is_github
        }
        listing = github_sponsors(owner).key
        if len(named) == 1 and listing not in named:
            pairs.append((listing, next(iter(named))))
    return pairs


def _shared(by_package: dict[str, list[Declared]]) -> set[ChannelKey]:
    """Channels declared next to disjoint sets of other channels (rule 4)."""
    contexts: dict[ChannelKey, list[frozenset[ChannelKey]]] = {}
    for items in by_package.values():
        keys = {d.channel.key for d in items if not d.channel.key.is_tidelift}
        for key in keys:
            others = frozenset(keys - {key})
            if others:
                contexts.setdefault(key, []).append(others)
    shared: set[ChannelKey] = set()
    for key, sets in contexts.items():
        if any(a.isdisjoint(b) for i, a in enumerate(sets) for b in sets[i + 1 :]):
            shared.add(key)
    return shared


def _link(uf: _UnionFind, keys: Iterable[ChannelKey]) -> None:
    items = list(keys)
    for other in items[1:]:
        uf.union(items[0], other)


def _rank_channel(channel: Channel) -> tuple[int, str]:
    platform = channel.key.platform
    order = _PLATFORM_ORDER.index(platform) if platform in _PLATFORM_ORDER else 50
    return (100 if platform == "custom" else order, str(channel.key))


def _describe(primary: Channel, packages: Sequence[PackageFacts]) -> tuple[str, str]:
    """(display name, kind) of a target from its primary channel."""
    key = primary.key
    if key.is_tidelift:
        return "Tidelift", "subscription"
    if key.is_commercial:
        return f"{key.account or primary.title} ({primary.title})", "shop"
    if key.is_github:
        kind = "account"
        for pkg in packages:
            repo = pkg.repository
            if repo is not None and repo.owner.lower() == key.account:
                owner_type = pkg.text("owner_type")
                kind = {"User": "person", "Organization": "organisation"}.get(
                    owner_type or "", kind
                )
        return f"@{key.account}", kind
    if key.platform == "open_collective":
        return f"{key.account} (Open Collective)", "collective"
    if key.platform == "custom":
        return key.account, "link"
    return f"{key.account} ({primary.title})", "account"


def build_targets(packages: Sequence[PackageFacts]) -> TargetSet:
    """Group every declared channel into recipients; list packages with no channel."""
    by_package: dict[str, list[Declared]] = {}
    notes: dict[str, list[str]] = {}
    for pkg in packages:
        items, pkg_notes = declared_channels(pkg)
        if items:
            by_package[pkg.name] = items
        notes[pkg.name] = pkg_notes
    uf = _UnionFind()
    for a, b in _aliases(packages):
        uf.union(a, b)
    shared = _shared(by_package)
    for items in by_package.values():
        keys = [d.channel.key for d in items]
        for key in keys:
            uf.find(key)
        joinable = [k for k in keys if not k.is_tidelift and k not in shared]
        accounts = {uf.find(k) for k in joinable if k.is_github}
        if len(accounts) <= 1:
            _link(uf, joinable)
        else:
            _link(uf, [k for k in joinable if not k.is_github])

    groups: dict[ChannelKey, list[Declared]] = {}
    for items in by_package.values():
        for d in items:
            groups.setdefault(uf.find(d.channel.key), []).append(d)
    facts = {p.name: p for p in packages}
    targets: list[FundingTarget] = []
    for declared in groups.values():
        channels = {d.channel.key: d.channel for d in declared}
        ordered = sorted(channels.values(), key=_rank_channel)
        members = [facts[n] for n in dict.fromkeys(d.package for d in declared)]
        primary = ordered[0]
        name, kind = _describe(primary, members)
        target_notes = [n for m in members for n in notes.get(m.name, ())]
        targets.append(
            FundingTarget(
                id=str(primary.key),
                name=name,
                kind=kind,
                channels=tuple(ordered),
                packages=tuple(sorted(m.name for m in members)),
                declared=tuple(declared),
                notes=tuple(dict.fromkeys(target_notes)),
            )
        )
    targets.sort(key=lambda t: t.id)
    unfunded = tuple(sorted(p.name for p in packages if p.name not in by_package))
    return TargetSet(targets=tuple(targets), unfunded=unfunded)
