"""Every signal any collector can provide, by name: what rules are validated against.

Collectors are imported lazily so that listing the catalog never opens a network client.
"""

from __future__ import annotations

import importlib

from auditor.collectors.interface import Collector, SignalSpec

# module:class of every collector, in pipeline order.
COLLECTORS = (
    "auditor.collectors.index:IndexCollector",
    "auditor.collectors.github:GitHubCollector",
    "auditor.collectors.git_history:GitHistoryCollector",
    "auditor.collectors.inputs:InputCollector",
)


def collector_classes() -> list[type[Collector]]:
    out: list[type[Collector]] = []
    for ref in COLLECTORS:
        module_name, _, cls_name = ref.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        out.append(getattr(module, cls_name))
    return out


def all_specs() -> dict[str, SignalSpec]:
    """Signal name -> spec, across collectors. A name declared twice is a bug."""
    specs: dict[str, SignalSpec] = {}
    for cls in collector_classes():
        for spec in cls.provides:
            if spec.name in specs:
                raise ValueError(f"signal {spec.name!r} is declared by two collectors")
            specs[spec.name] = spec
    return specs
