"""CLI fixtures shared with tests/audit: the fake index, the fake GitHub and a runner."""

from __future__ import annotations

from tests.audit.conftest import cache_dir, github, index, run

__all__ = ["cache_dir", "github", "index", "run"]
