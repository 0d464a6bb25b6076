"""Names a package re-exports, imported from their home module on first use (PEP 562).

Why: ``import auditor`` and the CLI's start must not pay for the resolver, networkx,
PyGithub, rich or enry unless the run uses them (benchmarks/README.md, "Startup" and
"Warm audit"). The package root, ``auditor.sources`` and the git backend re-export
names this way; this is the one place that does it.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, homes: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``: ``homes`` maps each public
    name to the absolute name of the module that defines it. A name, once loaded, is
    kept in the package's namespace, so the hook runs once per name."""

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *homes})

    return __getattr__, __dir__
