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
from typing import TYPE_CHECKING

from auditor.cli.token import github_token
from auditor.errors import InputError
from auditor.model import SourceOptions
from auditor.reporters.sanitize import clean

if TYPE_CHECKING:
    from auditor.api import Settings

# The public GitHub API; the same value as ``auditor.api.DEFAULT_GITHUB_API``, which is
# not imported here so that ``--help`` does not load the resolver and networkx.
DEFAULT_GITHUB_API = "https://api.github.com"


def global_parent() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("cache and network")
    g.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="cache directory (default: $AUDITOR_CACHE_DIR or the user cache directory)",
    )
    g.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    g.add_argument("--refresh", action="store_true", help="refetch everything, ignoring the cache")
    g.add_argument(
        "--offline", action="store_true", help="use only the cache; fail clearly on a miss"
    )
    m = p.add_argument_group("messages")
    m.add_argument("-q", "--quiet", action="store_true", help="print only the result, no warnings")
    m.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="say which configuration file and AUDITOR_* variables were used, and show "
        "log lines (-vv: debug)",
    )
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
        "-r",
        "--requirement",
        action="append",
        default=[],
        metavar="FILE",
        help="a dependency file to audit, as pip-audit spells it (repeatable; same as naming FILE)",
    )
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
        "--allow-outside-includes",
        action="store_true",
        help="follow -r/-c includes, and read local projects (paths, file: URLs), that "
        "leave the checkout (the top file's repository, else its folder); off by default "
        "because a dependency file may come from an untrusted pull request",
    )
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
    idx.add_argument(
        "--fetch-processes",
        type=_processes,
        metavar="N",
        help="processes that read index pages and wheel metadata beside the resolver "
        "(default: 2 with two cores or more, else 1; 0: read them in this process)",
    )
    return p


def _processes(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text[:40]!r}") from None
    if not 0 <= value <= 16:
        raise argparse.ArgumentTypeError("must be between 0 and 16")
    return value


def cache_dir(args: argparse.Namespace) -> Path | None:
    if getattr(args, "no_cache", False):
        return None
    chosen: Path | None = args.cache_dir
    if chosen is not None:
        return chosen
    from auditor.config import default_cache_dir

    return default_cache_dir()


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Flags and the environment, read here and only here, as the library's ``Settings``.

    Commands have different flags, so absent ones take the library's defaults. The
    GitHub token (``cli.token``) goes into ``Settings`` and nowhere else. Acceptances
    come from ``--policy``, else from the configuration file the layers found.
    """
    from auditor.api import Settings

    files = list(getattr(args, "files", []) or [])
    # one character past the cap is enough for the reader to refuse it (never all of it)
    from auditor.sources._files import MAX_INPUT_BYTES

    stdin_text = sys.stdin.read(MAX_INPUT_BYTES + 1) if "-" in files else None
    api = (
        getattr(args, "github_api_url", None)
        or os.environ.get("GITHUB_API_URL")
        or DEFAULT_GITHUB_API
    )
    wants_github = not getattr(args, "no_github", False) and not getattr(args, "offline", False)
    token = github_token(api) if wants_github and _uses_github(args) else None
    chosen_cache: Path | None = getattr(args, "cache_dir", None)
    return Settings(
        environment=bool(getattr(args, "env", False)),
        python=getattr(args, "python", None),
        source_options=SourceOptions(
            extras=frozenset(getattr(args, "extra", []) or []),
            all_extras=bool(getattr(args, "all_extras", False)),
            groups=frozenset(getattr(args, "group", []) or []),
            all_groups=bool(getattr(args, "all_groups", False)),
            allow_outside_includes=bool(getattr(args, "allow_outside_includes", False)),
        ),
        no_deps=bool(getattr(args, "no_deps", False)),
        stdin_text=stdin_text,
        index_url=getattr(args, "index_url", None),
        extra_index_urls=tuple(getattr(args, "extra_index_url", []) or []),
        python_version=getattr(args, "python_version", None),
        platform=getattr(args, "platform", None),
        fetch_processes=getattr(args, "fetch_processes", None),
        use_cache=not getattr(args, "no_cache", False),
        cache_dir=chosen_cache,
        refresh=bool(getattr(args, "refresh", False)),
        offline=bool(getattr(args, "offline", False)),
        github=not getattr(args, "no_github", False),
        github_api_url=api.rstrip("/"),
        github_token=token,
        git=bool(getattr(args, "git", False)),
        allow_hosts=tuple(getattr(args, "allow_host", []) or []),
        max_wait=float(getattr(args, "max_wait", 60.0)),
        rules_dirs=tuple(getattr(args, "rules", []) or []),
        default_rules=not getattr(args, "no_default_rules", False),
        taxonomy_paths=tuple(getattr(args, "taxonomy", []) or []),
        policy=getattr(args, "policy", None) or getattr(args, "config_file", None),
        fail_on=getattr(args, "fail_on", "high"),
        strict=bool(getattr(args, "strict", False)),
        baseline=getattr(args, "baseline", None),
    )


def _uses_github(args: argparse.Namespace) -> bool:
    """Commands that collect signals contact GitHub (they have --no-github); graph and
    bus-factor do not, so they never run the GitHub CLI to look for a token."""
    return hasattr(args, "no_github")


def write_output(text: str, output: str | None) -> None:
    """Write to ``-o FILE`` atomically (a reader never sees half a report), else stdout.

    Only a regular file (or a new one) is replaced atomically: ``-o /dev/null``, a FIFO
    or ``/dev/stderr`` is written in place, because renaming over it would replace the
    device itself with a plain file (as root, for every process on the machine).
    """
    if output is None or output == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    path = Path(output)
    try:
        if path.exists() and not path.is_file():
            with path.open("w", encoding="utf-8") as fh:
                fh.write(text)
            return
        tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
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
