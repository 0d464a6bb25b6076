"""The AI taxonomy: which categories a package belongs to, read from TOML data.

Kept as data (``rules/taxonomy.toml``) so a reviewer can add a runtime without touching
code, and so users can add their own files. Names and patterns are PEP 503 normalised on
both sides, so ``Flash_Attn`` and ``flash-attn`` are the same package.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from auditor.datafiles import read_toml_files, rules_root
from auditor.errors import InputError
from auditor.judge.context import PackageContext

TAXONOMY_FILE = "taxonomy.toml"
_NORMALISE = re.compile(r"[-_.]+")


def normalise(name: str) -> str:
    """PEP 503 normalisation; glob characters pass through unchanged."""
    return _NORMALISE.sub("-", name).lower()


def default_rules_root() -> Path:
    """The shipped ``rules/`` folder (see :func:`auditor.datafiles.rules_root`)."""
    return rules_root()


@lru_cache(maxsize=256)
def _globs(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One expression matching what any of the patterns matches (as ``fnmatchcase``)."""
    return re.compile("|".join(fnmatch.translate(p) for p in patterns))


@dataclass(frozen=True, kw_only=True)
class Category:
    """One part of an AI stack, with the packages that make it up."""

    id: str
    title: str
    description: str
    serving_path: bool
    packages: frozenset[str]
    patterns: tuple[str, ...]

    def matches(self, name: str) -> bool:
        return self.matches_normalised(normalise(name))

    def matches_normalised(self, key: str) -> bool:
        """``matches`` for a name already normalised (classify normalises once)."""
        if key in self.packages:
            return True
        return bool(self.patterns) and _globs(self.patterns).match(key) is not None


@dataclass(frozen=True, kw_only=True)
class Taxonomy:
    """Every category, in file order; classification is a pure lookup."""

    categories: tuple[Category, ...]

    def classify(self, name: str) -> tuple[str, ...]:
        """Category ids the package belongs to, in taxonomy order; () if none."""
        key = normalise(name)
        return tuple(c.id for c in self.categories if c.matches_normalised(key))

    def serving_path(self, categories: Iterable[str]) -> bool:
        """True if any of the categories is on the serving path."""
        wanted = set(categories)
        return any(c.serving_path for c in self.categories if c.id in wanted)

    def ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.categories)

    def context(self, name: str, *, direct: bool, reach: int, depth: int) -> PackageContext:
        """The scoring context of a graph package: its categories and serving-path flag."""
        categories = self.classify(name)
        return PackageContext(
            name=normalise(name),
            categories=categories,
            direct=direct,
            reach=reach,
            depth=depth,
            serving_path=self.serving_path(categories),
        )


def _str_list(value: object, where: str, problems: list[str]) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f"{where}: must be a list of strings")
        return []
    return [normalise(v) for v in value]


def _parse(path: Path, data: Mapping[str, object], problems: list[str]) -> list[Category]:
    table = data.get("category")
    if not isinstance(table, dict):
        problems.append(f"{path}: no [category.<id>] tables; see rules/taxonomy.toml")
        return []
    out: list[Category] = []
    for cid, body in table.items():
        where = f"{path}: category.{cid}"
        if not isinstance(body, dict):
            problems.append(f"{where}: must be a table")
            continue
        serving = body.get("serving_path", False)
        if not isinstance(serving, bool):
            problems.append(f"{where}.serving_path: must be true or false")
            serving = False
        title = body.get("title", cid)
        description = body.get("description", "")
        if not isinstance(title, str) or not isinstance(description, str):
            problems.append(f"{where}: title and description must be strings")
            title, description = cid, ""
        unknown = set(body) - {"title", "description", "serving_path", "packages", "patterns"}
        if unknown:
            problems.append(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        out.append(
            Category(
                id=cid,
                title=title,
                description=description,
                serving_path=serving,
                packages=frozenset(_str_list(body.get("packages"), f"{where}.packages", problems)),
                patterns=tuple(_str_list(body.get("patterns"), f"{where}.patterns", problems)),
            )
        )
    return out


def _merge(categories: Sequence[Category]) -> tuple[Category, ...]:
    """A later category with a known id extends it; serving_path is true if any says so."""
    merged: dict[str, Category] = {}
    for c in categories:
        old = merged.get(c.id)
        if old is None:
            merged[c.id] = c
            continue
        merged[c.id] = Category(
            id=c.id,
            title=old.title,
            description=old.description,
            serving_path=old.serving_path or c.serving_path,
            packages=old.packages | c.packages,
            patterns=old.patterns + tuple(p for p in c.patterns if p not in old.patterns),
        )
    return tuple(merged.values())


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(path.glob("*.toml"))
    return [path]


def load_taxonomy(extra: Iterable[Path] = (), *, include_default: bool = True) -> Taxonomy:
    """The shipped taxonomy plus the user's files or directories of ``*.toml``.

    Every problem in every file is collected and raised once as an ``InputError``.
    """
    paths: list[Path] = [default_rules_root() / TAXONOMY_FILE] if include_default else []
    for item in extra:
        if not item.exists():
            raise InputError(
                f"taxonomy path {item} does not exist",
                hint="Pass a TOML file or a directory of them shaped like rules/taxonomy.toml.",
            )
        paths.extend(_files(item))
    problems: list[str] = []
    categories: list[Category] = []
    for path, data in read_toml_files(paths, problems):
        categories.extend(_parse(path, data, problems))
    if problems:
        raise InputError(
            "the taxonomy has problems:\n  " + "\n  ".join(problems),
            hint="Fix the listed files; rules/taxonomy.toml shows the expected shape.",
        )
    return Taxonomy(categories=_merge(categories))


@lru_cache(maxsize=1)
def default_taxonomy() -> Taxonomy:
    """The shipped taxonomy, read once."""
    return load_taxonomy()


def classify(name: str) -> tuple[str, ...]:
    """Categories of ``name`` in the shipped taxonomy."""
    return default_taxonomy().classify(name)
