"""Absence factor, active authors, distribution and elephant factor, by construction."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from auditor.collectors.backends.git.metrics import absence_factor

from .conftest import Analyse
from .gitrepo import NOW, Commit, content

ALICE = "Alice <alice@acme.com>"  # organisation acme.com
BOB = "Bob <bob@eu.globex.com>"  # organisation globex.com (subdomain folded)
CAROL = "Carol <carol@gmail.com>"  # public provider: no organisation


def history() -> list[Commit]:
    commits = [Commit(ALICE, 730 - i, {f"a{i}.py": content(f"a{i}")}) for i in range(3)]
    commits += [Commit(BOB, 200 - i, {f"b{i}.py": content(f"b{i}")}) for i in range(3)]
    commits += [Commit(CAROL, 30 - i, {f"c{i}.py": content(f"c{i}")}) for i in range(4)]
    return commits


def test_activity_metrics(analyse: Analyse) -> None:
    report = analyse(history())
    assert report.commits == 10
    assert report.contributor_absence_factor == 2  # Carol 4 + Alice 3 > 5
    assert report.contributor_absence_factor_365d == 1  # Carol 4 of 7
    assert report.active_authors_90d == 1
    assert report.active_authors_365d == 2
    assert report.developer_distribution == 1 - 4 / 10
    assert report.commits_365d == 7
    assert report.last_commit_days == 27
    assert report.authors == 3


def test_elephant_factor_counts_organisations_only(analyse: Analyse) -> None:
    report = analyse(history())
    assert report.elephant_factor == 2  # acme 3 and globex 3 of 6; gmail not counted
    assert report.elephant_factor_365d == 1  # only globex in the last year
    assert [(o.name, o.commits) for o in report.organisations] == [
        ("acme.com", 3),
        ("globex.com", 3),
    ]


def test_now_moves_the_windows_even_for_a_pinned_revision(analyse: Analyse) -> None:
    later = analyse(history(), rev="main", now=NOW + timedelta(days=400))
    assert later.active_authors_365d == 0
    assert later.contributor_absence_factor_365d == 0
    assert later.elephant_factor_365d is None
    assert later.last_commit_days == 427


def test_public_addresses_only_give_no_elephant_factor(analyse: Analyse) -> None:
    report = analyse(
        [
            Commit(CAROL, 10, {"a.py": content("a")}),
            Commit("Dan <123+dan@users.noreply.github.com>", 5, {"b.py": content("b")}),
        ]
    )
    assert report.elephant_factor is None
    assert report.organisations == ()


def test_json_shape(analyse: Analyse) -> None:
    data = analyse(history()).to_json()
    assert data["schema"] == "auditor.bus-factor/1"
    assert data["files"] == {"total": 10, "analysed": 10, "excluded": 0, "orphaned": 0}
    assert data["now"] == NOW.isoformat()
    assert set(data) >= {
        "truck_factor",
        "truck_factor_authors",
        "contributor_absence_factor",
        "active_authors_365d",
        "developer_distribution",
        "elephant_factor",
    }


@given(st.lists(st.integers(min_value=0, max_value=1000), max_size=30))
def test_absence_factor_is_the_smallest_majority(counts: list[int]) -> None:
    k = absence_factor(counts)
    ordered = sorted(counts, reverse=True)
    total = sum(counts)
    if total == 0:
        assert k == 0
        return
    assert sum(ordered[:k]) * 2 > total
    assert sum(ordered[: k - 1]) * 2 <= total
