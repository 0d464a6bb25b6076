"""From a command-line argument to a DependencyInput: find the file, pick the format.

Names are trusted before content (``uv.lock`` and ``pyproject.toml`` are both TOML);
content decides for stdin and for files renamed in ways no name rule can foresee.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

from auditor.errors import InputError, excerpt
from auditor.model import DependencyInput, SourceOptions
from auditor.sources._base import BaseSource
from auditor.sources._files import (
    MAX_INPUT_BYTES,
    OUTSIDE_HINT,
    checkout_root,
    outside_checkout,
    read_text_file,
)
from auditor.sources.cyclonedx import CycloneDxSource
from auditor.sources.interface import InputFile
from auditor.sources.pdm_lock import PdmLockSource
from auditor.sources.pipfile_lock import PipfileLockSource
from auditor.sources.poetry_lock import PoetryLockSource
from auditor.sources.pylock import PylockSource
from auditor.sources.pyproject import PyprojectSource
from auditor.sources.requirements import RequirementsSource
from auditor.sources.uv_lock import UvLockSource

#: every format, most specific first: content tests run in this order
SOURCES: list[type[BaseSource]] = [
    UvLockSource,
    PoetryLockSource,
    PdmLockSource,
    PylockSource,
    PipfileLockSource,
    CycloneDxSource,
    PyprojectSource,
    RequirementsSource,
]

#: what a directory argument is read as, in order: a lock says what really ships
DIRECTORY_CHOICES = (
    "uv.lock",
    "poetry.lock",
    "pdm.lock",
    "pylock.toml",
    "Pipfile.lock",
    "requirements.txt",
    "pyproject.toml",
)

_HEAD = 8192


def supported_formats() -> str:
    return "; ".join(cls.description for cls in SOURCES)


def detect_source(name: str, text: str) -> type[BaseSource] | None:
    """The format for a file with base ``name`` and contents ``text``, or None."""
    for cls in SOURCES:
        if cls.matches_name(name):
            return cls
    head = text[:_HEAD]
    for cls in SOURCES:
        if cls.matches_content(head):
            return cls
    return None


def _pick_in_directory(folder: Path, arg: str) -> tuple[Path, str]:
    present = [name for name in DIRECTORY_CHOICES if (folder / name).is_file()]
    if not present:
        raise InputError(
            f"{arg}: is a directory with no dependency file in it",
            hint="Name the file to audit, e.g. requirements.txt, pyproject.toml or uv.lock.",
        )
    others = f" (also found: {', '.join(present[1:])})" if present[1:] else ""
    return folder / present[0], f"{arg}: read {present[0]} from this directory{others}"


def read_input(
    arg: str, options: SourceOptions, *, stdin_text: str | None = None
) -> DependencyInput:
    """Read ``arg`` (a path, a directory, or ``-`` for ``stdin_text``) in its format."""
    note: str | None = None
    if arg == "-":
        if stdin_text is None:
            raise InputError(
                "'-' means read from stdin, but no input was given",
                hint="Pipe the file in, e.g. 'cat requirements.txt | auditor audit -'.",
            )
        source = InputFile(display="<stdin>", path=None, text=_checked_stdin(stdin_text))
        name = ""
    else:
        path = Path(arg)
        display = arg
        if path.is_dir():
            path, note = _pick_in_directory(path, arg)
            display = str(Path(arg) / path.name)
        source = InputFile(display=display, path=path, text=read_text_file(path, display))
        name = path.name
    cls = detect_source(name, source.text)
    if cls is None:
        raise InputError(
            f"{source.display}: cannot tell which dependency format this is",
            hint=f"Supported formats: {supported_formats()}.",
        )
    result = read_as(cls, source, options)
    _check_names(result)
    if not options.allow_outside_includes:
        _check_local_projects(result, checkout_root(source.path))
    if note is not None:
        result = replace(result, warnings=(note, *result.warnings))
    return result


#: A release's files are named ``{name}-{version}...`` and file systems cap a file name at
#: 255 bytes, so no installable project has a longer name than this; a "name" of
#: megabytes (a hostile or broken file) would otherwise be sent to the index as a URL,
#: and the index's refusal would read as a network fault.
MAX_PROJECT_NAME = 200


def _check_names(result: DependencyInput) -> None:
    """Every project name the input asks the index about is one an index could serve."""
    named = [
        *((r.name, r.origin) for r in (*result.requirements, *result.constraints)),
        *((p.name, p.origin) for p in result.locked or ()),
    ]
    for name, origin in named:
        if len(name) > MAX_PROJECT_NAME:
            raise InputError(
                f"{origin}: a project name of {len(name):,} characters ({excerpt(name, 40)!r})"
                f" is not one a package index serves (at most {MAX_PROJECT_NAME}); not read",
                hint="Check that the line is a dependency: a name, then optional extras, "
                "a version constraint and a marker.",
            )


def _check_local_projects(result: DependencyInput, checkout: Path) -> None:
    """A local project (a path, a ``file:`` URL) outside the checkout is never read: the
    resolver would read its pyproject.toml, and a dependency file from an untrusted change
    must not make the audit read the runner's other files. Every format is checked here;
    requirements files check before a folder is even read for its name."""
    for req in (*result.requirements, *result.constraints):
        if req.url is None or not req.url.startswith("file:"):
            continue
        why = outside_checkout(Path(unquote(urlsplit(req.url).path)), checkout)
        if why is not None:
            raise InputError(f"{req.origin}: {why}", hint=OUTSIDE_HINT)


def _checked_stdin(text: str) -> str:
    if len(text) > MAX_INPUT_BYTES:
        raise InputError(f"<stdin>: larger than {MAX_INPUT_BYTES // (1024 * 1024)} MiB; not read")
    if "\x00" in text:
        raise InputError("<stdin>: not a text file (it contains NUL characters)")
    return text


def read_as(cls: type[BaseSource], source: InputFile, options: SourceOptions) -> DependencyInput:
    """``cls().read``, with any shape the reader did not foresee turned into exit 2.

    Readers check the types they rely on and raise ParseError with the line; this is the
    net under them, so a malformed file is always an input error naming the file, never
    an internal error. The fuzz tests call readers directly, beneath this net.
    """
    try:
        return cls().read(source, options)
    except RecursionError as exc:
        raise InputError(
            f"{source.display}: nested too deeply to read as a {cls.description}"
        ) from exc
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, OSError) as exc:
        raise InputError(
            f"{source.display}: cannot read it as a {cls.description}: a value has an "
            f"unexpected type or shape ({exc.__class__.__name__})",
            hint="Check that the file is complete and was written by the tool it belongs to.",
        ) from exc
