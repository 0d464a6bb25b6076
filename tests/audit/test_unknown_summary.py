"""The report's unknown-signal lines: grouped by (collector, reason), most frequent first,
ties by collector then reason; a blank reason counts as "not returned"."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.collectors.interface import Signal
from auditor.collectors.run import OMITTED, PackageAudit, UnknownCount, summarise_unknown
from auditor.model import PackageStatus, ResolvedPackage

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def reference(packages: Sequence[PackageAudit]) -> tuple[UnknownCount, ...]:
    """The plain definition (what the function was before it was made one pass)."""
    counts: Counter[tuple[str, str]] = Counter()
    sets: dict[tuple[str, str], set[str]] = {}
    for pkg in packages:
        for signal in pkg.signals.values():
            if signal.known:
                continue
            key = (signal.source.split(":", 1)[0], signal.unknown_reason or OMITTED)
            counts[key] += 1
            sets.setdefault(key, set()).add(pkg.name)
    return tuple(
        UnknownCount(collector=c, reason=r, signals=n, packages=len(sets[(c, r)]))
        for (c, r), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )


def audit(name: str, signals: list[tuple[str, str, str | None]]) -> PackageAudit:
    pkg = ResolvedPackage(name=name, display_name=name, version="1", status=PackageStatus.RESOLVED)
    return PackageAudit(
        package=pkg,
        direct=True,
        depth=0,
        reach=0,
        via=(),
        origins=(),
        repository=None,
        repository_how=None,
        signals={
            f"s{i}": Signal(
                name=f"s{i}", value=1, source=source, fetched_at=NOW, unknown_reason=reason
            )
            for i, (source, reason) in enumerate((s, r) for _, s, r in signals)
        },
    )


SIGNALS = st.lists(
    st.tuples(
        st.just(""),
        st.sampled_from(["index:https://x/pypi/a/json", "github:o/r", "git:o/r", "gitonly", ""]),
        st.sampled_from([None, None, "", "no token", "rate limited", "404"]),
    ),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(SIGNALS, max_size=8))
def test_summary_matches_the_plain_definition(per_package: list[list[Any]]) -> None:
    packages = [audit(f"p{i}", signals) for i, signals in enumerate(per_package)]
    assert summarise_unknown(packages) == reference(packages)


def test_counts_ties_and_blank_reasons() -> None:
    packages = [
        audit("a", [("", "github:o/a", "no token"), ("", "index:u", ""), ("", "index:u", None)]),
        audit("b", [("", "github:o/b", "no token"), ("", "git:o/b", "404")]),
    ]
    assert summarise_unknown(packages) == (
        UnknownCount(collector="github", reason="no token", signals=2, packages=2),
        UnknownCount(collector="git", reason="404", signals=1, packages=1),
        UnknownCount(collector="index", reason=OMITTED, signals=1, packages=1),
    )
