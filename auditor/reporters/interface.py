"""One small interface for every report format, and the enum that maps ``--format`` to it.

Why: each format is a pure function from a scored report to a string (the CLI decides
where the string goes), so one ABC with one method is all a format needs. The enum is
the single list of ``--format`` choices; ``reporter_for`` imports an implementation only
when it is asked for (startup time is most of a warm audit), and a test proves every
choice has one.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from auditor.judge.report import ScoredReport
    from auditor.judge.rules import Rule
    from auditor.summaries import Summary


@dataclass(frozen=True, kw_only=True)
class RenderContext:
    """What a format may need beyond the report; every field has a harmless default.

    ``summaries`` are generated narratives keyed by package name (shown marked as
    generated); ``rules`` are the loaded rules (SARIF describes each one); ``source_root``
    is the repository root that SARIF makes artifact paths relative to, and ``working_dir``
    the directory relative input paths were given from (the library never reads the cwd).
    ``show_all`` lists every package instead of those needing attention (``--all``);
    ``markdown_limit`` caps the Markdown document in bytes (``--markdown-limit``);
    ``index_url`` is the configured package index, for links to a package's page.
    """

    color: bool = False
    width: int = 120
    git: bool = False
    summaries: Mapping[str, Summary] = field(default_factory=dict)
    rules: Sequence[Rule] = ()
    source_root: Path | None = None
    working_dir: Path | None = None
    show_all: bool = False
    markdown_limit: int | None = None
    index_url: str | None = None


class Reporter(ABC):
    """A report format: renders a scored report to text; never writes, prints or exits."""

    @abstractmethod
    def render(self, report: ScoredReport, context: RenderContext) -> str:
        """The whole document as one string."""


class OutputFormat(StrEnum):
    """The ``--format`` choices of ``audit``."""

    TEXT = "text"
    JSON = "json"
    SIGNALS = "signals"
    MARKDOWN = "markdown"
    SARIF = "sarif"
    HTML = "html"


# module, class: imported on demand so a text run never loads the HTML assets.
_IMPLEMENTATIONS: dict[OutputFormat, tuple[str, str]] = {
    OutputFormat.TEXT: ("auditor.reporters.terminal", "TextReporter"),
    OutputFormat.JSON: ("auditor.reporters.terminal", "JsonReporter"),
    OutputFormat.SIGNALS: ("auditor.reporters.terminal", "SignalsReporter"),
    OutputFormat.MARKDOWN: ("auditor.reporters.markdown", "MarkdownReporter"),
    OutputFormat.SARIF: ("auditor.reporters.sarif", "SarifReporter"),
    OutputFormat.HTML: ("auditor.reporters.html", "HtmlReporter"),
}


def reporter_for(fmt: OutputFormat | str) -> Reporter:
    """The implementation of a format; a KeyError here is a bug the mapping test catches."""
    module_name, class_name = _IMPLEMENTATIONS[OutputFormat(fmt)]
    cls = getattr(importlib.import_module(module_name), class_name)
    reporter = cls()
    assert isinstance(reporter, Reporter)
    return reporter
