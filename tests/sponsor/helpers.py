"""Hand-built package facts for sponsor tests: one line per package."""

from __future__ import annotations

from datetime import UTC, datetime

from auditor.collectors.interface import JSONValue, Signal
from auditor.repository import RepositoryRef
from auditor.sponsorship.facts import PackageFacts

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def repo(slug: str) -> RepositoryRef:
    owner, name = slug.split("/")
    return RepositoryRef(
        url=f"https://github.com/{slug}",
        host="github.com",
        owner=owner,
        name=name,
        confidence="high",
        how="test",
    )


def links(*pairs: tuple[str, str]) -> list[JSONValue]:
    return [{"platform": p, "url": u} for p, u in pairs]


def pkg(
    name: str,
    *,
    slug: str | None = None,
    via: tuple[str, ...] | None = None,
    apps: tuple[str, ...] = ("app.txt",),
    risk: int = 40,
    level: str = "high",
    categories: tuple[str, ...] = (),
    serving_path: bool = False,
    **values: JSONValue,
) -> PackageFacts:
    """A package; keyword values become known signals (``stars=10``)."""
    signals = {k: Signal(name=k, value=v, source="test", fetched_at=NOW) for k, v in values.items()}
    return PackageFacts(
        name=name,
        version="1.0",
        direct=via is None,
        via=(name,) if via is None else via,
        apps=apps,
        categories=categories,
        serving_path=serving_path,
        risk=risk,
        level=level,
        repository=repo(slug) if slug else None,
        signals=signals,
    )
