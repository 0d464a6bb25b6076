"""The resolvelib provider: how candidates are found, ordered and expanded.

pip's rules, which the resolved set must match: newest version first; yanked releases
only when pinned with ``==``; pre-releases only when asked for or nothing else fits;
a version counts only if the target can install one of its files (a compatible wheel
or an sdist) and its Requires-Python admits the target. Extras are separate
identifiers (``name[extra]``) that depend on the base package at the same version.

Cold-run speed comes from prefetching: as soon as a dependency is seen, a worker thread
fetches its file list and the metadata of its most likely version, so the (sequential)
resolver mostly finds what it needs already on hand.
"""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as PkgRequirement
from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet
from packaging.tags import Tag
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version
from resolvelib import AbstractProvider

from auditor.index.client import CoreMetadata, IndexClient, PackageNotFoundError, shown
from auditor.index.simple_api import DistFile
from auditor.model import Origin, Target

#: candidates fetched ahead while the resolver backtracks through a project
BACKTRACK_AHEAD = 3


@dataclass(frozen=True, eq=False)
class Req:
    """A requirement as the resolver sees it, remembering who asked for it.

    Compared by identity: hashing a SpecifierSet canonicalises every clause, and the
    resolver asks "does this pin satisfy that requirement" hundreds of thousands of times.
    """

    name: str
    extras: frozenset[str]
    specifier: SpecifierSet
    url: str | None = None
    marker: str | None = None
    text: str = ""
    origin: Origin | None = None
    parent: str | None = None
    #: ``name[extra,...]``, kept: resolvelib asks for it on every scan of its criteria
    identifier: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "identifier", identifier(self.name, self.extras))


@dataclass(frozen=True)
class Cand:
    """A concrete release (or a direct reference) of a project, with chosen extras."""

    name: str
    version: Version | None
    extras: frozenset[str] = frozenset()
    url: str | None = None
    files: tuple[DistFile, ...] = field(default=(), compare=False, hash=False)
    #: set on the stand-in for a release that only an unreachable index may have: why
    unavailable: str | None = None
    #: ``name[extra,...]``, kept: resolvelib asks for it on every scan of its criteria
    identifier: str = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "identifier", identifier(self.name, self.extras))

    @property
    def label(self) -> str:
        if self.unavailable:
            return f"{self.name} (unresolvable)"
        return f"{self.name} {self.version}" if self.version else f"{self.name} @ {self.url}"


def identifier(name: str, extras: Iterable[str]) -> str:
    extras = sorted(extras)
    return f"{name}[{','.join(extras)}]" if extras else name


@dataclass(frozen=True, kw_only=True)
class DirectInfo:
    """What we know about a direct reference: its version and metadata, if any."""

    version: Version | None
    metadata: CoreMetadata | None
    reason: str | None


