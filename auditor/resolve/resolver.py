"""Requirements plus the index become a DependencyGraph.

Two paths. Locked inputs (lock files, SBOMs, the installed environment) already say
which release of every package is used: the graph is read from them, and only edges a
lock does not record are filled from release metadata. Everything else goes through
resolvelib, with pip's candidate rules (see ``provider``), for the chosen target.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from itertools import islice
from typing import TYPE_CHECKING

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as PkgRequirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version
from resolvelib import BaseReporter
from resolvelib.resolvers import ResolutionImpossible, ResolutionTooDeep
from resolvelib.structs import RequirementInformation

from auditor.errors import ResolutionError
from auditor.index.client import IndexClient, PackageNotFoundError
from auditor.index.client import shown as shown_url
from auditor.index.pacing import PacedExecutor, concurrency
from auditor.model import (
    DependencyInput,
    LockedDependency,
    LockedPackage,
    PackageStatus,
    Requirement,
    ResolvedPackage,
)
from auditor.resolve import settle
from auditor.resolve.direct import describe_direct
from auditor.resolve.graph import DependencyGraph, PlainDiGraph
from auditor.resolve.incremental import IncrementalResolver
from auditor.resolve.provider import Cand, DirectInfo, Provider, Req
from auditor.resolve.reuse import ResolveOptions, split_requirements
from auditor.resolve.reuse import dump_graph as _dump_graph
from auditor.resolve.reuse import load_resolution as _load_resolution
from auditor.resolve.reuse import marker_true as _marker_true
from auditor.resolve.reuse import resolution_key as _resolution_key
from auditor.resolve.reuse import unresolvable_notes as _unresolvable_notes

if TYPE_CHECKING:
    import requests


class TooDeepError(ResolutionError):
    """The resolver gave up; ``conflict`` names the packages it backtracked on most."""

    def __init__(self, message: str, *, conflict: Sequence[str], hint: str | None = None):
        super().__init__(message, hint=hint)
        self.conflict = tuple(conflict)


class _ConflictCounter(BaseReporter[Req, Cand, str]):
    """Counts which packages the resolver backtracks on, to name the conflict."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def resolving_conflicts(self, causes: Collection[RequirementInformation[Req, Cand]]) -> None:
        for cause in causes:
            for name in (cause.requirement.name, cause.parent.name if cause.parent else None):
                if name:
                    self.counts[name] = self.counts.get(name, 0) + 1


def resolve(
    inputs: Sequence[DependencyInput],
    *,
    index: IndexClient,
    options: ResolveOptions,
    session: requests.Session | None = None,
) -> DependencyGraph:
    """Resolve every input together (one application may list several files)."""
    roots, constraints, warnings = split_requirements(inputs, options.target.markers())
    paths = [inp.path for inp in inputs]
    if inputs and all(inp.locked is not None for inp in inputs):
        locked = [p for inp in inputs for p in inp.locked or ()]
        from_locks = _from_locks(locked, roots, index=index, options=options, warnings=warnings)
        return DependencyGraph(
            from_locks,
            roots,
            target=options.target,
            inputs=paths,
            warnings=warnings + index.warnings,
        )
    for inp in inputs:
        if inp.locked is not None:
            # A lock beside loose files: its pins constrain the resolution.
            constraints.extend(_pins(inp.locked))
    key = _resolution_key(roots, constraints, index, options)
    graph = _load_resolution(index, key)
    partial: list[str] = []
    if graph is None:
        try:
            graph = _resolve(roots, constraints, index=index, options=options, session=session)
        except PackageNotFoundError:
            raise
        except ResolutionError as exc:
            graph, notes, is_partial = _settle(
                exc, roots, constraints, index=index, options=options, session=session
            )
            warnings.extend(notes)
            partial = notes if is_partial else []
        else:
            # A resolution made while a source failed carries that failure: never reused.
            if key is not None and not index.had_faults:
                index.cache.put("resolution", key, _dump_graph(graph), ttl=index.project_ttl)
    return DependencyGraph(
        graph,
        roots,
        target=options.target,
        inputs=paths,
        warnings=warnings + index.warnings + _unresolvable_notes(graph, roots),
        partial=partial,
    )


