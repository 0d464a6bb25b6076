"""Dependency sources: one module per input format, each yielding a DependencyInput.

``read_input`` is the entry point the CLI uses; ``SOURCES`` lists every format.
The names load on first use (PEP 562): a submodule such as ``_files`` is imported on
its own without every reader, and ``read_environment`` (``importlib.metadata``) only
when an installed environment is read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from auditor.lazy import lazy_exports

if TYPE_CHECKING:
    from auditor.sources.detect import SOURCES, detect_source, read_input
    from auditor.sources.environment import read_environment

__all__ = ["SOURCES", "detect_source", "read_environment", "read_input"]

_HOMES = {
    "SOURCES": "detect",
    "detect_source": "detect",
    "read_input": "detect",
    "read_environment": "environment",
}


__getattr__, __dir__ = lazy_exports(
    __name__, {name: f"{__name__}.{home}" for name, home in _HOMES.items()}
)
