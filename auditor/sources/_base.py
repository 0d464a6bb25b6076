"""A base for sources that separates "the name says so" from "the content says so".

``detect.py`` tries every format's name test before any content test, so that a file
called ``uv.lock`` is never mistaken for a pyproject because both are TOML.
"""

from __future__ import annotations

from typing import ClassVar

from auditor.sources.interface import DependencySource


class BaseSource(DependencySource):
    """A source that can answer the two detection questions separately."""

    kind: ClassVar[str]
    #: what ``--help`` and error messages call the format
    description: ClassVar[str]

    @classmethod
    def matches_name(cls, name: str) -> bool:
        """True when the base name alone identifies the format."""
        return False

    @classmethod
    def matches_content(cls, head: str) -> bool:
        """True when the leading text identifies the format (stdin, renamed files)."""
        return False

    @classmethod
    def detect(cls, name: str, head: str) -> bool:
        return cls.matches_name(name) or cls.matches_content(head)
