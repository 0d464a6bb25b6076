"""One exception family, so the CLI can turn any of them into a message and an exit code.

Every message is written for the person at the terminal: what went wrong, where (file and
line when there is one), and what to do next. The library raises these and never prints.
"""

from __future__ import annotations

import unicodedata

#: the most of a file's line an error message quotes: enough to find it, too little to leak
EXCERPT_CHARS = 80


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """A short, printable piece of ``text`` for an error message.

    Input files may hold anything (a hostile ``-r /proc/self/environ``, terminal escapes),
    so a message quotes at most ``limit`` characters with every control, format or
    separator character other than a space replaced by ``?``.
    """
    head = text[: limit + 1]
    cleaned = "".join(
        ch if ch == " " or unicodedata.category(ch)[0] not in "CZ" else "?" for ch in head
    )
    return cleaned if len(text) <= limit else cleaned[:limit] + "..."


class AuditorError(Exception):
    """Base class. ``exit_code`` is what the CLI returns for it."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message}\n{hint}")


class InputError(AuditorError):
    """The user's file or arguments cannot be used as they are (exit 2)."""


class ParseError(InputError):
    """A line of a dependency file cannot be understood.

    Formats as ``path:line: cannot parse '<text>': <why>`` so editors can jump to it.
    """

    def __init__(
        self, path: str, line: int | None, text: str, why: str, *, hint: str | None = None
    ) -> None:
        self.path = path
        self.line = line
        self.text = excerpt(text)
        self.why = excerpt(why, 4 * EXCERPT_CHARS)
        where = f"{path}:{line}" if line is not None else path
        quoted = f"cannot parse {self.text!r}: " if self.text else ""
        super().__init__(f"{where}: {quoted}{self.why}", hint=hint)


class ResolutionError(AuditorError):
    """The requirements cannot be satisfied together, or a package does not exist."""


class DataSourceError(AuditorError):
    """A data source failed in a way that makes the result untrustworthy (exit 3)."""

    exit_code = 3


class OfflineMissError(DataSourceError):
    """``--offline`` was asked for and the cache lacks something the audit needs."""
