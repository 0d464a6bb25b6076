"""pip requirements files (``requirements*.txt``, ``*.in``), includes and all.

Every line means what it means to ``pip install -r``: includes and constraint files are
followed, per-file index options are collected, and each requirement keeps the file and
line it was written on so reports and SARIF can point at it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar

from auditor.errors import InputError, ParseError, excerpt
from auditor.model import DependencyInput, IndexOptions, Requirement, SourceOptions
from auditor.sources._base import BaseSource
from auditor.sources._files import OUTSIDE_HINT, checkout_root, read_text_file
from auditor.sources._req_line import RequirementLine, is_requirement_like
from auditor.sources._req_lines import (
    LineOptions,
    LogicalLine,
    logical_lines,
    parse_options,
    split_line,
    withheld,
)
from auditor.sources.interface import InputFile

_NAME = re.compile(r"^(?:.*requirements.*\.(?:txt|in)|constraints.*\.txt|.*\.in)$", re.IGNORECASE)
_REMOTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_MAX_PARENTS = 5
#: deeper ``-r`` nesting than any real project uses; a 500-deep chain is an attack
MAX_INCLUDE_DEPTH = 32


@dataclass(frozen=True, kw_only=True)
class _Frame:
    """A file being read: how to name it, where it lives, whether it only constrains."""

    source: InputFile
    constraint: bool
    chain: tuple[Path, ...]


class _Collector:
    """Accumulates what every file in an include tree contributes, in reading order."""

    def __init__(self, top: InputFile, options: SourceOptions) -> None:
        self.top = top
        self.allow_outside = options.allow_outside_includes
        self.checkout = checkout_root(top.path)
        # (file, read as constraints): a file included twice is read once, so 18 files
        # that each include the next one twice cost 18 reads, not 2**18
        self.seen: set[tuple[Path, bool]] = set()
        self.requirements: list[Requirement] = []
        self.constraints: list[Requirement] = []
        self.warnings: list[str] = []
        self.index_url: str | None = None
        # dicts as ordered sets: 10,000 repeated option lines stay linear
        self.extra_index_urls: dict[str, None] = {}
        self.trusted_hosts: dict[str, None] = {}
        self.no_index = False

    @property
    def top_dir(self) -> Path:
        return self.top.path.resolve().parent if self.top.path else Path.cwd()

    def display_for(self, found: Path) -> str:
        """Names an included file the way the user named the top file's folder."""
        top_display_dir = os.path.dirname(self.top.display) if self.top.path else ""
        relative = os.path.relpath(found, self.top_dir)
        return os.path.normpath(os.path.join(top_display_dir, relative))

    def read(self, frame: _Frame) -> None:
        source = frame.source
        base_dir = source.path.resolve().parent if source.path else Path.cwd()
        builder = RequirementLine(
            path=source.display,
            base_dir=base_dir,
            constraint=frame.constraint,
            checkout=None if self.allow_outside else self.checkout,
        )
        for logical in logical_lines(source.text):
            try:
                args, option_text = split_line(logical.text)
                opts = parse_options(option_text, path=source.display, line=logical.number)
                hashes = tuple(opts.get("hash"))
                if args:
                    req = builder.parse(args, line=logical.number, hashes=hashes)
                    self._add(_as_written(req, logical), frame)
                for value in opts.get("editable"):
                    self._add(builder.parse_editable(value, line=logical.number), frame)
            except ParseError as exc:
                raise _unexpanded(exc, logical) from exc
            self._note_unknown(opts, source.display, logical.number)
            for name in withheld(logical.written):
                self.warnings.append(
                    f"{source.display}:{logical.number}: ${{{name}}} is left unexpanded: "
                    "the CI job's own token is never sent where a dependency file says"
                )
            self._take_index_options(opts)
            for target in opts.get("requirement"):
                self._include(target, frame, constraint=False, line=logical.number)
            for target in opts.get("constraint"):
                self._include(target, frame, constraint=True, line=logical.number)

    def _add(self, req: Requirement, frame: _Frame) -> None:
        (self.constraints if frame.constraint else self.requirements).append(req)

    def _note_unknown(self, opts: LineOptions, display: str, line: int) -> None:
        if opts.unknown:
            self.warnings.append(
                f"{display}:{line}: ignored unknown option(s) {excerpt(' '.join(opts.unknown))}"
            )

    def _take_index_options(self, opts: LineOptions) -> None:
        for url in opts.get("index-url"):
            self.index_url = url  # pip lets the last one win
        for url in opts.get("extra-index-url"):
            self.extra_index_urls.setdefault(url)
        for host in opts.get("trusted-host"):
            self.trusted_hosts.setdefault(host)
        self.no_index = self.no_index or "no-index" in opts.flags

    def _include(self, target: str, frame: _Frame, *, constraint: bool, line: int) -> None:
        where = f"{frame.source.display}:{line}"
        if _REMOTE.match(target):
            self.warnings.append(
                f"{where}: remote include {excerpt(target)} was not fetched; download it and "
                "include the local copy to audit what it lists"
            )
            return
        if len(frame.chain) >= MAX_INCLUDE_DEPTH:
            raise InputError(
                f"{where}: includes nested more than {MAX_INCLUDE_DEPTH} files deep; not followed",
                hint="Flatten the chain of -r/-c files (real projects need a few levels).",
            )
        found = self._locate(target, frame, where)
        resolved = found.resolve()
        if resolved in frame.chain:
            names = [self.display_for(p) for p in (*frame.chain, resolved)]
            raise InputError(
                f"{where}: include cycle: {' -> '.join(names)}",
                hint="Remove one of the -r/-c lines so the files no longer include each other.",
            )
        if not self.allow_outside and not resolved.is_relative_to(self.checkout):
            raise InputError(
                f"{where}: include {excerpt(target)!r} leads outside the checkout "
                f"({self.checkout}) to {resolved}; not read",
                hint=OUTSIDE_HINT,
            )
        # pip: -r inside a constraints file lists requirements, -c lists constraints
        if (resolved, constraint) in self.seen:
            return
        self.seen.add((resolved, constraint))
        display = self.display_for(found)
        text = read_text_file(found, f"{where}: included file {display}")
        included = InputFile(display=display, path=found, text=text)
        self.read(_Frame(source=included, constraint=constraint, chain=(*frame.chain, resolved)))

    def _locate(self, target: str, frame: _Frame, where: str) -> Path:
        """The including file's folder first, then the top file's folders, then the cwd.

        Old projects write includes relative to the repository root; pip only looks next
        to the including file, so we try a few more places and say which ones.
        """
        wanted = Path(os.path.expanduser(target))
        candidates: list[Path] = []
        if wanted.is_absolute():
            candidates.append(wanted)
        else:
            here = frame.source.path.resolve().parent if frame.source.path else Path.cwd()
            candidates.append(here / wanted)
            folder = self.top_dir
            for _ in range(_MAX_PARENTS + 1):
                candidates.append(folder / wanted)
                if (folder / ".git").exists() or folder.parent == folder:
                    break
                folder = folder.parent
            candidates.append(Path.cwd() / wanted)
        tried: list[Path] = []
        for candidate in candidates:
            if candidate in tried:
                continue
            tried.append(candidate)
            # not is_file(): a FIFO or device is found here and refused when read
            try:
                present = candidate.exists() and not candidate.is_dir()
            except (OSError, ValueError):  # a name too long, a NUL byte
                present = False
            if present:
                return candidate
        raise InputError(
            f"{where}: included file {excerpt(target)!r} not found; tried "
            + ", ".join(excerpt(str(p), 200) for p in tried),
            hint="Fix the path in the -r/-c line (it is relative to the including file).",
        )

    def result(self, kind: str) -> DependencyInput:
        return DependencyInput(
            path=self.top.display,
            kind=kind,
            requirements=tuple(self.requirements),
            constraints=tuple(self.constraints),
            index=IndexOptions(
                index_url=self.index_url,
                extra_index_urls=tuple(self.extra_index_urls),
                trusted_hosts=tuple(self.trusted_hosts),
                no_index=self.no_index,
            ),
            warnings=tuple(self.warnings),
        )


