"""What one analysis of one commit found, independent of the day it is read.

Why split from the report: a commit id is immutable, so what its history says (who
authored which files, who committed when) can be cached for good; "active in the last
90 days" depends on today and is computed from these facts on every run. The JSON form
is columnar so a 20,000-commit history stays a few hundred kilobytes in the cache.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

FACTS_VERSION = 2


@dataclass(frozen=True, kw_only=True)
class Person:
    """A developer after alias merging: display name and most used address."""

    name: str
    email: str


@dataclass(frozen=True, kw_only=True)
class AnalysedFile:
    """A file the truck factor counts: its Linguist language and its authors (ids)."""

    path: str
    language: str
    authors: tuple[int, ...]


@dataclass(frozen=True, kw_only=True)
class Evidence:
    """What a maintainer needs to check the number: every file, in or out, and why.

    Not cached with the facts (it grows with the tree, and the collector does not need
    it); a fresh analysis always has it.
    """

    analysed: tuple[AnalysedFile, ...]
    excluded: tuple[tuple[str, str], ...]


@dataclass(frozen=True, kw_only=True)
class HistoryFacts:
    """The time-independent result of analysing one revision.

    ``notes`` say what the analysis had to skip or guess (missing file contents, files
    classified by name only); ``commit_*`` columns hold one entry per non-merge commit
    by a person (bots left out): developer index into ``people``, author time (Unix
    seconds), and index into ``organisations`` (-1: no organisation).
    """

    revision: str
    rename_detection: str
    excludes: tuple[str, ...]
    people: tuple[Person, ...]
    bots: tuple[str, ...]
    files_total: int
    files_analysed: int
    files_orphaned: int
    truck_factor: int | None
    truck_factor_developers: tuple[int, ...]
    authored_files: Mapping[int, int]
    commit_developer: tuple[int, ...]
    commit_time: tuple[int, ...]
    commit_organisation: tuple[int, ...]
    organisations: tuple[str, ...]
    last_commit_time: int | None
    notes: tuple[str, ...] = ()
    evidence: Evidence | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "version": FACTS_VERSION,
            "revision": self.revision,
            "rename_detection": self.rename_detection,
            "excludes": list(self.excludes),
            "people": [[p.name, p.email] for p in self.people],
            "bots": list(self.bots),
            "files_total": self.files_total,
            "files_analysed": self.files_analysed,
            "files_orphaned": self.files_orphaned,
            "truck_factor": self.truck_factor,
            "truck_factor_developers": list(self.truck_factor_developers),
            "authored_files": [[d, n] for d, n in sorted(self.authored_files.items())],
            "commit_developer": list(self.commit_developer),
            "commit_time": list(self.commit_time),
            "commit_organisation": list(self.commit_organisation),
            "organisations": list(self.organisations),
            "last_commit_time": self.last_commit_time,
            "notes": list(self.notes),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> HistoryFacts | None:
        """The facts back from the cache, or None if the entry is of another version."""
        if not isinstance(data, Mapping) or data.get("version") != FACTS_VERSION:
            return None
        try:
            return cls(
                revision=str(data["revision"]),
                rename_detection=str(data["rename_detection"]),
                excludes=tuple(str(x) for x in data["excludes"]),
                people=tuple(Person(name=str(n), email=str(e)) for n, e in data["people"]),
                bots=tuple(str(b) for b in data["bots"]),
                files_total=int(data["files_total"]),
                files_analysed=int(data["files_analysed"]),
                files_orphaned=int(data["files_orphaned"]),
                truck_factor=None if data["truck_factor"] is None else int(data["truck_factor"]),
                truck_factor_developers=tuple(int(d) for d in data["truck_factor_developers"]),
                authored_files={int(d): int(n) for d, n in data["authored_files"]},
                commit_developer=tuple(int(x) for x in data["commit_developer"]),
                commit_time=tuple(int(x) for x in data["commit_time"]),
                commit_organisation=tuple(int(x) for x in data["commit_organisation"]),
                organisations=tuple(str(x) for x in data["organisations"]),
                last_commit_time=(
                    None if data["last_commit_time"] is None else int(data["last_commit_time"])
                ),
                notes=tuple(str(n) for n in data.get("notes", ())),
            )
        except (KeyError, TypeError, ValueError):
            return None
