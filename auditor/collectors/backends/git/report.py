"""The bus-factor report: one frozen value, rendered as text (rich) or stable JSON.

JSON shape (``schema`` = ``auditor.bus-factor/1``; keys are never renamed within a
schema version, new keys may be added; a value that could not be computed is null)::

    {
      "schema": "auditor.bus-factor/1",
      "target": str,                 # what the user asked for (URL or path)
      "revision": str,               # full commit id analysed
      "ref": str | null,             # the --rev given, if any
      "now": str,                    # ISO 8601 UTC instant time windows end at
      "truck_factor": int | null,    # null when no file is left after exclusions
      "truck_factor_authors": [{"name", "email", "files": int, "share": float}],
      "contributor_absence_factor": int | null,
      "contributor_absence_factor_365d": int | null,
      "active_authors_90d": int, "active_authors_365d": int,
      "developer_distribution": float | null,   # 1 - top author's share of commits
      "elephant_factor": int | null, "elephant_factor_365d": int | null,
      "organisations": [{"name", "commits": int, "share": float}],   # top 10, all time
      "top_authors": [{"name", "email", "commits": int, "share": float,
                       "files": int}],                               # top 10 by commits
      "commits": int, "commits_365d": int, "authors": int,
      "last_commit_at": str | null, "last_commit_days": int | null,
      "files": {"total": int, "analysed": int, "excluded": int, "orphaned": int},
      "bots_excluded": [str],
      "rename_detection": "similar" | "exact" | "off",
      "notes": [str],                # what was skipped or guessed, and why
      "analysed_files": [{"path", "language",
                          "authors": [{"name", "email"}]}] | null,
      "excluded_files": [{"path", "rule"}] | null    # null: not kept with cached facts
    }

An analysed file with an empty ``authors`` list is orphaned: no one's degree of
authorship passes the thresholds. ``rule`` names why a file is out: ``linguist: …``
(vendored, documentation, generated, binary, a data or prose language, no language),
a group of ``rules/git-exclude.toml`` with its pattern, ``--exclude: GLOB``,
``submodule``, ``symlink``, or a history that could not be read.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table

SCHEMA = "auditor.bus-factor/1"


@dataclass(frozen=True, kw_only=True)
class AuthorShare:
    """A truck-factor developer and the share of analysed files they author."""

    name: str
    email: str
    files: int
    share: float


@dataclass(frozen=True, kw_only=True)
class CommitShare:
    """A developer's commits, share of all commits, and files authored."""

    name: str
    email: str
    commits: int
    share: float
    files: int


@dataclass(frozen=True, kw_only=True)
class OrgShare:
    """An organisation (e-mail domain) and its share of organisational commits."""

    name: str
    commits: int
    share: float


@dataclass(frozen=True, kw_only=True)
class FileAuthors:
    """An analysed file, its language and its authors as ``(name, email)``."""

    path: str
    language: str
    authors: tuple[tuple[str, str], ...]


@dataclass(frozen=True, kw_only=True)
class ExcludedFile:
    """A file left out of the analysis and the rule that left it out."""

    path: str
    rule: str


