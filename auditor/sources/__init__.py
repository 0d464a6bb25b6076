"""Dependency sources: one module per input format, each yielding a DependencyInput.

``read_input`` is the entry point the CLI uses; ``SOURCES`` lists every format.
"""

from auditor.sources.detect import SOURCES, detect_source, read_input
from auditor.sources.environment import read_environment

__all__ = ["SOURCES", "detect_source", "read_environment", "read_input"]
