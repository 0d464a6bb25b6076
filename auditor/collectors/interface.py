"""The one small contract every collector implements.

A collector declares the signals it provides (``SignalSpec``) so rules can be validated
against real names, and returns one ``Signal`` per declared name per subject: a value
with its source and fetch time, or ``unknown`` with the reason. A signal it could not
get is never left out silently and never reported as zero.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Literal

from auditor.repository import RepositoryRef

SignalType = Literal["int", "float", "bool", "str", "date", "list", "dict"]
JSONValue = int | float | bool | str | list["JSONValue"] | dict[str, "JSONValue"] | None


@dataclass(frozen=True, kw_only=True)
class SignalSpec:
    """A signal's name, type and meaning, as rules and reports refer to it."""

    name: str
    type: SignalType
    description: str
    unit: str | None = None


def spec(name: str, type_: SignalType, description: str, unit: str | None = None) -> SignalSpec:
    """A ``SignalSpec`` in the order the collectors' long tables of them read best."""
    return SignalSpec(name=name, type=type_, description=description, unit=unit)


@dataclass(frozen=True, kw_only=True)
class Subject:
    """What a collector looks at: a resolved package and, if known, its repository."""

    package: str
    version: str | None
    repository: RepositoryRef | None = None


@dataclass(frozen=True, kw_only=True)
class Signal:
    """One piece of evidence. ``value`` is meaningful only when ``unknown_reason`` is None."""

    name: str
    value: JSONValue
    source: str
    fetched_at: datetime
    unknown_reason: str | None = None

    @property
    def known(self) -> bool:
        return self.unknown_reason is None

    @classmethod
    def unknown(cls, name: str, source: str, fetched_at: datetime, reason: str) -> Signal:
        return cls(
            name=name, value=None, source=source, fetched_at=fetched_at, unknown_reason=reason
        )


@dataclass(frozen=True)
class Declared:
    """A collector's name and signals without the collector: enough to list a collector
    that did not run (switched off) without importing its code."""

    name: str
    provides: tuple[SignalSpec, ...]


class Collector(ABC):
    """Collects signals for many subjects at once, so it can batch and share work."""

    name: ClassVar[str]
    provides: ClassVar[tuple[SignalSpec, ...]]

    @abstractmethod
    def collect(self, subjects: Sequence[Subject]) -> Mapping[str, Sequence[Signal]]:
        """Return, for each subject's package name, one Signal per provided spec."""
