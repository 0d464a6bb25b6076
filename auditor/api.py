"""The front door of the library: ``Settings`` in, a result out.

Everything a run needs is built here from plain values: the one HTTP session, the cache,
the index client and the collectors. The CLI turns flags and the environment into a
``Settings`` and renders what comes back; a Python caller does the same without the
command line::

    from auditor import Settings, audit
    report = audit(["requirements.txt"], Settings(github=False))
    for pkg in report.ordered():
        print(pkg.name, report.score(pkg).level)

Nothing here prints, exits or reads ``sys.argv``. Problems are raised as ``AuditorError``
subclasses (``InputError`` for what the user can fix, ``DataSourceError`` when a source
failed); everything that is merely missing comes back as ``unknown`` with its reason.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.cache import Cache
from auditor.config import default_cache_dir
from auditor.errors import InputError
from auditor.model import SourceOptions
from auditor.resolve.pipeline import GraphRequest, build_graph, index_urls, read_inputs

if TYPE_CHECKING:
    import requests

    from auditor.collectors.backends.git.report import BusFactorReport
    from auditor.collectors.interface import Collector
    from auditor.collectors.run import AuditResult, PackageAudit, Progress, Skipped
    from auditor.index.client import IndexClient
    from auditor.judge.policy import Acceptance
    from auditor.judge.report import ScoredReport
    from auditor.judge.rules import Rule
    from auditor.judge.scoring import Level, PackageScore
    from auditor.judge.taxonomy import Taxonomy
    from auditor.resolve.graph import DependencyGraph
    from auditor.sponsorship.plan import Budget, SponsorPlan

__all__ = [
    "DEFAULT_GITHUB_API",
    "Explanation",
    "GraphResult",
    "ScoringSetup",
    "Settings",
    "audit",
    "bus_factor",
    "collect",
    "explain",
    "graph",
    "load_scoring",
    "sponsor",
]

DEFAULT_GITHUB_API = "https://api.github.com"
SKIPPED_GITHUB = "skipped (--no-github)"
SKIPPED_GITHUB_OFFLINE = "skipped (--offline: GitHub is not contacted)"
SKIPPED_GIT = "not collected: add --git for git-history signals"
RESOLVING = "resolving the dependency graph"


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Every choice a run depends on, as plain values (the CLI fills it from flags).

    The defaults are the CLI's defaults, except that nothing is read from the
    environment here but the cache location: a caller passes the GitHub token itself.
    """

    # What to read.
    environment: bool = False
    python: str | None = None
    source_options: SourceOptions = field(default_factory=SourceOptions)
    no_deps: bool = False
    stdin_text: str | None = None
    # Index and target.
    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    python_version: str | None = None
    platform: str | None = None
    #: processes reading the index beside the resolver (None: as many as suit the
    #: machine; 0: none, all in this process); see ``auditor.index.fetch_process``
    fetch_processes: int | None = None
    # Cache: ``cache_dir`` None means $AUDITOR_CACHE_DIR or the user cache directory.
    use_cache: bool = True
    cache_dir: Path | None = None
    refresh: bool = False
    offline: bool = False
    # Signal sources.
    github: bool = True
    github_api_url: str = DEFAULT_GITHUB_API
    github_token: str | None = field(default=None, repr=False)  # never shown, not even here
    git: bool = False
    allow_hosts: tuple[str, ...] = ()
    max_wait: float = 60.0
    # Rules and policy.
    rules_dirs: tuple[Path, ...] = ()
    default_rules: bool = True
    taxonomy_paths: tuple[Path, ...] = ()
    policy: Path | None = None  # None: .auditor.toml or pyproject.toml found from the cwd
    fail_on: Level = "high"
    strict: bool = False
    baseline: Path | None = None

    def __post_init__(self) -> None:
        if not self.github_api_url.startswith(("https://", "http://")):
            raise InputError(
                f"--github-api-url {self.github_api_url!r} is not an http(s) URL",
                hint="For GitHub Enterprise use https://HOST/api/v3.",
            )

    def resolved_cache_dir(self) -> Path | None:
        """Where the cache lives, or None when the run must not use one."""
        if not self.use_cache:
            return None
        return self.cache_dir if self.cache_dir is not None else default_cache_dir()

    def graph_request(self, files: Sequence[str | Path]) -> GraphRequest:
        """The resolution stage's share of the settings."""
        names = tuple(str(f) for f in files)
        if not names and not self.environment and not self.python:
            raise InputError(
                "nothing to audit: name a dependency file, or use --env for this environment",
                hint="For example: audit requirements.txt",
            )
        return GraphRequest(
            files=names,
            environment=self.environment,
            python=self.python,
            source_options=self.source_options,
            python_version=self.python_version,
            platform=self.platform,
            fetch_processes=self.fetch_processes,
            index_url=self.index_url,
            extra_index_urls=self.extra_index_urls,
            cache_dir=self.resolved_cache_dir(),
            refresh=self.refresh,
            offline=self.offline,
            no_deps=self.no_deps,
            stdin_text=self.stdin_text,
        )


