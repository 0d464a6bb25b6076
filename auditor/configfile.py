"""The one reader of auditor's configuration files: ``.auditor.toml`` and ``[tool.auditor]``.

Why one place: settings (``fail-on = "medium"``) and acceptances (``[[accept]]``) live in
the same table, and before this module each reader had its own idea of where the file is
and what a broken one means, so invalid TOML silently dropped every acceptance. Here a
file that exists is either read whole or refused with its path and line.

Search: from a start directory (the first input file's folder, else the current one) up
to the repository root (the directory holding ``.git``); without a repository, only the
start directory. In each directory ``.auditor.toml`` wins over ``pyproject.toml``; a
``pyproject.toml`` without a ``[tool.auditor]`` table is passed over.

Shape: in ``.auditor.toml`` the keys sit at the top level, in ``pyproject.toml`` under
``[tool.auditor]``. Keys are flag names without the dashes (``fail-on``, ``index-url``);
``[[accept]]`` holds acceptances; a table named after a command (``[tool.auditor.audit]``)
holds keys for that command only. Which keys exist is the command line's business: this
module checks the tables and hands the CLI each key with its line.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from auditor.errors import InputError

CONFIG_FILES = (".auditor.toml", "pyproject.toml")
ACCEPT_TABLE = "accept"
# Tables for one command's keys; the CLI's test holds this equal to its command list.
COMMAND_TABLES = ("audit", "graph", "explain", "sponsor", "bus-factor")

_HEADER = re.compile(r"^\s*\[\[?\s*([^\[\]]+?)\s*\]\]?\s*(#.*)?$")
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


@dataclass(frozen=True, kw_only=True)
class ConfigFile:
    """One configuration file, read: its auditor table and where each key is written.

    ``values`` are the top-level keys (not tables); ``commands`` the per-command tables;
    ``accept`` the raw acceptance entries (checked by ``judge.policy``) with their lines.
    """

    path: Path
    values: Mapping[str, object] = field(default_factory=dict)
    commands: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    accept: tuple[object, ...] = ()
    accept_lines: tuple[int | None, ...] = ()
    text: str = field(default="", repr=False)
    prefix: str = ""  # the table auditor's keys are in: "tool.auditor" in pyproject.toml

    def where(self, key: str, table: str | None = None) -> str:
        """``path:line`` of ``key`` (in the command ``table``), or the path alone."""
        line = line_of(self.text, _join(self.prefix, table), key)
        return f"{self.path}:{line}" if line is not None else str(self.path)

    def check_keys(self, known: Collection[str], *, table: str | None = None) -> None:
        """Refuse keys that are not in ``known``, naming the closest valid one."""
        values = self.values if table is None else self.commands.get(table, {})
        for key in values:
            if key not in known:
                raise unknown_name(
                    f"{self.where(key, table)}: unknown key {key!r} in "
                    f"[{_join(self.prefix, table) or 'top level'}]",
                    key,
                    known,
                )


def _join(*parts: str | None) -> str:
    return ".".join(p for p in parts if p)


def unknown_name(message: str, name: str, known: Collection[str]) -> InputError:
    """An InputError for a misspelt name, with the closest valid ones as the hint."""
    import difflib  # only for an unknown key

    close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.6)
    hint = (
        f"Did you mean {' or '.join(repr(c) for c in close)}?"
        if close
        else "Valid keys are the long flag names without the dashes; see `auditor COMMAND --help`."
    )
    return InputError(message, hint=hint)


def line_of(text: str, table: str, key: str) -> int | None:
    """The line (1-based) where ``key`` is set in ``table`` ("" is the top level).

    tomllib keeps no positions, so this reads the text: the key's line inside the table's
    section, else the header of a table named ``table.key``. Good enough to point an
    editor at a typo; None when the key cannot be found (a dotted or inline spelling).
    """
    current = ""
    wanted_header = _join(table, key)
    key_line = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for number, raw in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(raw)
        if header:
            current = re.sub(r"[\s\"']", "", header.group(1))
            if current == wanted_header:
                return number
            continue
        if current == table and key_line.match(raw):
            return number
    return None


def _headers(text: str, name: str) -> list[int]:
    """Lines of every ``[[name]]`` header, in order (one per array-of-tables entry)."""
    out: list[int] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(raw)
        if (
            header
            and raw.strip().startswith("[[")
            and re.sub(r"[\s\"']", "", header.group(1)) == name
        ):
            out.append(number)
    return out


def parse_toml(path: Path) -> tuple[dict[str, object], str]:
    """The document and its text; unreadable or invalid TOML is an InputError with the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        position = _TOML_POSITION.search(str(exc))
        where = f"{path}:{position.group(1)}" if position else str(path)
        why = _TOML_POSITION.sub("", str(exc)).strip()
        raise InputError(
            f"{where}: invalid TOML: {why}",
            hint="Fix the syntax (auditor reads its settings and acceptances from this "
            "file and will not guess around a broken one).",
        ) from exc