class Provider(AbstractProvider[Req, Cand, str]):
    """See the module docstring. Records every candidate's dependencies for the graph."""

    def __init__(
        self,
        *,
        index: IndexClient,
        target: Target,
        tags: Sequence[Tag],
        constraints: Mapping[str, Sequence[Req]],
        direct: Mapping[str, DirectInfo],
        executor: Executor | None,
        no_deps: bool = False,
    ) -> None:
        self.index = index
        self.target = target
        self.env = target.markers()
        self.tags = list(tags)
        self.tag_set = frozenset(tags)
        self.python = Version(target.python_full_version)
        self.constraints = constraints
        self.direct = direct
        self.executor = executor
        self.no_deps = no_deps
        self.dependencies: dict[Cand, list[Req]] = {}
        self.metadata: dict[tuple[str, str], CoreMetadata] = {}
        self._prefetched: set[str] = set()
        self._markers: dict[tuple[str, str], bool] = {}
        self._satisfied: dict[tuple[Req, str, Version | None, str | None], bool] = {}
        self._version_lists: dict[str, list[tuple[Version, _LazyFiles]]] = {}
        self._usable_files: dict[tuple[str, Version], tuple[DistFile, ...]] = {}
        self._lock = threading.Lock()

    # -- resolvelib interface ---------------------------------------------------------

    def identify(self, requirement_or_candidate: Req | Cand) -> str:
        return requirement_or_candidate.identifier

    def get_preference(
        self,
        identifier: str,
        resolutions: Mapping[str, Cand],
        candidates: Mapping[str, Iterator[Cand]],
        information: Mapping[str, Iterator[Any]],
        backtrack_causes: Sequence[Any],
    ) -> Preference:
        """pip's order: direct URLs, backtrack causes, pins, upper bounds, user's own.

        Made of two parts so the resolution can keep the first per name (see
        ``incremental.IncrementalResolution``): what a name's own requirements say,
        which changes only when they do, and whether it is a backtrack cause, which
        changes only on a backtrack.
        """
        traits = requirement_traits(information[identifier])
        return preference(identifier, traits, cause_names(backtrack_causes))

    def find_matches(
        self,
        identifier: str,
        requirements: Mapping[str, Iterator[Req]],
        incompatibilities: Mapping[str, Iterator[Cand]],
    ) -> Callable[[], Iterator[Cand]]:
        reqs = list(requirements[identifier])
        if reqs:
            name = reqs[0].name
            extras: frozenset[str] = frozenset().union(*(r.extras for r in reqs))
        else:
            # resolvelib's backjump can leave a criterion with no requirement: the
            # identifier says it all, and the candidates must carry it (name[extras]).
            name, _, rest = identifier.partition("[")
            extras = frozenset(rest.rstrip("]").split(",")) if rest else frozenset()
        bad = {c.version for c in incompatibilities[identifier]}
        url = next((r.url for r in reqs if r.url), None)
        if url is not None:
            info = self.direct.get(name)
            version = info.version if info else None
            direct = Cand(name=name, version=version, extras=extras, url=url)
            return lambda: iter([direct])
        specs = [r.specifier for r in reqs] + [c.specifier for c in self.constraints.get(name, ())]
        stand_in = self._stand_in(name, extras, specs, reqs)
        if stand_in is not None and stand_in.version not in bad:
            return lambda: iter([stand_in])

        def matches() -> Iterator[Cand]:
            source = self.candidate_versions(name, specs)
            # read past the candidate offered, to fetch ahead; offered from here next, so
            # the versions are walked once however far the resolver backtracks
            ahead: deque[tuple[Version, tuple[DistFile, ...]]] = deque()
            passed_over = False  # known incompatible, or offered and rejected this round
            while True:
                found = ahead.popleft() if ahead else next(source, None)
                if found is None:
                    return
                v, files = found
                if v in bad:
                    passed_over = True
                    continue
                if passed_over:
                    following = [w for w, _ in ahead if w not in bad]
                    while len(following) < BACKTRACK_AHEAD:
                        more = next(source, None)
                        if more is None:
                            break
                        ahead.append(more)
                        if more[0] not in bad:
                            following.append(more[0])
                    following = following[:BACKTRACK_AHEAD]
                    self._prefetch_releases(name, following)
                yield Cand(name=name, version=v, extras=extras, files=files)
                passed_over = True

        return matches

    def _stand_in(
        self,
        name: str,
        extras: frozenset[str],
        specs: Sequence[SpecifierSet],
        reqs: Sequence[Req] = (),
    ) -> Cand | None:
        """A stand-in when a release may exist only on an unreachable extra index.

        A vendor's index (CUDA wheels) that this machine cannot reach is common; a pin only
        it serves must not stop the audit. When an index is unreachable and the project,
        or one of the requirements on its own, has no match on the indexes that answered,
        the package stays in the graph as unresolvable with that reason. A conflict
        between requirements that each have matches is still a conflict.
        """
        try:
            # Fetch now so a missing project fails here, with the requirements that named it.
            self._versions(name)
        except PackageNotFoundError as exc:
            if not self.index.unreachable:
                raise _named(exc, reqs) from None
            return self._unavailable(
                name, extras, "not on any reachable index", self.index.unreachable
            )
        dead = self.index.unreachable  # known once the first project was asked for
        if not dead:
            return None
        for spec in specs:
            if next(self.candidate_versions(name, [spec]), None) is None:
                pinned = any(s.operator in ("==", "===") for s in spec)
                what = f"pinned version ({spec})" if pinned else f"no release matching {spec}"
                return self._unavailable(name, extras, f"{what} not on any reachable index", dead)
        return None

    @staticmethod
    def _unavailable(name: str, extras: frozenset[str], why: str, dead: Sequence[str]) -> Cand:
        which = (
            f"the index {shown(dead[0])}"
            if len(dead) == 1
            else "the indexes " + ", ".join(shown(u) for u in dead)
        )
        return Cand(
            name=name,
            version=None,
            extras=extras,
            unavailable=f"{why}; {which} could not be reached, so its dependencies are unknown",
        )

    def is_satisfied_by(self, requirement: Req, candidate: Cand) -> bool:
        # resolvelib re-checks every pin against every criterion each round: memoise.
        key = (requirement, candidate.name, candidate.version, candidate.url)
        hit = self._satisfied.get(key)
        if hit is None:
            hit = self._satisfies(requirement, candidate)
            self._satisfied[key] = hit
        return hit

    @staticmethod
    def _satisfies(requirement: Req, candidate: Cand) -> bool:
        if candidate.unavailable is not None:
            return requirement.url is None
        if requirement.url is not None:
            return candidate.url == requirement.url
        if candidate.version is None:
            return not requirement.specifier
        return requirement.specifier.contains(candidate.version, prereleases=True)

    def get_dependencies(self, candidate: Cand) -> list[Req]:
        deps = self._dependencies(candidate)
        with self._lock:
            self.dependencies[candidate] = deps
        for dep in deps:
            self.prefetch(dep)
        return deps

    # -- candidates -------------------------------------------------------------------

    def candidate_versions(
        self, name: str, specs: Sequence[SpecifierSet]
    ) -> Iterator[tuple[Version, tuple[DistFile, ...]]]:
        """Installable versions matching every specifier, newest first, pip's way.

        Lazy: the resolver usually takes the first, so older releases are never checked.
        Pre-releases are offered only when a specifier asks for one or no final release fits.
        """
        pinned = {
            Version(s.version)
            for spec in specs
            for s in spec
            if s.operator in ("==", "===") and "*" not in s.version and _is_version(s.version)
        }
        explicit_pre = any(_asks_for_pre(s) for spec in specs for s in spec)
        found_final = False
        for pre_pass in (False, True):
            if pre_pass and found_final and not explicit_pre:
                return
            for version, files in self._versions(name):
                if version.is_prerelease != pre_pass and not explicit_pre:
                    continue
                if explicit_pre and pre_pass:
                    break
                if not all(spec.contains(version, prereleases=True) for spec in specs):
                    continue
                usable = self._usable(name, version, files)
                if not usable or (all(f.yanked for f in usable) and version not in pinned):
                    continue
                found_final = found_final or not version.is_prerelease
                yield version, tuple(f for f in usable if not f.yanked) or usable

    def _versions(self, name: str) -> list[tuple[Version, _LazyFiles]]:
        """All releases of a project, newest first, parsed once per run."""
        cached = self._version_lists.get(name)
        if cached is not None:
            return cached
        merged: dict[Version, list[list[Any]]] = {}
        for text, rows in self.index.releases(name).items():
            try:
                merged.setdefault(Version(text), []).extend(rows)
            except InvalidVersion:
                continue
        out = [
            (version, _LazyFiles(rows))
            for version, rows in sorted(merged.items(), key=lambda item: item[0], reverse=True)
        ]
        with self._lock:
            self._version_lists[name] = out
        return out

    def _usable(self, name: str, version: Version, files: _LazyFiles) -> tuple[DistFile, ...]:
        key = (name, version)
        cached = self._usable_files.get(key)
        if cached is None:
            cached = tuple(f for f in files.materialise() if self._installable(f))
            with self._lock:
                self._usable_files[key] = cached
        return cached

    def _installable(self, f: DistFile) -> bool:
        if f.requires_python and not _python_ok(f.requires_python, self.python):
            return False
        if not f.is_wheel:
            return True
        try:
            _, _, _, wheel_tags = parse_wheel_filename(f.filename)
        except InvalidWheelFilename:
            return False
        return not wheel_tags.isdisjoint(self.tag_set)

    # -- dependencies -----------------------------------------------------------------

    def candidate_metadata(self, candidate: Cand) -> CoreMetadata | None:
        if candidate.url is not None:
            info = self.direct.get(candidate.name)
            return info.metadata if info else None
        assert candidate.version is not None
        key = (candidate.name, str(candidate.version))
        meta = self.metadata.get(key)
        if meta is None:
            meta = self.index.metadata(candidate.name, str(candidate.version), self.tags)
            with self._lock:
                self.metadata[key] = meta
        return meta

    def _dependencies(self, candidate: Cand) -> list[Req]:
        deps: list[Req] = []
        if candidate.unavailable is not None:
            return deps  # nothing is known about a release no reachable index has
        if candidate.extras:
            # name[extra] stands on name at exactly the same release.
            pin = SpecifierSet(f"=={candidate.version}") if candidate.version else SpecifierSet()
            deps.append(
                Req(
                    name=candidate.name,
                    extras=frozenset(),
                    specifier=pin,
                    url=candidate.url,
                    text=candidate.name,
                    parent=candidate.label,
                )
            )
        if self.no_deps:
            return deps
        meta = self.candidate_metadata(candidate)
        if meta is None or meta.requires_dist is None:
            return deps
        wanted = ["", *sorted(candidate.extras)]
        for line in meta.requires_dist:
            req = self._parse_dependency(line, candidate, wanted)
            if req is not None:
                deps.append(req)
        return deps

    def _parse_dependency(self, line: str, candidate: Cand, wanted: list[str]) -> Req | None:
        parsed = _parse_requirement(line)
        if parsed is None:
            return None
        if parsed.marker is not None and not any(
            self._marker_true(line, parsed.marker, extra) for extra in wanted
        ):
            return None
        name = canonicalize_name(parsed.name)
        if name == candidate.name and not parsed.url:
            # A self-referencing extra (pkg[all] -> pkg[cuda]): follow the extras.
            extras = frozenset(canonicalize_name(e) for e in parsed.extras)
            if extras <= candidate.extras or not extras:
                return None
        return Req(
            name=name,
            extras=frozenset(canonicalize_name(e) for e in parsed.extras),
            specifier=parsed.specifier,
            url=parsed.url,
            marker=line.split(";", 1)[1].strip() if parsed.marker else None,
            text=line.split(";")[0].strip(),
            parent=candidate.label,
        )

    def _marker_true(self, line: str, marker: Marker, extra: str) -> bool:
        # Keyed by the Requires-Dist line: formatting a Marker back to text is costly.
        key = (line, extra)
        hit = self._markers.get(key)
        if hit is None:
            hit = _evaluate(marker, self.env, extra)
            self._markers[key] = hit
        return hit

    # -- prefetch ---------------------------------------------------------------------

    def prefetch(self, req: Req) -> None:
        """Warm the index client for a requirement the resolver will ask about soon."""
        if self.executor is None or req.url is not None:
            return
        with self._lock:
            if req.name in self._prefetched:
                return
            self._prefetched.add(req.name)
        self.executor.submit(self._prefetch, req)

    def _prefetch_releases(self, name: str, versions: Sequence[Version]) -> None:
        """The resolver is backtracking through this project: it passed over a candidate
        (rejected this round, or known incompatible) and is about to try the next. Fetch
        the metadata of the ``BACKTRACK_AHEAD`` candidates it would try after that, in
        parallel, since it will likely ask for them one after another.

        Only candidates that match the current requirements count: a release older than
        the newest because a requirement pins it is no sign of backtracking (prefetching
        older releases on that sign wasted nine of ten such requests on a real AI stack).
        """
        if self.executor is None or self.no_deps:
            return
        for version in versions:
            key = f"{name}=={version}"
            with self._lock:
                fresh = key not in self._prefetched
                self._prefetched.add(key)
            if fresh:
                self.executor.submit(self._prefetch_metadata, name, str(version))

    def _prefetch_metadata(self, name: str, version: str) -> None:
        # Failures are reported when (and if) the resolver asks for this release itself.
        with contextlib.suppress(Exception):
            self.index.metadata(name, version, self.tags)

    def _prefetch(self, req: Req) -> None:
        """Fetch the likely release's metadata, then its dependencies', and so on.

        This crawls the probable graph in parallel ahead of the (sequential) resolver,
        which then mostly finds everything already in memory.
        """
        try:
            best = next(self.candidate_versions(req.name, [req.specifier]), None)
            if best is None or self.no_deps:
                return
            candidate = Cand(name=req.name, version=best[0], extras=req.extras, files=best[1])
            meta = self.candidate_metadata(candidate)
            if meta is None or meta.requires_dist is None:
                return
            wanted = ["", *sorted(req.extras)]
            for line in meta.requires_dist:
                dep = self._parse_dependency(line, candidate, wanted)
                if dep is not None:
                    self.prefetch(dep)
        except Exception:  # the resolver asks again and reports it properly
            return