# -- the graph ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class GraphResult:
    """The resolved graph and the warnings worth showing the user."""

    graph: DependencyGraph
    warnings: tuple[str, ...]


def graph(files: Sequence[str | Path], settings: Settings | None = None) -> GraphResult:
    """Resolve the dependency files into one graph (no signals are collected)."""
    chosen = settings or Settings()
    built, warnings = build_graph(chosen.graph_request(files))
    return GraphResult(graph=built, warnings=tuple(warnings))


# -- signals --------------------------------------------------------------------------------


def collect(
    files: Sequence[str | Path],
    settings: Settings | None = None,
    *,
    only: str | None = None,
    progress: Progress | None = None,
) -> AuditResult:
    """Resolve the graph and collect signals: for every package, or for ``only``.

    ``only`` not in the graph is an input error naming the closest package names.
    ``progress(stage, done, total)`` hears the resolution and the collection.
    """
    from auditor.collectors.run import collect_signals
    from auditor.repository import github_hosts_for

    chosen = settings or Settings()
    request = chosen.graph_request(files)
    cache = Cache(
        None if request.cache_dir is None else request.cache_dir / "cache.sqlite3",
        refresh=request.refresh,
    )
    try:
        session = _SharedSession()
        if progress is not None:
            progress(RESOLVING, 0, 0)
        built, warnings = build_graph(request, session=session, cache=cache)
        if progress is not None:
            progress(RESOLVING, len(built), len(built))
        if only is not None and only not in built:
            raise not_in_graph(only, built)
        index = _index_client(request, session, cache)
        hosts = github_hosts_for(chosen.github_api_url)
        with _git_dir(request) as clone_dir:
            collectors, skipped, notes = _collectors(chosen, index, cache, clone_dir)
            from auditor.collectors.inputs import InputCollector

            collectors.insert(1, InputCollector(built))  # cheap: right after the index
            result = collect_signals(
                built,
                collectors,
                index,
                skipped=skipped,
                github_hosts=hosts,
                only=None if only is None else (only,),
                progress=progress,
            )
    finally:
        cache.close()
    return replace(
        result,
        warnings=tuple(dict.fromkeys([*warnings, *notes, *result.warnings, *cache.warnings])),
    )


def not_in_graph(name: str, built: DependencyGraph) -> InputError:
    """The error for a package that is not in the graph, with the closest names."""
    import difflib  # only for a name that is not in the graph

    close = difflib.get_close_matches(name, list(built.g.nodes), n=5, cutoff=0.6)
    hint = (
        f"Did you mean: {', '.join(sorted(close))}?"
        if close
        else f"The graph has {len(built)} packages; see them with: auditor graph FILE"
    )
    return InputError(f"{name} is not in the resolved dependency graph", hint=hint)


class _SharedSession:
    """One HTTP session for the graph stage and the collectors, made on first use: a warm
    audit answers from the cache and never loads requests and urllib3."""

    #: made by ``make_session`` as it is: a page process can make the same (see
    #: ``IndexClient``'s ``child_pages``)
    default_http = True

    def __init__(self) -> None:
        self._session: requests.Session | None = None
        self._lock = threading.Lock()

    def __call__(self) -> requests.Session:
        with self._lock:
            if self._session is None:
                from auditor.index.http import make_session

                self._session = make_session()
            return self._session


def _index_client(request: GraphRequest, session: _SharedSession, cache: Cache) -> IndexClient:
    """A second index client over the same session and cache: the graph stage already
    read most project documents, so this costs at most one request per project."""
    from auditor.index.client import IndexClient

    urls, trusted = index_urls(request, read_inputs(request))
    return IndexClient(
        urls, session=session, cache=cache, offline=request.offline, trusted_hosts=trusted
    )


