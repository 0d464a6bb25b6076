"""The signals the GitHub collector provides, and the per-repository record that fills them.

Every name here is a contract with rules/*.toml and the reports; the descriptions say
what the number means so a rule author does not have to read the collector.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from auditor.collectors.interface import JSONValue, SignalSpec

#: the collector's name, as reports and unknown reasons show it
COLLECTOR = "github"

SPECS: tuple[SignalSpec, ...] = (
    SignalSpec(name="archived", type="bool", description="The repository is archived."),
    SignalSpec(name="disabled", type="bool", description="GitHub has disabled the repository."),
    SignalSpec(name="fork", type="bool", description="The repository is a fork of another."),
    SignalSpec(
        name="pushed_days_ago",
        type="int",
        unit="days",
        description="Days since the last push to any branch.",
    ),
    SignalSpec(
        name="owner_type",
        type="str",
        description="'User' or 'Organization': who owns the repository.",
    ),
    SignalSpec(name="stars", type="int", description="Stargazers."),
    SignalSpec(
        name="open_issues",
        type="int",
        description="Open issues plus open pull requests, as GitHub's open_issues_count.",
    ),
    SignalSpec(
        name="contributors_count",
        type="int",
        description="Contributors over all history, anonymous (unlinked e-mail) ones "
        "included (REST contributors list; without a token only: GraphQL has no "
        "equivalent, so a token run leaves it unknown and says why).",
    ),
    SignalSpec(
        name="top_contributor_share",
        type="float",
        description="Share (0..1) of commits made by the single largest contributor. "
        "Without a token: over all history (REST contributors). With a token: over the "
        "newest commits of the last 365 days on the default branch (up to 100 by "
        "default), authors told apart by GitHub account, else e-mail; bots left out.",
    ),
    SignalSpec(
        name="contributor_absence_factor_github",
        type="int",
        description="CHAOSS contributor absence factor: the fewest contributors whose "
        "commits exceed 50% of the total. Without a token over all history; with a "
        "token over the same commit sample as top_contributor_share (last 365 days).",
    ),
    SignalSpec(
        name="commits_90d",
        type="int",
        description="Commits on the default branch in the last 90 days.",
    ),
    SignalSpec(
        name="commits_365d",
        type="int",
        description="Commits on the default branch in the last 365 days.",
    ),
    SignalSpec(
        name="committers_90d",
        type="int",
        description="Distinct commit authors in the last 90 days. Without a token: "
        "GitHub's statistics (top 100 contributors, linked accounts). With a token: "
        "authors of the commits read (see top_contributor_share); when the window has "
        "more commits than were read it is a lower bound, and unknown if below two.",
    ),
    SignalSpec(
        name="committers_365d",
        type="int",
        description="Distinct commit authors in the last 365 days, counted as "
        "committers_90d is (a lower bound when not every commit of the window was read).",
    ),
    SignalSpec(
        name="releases_365d",
        type="int",
        description="GitHub releases published in the last 365 days (at most 100 counted).",
    ),
    SignalSpec(
        name="top_contributor_orgs",
        type="list",
        description="Normalised employers (profile 'company') of the top 3 contributors: "
        "all-time contributors without a token, the most frequent commit authors of the "
        "sampled last-365-days commits with one.",
    ),
    SignalSpec(
        name="funding_links",
        type="list",
        description="Funding links as {platform, url}, from the repository's FUNDING.yml, "
        "else the owner's .github repository.",
    ),
    SignalSpec(
        name="has_sponsors_listing",
        type="bool",
        description="The owner has a GitHub Sponsors profile.",
    ),
    SignalSpec(
        name="issue_response_median_hours",
        type="float",
        unit="hours",
        description="Median hours from opening to the first comment by an owner, member "
        "or collaborator, for issues opened in the last 90 days by anyone else (the "
        "newest 50 with a token, 100 without); unanswered issues count with their age "
        "so far.",
    ),
    SignalSpec(
        name="repository_renamed_to",
        type="str",
        description="'owner/name' the repository now lives at, or '' if it was not renamed.",
    ),
)
NAMES: tuple[str, ...] = tuple(spec.name for spec in SPECS)

# Signals that only the GraphQL API offers; without a token they are always unknown.
GRAPHQL_ONLY: frozenset[str] = frozenset({"has_sponsors_listing"})
# Signals that only REST offers; with a token (GraphQL only) they are always unknown.
REST_ONLY: frozenset[str] = frozenset({"contributors_count"})

META = (
    "archived",
    "disabled",
    "fork",
    "pushed_days_ago",
    "owner_type",
    "stars",
    "open_issues",
    "repository_renamed_to",
)
CONTRIBUTORS = ("contributors_count", "top_contributor_share", "contributor_absence_factor_github")
COMMITS = ("commits_90d", "commits_365d")
COMMITTERS = ("committers_90d", "committers_365d")


@dataclass
class RepoRecord:
    """What one repository yielded: values, and a reason for every signal it lacks.

    Mutable on purpose: the steps of a pass (batch answer, commit pages; or REST steps)
    fill it in turn. ``transient``
    marks reasons that may clear on the next run (rate limits, server errors), so the
    record is not cached for a day.
    """

    values: dict[str, JSONValue] = field(default_factory=dict)
    unknown: dict[str, str] = field(default_factory=dict)
    transient: bool = False
    final_slug: str | None = None

    def set(self, name: str, value: JSONValue) -> None:
        self.values[name] = value
        self.unknown.pop(name, None)

    def miss(self, names: Iterable[str], reason: str, *, transient: bool = False) -> None:
        for name in names:
            if name not in self.values:
                self.unknown.setdefault(name, reason)
        self.transient = self.transient or transient

    def has(self, name: str) -> bool:
        return name in self.values

    def complete(self, default_reason: str) -> None:
        """Give every signal still missing a reason, so none is left out silently."""
        for name in NAMES:
            if name not in self.values:
                self.unknown.setdefault(name, default_reason)

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "values": dict(self.values),
            "unknown": dict(self.unknown),
            "final_slug": self.final_slug,
        }

    @classmethod
    def from_json(cls, data: object) -> RepoRecord | None:
        if not isinstance(data, dict):
            return None
        values, unknown = data.get("values"), data.get("unknown")
        if not isinstance(values, dict) or not isinstance(unknown, dict):
            return None
        final = data.get("final_slug")
        return cls(
            values=dict(values),
            unknown={str(k): str(v) for k, v in unknown.items()},
            final_slug=final if isinstance(final, str) else None,
        )
