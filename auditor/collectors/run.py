"""Graph + collectors -> every package's signals: the evidence stage of an audit.

Why the order matters: the index collector runs first because its project JSON says
where each package's source lives, and that mapping is what the GitHub and git
collectors look at. Subjects are handed over most critical first (reach, then depth),
so a collector working within a request budget (GitHub without a token) spends it on
the packages the application leans on most.

Every package ends with exactly one ``Signal`` per declared signal of every collector,
run or skipped: a collector that omits one, fails outright, or was switched off by the
user leaves an ``unknown`` with the reason, so a later scoring step never mistakes
"not collected" for "zero". The library never prints: problems worth telling the user
come back as ``AuditResult.warnings``.
"""

from __future__ import annotations

import contextlib
import functools
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from auditor.collectors.index import IndexCollector, RepoMapping, map_project
from auditor.collectors.interface import Collector, Declared, Signal, SignalSpec, Subject
from auditor.errors import AuditorError
from auditor.index.client import IndexClient
from auditor.model import ResolvedPackage
from auditor.repository import DEFAULT_GITHUB_HOSTS, RepositoryRef
from auditor.resolve.graph import DependencyGraph

OMITTED = "collector did not return it"

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: how a caller (the CLI's progress bars) hears how far
the work is; the library itself never prints."""


@dataclass(frozen=True, kw_only=True)
class Skipped:
    """A collector the user switched off (or did not ask for), and the reason to show."""

    collector: type[Collector] | Declared
    reason: str


@dataclass(frozen=True, kw_only=True)
class PackageAudit:
    """One package of the graph, where it sits, where its source lives, and its signals."""

    package: ResolvedPackage
    direct: bool
    depth: int
    reach: int
    via: tuple[str, ...]
    origins: tuple[str, ...]
    repository: RepositoryRef | None
    repository_how: str | None
    signals: Mapping[str, Signal]

    @property
    def name(self) -> str:
        return self.package.name


@dataclass(frozen=True, kw_only=True)
class UnknownCount:
    """How many signals went unknown for one reason: the report's aggregate line."""

    collector: str
    reason: str
    signals: int
    packages: int


@dataclass(frozen=True, kw_only=True)
class AuditResult:
    """Everything the collectors found, ready for scoring and rendering."""

    graph: DependencyGraph
    packages: tuple[PackageAudit, ...]
    warnings: tuple[str, ...]
    collectors_run: tuple[str, ...]
    collectors_skipped: tuple[str, ...]
    specs: Mapping[str, SignalSpec]
    unknown: tuple[UnknownCount, ...]
    finished_at: datetime
    # Package -> the data source that failed for it this run (not a fact about the
    # package): its risk cannot be judged, so the gate must not pass it silently.
    faults: Mapping[str, str] = field(default_factory=dict)

    def package(self, name: str) -> PackageAudit | None:
        return next((p for p in self.packages if p.name == name), None)


def criticality_order(graph: DependencyGraph) -> list[str]:
    """Package names, the most depended-on first: reach desc, depth asc, then name."""
    return sorted(graph.g.nodes, key=lambda n: (-graph.reach(n), _depth(graph, n), n))


def _depth(graph: DependencyGraph, name: str) -> int:
    depth = graph.depth(name)
    return depth if depth >= 0 else 1_000_000


def map_repositories(
    graph: DependencyGraph,
    index_client: IndexClient | None,
    *,
    github_hosts: Iterable[str] = DEFAULT_GITHUB_HOSTS,
    only: Iterable[str] | None = None,
    progress: Progress | None = None,
    mapper: Callable[[Mapping[str, Any]], RepoMapping] | None = None,
    collector: IndexCollector | None = None,
) -> dict[str, RepoMapping]:
    """Each package's repository from its project JSON (Project-URLs, homepage).

    Several packages of one monorepo map to equal ``RepositoryRef`` URLs; collectors key
    their work by repository, so such a repository is fetched once. ``mapper`` maps an
    info block in place of ``map_project`` with ``github_hosts`` (the index collector's,
    which remembers the answer for its own run). ``collector`` (an index collector with
    these hosts and this client) answers instead from its ``project_facts``, which a warm
    run reads from the cache without decoding any document, and keeps for its own run.
    """
    hosts = tuple(github_hosts)
    if mapper is None:
        mapper = functools.partial(map_project, github_hosts=hosts)
    empty = RepoMapping(ref=None, url=None, confidence=None, how=None)
    out: dict[str, RepoMapping] = {}
    names = list(graph.g.nodes if only is None else only)
    fetching = (
        index_client.fetching_project_json(names)
        if index_client is not None
        else contextlib.nullcontext()
    )
    with fetching:
        if collector is not None:
            tick = None if progress is None else _ticker(progress, len(names))
            facts = collector.project_facts(names, tick)
            return {n: empty if (f := facts[n]) is None else f.mapping for n in names}
        for done, name in enumerate(names, 1):
            doc = index_client.project_json(name) if index_client is not None else None
            info = doc.get("info") if isinstance(doc, dict) else None
            out[name] = mapper(info) if isinstance(info, dict) else empty
            if progress is not None:
                progress("mapping repositories", done, len(names))
    return out


def _ticker(progress: Progress, total: int) -> Callable[[int], None]:
    return lambda done: progress("mapping repositories", done, total)


def collect_signals(
    graph: DependencyGraph,
    collectors: Sequence[Collector],
    index_client: IndexClient | None,
    *,
    skipped: Sequence[Skipped] = (),
    github_hosts: Iterable[str] = DEFAULT_GITHUB_HOSTS,
    only: Collection[str] | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> AuditResult:
    """Run the collectors over the graph and return every package's signals.

    A ``DataSourceError`` from a collector (GitHub rejecting the token) propagates: the
    audit cannot be trusted. Any other failure of one collector becomes unknown signals
    with the reason and a warning, and the other collectors' evidence is kept. ``only``
    limits the work to those packages (``explain`` needs one). ``progress`` hears each
    package mapped and each collector finished.
    """
    moment = now if now is not None else datetime.now(UTC)
    ordered = [n for n in criticality_order(graph) if only is None or n in only]
    hosts = tuple(github_hosts)
    # The index collector maps each package again from the same document: with the same
    # hosts and client, its facts answer both, and the second time from memory.
    index_collector = next(
        (
            c
            for c in collectors
            if isinstance(c, IndexCollector)
            and c.github_hosts == hosts
            and c.client is index_client
        ),
        None,
    )
    mappings = map_repositories(
        graph,
        index_client,
        github_hosts=hosts,
        only=ordered,
        progress=progress,
        collector=index_collector,
    )
    subjects = [
        Subject(
            package=name,
            version=graph.package(name).version,
            repository=mappings[name].ref,
        )
        for name in ordered
    ]
    run = sorted(collectors, key=lambda c: 0 if isinstance(c, IndexCollector) else 1)
    signals: dict[str, dict[str, Signal]] = {name: {} for name in ordered}
    specs: dict[str, SignalSpec] = {}
    faults = index_faults(index_client, ordered)
    warnings: list[str] = fault_warnings(faults, index_client)
    for step, collector in enumerate(run):
        for spec in collector.provides:
            specs[spec.name] = spec
        if progress is not None:
            progress(f"collecting {collector.name} signals", step, len(run))
        results, failure = _run_one(collector, subjects, moment)
        if failure is not None:
            warnings.append(failure)
        # A signal is immutable, so one "not returned" signal per spec serves every
        # package that lacks it (thousands of objects when a collector fails outright).
        missing: dict[str, Signal] = {}
        for name in ordered:
            got = {s.name: s for s in results.get(name, ())}
            for spec in collector.provides:
                signal = got.get(spec.name)
                if signal is None:
                    signal = missing.get(spec.name)
                    if signal is None:
                        signal = missing[spec.name] = Signal.unknown(
                            spec.name, collector.name, moment, failure or OMITTED
                        )
                if (
                    name in faults
                    and not signal.known
                    and mappings[name].ref is None
                    and not isinstance(collector, IndexCollector)
                ):
                    signal = Signal.unknown(
                        spec.name, signal.source, signal.fetched_at, lost_link(faults[name])
                    )
                signals[name][spec.name] = signal
        warnings.extend(_collector_warnings(collector, subjects, signals))
        if progress is not None:
            progress(f"collecting {collector.name} signals", step + 1, len(run))
    for skip in skipped:
        for spec in skip.collector.provides:
            specs.setdefault(spec.name, spec)
            unknown = Signal.unknown(spec.name, skip.collector.name, moment, skip.reason)
            for name in ordered:  # one immutable signal for every package, as above
                signals[name].setdefault(spec.name, unknown)

    packages = tuple(
        PackageAudit(
            package=graph.package(name),
            direct=graph.is_direct(name),
            depth=graph.depth(name),
            reach=graph.reach(name),
            via=tuple(graph.via(name)),
            origins=tuple(graph.origins(name)),
            repository=mappings[name].ref,
            repository_how=mappings[name].how,
            signals={spec: signals[name][spec] for spec in specs if spec in signals[name]},
        )
        for name in ordered
    )
    return AuditResult(
        graph=graph,
        packages=packages,
        warnings=tuple(dict.fromkeys(warnings)),
        collectors_run=tuple(c.name for c in run),
        collectors_skipped=tuple(s.collector.name for s in skipped),
        specs=specs,
        unknown=summarise_unknown(packages),
        finished_at=moment,
        faults=faults,
    )


def index_faults(index_client: IndexClient | None, names: Iterable[str]) -> dict[str, str]:
    """Package -> how its project JSON failed this run (only faults, never facts)."""
    if index_client is None:
        return {}
    out: dict[str, str] = {}
    for name in names:
        why = index_client.project_json_failure(name)
        if why is not None:
            out[name] = f"the index's project JSON could not be read ({why})"
    return out


def lost_link(fault: str) -> str:
    """Why a repository-based signal is unknown when the link itself was lost."""
    return f"the repository link is unknown because {fault}"


def fault_warnings(faults: Mapping[str, str], index_client: IndexClient | None) -> list[str]:
    """One warning per kind of failure, naming the packages (a few, then a count)."""
    out: list[str] = []
    if index_client is not None and index_client.project_json_unsupported():
        out.append(
            f"the index {index_client.index_urls[0]} answers 404 for the project JSON of "
            "projects it lists: it seems to offer no project JSON API; publishers, release "
            "history and repository links are unknown"
        )
    by_reason: dict[str, list[str]] = {}
    for name, why in faults.items():
        by_reason.setdefault(why, []).append(name)
    for why, names in by_reason.items():
        shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
        out.append(
            f"index: {why} for {len(names)} package(s): {shown}; their index signals and "
            "repository links (so GitHub and git signals) are unknown, and their risk cannot "
            "be judged; the next run asks again"
        )
    return out


def _run_one(
    collector: Collector, subjects: Sequence[Subject], now: datetime
) -> tuple[Mapping[str, Sequence[Signal]], str | None]:
    try:
        return collector.collect(subjects), None
    except AuditorError as exc:
        if exc.exit_code == 3:
            raise  # e.g. a rejected token: nothing this collector says can be trusted
        return {}, f"{collector.name} signals are unknown: {exc.message}"
    except Exception as exc:  # one broken collector must not end the audit
        return {}, f"{collector.name} signals are unknown: {type(exc).__name__}: {exc}"


def _collector_warnings(
    collector: Collector,
    subjects: Sequence[Subject],
    signals: Mapping[str, Mapping[str, Signal]],
) -> list[str]:
    """Say when a collector got nothing at all for packages it had a repository for.

    Packages without any repository link are left out: that is a fact about the
    package, reported per signal, not a fault of this run.
    """
    if isinstance(collector, IndexCollector):
        return []
    reasons: Counter[str] = Counter()
    for subject in subjects:
        if subject.repository is None:
            continue
        mine = [signals[subject.package][spec.name] for spec in collector.provides]
        if mine and all(not s.known for s in mine):
            reasons[mine[0].unknown_reason or OMITTED] += 1
    return [
        f"{collector.name}: no signals for {count} package(s): {reason}"
        for reason, count in reasons.most_common()
    ]


def summarise_unknown(packages: Sequence[PackageAudit]) -> tuple[UnknownCount, ...]:
    """Unknown signals grouped by (collector, reason), most frequent first."""
    # key -> [signals, packages]; one pass over some 14,000 signals for 239 packages,
    # with each source's collector worked out once (a few dozen distinct sources).
    groups: dict[tuple[str, str], tuple[list[int], set[str]]] = {}
    collector_of: dict[str, str] = {}
    for pkg in packages:
        name = pkg.package.name
        for signal in pkg.signals.values():
            reason = signal.unknown_reason
            if reason is None:
                continue
            source = signal.source
            collector = collector_of.get(source)
            if collector is None:
                collector = collector_of[source] = _collector_of(source)
            group = groups.get((collector, reason or OMITTED))
            if group is None:
                group = groups[(collector, reason or OMITTED)] = ([0], set())
            group[0][0] += 1
            group[1].add(name)
    return tuple(
        UnknownCount(collector=c, reason=r, signals=n[0], packages=len(names))
        for (c, r), (n, names) in sorted(groups.items(), key=lambda kv: (-kv[1][0][0], kv[0]))
    )


def _collector_of(source: str) -> str:
    """Sources look like ``github:owner/repo`` or ``index:https://...``: the collector part."""
    return source.split(":", 1)[0]
