"""What sponsorship needs to know about one package, gathered from the audit and its score.

Why a separate, flat record: targets and ranking are pure functions over these facts, so
tests build them by hand in one line each, and the audit's richer types stay upstream.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from auditor.collectors.interface import JSONValue, Signal
from auditor.collectors.run import PackageAudit
from auditor.judge.scoring import PackageScore
from auditor.repository import RepositoryRef


@dataclass(frozen=True, kw_only=True)
class PackageFacts:
    """One package of the user's graph, where it sits, its risk and its raw signals."""

    name: str
    version: str | None = None
    direct: bool = False
    via: tuple[str, ...] = ()
    apps: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    serving_path: bool = False
    risk: int = 0
    level: str = "none"
    repository: RepositoryRef | None = None
    signals: Mapping[str, Signal] = field(default_factory=dict)

    def value(self, name: str) -> JSONValue:
        """The signal's value, or None when it is unknown or absent."""
        signal = self.signals.get(name)
        return signal.value if signal is not None and signal.known else None

    def number(self, *names: str) -> int | None:
        """The first of ``names`` that is a known number (git history before GitHub)."""
        for name in names:
            value = self.value(name)
            if isinstance(value, int | float) and not isinstance(value, bool):
                return int(value)
        return None

    def flag(self, name: str) -> bool | None:
        value = self.value(name)
        return value if isinstance(value, bool) else None

    def text(self, name: str) -> str | None:
        value = self.value(name)
        return value if isinstance(value, str) and value else None

    def strings(self, name: str) -> tuple[str, ...]:
        value = self.value(name)
        if not isinstance(value, list):
            return ()
        return tuple(v for v in value if isinstance(v, str))

    def links(self, name: str) -> tuple[tuple[str, str], ...]:
        """``(platform, url)`` pairs of a ``[{platform, url}]`` signal."""
        value = self.value(name)
        if not isinstance(value, list):
            return ()
        out: list[tuple[str, str]] = []
        for item in value:
            if isinstance(item, dict):
                platform, url = item.get("platform"), item.get("url")
                if isinstance(platform, str) and isinstance(url, str):
                    out.append((platform, url))
        return tuple(out)


def app_of(origin: str) -> str:
    """``"a/requirements.txt:3"`` → ``"a/requirements.txt"``: the input file is the app."""
    path, sep, line = origin.rpartition(":")
    return path if sep and line.isdigit() else origin


def facts_from_audit(pkg: PackageAudit, score: PackageScore | None) -> PackageFacts:
    """Flatten one audited package and its score (None: not scored, risk counted as 0)."""
    return PackageFacts(
        name=pkg.name,
        version=pkg.package.version,
        direct=pkg.direct,
        via=tuple(pkg.via),
        apps=tuple(sorted({app_of(o) for o in pkg.origins})),
        categories=score.context.categories if score is not None else (),
        serving_path=score.context.serving_path if score is not None else False,
        risk=score.risk if score is not None else 0,
        level=score.level if score is not None else "none",
        repository=pkg.repository,
        signals=pkg.signals,
    )


def facts_from_scores(
    packages: Sequence[PackageAudit], scores: Mapping[str, PackageScore]
) -> tuple[PackageFacts, ...]:
    return tuple(facts_from_audit(p, scores.get(p.name)) for p in packages)
