"""The small parts: DOA formula and truck factor, identities, organisations, exclusions."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditor.collectors.backends.git.doa import degree_of_authorship, file_authors, truck_factor
from auditor.collectors.backends.git.exclude import ExcludeMatcher, make_matcher
from auditor.collectors.backends.git.identities import is_bot, resolve
from auditor.collectors.backends.git.orgs import organisation
from auditor.collectors.backends.git.remote import parse_remote
from auditor.errors import InputError


def test_doa_formula() -> None:
    value = degree_of_authorship(created=True, own_changes=3, others_changes=4)
    assert value == pytest.approx(3.293 + 1.098 + 0.164 * 3 - 0.321 * math.log(5))


def test_file_authors_thresholds() -> None:
    # The creator edited three times, another developer once: only the creator
    # (4.66 against 3.01, a ratio of 0.65).
    assert file_authors({0}, {0: 3, 1: 1}) == {0}
    # One edit by another developer on a file nobody else changed is close enough to the
    # creator (3.46 against 4.17, 0.83) and above the absolute threshold: both.
    assert file_authors({0}, {1: 1}) == {0, 1}
    # Many later changes overtake the creator.
    assert file_authors({0}, {1: 20}) == {1}
    assert file_authors({0}, {0: 5, 1: 6}) == {0, 1}
    # Every developer who added the file has FA = 1, not only the first.
    assert file_authors({0, 1}, {0: 2}) == {0, 1}
    assert file_authors({0}, {0: 2}) == {0}
    # Changes by bots count in everyone's AC: the editor drops below 3.293.
    assert file_authors({0}, {1: 4}) == {0, 1}
    assert file_authors({0}, {1: 4}, others_total=30) == {0}
    assert file_authors(set(), {}) == frozenset()


@given(
    st.lists(
        st.frozensets(st.integers(min_value=0, max_value=6), max_size=3), min_size=1, max_size=40
    )
)
def test_truck_factor_is_the_greedy_cut(files: list[frozenset[int]]) -> None:
    result = truck_factor(files)
    removed = set(result.removed)

    def covered(gone: set[int]) -> int:
        return sum(1 for f in files if f - gone)

    assert covered(removed) * 2 < len(files) or not (set().union(*files) - removed)
    if result.value:
        assert covered(set(result.removed[:-1])) * 2 >= len(files)
    assert result.value == len(result.removed)


def test_bots() -> None:
    assert is_bot("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")
    assert is_bot("github-actions", "41898282+github-actions[bot]@users.noreply.github.com")
    assert is_bot("renovate-bot", "bot@renovateapp.com")
    assert is_bot("pre-commit-ci[bot]", "66853113+pre-commit-ci[bot]@users.noreply.github.com")
    assert is_bot("GitHub", "noreply@github.com")
    assert not is_bot("Abbot Talbot", "abbot@example.org")
    assert not is_bot("Jane", "123+jane@users.noreply.github.com")


def test_identity_merge_is_transitive_and_skips_placeholders() -> None:
    identities = [
        ("Ann", "ann@a.org"),
        ("Ann Lee", "ann@a.org"),
        ("Ann Lee", "lee@b.org"),
        ("root", "root@localhost"),
        ("Bo", "root@localhost"),
        ("unknown", "x@c.org"),
        ("unknown", "y@d.org"),
    ]
    result = resolve(identities, [5, 1, 1, 1, 1, 1, 1])
    dev = result.developer_of
    assert dev[0] == dev[1] == dev[2]
    assert dev[3] != dev[4]  # a shared placeholder address merges nobody
    assert dev[5] != dev[6]  # nor does a placeholder name
    first = dev[0]
    assert first is not None
    assert result.developers[first].name == "Ann"  # the most used spelling


def test_organisations() -> None:
    assert organisation("a@research.ibm.com") == "ibm.com"
    assert organisation("b@cs.ox.ac.uk") == "ox.ac.uk"
    assert organisation("c@gmail.com") is None
    assert organisation("d@yahoo.co.jp") is None
    assert organisation("1+e@users.noreply.github.com") is None
    assert organisation("no-at-sign") is None


def test_exclude_patterns() -> None:
    matcher = ExcludeMatcher.build(["vendor", "*.min.js", "docs/**", "src/gen/*.py"])
    assert matcher.excluded("vendor/x.py")
    assert matcher.excluded("a/b/vendor/c/d.py")
    assert matcher.excluded("web/app.min.js")
    assert matcher.excluded("docs/a/b.py")
    assert not matcher.excluded("sub/docs/a.py")  # anchored at the root
    assert matcher.excluded("src/gen/x.py")
    assert not matcher.excluded("src/gen/deep/x.py")
    assert not matcher.excluded("src/vendors.py")


def test_default_list_holds_the_studys_manual_rules() -> None:
    matcher = make_matcher()
    expected = {
        "examples/demo.py": "examples: examples",
        "src/pkg/example/x.js": "examples: example",
        "docs/conf.py": "docs: docs",
        "src/lib/doc/helper.rb": "docs: doc",
        "build/lib/x.py": "build_output: /build",
        "dist/app.js": "build_output: /dist",
        "benchmarks/run.py": "benchmarks: /benchmarks",
    }
    for path, rule in expected.items():
        assert matcher.reason(path) == rule, path
    # Build output and benchmarks only at the top: deeper folders of that name are source.
    for path in ("src/build/rules.py", "lib/benchmark/timer.c", "src/pkg/core.py", "setup.py"):
        assert matcher.reason(path) is None, path
    user = make_matcher(["gen/**"])
    assert user.reason("gen/a/b.py") == "--exclude: gen/**"
    assert make_matcher(["gen/**"], use_defaults=False).reason("docs/x.py") is None


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://github.com/a/b", "only https://"),
        ("https://gitlab.com/a/b", "not allowed"),
        ("https://user:pw@github.com/a/b", "credentials"),
        ("https://github.com/a", "expected"),
        ("https://github.com/a/b/tree/main", "not a repository"),
        ("https://github.com/-a/b", "expected"),
        ("https://github.com/a/b?x=1", "query"),
        ("ext::sh -c evil", "only https://"),
        ("http://127.0.0.1:9/a/b", "only https://"),
    ],
)
def test_refused_urls(url: str, why: str) -> None:
    with pytest.raises(InputError, match=why):
        parse_remote(url)


def test_accepted_urls() -> None:
    remote = parse_remote("https://GitHub.com/Owner/Repo.git/")
    assert (remote.host, remote.owner, remote.name) == ("github.com", "Owner", "Repo")
    assert remote.url == "https://github.com/Owner/Repo.git"
    other = parse_remote(
        "https://git.example.org/group/sub/proj", allowed_hosts=("git.example.org",)
    )
    assert (other.owner, other.name) == ("group/sub", "proj")
    loop = parse_remote("http://127.0.0.1:8080/o/r", allow_insecure_loopback=True)
    assert loop.host == "127.0.0.1:8080"
