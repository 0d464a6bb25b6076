"""Commit author names and e-mail domains are written by anyone who commits: the text
report of ``auditor bus-factor`` must not pass their escape sequences to the terminal.
(``run`` writes ``text_output``; the JSON report keeps the data, with control characters
escaped by JSON itself.)"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from auditor.cli.bus_factor import text_output
from auditor.collectors.backends.git.report import AuthorShare, BusFactorReport, OrgShare

ESC = "\x1b]0;owned\x07\x1b[2J\x1b[31m"


def hostile_report() -> BusFactorReport:
    overrides: dict[str, Any] = {
        "target": f"https://github.com/o/r{ESC}",
        "revision": "0" * 40,
        "ref": f"main{ESC}",
        "now": datetime(2025, 6, 1, tzinfo=UTC),
        "truck_factor": 1,
        "truck_factor_authors": (
            AuthorShare(name=f"Mallory{ESC}\u202e", email=f"m{ESC}@x.org", files=3, share=1.0),
        ),
        "organisations": (OrgShare(name=f"evil{ESC}.org", commits=3, share=1.0),),
        "bots_excluded": (f"bot{ESC}[bot]",),
        "rename_detection": "exact",
    }
    kwargs: dict[str, Any] = {}
    for field in dataclasses.fields(BusFactorReport):
        if field.name in overrides:
            kwargs[field.name] = overrides[field.name]
        elif "None" in str(field.type):
            kwargs[field.name] = None
        elif "tuple" in str(field.type):
            kwargs[field.name] = ()
        elif "int" in str(field.type):
            kwargs[field.name] = 1
        else:
            kwargs[field.name] = "x"
    return BusFactorReport(**kwargs)


def test_text_report_carries_no_escape_sequences() -> None:
    text = text_output(hostile_report())
    assert "Mallory" in text and "evil" in text and "main" in text
    for bad in ("\x1b", "\x07", "\u202e"):
        assert bad not in text
