"""Every signal any collector can provide, by name: what rules are validated against.

Every run checks its rules against this catalog, so it is read from the modules that
declare the signals (plain tuples of ``SignalSpec``), not from the collectors: loading
the GitHub and git collectors would import their GraphQL, REST, clone and analysis code
(and never open a network client) on a run that uses neither, such as a warm
``--no-github`` audit. Each collector's ``provides`` is the same tuple object
(``tests/core/test_catalog.py``).
"""

from __future__ import annotations

import importlib

from auditor.collectors.interface import Collector, SignalSpec

# Every collector, in pipeline order: its class, and the tuple of the signals it
# declares (in a module that imports nothing of the collector's own work).
COLLECTORS = (
    ("auditor.collectors.index:IndexCollector", "auditor.collectors.index:SPECS"),
    (
        "auditor.collectors.github:GitHubCollector",
        "auditor.collectors.backends.github.signals:SPECS",
    ),
    (
        "auditor.collectors.git_history:GitHistoryCollector",
        "auditor.collectors.backends.git.signals:SPECS",
    ),
    ("auditor.collectors.inputs:InputCollector", "auditor.collectors.inputs:SPECS"),
)


def _load(ref: str) -> object | None:
    module_name, _, attribute = ref.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise
    found: object = getattr(module, attribute)
    return found


def collector_classes() -> list[type[Collector]]:
    """The collector classes, imported (with everything they use)."""
    loaded = (_load(ref) for ref, _ in COLLECTORS)
    return [cls for cls in loaded if isinstance(cls, type) and issubclass(cls, Collector)]


def spec_groups() -> list[tuple[SignalSpec, ...]]:
    """Each collector's declared signals, without importing the collectors."""
    groups: list[tuple[SignalSpec, ...]] = []
    for _, ref in COLLECTORS:
        specs = _load(ref)
        if isinstance(specs, tuple):
            groups.append(specs)
    return groups


def all_specs() -> dict[str, SignalSpec]:
    """Signal name -> spec, across collectors. A name declared twice is a bug."""
    specs: dict[str, SignalSpec] = {}
    for group in spec_groups():
        for spec in group:
            if spec.name in specs:
                raise ValueError(f"signal {spec.name!r} is declared by two collectors")
            specs[spec.name] = spec
    return specs
