"""Type checks for parsed TOML/JSON, failing as ParseError at the entry's line.

A lock file or SBOM edited by hand (or by a hostile change) can hold a number where a
list belongs; a reader that assumed the shape would crash with a TypeError. Fields that
carry dependency data are checked with these and a wrong type is an input error naming
the file, line and field: guessing would turn "unreadable" into "no dependencies".
"""

from __future__ import annotations

from typing import Any

from auditor.errors import ParseError

_NAMES = {
    dict: "a table",
    list: "a list",
    str: "a string",
    bool: "true or false",
    int: "a number",
    float: "a number",
}


def type_name(value: object) -> str:
    if value is None:
        return "null"
    return _NAMES.get(type(value), type(value).__name__)


def wrong_type(
    display: str, line: int | None, where: str, wanted: str, value: object
) -> ParseError:
    return ParseError(
        display,
        line,
        where,
        f"expected {wanted}, found {type_name(value)}",
        hint="The file does not have the shape its format requires; regenerate it with "
        "the tool that wrote it.",
    )


def table(value: object, display: str, line: int | None, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise wrong_type(display, line, where, "a table", value)
    return value


def optional_table(value: object, display: str, line: int | None, where: str) -> dict[str, Any]:
    """A table, or {} when the field is absent (None)."""
    return {} if value is None else table(value, display, line, where)


def items(value: object, display: str, line: int | None, where: str) -> list[Any]:
    """A list, or [] when the field is absent (None)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise wrong_type(display, line, where, "a list", value)
    return value


def strings(value: object, display: str, line: int | None, where: str) -> list[str]:
    """A list of strings, or [] when absent."""
    found = items(value, display, line, where)
    for item in found:
        if not isinstance(item, str):
            raise wrong_type(display, line, where, "a list of strings", item)
    return found


def text(value: object, display: str, line: int | None, where: str) -> str:
    if not isinstance(value, str):
        raise wrong_type(display, line, where, "a string", value)
    return value


def optional_text(value: object, display: str, line: int | None, where: str) -> str | None:
    return None if value is None else text(value, display, line, where)


def version_text(value: object, display: str, line: int | None, where: str) -> str | None:
    """A version field: a string (numbers are accepted, TOML writers sometimes emit them)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise wrong_type(display, line, where, "a version string", value)
    return str(value)
