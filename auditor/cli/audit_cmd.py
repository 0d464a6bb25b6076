"""``auditor audit`` (and ``audit``): every package's signals, risk, and the CI gate.

This is where network clients are built and the environment is read: the GitHub token
(``GITHUB_TOKEN`` or ``GH_TOKEN``) is read here and handed to the GitHub collector only;
it is never printed, logged or put in a report. The library stage (``collect_signals``)
receives ready clients and returns values; this module decides what to print.

The run is: load the rules, taxonomy, acceptances and baseline (so a bad rule file or
policy fails in a second, before any network work), ``gather`` (graph + signals),
``score_audit`` (findings, risk, acceptances, gate), then ``render``. The exit code is
the gate's: 0 pass, 1 risk at or above --fail-on, 3 untrustworthy; input errors are 2.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import requests

from auditor.cache import Cache
from auditor.cli.common import (
    graph_request,
    input_parent,
    output_width,
    warn,
    write_output,
)
from auditor.cli.llm_options import llm_parent, summarizer_from_args, summarizer_session
from auditor.collectors.backends.github.signals import GRAPHQL_ONLY
from auditor.collectors.git_history import GitHistoryCollector
from auditor.collectors.github import GitHubCollector, github_hosts_for
from auditor.collectors.index import IndexCollector
from auditor.collectors.interface import Collector
from auditor.collectors.run import AuditResult, Progress, Skipped, collect_signals
from auditor.errors import InputError
from auditor.index.client import IndexClient
from auditor.index.http import make_session
from auditor.judge.policy import (
    FAIL_ON_CHOICES,
    Acceptance,
    Baseline,
    find_policy_file,
    load_acceptances,
    load_baseline,
)
from auditor.judge.report import ScoredReport, score_audit
from auditor.judge.rules import Rule, default_rules_dir, load_rules
from auditor.judge.taxonomy import Taxonomy, load_taxonomy
from auditor.reporters.interface import OutputFormat, RenderContext, reporter_for
from auditor.reporters.sanitize import clean
from auditor.resolve.graph import DependencyGraph
from auditor.resolve.pipeline import GraphRequest, build_graph, index_urls, read_inputs
from auditor.summaries import Summary, select_evidence

DEFAULT_GITHUB_API = "https://api.github.com"
SKIPPED_GITHUB = "skipped (--no-github)"
SKIPPED_GITHUB_OFFLINE = "skipped (--offline: GitHub is not contacted)"
SKIPPED_GIT = "not collected: add --git for git-history signals"
RESOLVING = "resolving the dependency graph"


def signals_parent() -> argparse.ArgumentParser:
    """Flags that choose and tune the collectors, shared by ``audit`` and ``explain``."""
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("signal sources")
    g.add_argument(
        "--no-github", action="store_true", help="do not contact GitHub (its signals: unknown)"
    )
    g.add_argument(
        "--github-api-url",
        metavar="URL",
        default=None,
        help="GitHub API base (default: $GITHUB_API_URL, else the public GitHub API)",
    )
    g.add_argument(
        "--git",
        action="store_true",
        help="add git-history signals (truck factor...): clones each repository, blobless",
    )
    g.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="HOST",
        help="also clone https:// repositories on HOST with --git (repeatable)",
    )
    g.add_argument(
        "--max-wait",
        type=_seconds,
        default=60.0,
        metavar="SECONDS",
        help="longest wait for a GitHub rate limit to reset before giving up (default 60)",
    )
    return p


def scoring_parent() -> argparse.ArgumentParser:
    """Flags that choose rules, taxonomy and acceptances, shared by ``audit`` and ``explain``."""
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("rules and policy")
    g.add_argument(
        "--rules",
        action="append",
        default=[],
        type=Path,
        metavar="DIR",
        help="also load the rule files of DIR, added to the shipped rules (repeatable)",
    )
    g.add_argument("--no-default-rules", action="store_true", help="leave out the shipped rules")
    g.add_argument(
        "--taxonomy",
        action="append",
        default=[],
        type=Path,
        metavar="PATH",
        help="also load this taxonomy TOML file or directory of them (repeatable)",
    )
    g.add_argument(
        "--policy",
        type=Path,
        metavar="FILE",
        default=None,
        help="acceptances from FILE (default: ./.auditor.toml, else [tool.auditor] in "
        "./pyproject.toml)",
    )
    return p


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    parents: list[argparse.ArgumentParser],
) -> None:
    audit = subparsers.add_parser(
        "audit",
        parents=[*parents, input_parent(), signals_parent(), scoring_parent(), llm_parent()],
        help="audit an application's dependencies and their maintainers",
        description="Resolve the whole dependency graph, collect publisher, release, "
        "repository, contributor and funding signals for every package, score its "
        "bus-factor risk with the rules, and gate on it.",
        epilog="Formats: text (packages by risk level, worst first), json (every signal, "
        "finding and the gate; schema: auditor/schemas/report.schema.json), signals (the "
        "raw signals table), markdown (job summary / pull-request comment, under 1 MiB), "
        "sarif (SARIF 2.1.0 for code scanning), html (one self-contained page with the "
        "graph). Progress bars go to stderr on a terminal (not with --quiet or when CI is "
        "set); NO_COLOR turns colour off. Exit codes: 0 nothing at or above --fail-on; "
        "1 risk at or above it (new or worse than --baseline); 2 usage or input error; "
        "3 untrustworthy result (a data source failed, or --strict with undecided rules "
        "on packages that matter). Set GITHUB_TOKEN (or GH_TOKEN) for more GitHub signals "
        "and far fewer requests.",
    )
    audit.add_argument(
        "--format",
        choices=[f.value for f in OutputFormat],
        default=OutputFormat.TEXT.value,
        help="text: risk per package (default); json: the full report; signals: the raw "
        "signals table; markdown: for job summaries and PR comments; sarif: for code "
        "scanning; html: a self-contained page with a clickable dependency graph",
    )
    audit.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE")
    audit.add_argument(
        "--report",
        action="append",
        default=[],
        type=_extra_report,
        metavar="FORMAT=FILE",
        help="also write the report in FORMAT to FILE, from the same run (repeatable; "
        "e.g. --report markdown=summary.md --report sarif=auditor.sarif)",
    )
    audit.add_argument(
        "--all",
        action="store_true",
        dest="show_all",
        help="text: list every package, not only those needing attention (medium and "
        "above, and unknown)",
    )
    audit.add_argument(
        "--markdown-limit",
        type=_byte_limit,
        default=None,
        metavar="BYTES",
        help="markdown: the longest document to write; detail is dropped first, never the "
        "verdict (default 1 MiB less a margin, GitHub's job-summary limit; use 65536 for "
        "a pull-request comment)",
    )
    gate_group = audit.add_argument_group("gate")
    gate_group.add_argument(
        "--fail-on",
        choices=FAIL_ON_CHOICES,
        default="high",
        help="exit 1 when a package's risk is at or above this level (default high)",
    )
    gate_group.add_argument(
        "--strict",
        action="store_true",
        help="exit 3 when rules at or above --fail-on are undecided (unknown signals) on "
        "packages that matter (direct, serving path, or reached from 2+ requirements)",
    )
    gate_group.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        default=None,
        help="a previous `--format json` report: fail only on new or worse risk",
    )
    audit.set_defaults(run=run_audit)


@dataclass(frozen=True, kw_only=True)
class ScoringSetup:
    """Rules, taxonomy and acceptances, loaded and validated before any network work."""

    rules: tuple[Rule, ...]
    taxonomy: Taxonomy
    acceptances: tuple[Acceptance, ...]
    policy: Path | None


def scoring_setup(args: argparse.Namespace) -> ScoringSetup:
    """Load what scoring needs; every problem is an InputError (exit 2) naming the file."""
    taxonomy = load_taxonomy(args.taxonomy)
    user_dirs: Sequence[Path] = args.rules
    for d in user_dirs:
        if not d.is_dir():
            raise InputError(
                f"rule directory {d} does not exist or is not a directory",
                hint="Pass a directory holding one TOML file per rule (or a checks/ folder).",
            )
    dirs = ([] if args.no_default_rules else [default_rules_dir()]) + list(user_dirs)
    if not dirs:
        raise InputError("no rules to score with", hint="Drop --no-default-rules or add --rules.")
    rules = load_rules(dirs, categories=taxonomy.ids())
    policy: Path | None = args.policy
    if policy is not None and not policy.is_file():
        raise InputError(
            f"policy file {policy} does not exist",
            hint="Pass a pyproject.toml with [tool.auditor] or an .auditor.toml.",
        )
    if policy is None:
        policy = find_policy_file(Path.cwd())
    acceptances = load_acceptances(policy) if policy is not None else ()
    return ScoringSetup(rules=rules, taxonomy=taxonomy, acceptances=acceptances, policy=policy)


def run_audit(args: argparse.Namespace) -> int:
    setup = scoring_setup(args)
    baseline: Baseline | None = load_baseline(args.baseline) if args.baseline is not None else None
    summarizer_from_args(args, None)  # a malformed --llm-url fails now, not after the audit
    with progress_bars(args) as progress:
        result = gather(args, progress=progress)
    report = score_audit(
        result,
        setup.rules,
        setup.taxonomy,
        today=date.today(),
        acceptances=setup.acceptances,
        fail_on=args.fail_on,
        strict=args.strict,
        baseline=baseline,
    )
    summaries, summary_warnings = summarize(args, report)
    warn(args, [clean(w) for w in (*result.warnings, *summary_warnings)])
    to_terminal = args.output is None or args.output == "-"
    context = RenderContext(
        color=to_terminal and sys.stdout.isatty() and not no_color(),
        width=output_width(),
        git=bool(args.git),
        summaries=summaries,
        rules=setup.rules,
        source_root=source_root(Path.cwd()),
        working_dir=Path.cwd(),
        show_all=bool(getattr(args, "show_all", False)),
        markdown_limit=getattr(args, "markdown_limit", None),
        index_url=_report_index_url(args),
    )
    text = reporter_for(args.format).render(report, context)
    write_output(text, args.output)
    for fmt, path in args.report:
        write_output(reporter_for(fmt).render(report, replace(context, color=False)), path)
    tell(args, report)
    # Summaries never change the exit code: it is the gate's, decided before them.
    return report.gate.exit_code


def summarize(
    args: argparse.Namespace, report: ScoredReport
) -> tuple[dict[str, Summary], list[str]]:
    """Generated narratives for the risky packages with ``--summarize``, and warnings.

    A server that is down or answers garbage gives warnings only; a model the server
    does not have raises InputError (exit 2), the summaries library's one deliberate error.
    """
    if not getattr(args, "summarize", False):
        return {}, []
    with summarizer_session(args) as (summarizer, cache):
        if summarizer is None:
            return {}, []
        evidence = select_evidence(report.result, report.scores)
        if not evidence:
            return {}, []
        batch = summarizer.summarize_packages(evidence)
        return dict(batch.summaries), [*batch.warnings, *cache.warnings]


def no_color() -> bool:
    """NO_COLOR set to anything but the empty string turns colour off (no-color.org)."""
    return bool(os.environ.get("NO_COLOR"))


def show_progress(args: argparse.Namespace) -> bool:
    """Progress bars only for a person watching: not quiet, stderr a terminal, not CI."""
    if getattr(args, "quiet", False) or os.environ.get("CI"):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    return sys.stderr.isatty()


@contextlib.contextmanager
def progress_bars(args: argparse.Namespace) -> Iterator[Progress | None]:
    """A ``progress(stage, done, total)`` callback drawing rich bars on stderr, or None.

    The bars are transient: they vanish when the work ends, so stderr keeps only the
    warnings and the gate's reasons. ``total`` 0 means "unknown" (a spinner).
    """
    if not show_progress(args):
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        SpinnerColumn,
        TaskID,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.progress import Progress as Bars

    console = Console(stderr=True, no_color=no_color())
    bars = Bars(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    tasks: dict[str, TaskID] = {}

    def update(stage: str, done: int, total: int) -> None:
        task = tasks.get(stage)
        if task is None:
            task = tasks[stage] = bars.add_task(clean(stage), total=total or None)
        bars.update(task, completed=done, total=total or None)

    with bars:
        yield update


def source_root(start: Path) -> Path | None:
    """The repository root SARIF paths are relative to: $GITHUB_WORKSPACE in Actions,
    else the nearest directory above ``start`` holding ``.git``; None outside a repo."""
    workspace = os.environ.get("GITHUB_WORKSPACE")
    if workspace:
        return Path(workspace)
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return None


def tell(args: argparse.Namespace, report: ScoredReport) -> None:
    """Acceptance notes and the gate's reasons on stderr, so they show next to any report.

    Reasons carry package names from the index: cleaned like every terminal string."""
    if getattr(args, "quiet", False):
        return
    for note in report.notes:
        sys.stderr.write(f"note: {clean(note)}\n")
    for reason in report.gate.reasons:
        sys.stderr.write(f"gate: {clean(reason)}\n")


def render(report: ScoredReport, fmt: str, *, to_terminal: bool = False, git: bool = False) -> str:
    """The report as a string in ``fmt`` with default options; the CLI decides where it goes."""
    context = RenderContext(
        color=to_terminal and sys.stdout.isatty() and not no_color(),
        width=output_width(),
        git=git,
    )
    return reporter_for(fmt).render(report, context)


# -- gathering -----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SignalOptions:
    """The collector choices, read from flags and the environment in one place."""

    github: bool
    github_api_url: str
    token: str | None = field(repr=False)  # never shown, even in a traceback
    git: bool
    allow_hosts: tuple[str, ...]
    max_wait: float


def signal_options(args: argparse.Namespace) -> SignalOptions:
    token = (os.environ.get("GITHUB_TOKEN") or os.environ.get("GH_TOKEN") or "").strip()
    api = args.github_api_url or os.environ.get("GITHUB_API_URL") or DEFAULT_GITHUB_API
    if not api.startswith(("https://", "http://")):
        raise InputError(
            f"--github-api-url {api!r} is not an http(s) URL",
            hint="For GitHub Enterprise use https://HOST/api/v3.",
        )
    return SignalOptions(
        github=not args.no_github,
        github_api_url=api.rstrip("/"),
        token=token or None,
        git=bool(args.git),
        allow_hosts=tuple(args.allow_host or ()),
        max_wait=float(args.max_wait),
    )


def gather(
    args: argparse.Namespace, *, only: str | None = None, progress: Progress | None = None
) -> AuditResult:
    """Resolve the graph and collect signals: for every package, or for ``only``.

    ``only`` not in the graph is an input error naming the closest package names.
    ``progress`` (see ``progress_bars``) hears the resolution and the collection.
    """
    request = graph_request(args)
    options = signal_options(args)
    cache = Cache(
        None if request.cache_dir is None else request.cache_dir / "cache.sqlite3",
        refresh=request.refresh,
    )
    try:
        session = make_session()
        if progress is not None:
            progress(RESOLVING, 0, 0)
        graph, warnings = build_graph(request, session=session, cache=cache)
        if progress is not None:
            progress(RESOLVING, len(graph), len(graph))
        if only is not None and only not in graph:
            raise not_in_graph(only, graph)
        index = _index_client(request, session, cache)
        hosts = github_hosts_for(options.github_api_url)
        with _git_dir(request) as clone_dir:
            collectors, skipped, notes = _collectors(options, index, cache, clone_dir, request)
            result = collect_signals(
                graph,
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


def not_in_graph(name: str, graph: DependencyGraph) -> InputError:
    close = difflib.get_close_matches(name, list(graph.g.nodes), n=5, cutoff=0.6)
    hint = (
        f"Did you mean: {', '.join(sorted(close))}?"
        if close
        else f"The graph has {len(graph)} packages; see them with: auditor graph FILE"
    )
    return InputError(f"{name} is not in the resolved dependency graph", hint=hint)


def _index_client(request: GraphRequest, session: requests.Session, cache: Cache) -> IndexClient:
    """A second index client over the same session and cache: the graph stage already
    read most project documents, so this costs at most one request per project."""
    urls, trusted = index_urls(request, read_inputs(request))
    return IndexClient(
        urls, session=session, cache=cache, offline=request.offline, trusted_hosts=trusted
    )


@contextlib.contextmanager
def _git_dir(request: GraphRequest) -> Iterator[Path]:
    """Clones live in the cache directory; with --no-cache, in a directory removed after."""
    if request.cache_dir is not None:
        yield request.cache_dir / "git"
        return
    tmp = tempfile.mkdtemp(prefix="auditor-git-")
    try:
        yield Path(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _collectors(
    options: SignalOptions,
    index: IndexClient,
    cache: Cache,
    clone_dir: Path,
    request: GraphRequest,
) -> tuple[list[Collector], list[Skipped], list[str]]:
    """The collectors to run, those switched off (with why), and notes for the user."""
    hosts = github_hosts_for(options.github_api_url)
    collectors: list[Collector] = [IndexCollector(index, github_hosts=hosts)]
    skipped: list[Skipped] = []
    notes: list[str] = []
    if not options.github:
        skipped.append(Skipped(collector=GitHubCollector, reason=SKIPPED_GITHUB))
    elif request.offline:
        skipped.append(Skipped(collector=GitHubCollector, reason=SKIPPED_GITHUB_OFFLINE))
    else:
        collectors.append(
            GitHubCollector(
                base_url=options.github_api_url,
                token=options.token,
                cache=cache,
                max_wait=options.max_wait,
            )
        )
        if options.token is None:
            notes.append(
                "no GitHub token: "
                + ", ".join(sorted(GRAPHQL_ONLY))
                + " will be unknown, and GitHub is asked at most ~50 times (its limit is "
                "60 requests an hour without a token), so less critical packages may get "
                "no GitHub signals; set GITHUB_TOKEN (or GH_TOKEN) for more signals and "
                "far fewer requests"
            )
    if options.git:
        allowed = set(options.allow_hosts) | {h for h in hosts if h != "github.com"}
        collectors.append(
            GitHistoryCollector(
                cache_dir=clone_dir,
                cache=cache,
                allowed_hosts=sorted(allowed),
                offline=request.offline,
            )
        )
    else:
        skipped.append(Skipped(collector=GitHistoryCollector, reason=SKIPPED_GIT))
    return collectors, skipped, notes


def _extra_report(text: str) -> tuple[OutputFormat, str]:
    """``FORMAT=FILE`` for --report: one audit, several formats (a CI job wants the
    Markdown summary and the SARIF file without auditing twice)."""
    fmt, sep, path = text.partition("=")
    choices = ", ".join(f.value for f in OutputFormat)
    if not sep or not path:
        raise argparse.ArgumentTypeError(f"expected FORMAT=FILE (FORMAT: {choices}), got {text!r}")
    try:
        return OutputFormat(fmt.strip()), path
    except ValueError:
        raise argparse.ArgumentTypeError(f"unknown format {fmt!r}; use one of {choices}") from None


MIN_MARKDOWN = 4096


def _byte_limit(text: str) -> int:
    """``--markdown-limit``: a whole number of bytes, room at least for the verdict."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of bytes") from None
    if value < MIN_MARKDOWN:
        raise argparse.ArgumentTypeError(
            f"--markdown-limit {value} is too small: at least {MIN_MARKDOWN} bytes"
        )
    return value


def _report_index_url(args: argparse.Namespace) -> str | None:
    """The configured index (flag, environment, pip's configuration, pip's default), for
    the HTML report's links to each package's page; None if it cannot be told."""
    from auditor.config import index_location

    try:
        return index_location(flag_index_url=getattr(args, "index_url", None)).index_url
    except Exception:  # a link is a convenience: never fail a finished audit over it
        return None


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if value < 0:
        raise argparse.ArgumentTypeError("--max-wait cannot be negative")
    return value
