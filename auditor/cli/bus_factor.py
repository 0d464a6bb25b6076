"""``auditor bus-factor TARGET``: the git-history bus-factor report for one repository.

The command is thin on purpose: it turns flags into ``Settings``, calls
``auditor.api.bus_factor`` and writes the rendered report. Problems (not a repository,
empty, unknown revision, a clone that fails, a host not allowed) are raised as
``InputError`` for the main CLI to turn into a message and exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from auditor.cli.common import settings_from_args

if TYPE_CHECKING:
    from auditor.collectors.backends.git import BusFactorReport

HELP = "truck factor and maintainer activity from a repository's git history"
DESCRIPTION = """\
Analyse a repository's history: the truck factor by degree of authorship (who wrote the
source files present at the revision), the contributor absence factor, active authors,
developer distribution and elephant factor. TARGET is an https:// URL (cloned blobless
into the cache directory, fetched on later runs) or a local repository path. Only
github.com is cloned unless --allow-host names another host; clones live in the cache
directory (--cache-dir, else $AUDITOR_CACHE_DIR, else the user cache directory).

The files counted are those GitHub Linguist counts as the project's languages
(programming and markup; vendored, documentation, generated, binary, data and prose
files are left out; the repository's .gitattributes linguist-* overrides apply), as in
the study (Avelino et al., ICPC 2016), minus the study's manual rules in
rules/git-exclude.toml (examples and docs folders, top-level build output and
benchmarks). --exclude adds your own patterns. --list-files (text) or
--format json shows every file analysed with its authors, and every file left out
with the rule that left it out.
"""


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date-time: {text!r}") from exc
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def register(
    subparsers: argparse._SubParsersAction,  # type: ignore[type-arg]
    parents: list[argparse.ArgumentParser],
) -> None:
    """Add the ``bus-factor`` subcommand to the main parser."""
    parser = subparsers.add_parser(
        "bus-factor",
        parents=parents,
        help=HELP,
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("target", help="https:// repository URL or local repository path")
    parser.add_argument("--rev", help="branch, tag or commit to analyse (default: HEAD)")
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="also leave out files matching GLOB (repeatable; see rules/git-exclude.toml)",
    )
    parser.add_argument(
        "--no-default-excludes",
        action="store_true",
        help="do not apply the default exclusion list",
    )
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="HOST",
        help="also clone https:// URLs on HOST (repeatable; github.com is always allowed)",
    )
    parser.add_argument("-f", "--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--list-files",
        action="store_true",
        help="text format: list every analysed file with its authors and every excluded "
        "file with its rule (JSON always has both)",
    )
    parser.add_argument(
        "--now",
        type=_instant,
        default=None,
        metavar="ISO8601",
        help="measure time windows up to this instant instead of the present",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Analyse ``args.target`` and write the report to standard output."""
    # Imported here so that `bus-factor --help` loads neither the resolver nor networkx.
    from auditor.api import bus_factor
    from auditor.collectors.backends.git import render_json

    report = bus_factor(
        args.target,
        settings_from_args(args),
        rev=args.rev,
        excludes=tuple(args.exclude or ()),
        use_default_excludes=not getattr(args, "no_default_excludes", False),
        now=getattr(args, "now", None),
    )
    if args.format == "json":
        output = render_json(report)
    else:
        output = text_output(report, list_files=bool(getattr(args, "list_files", False)))
    sys.stdout.write(output)
    return 0


def text_output(report: BusFactorReport, *, list_files: bool = False) -> str:
    """The text report with every line cleaned: commit author names, e-mail domains and
    the target are written by strangers and may carry terminal escapes. Cleaned here, in
    the layer that owns the terminal (the report module sits below the sanitiser); a
    name without control characters renders exactly as before."""
    from auditor.collectors.backends.git import render_text
    from auditor.reporters.sanitize import clean

    text = render_text(report, list_files=list_files)
    return "".join(clean(line) + "\n" for line in text.splitlines())
