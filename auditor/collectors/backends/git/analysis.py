"""From a repository and a commit id to ``HistoryFacts``: the expensive part, done once.

The steps, each in its own module: classify the files present at the commit as GitHub
Linguist does, then apply the study's manual rules and the user's exclusions
(``linguist``, ``exclude``); read history in one pass, falling back when file contents
are missing (``history``, ``missing``); merge aliases and drop bots (``identities``);
decide each file's authors and the truck factor (``doa``); and keep per-commit columns
for the time-dependent metrics (``metrics``).
"""

from __future__ import annotations

from pathlib import Path

from .doa import file_authors, truck_factor
from .exclude import ExcludeMatcher
from .facts import AnalysedFile, Evidence, HistoryFacts, Person
from .history import History, RenameMode
from .identities import Resolution, resolve
from .linguist import Classification, classify, list_tree
from .missing import read_history_resilient
from .orgs import organisation

NO_HISTORY = "no history: the path was never added in the analysed history"
SKIPPED_HISTORY = "history skipped: file contents missing from the repository"


def analyse(
    git_dir: Path,
    sha: str,
    *,
    matcher: ExcludeMatcher,
    rename: RenameMode = "similar",
    fetch: bool = True,
) -> HistoryFacts:
    """Analyse the history reachable from commit ``sha`` of the repository at ``git_dir``.

    ``fetch`` false (``--offline``): a partial clone's missing file contents are not
    fetched; those files are classified by name.
    """
    entries = list_tree(git_dir, sha)
    classification = classify(git_dir, entries, matcher, commit=sha, fetch=fetch)
    read = read_history_resilient(git_dir, sha, rename=rename)
    resolution = resolve(read.history.identities, read.history.commit_weights())
    return summarise(
        read.history,
        resolution,
        classification=classification,
        skipped_paths=read.skipped_paths,
        files_total=sum(1 for e in entries if e.kind == "blob"),
        sha=sha,
        rename=read.rename,
        excludes=matcher.patterns,
        notes=(*classification.notes, *read.notes),
    )


def summarise(
    history: History,
    resolution: Resolution,
    *,
    classification: Classification,
    skipped_paths: frozenset[str] = frozenset(),
    files_total: int,
    sha: str,
    rename: str,
    excludes: tuple[str, ...],
    notes: tuple[str, ...] = (),
) -> HistoryFacts:
    """Combine parsed history and merged identities into the cacheable facts."""
    developer_of = resolution.developer_of
    commits_by_dev = [0] * len(resolution.developers)
    commit_developer: list[int] = []
    commit_time: list[int] = []
    commit_organisation: list[int] = []
    organisations: dict[str, int] = {}
    org_of_identity: dict[int, int] = {}
    last_commit: int | None = None
    for raw, when, committed, is_merge in zip(
        history.author, history.author_time, history.commit_time, history.merge, strict=True
    ):
        dev = developer_of[raw]
        if dev is None:
            continue
        if last_commit is None or committed > last_commit:
            last_commit = committed
        if is_merge:
            continue
        org_index = org_of_identity.get(raw)
        if org_index is None:
            org = organisation(history.identities[raw][1])
            org_index = -1 if org is None else organisations.setdefault(org, len(organisations))
            org_of_identity[raw] = org_index
        commits_by_dev[dev] += 1
        commit_developer.append(dev)
        commit_time.append(when)
        commit_organisation.append(org_index)

    excluded = dict(classification.excluded)
    analysed: list[AnalysedFile] = []
    authors_per_file: list[frozenset[int]] = []
    for path in sorted(classification.kept):
        if path in skipped_paths:
            excluded[path] = SKIPPED_HISTORY
            continue
        lineage = history.lineage(path)
        if lineage is None:
            excluded[path] = NO_HISTORY
            continue
        adders, raw_changes = lineage
        creators = {d for r in adders if (d := developer_of[r]) is not None}
        changes: dict[int, int] = {}
        by_bots = 0
        for raw, count in raw_changes.items():
            dev = developer_of[raw]
            if dev is None:
                by_bots += count
            else:
                changes[dev] = changes.get(dev, 0) + count
        authors = file_authors(creators, changes, others_total=by_bots)
        authors_per_file.append(authors)
        analysed.append(
            AnalysedFile(
                path=path, language=classification.kept[path], authors=tuple(sorted(authors))
            )
        )

    people = resolution.developers
    tie_key: dict[int, tuple[int | str, ...]] = {
        p.id: (-commits_by_dev[p.id], p.name.casefold(), p.name) for p in people
    }
    result = truck_factor(authors_per_file, tie_key=tie_key)
    return HistoryFacts(
        revision=sha,
        rename_detection=rename,
        excludes=excludes,
        people=tuple(Person(name=p.name, email=p.email) for p in people),
        bots=resolution.bots,
        files_total=files_total,
        files_analysed=len(analysed),
        files_orphaned=result.orphans,
        truck_factor=result.value if analysed else None,
        truck_factor_developers=result.removed,
        authored_files=dict(result.authored),
        commit_developer=tuple(commit_developer),
        commit_time=tuple(commit_time),
        commit_organisation=tuple(commit_organisation),
        organisations=tuple(organisations),
        last_commit_time=last_commit,
        notes=notes,
        evidence=Evidence(analysed=tuple(analysed), excluded=tuple(sorted(excluded.items()))),
    )
