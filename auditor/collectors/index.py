"""The ``index`` collector: who can publish a project, how it releases, what it declares.

Why the project JSON API and not core metadata: publishing accounts (``ownership``) and
the release history exist only there, and its ``info`` block carries the latest
release's classifiers, Requires-Python and Project-URLs in one request per project.
The index client caches the trimmed document, so an audit after ``graph`` is nearly free.

Not every index offers the project JSON API (vendor wheel indexes, many mirrors), and
not every one that does publishes ownership data. Each gap is an ``unknown`` with the
reason, never a zero and never a healthy default.

The package -> repository mapping lives here too (``map_project``) because it is read
from the same ``info`` block; the audit uses it to give other collectors their subjects.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import itertools
import re
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

import msgspec
from packaging.utils import canonicalize_name

from auditor.cache import Cache
from auditor.collectors.interface import (
    Collector,
    JSONValue,
    Signal,
    SignalSpec,
    Subject,
    spec,
)
from auditor.collectors.notice_cache import find_notice_cached, rules_fingerprint
from auditor.collectors.notices import Notice, find_notice
from auditor.datafiles import read_toml_files, rules_root
from auditor.index.client import (
    PROJECT_TTL,
    IndexClient,
    project_json_url,
    project_release_summary,
)
from auditor.index.history import (
    ReleaseSummary,
    moment,
    releases_from_project_json,
    summarise,
    summarise_history,
)
from auditor.repository import (
    DEFAULT_GITHUB_HOSTS,
    RepositoryRef,
    funding_links,
    is_ip_or_local,
    label_kind,
    map_repository,
)

FETCHED_NAMESPACE = "index-fetched"
#: (project name, summary, description) -> the notice the project gives about itself
NoticeFinder = Callable[[str, str | None, str | None], Notice | None]
_DEV_STATUS = "Development Status ::"
_SEGMENT = re.compile(r"^[A-Za-z0-9._-]+$")


SPECS: tuple[SignalSpec, ...] = (
    spec(
        "index_publishers",
        "list",
        "Accounts with a role of their own on the index ({role, user}: owners and"
        " maintainers), from the project JSON's ownership roles. An index organisation's"
        " members can publish too and are not listed.",
    ),
    spec(
        "index_publisher_count",
        "int",
        "Distinct accounts with their own role on the index; unknown (not zero) when an"
        " index organisation owns the project and lists none, as its members publish.",
        "accounts",
    ),
    spec(
        "index_organization",
        "str",
        "The index organisation that owns the project; null (known) when it has none.",
    ),
    spec(
        "days_since_release",
        "int",
        "Days since the newest non-yanked release was uploaded.",
        "days",
    ),
    spec(
        "index_releases_365d",
        "int",
        "Releases (yanked ones included: they still show activity) uploaded in the last 365 days.",
        "releases",
    ),
    spec(
        "first_release_age_days",
        "int",
        "Days since the project's first release was uploaded: how long it has existed.",
        "days",
    ),
    spec(
        "latest_release_yanked",
        "bool",
        "The highest released version (final releases preferred) is yanked.",
    ),
    spec(
        "development_status",
        "str",
        "The 'Development Status' classifier of the latest release, e.g. '5 - Production/Stable'.",
    ),
    spec(
        "declared_inactive",
        "bool",
        "The project declares itself inactive ('Development Status :: 7 - Inactive').",
    ),
    spec(
        "declared_planning",
        "bool",
        "The project declares itself in planning ('Development Status :: 1 - Planning').",
    ),
    spec(
        "index_releases_730d",
        "int",
        "Releases uploaded in the last 730 days (two years).",
        "releases",
    ),
    spec(
        "release_count",
        "int",
        "Versions ever released (with at least one file): a long history is a rhythm, a"
        " handful of releases may be a small finished tool.",
        "releases",
    ),
    spec(
        "median_release_gap_days",
        "float",
        "Median days between consecutive releases over the last 20 before the newest:"
        " the project's own rhythm. Unknown with fewer than 3 releases.",
        "days",
    ),
    spec(
        "release_gap_ratio",
        "float",
        "Days since the newest release divided by the median gap (at least 7 days): how"
        " overdue the next release is against the project's own rhythm.",
    ),
    spec(
        "index_org_owned",
        "bool",
        "An index organisation owns the project (ownership.organization is set).",
    ),
    spec(
        "index_publisher_company",
        "str",
        "The large company (rules/large-companies.toml) whose account is the sole"
        " publishing account, or '' when it is not a listed company's.",
    ),
    spec(
        "deprecation_notice",
        "str",
        "The sentence of the summary or description in which the project says it is"
        " deprecated, unmaintained, archived, at end of life or moved (quoted, cleaned,"
        " at most 280 characters); '' when it says none of that.",
    ),
    spec(
        "successor",
        "str",
        "The project a deprecation notice points users to ('use X instead', 'moved to"
        " X'); '' when the notice names none or there is no notice.",
    ),
    spec(
        "open_vulnerabilities",
        "int",
        "Known vulnerabilities the index lists for the newest release and not withdrawn:"
        " they affect the latest version, so no release fixes them yet.",
        "advisories",
    ),
    spec(
        "open_vulnerability_ids",
        "list",
        "Ids (with aliases) of the advisories counted in open_vulnerabilities.",
    ),
    spec("requires_python", "str", "The latest release's Requires-Python specifier."),
    spec(
        "repository_url",
        "str",
        "The source repository the project links to (any host; only GitHub links are fetched).",
    ),
    spec(
        "repository_confidence",
        "str",
        "How the repository was found, as a confidence: high (a source-labelled"
        " Project-URL), medium (the homepage or an issues/changelog link into it), low"
        " (any other link, or a source link on a host we do not fetch from).",
    ),
    spec(
        "funding_links_index",
        "list",
        "Funding links ({platform, url}) among the Project-URLs (funding, sponsor, donate"
        " labels, or a known funding platform).",
    ),
    spec("homepage", "str", "The project's homepage (Home-page or a 'Homepage' Project-URL)."),
)
NAMES: tuple[str, ...] = tuple(s.name for s in SPECS)


@dataclass(frozen=True, kw_only=True)
class RepoMapping:
    """Where a project's source lives, as far as its declared links say.

    ``ref`` is set for a GitHub repository, and for a source-labelled link on another
    host that names ``owner/repo`` (recorded, and clonable only if the user allows the
    host). ``url`` without ``ref`` is a link recorded but never followed.
    """

    ref: RepositoryRef | None
    url: str | None
    confidence: str | None
    how: str | None


def map_project(
    info: Mapping[str, Any], *, github_hosts: Iterable[str] = DEFAULT_GITHUB_HOSTS
) -> RepoMapping:
    """The repository a project's ``info`` block points at, and how it was found."""
    urls = _project_urls(info)
    home_page = _str(info.get("home_page"))
    ref = map_repository(urls, home_page=home_page, github_hosts=github_hosts)
    if ref is not None:
        return RepoMapping(ref=ref, url=ref.url, confidence=ref.confidence, how=ref.how)
    for label, url in urls.items():
        if label_kind(label) != "source":
            continue
        clean = _without_userinfo(url.strip())
        how = f"Project-URL {label!r} on {_host(clean) or 'an unknown host'}, not GitHub"
        return RepoMapping(
            ref=_foreign_ref(clean, how), url=clean, confidence="low", how=how + " (not fetched)"
        )
    return RepoMapping(ref=None, url=None, confidence=None, how=None)


