"""Degree of authorship and the truck factor (Avelino et al., ICPC 2016).

DOA = 3.293 + 1.098·FA + 0.164·DL − 0.321·ln(1 + AC), with FA = 1 for every developer
who added the file anywhere in its lineage, DL the developer's modifications and
renames of the file and AC everyone else's. A developer authors a file when their DOA
is above 0.75 of the file's highest and (DOA ≥ 3.293 or they added it). The truck
factor removes the developer who authors the most files, again and again, until fewer
than half of the files keep an author.

Why these exact thresholds: they are the paper's, validated against what maintainers
of 133 projects said about their own key developers; changing them changes what the
number means.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass

DOA_BASE = 3.293
DOA_FA = 1.098
DOA_DL = 0.164
DOA_AC = 0.321
NORMALISED_THRESHOLD = 0.75
COVERAGE = 0.5


def degree_of_authorship(*, created: bool, own_changes: int, others_changes: int) -> float:
    """The paper's formula for one developer and one file."""
    return (
        DOA_BASE
        + DOA_FA * (1 if created else 0)
        + DOA_DL * own_changes
        - DOA_AC * math.log(1 + others_changes)
    )


def file_authors(
    creators: Set[int], changes: Mapping[int, int], *, others_total: int = 0
) -> frozenset[int]:
    """The developers who author one file.

    ``creators`` are every developer who added the file somewhere in its lineage (FA = 1
    for each, as the study's tool counts them), ``changes`` their modifications and
    renames per developer (DL), and ``others_total`` changes by no developer of ours
    (bots), which still count in everyone's AC.
    """
    people = set(changes) | set(creators)
    if not people:
        return frozenset()
    total = sum(changes.values()) + others_total
    scores = {
        dev: degree_of_authorship(
            created=dev in creators,
            own_changes=changes.get(dev, 0),
            others_changes=total - changes.get(dev, 0),
        )
        for dev in people
    }
    best = max(scores.values())
    if best <= 0:
        return frozenset()
    return frozenset(
        dev
        for dev, score in scores.items()
        if score / best > NORMALISED_THRESHOLD and (score >= DOA_BASE or dev in creators)
    )


@dataclass(frozen=True, kw_only=True)
class TruckFactor:
    """The truck factor, the developers removed (in order) and files each authors."""

    value: int
    removed: tuple[int, ...]
    authored: Mapping[int, int]
    files: int
    orphans: int


def truck_factor(
    authors_per_file: Sequence[frozenset[int]],
    *,
    tie_key: Mapping[int, tuple[int | str, ...]] | None = None,
) -> TruckFactor:
    """Greedy removal of the top author; ``tie_key`` orders developers with equal counts.

    A result of 0 means fewer than half of the files had an author to begin with
    (history cut short, or files only bots touched).

    Ties are broken by ``tie_key`` (smaller first; the caller passes "more commits, then
    name"), then by developer id, so the same history always gives the same answer.
    """
    authored: dict[int, int] = {}
    for file_devs in authors_per_file:
        for dev in file_devs:
            authored[dev] = authored.get(dev, 0) + 1
    keys = tie_key or {}
    order = sorted(authored, key=lambda d: (-authored[d], keys.get(d, ()), d))
    total = len(authors_per_file)
    orphans = sum(1 for file_devs in authors_per_file if not file_devs)
    if total == 0:
        return TruckFactor(value=0, removed=(), authored=authored, files=0, orphans=0)
    remaining: list[set[int]] = [set(a) for a in authors_per_file if a]
    covered = len(remaining)
    removed: list[int] = []
    files_of: dict[int, list[int]] = {}
    for index, devs in enumerate(remaining):
        for dev in devs:
            files_of.setdefault(dev, []).append(index)
    for dev in order:
        if covered < COVERAGE * total:
            break
        removed.append(dev)
        for index in files_of.get(dev, ()):
            left = remaining[index]
            left.discard(dev)
            if not left:
                covered -= 1
    return TruckFactor(
        value=len(removed),
        removed=tuple(removed),
        authored=authored,
        files=total,
        orphans=orphans,
    )
