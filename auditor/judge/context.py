"""Where a package sits in the user's graph: the one fact both taxonomy and scoring need.

Kept apart so that the taxonomy (which builds contexts) and scoring (which reads them)
do not import each other.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class PackageContext:
    """Where a package sits in the user's graph; decides scope and weight."""

    name: str
    categories: tuple[str, ...] = ()
    direct: bool = False
    reach: int = 1
    depth: int = 0
    serving_path: bool = False

    @property
    def matters(self) -> bool:
        """Direct, on the serving path, or reached from two or more direct requirements."""
        return self.direct or self.serving_path or self.reach >= 2
