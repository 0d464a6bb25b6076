"""Shared text plumbing: decoding, TOML loading with file:line errors, line lookup.

Formats parsed with tomllib or json lose line numbers, yet reports must point at a
line; ``LineIndex`` recovers them by a best-effort search of the raw text.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Sequence
from typing import Any

from auditor.errors import InputError, ParseError

_TOML_WHERE = re.compile(r"\(at line (\d+), column (\d+)\)")


def decode_bytes(data: bytes, display: str) -> str:
    """Decode a dependency file; Windows shells write UTF-16 for ``pip freeze > f``."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{display}: not a UTF-8 text file (byte {exc.start} cannot be decoded)",
            hint="Save the file as UTF-8 (dependency files are text) and run again.",
        ) from exc


def load_toml(text: str, display: str) -> dict[str, Any]:
    """Parse TOML, turning tomllib's message into a ParseError at its line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
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


def load_json(text: str, display: str) -> Any:
    """Parse JSON, turning the decoder's message into a ParseError at its line."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        lines = text.splitlines()
        snippet = lines[exc.lineno - 1].strip() if 0 < exc.lineno <= len(lines) else ""
        raise ParseError(
            display, exc.lineno, snippet, f"invalid JSON: {exc.msg} at column {exc.colno}"
        ) from exc


def _quoted(value: str) -> tuple[str, ...]:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return (f'"{escaped}"', f"'{value}'", f'"""{value}', f"'''{value}")


class LineIndex:
    """Finds the 1-based line where a value was written (best effort, never raises)."""

    def __init__(self, text: str) -> None:
        self.lines: tuple[str, ...] = tuple(text.splitlines())

    def header(self, table: str, *, array: bool = False, start: int = 0) -> int | None:
        """0-based index of ``[table]`` (or ``[[table]]``) at or after ``start``."""
        parts = r"\s*\.\s*".join(
            rf"(?:{re.escape(p)}|\"{re.escape(p)}\"|'{re.escape(p)}')" for p in table.split(".")
        )
        pattern = re.compile(rf"^\s*\[\[\s*{parts}\s*\]\]" if array else rf"^\s*\[\s*{parts}\s*\]")
        for i in range(start, len(self.lines)):
            if pattern.match(self.lines[i]):
                return i
        return None

    def array_headers(self, table: str) -> list[int]:
        """0-based indexes of every ``[[table]]`` header, in file order."""
        found: list[int] = []
        start = 0
        while (i := self.header(table, array=True, start=start)) is not None:
            found.append(i)
            start = i + 1
        return found

    def key(self, key: str, start: int = 0, stop: int | None = None) -> int | None:
        """0-based index of the first ``key =`` line in ``[start, stop)``."""
        pattern = re.compile(
            rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')\s*="
        )
        for i in range(start, len(self.lines) if stop is None else stop):
            if pattern.match(self.lines[i]):
                return i
        return None

    def value(self, value: str, start: int = 0, stop: int | None = None) -> int | None:
        """0-based index of the first line at or after ``start`` holding ``value`` quoted."""
        needles = _quoted(value)
        end = len(self.lines) if stop is None else stop
        for i in range(start, end):
            if any(n in self.lines[i] for n in needles):
                return i
        return None

    def find(self, value: str, anchors: Sequence[int | None] = ()) -> int | None:
        """1-based line of ``value`` after the last anchor found, else anywhere."""
        start = max((a for a in anchors if a is not None), default=0)
        hit = self.value(value, start)
        if hit is None and start:
            hit = self.value(value)
        return None if hit is None else hit + 1

    def section_end(self, start: int) -> int:
        """0-based index of the next table header after ``start`` (or the end)."""
        for i in range(start + 1, len(self.lines)):
            if re.match(r"^\s*\[", self.lines[i]):
                return i
        return len(self.lines)
