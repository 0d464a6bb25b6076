"""``auditor rules list`` and ``auditor rules check DIR``: the rules as a user sees them.

``check`` exists so a team can validate its own rule files in CI before an audit uses
them: it prints every problem with file and field and exits 2 if there is any.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from auditor.errors import InputError
from auditor.judge.rules import check_rules, default_rules_dir, known_signals, load_rules
from auditor.judge.taxonomy import load_taxonomy

EXIT_OK = 0
EXIT_PROBLEMS = 2


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    parents: list[argparse.ArgumentParser],
) -> None:
    rules = subparsers.add_parser(
        "rules",
        help="list the risk rules, or check rule files",
        description="List the risk rules, or validate a directory of rule files.",
    )
    sub = rules.add_subparsers(dest="rules_command", metavar="ACTION")

    listing = sub.add_parser("list", help="list rules: id, severity, kind, summary")
    listing.add_argument(
        "--rules",
        action="append",
        default=[],
        type=Path,
        metavar="DIR",
        help="also load the rule files of DIR (repeatable)",
    )
    listing.add_argument(
        "--no-default-rules", action="store_true", help="leave out the shipped rules"
    )
    listing.add_argument(
        "--signals", action="store_true", help="list the signal names rules can use instead"
    )
    listing.add_argument("-f", "--format", choices=["text", "json"], default="text")
    listing.set_defaults(run=run_list)

    check = sub.add_parser(
        "check",
        help="validate rule files; exit 2 on any problem",
        description="Validate every rule file in DIR (or DIR/checks) and print every problem.",
    )
    check.add_argument("dirs", nargs="+", type=Path, metavar="DIR")
    check.add_argument(
        "--taxonomy",
        action="append",
        default=[],
        type=Path,
        metavar="PATH",
        help="extra taxonomy file or directory, for rules scoped to your own categories",
    )
    check.set_defaults(run=run_check)
    rules.set_defaults(run=lambda args: _usage(rules))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_PROBLEMS


def _existing(dirs: list[Path]) -> None:
    for d in dirs:
        if not d.is_dir():
            raise InputError(
                f"rule directory {d} does not exist or is not a directory",
                hint="Pass a directory holding one TOML file per rule (or a checks/ folder).",
            )


def run_list(args: argparse.Namespace) -> int:
    if args.signals:
        specs = sorted(known_signals().values(), key=lambda s: s.name)
        if args.format == "json":
            data = [{"name": s.name, "type": s.type, "description": s.description} for s in specs]
            sys.stdout.write(json.dumps(data, indent=2) + "\n")
        else:
            width = max(len(s.name) for s in specs)
            for s in specs:
                sys.stdout.write(f"{s.name:<{width}}  {s.type:<5}  {s.description}\n")
        return EXIT_OK
    _existing(args.rules)
    dirs = ([] if args.no_default_rules else [default_rules_dir()]) + list(args.rules)
    if not dirs:
        raise InputError("no rules to list", hint="Drop --no-default-rules or add --rules DIR.")
    rules = sorted(load_rules(dirs), key=lambda r: r.id)
    if args.format == "json":
        data = [
            {
                "id": r.id,
                "severity": r.severity,
                "kind": r.kind,
                "summary": r.summary,
                "path": r.path,
            }
            for r in rules
        ]
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return EXIT_OK
    width = max((len(r.id) for r in rules), default=2)
    sys.stdout.write(f"{'ID':<{width}}  {'SEVERITY':<8}  {'KIND':<6}  SUMMARY\n")
    for r in rules:
        sys.stdout.write(f"{r.id:<{width}}  {r.severity:<8}  {r.kind:<6}  {r.summary}\n")
    return EXIT_OK


def run_check(args: argparse.Namespace) -> int:
    _existing(args.dirs)
    categories = load_taxonomy(args.taxonomy).ids()
    rules, problems = check_rules(args.dirs, categories=categories)
    for p in problems:
        sys.stdout.write(f"{p}\n")
    where = ", ".join(str(d) for d in args.dirs)
    if problems:
        files = len({p.path for p in problems})
        sys.stdout.write(
            f"{len(problems)} problem(s) in {files} file(s) under {where}; "
            "fix them and run the check again\n"
        )
        return EXIT_PROBLEMS
    sys.stdout.write(f"ok: {len(rules)} rule(s) in {where}\n")
    return EXIT_OK
