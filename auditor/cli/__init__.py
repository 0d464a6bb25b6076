"""The command line: parses flags, runs a command, turns errors into messages and exit codes.

Exit codes: 0 success; 1 risk at or above --fail-on; 2 usage or
input error; 3 a data source failed in a way that makes the result untrustworthy.
This is the only module that decides exit codes.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from auditor import __version__
from auditor.cli.common import global_parent
from auditor.errors import AuditorError, excerpt
from auditor.reporters.sanitize import clean

# Each command module exposes register(subparsers, parents). Keyed by command name so a
# run imports only its own module: startup time is most of a warm audit.
COMMANDS: dict[str, str] = {
    "audit": "auditor.cli.audit_cmd",
    "graph": "auditor.cli.graph_cmd",
    "explain": "auditor.cli.explain_cmd",
    "bus-factor": "auditor.cli.bus_factor",
    "rules": "auditor.cli.rules_cmd",
    "sponsor": "auditor.cli.sponsor_cmd",
}
COMMAND_MODULES = tuple(dict.fromkeys(COMMANDS.values()))


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The full parser, or (``only``) one with just that command's module registered."""
    parser = argparse.ArgumentParser(
        prog="auditor",
        description="Audit the open-source AI stack an application stands on.",
        epilog="Exit codes: 0 ok, 1 risk at or above --fail-on, 2 usage or input error, "
        "3 data source failure (result untrustworthy).",
    )
    parser.add_argument("--version", action="version", version=f"auditor {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for internal errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    parents = [global_parent()]
    modules = [COMMANDS[only]] if only in COMMANDS else list(COMMAND_MODULES)
    for module_name in modules:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        module.register(subparsers, parents)
    return parser


def _command_of(args: Sequence[str]) -> str | None:
    for arg in args:
        if not arg.startswith("-"):
            return arg
    return None


def _limit_malloc_arenas() -> None:
    """Cap glibc's per-thread malloc arenas before the fetch threads start.

    Each thread otherwise gets its own arena and freed memory stays scattered across
    them: on the 240-package benchmark graph, peak RSS went from about 300 MB to 230 MB.
    A process-wide setting, so the CLI makes it, never the library.
    """
    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").mallopt(-8, 2)  # M_ARENA_MAX
    except (OSError, AttributeError):
        return


_MESSAGE_LINES = 80
_LINE_CHARS = 1000


def printable(message: str) -> str:
    """An error message safe for a terminal or CI log: no escapes, bounded in size.

    Messages quote input files and index answers; the readers already cut quotes short,
    and this is the last gate before stderr.
    """
    lines = [clean(line) for line in message.splitlines()]
    lines = [line if len(line) <= _LINE_CHARS else line[:_LINE_CHARS] + "..." for line in lines]
    if len(lines) > _MESSAGE_LINES:
        lines = [*lines[:_MESSAGE_LINES], f"... ({len(lines) - _MESSAGE_LINES} more lines)"]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    _limit_malloc_arenas()
    parser = build_parser(_command_of(args_list))
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # argparse already printed the usage message
        return 0 if exc.code == 0 else 2
    if getattr(args, "run", None) is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        code: int = args.run(args)
        return code
    except AuditorError as exc:
        sys.stderr.write(f"error: {printable(exc.message)}\n")
        if exc.hint:
            sys.stderr.write(f"{printable(exc.hint)}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:
        if args.debug:
            raise
        sys.stderr.write(
            f"internal error: {exc.__class__.__name__}: {excerpt(str(exc), 200)}\n"
            "This is a bug in auditor; run again with --debug for the traceback and "
            "report it.\n"
        )
        return 4


def audit_main(argv: Sequence[str] | None = None) -> int:
    """``audit X`` is ``auditor audit X``."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] in (["--version"], ["-V"]):
        return main(["--version"])
    return main(["audit", *args_list])


def entry() -> None:  # pragma: no cover - thin wrapper for console scripts
    sys.exit(main())
