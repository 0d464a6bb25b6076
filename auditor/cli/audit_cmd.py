"""``auditor audit`` (and ``audit``): every package's signals, risk, and the CI gate.

The environment is read in ``cli.common.settings_from_args`` (the GitHub token goes into
``Settings`` and from there to the GitHub collector only; it is never printed, logged or
put in a report). ``auditor.api`` builds the clients and returns values; this module
decides what to print and the exit code.

The run is: flags to ``Settings``, ``api.load_scoring`` (so a bad rule file or policy
fails in a second, before any network work), ``api.audit`` (graph, signals, findings,
risk, acceptances, gate), then ``render``. The exit code is the gate's: 0 pass, 1 risk at
or above --fail-on, 3 untrustworthy; input errors are 2.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.cli import VERSION
from auditor.cli.common import (
    input_parent,
    output_width,
    settings_from_args,
    warn,
    write_output,
)
from auditor.cli.llm_options import llm_parent, summarizer_from_args, summarizer_session
from auditor.reporters.interface import OutputFormat, RenderContext, reporter_for
from auditor.reporters.sanitize import clean

if TYPE_CHECKING:
    from auditor.collectors.run import Progress
    from auditor.judge.report import ScoredReport
    from auditor.judge.rules import Rule
    from auditor.summaries import Summary

# ``judge.policy.FAIL_ON_CHOICES``, repeated so that ``--help`` loads no scoring code
# (a test holds the two equal).
FAIL_ON_CHOICES = ("low", "medium", "high", "critical")


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
        "1 risk at or above it (new or worse than --baseline); 2 usage, input or "
        "configuration error; 3 untrustworthy result (a data source failed, or --strict "
        "with undecided rules on packages that matter); 4 internal error (a bug: please "
        "report it). Every flag is also a key in .auditor.toml or [tool.auditor] "
        '(fail-on = "medium") and a variable (AUDITOR_FAIL_ON=medium); a flag beats '
        "the variable, which beats the file. GitHub token: GITHUB_TOKEN, GH_TOKEN, else "
        "`gh auth token` when the GitHub CLI is logged in.",
    )
    out = audit.add_argument_group("output")
    out.add_argument(
        "-f",
        "--format",
        choices=[f.value for f in OutputFormat],
        default=OutputFormat.TEXT.value,
        help="text: risk per package (default); json: the full report; signals: the raw "
        "signals table; markdown: for job summaries and PR comments; sarif: for code "
        "scanning; html: a self-contained page with a clickable dependency graph",
    )
    out.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE")
    out.add_argument(
        "--report",
        action="append",
        default=[],
        type=_extra_report,
        metavar="FORMAT=FILE",
        help="also write the report in FORMAT to FILE, from the same run (repeatable; "
        "e.g. --report markdown=summary.md --report sarif=auditor.sarif)",
    )
    out.add_argument(
        "--desc",
        action="store_true",
        help="after a text report, describe each rule that fired: why it matters and "
        "what to do (pip-audit's --desc)",
    )
    out.add_argument("-V", "--version", action="version", version=VERSION)
    out.add_argument(
        "--all",
        action="store_true",
        dest="show_all",
        help="text: list every package, not only those needing attention (medium and "
        "above, and unknown)",
    )
    out.add_argument(
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


def run_audit(args: argparse.Namespace) -> int:
    from auditor.api import audit, load_scoring

    settings = settings_from_args(args)
    setup = load_scoring(settings)  # a bad rule or policy file fails before network work
    summarizer_from_args(args, None)  # a malformed --llm-url fails now, not after the audit
    with progress_bars(args) as progress:
        report = audit(args.files, settings, setup=setup, progress=progress)
    summaries, summary_warnings = summarize(args, report)
    warn(args, [clean(w) for w in (*report.result.warnings, *summary_warnings)])
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
    if getattr(args, "desc", False) and args.format == OutputFormat.TEXT.value:
        text += describe_rules(report, setup.rules)
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
    from auditor.summaries import select_evidence

    with summarizer_session(args) as (summarizer, cache):
        if summarizer is None:
            return {}, []
        evidence = select_evidence(report.result, report.scores)
        if not evidence:
            return {}, []
        batch = summarizer.summarize_packages(evidence)
        return dict(batch.summaries), [*batch.warnings, *cache.warnings]


def describe_rules(report: ScoredReport, rules: Sequence[Rule]) -> str:
    """``--desc``: each rule that fired on a package, once, with why it matters and the
    remediation (the text report names rules; this says what they mean)."""
    fired = {f.rule_id for s in report.scores.values() for f in s.findings if f.counts}
    chosen = [r for r in rules if r.id in fired]
    if not chosen:
        return "\nRules: none fired.\n"
    lines = ["", "Rules that fired:"]
    for rule in sorted(chosen, key=lambda r: r.id):
        lines.append(f"  {rule.id} ({rule.severity}): {clean(rule.summary)}")
        lines.append(f"    why: {clean(' '.join(rule.motivation.split()))}")
        lines.append(f"    what to do: {clean(' '.join(rule.remediation.split()))}")
    return "\n".join(lines) + "\n"


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
