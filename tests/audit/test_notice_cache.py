"""The notice matcher's answer is remembered per project, and only while nothing it read
changed: the summary, the description, the name and the matcher's own rules."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.cache import Cache
from auditor.collectors import notice_cache, notices
from auditor.collectors.notice_cache import NAMESPACE, find_notice_cached
from auditor.collectors.notices import Notice

NOTICE_TEXT = "This package is no longer maintained. Please use bar instead."
PLAIN_TEXT = "Fast tokenizers for everyone, maintained by a team of six."


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str | None, str | None]]:
    """Every call that reached the real matcher."""
    seen: list[tuple[str, str | None, str | None]] = []
    real: Callable[[str, str | None, str | None], Notice | None] = notices.find_notice

    def spy(name: str, summary: str | None, description: str | None) -> Notice | None:
        seen.append((name, summary, description))
        return real(name, summary, description)

    monkeypatch.setattr(notices, "find_notice", spy)
    return seen


@pytest.fixture
def cache(tmp_path: Path) -> Cache:
    return Cache(tmp_path / "cache.sqlite3")


def test_a_second_run_answers_from_the_cache_with_the_same_notice(
    cache: Cache, calls: list[tuple[str, str | None, str | None]]
) -> None:
    first = find_notice_cached(cache, "foo", "", NOTICE_TEXT)
    second = find_notice_cached(cache, "foo", "", NOTICE_TEXT)
    assert first is not None and first.successor == "bar"
    assert second == first == notices.find_notice("foo", "", NOTICE_TEXT)
    assert len(calls) == 2  # the first run, and the direct call above: not the second run


def test_no_notice_is_remembered_too(
    cache: Cache, calls: list[tuple[str, str | None, str | None]]
) -> None:
    assert find_notice_cached(cache, "foo", "A library.", PLAIN_TEXT) is None
    assert find_notice_cached(cache, "foo", "A library.", PLAIN_TEXT) is None
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("summary", "description"),
    [
        ("", PLAIN_TEXT),  # the description changed: the notice is gone
        ("deprecated foo package, use bar instead", NOTICE_TEXT),  # the summary changed
        (None, NOTICE_TEXT),  # no summary is not an empty one
    ],
)
def test_a_changed_text_is_read_again(
    cache: Cache,
    calls: list[tuple[str, str | None, str | None]],
    summary: str | None,
    description: str,
) -> None:
    find_notice_cached(cache, "foo", "", NOTICE_TEXT)
    got = find_notice_cached(cache, "foo", summary, description)
    assert calls[-1] == ("foo", summary, description)
    assert len(calls) == 2
    assert got == notices.find_notice("foo", summary, description)


def test_new_notice_rules_invalidate_every_remembered_answer(
    cache: Cache,
    calls: list[tuple[str, str | None, str | None]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    find_notice_cached(cache, "foo", "", NOTICE_TEXT)
    monkeypatch.setattr(notice_cache, "rules_fingerprint", lambda: "other rules")
    find_notice_cached(cache, "foo", "", NOTICE_TEXT)
    assert len(calls) == 2
    find_notice_cached(cache, "foo", "", NOTICE_TEXT)
    assert len(calls) == 2  # remembered again, under the new rules


def test_the_rules_fingerprint_is_the_matchers_source() -> None:
    digest = notice_cache.rules_fingerprint()
    assert digest is not None and len(digest) == 64
    import hashlib

    assert digest == hashlib.sha256(Path(notices.__file__).read_bytes()).hexdigest()


def test_a_name_is_part_of_the_answer(
    cache: Cache, calls: list[tuple[str, str | None, str | None]]
) -> None:
    # "AutoGPTQ is unmaintained" is a notice for auto-gptq, not for gptqmodel.
    text = "AutoGPTQ is unmaintained - we suggest using GPTQModel."
    assert find_notice_cached(cache, "auto-gptq", "", text) is not None
    assert find_notice_cached(cache, "gptqmodel", "", text) is None
    assert len(calls) == 2


def test_a_damaged_row_is_a_miss_and_a_warning(
    cache: Cache, calls: list[tuple[str, str | None, str | None]]
) -> None:
    find_notice_cached(cache, "foo", "", NOTICE_TEXT)
    cache.put(NAMESPACE, "foo", {"d": 3, "n": "not a notice"}, ttl=None)
    got = find_notice_cached(cache, "foo", "", NOTICE_TEXT)
    assert got is not None and got.successor == "bar"
    assert len(calls) == 2
    assert any("wrong shape" in w for w in cache.warnings)


def test_without_a_cache_the_matcher_runs_every_time(
    calls: list[tuple[str, str | None, str | None]],
) -> None:
    off = Cache(None)
    find_notice_cached(off, "foo", "", NOTICE_TEXT)
    find_notice_cached(off, "foo", "", NOTICE_TEXT)
    assert len(calls) == 2


def test_the_digest_keeps_none_and_empty_apart() -> None:
    a = notice_cache.digest("foo", None, "x", "r")
    assert a != notice_cache.digest("foo", "", "x", "r")
    assert a != notice_cache.digest("foo", "x", None, "r")
    assert a == notice_cache.digest("foo", None, "x", "r")
