"""The signals the git history collector provides: names, types and meaning.

Kept apart from the collector so that the signal catalog (what rules are checked
against) does not import git, the clone code and the truck-factor analysis on a run
that never reads a history.
"""

from __future__ import annotations

from auditor.collectors.interface import SignalSpec, spec

#: the collector's name, as reports and unknown reasons show it
COLLECTOR = "git"


SPECS: tuple[SignalSpec, ...] = (
    spec(
        "truck_factor",
        "int",
        "Developers who must leave before most source files have no active author"
        " (degree of authorship, Avelino et al. 2016).",
        "developers",
    ),
    spec(
        "truck_factor_authors",
        "list",
        "Names of the developers who make up the truck factor, most files first.",
    ),
    spec(
        "contributor_absence_factor",
        "int",
        "Fewest developers whose commits exceed half of all commits (CHAOSS), all time.",
        "developers",
    ),
    spec(
        "contributor_absence_factor_365d",
        "int",
        "Contributor absence factor over the last 365 days' commits.",
        "developers",
    ),
    spec(
        "active_authors_90d",
        "int",
        "Developers with a commit in the last 90 days.",
        "developers",
    ),
    spec(
        "active_authors_365d",
        "int",
        "Developers with a commit in the last 365 days.",
        "developers",
    ),
    spec(
        "developer_distribution",
        "float",
        "1 minus the top developer's share of all commits (0: one person did everything).",
    ),
    spec(
        "elephant_factor",
        "int",
        "Fewest organisations (by commit e-mail domain, public providers left out) whose"
        " commits exceed half of all organisational commits.",
        "organisations",
    ),
    spec(
        "elephant_factor_365d",
        "int",
        "Elephant factor over the last 365 days' commits.",
        "organisations",
    ),
    spec(
        "last_commit_days",
        "int",
        "Days since the newest commit by a person on the default branch.",
        "days",
    ),
    spec(
        "git_commits_365d",
        "int",
        "Commits by people in the last 365 days (git history).",
        "commits",
    ),
    spec("git_authors_total", "int", "Distinct developers (aliases merged, bots left out)."),
    spec("git_revision", "str", "The commit id the history signals were computed at."),
)