@dataclass(frozen=True, kw_only=True)
class BusFactorReport:
    """Everything ``auditor bus-factor`` says about one repository at one revision."""

    target: str
    revision: str
    ref: str | None
    now: datetime
    truck_factor: int | None
    truck_factor_authors: tuple[AuthorShare, ...]
    contributor_absence_factor: int | None
    contributor_absence_factor_365d: int | None
    active_authors_90d: int
    active_authors_365d: int
    developer_distribution: float | None
    elephant_factor: int | None
    elephant_factor_365d: int | None
    organisations: tuple[OrgShare, ...]
    top_authors: tuple[CommitShare, ...]
    commits: int
    commits_365d: int
    authors: int
    last_commit_at: datetime | None
    last_commit_days: int | None
    files_total: int
    files_analysed: int
    files_orphaned: int
    bots_excluded: tuple[str, ...]
    rename_detection: str
    notes: tuple[str, ...] = ()
    analysed_files: tuple[FileAuthors, ...] | None = None
    excluded_files: tuple[ExcludedFile, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        """The documented, stable JSON shape (see the module docstring)."""
        return {
            "schema": SCHEMA,
            "target": self.target,
            "revision": self.revision,
            "ref": self.ref,
            "now": self.now.isoformat(),
            "truck_factor": self.truck_factor,
            "truck_factor_authors": [
                {"name": a.name, "email": a.email, "files": a.files, "share": round(a.share, 4)}
                for a in self.truck_factor_authors
            ],
            "contributor_absence_factor": self.contributor_absence_factor,
            "contributor_absence_factor_365d": self.contributor_absence_factor_365d,
            "active_authors_90d": self.active_authors_90d,
            "active_authors_365d": self.active_authors_365d,
            "developer_distribution": _round(self.developer_distribution),
            "elephant_factor": self.elephant_factor,
            "elephant_factor_365d": self.elephant_factor_365d,
            "organisations": [
                {"name": o.name, "commits": o.commits, "share": round(o.share, 4)}
                for o in self.organisations
            ],
            "top_authors": [
                {
                    "name": a.name,
                    "email": a.email,
                    "commits": a.commits,
                    "share": round(a.share, 4),
                    "files": a.files,
                }
                for a in self.top_authors
            ],
            "commits": self.commits,
            "commits_365d": self.commits_365d,
            "authors": self.authors,
            "last_commit_at": None
            if self.last_commit_at is None
            else self.last_commit_at.isoformat(),
            "last_commit_days": self.last_commit_days,
            "files": {
                "total": self.files_total,
                "analysed": self.files_analysed,
                "excluded": self.files_total - self.files_analysed,
                "orphaned": self.files_orphaned,
            },
            "bots_excluded": list(self.bots_excluded),
            "rename_detection": self.rename_detection,
            "notes": list(self.notes),
            "analysed_files": None
            if self.analysed_files is None
            else [
                {
                    "path": f.path,
                    "language": f.language,
                    "authors": [{"name": n, "email": e} for n, e in f.authors],
                }
                for f in self.analysed_files
            ],
            "excluded_files": None
            if self.excluded_files is None
            else [{"path": f.path, "rule": f.rule} for f in self.excluded_files],
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _list_files(console: Console, report: BusFactorReport) -> None:
    if report.analysed_files is None or report.excluded_files is None:
        console.print("File lists: unknown (not kept with cached results)")
        return
    console.print(f"Analysed files ({len(report.analysed_files)}):")
    for item in report.analysed_files:
        names = ", ".join(name for name, _ in item.authors) or "(no author)"
        console.print(f"  {item.path}  [{item.language}]  {names}")
    console.print(f"Excluded files ({len(report.excluded_files)}):")
    for excluded in report.excluded_files:
        console.print(f"  {excluded.path}  ({excluded.rule})")


def render_json(report: BusFactorReport) -> str:
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"


def _show(value: object) -> str:
    return "unknown" if value is None else str(value)


def render_text(report: BusFactorReport, *, width: int = 100, list_files: bool = False) -> str:
    """A readable summary: the headline numbers, then who the truck factor is.

    ``list_files`` adds every analysed file with its authors and every excluded file
    with its rule.
    """
    buffer = io.StringIO()
    # markup off: author names and paths are data, "[bot]" must not be read as a style.
    console = Console(file=buffer, width=width, color_system=None, highlight=False, markup=False)
    short = report.revision[:12]
    console.print(
        f"Bus factor of {report.target} at {short}" + (f" ({report.ref})" if report.ref else "")
    )
    summary = Table(show_header=False, box=None, pad_edge=False)
    summary.add_column("metric", style="bold")
    summary.add_column("value")
    distribution = report.developer_distribution
    rows = [
        ("Truck factor", _show(report.truck_factor)),
        ("Contributor absence factor", _show(report.contributor_absence_factor)),
        ("  last 365 days", _show(report.contributor_absence_factor_365d)),
        (
            "Active authors, 90 / 365 days",
            f"{report.active_authors_90d} / {report.active_authors_365d}",
        ),
        ("Developer distribution", "unknown" if distribution is None else f"{distribution:.2f}"),
        ("Elephant factor", _show(report.elephant_factor)),
        ("  last 365 days", _show(report.elephant_factor_365d)),
        ("Commits (all / 365 days)", f"{report.commits} / {report.commits_365d}"),
        ("Authors", str(report.authors)),
        (
            "Last commit",
            "unknown" if report.last_commit_days is None else f"{report.last_commit_days} days ago",
        ),
        (
            "Files analysed",
            f"{report.files_analysed} of {report.files_total}"
            f" ({report.files_orphaned} without an author)",
        ),
    ]
    for name, value in rows:
        summary.add_row(name, value)
    console.print(summary)
    if report.truck_factor_authors:
        authors = Table(title="Truck-factor developers", title_justify="left")
        authors.add_column("#", justify="right")
        authors.add_column("developer")
        authors.add_column("files authored", justify="right")
        authors.add_column("share of files", justify="right")
        for rank, author in enumerate(report.truck_factor_authors, start=1):
            authors.add_row(
                str(rank),
                f"{author.name} <{author.email}>",
                str(author.files),
                f"{author.share:.0%}",
            )
        console.print(authors)
    if report.organisations:
        orgs = Table(title="Organisations (by commit e-mail)", title_justify="left")
        orgs.add_column("organisation")
        orgs.add_column("commits", justify="right")
        orgs.add_column("share", justify="right")
        for org in report.organisations:
            orgs.add_row(org.name, str(org.commits), f"{org.share:.0%}")
        console.print(orgs)
    if report.bots_excluded:
        console.print(f"Bots left out: {', '.join(report.bots_excluded)}")
    for note in report.notes:
        console.print(f"Note: {note}")
    if list_files:
        _list_files(console, report)
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())
