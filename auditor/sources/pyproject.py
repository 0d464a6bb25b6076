"""pyproject.toml: PEP 621 dependencies and extras, PEP 735 groups, Poetry tables.

Only what the user chose is read: extras and groups contribute nothing unless asked for,
because a test or docs group audited as runtime would drown the real risks.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from packaging.utils import canonicalize_name

import auditor.sources._shape as shape
from auditor.errors import ParseError
from auditor.model import DependencyInput, Requirement, SourceOptions
from auditor.sources._base import BaseSource
from auditor.sources._local import same_name
from auditor.sources._pep508 import and_markers, requirement_from_string
from auditor.sources._poetry_deps import poetry_entries
from auditor.sources._text import LineIndex, load_toml
from auditor.sources.interface import InputFile

_MAX_DEPTH = 20


def _table(data: Any, *keys: str) -> dict[str, Any]:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}


#: tables whose dependencies the reader follows: a non-table there is an input error,
#: because reading it as "nothing" would audit a project as if it had no dependencies
_TABLES = (
    ("project",),
    ("project", "optional-dependencies"),
    ("dependency-groups",),
    ("tool",),
    ("tool", "poetry"),
    ("tool", "poetry", "dependencies"),
    ("tool", "poetry", "dev-dependencies"),
    ("tool", "poetry", "group"),
    ("tool", "poetry", "extras"),
    ("tool", "uv"),
    ("tool", "pdm"),
    ("tool", "pdm", "dev-dependencies"),
)


def _check_tables(data: dict[str, Any], lines: LineIndex, display: str) -> None:
    for keys in _TABLES:
        value: Any = data
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        if value is not None and not isinstance(value, dict):
            name = ".".join(keys)
            at = lines.header(name)
            if at is None:
                parent = lines.header(".".join(keys[:-1])) if len(keys) > 1 else None
                at = lines.key(keys[-1], parent or 0)
            raise shape.wrong_type(display, None if at is None else at + 1, name, "a table", value)
    groups = _table(data, "tool", "poetry", "group")
    for group, body in groups.items():
        where = f"tool.poetry.group.{group}"
        at = lines.header(where)
        line = None if at is None else at + 1
        deps = shape.table(body, display, line, where).get("dependencies")
        shape.optional_table(deps, display, line, f"{where}.dependencies")


class _Reader:
    """Reads one parsed pyproject.toml; keeps the raw lines for origins."""

    def __init__(self, source: InputFile, options: SourceOptions) -> None:
        self.display = source.display
        self.data = load_toml(source.text, source.display)
        self.lines = LineIndex(source.text)
        _check_tables(self.data, self.lines, self.display)
        self.base_dir = source.path.resolve().parent if source.path else Path.cwd()
        self.options = options
        self.warnings: list[str] = []
        project = _table(self.data, "project")
        poetry = _table(self.data, "tool", "poetry")
        name = project.get("name", poetry.get("name"))
        self.name: str | None = name if isinstance(name, str) else None
        self.extras = {canonicalize_name(e) for e in options.extras}
        self.groups = {canonicalize_name(g) for g in options.groups}

    # -- choices ---------------------------------------------------------------------
    def extra_chosen(self, extra: str) -> bool:
        return self.options.all_extras or canonicalize_name(extra) in self.extras

    def group_chosen(self, group: str) -> bool:
        return self.options.all_groups or canonicalize_name(group) in self.groups

    # -- PEP 508 lists ---------------------------------------------------------------
    def _strings(
        self, values: object, *, where: str, anchors: list[int | None], group: str | None
    ) -> list[Requirement]:
        if not isinstance(values, list):
            line = max((a for a in anchors if a is not None), default=None)
            raise ParseError(
                self.display, None if line is None else line + 1, where, "expected a list"
            )
        result: list[Requirement] = []
        for value in values:
            if isinstance(value, dict) and isinstance(value.get("include-group"), str):
                continue  # include-group tables are handled by the caller
            if not isinstance(value, str):
                line = max((a for a in anchors if a is not None), default=None)
                raise shape.wrong_type(
                    self.display,
                    None if line is None else line + 1,
                    where,
                    "a PEP 508 requirement string",
                    value,
                )
            line = self.lines.find(value, anchors)
            result.append(requirement_from_string(value, path=self.display, line=line, group=group))
        return result

    def project_dependencies(self) -> list[Requirement]:
        project = _table(self.data, "project")
        if "dependencies" not in project:
            return []
        header = self.lines.header("project")
        anchors = [header, self.lines.key("dependencies", header or 0)]
        return self._strings(
            project["dependencies"], where="[project].dependencies", anchors=anchors, group=None
        )

    def optional_dependencies(self, extra: str) -> list[Requirement]:
        table = _table(self.data, "project", "optional-dependencies")
        key = next((k for k in table if canonicalize_name(k) == canonicalize_name(extra)), None)
        if key is None:
            return []
        header = self.lines.header("project.optional-dependencies")
        if header is None:
            header = self.lines.key("optional-dependencies", self.lines.header("project") or 0)
        anchors = [header, self.lines.key(key, header or 0)]
        return self._strings(
            table[key],
            where=f"[project.optional-dependencies].{key}",
            anchors=anchors,
            group=f"extra:{key}",
        )

    def chosen_extras(self) -> list[Requirement]:
        table = _table(self.data, "project", "optional-dependencies")
        result: list[Requirement] = []
        for extra in table:
            if self.extra_chosen(extra):
                result.extend(self.optional_dependencies(extra))
        return result

    # -- PEP 735 groups (and the uv/PDM tables that came before it) --------------------
    def dependency_group(self, group: str, chain: tuple[str, ...] = ()) -> list[Requirement]:
        table = _table(self.data, "dependency-groups")
        key = next((k for k in table if canonicalize_name(k) == canonicalize_name(group)), None)
        if key is None:
            raise ParseError(
                self.display,
                None if (h := self.lines.header("dependency-groups")) is None else h + 1,
                f"include-group = {group!r}",
                f"dependency group {group!r} is not defined",
            )
        if canonicalize_name(key) in chain:
            raise ParseError(
                self.display,
                None,
                f"[dependency-groups].{key}",
                "include-group cycle: " + " -> ".join((*chain, canonicalize_name(key))),
            )
        header = self.lines.header("dependency-groups")
        anchors = [header, self.lines.key(key, header or 0)]
        values = table[key]
        result = self._strings(
            values, where=f"[dependency-groups].{key}", anchors=anchors, group=f"group:{key}"
        )
        for item in values:
            if isinstance(item, dict) and isinstance(item.get("include-group"), str):
                result.extend(
                    self.dependency_group(item["include-group"], (*chain, canonicalize_name(key)))
                )
        return result

    def chosen_groups(self) -> list[Requirement]:
        result: list[Requirement] = []
        for group in _table(self.data, "dependency-groups"):
            if self.group_chosen(group):
                result.extend(self.dependency_group(group))
        uv_dev = _table(self.data, "tool", "uv").get("dev-dependencies")
        if uv_dev is not None and self.group_chosen("dev"):
            header = self.lines.header("tool.uv")
            anchors = [header, self.lines.key("dev-dependencies", header or 0)]
            result.extend(
                self._strings(
                    uv_dev, where="[tool.uv].dev-dependencies", anchors=anchors, group="group:dev"
                )
            )
        pdm_dev = _table(self.data, "tool", "pdm", "dev-dependencies")
        header = self.lines.header("tool.pdm.dev-dependencies")
        for group, values in pdm_dev.items():
            if self.group_chosen(group):
                anchors = [header, self.lines.key(group, header or 0)]
                result.extend(
                    self._strings(
                        values,
                        where=f"[tool.pdm.dev-dependencies].{group}",
                        anchors=anchors,
                        group=f"group:{group}",
                    )
                )
        return result

    # -- Poetry ------------------------------------------------------------------------
    def _poetry_table(
        self, table: dict[str, Any], header_name: str, group: str | None
    ) -> list[tuple[Requirement, bool]]:
        header = self.lines.header(header_name)
        stop = self.lines.section_end(header) if header is not None else None
        result: list[tuple[Requirement, bool]] = []
        for name, value in table.items():
            if name.lower() == "python":
                continue  # the interpreter constraint, not a package
            index = self.lines.key(name, header, stop) if header is not None else None
            if index is None:
                index = self.lines.header(f"{header_name}.{name}")
            line = None if index is None else index + 1
            text = self.lines.lines[index].strip() if index is not None else f"{name} = {value!r}"
            for entry in poetry_entries(
                name,
                value,
                path=self.display,
                line=line,
                text=text,
                base_dir=self.base_dir,
                group=group,
            ):
                if entry.warning:
                    self.warnings.append(entry.warning)
                result.append((entry.requirement, entry.optional))
        return result

    def poetry_main(self) -> list[Requirement]:
        table = _table(self.data, "tool", "poetry", "dependencies")
        extras = _table(self.data, "tool", "poetry", "extras")
        result: list[Requirement] = []
        for req, optional in self._poetry_table(table, "tool.poetry.dependencies", None):
            if not optional:
                result.append(req)
                continue
            chosen = [
                extra
                for extra, names in extras.items()
                if self.extra_chosen(extra)
                and isinstance(names, list)
                and any(same_name(str(n), req.name) for n in names)
            ]
            if chosen:
                result.append(replace(req, group=f"extra:{chosen[0]}"))
        return result

    def poetry_groups(self) -> list[Requirement]:
        result: list[Requirement] = []
        for group, body in _table(self.data, "tool", "poetry", "group").items():
            if self.group_chosen(group) and isinstance(body, dict):
                deps = body.get("dependencies", {})
                if isinstance(deps, dict):
                    header = f"tool.poetry.group.{group}.dependencies"
                    result.extend(r for r, _ in self._poetry_table(deps, header, f"group:{group}"))
        legacy = _table(self.data, "tool", "poetry", "dev-dependencies")
        if legacy and self.group_chosen("dev"):
            rows = self._poetry_table(legacy, "tool.poetry.dev-dependencies", "group:dev")
            result.extend(r for r, _ in rows)
        return result

    # -- self-references ---------------------------------------------------------------
    def expand_self(self, reqs: list[Requirement], depth: int = 0) -> list[Requirement]:
        """``mypkg[cuda]`` inside mypkg means "also my cuda extra", not a dependency."""
        result: list[Requirement] = []
        for req in reqs:
            if self.name is None or not same_name(req.name, self.name):
                result.append(req)
                continue
            if depth > _MAX_DEPTH:
                raise ParseError(
                    self.display, req.origin.line, req.text, "self-referencing extras loop"
                )
            for extra in req.extras:
                expanded = [
                    replace(r, marker=and_markers(req.marker, r.marker))
                    for r in self.optional_dependencies(extra)
                ]
                result.extend(self.expand_self(expanded, depth + 1))
        return result

    def requirements(self) -> list[Requirement]:
        project = _table(self.data, "project")
        reqs: list[Requirement] = self.project_dependencies() + self.chosen_extras()
        if "dependencies" not in project:
            # Poetry 2 only enriches [project].dependencies from its own table
            reqs.extend(self.poetry_main())
        reqs.extend(self.chosen_groups())
        reqs.extend(self.poetry_groups())
        self._warn_unknown_choices()
        # an extra chosen directly and through a self-reference would appear twice
        return list(dict.fromkeys(self.expand_self(reqs)))

    def _warn_unknown_choices(self) -> None:
        known_extras = {
            canonicalize_name(e)
            for e in (
                *_table(self.data, "project", "optional-dependencies"),
                *_table(self.data, "tool", "poetry", "extras"),
            )
        }
        for extra in sorted(self.extras - known_extras):
            self.warnings.append(f"{self.display}: no extra named {extra!r}")
        known_groups: set[str] = {
            canonicalize_name(g)
            for g in (
                *_table(self.data, "dependency-groups"),
                *_table(self.data, "tool", "poetry", "group"),
                *_table(self.data, "tool", "pdm", "dev-dependencies"),
            )
        }
        if _table(self.data, "tool", "poetry", "dev-dependencies") or _table(
            self.data, "tool", "uv"
        ).get("dev-dependencies"):
            known_groups.add("dev")
        for group in sorted(self.groups - known_groups):
            self.warnings.append(f"{self.display}: no dependency group named {group!r}")


def read_pyproject(
    source: InputFile, options: SourceOptions
) -> tuple[list[Requirement], list[str]]:
    """The requirements a pyproject.toml contributes under ``options``, and warnings.

    Lock readers call this to learn their roots from the sibling pyproject.toml.
    """
    reader = _Reader(source, options)
    reqs = reader.requirements()
    return reqs, reader.warnings


class PyprojectSource(BaseSource):
    """pyproject.toml (PEP 621, PEP 735, Poetry, and uv/PDM dev tables)."""

    kind: ClassVar[str] = "pyproject"
    description: ClassVar[str] = "pyproject.toml (PEP 621, PEP 735 groups, Poetry)"

    @classmethod
    def matches_name(cls, name: str) -> bool:
        return name == "pyproject.toml"

    @classmethod
    def matches_content(cls, head: str) -> bool:
        return any(
            line.strip() in {"[project]", "[tool.poetry]", "[build-system]", "[dependency-groups]"}
            or line.strip().startswith("[tool.poetry.")
            for line in head.splitlines()
        )

    def read(self, source: InputFile, options: SourceOptions) -> DependencyInput:
        reqs, warnings = read_pyproject(source, options)
        return DependencyInput(
            path=source.display,
            kind=self.kind,
            requirements=tuple(reqs),
            warnings=tuple(warnings),
        )