def looks_like_requirements(head: str) -> bool:
    """Most of the first logical lines are options or requirements pip would accept."""
    seen = good = 0
    for logical in logical_lines(head, environ={}):
        args, option_text = split_line(logical.text)
        seen += 1
        if (not args and option_text.startswith("-")) or (args and is_requirement_like(args)):
            good += 1
        if seen >= 40:
            break
    return seen > 0 and good * 10 >= seen * 9


class RequirementsSource(BaseSource):
    """pip requirements and constraints files."""

    kind: ClassVar[str] = "requirements"
    description: ClassVar[str] = "pip requirements file (requirements*.txt, *.in)"

    @classmethod
    def matches_name(cls, name: str) -> bool:
        return _NAME.match(name) is not None

    @classmethod
    def matches_content(cls, head: str) -> bool:
        return looks_like_requirements(head)

    def read(self, source: InputFile, options: SourceOptions) -> DependencyInput:
        collector = _Collector(source, options)
        chain = (source.path.resolve(),) if source.path else ()
        if source.path:
            collector.seen.add((source.path.resolve(), False))
        collector.read(_Frame(source=source, constraint=False, chain=chain))
        return collector.result(self.kind)


def _as_written(req: Requirement, logical: LogicalLine) -> Requirement:
    """Reports quote the line as written, so an expanded ``${TOKEN}`` never shows."""
    if not logical.written or logical.written == logical.text:
        return req
    return replace(req, text=split_line(logical.written)[0] or req.text)


def _unexpanded(exc: ParseError, logical: LogicalLine) -> ParseError:
    """The error quoting the line as written, when ``${VAR}`` expansion changed it."""
    if not logical.written or logical.written == logical.text:
        return exc
    why = exc.why.split(" at column", 1)[0].split(" (near", 1)[0]
    return ParseError(
        exc.path,
        exc.line,
        logical.written,
        f"{why} (after expanding environment variables)",
        hint=exc.hint,
    )
