"""Check that a set of pins is a valid resolution of some requirements, for a target.

Two resolvers can both be right and still disagree (they order their choices
differently). To compare ours with another tool's, each answer is checked on its own:
every requirement that applies is met, every release is installable on the target,
and nothing is pinned that no requirement reaches.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from packaging.markers import Marker
from packaging.requirements import Requirement as PkgRequirement
from packaging.specifiers import SpecifierSet
from packaging.tags import Tag
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

from auditor.index.client import IndexClient
from auditor.model import Target


@dataclass(frozen=True, kw_only=True)
class Verdict:
    """``problems`` is empty when the pins are a valid resolution."""

    problems: tuple[str, ...]
    reached: frozenset[str]

    @property
    def valid(self) -> bool:
        return not self.problems


def check_resolution(
    roots: Sequence[str],
    pins: Mapping[str, str],
    *,
    index: IndexClient,
    target: Target,
    tags: Sequence[Tag],
) -> Verdict:
    """Walk from ``roots`` (requirement strings) through the pinned releases' metadata."""
    env = target.markers()
    python = Version(target.python_full_version)
    tag_set = frozenset(tags)
    pins = {canonicalize_name(k): v for k, v in pins.items()}
    problems: list[str] = []
    queue: deque[tuple[PkgRequirement, str]] = deque()
    for text in roots:
        queue.append((PkgRequirement(text), "the input"))
    seen: set[tuple[str, frozenset[str]]] = set()
    reached: set[str] = set()
    while queue:
        req, parent = queue.popleft()
        name = canonicalize_name(req.name)
        version = pins.get(name)
        if version is None:
            problems.append(f"{name} is required by {parent} ({req}) but not pinned")
            continue
        if not req.specifier.contains(Version(version), prereleases=True):
            problems.append(f"{name}=={version} does not meet {req} from {parent}")
        extras = frozenset(canonicalize_name(e) for e in req.extras)
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        if name not in reached:
            reached.add(name)
            if not _installable(index, name, version, python, tag_set):
                problems.append(f"{name}=={version} has no file installable on the target")
        meta = index.metadata(name, str(Version(version)), tags)
        if meta.requires_dist is None:
            problems.append(f"{name}=={version}: dependencies unknown, cannot check them")
            continue
        for line in meta.requires_dist:
            dep = PkgRequirement(line)
            if dep.marker is not None and not any(
                _marker(dep.marker, env, e) for e in ("", *sorted(extras))
            ):
                continue
            if canonicalize_name(dep.name) == name and not (
                frozenset(canonicalize_name(e) for e in dep.extras) - extras
            ):
                continue
            queue.append((dep, f"{name}=={version}"))
    for extra_pin in sorted(set(pins) - reached):
        problems.append(
            f"{extra_pin}=={pins[extra_pin]} is pinned but nothing requires it on this target"
        )
    return Verdict(problems=tuple(problems), reached=frozenset(reached))


def _marker(marker: Marker, env: Mapping[str, str], extra: str) -> bool:
    return bool(marker.evaluate({**env, "extra": extra}))


def _installable(
    index: IndexClient, name: str, version: str, python: Version, tags: frozenset[Tag]
) -> bool:
    for f in index.files(name, str(Version(version))) or index.files(name, version):
        if f.requires_python and not SpecifierSet(f.requires_python).contains(
            python, prereleases=True
        ):
            continue
        if not f.is_wheel:
            return True
        if not parse_wheel_filename(f.filename)[3].isdisjoint(tags):
            return True
    return False
