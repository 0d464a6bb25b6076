"""The ``input`` collector: what the user's own dependency files say about a package.

Today one signal: a fully pinned file (pip-compile output with a pin bumped by hand) is
audited exactly as pinned, and each pin that a pinned dependent's requirement excludes
is reported with both lines. It is evidence about the file, not about the maintainers,
so the rule reading it is of kind ``input`` and adds nothing to the risk number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import ClassVar

from auditor.collectors.interface import Collector, Signal, SignalSpec, Subject
from auditor.resolve.graph import DependencyGraph

SPECS: tuple[SignalSpec, ...] = (
    SignalSpec(
        name="pin_conflicts",
        type="list",
        description="For a fully pinned file: each pinned dependent whose requirement this "
        "package's pin does not meet, naming the file and line of both (empty: none).",
    ),
)


class InputCollector(Collector):
    """Reads the resolved graph; never fails and never leaves a signal unknown."""

    name: ClassVar[str] = "input"
    provides: ClassVar[tuple[SignalSpec, ...]] = SPECS

    def __init__(self, graph: DependencyGraph, *, now: datetime | None = None) -> None:
        self.graph = graph
        self.now = now

    def collect(self, subjects: Sequence[Subject]) -> Mapping[str, Sequence[Signal]]:
        moment = self.now or datetime.now(UTC)
        out: dict[str, list[Signal]] = {}
        for subject in subjects:
            if subject.package not in self.graph:
                continue
            conflicts = self.graph.package(subject.package).pin_conflicts
            out[subject.package] = [
                Signal(
                    name="pin_conflicts",
                    value=list(conflicts),
                    source="the input file's pins",
                    fetched_at=moment,
                )
            ]
        return out
