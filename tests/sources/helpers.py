"""Shared test helpers: fixture paths and a reader that goes through the public entry point."""

from __future__ import annotations

from pathlib import Path

from auditor.model import DependencyInput, SourceOptions
from auditor.sources import read_input

DATA = Path(__file__).parent / "data"


def read(
    path: Path | str,
    *,
    extras: frozenset[str] = frozenset(),
    all_extras: bool = False,
    groups: frozenset[str] = frozenset(),
    all_groups: bool = False,
) -> DependencyInput:
    """Read a fixture the way the CLI would, with the user's choices."""
    options = SourceOptions(
        extras=extras, all_extras=all_extras, groups=groups, all_groups=all_groups
    )
    return read_input(str(path), options)
