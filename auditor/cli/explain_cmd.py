"""``auditor explain PKG --for FILE``: everything the audit knows about one package.

Why a separate command: a report row says "?" or "3 d"; before acting on it a person
wants the evidence itself (value, where it came from, how old it is), why a signal is
unknown, how the repository was found, and which lines of their own files pull the
package in; and, for the score, every rule's outcome with its evidence, the risk number
with each factor's points, the state, and what would lower the risk. Only PKG's signals
are collected, so this is cheap even on a large graph.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from auditor.cli.audit_cmd import scoring_parent, signals_parent
from auditor.cli.common import input_parent, settings_from_args, warn, write_output
from auditor.errors import InputError


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    parents: list[argparse.ArgumentParser],
) -> None:
    parser = subparsers.add_parser(
        "explain",
        parents=[*parents, input_parent(), signals_parent(), scoring_parent()],
        help="show one package's signals, rule outcomes, risk and why it is in the graph",
        description="Every signal of PACKAGE with its value, source and age (or why it is "
        "unknown), how its repository was found, the paths from your requirements, every "
        "rule's outcome with its evidence, the risk number and its factors, the state "
        "(active, mature, abandoned), and what would lower its risk.",
        usage="auditor explain PACKAGE --for FILE [options]",
    )
    parser.add_argument("package", metavar="PACKAGE", help="the package to explain")
    parser.add_argument(
        "--for",
        dest="for_files",
        action="append",
        default=[],
        metavar="FILE",
        help="the dependency file(s) whose graph PACKAGE is in (repeatable)",
    )
    parser.add_argument("-f", "--format", choices=["text", "json"], default="text")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE")
    parser.set_defaults(run=run_explain)


def run_explain(args: argparse.Namespace) -> int:
    # Imported here so that `explain --help` loads neither the resolver nor networkx.
    from auditor.api import explain, load_scoring
    from auditor.reporters.signals import render_explain_json, render_explain_text

    args.files = [*args.for_files, *args.files]
    if not args.files and not args.env and not args.python:
        raise InputError(
            "explain needs the dependency file the package is in",
            hint=f"For example: auditor explain {args.package} --for requirements.txt",
        )
    settings = settings_from_args(args)
    explained = explain(args.package, args.files, settings, setup=load_scoring(settings))
    result, pkg, score = explained.result, explained.package, explained.score
    warn(args, list(result.warnings))
    now = datetime.now(UTC)
    if args.format == "json":
        text = render_explain_json(result, pkg, now, score)
    else:
        text = render_explain_text(result, pkg, now, score)
    write_output(text, args.output)
    if not args.quiet:
        for note in explained.notes:
            sys.stderr.write(f"note: {note}\n")
    return 0
