"""Who is who: merging a person's aliases into one developer and leaving bots out.

Why it matters: a maintainer who commits from a work and a home address would
otherwise count as two people, halving their authorship and inflating the truck factor;
a dependency bot touching every manifest would count as a core developer. ``git log``
applies ``.mailmap`` already (``%aN``/``%aE``); on top of that, two identities with the
same name or the same e-mail are one developer (union-find, transitively). Placeholder
names and addresses ("root", "noreply@github.com") never merge anyone.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

_BOT_NAMES = frozenset(
    {
        "dependabot",
        "dependabot-preview",
        "renovate",
        "renovate-bot",
        "renovatebot",
        "github-actions",
        "github action",
        "github actions",
        "pre-commit-ci",
        "pre-commit ci",
        "greenkeeper",
        "greenkeeperio-bot",
        "snyk-bot",
        "mergify",
        "imgbot",
        "imgbotapp",
        "allcontributors",
        "all-contributors",
        "semantic-release-bot",
        "codecov",
        "pyup-bot",
        "pyup.io bot",
        "web-flow",
        "copilot",
    }
)
_BOT_NAME = re.compile(r"\[bot\]|(?:^|[\s_-])bot$|^bot[\s_-]", re.IGNORECASE)
_BOT_EMAILS = frozenset(
    {
        "noreply@github.com",
        "action@github.com",
        "actions@github.com",
        "bot@renovateapp.com",
        "support@dependabot.com",
        "github-actions@github.com",
    }
)
_GENERIC_NAMES = frozenset(
    {
        "",
        "unknown",
        "root",
        "user",
        "admin",
        "ubuntu",
        "none",
        "anonymous",
        "your name",
        "(no author)",
        "github",
        "nobody",
        "localhost",
    }
)
_GENERIC_EMAIL = re.compile(
    r"^(?:|none@none|you@example\.com|your@email\.com|email@example\.com|"
    r"root@.*|.*@localhost(?:\.localdomain)?|.*\(none\))$"
)


def is_bot(name: str, email: str) -> bool:
    """True for automation accounts: dependency updaters, CI, formatters."""
    lowered = name.strip().lower()
    mail = email.strip().lower()
    if lowered in _BOT_NAMES or _BOT_NAME.search(lowered):
        return True
    if mail in _BOT_EMAILS or "[bot]" in mail:
        return True
    local = mail.partition("@")[0]
    return local.endswith(("-bot", "[bot]")) or local.split("+")[-1] in _BOT_NAMES


def _name_key(name: str) -> str | None:
    key = " ".join(name.split()).casefold()
    return None if key in _GENERIC_NAMES else key


def _email_key(email: str) -> str | None:
    key = email.strip().lower()
    if "@" not in key or _GENERIC_EMAIL.match(key):
        return None
    return key


@dataclass(frozen=True, kw_only=True)
class Developer:
    """One person, after aliases are merged. ``id`` indexes ``Resolution.developers``."""

    id: int
    name: str
    email: str
    emails: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Resolution:
    """Raw identity index -> developer id (None for a bot), and the developers."""

    developer_of: tuple[int | None, ...]
    developers: tuple[Developer, ...]
    bots: tuple[str, ...]


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, item: int) -> int:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def resolve(identities: Sequence[tuple[str, str]], weights: Sequence[int]) -> Resolution:
    """Merge raw ``(name, email)`` identities; ``weights`` (commit counts) pick display names.

    Developer ids are assigned in order of display name, then e-mail, so the result does
    not depend on the order in which history happened to list the identities.
    """
    uf = _UnionFind(len(identities))
    first_with: dict[str, int] = {}
    bots: set[str] = set()
    human: list[bool] = []
    for index, (name, email) in enumerate(identities):
        if is_bot(name, email):
            bots.add(f"{name} <{email}>")
            human.append(False)
            continue
        human.append(True)
        for prefix, value in (("n:", _name_key(name)), ("e:", _email_key(email))):
            if value is None:
                continue
            key = prefix + value
            if key in first_with:
                uf.union(first_with[key], index)
            else:
                first_with[key] = index
    groups: dict[int, list[int]] = {}
    for index in range(len(identities)):
        if human[index]:
            groups.setdefault(uf.find(index), []).append(index)
    described: list[tuple[str, str, tuple[str, ...], list[int]]] = []
    for members in groups.values():
        names: Counter[str] = Counter()
        emails: Counter[str] = Counter()
        for index in members:
            name, email = identities[index]
            names[name] += weights[index]
            emails[email] += weights[index]
        best_name = min(names, key=lambda n: (-names[n], n))
        best_email = min(emails, key=lambda e: (-emails[e], e))
        described.append((best_name, best_email, tuple(sorted(emails)), members))
    described.sort(key=lambda d: (d[0].casefold(), d[0], d[1], d[2]))
    developer_of: list[int | None] = [None] * len(identities)
    developers: list[Developer] = []
    for dev_id, (name, email, emails_seen, members) in enumerate(described):
        developers.append(Developer(id=dev_id, name=name, email=email, emails=emails_seen))
        for index in members:
            developer_of[index] = dev_id
    return Resolution(
        developer_of=tuple(developer_of), developers=tuple(developers), bots=tuple(sorted(bots))
    )
