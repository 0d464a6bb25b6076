"""The data that flows one way through the pipeline, as frozen dataclasses.

Sources produce ``DependencyInput``; resolution turns it into a graph of
``ResolvedPackage``; collectors add ``Signal`` values. Nothing here does I/O, so every
stage can be tested with hand-built values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True, kw_only=True)
class Origin:
    """Where a requirement was written, so reports can point at the line."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"


@dataclass(frozen=True, kw_only=True)
class Requirement:
    """One requirement as the user wrote it, normalised enough to resolve.

    ``name`` is the PEP 503 canonical name; ``display_name`` is the spelling in the file.
    ``specifier`` is a PEP 440 specifier string ("" means any version); Poetry-style
    constraints are already translated. ``url`` is set for direct references.
    """

    name: str
    display_name: str
    origin: Origin
    text: str
    specifier: str = ""
    extras: tuple[str, ...] = ()
    marker: str | None = None
    url: str | None = None
    editable: bool = False
    constraint: bool = False
    hashes: tuple[str, ...] = ()
    group: str | None = None


@dataclass(frozen=True, kw_only=True)
class IndexOptions:
    """Index settings a dependency file carries (``--index-url`` and friends)."""

    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    trusted_hosts: tuple[str, ...] = ()
    no_index: bool = False


@dataclass(frozen=True, kw_only=True)
class LockedDependency:
    """An edge recorded by a lock file: the dependency's name, extras and marker."""

    name: str
    extras: tuple[str, ...] = ()
    marker: str | None = None
    specifier: str = ""


@dataclass(frozen=True, kw_only=True)
class LockedPackage:
    """A package pinned by a lock file or an installed environment.

    ``dependencies`` is None when the lock does not record edges (Pipfile.lock,
    pylock.toml without them): resolution then reads them from the package's metadata.
    """

    name: str
    version: str | None
    origin: Origin
    dependencies: tuple[LockedDependency, ...] | None = None
    source: str | None = None
    groups: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class DependencyInput:
    """What one input file says: the direct requirements and, for locks, the exact set."""

    path: str
    kind: str
    requirements: tuple[Requirement, ...] = ()
    constraints: tuple[Requirement, ...] = ()
    locked: tuple[LockedPackage, ...] | None = None
    index: IndexOptions = field(default_factory=IndexOptions)
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class SourceOptions:
    """The user's choices that change what a file contributes."""

    extras: frozenset[str] = frozenset()
    all_extras: bool = False
    groups: frozenset[str] = frozenset()
    all_groups: bool = False
    #: follow ``-r``/``-c`` includes that leave the checkout (off: a pull request could
    #: otherwise make the audit read any file the CI runner can)
    allow_outside_includes: bool = False


class PackageStatus(StrEnum):
    RESOLVED = "resolved"
    LOCKED = "locked"
    DIRECT_URL = "direct-url"
    UNRESOLVABLE = "unresolvable"


@dataclass(frozen=True, kw_only=True)
class ResolvedPackage:
    """A node of the dependency graph.

    ``version`` is None only when the package could not be resolved; ``reason`` says why.
    ``dependencies_known`` is False when no metadata could be read for its edges.
    """

    name: str
    display_name: str
    version: str | None
    status: PackageStatus
    url: str | None = None
    reason: str | None = None
    requires_python: str | None = None
    dependencies_known: bool = True
    extras: tuple[str, ...] = ()
    #: for a fully pinned file audited as pinned: each pinned dependent whose requirement
    #: this package's pin does not meet, as "file:line: ... but file:line pins ..."
    pin_conflicts: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Target:
    """The environment markers are evaluated for, and wheels are chosen for."""

    python_version: str
    python_full_version: str
    platform: str
    marker_environment: tuple[tuple[str, str], ...]

    def markers(self) -> dict[str, str]:
        return dict(self.marker_environment)
