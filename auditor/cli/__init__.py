"""The command line: parses flags, runs a command, turns errors into messages and exit codes.

Exit codes: 0 success; 1 risk at or above --fail-on; 2 usage, input or configuration
error; 3 a data source failed in a way that makes the result untrustworthy; 4 an
internal error (a bug in auditor: the message asks for a report). This is the only
module that decides exit codes.

Settings come from the flags, then ``AUDITOR_*`` variables, then the configuration file
(``cli.configuration``), then the defaults.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from collections.abc import Sequence

from auditor import __version__
from auditor.errors import AuditorError, excerpt
from auditor.reporters.sanitize import clean

VERSION = f"auditor {__version__}"

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
        epilog="Exit codes: 0 ok, 1 risk at or above --fail-on, 2 usage, input or "
        "configuration error, 3 data source failure (result untrustworthy), 4 internal "
        "error (a bug: please report it). Every flag can also be set as AUDITOR_FLAG_NAME "
        "or as flag-name in .auditor.toml / [tool.auditor] (flag > environment > file).",
    )
    parser.add_argument("-V", "--version", action="version", version=VERSION)
    parser.add_argument("--debug", action="store_true", help="show tracebacks for internal errors")
    from auditor.cli.common import global_parent

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


def _tune_collector() -> None:
    """Let the cycle collector run less often in this short-lived process.

    An audit builds hundreds of thousands of objects that live until it ends (cached
    documents, rows, signals, findings) and makes few cycles; at the default
    thresholds the collector re-scanned them over and over: a warm audit of the
    240-package benchmark took 0.53 s of CPU, 0.49 s with these (benchmarks/README.md).
    Raised, not disabled: cycles are still collected. A process-wide setting, so the CLI
    makes it, never the library.
    """
    gc.set_threshold(50_000, 20, 100)


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
    if args_list in (["--version"], ["-V"]):  # answered before any parser is built
        sys.stdout.write(f"{VERSION}\n")
        return 0
    _limit_malloc_arenas()
    _tune_collector()
    parser = build_parser(_command_of(args_list))
    try:
        args, unknown = parser.parse_known_args(args_list)
        if unknown:  # the command's usage, not the top level's (`audit -r x --typo`)
            from auditor.cli.configuration import command_parsers

            owner = command_parsers(parser).get(getattr(args, "command", None) or "", parser)
            owner.error(f"unrecognized arguments: {' '.join(unknown)}")
    except SystemExit as exc:  # argparse already printed the usage message
        return 0 if exc.code == 0 else 2
    if getattr(args, "run", None) is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        args = _layered(parser, args, args_list)
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


def _layered(
    parser: argparse.ArgumentParser, args: argparse.Namespace, argv: list[str]
) -> argparse.Namespace:
    """The parsed flags with the environment and the configuration file under them."""
    from auditor.cli.configuration import apply_layers, merge_requirements, tell_layers

    try:
        layered, found = apply_layers(parser, args, argv)
    except SystemExit as exc:  # pragma: no cover - the first parse already succeeded
        raise AuditorError(
            "the command line could not be parsed with the configured values"
        ) from exc
    merge_requirements(layered)
    layered.config_file = found.config
    _log_level(getattr(layered, "verbose", 0))
    tell_layers(layered, found)
    return layered


def _log_level(verbose: int) -> None:
    """-v shows the library's informational log lines, -vv its debug lines, on stderr."""
    if not verbose:
        return
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("auditor")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose > 1 else logging.INFO)


def audit_main(argv: Sequence[str] | None = None) -> int:
    """``audit X`` is ``auditor audit X``."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] in (["--version"], ["-V"]):
        return main(["--version"])
    return main(["audit", *args_list])


def entry() -> None:  # pragma: no cover - thin wrapper for console scripts
    sys.exit(main())
