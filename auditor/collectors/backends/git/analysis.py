"""From a repository and a commit id to ``HistoryFacts``: the expensive part, done once.

The steps, each in its own module: list the files present at the commit and drop the
excluded ones (``exclude``), read history in one pass (``history``), merge aliases and
drop bots (``identities``), decide each file's authors and the truck factor (``doa``),
and keep per-commit columns for the time-dependent metrics (``metrics``).
"""

from __future__ import annotations

from pathlib import Path

from .doa import file_authors, truck_factor
from .exclude import ExcludeMatcher
from .facts import HistoryFacts, Person
from .history import History, RenameMode, read_history
from .identities import Resolution, resolve
from .orgs import organisation
from .repo import list_files


def analyse(
    git_dir: Path,
    sha: str,
    *,
    matcher: ExcludeMatcher,
    rename: RenameMode = "similar",
) -> HistoryFacts:
    """Analyse the history reachable from commit ``sha`` of the repository at ``git_dir``."""
    present = list_files(git_dir, sha)
    kept = matcher.keep(present)
    history = read_history(git_dir, sha, rename=rename)
    resolution = resolve(history.identities, history.commit_weights())
    return summarise(
        history,
        resolution,
        kept=kept,
        files_total=len(present),
        sha=sha,
        rename=rename,
        excludes=matcher.patterns,
    )


def summarise(
    history: History,
    resolution: Resolution,
    *,
    kept: list[str],
    files_total: int,
    sha: str,
    rename: str,
    excludes: tuple[str, ...],
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

    authors_per_file: list[frozenset[int]] = []
    for path in kept:
        fid = history.live.get(path)
        if fid is None:
            authors_per_file.append(frozenset())
            continue
        record = history.files[fid]
        changes: dict[int, int] = {}
        for raw, count in record.changes.items():
            dev = developer_of[raw]
            if dev is not None:
                changes[dev] = changes.get(dev, 0) + count
        creator = None if record.creator is None else developer_of[record.creator]
        authors_per_file.append(file_authors(creator, changes))

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
        files_analysed=len(kept),
        files_orphaned=result.orphans,
        truck_factor=result.value if kept else None,
        truck_factor_developers=result.removed,
        authored_files=dict(result.authored),
        commit_developer=tuple(commit_developer),
        commit_time=tuple(commit_time),
        commit_organisation=tuple(commit_organisation),
        organisations=tuple(organisations),
        last_commit_time=last_commit,
    )
