"""Hand-built signals and rules for scoring tests."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from auditor.collectors.interface import JSONValue, Signal
from auditor.judge.context import PackageContext
from auditor.judge.rules import Rule, load_rules

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def known(name: str, value: JSONValue, source: str = "test") -> Signal:
    return Signal(name=name, value=value, source=source, fetched_at=NOW)


def unknown(name: str, reason: str = "not collected in this test") -> Signal:
    return Signal.unknown(name, "test", NOW, reason)


def signals(*items: Signal, **values: JSONValue) -> dict[str, Signal]:
    out = {s.name: s for s in items}
    out.update({k: known(k, v) for k, v in values.items()})
    return out


def ctx(name: str = "pkg", **kw: object) -> PackageContext:
    return PackageContext(name=name, **kw)  # type: ignore[arg-type]


def write_rule(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


HEADER = """
summary = "s"
motivation = "m"
remediation = "r"
"""


def rule_text(
    rid: str, when: str, severity: str = "high", kind: str = "person", extra: str = ""
) -> str:
    return (
        f'id = "{rid}"\nseverity = "{severity}"\nkind = "{kind}"\n{HEADER}{extra}\n[when]\n{when}\n'
    )


def rules_from(tmp_path: Path, *texts: str) -> tuple[Rule, ...]:
    d = tmp_path / "r"
    for i, t in enumerate(texts):
        write_rule(d, f"r{i}.toml", t)
    return load_rules([d])
