"""Truck factor on histories whose answer is known by construction."""

from __future__ import annotations

from pathlib import Path

from auditor.collectors.backends.git import BusFactorReport, bus_factor, open_target
from auditor.collectors.backends.git.target import Target

from .conftest import Analyse
from .gitrepo import NOW, Commit, build_repo, content

ALICE = "Alice <alice@acme.com>"
BOB = "Bob <bob@globex.com>"
CAROL = "Carol <carol@initech.com>"


def names(report: BusFactorReport) -> list[str]:
    return [a.name for a in report.truck_factor_authors]


def test_one_author(analyse: Analyse) -> None:
    report = analyse(
        [
            Commit(ALICE, 30, {"a.py": content("a"), "b.py": content("b")}),
            Commit(ALICE, 20, {"a.py": content("a2"), "c.py": content("c")}),
        ]
    )
    assert report.truck_factor == 1
    assert names(report) == ["Alice"]
    assert report.truck_factor_authors[0].files == 3
    assert report.truck_factor_authors[0].share == 1.0


def test_two_authors_splitting_the_files(analyse: Analyse) -> None:
    report = analyse(
        [
            Commit(ALICE, 30, {"a1.py": content("a1"), "a2.py": content("a2")}),
            Commit(ALICE, 29, {"a1.py": content("a1b")}),
            Commit(BOB, 20, {"b1.py": content("b1"), "b2.py": content("b2")}),
        ]
    )
    assert report.truck_factor == 2
    # Equal files authored; Alice has more commits, so she is removed first.
    assert names(report) == ["Alice", "Bob"]
    assert [a.share for a in report.truck_factor_authors] == [0.5, 0.5]


def test_a_few_edits_do_not_make_an_author(analyse: Analyse) -> None:
    report = analyse(
        [
            Commit(ALICE, 30, {f"m{i}.py": content(f"m{i}") for i in range(4)}),
            Commit(BOB, 10, {"m0.py": content("bob edit")}),
        ]
    )
    assert report.truck_factor == 1
    assert names(report) == ["Alice"]


def test_rename_carries_history_to_the_new_path(analyse: Analyse) -> None:
    # Bob moves Alice's file and edits a line: git's similarity detection sees a
    # rename, so Alice keeps authorship; without it Bob would have "created" new.py.
    text = content("old")
    report = analyse(
        [
            Commit(ALICE, 30, {"old.py": text}),
            Commit(ALICE, 29, {"old.py": text + "more\n"}),
            Commit(BOB, 10, {"old.py": None, "new.py": text + "more, edited\n"}),
        ]
    )
    assert report.truck_factor == 1
    assert names(report) == ["Alice"]
    assert report.files_analysed == 1


def test_rename_modes(tmp_path: Path) -> None:
    text = content("old")
    path = build_repo(
        tmp_path / "r",
        [
            Commit(ALICE, 30, {"old.py": text}),
            *(Commit(ALICE, 29 - i, {"old.py": text + f"{i}\n"}) for i in range(3)),
            # Bob moves the file unchanged: one change of his against Alice's three.
            Commit(BOB, 10, {"old.py": None, "new.py": text + "2\n"}),
        ],
    )
    opened = open_target(str(path), cache_dir=tmp_path / "c")
    assert names(bus_factor(opened, now=NOW)) == ["Alice"]
    for mode in ("exact", "off"):
        target = Target(label="r", git_dir=opened.git_dir, remote=None, rename=mode)
        report = bus_factor(target, now=NOW)
        assert names(report) == (["Alice"] if mode == "exact" else ["Bob"])


def test_aliases_with_the_same_name_or_email_are_one_developer(analyse: Analyse) -> None:
    report = analyse(
        [
            Commit("Alice <alice@acme.com>", 40, {"a1.py": content("a1")}),
            Commit("Alice <alice@home.example.net>", 39, {"a2.py": content("a2")}),
            Commit("A. Smith <alice@acme.com>", 38, {"a3.py": content("a3")}),
            Commit(BOB, 30, {"b1.py": content("b1"), "b2.py": content("b2")}),
        ]
    )
    # Merged, Alice authors 3 of 5 files; split into aliases, Bob would lead with 2.
    assert report.truck_factor == 1
    assert names(report) == ["Alice"]
    assert report.authors == 2


