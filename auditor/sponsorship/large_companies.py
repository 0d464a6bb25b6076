"""The curated list of large companies whose projects do not need a small team's money.

Why a list and not a heuristic: "owned by an organisation" says nothing about money (many
organisations are two volunteers), while "owned by Google" says a great deal. The list is
data (``rules/large-companies.toml``) so a reviewer can add a company without touching
code, and users can extend it with ``--companies FILE``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from auditor.collectors.backends.github.company import normalise_company
from auditor.datafiles import read_toml_files
from auditor.errors import InputError

COMPANIES_FILE = "large-companies.toml"
_FIELDS = frozenset({"name", "github", "names", "domains"})


@dataclass(frozen=True, kw_only=True)
class Company:
    """One large company: its GitHub accounts and how people write its name."""

    id: str
    name: str
    github: frozenset[str]
    names: frozenset[str]
    domains: frozenset[str]


@dataclass(frozen=True, kw_only=True)
class LargeCompanies:
    """Lookups over every company; all comparisons are case-insensitive."""

    companies: tuple[Company, ...]
    sources: tuple[str, ...] = ()

    def by_github(self, login: str | None) -> Company | None:
        """The company owning the GitHub account ``login``, if listed."""
        if not login:
            return None
        key = login.lower()
        return next((c for c in self.companies if key in c.github), None)

    def by_name(self, company: str | None) -> Company | None:
        """The company a profile's free-text ``company`` field names, if listed."""
        key = normalise_company(company) if company else None
        if key is None:
            return None
        for c in self.companies:
            if key in c.names or key in c.github:
                return c
        return None


def _strings(value: object, where: str, problems: list[str]) -> frozenset[str]:
    if value is None:
        return frozenset()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f"{where}: must be a list of strings")
        return frozenset()
    return frozenset(v.strip().lower() for v in value if v.strip())


def _parse(path: Path, data: Mapping[str, object], problems: list[str]) -> list[Company]:
    table = data.get("company")
    if not isinstance(table, dict):
        problems.append(f"{path}: no [company.<id>] tables; see rules/{COMPANIES_FILE}")
        return []
    out: list[Company] = []
    for cid, body in table.items():
        where = f"{path}: company.{cid}"
        if not isinstance(body, dict):
            problems.append(f"{where}: must be a table")
            continue
        unknown = set(body) - _FIELDS
        if unknown:
            problems.append(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        name = body.get("name", cid)
        if not isinstance(name, str):
            problems.append(f"{where}.name: must be a string")
            name = cid
        out.append(
            Company(
                id=cid,
                name=name,
                github=_strings(body.get("github"), f"{where}.github", problems),
                names=frozenset(
                    normalise_company(n) or n
                    for n in _strings(body.get("names"), f"{where}.names", problems)
                ),
                domains=_strings(body.get("domains"), f"{where}.domains", problems),
            )
        )
    return out


def _merge(companies: Iterable[Company]) -> tuple[Company, ...]:
    """A later table with a known id extends it (the first name is kept)."""
    merged: dict[str, Company] = {}
    for c in companies:
        old = merged.get(c.id)
        merged[c.id] = (
            c
            if old is None
            else Company(
                id=c.id,
                name=old.name,
                github=old.github | c.github,
                names=old.names | c.names,
                domains=old.domains | c.domains,
            )
        )
    return tuple(merged.values())


def default_companies_file() -> Path:
    from auditor.judge.taxonomy import default_rules_root

    return default_rules_root() / COMPANIES_FILE


def load_companies(extra: Iterable[Path] = (), *, include_default: bool = True) -> LargeCompanies:
    """The shipped list plus the user's files; every problem is raised at once."""
    paths = [default_companies_file()] if include_default else []
    for item in extra:
        if not item.is_file():
            raise InputError(
                f"companies file {item} does not exist",
                hint=f"Pass a TOML file shaped like rules/{COMPANIES_FILE}.",
            )
        paths.append(item)
    problems: list[str] = []
    companies: list[Company] = []
    for path, data in read_toml_files(paths, problems):
        companies.extend(_parse(path, data, problems))
    if problems:
        raise InputError(
            "the large-companies list has problems:\n  " + "\n  ".join(problems),
            hint=f"Fix the listed files; rules/{COMPANIES_FILE} shows the expected shape.",
        )
    return LargeCompanies(companies=_merge(companies), sources=tuple(str(p) for p in paths))


@lru_cache(maxsize=1)
def default_companies() -> LargeCompanies:
    """The shipped list, read once."""
    return load_companies()