def _settle(
    exc: ResolutionError,
    roots: dict[str, list[Requirement]],
    constraints: Sequence[Requirement],
    *,
    index: IndexClient,
    options: ResolveOptions,
    session: requests.Session | None,
) -> tuple[PlainDiGraph, list[str], bool]:
    """No joint answer: a fully pinned file is read as a lock (its disagreements are
    reported, the graph is whole); a resolution that backtracked without end is done
    in groups of direct requirements that settle (the graph is partial). Anything else is
    raised."""
    if settle.fully_pinned(roots) and settle.pins_exist(roots, index):
        notes: list[str] = []
        graph = _from_locks(
            settle.pins_as_lock(roots), roots, index=index, options=options, warnings=notes
        )
        found = settle.disagreements(graph, roots)
        for name, message in found:
            pkg: ResolvedPackage = graph.nodes[name]["package"]
            graph.nodes[name]["package"] = replace(pkg, pin_conflicts=(*pkg.pin_conflicts, message))
        said = [message for _, message in found]
        if not said:  # no pin excludes another: say why the set did not resolve instead
            said.append(
                f"{exc.message.splitlines()[0].rstrip(':')}; the file pins every package, "
                "so the pins are audited as written"
            )
        return graph, said + notes, False
    if not isinstance(exc, TooDeepError):
        raise exc

    def group(subset: settle.Roots, rounds: int) -> PlainDiGraph:
        return _resolve(
            subset,
            constraints,
            index=index,
            options=replace(options, max_rounds=rounds),
            session=session,
        )

    graph, reasons = settle.in_groups(
        roots, group, conflict=exc.conflict, rounds=options.max_rounds
    )
    return graph, reasons, True


def _pins(locked: Sequence[LockedPackage]) -> list[Requirement]:
    return [
        Requirement(
            name=p.name,
            display_name=p.name,
            origin=p.origin,
            text=f"{p.name}=={p.version}",
            specifier=f"=={p.version}",
            constraint=True,
        )
        for p in locked
        if p.version
    ]


def _distinct(reqs: Iterable[Requirement]) -> list[Requirement]:
    """One requirement per meaning: the resolver re-checks every requirement of a name
    against every candidate, so 10,000 copies of one line cost 10,000**2 checks. The
    graph keeps every copy's origin; only the resolver's question is deduplicated."""
    seen: dict[tuple[str, str, tuple[str, ...], str | None], Requirement] = {}
    for r in reqs:
        seen.setdefault((r.name, r.specifier, tuple(sorted(r.extras)), r.url), r)
    return list(seen.values())


def _to_req(req: Requirement) -> Req:
    try:
        spec = SpecifierSet(req.specifier)
    except InvalidSpecifier as exc:
        raise ResolutionError(
            f"{req.origin}: invalid version specifier {req.specifier!r}: {exc}"
        ) from exc
    return Req(
        name=req.name,
        extras=frozenset(canonicalize_name(e) for e in req.extras),
        specifier=spec,
        url=req.url,
        marker=req.marker,
        text=req.text,
        origin=req.origin,
    )


def _resolve(
    roots: Mapping[str, Sequence[Requirement]],
    constraints: Sequence[Requirement],
    *,
    index: IndexClient,
    options: ResolveOptions,
    session: requests.Session | None,
) -> PlainDiGraph:
    reqs = [_to_req(r) for r in _distinct(r for rs in roots.values() for r in rs)]
    cons: dict[str, list[Req]] = {}
    for c in _distinct(constraints):
        cons.setdefault(c.name, []).append(_to_req(c))
    direct: dict[str, DirectInfo] = {}
    for r in reqs:
        if r.url and r.name not in direct:
            direct[r.name] = describe_direct(
                r.name, r.url, session or index.session, offline=options.offline
            )
    # As many fetches at once as the index's round trip needs (see index/pacing.py).
    with PacedExecutor(
        options.workers,
        lambda: concurrency(index.round_trips.mean_ms(), options.workers),
        name="prefetch",
    ) as pool:
        provider = Provider(
            index=index,
            target=options.target,
            tags=options.tags,
            constraints=cons,
            direct=direct,
            executor=pool,
            no_deps=options.no_deps,
        )
        for r in reqs:
            provider.prefetch(r)
        counter = _ConflictCounter()
        resolver = IncrementalResolver(provider, counter)
        try:
            result = resolver.resolve(reqs, max_rounds=options.max_rounds)
        except ResolutionImpossible as exc:
            raise _conflict(exc, provider) from None
        except ResolutionTooDeep as exc:
            names = settle.conflict_names(counter.counts)
            raise TooDeepError(
                f"resolution gave up after {exc.round_count} rounds of backtracking "
                f"(around: {', '.join(names) or 'unknown'})",
                conflict=names,
                hint="Pin the packages that conflict (add == pins or a constraints file "
                "with -c) so fewer combinations are tried.",
            ) from None
        except PackageNotFoundError:
            raise
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
    return _build(result.mapping, provider, direct)