def _without_userinfo(url: str) -> str:
    """The link without ``user:password@``: a report never repeats credentials, even ones
    a project published by mistake (GitHub links are cleaned the same way)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def _foreign_ref(url: str, how: str) -> RepositoryRef | None:
    """A RepositoryRef for ``https://host/owner/repo`` on a non-GitHub host, else None."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    segments = [s for s in parts.path.split("/") if s]
    if parts.scheme not in {"http", "https"} or not host or len(segments) < 2:
        return None
    owner, name = segments[0], segments[1].removesuffix(".git")
    if not (_SEGMENT.match(owner) and _SEGMENT.match(name)):
        return None
    return RepositoryRef(
        url=f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/{owner}/{name}",
        host=host,
        owner=owner,
        name=name,
        confidence="low",
        how=how + (" (a local or private address)" if is_ip_or_local(host) else ""),
    )


class IndexCollector(Collector):
    """Project-level signals from the index's project JSON API."""

    name: ClassVar[str] = "index"
    provides: ClassVar[tuple[SignalSpec, ...]] = SPECS

    def __init__(
        self,
        client: IndexClient,
        *,
        now: datetime | None = None,
        github_hosts: Iterable[str] = DEFAULT_GITHUB_HOSTS,
    ) -> None:
        self.client = client
        self.now = now
        self.github_hosts = tuple(github_hosts)
        # id(info) -> (that info block, its mapping): the audit maps every package before
        # the collectors run (``run.map_repositories``), and the answer is the same here.
        # The block itself is kept, so its id cannot be reused by another object.
        self._mapped: dict[int, tuple[Mapping[str, Any], RepoMapping]] = {}
        # Package -> its ProjectFacts this run (None: no document), from the cache or the
        # document: the audit asks for the mappings first, the collector for the rest.
        self._facts: dict[str, ProjectFacts | None] = {}
        self._context: str | bool | None = False  # False: not computed yet

    def map_project(self, info: Mapping[str, Any]) -> RepoMapping:
        """``map_project(info)`` with this collector's GitHub hosts, once per info block."""
        hit = self._mapped.get(id(info))
        if hit is not None and hit[0] is info:
            return hit[1]
        mapping = map_project(info, github_hosts=self.github_hosts)
        self._mapped[id(info)] = (info, mapping)
        return mapping

    def project_facts(
        self, names: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> dict[str, ProjectFacts | None]:
        """Each package's ``ProjectFacts``, None for one without a project document.

        Read from the row cached beside each document when it belongs to that very
        document and was derived under this collector's context (``facts_context``);
        otherwise derived from the document (``project_json``) and stored for the next
        run. Once per package per run. ``progress(done)`` hears each package answered.
        """
        out: dict[str, ProjectFacts | None] = {}
        todo = [n for n in dict.fromkeys(names) if n not in self._facts]
        context = self._facts_context()
        stored = self.client.derived(todo, context) if context is not None and todo else {}
        notice_finder = functools.partial(find_notice_cached, self.client.cache)
        for done, name in enumerate(names, 1):
            if name not in self._facts:
                raw = stored.get(canonicalize_name(name))
                facts = facts_from_row(name, raw) if raw is not None else None
                if facts is None:
                    facts = self._derive(name, context, notice_finder)
                self._facts[name] = facts
            out[name] = self._facts[name]
            if progress is not None:
                progress(done)
        return out

    def _derive(
        self, name: str, context: str | None, notice_finder: NoticeFinder
    ) -> ProjectFacts | None:
        """The facts from the document itself, stored for the next run when they can be."""
        doc = self.client.project_json(name)
        if not isinstance(doc, dict):
            return None
        info = doc.get("info")
        facts = project_facts(
            doc,
            github_hosts=self.github_hosts,
            name=name,
            notice_finder=notice_finder,
            mapping=self.map_project(info) if isinstance(info, dict) else None,
        )
        if context is not None:
            self.client.put_derived(name, context, facts_to_row(name, facts))
        return facts

    def _facts_context(self) -> str | None:
        if self._context is False:
            self._context = facts_context(self.github_hosts)
        return self._context if isinstance(self._context, str) else None

    def collect(self, subjects: Sequence[Subject]) -> Mapping[str, Sequence[Signal]]:
        now = self.now if self.now is not None else datetime.now(UTC)
        out: dict[str, list[Signal]] = {}
        facts = self.project_facts([s.package for s in subjects])
        have = [s.package for s in subjects if facts[s.package] is not None]
        # Read in one query each rather than one per package; only for the packages with
        # a document, as before (a history missing from the cache is fetched).
        histories = self.client.release_summaries(have)
        index = self.client.index_urls[0]
        markers = self.client.cache.get_many(FETCHED_NAMESPACE, [f"{index}|{n}" for n in have])
        for subject in subjects:
            name = subject.package
            known = facts[name]
            if known is None:
                reason = self._missing_reason(name)
                out[name] = [Signal.unknown(n, self.name, now, reason) for n in NAMES]
                continue
            source = self._source(name)
            fetched_at = self._fetched_at(name, now, markers.get(f"{index}|{name}"))
            history = histories.get(canonicalize_name(name))
            # Without a history from the simple API the document's own release summary
            # is read (an index whose pages give no upload times): the rare case.
            doc = self.client.project_json(name) if history is None else None
            values = _with_releases(known, doc if isinstance(doc, dict) else {}, history, now)
            signals: list[Signal] = []
            for n in NAMES:
                v = values[n]
                if isinstance(v, _Known):
                    signals.append(
                        Signal(name=n, value=v.value, source=source, fetched_at=fetched_at)
                    )
                else:
                    signals.append(Signal.unknown(n, source, fetched_at, v))
            out[name] = signals
        return out

    # -- internals ------------------------------------------------------------------------

    def _missing_reason(self, name: str) -> str:
        failure = self.client.project_json_failure(name)
        if failure is not None:
            return project_json_fault(failure)
        if self.client.project_json_unsupported():
            return (
                "this index answers 404 for the project JSON of projects it lists: it "
                "seems to offer no project JSON API, so publishers and release history "
                "are not available"
            )
        if project_json_url(self.client.index_urls[0], name) is None:
            return (
                "this index offers no project JSON API (its URL does not end in /simple), "
                "so publishers and release history are not available"
            )
        # Offline without a cached copy is a failure (above); offline with no failure is
        # a 404 the cache remembers, so the same reason as online.
        return "the index has no project JSON document for this project (404)"

    def _source(self, name: str) -> str:
        url = project_json_url(self.client.index_urls[0], name) or self.client.index_urls[0]
        parts = urlsplit(url)
        netloc = parts.netloc.rpartition("@")[2]  # never repeat credentials in a report
        return f"index:{parts.scheme}://{netloc}{parts.path}"

    def _fetched_at(self, name: str, now: datetime, raw: Any) -> datetime:
        """When the cached project JSON was fetched; the index client does not say, so a
        marker with the same lifetime is kept beside it (``raw``, read from the cache)."""
        cache: Cache = self.client.cache
        key = f"{self.client.index_urls[0]}|{name}"
        if isinstance(raw, str):
            try:
                stamp = datetime.fromisoformat(raw)
            except ValueError:
                stamp = None
            if stamp is not None and stamp <= now:
                return stamp
        cache.put(FETCHED_NAMESPACE, key, now.isoformat(), ttl=PROJECT_TTL)
        return now


def project_json_fault(failure: str) -> str:
    """The unknown reason for every signal lost when the project JSON failed this run."""
    return f"the index's project JSON could not be read this run: {failure}"


@dataclass(frozen=True)
class _Known:
    value: JSONValue


def project_signals(
    doc: Mapping[str, Any],
    *,
    now: datetime,
    github_hosts: Iterable[str] = DEFAULT_GITHUB_HOSTS,
    upload_times: Mapping[str, tuple[str, bool]] | None = None,
    name: str | None = None,
    notice_finder: NoticeFinder = find_notice,
    history: ReleaseSummary | None = None,
    mapping: RepoMapping | None = None,
) -> dict[str, _Known | str]:
    """Signal name -> known value or the reason it is unknown. Pure, for tests and reuse.

    ``upload_times`` (version -> earliest PEP 700 upload time, all files yanked) from the
    simple API is the release history when given, or ``history``, the same summarised
    (what the index client caches); the project JSON's ``releases`` key, which the index
    documents as deprecated, is the fallback. ``notice_finder`` is ``find_notice`` or the
    same answer remembered in the cache (``notice_cache``). ``mapping`` is
    ``map_project(info)`` when the caller has it already.
    """
    summary = history if history is not None else summarise_history(upload_times)
    facts = project_facts(
        doc, github_hosts=github_hosts, name=name, notice_finder=notice_finder, mapping=mapping
    )
    return _with_releases(facts, doc, summary, now)


def _with_releases(
    facts: ProjectFacts, doc: Mapping[str, Any], summary: ReleaseSummary | None, now: datetime
) -> dict[str, _Known | str]:
    """Every signal: the release ones from ``summary`` (or, without one, from ``doc``),
    the others from ``facts``."""
    out = _release_signals(doc, now) if summary is None else _release_stats(summary, now)
    out.update(facts.values)
    return out


@dataclass(frozen=True)
class ProjectFacts:
    """What a project's document says that does not depend on the moment: its repository
    mapping and every signal but the release ones (``FACT_NAMES``). Cached beside the
    document (``IndexCollector.project_facts``): only the release stats change with time."""

    mapping: RepoMapping
    values: Mapping[str, _Known | str]


def project_facts(
    doc: Mapping[str, Any],
    *,
    github_hosts: Iterable[str] = DEFAULT_GITHUB_HOSTS,
    name: str | None = None,
    notice_finder: NoticeFinder = find_notice,
    mapping: RepoMapping | None = None,
) -> ProjectFacts:
    """The now-independent part of ``project_signals`` (see there for the arguments)."""
    hosts = tuple(github_hosts)
    info = doc.get("info")
    info = info if isinstance(info, dict) else {}
    project = name or _str(info.get("name")) or ""
    out: dict[str, _Known | str] = {}
    out.update(_ownership_signals(doc.get("ownership")))
    out.update(_classifier_signals(info))
    out.update(_notice_signals(project, info, notice_finder))
    out.update(_vulnerability_signals(doc))
    requires_python = _str(info.get("requires_python"))
    out["requires_python"] = (
        _Known(requires_python)
        if requires_python
        else "the latest release declares no Requires-Python"
    )
    if mapping is None:
        mapping = map_project(info, github_hosts=hosts)
    no_repo = "no source repository link among the Project-URLs or the homepage"
    out["repository_url"] = _Known(mapping.url) if mapping.url else no_repo
    out["repository_confidence"] = _Known(mapping.confidence) if mapping.confidence else no_repo
    urls = _project_urls(info)
    out["funding_links_index"] = _Known(
        [
            {"platform": link["platform"], "url": link["url"]}
            for link in funding_links(urls, github_hosts=hosts)
        ]
    )
    homepage = _str(info.get("home_page")) or next(
        (u for label, u in urls.items() if label_kind(label) == "homepage"), None
    )
    out["homepage"] = _Known(homepage) if homepage else "the project declares no homepage"
    return ProjectFacts(mapping=mapping, values=out)


#: Raised whenever what ``project_facts`` derives, or how it is stored, changes: a cached
#: row of another format is recomputed from its document, never used.
FACTS_FORMAT = 1


class _StoredFacts(msgspec.Struct, frozen=True):
    """``ProjectFacts`` as cached: ``name`` is the project name the facts were derived
    under (the notice matcher reads it); ``known`` and ``unknown`` split the values."""

    name: str
    mapping: RepoMapping
    known: dict[str, Any]
    unknown: dict[str, str]


_FACTS_DECODER = msgspec.json.Decoder(_StoredFacts)


def facts_to_row(name: str, facts: ProjectFacts) -> dict[str, Any]:
    """``facts`` as the JSON value stored beside the document."""
    known = {n: v.value for n, v in facts.values.items() if isinstance(v, _Known)}
    unknown = {n: v for n, v in facts.values.items() if not isinstance(v, _Known)}
    return {
        "name": name,
        "mapping": msgspec.to_builtins(facts.mapping),
        "known": known,
        "unknown": unknown,
    }


def facts_from_row(name: str, raw: bytes | msgspec.Raw) -> ProjectFacts | None:
    """The stored facts, None when the row is damaged, of another shape, derived under
    another name, or does not hold every fact exactly once (then they are recomputed)."""
    try:
        row = _FACTS_DECODER.decode(raw)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    if row.name != name or row.known.keys() & row.unknown.keys():
        return None
    if row.known.keys() | row.unknown.keys() != FACT_NAMES:
        return None
    values: dict[str, _Known | str] = {n: _Known(v) for n, v in row.known.items()}
    values.update(row.unknown)
    return ProjectFacts(mapping=row.mapping, values=values)


def facts_context(github_hosts: Iterable[str]) -> str | None:
    """A digest of everything ``project_facts`` reads besides the document: its format,
    the notice matcher's source, the GitHub hosts and the company list. None when the
    matcher's source cannot be read (then nothing is cached, as in ``notice_cache``)."""
    rules = rules_fingerprint()
    if rules is None:
        return None
    parts = [FACTS_FORMAT, rules, list(github_hosts), sorted(_company_accounts().items())]
    return hashlib.sha256(msgspec.json.encode(parts)).hexdigest()


def _ownership_signals(ownership: Any) -> dict[str, _Known | str]:
    if not isinstance(ownership, dict) or not isinstance(ownership.get("roles"), list):
        why = "this index publishes no ownership data (who can publish) for the project"
        names = (
            "index_publishers",
            "index_publisher_count",
            "index_organization",
            "index_org_owned",
            "index_publisher_company",
        )
        return _all(names, why)
    roles = [
        {"role": str(r.get("role", "")), "user": str(r["user"])}
        for r in ownership["roles"]
        if isinstance(r, dict) and isinstance(r.get("user"), str) and r["user"]
    ]
    org = ownership.get("organization")
    owned = isinstance(org, str) and bool(org)
    out: dict[str, _Known | str] = {
        "index_organization": _Known(org if owned else None),
        "index_org_owned": _Known(owned),
    }
    users = sorted({r["user"].lower() for r in roles})
    if not roles:
        # ``roles`` lists only accounts with a role of their own: an organisation-owned
        # project (flask: {"organization": "pallets", "roles": []}) is published by the
        # organisation's members, whom the index does not list. Not zero: unknown.
        why = (
            f"the index organisation {org!r} owns the project and its members, who can"
            " publish, are not listed"
            if owned
            else "the index lists no publishing accounts for the project"
        )
        out["index_publishers"] = why
        out["index_publisher_count"] = why
    else:
        publishers: list[JSONValue] = [dict(r) for r in roles]
        out["index_publishers"] = _Known(publishers)
        out["index_publisher_count"] = _Known(len(users))
    accounts = [str(org)] if owned else users
    company = company_of_accounts(accounts) if len(users) <= 1 or owned else ""
    out["index_publisher_company"] = _Known(company or "")
    return out


@lru_cache(maxsize=1)
def _company_accounts() -> dict[str, str]:
    """Account or company name (lower case) -> company, from rules/large-companies.toml.

    Read here from the data file (not through auditor.sponsorship, which sits downstream):
    an account with a listed company's name is that company's, not one person's.
    """
    problems: list[str] = []
    out: dict[str, str] = {}
    for _, data in read_toml_files([rules_root() / "large-companies.toml"], problems):
        table = data.get("company")
        for cid, body in (table if isinstance(table, dict) else {}).items():
            if not isinstance(body, dict):
                continue
            name = str(body.get("name", cid))
            for key in ("github", "names"):
                values = body.get(key)
                for value in values if isinstance(values, list) else []:
                    if isinstance(value, str) and value.strip():
                        out[_account_key(value)] = name
    return out


def _account_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def company_of_accounts(accounts: Iterable[str]) -> str | None:
    """The listed company one of these index accounts belongs to, by name, if any."""
    known = _company_accounts()
    for account in accounts:
        key = _account_key(account)
        for candidate in (key, key.removesuffix("ai"), key.removesuffix("inc")):
            if candidate and candidate in known:
                return known[candidate]
    return None


_RELEASE_NAMES = (
    "days_since_release",
    "index_releases_365d",
    "index_releases_730d",
    "first_release_age_days",
    "latest_release_yanked",
    "release_count",
    "median_release_gap_days",
    "release_gap_ratio",
)
RHYTHM_WINDOW = 20  # releases whose gaps make the project's recent rhythm
#: The signals ``ProjectFacts`` holds: every one but the release signals.
FACT_NAMES = frozenset(NAMES) - frozenset(_RELEASE_NAMES)
MIN_GAP_DAYS = 7.0  # a burst of same-week fixes is not a weekly rhythm
_US_PER_SECOND = 1_000_000


def _release_signals(doc: Mapping[str, Any], now: datetime) -> dict[str, _Known | str]:
    """The release signals from the project JSON: its summary as the index client keeps
    it, or (a document kept before summaries, or not from the client) its releases map."""
    if "release_summary" in doc:
        listed = True  # the client keeps a summary only of a releases map
        summary = (
            None
            if doc["release_summary"] is None
            else project_release_summary(doc["release_summary"])
        )
    else:
        raw = doc.get("releases")
        listed = isinstance(raw, dict)
        summary = summarise(releases_from_project_json(raw))
    if summary is None:
        why = (
            "the index lists no releases with upload times for the project"
            if listed
            else "the index's project JSON has no release history"
        )
        return _all(_RELEASE_NAMES, why)
    return _release_stats(summary, now)


def _release_stats(summary: ReleaseSummary, now: datetime) -> dict[str, _Known | str]:
    """Recency, counts and rhythm of a release history (yanked releases count as
    activity; the newest live one is what users get).

    Only what depends on ``now`` is computed here; the summary holds the rest. Moments
    are integer microseconds, so ``(now_us - at) / 10**6`` is exactly the
    ``timedelta.total_seconds()`` the datetimes would give, and every age the same.
    """
    now_us = moment(now)

    def days(at: int) -> int:
        return max(0, int(((now_us - at) / _US_PER_SECOND) // 86400))

    times = summary.times

    def within(limit: int) -> int:
        # Ages fall as the moments rise: the first moment within the window, by bisection.
        return len(times) - bisect.bisect_left(times, True, key=lambda at: days(at) <= limit)

    out: dict[str, _Known | str] = {}
    out["index_releases_730d"] = _Known(within(730))
    out["release_count"] = _Known(len(times))
    recent = times[-(RHYTHM_WINDOW + 1) :]
    gaps = [((b - a) / _US_PER_SECOND) / 86400 for a, b in itertools.pairwise(recent)]
    if len(gaps) >= 2:
        median = statistics.median(gaps)
        out["median_release_gap_days"] = _Known(round(median, 1))
        since = days(times[-1])
        out["release_gap_ratio"] = _Known(round(since / max(median, MIN_GAP_DAYS), 2))
    else:
        why = f"{len(times)} release(s): too few for a rhythm"
        out["median_release_gap_days"] = why
        out["release_gap_ratio"] = why
    out["days_since_release"] = (
        _Known(days(summary.newest_live))
        if summary.newest_live is not None
        else "every release is yanked"
    )
    out["index_releases_365d"] = _Known(within(365))
    out["first_release_age_days"] = _Known(days(times[0]))
    out["latest_release_yanked"] = (
        _Known(summary.latest_yanked)
        if summary.latest_yanked is not None
        else "no release has a valid version number to call the latest"
    )
    return out


def _notice_signals(
    name: str, info: Mapping[str, Any], finder: NoticeFinder = find_notice
) -> dict[str, _Known | str]:
    summary = info.get("summary")
    description = info.get("description")
    notice = finder(
        name,
        summary if isinstance(summary, str) else None,
        description if isinstance(description, str) else None,
    )
    if notice is None:
        return {"deprecation_notice": _Known(""), "successor": _Known("")}
    return {
        "deprecation_notice": _Known(notice.quote),
        "successor": _Known(notice.successor or ""),
    }


def _vulnerability_signals(doc: Mapping[str, Any]) -> dict[str, _Known | str]:
    raw = doc.get("vulnerabilities")
    if not isinstance(raw, list):
        why = "the index's project JSON lists no vulnerability data for the project"
        return _all(("open_vulnerabilities", "open_vulnerability_ids"), why)
    ids: list[JSONValue] = []
    for vuln in raw:
        if not isinstance(vuln, dict) or vuln.get("withdrawn"):
            continue
        vid = vuln.get("id")
        aliases = [a for a in vuln.get("aliases") or [] if isinstance(a, str)]
        label = str(vid) if isinstance(vid, str) and vid else (aliases[0] if aliases else "?")
        ids.append(label + (f" ({', '.join(aliases)})" if aliases and aliases[0] != label else ""))
    return {"open_vulnerabilities": _Known(len(ids)), "open_vulnerability_ids": _Known(ids)}


def _classifier_signals(info: Mapping[str, Any]) -> dict[str, _Known | str]:
    classifiers = info.get("classifiers")
    if not isinstance(classifiers, list):
        why = "the index's project JSON carries no classifiers list"
        return _all(("development_status", "declared_inactive", "declared_planning"), why)
    statuses = sorted(
        c.split("::", 1)[1].strip()
        for c in classifiers
        if isinstance(c, str) and c.startswith(_DEV_STATUS)
    )
    out: dict[str, _Known | str] = {
        # The classifier is a declaration: reading none is knowing none was made.
        "declared_inactive": _Known(any(s.startswith("7") for s in statuses)),
        "declared_planning": _Known(any(s.startswith("1") for s in statuses)),
    }
    out["development_status"] = (
        _Known(statuses[-1])
        if statuses
        else "the project declares no 'Development Status' classifier"
    )
    return out


def _all(names: Iterable[str], why: str) -> dict[str, _Known | str]:
    return {name: why for name in names}


def _project_urls(info: Mapping[str, Any]) -> dict[str, str]:
    raw = info.get("project_urls")
    if not isinstance(raw, dict):
        return {}
    return {str(k): v for k, v in raw.items() if isinstance(v, str) and v.strip()}


def _str(value: Any) -> str | None:
    if isinstance(value, str) and value.strip() and value.strip().upper() != "UNKNOWN":
        return value.strip()
    return None


def _host(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None