def auditor_table(data: Mapping[str, object], path: Path) -> Mapping[str, object] | None:
    """The ``[tool.auditor]`` table of a pyproject.toml, or a whole .auditor.toml (which
    may also spell its keys under ``[tool.auditor]``, as a copy of pyproject's table)."""
    tool = data.get("tool")
    if path.name != "pyproject.toml" and not (
        set(data) == {"tool"} and isinstance(tool, dict) and "auditor" in tool
    ):
        return data
    if not isinstance(tool, dict):
        return None
    table = tool.get("auditor")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise InputError(f"{path}: tool.auditor must be a table ([tool.auditor])")
    return table


def read_config(path: Path) -> ConfigFile:
    """Read and check the shape of one configuration file (keys are the CLI's to check)."""
    data, text = parse_toml(path)
    table = auditor_table(data, path)
    if table is None:
        return ConfigFile(path=path, text=text, prefix="tool.auditor")
    prefix = "" if table is data else "tool.auditor"
    values: dict[str, object] = {}
    commands: dict[str, Mapping[str, object]] = {}
    accept: tuple[object, ...] = ()
    tables = (ACCEPT_TABLE, *COMMAND_TABLES)
    for key, value in table.items():
        is_table = isinstance(value, dict) or (
            isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)
        )
        if key == ACCEPT_TABLE:
            if not isinstance(value, list):
                raise InputError(
                    f"{_where(path, text, prefix, key)}: accept must be an array of tables",
                    hint=f"Write each acceptance as [[{_join(prefix, 'accept')}]] with "
                    "package, reason and expires.",
                )
            accept = tuple(value)
        elif key in COMMAND_TABLES:
            if not isinstance(value, dict):
                raise InputError(
                    f"{_where(path, text, prefix, key)}: {key} must be a table of that "
                    f"command's keys ([{_join(prefix, key)}])"
                )
            commands[key] = value
        elif is_table:
            raise unknown_name(
                f"{_where(path, text, prefix, key)}: unknown table [{_join(prefix, key)}]",
                key,
                tables,
            )
        else:
            values[key] = value
    lines = _headers(text, _join(prefix, ACCEPT_TABLE))
    accept_lines = tuple(lines[i] if i < len(lines) else None for i in range(len(accept)))
    return ConfigFile(
        path=path,
        values=values,
        commands=commands,
        accept=accept,
        accept_lines=accept_lines,
        text=text,
        prefix=prefix,
    )


def _where(path: Path, text: str, table: str, key: str) -> str:
    line = line_of(text, table, key)
    return f"{path}:{line}" if line is not None else str(path)


def repository_root(start: Path) -> Path | None:
    """The nearest directory at or above ``start`` holding ``.git``, or None."""
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return None


def find_config(start: Path) -> Path | None:
    """The configuration file that applies to ``start`` (a directory), or None.

    Walks up to the repository root (only ``start`` itself outside a repository). A
    pyproject.toml is taken only with a ``[tool.auditor]`` table; one that is not valid
    TOML is an error, since it might hold the acceptances the user relies on.
    """
    start = start.resolve()
    root = repository_root(start)
    directories = [start] if root is None else [start, *start.parents]
    for directory in directories:
        dotfile = directory / CONFIG_FILES[0]
        if dotfile.is_file():
            return dotfile
        pyproject = directory / CONFIG_FILES[1]
        if pyproject.is_file():
            data, _ = parse_toml(pyproject)
            if auditor_table(data, pyproject) is not None:
                return pyproject
        if directory == root:
            break
    return None


def search_start(files: Sequence[str]) -> Path:
    """Where the search begins: the first input file's folder, else the current directory."""
    for name in files:
        if name and name != "-":
            return Path(name).expanduser().absolute().parent
    return Path.cwd()
