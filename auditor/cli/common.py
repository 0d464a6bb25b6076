"""Options shared by commands, and turning them into library requests.

This is the only layer that reads flags and the environment; the library receives plain
values. Parent parsers keep the flags identical across commands.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from auditor.config import default_cache_dir
from auditor.errors import InputError
from auditor.model import SourceOptions
from auditor.reporters.sanitize import clean
from auditor.resolve.pipeline import GraphRequest


def global_parent() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("cache and network")
    g.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="cache directory (default: $AUDITOR_CACHE_DIR or the user cache directory)",
    )
    g.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    g.add_argument("--refresh", action="store_true", help="refetch everything, ignoring the cache")
    g.add_argument(
        "--offline", action="store_true", help="use only the cache; fail clearly on a miss"
    )
    g.add_argument("-q", "--quiet", action="store_true", help="print only the result, no warnings")
    return p


def input_parent() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="requirements.txt, pyproject.toml, a lock file (uv.lock, poetry.lock, "
        "pylock.toml, Pipfile.lock, pdm.lock), a CycloneDX JSON SBOM, or - for stdin",
    )
    src = p.add_argument_group("what to read")
    src.add_argument(
        "--env", action="store_true", help="audit the running interpreter's installed packages"
    )
    src.add_argument(
        "--python", metavar="PATH", help="audit the packages installed for another interpreter"
    )
    src.add_argument(
        "--extra",
        action="append",
        default=[],
        metavar="NAME",
        help="include an optional-dependency extra (repeatable)",
    )
    src.add_argument("--all-extras", action="store_true", help="include every extra")
    src.add_argument(
        "--group",
        action="append",
        default=[],
        metavar="NAME",
        help="include a dependency group (repeatable)",
    )
    src.add_argument("--all-groups", action="store_true", help="include every dependency group")
    src.add_argument(
        "--no-deps",
        action="store_true",
        help="audit only what the files list, not their dependencies",
    )
    idx = p.add_argument_group("index and target")
    idx.add_argument("-i", "--index-url", help="package index (default: pip's configuration)")
    idx.add_argument(
        "--extra-index-url",
        action="append",
        default=[],
        metavar="URL",
        help="additional index (repeatable)",
    )
    idx.add_argument(
        "--python-version", metavar="X.Y", help="evaluate markers and wheels for this Python"
    )
    idx.add_argument(
        "--platform", choices=["linux", "macos", "windows"], help="evaluate markers for this OS"
    )
    return p


def cache_dir(args: argparse.Namespace) -> Path | None:
    if getattr(args, "no_cache", False):
        return None
    chosen: Path | None = args.cache_dir
    return chosen if chosen is not None else default_cache_dir()


def graph_request(args: argparse.Namespace) -> GraphRequest:
    if not args.files and not args.env and not args.python:
        raise InputError(
            "nothing to audit: name a dependency file, or use --env for this environment",
            hint="For example: audit requirements.txt",
        )
    stdin_text = sys.stdin.read() if "-" in args.files else None
    return GraphRequest(
        files=tuple(args.files),
        environment=args.env,
        python=args.python,
        source_options=SourceOptions(
            extras=frozenset(args.extra),
            all_extras=args.all_extras,
            groups=frozenset(args.group),
            all_groups=args.all_groups,
        ),
        python_version=args.python_version,
        platform=args.platform,
        index_url=args.index_url,
        extra_index_urls=tuple(args.extra_index_url),
        cache_dir=cache_dir(args),
        refresh=args.refresh,
        offline=args.offline,
        no_deps=args.no_deps,
        stdin_text=stdin_text,
    )


def write_output(text: str, output: str | None) -> None:
    """Write to ``-o FILE`` atomically (a reader never sees half a report), else stdout."""
    if output is None or output == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    path = Path(output)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise InputError(f"cannot write {output}: {exc.strerror or exc}") from exc


def output_width() -> int:
    """The terminal's width for a terminal; wide for pipes and files, which never wrap."""
    if sys.stdout.isatty():
        return max(80, shutil.get_terminal_size((120, 24)).columns)
    return 220


def warn(args: argparse.Namespace, messages: list[str]) -> None:
    if getattr(args, "quiet", False):
        return
    for message in messages:
        # Warnings quote package names, URLs and server answers: never raw to a terminal.
        sys.stderr.write(f"warning: {clean(message)}\n")
