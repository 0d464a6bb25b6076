"""pip's requirements-file lexing: logical lines, comments, ``${VAR}`` and options.

Mirrors pip's own steps (join continuations, strip comments, expand variables, split
the requirement from its options) so a file means here what it means to ``pip install``.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from auditor.errors import ParseError

# pip expands only the ${NAME} form, and only upper-case names, digits and underscores.
_ENV_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")

_VALUE_OPTIONS: dict[str, str] = {
    "-r": "requirement",
    "--requirement": "requirement",
    "-c": "constraint",
    "--constraint": "constraint",
    "-e": "editable",
    "--editable": "editable",
    "-i": "index-url",
    "--index-url": "index-url",
    "--extra-index-url": "extra-index-url",
    "--trusted-host": "trusted-host",
    "--hash": "hash",
    "-f": "find-links",
    "--find-links": "find-links",
    "--only-binary": "ignored",
    "--no-binary": "ignored",
    "--use-feature": "ignored",
    "--config-settings": "ignored",
    "-C": "ignored",
    "--global-option": "ignored",
    "--install-option": "ignored",
}
_FLAG_OPTIONS: dict[str, str] = {
    "--no-index": "no-index",
    "--pre": "ignored",
    "--prefer-binary": "ignored",
    "--require-hashes": "ignored",
}


@dataclass(frozen=True, kw_only=True)
class LogicalLine:
    """One logical line: where it starts and its text after pip's preprocessing."""

    number: int
    text: str
    #: the text before ``${VAR}`` expansion: what messages and reports quote, so a
    #: variable holding a token is never echoed
    written: str = ""


@dataclass(frozen=True, kw_only=True)
class LineOptions:
    """The options a logical line carries, in the order written."""

    values: tuple[tuple[str, str], ...] = ()
    flags: frozenset[str] = frozenset()
    unknown: tuple[str, ...] = field(default=())

    def get(self, kind: str) -> list[str]:
        return [value for key, value in self.values if key == kind]


def logical_lines(text: str, environ: Mapping[str, str] | None = None) -> Iterator[LogicalLine]:
    """Yield the non-empty logical lines of a requirements file, as pip sees them."""
    env = os.environ if environ is None else environ
    pending: list[str] = []
    first = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        is_comment = raw.lstrip().startswith("#")
        if raw.endswith("\\") and not is_comment:
            if not pending:
                first = number
            pending.append(raw[:-1])
            continue
        if pending:
            # a comment line ends a continuation; pip keeps it as a comment
            pending.append(" " + raw if is_comment else raw)
            joined, start = "".join(pending), first
            pending = []
        else:
            joined, start = raw, number
        written = strip_comment(joined)
        if written:
            yield LogicalLine(number=start, text=_expand(written, env), written=written)
    if pending:
        written = strip_comment("".join(pending))
        if written:
            yield LogicalLine(number=first, text=_expand(written, env), written=written)


def strip_comment(line: str) -> str:
    """The line without its comment, stripped: pip's ``(^|\\s+)#.*$`` rule.

    A ``#`` starts a comment at the start of a line or after whitespace, so URL fragments
    (``#egg=``, ``#sha256=``) survive. Done with ``str.find`` rather than that regex:
    the regex backtracks quadratically on a long run of spaces, so a 100,000-space line
    took minutes.
    """
    at = line.find("#")
    while at != -1:
        if at == 0 or line[at - 1].isspace():
            return line[:at].strip()
        at = line.find("#", at + 1)
    return line.strip()


#: credentials of the CI job itself, never put into a URL a dependency file chooses: a
#: pull request could otherwise add ``--extra-index-url https://x:${GITHUB_TOKEN}@host/``
#: and receive the token with the audit's first request
NEVER_EXPANDED = frozenset(
    {"GITHUB_TOKEN", "GH_TOKEN", "ACTIONS_RUNTIME_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"}
)


def withheld(line: str) -> list[str]:
    """The NEVER_EXPANDED variables ``line`` refers to (left as written)."""
    if "${" not in line:
        return []
    return [m.group(1) for m in _ENV_VAR.finditer(line) if m.group(1) in NEVER_EXPANDED]


def _expand(line: str, env: Mapping[str, str]) -> str:
    if "${" not in line:
        return line
    return _ENV_VAR.sub(
        lambda m: m.group(0) if m.group(1) in NEVER_EXPANDED else env.get(m.group(1), m.group(0)),
        line,
    )


def split_line(line: str) -> tuple[str, str]:
    """pip's split: tokens up to the first one starting with ``-`` are the requirement."""
    tokens = line.split(" ")
    for i, token in enumerate(tokens):
        if token.startswith("-"):
            return " ".join(tokens[:i]).strip(), " ".join(tokens[i:]).strip()
    return line.strip(), ""


def parse_options(options: str, *, path: str, line: int) -> LineOptions:
    """Parse the option part of a line; unknown options are reported, not fatal."""
    try:
        tokens = shlex.split(options, posix=True)
    except ValueError as exc:
        raise ParseError(path, line, options, f"unbalanced quotes in options ({exc})") from exc
    values: list[tuple[str, str]] = []
    flags: set[str] = set()
    unknown: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        name, eq, attached = token.partition("=") if token.startswith("--") else (token, "", "")
        if not eq and not token.startswith("--") and len(token) > 2 and token[:2] in _VALUE_OPTIONS:
            name, attached, eq = token[:2], token[2:], "="  # -rfile, like optparse
        if name in _FLAG_OPTIONS:
            flags.add(_FLAG_OPTIONS[name])
        elif name in _VALUE_OPTIONS:
            if eq:
                value = attached
            elif i < len(tokens):
                value = tokens[i]
                i += 1
            else:
                raise ParseError(path, line, options, f"option {name} needs a value")
            values.append((_VALUE_OPTIONS[name], value))
        else:
            unknown.append(token)
    return LineOptions(values=tuple(values), flags=frozenset(flags), unknown=tuple(unknown))
