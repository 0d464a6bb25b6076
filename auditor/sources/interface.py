"""The contract of a dependency source (one input format)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from auditor.model import DependencyInput, SourceOptions


@dataclass(frozen=True, kw_only=True)
class InputFile:
    """A file handed to us: ``display`` is how messages name it ("<stdin>" for ``-``).

    ``path`` is None for stdin; includes are then resolved from the current directory.
    """

    display: str
    path: Path | None
    text: str


class DependencySource(ABC):
    """Reads one format. ``detect`` looks at the name and the first bytes only."""

    kind: ClassVar[str]

    @classmethod
    @abstractmethod
    def detect(cls, name: str, head: str) -> bool:
        """True when a file with this base name and leading text is in this format."""

    @abstractmethod
    def read(self, source: InputFile, options: SourceOptions) -> DependencyInput:
        """Parse the whole input; raise ParseError/InputError with file and line."""