def test_mailmap_is_honoured(analyse: Analyse) -> None:
    report = analyse(
        [
            Commit("Bob <bob@old.example.org>", 40, {"f1.py": content("1"), "f2.py": content("2")}),
            Commit("Robert <rob@new.example.org>", 30, {"f3.py": content("3")}),
            Commit(CAROL, 20, {"f4.py": content("4"), "f5.py": content("5")}),
            Commit(
                CAROL,
                10,
                {".mailmap": "Robert <rob@new.example.org> <bob@old.example.org>\n"},
            ),
        ]
    )
    assert report.truck_factor == 1
    assert names(report) == ["Robert"]
    assert report.truck_factor_authors[0].email == "rob@new.example.org"


def test_mailmap_is_read_from_the_analysed_revision(analyse: Analyse) -> None:
    commits = [
        Commit("Bob <bob@old.example.org>", 40, {"f1.py": content("1"), "f2.py": content("2")}),
        Commit("Robert <rob@new.example.org>", 30, {"f3.py": content("3")}),
        Commit(CAROL, 20, {"f4.py": content("4"), "f5.py": content("5")}),
        Commit(CAROL, 10, {".mailmap": "Robert <rob@new.example.org> <bob@old.example.org>\n"}),
    ]
    before = analyse(commits, rev="main~1")
    assert before.truck_factor == 2
    assert "Robert" not in names(before)


def test_bots_are_left_out(analyse: Analyse) -> None:
    bot = "dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>"
    commits = [
        Commit(ALICE, 100, {"a.py": content("a"), "b.py": content("b"), "c.py": content("c")}),
        Commit(bot, 90, {"d.py": content("d")}),
    ]
    commits += [Commit(bot, 80 - i, {"a.py": content(f"a{i}")}) for i in range(20)]
    report = analyse(commits)
    assert report.truck_factor == 1
    assert names(report) == ["Alice"]
    assert report.files_orphaned == 1  # d.py: only a bot ever touched it
    assert report.authors == 1
    assert report.commits == 1
    assert report.bots_excluded == (
        "dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>",
    )


def test_ties_are_broken_by_commits_then_name(analyse: Analyse) -> None:
    zed, amy, bob = "Zed <zed@z.example.org>", "Amy <amy@a.example.org>", "Bob <b@b.example.org>"
    files = {zed: "z.py", amy: "a.py", bob: "b.py"}
    base = [
        Commit(who, 30 - i, {path: content(path)}) for i, (who, path) in enumerate(files.items())
    ]
    report = analyse(base)
    # Three sole authors of one file each: two must go before fewer than half remain;
    # all tie on files and commits, so names decide, independent of history order.
    assert report.truck_factor == 2
    assert names(report) == ["Amy", "Bob"]
    assert names(analyse(list(reversed(base)))) == ["Amy", "Bob"]

    extra = [*base, Commit(zed, 5, {"z.py": content("z2")})]
    assert names(analyse(extra)) == ["Zed", "Amy"]


def test_deleted_files_do_not_count(analyse: Analyse) -> None:
    report = analyse(
        [
            Commit(
                BOB, 50, {"b1.py": content("b1"), "b2.py": content("b2"), "b3.py": content("b3")}
            ),
            Commit(ALICE, 40, {"a.py": content("a")}),
            Commit(ALICE, 30, {"b1.py": None, "b2.py": None, "b3.py": None}),
        ]
    )
    assert report.truck_factor == 1
    assert names(report) == ["Alice"]
    assert report.files_total == 1


def test_merge_commits_add_no_changes(analyse: Analyse) -> None:
    report = analyse(
        [
            Commit(ALICE, 50, {"a.py": content("a")}),
            Commit(BOB, 40, {"b.py": content("b"), "c.py": content("c")}, branch="topic"),
            Commit(ALICE, 30, {"b.py": content("b"), "c.py": content("c")}, merge="topic"),
        ]
    )
    assert names(report) == ["Bob"]  # Alice merged b.py and c.py but wrote only a.py
    assert {a.name: a.files for a in report.top_authors} == {"Alice": 1, "Bob": 2}
    assert report.commits == 2  # the merge is not a contribution
    assert report.last_commit_days == 30  # but it is the last sign of life
