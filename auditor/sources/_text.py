"""Shared text plumbing: decoding, TOML loading with file:line errors, line lookup.

Formats parsed with tomllib or json lose line numbers, yet reports must point at a
line; ``LineIndex`` recovers them by a best-effort search of the raw text.
"""

from __future__ import annotations

import json
import re
import tomllib
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from typing import Any

from auditor.errors import InputError, ParseError

_TOML_WHERE = re.compile(r"\(at line (\d+), column (\d+)\)")


def decode_bytes(data: bytes, display: str) -> str:
    """Decode a dependency file; Windows shells write UTF-16 for ``pip freeze > f``.

    A NUL character never occurs in a text file: it marks binary data (or a file such as
    ``/proc/self/environ``), which is refused rather than parsed and quoted in errors.
    """
    text: str | None = None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            text = None
    if text is None:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{display}: not a UTF-8 text file (byte {exc.start} cannot be decoded)",
                hint="Save the file as UTF-8 (dependency files are text) and run again.",
            ) from exc
    if "\x00" in text:
        raise InputError(
            f"{display}: not a text file (it contains NUL characters)",
            hint="Name a dependency file (requirements, pyproject.toml, a lock file or an SBOM).",
        )
    return text


#: deeper than any lock file or SBOM nests (a CycloneDX component tree is a handful)
MAX_NESTING = 64


def _too_deep(display: str) -> ParseError:
    return ParseError(
        display,
        None,
        "",
        f"nested more than {MAX_NESTING} levels deep",
        hint="Dependency files are shallow; check that this is the file you meant.",
    )


def check_nesting(data: Any, display: str) -> None:
    """Refuse documents nested deeper than MAX_NESTING, or holding NUL, without recursion.

    Readers and their error messages walk these values (``repr``, ``str``); a 10,000-deep
    array would turn that into a RecursionError, so it is refused up front.
    """
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_NESTING:
            raise _too_deep(display)
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
            stack.extend((k, depth + 1) for k in value)
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
        elif isinstance(value, str) and "\x00" in value:
            raise ParseError(display, None, "", "a string holds a NUL character (\\u0000)")


def load_toml(text: str, display: str) -> dict[str, Any]:
    """Parse TOML, turning tomllib's message into a ParseError at its line."""
    try:
        data = tomllib.loads(text)
    except RecursionError as exc:
        raise _too_deep(display) from exc
    except ValueError as exc:
        if not isinstance(exc, tomllib.TOMLDecodeError):
            raise ParseError(display, None, "", f"invalid TOML value: {exc}") from exc
        message = str(exc)
        found = _TOML_WHERE.search(message)
        lines = text.splitlines()
        if found:
            line: int | None = int(found.group(1))
        elif "end of document" in message:
            line = max(len(lines), 1)
        else:
            line = None
        snippet = lines[line - 1].strip() if line is not None and 0 < line <= len(lines) else ""
        why = _TOML_WHERE.sub("", message).strip()
        if found:
            why = f"{why} at column {found.group(2)}"
        raise ParseError(
            display,
            line,
            snippet,
            f"invalid TOML: {why}",
            hint="Fix the TOML syntax; the tool that wrote this file can usually regenerate it.",
        ) from exc
    check_nesting(data, display)
    return data


def load_json(text: str, display: str) -> Any:
    """Parse JSON, turning the decoder's message into a ParseError at its line."""
    try:
        data = json.loads(text)
    except RecursionError as exc:
        raise _too_deep(display) from exc
    except json.JSONDecodeError as exc:
        lines = text.splitlines()
        snippet = lines[exc.lineno - 1].strip() if 0 < exc.lineno <= len(lines) else ""
        raise ParseError(
            display, exc.lineno, snippet, f"invalid JSON: {exc.msg} at column {exc.colno}"
        ) from exc
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise ParseError(display, None, "", f"invalid JSON value: {exc}") from exc
    check_nesting(data, display)
    return data


_STRING = re.compile(r""""((?:[^"\\\n]|\\.)*)"|'([^'\n]*)'""")
_KEY = re.compile(r"""\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_.-]+))\s*=""")


