"""The latest release is found without parsing every version, with packaging's answer.

``latest`` compares plain release numbers as integers and parses only the rest; the
reference below is the plain definition (parse all, finals preferred, first maximal).
"""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.version import InvalidVersion, Version

from auditor.index.history import Release as _Release
from auditor.index.history import latest as _latest

MOMENT = datetime(2026, 1, 1, tzinfo=UTC)


def reference(releases: list[_Release]) -> _Release | None:
    parsed: list[tuple[Version, _Release]] = []
    for r in releases:
        try:
            parsed.append((Version(r.version), r))
        except InvalidVersion:
            continue
    if not parsed:
        return None
    finals = [p for p in parsed if not p[0].is_prerelease] or parsed
    return max(finals, key=lambda p: p[0])[1]


PLAIN = st.lists(st.integers(0, 12), min_size=1, max_size=4).map(
    lambda parts: ".".join(str(p) for p in parts)
)
SUFFIX = st.sampled_from(
    ["", "", "", "a1", "b2", "rc1", ".post1", ".dev0", "+local", ".0", ".00", "-1", "rc"]
)
MORE_SUFFIXES = st.sampled_from(
    ["rc1.dev2", "a0.dev0", "c1", ".pre1", "-dev3", "b1.post1", "rc1+local"]
)
VERSION = st.one_of(
    st.builds(lambda p, s: p + s, PLAIN, SUFFIX),
    st.builds(lambda p, s: p + s, PLAIN, MORE_SUFFIXES),
    st.builds(lambda p: "v" + p, PLAIN),
    st.builds(lambda p: "1!" + p, PLAIN),
    st.builds(lambda p: "0" + p, PLAIN),  # leading zeros: 01.2 == 1.2
    st.sampled_from(["", "latest", "1.0-beta", " 1.0", "1..0", "1.0.", "٣.1", "9" * 25]),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(VERSION, st.booleans()), max_size=12))
def test_latest_is_packagings_answer(items: list[tuple[str, bool]]) -> None:
    releases = [_Release(v, MOMENT, yanked) for v, yanked in items]
    assert _latest(releases) is reference(releases)


def test_equal_versions_keep_the_first_listed() -> None:
    releases = [_Release(v, MOMENT, y) for v, y in [("1.0", False), ("1.0.0", True), ("v1", True)]]
    assert _latest(releases) is releases[0]
    releases.reverse()
    assert _latest(releases) is releases[0]


def test_only_pre_releases_are_compared_among_themselves() -> None:
    pres = [_Release(v, MOMENT, False) for v in ("2.0rc1", "2.0rc2.dev1", "1.9.dev0", "2.0b7")]
    assert _latest(pres) is pres[1]  # 2.0rc2.dev1 > 2.0rc1 > 2.0b7 > 1.9.dev0
    assert _latest([*pres, _Release("0.1", MOMENT, True)]).version == "0.1"


def test_a_post_release_or_an_epoch_beats_the_highest_plain_number() -> None:
    plain = [_Release(v, MOMENT, False) for v in ("2.0", "10.1", "3.9")]
    post = _Release("10.1.post1", MOMENT, True)
    epoch = _Release("1!0.1", MOMENT, False)
    assert _latest([*plain, post]) is post
    assert _latest([epoch, *plain, post]) is epoch
    assert _latest([*plain, _Release("11.0rc1", MOMENT, False)]) is plain[1]
