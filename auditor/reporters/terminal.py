"""The terminal formats (text, signals) and JSON as ``Reporter`` implementations, plus
``clean``: the one gate package-supplied text passes before it reaches a terminal.

Why a stricter ``clean`` than a control-character filter: names, reasons, URLs and
summaries come from package authors and servers. Removing only the ESC byte of
``ESC [ 2 J`` leaves ``[2J`` behind, and an OSC 8 hyperlink would leave its URL, so whole
escape sequences (CSI, OSC, DCS and two-byte escapes, 7- and 8-bit) go first, then any
remaining C0/C1 control character and the bidirectional overrides that make text read
differently from how it is stored.
"""

from __future__ import annotations

from auditor.judge.report import ScoredReport
from auditor.reporters.interface import RenderContext, Reporter
from auditor.reporters.sanitize import clean

__all__ = ["TextReporter", "clean"]


class TextReporter(Reporter):
    """The verdict, the packages needing attention by requirement, the verdict again
    (``--format text``, the default; ``--all`` lists every package)."""

    def render(self, report: ScoredReport, context: RenderContext) -> str:
        from auditor.reporters.text import render_attention_text

        return render_attention_text(
            report,
            color=context.color,
            width=context.width,
            everything=context.show_all,
            summaries=context.summaries,
        )


class SignalsReporter(Reporter):
    """The raw signals table (``--format signals``)."""

    def render(self, report: ScoredReport, context: RenderContext) -> str:
        from auditor.reporters.signals import render_text

        return render_text(report.result, color=context.color, width=context.width, git=context.git)


class JsonReporter(Reporter):
    """The whole report as JSON (``--format json``; auditor/schemas/report.schema.json)."""

    def render(self, report: ScoredReport, context: RenderContext) -> str:
        from auditor.reporters.signals import render_report_json

        return render_report_json(report, context.summaries)