def _conflict(exc: ResolutionImpossible[Req, Cand], provider: Provider) -> ResolutionError:
    lines: list[str] = []
    names: set[str] = set()
    for cause in exc.causes:
        req: Req = cause.requirement
        names.add(req.name)
        spec = str(req.specifier) or "any version"
        parent = cause.parent.label if cause.parent else "a direct requirement"
        who = str(req.origin) if req.origin else f"required by {parent}"
        lines.append(f"  {req.name} {spec}  ({who})")
    available: list[str] = []
    for name in sorted(names):
        try:
            versions = [
                v for v, _ in islice(provider.candidate_versions(name, [SpecifierSet()]), 8)
            ]
        except Exception:
            continue
        shown = ", ".join(str(v) for v in versions)
        available.append(f"  {name}: {shown or 'no installable release for this target'}")
    body = "\n".join(sorted(set(lines)))
    extra = ("\nnewest installable releases:\n" + "\n".join(available)) if available else ""
    return ResolutionError(
        f"these requirements cannot be satisfied together for Python "
        f"{provider.target.python_version} on {provider.target.platform}:\n{body}{extra}",
        hint="Loosen or change one of the requirements named above (the file and line "
        "say where each comes from), or try another --python-version/--platform.",
    )


def _build(
    mapping: Mapping[str, Cand], provider: Provider, direct: Mapping[str, DirectInfo]
) -> PlainDiGraph:
    g = PlainDiGraph()
    by_name: dict[str, Cand] = {}
    extras: dict[str, set[str]] = {}
    for cand in mapping.values():
        by_name.setdefault(cand.name, cand)
        extras.setdefault(cand.name, set()).update(cand.extras)
    for name, cand in by_name.items():
        meta = provider.metadata.get((name, str(cand.version))) if cand.version else None
        reason: str | None
        if cand.unavailable is not None:
            status = PackageStatus.UNRESOLVABLE
            reason = cand.unavailable
        elif cand.url is not None:
            info = direct.get(name)
            known = bool(info and info.metadata)
            status = PackageStatus.DIRECT_URL if known else PackageStatus.UNRESOLVABLE
            # A direct reference in another package's Requires-Dist is never read.
            reason = (
                info.reason
                if info
                else f"direct reference {shown_url(cand.url)} in another package's requirements: "
                "its metadata is not read, so its dependencies are unknown"
            )
            if info and info.metadata:
                meta = info.metadata
        else:
            status = PackageStatus.RESOLVED
            reason = meta.reason if meta else None
        deps_known = cand.unavailable is None and (
            provider.no_deps or (meta is not None and meta.requires_dist is not None)
        )
        g.add_node(
            name,
            package=ResolvedPackage(
                name=name,
                display_name=name,
                version=str(cand.version) if cand.version else None,
                status=status,
                url=cand.url,
                reason=reason,
                requires_python=meta.requires_python if meta else None,
                dependencies_known=deps_known,
                extras=tuple(sorted(extras[name])),
            ),
        )
    for cand in mapping.values():
        for dep in provider.dependencies.get(cand, ()):
            if dep.name == cand.name or dep.name not in g or g.has_edge(cand.name, dep.name):
                continue
            g.add_edge(
                cand.name,
                dep.name,
                specifier=str(dep.specifier),
                marker=dep.marker,
                extras=tuple(sorted(dep.extras)),
            )
    return g


# -- locked inputs ---------------------------------------------------------------------