def _escaped(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _header_name(line: str) -> tuple[str, bool] | None:
    """``[a . "b"]`` -> ("a.b", False); ``[[package]]`` -> ("package", True); else None."""
    body = line.strip()
    if not body.startswith("["):
        return None
    array = body.startswith("[[")
    body = body[2:] if array else body[1:]
    parts: list[str] = []
    current: list[str] = []
    quote = ""
    for ch in body:
        if quote:
            if ch == quote:
                quote = ""
            else:
                current.append(ch)
        elif ch in "\"'":
            quote = ch
        elif ch == ".":
            parts.append("".join(current).strip())
            current = []
        elif ch == "]":
            parts.append("".join(current).strip())
            return ".".join(parts), array
        else:
            current.append(ch)
    return None


class _Positions:
    """Line numbers (0-based, ascending) under one key, answering "first in [a, b)"."""

    def __init__(self) -> None:
        self.by_key: dict[object, list[int]] = {}

    def add(self, key: object, line: int) -> None:
        found = self.by_key.setdefault(key, [])
        if not found or found[-1] != line:
            found.append(line)

    def first(self, key: object, start: int, stop: int) -> int | None:
        found = self.by_key.get(key)
        if not found:
            return None
        at = bisect_left(found, start)
        return found[at] if at < len(found) and found[at] < stop else None


class LineIndex:
    """Finds the 1-based line where a value was written (best effort, never raises).

    Every line is read once, up front, into maps of its table header, its key and the
    quoted strings on it; each question is then a lookup. Searching the text per question
    made a 10,000-entry file cost 10,000 x 10,000 line scans.
    """

    def __init__(self, text: str) -> None:
        self.lines: tuple[str, ...] = tuple(text.splitlines())
        self._headers = _Positions()
        self._keys = _Positions()
        self._strings = _Positions()
        self._brackets: list[int] = []
        for i, line in enumerate(self.lines):
            stripped = line.lstrip()
            if stripped.startswith("["):
                self._brackets.append(i)
                named = _header_name(stripped)
                if named is not None:
                    self._headers.add(named, i)
            key = _KEY.match(line)
            if key is not None:
                self._keys.add(next(g for g in key.groups() if g is not None), i)
            if '"' in line or "'" in line:
                for found in _STRING.finditer(line):
                    double, single = found.groups()
                    self._strings.add(("d", double) if double is not None else ("s", single), i)
                for quotes in ('"""', "'''"):
                    for piece in line.split(quotes)[1::2]:
                        self._strings.add(("t", piece), i)

    def header(self, table: str, *, array: bool = False, start: int = 0) -> int | None:
        """0-based index of ``[table]`` (or ``[[table]]``) at or after ``start``."""
        name = ".".join(part.strip() for part in table.split("."))
        return self._headers.first((name, array), start, len(self.lines))

    def array_headers(self, table: str) -> list[int]:
        """0-based indexes of every ``[[table]]`` header, in file order."""
        name = ".".join(part.strip() for part in table.split("."))
        return list(self._headers.by_key.get((name, True), []))

    def key(self, key: str, start: int = 0, stop: int | None = None) -> int | None:
        """0-based index of the first ``key =`` line in ``[start, stop)``."""
        end = len(self.lines) if stop is None else stop
        return self._keys.first(key, start, end)

    def value(self, value: str, start: int = 0, stop: int | None = None) -> int | None:
        """0-based index of the first line at or after ``start`` holding ``value`` quoted."""
        end = len(self.lines) if stop is None else stop
        hits = [
            self._strings.first(("d", _escaped(value)), start, end),
            self._strings.first(("s", value), start, end),
            self._strings.first(("t", value), start, end),
        ]
        found = [h for h in hits if h is not None]
        return min(found) if found else None

    def find(self, value: str, anchors: Sequence[int | None] = ()) -> int | None:
        """1-based line of ``value`` after the last anchor found, else anywhere."""
        start = max((a for a in anchors if a is not None), default=0)
        hit = self.value(value, start)
        if hit is None and start:
            hit = self.value(value)
        return None if hit is None else hit + 1

    def section_end(self, start: int) -> int:
        """0-based index of the next table header after ``start`` (or the end)."""
        at = bisect_right(self._brackets, start)
        return self._brackets[at] if at < len(self._brackets) else len(self.lines)
