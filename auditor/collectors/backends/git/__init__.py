"""Bus-factor evidence from a project's own git history.

``open_target`` turns a URL or path into a repository (cloning blobless into the cache
when needed); ``bus_factor`` returns a ``BusFactorReport`` with the truck factor by
degree of authorship, contributor absence factor, active authors, developer
distribution and elephant factor. ``render_text`` / ``render_json`` format it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from auditor.lazy import lazy_exports

if TYPE_CHECKING:
    from .api import analyse_target, bus_factor
    from .exclude import ExcludeMatcher, make_matcher
    from .facts import HistoryFacts
    from .metrics import build_report
    from .remote import RemoteLocation, parse_remote
    from .report import BusFactorReport, render_json, render_text
    from .target import Target, open_target

# name -> submodule. Loaded on first use (PEP 562): the audit's git collector imports a
# few light submodules, and must not pay for rich, enry and the analysis unless it runs.
_HOMES = {
    "analyse_target": "api",
    "bus_factor": "api",
    "ExcludeMatcher": "exclude",
    "make_matcher": "exclude",
    "HistoryFacts": "facts",
    "build_report": "metrics",
    "RemoteLocation": "remote",
    "parse_remote": "remote",
    "BusFactorReport": "report",
    "render_json": "report",
    "render_text": "report",
    "Target": "target",
    "open_target": "target",
}


__getattr__, __dir__ = lazy_exports(
    __name__, {name: f"{__name__}.{home}" for name, home in _HOMES.items()}
)


__all__ = [
    "BusFactorReport",
    "ExcludeMatcher",
    "HistoryFacts",
    "RemoteLocation",
    "Target",
    "analyse_target",
    "build_report",
    "bus_factor",
    "make_matcher",
    "open_target",
    "parse_remote",
    "render_json",
    "render_text",
]