def _from_locks(
    locked: Sequence[LockedPackage],
    roots: dict[str, list[Requirement]],
    *,
    index: IndexClient,
    options: ResolveOptions,
    warnings: list[str],
) -> PlainDiGraph:
    env = options.target.markers()
    packages: dict[str, LockedPackage] = {}
    for p in locked:
        packages.setdefault(p.name, p)
    missing_meta = [p for p in packages.values() if p.dependencies is None and p.version]
    fetched: dict[str, tuple[LockedDependency, ...] | None] = {}
    if missing_meta and not options.no_deps:
        with ThreadPoolExecutor(max_workers=options.workers) as pool:
            results = pool.map(lambda p: (p.name, _metadata_edges(p, index, options)), missing_meta)
            fetched.update(results)
    if not roots:
        depended = {
            d.name
            for p in packages.values()
            for d in (p.dependencies if p.dependencies is not None else fetched.get(p.name) or ())
        }
        for p in packages.values():
            if p.name not in depended:
                roots.setdefault(p.name, []).append(_root_for(p))
    g = PlainDiGraph()
    queue: deque[tuple[str, frozenset[str]]] = deque()
    seen: set[tuple[str, frozenset[str]]] = set()
    for name, reqs in roots.items():
        if name not in packages:
            warnings.append(f"{reqs[0].origin}: {name} is not in the lock file; it is left out")
            continue
        ex = frozenset(e for r in reqs for e in r.extras)
        queue.append((name, ex))
    while queue:
        name, ex = queue.popleft()
        if (name, ex) in seen:
            continue
        seen.add((name, ex))
        pkg = packages[name]
        deps = pkg.dependencies if pkg.dependencies is not None else fetched.get(name)
        _add_locked_node(g, pkg, known=deps is not None or options.no_deps, extras=ex)
        if options.no_deps or deps is None:
            continue
        for dep in deps:
            if not any(_marker_true(dep.marker, env, e) for e in ("", *sorted(ex))):
                continue
            if dep.name not in packages:
                warnings.append(
                    f"{pkg.origin}: {pkg.name} requires {dep.name}, which the lock does not "
                    "contain; the lock may be out of date"
                )
                continue
            _add_locked_node(g, packages[dep.name], known=True, extras=frozenset())
            if dep.name != name:
                g.add_edge(
                    name,
                    dep.name,
                    specifier=dep.specifier,
                    marker=dep.marker,
                    extras=tuple(dep.extras),
                )
            queue.append((dep.name, frozenset(dep.extras)))
    return g


def _root_for(p: LockedPackage) -> Requirement:
    return Requirement(
        name=p.name,
        display_name=p.name,
        origin=p.origin,
        text=f"{p.name}=={p.version}" if p.version else p.name,
        specifier=f"=={p.version}" if p.version else "",
    )


def _add_locked_node(
    g: PlainDiGraph, pkg: LockedPackage, *, known: bool, extras: frozenset[str]
) -> None:
    if pkg.name in g:
        old: ResolvedPackage = g.nodes[pkg.name]["package"]
        merged = tuple(sorted(set(old.extras) | extras))
        if merged != old.extras or (known and not old.dependencies_known):
            g.nodes[pkg.name]["package"] = ResolvedPackage(
                **{
                    **old.__dict__,
                    "extras": merged,
                    "dependencies_known": known or old.dependencies_known,
                }
            )
        return
    g.add_node(
        pkg.name,
        package=ResolvedPackage(
            name=pkg.name,
            display_name=pkg.name,
            version=pkg.version,
            status=PackageStatus.LOCKED if pkg.version else PackageStatus.DIRECT_URL,
            url=pkg.source if not pkg.version else None,
            dependencies_known=known,
            extras=tuple(sorted(extras)),
            reason=None if known else "no dependency data for this locked release",
        ),
    )


def _metadata_edges(
    pkg: LockedPackage, index: IndexClient, options: ResolveOptions
) -> tuple[LockedDependency, ...] | None:
    assert pkg.version is not None
    # Only "this release has no dependency data" is a None here. The index unreachable,
    # or --offline with nothing cached (DataSourceError, exit 3), must stop the audit as
    # it does for a requirements file, not pass as "no dependency data".
    try:
        version = str(Version(pkg.version))
    except InvalidVersion:
        return None
    try:
        meta = index.metadata(pkg.name, version, options.tags)
    except ResolutionError:
        return None  # not on the index: the lock's package keeps "no dependency data"
    if meta.requires_dist is None:
        return None
    out: list[LockedDependency] = []
    for line in meta.requires_dist:
        try:
            r = PkgRequirement(line)
        except InvalidRequirement:
            continue
        out.append(
            LockedDependency(
                name=canonicalize_name(r.name),
                extras=tuple(sorted(r.extras)),
                marker=str(r.marker) if r.marker else None,
                specifier=str(r.specifier),
            )
        )
    return tuple(out)