#: (no direct URL, not a backtrack cause, not pinned, no upper bound, not asked for by
#: the user, identifier): smaller is resolved first.
Preference = tuple[bool, bool, bool, bool, bool, str]
#: The part of a preference that only the name's own requirements decide.
Traits = tuple[bool, bool, bool, bool]


def requirement_traits(infos: Iterable[Any]) -> Traits:
    """(no direct URL, not pinned, no upper bound, not asked for by the user) of the
    requirement informations of one name."""
    has_url = pinned = bounded = requested = False
    for info in infos:
        req: Req = info.requirement
        has_url = has_url or bool(req.url)
        requested = requested or info.parent is None
        for s in req.specifier:
            op = s.operator
            if op in ("==", "===") and "*" not in s.version:
                pinned = True
            if op in ("<", "<=", "~=", "=="):
                bounded = True
    return (not has_url, not pinned, not bounded, not requested)


def cause_names(backtrack_causes: Iterable[Any]) -> frozenset[str]:
    """The project names the resolver last backtracked on."""
    return frozenset(c.requirement.name for c in backtrack_causes)


def preference(identifier: str, traits: Traits, causes: frozenset[str]) -> Preference:
    no_url, unpinned, unbounded, unrequested = traits
    return (
        no_url,
        identifier.split("[")[0] not in causes,
        unpinned,
        unbounded,
        unrequested,
        identifier,
    )


