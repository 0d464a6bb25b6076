"""``auditor explain PKG --for FILE``: everything the audit knows about one package.

Why a separate command: a report row says "?" or "3 d"; before acting on it a person
wants the evidence itself (value, where it came from, how old it is), why a signal is
unknown, how the repository was found, and which lines of their own files pull the
package in. Only PKG's signals are collected, so this is cheap even on a large graph.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from packaging.utils import canonicalize_name

from auditor.cli.audit_cmd import gather, signals_parent
from auditor.cli.common import input_parent, warn, write_output
from auditor.errors import InputError
from auditor.reporters.signals import render_explain_json, render_explain_text


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    parents: list[argparse.ArgumentParser],
) -> None:
    parser = subparsers.add_parser(
        "explain",
        parents=[*parents, input_parent(), signals_parent()],
        help="show every signal of one package, its sources and why it is in the graph",
        description="Every signal of PACKAGE with its value, source and age (or why it is "
        "unknown), how its repository was found, and the paths from your requirements.",
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
    parser.add_argument("--format", choices=["text", "json"], default="text")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE")
    parser.set_defaults(run=run_explain)


def run_explain(args: argparse.Namespace) -> int:
    args.files = [*args.for_files, *args.files]
    if not args.files and not args.env and not args.python:
        raise InputError(
            "explain needs the dependency file the package is in",
            hint=f"For example: auditor explain {args.package} --for requirements.txt",
        )
    name = str(canonicalize_name(args.package))
    result = gather(args, only=name)
    pkg = result.package(name)
    if pkg is None:  # gather raises first; kept so a bug cannot print an empty page
        raise InputError(f"{name} is not in the resolved dependency graph")
    warn(args, list(result.warnings))
    now = datetime.now(UTC)
    if args.format == "json":
        text = render_explain_json(result, pkg, now)
    else:
        text = render_explain_text(result, pkg, now)
    write_output(text, args.output)
    return 0
