"""When one joint resolution gives no answer: still audit what can be known, and say so.

Two real cases stopped audits with exit 2 and nothing to show:

- a fully pinned file (pip-compile output, one pin bumped by hand) whose pins disagree:
  it is a lock, so exactly its pins are audited, and every disagreement between a pinned
  release's requirements and another pin is reported with both lines;
- a large loose file where the resolver backtracks without end: the direct requirements
  are resolved in groups, halved until each settles within a bounded number of rounds
  (the conflicting ones end up alone), the answers are merged, packages whose releases
  differ between groups and requirements that do not settle even alone are marked, and
  the graph is flagged partial (the CLI exits 3).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from auditor.errors import ResolutionError
from auditor.index.client import IndexClient, PackageNotFoundError
from auditor.model import LockedPackage, PackageStatus, Requirement, ResolvedPackage
from auditor.resolve.graph import PlainDiGraph

#: rounds each group of direct requirements may take, after the joint attempt gave up
ROUNDS_EACH = 300

Roots = Mapping[str, Sequence[Requirement]]
ResolveFn = Callable[[Roots, int], PlainDiGraph]


def exact_pin(req: Requirement) -> str | None:
    """The version ``req`` pins with ``==`` (no wildcard), else None."""
    try:
        specs = list(SpecifierSet(req.specifier))
    except InvalidSpecifier:
        return None
    if len(specs) != 1 or specs[0].operator not in ("==", "===") or "*" in specs[0].version:
        return None
    return specs[0].version


def fully_pinned(roots: Roots) -> bool:
    """Every direct requirement pins one release: the file is a lock in all but name."""
    reqs = [r for rs in roots.values() for r in rs]
    return bool(reqs) and all(r.url is not None or exact_pin(r) is not None for r in reqs)


def pins_exist(roots: Roots, index: IndexClient) -> bool:
    """Every pinned release is on the index: the pins only disagree with each other.

    A pin of a release that does not exist stays the error it is (exit 2).
    """
    for name, reqs in roots.items():
        pin = exact_pin(reqs[0])
        if reqs[0].url is not None or pin is None:
            continue
        try:
            wanted = Version(pin)
            released = {Version(v) for v in index.releases(name) if _is_version(v)}
        except (InvalidVersion, ResolutionError):
            return False
        if wanted not in released:
            return False
    return True


def _is_version(text: str) -> bool:
    try:
        Version(text)
    except InvalidVersion:
        return False
    return True


def pins_as_lock(roots: Roots) -> list[LockedPackage]:
    """The pins as locked packages whose edges are read from each release's metadata."""
    locked: list[LockedPackage] = []
    for name, reqs in roots.items():
        first = reqs[0]
        locked.append(
            LockedPackage(
                name=name,
                version=exact_pin(first),
                origin=first.origin,
                dependencies=None,
                source=first.url,
            )
        )
    return locked


def disagreements(graph: PlainDiGraph, roots: Roots) -> list[tuple[str, str]]:
    """(package, message) for each edge whose requirement the package's pin does not meet."""
    found: list[tuple[str, str]] = []
    for parent, child, data in sorted(graph.edges(data=True)):
        spec = data.get("specifier") or ""
        pinned: ResolvedPackage = graph.nodes[child]["package"]
        owner: ResolvedPackage = graph.nodes[parent]["package"]
        if not spec or pinned.version is None:
            continue
        try:
            ok = SpecifierSet(spec).contains(Version(pinned.version), prereleases=True)
        except (InvalidSpecifier, InvalidVersion):
            continue
        if ok:
            continue
        where_parent = _origin(roots, parent)
        where_child = _origin(roots, child)
        found.append(
            (
                child,
                f"{where_parent}: {parent}=={owner.version} requires {child}{spec}, but "
                f"{where_child} pins {child}=={pinned.version}; the pins disagree, and the "
                "packages are audited as pinned",
            )
        )
    return found


def _origin(roots: Roots, name: str) -> str:
    reqs = roots.get(name)
    return str(reqs[0].origin) if reqs else name


def in_groups(
    roots: Roots, resolve_one: ResolveFn, *, conflict: Sequence[str], rounds: int
) -> tuple[PlainDiGraph, list[str]]:
    """Resolve the direct requirements in groups that settle, and merge the answers.

    The requirements are split in halves, and a half that does not settle within
    ROUNDS_EACH rounds is split again, down to single requirements: the ones in conflict
    end up on their own, the others are resolved together as usual. Returns the merged
    graph and the reasons it is partial: requirements that did not settle even alone,
    and packages whose release differs between groups (the first group's release is
    kept, and the node says so).
    """
    merged = PlainDiGraph()
    chosen: dict[str, dict[str | None, list[str]]] = {}
    unsettled: list[str] = []
    pending: list[list[str]] = [list(roots)]
    while pending:
        names = pending.pop(0)
        try:
            graph = resolve_one({n: roots[n] for n in names}, ROUNDS_EACH)
        except PackageNotFoundError:
            raise
        except ResolutionError as exc:
            if len(names) > 1:
                half = len(names) // 2
                pending[:0] = [names[:half], names[half:]]
                continue
            unsettled.append(_unsettled(merged, names[0], roots[names[0]], exc))
            continue
        label = names[0] if len(names) == 1 else f"{names[0]} and {len(names) - 1} more"
        for node in graph.nodes:
            pkg: ResolvedPackage = graph.nodes[node]["package"]
            chosen.setdefault(node, {}).setdefault(pkg.version, []).append(label)
            if node not in merged:
                merged.add_node(node, package=pkg)
        merged.add_edges_from(graph.edges(data=True))
    reasons = [
        f"resolution backtracked for more than {rounds} rounds without an answer "
        f"(the conflict is around: {', '.join(conflict) or 'unknown'}); the direct "
        "requirements were resolved in groups that settle instead, so the graph may hold "
        "releases that cannot be installed together",
        *unsettled,
    ]
    for node, versions in sorted(chosen.items()):
        if len(versions) < 2:
            continue
        described = "; ".join(
            f"{version} for {', '.join(sorted(by))}" for version, by in versions.items()
        )
        reasons.append(
            f"{node}: not settled, the direct requirements need different releases ({described})"
        )
        pkg = merged.nodes[node]["package"]
        merged.nodes[node]["package"] = replace(pkg, reason=f"release not settled: {described}")
    return merged, reasons


def _unsettled(
    merged: PlainDiGraph, name: str, reqs: Sequence[Requirement], exc: ResolutionError
) -> str:
    """Keep a requirement that does not settle even alone as unresolvable; say why."""
    why = exc.message.splitlines()[0]
    merged.add_node(
        name,
        package=ResolvedPackage(
            name=name,
            display_name=reqs[0].display_name,
            version=None,
            status=PackageStatus.UNRESOLVABLE,
            reason=f"could not be resolved even on its own: {why}",
            dependencies_known=False,
        ),
    )
    return f"{reqs[0].origin}: {reqs[0].text}: not settled ({why})"


def conflict_names(counts: Mapping[str, int], limit: int = 6) -> list[str]:
    """The packages the resolver backtracked on most, worst first."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [str(canonicalize_name(name)) for name, _ in ranked[:limit]]