def _named(exc: PackageNotFoundError, reqs: Sequence[Req]) -> PackageNotFoundError:
    """The error with the file and line (or the package) that asked for the project."""
    where = next((str(r.origin) for r in reqs if r.origin), None) or next(
        (f"required by {r.parent}" for r in reqs if r.parent), None
    )
    if where is None:
        return exc
    return PackageNotFoundError(f"{where}: {exc.message}", hint=exc.hint)


class _LazyFiles:
    """A release's file rows, turned into DistFile objects only when first needed."""

    __slots__ = ("_files", "rows")

    def __init__(self, rows: list[list[Any]]) -> None:
        self.rows = rows
        self._files: tuple[DistFile, ...] | None = None

    def materialise(self) -> tuple[DistFile, ...]:
        if self._files is None:
            self._files = tuple(DistFile.from_row(r) for r in self.rows)
        return self._files


@lru_cache(maxsize=16384)
def _parse_requirement(line: str) -> PkgRequirement | None:
    """Requires-Dist lines repeat across releases: parse each distinct line once."""
    try:
        return PkgRequirement(line)
    except InvalidRequirement:
        return None


@lru_cache(maxsize=4096)
def _python_ok(requires_python: str, python: Version) -> bool:
    try:
        return SpecifierSet(requires_python).contains(python, prereleases=True)
    except InvalidSpecifier:
        return True


def _asks_for_pre(clause: Specifier) -> bool:
    """Whether a clause names a pre-release (``>=2.0b1``). packaging before 25 (which
    pyproject allows) raises on ``===`` text that is no version instead of saying no."""
    try:
        return bool(clause.prereleases)
    except InvalidVersion:
        return False


def _is_version(text: str) -> bool:
    try:
        Version(text)
    except InvalidVersion:
        return False
    return True


def _evaluate(marker: Marker, env: Mapping[str, str], extra: str) -> bool:
    try:
        return bool(marker.evaluate({**env, "extra": extra}))
    except (InvalidMarker, Exception):
        return False