@contextlib.contextmanager
def _git_dir(request: GraphRequest) -> Iterator[Path]:
    """Clones live in the cache directory; without a cache, in a directory removed after."""
    if request.cache_dir is not None:
        yield request.cache_dir / "git"
        return
    tmp = tempfile.mkdtemp(prefix="auditor-git-")
    try:
        yield Path(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _collectors(
    settings: Settings, index: IndexClient, cache: Cache, clone_dir: Path
) -> tuple[list[Collector], list[Skipped], list[str]]:
    """The collectors to run, those switched off (with why), and notes for the user."""
    from auditor.collectors.backends.git import signals as git_signals
    from auditor.collectors.backends.github import signals as github_signals
    from auditor.collectors.index import IndexCollector
    from auditor.collectors.interface import Declared
    from auditor.collectors.run import Skipped
    from auditor.repository import github_hosts_for

    # A collector that does not run is declared by its signals alone: its code (GraphQL,
    # REST, clones, the truck-factor analysis) is never imported.
    github_off = Declared(github_signals.COLLECTOR, github_signals.SPECS)
    git_off = Declared(git_signals.COLLECTOR, git_signals.SPECS)
    hosts = github_hosts_for(settings.github_api_url)
    collectors: list[Collector] = [IndexCollector(index, github_hosts=hosts)]
    skipped: list[Skipped] = []
    notes: list[str] = []
    if not settings.github:
        skipped.append(Skipped(collector=github_off, reason=SKIPPED_GITHUB))
    elif settings.offline:
        skipped.append(Skipped(collector=github_off, reason=SKIPPED_GITHUB_OFFLINE))
    else:
        from auditor.collectors.github import GitHubCollector

        collectors.append(
            GitHubCollector(
                base_url=settings.github_api_url.rstrip("/"),
                token=settings.github_token,
                cache=cache,
                max_wait=settings.max_wait,
            )
        )
        if settings.github_token is None:
            notes.append(
                "no GitHub token: "
                + ", ".join(sorted(github_signals.GRAPHQL_ONLY))
                + " will be unknown, and GitHub is asked at most ~50 times (its limit is "
                "60 requests an hour without a token), so less critical packages may get "
                "no GitHub signals; for more signals and far fewer requests set "
                "GITHUB_TOKEN (or GH_TOKEN) to a token (no scopes needed for public "
                "repositories: https://github.com/settings/tokens), or log in once with "
                "the GitHub CLI (`gh auth login`) and auditor will ask it"
            )
    if settings.git:
        from auditor.collectors.git_history import GitHistoryCollector

        allowed = set(settings.allow_hosts) | {h for h in hosts if h != "github.com"}
        collectors.append(
            GitHistoryCollector(
                cache_dir=clone_dir,
                cache=cache,
                allowed_hosts=sorted(allowed),
                offline=settings.offline,
            )
        )
    else:
        skipped.append(Skipped(collector=git_off, reason=SKIPPED_GIT))
    return collectors, skipped, notes


# -- judgement ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ScoringSetup:
    """Rules, taxonomy and acceptances, loaded and validated before any network work."""

    rules: tuple[Rule, ...]
    taxonomy: Taxonomy
    acceptances: tuple[Acceptance, ...]
    policy: Path | None


def load_scoring(settings: Settings | None = None) -> ScoringSetup:
    """Load what scoring needs; every problem is an InputError naming the file.

    Callers load this first so that a broken rule or policy file fails in a second,
    before any network work.
    """
    from auditor.judge.policy import find_policy_file, load_acceptances
    from auditor.judge.rules import default_rules_dir, load_rules
    from auditor.judge.taxonomy import load_taxonomy

    chosen = settings or Settings()
    taxonomy = load_taxonomy(chosen.taxonomy_paths)
    for d in chosen.rules_dirs:
        if not d.is_dir():
            raise InputError(
                f"rule directory {d} does not exist or is not a directory",
                hint="Pass a directory holding one TOML file per rule (or a checks/ folder).",
            )
    dirs = ([default_rules_dir()] if chosen.default_rules else []) + list(chosen.rules_dirs)
    if not dirs:
        raise InputError("no rules to score with", hint="Drop --no-default-rules or add --rules.")
    rules = load_rules(dirs, categories=taxonomy.ids())
    policy = chosen.policy
    if policy is not None and not policy.is_file():
        raise InputError(
            f"policy file {policy} does not exist",
            hint="Pass a pyproject.toml with [tool.auditor] or an .auditor.toml.",
        )
    if policy is None:
        policy = find_policy_file(Path.cwd())
    acceptances = load_acceptances(policy) if policy is not None else ()
    return ScoringSetup(rules=rules, taxonomy=taxonomy, acceptances=acceptances, policy=policy)


def audit(
    files: Sequence[str | Path],
    settings: Settings | None = None,
    *,
    setup: ScoringSetup | None = None,
    progress: Progress | None = None,
    today: date | None = None,
) -> ScoredReport:
    """The whole audit: graph, signals, scores, acceptances, baseline and the gate.

    ``report.gate.exit_code`` is the exit code the CLI would use.
    """
    from auditor.judge.policy import load_baseline
    from auditor.judge.report import score_audit

    chosen = settings or Settings()
    loaded = setup or load_scoring(chosen)
    baseline = load_baseline(chosen.baseline) if chosen.baseline is not None else None
    result = collect(files, chosen, progress=progress)
    return score_audit(
        result,
        loaded.rules,
        loaded.taxonomy,
        today=today or date.today(),
        acceptances=loaded.acceptances,
        fail_on=chosen.fail_on,
        strict=chosen.strict,
        baseline=baseline,
    )


@dataclass(frozen=True, kw_only=True)
class Explanation:
    """One package's evidence and score, with the acceptance notes that touched it."""

    result: AuditResult
    package: PackageAudit
    score: PackageScore
    notes: tuple[str, ...]


def explain(
    package: str,
    files: Sequence[str | Path],
    settings: Settings | None = None,
    *,
    setup: ScoringSetup | None = None,
    today: date | None = None,
) -> Explanation:
    """Collect and score one package only (cheap even on a large graph)."""
    from packaging.utils import canonicalize_name

    from auditor.judge.policy import apply_acceptances
    from auditor.judge.scoring import evaluate
    from auditor.judge.taxonomy import normalise

    chosen = settings or Settings()
    loaded = setup or load_scoring(chosen)
    name = str(canonicalize_name(package))
    result = collect(files, chosen, only=name)
    pkg = result.package(name)
    if pkg is None:  # collect raises first; kept so a bug cannot give an empty answer
        raise InputError(f"{name} is not in the resolved dependency graph")
    context = loaded.taxonomy.context(name, direct=pkg.direct, reach=pkg.reach, depth=pkg.depth)
    mine = [a for a in loaded.acceptances if normalise(a.package) == name]
    accepted = apply_acceptances(
        [evaluate(loaded.rules, pkg.signals, context)], mine, today or date.today()
    )
    return Explanation(
        result=result, package=pkg, score=accepted.scores[0], notes=tuple(accepted.notes)
    )


# -- sponsorship ----------------------------------------------------------------------------


def sponsor(
    files: Sequence[str | Path],
    settings: Settings | None = None,
    *,
    budget: Budget | None = None,
    companies: Sequence[Path] = (),
) -> SponsorPlan:
    """Whom to fund so the stack survives, and (with ``budget``) how to split it.

    Several files are several apps sharing one budget: one graph, so a package two apps
    need counts for both. The plan's ``warnings`` carry the collection's warnings.
    """
    from auditor.judge.report import package_scores
    from auditor.judge.rules import load_rules
    from auditor.judge.taxonomy import load_taxonomy
    from auditor.sponsorship.large_companies import load_companies
    from auditor.sponsorship.plan import plan_sponsorship

    chosen = settings or Settings()
    # The data files first: a typo in a companies file fails before any network use.
    known_companies = load_companies(companies)
    taxonomy = load_taxonomy(chosen.taxonomy_paths)
    rules = load_rules(categories=taxonomy.ids())
    result = collect(files, chosen)
    scores = {s.name: s for s in package_scores(result, rules, taxonomy)}
    plan = plan_sponsorship(result, scores, known_companies, budget=budget)
    merged = tuple(dict.fromkeys([*result.warnings, *plan.warnings]))
    return replace(plan, warnings=merged)


# -- git history ----------------------------------------------------------------------------


def bus_factor(
    target: str,
    settings: Settings | None = None,
    *,
    rev: str | None = None,
    excludes: Sequence[str] = (),
    use_default_excludes: bool = True,
    now: datetime | None = None,
) -> BusFactorReport:
    """Truck factor and maintainer activity from one repository's git history.

    ``target`` is an https:// URL (cloned blobless into the cache directory, fetched on
    later runs; only github.com and ``settings.allow_hosts``) or a local repository path.
    """
    from auditor.collectors.backends.git import bus_factor as analyse
    from auditor.collectors.backends.git import open_target

    chosen = settings or Settings()
    cache_dir = chosen.resolved_cache_dir()
    with contextlib.ExitStack() as stack:
        if cache_dir is None:
            tmp = tempfile.mkdtemp(prefix="auditor-git-")
            stack.callback(shutil.rmtree, tmp, ignore_errors=True)
            clone_root = Path(tmp)
        else:
            clone_root = cache_dir
        opened = open_target(
            target,
            cache_dir=clone_root,
            allowed_hosts=chosen.allow_hosts,
            offline=chosen.offline,
        )
        return analyse(
            opened,
            rev=rev,
            excludes=excludes,
            use_default_excludes=use_default_excludes,
            now=now,
        )
