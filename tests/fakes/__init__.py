"""Loopback fakes of the outside world, so that no test touches the public internet.

The production code is the same code in tests: only base URLs change (see
ARCHITECTURE.md, "How tests reach the outside world").
"""

from .index_server import (
    FIXTURE_DIR,
    DistFile,
    FakeIndex,
    Project,
    Release,
    RequestLog,
    fake_index_fixture,
    normalize,
)

__all__ = [
    "FIXTURE_DIR",
    "DistFile",
    "FakeIndex",
    "Project",
    "Release",
    "RequestLog",
    "fake_index_fixture",
    "normalize",
]
