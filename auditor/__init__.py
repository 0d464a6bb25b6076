"""auditor: audit the open-source AI stack an application stands on.

The public API, for use without the command line::

    from auditor import Settings, audit
    report = audit(["requirements.txt"], Settings(github=False))

Names are loaded on first use (PEP 562), so ``import auditor`` and the CLI's start stay
fast: the resolver, PyGithub and networkx load only when a run needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from auditor.lazy import lazy_exports

__version__ = "0.1.0"

if TYPE_CHECKING:
    from auditor.api import (
        Explanation,
        GraphResult,
        ScoringSetup,
        Settings,
        audit,
        bus_factor,
        collect,
        explain,
        graph,
        load_scoring,
        sponsor,
    )
    from auditor.collectors.backends.git.report import BusFactorReport
    from auditor.collectors.interface import Signal
    from auditor.collectors.run import AuditResult, PackageAudit
    from auditor.errors import AuditorError, DataSourceError, InputError
    from auditor.judge.report import ScoredReport
    from auditor.judge.scoring import Finding, PackageScore
    from auditor.model import SourceOptions
    from auditor.resolve.graph import DependencyGraph
    from auditor.sponsorship.plan import Budget, SponsorPlan

# Public name -> the module that defines it.
_EXPORTS: dict[str, str] = {
    "Settings": "auditor.api",
    "audit": "auditor.api",
    "graph": "auditor.api",
    "collect": "auditor.api",
    "explain": "auditor.api",
    "sponsor": "auditor.api",
    "bus_factor": "auditor.api",
    "load_scoring": "auditor.api",
    "Explanation": "auditor.api",
    "GraphResult": "auditor.api",
    "ScoringSetup": "auditor.api",
    "AuditResult": "auditor.collectors.run",
    "PackageAudit": "auditor.collectors.run",
    "Signal": "auditor.collectors.interface",
    "ScoredReport": "auditor.judge.report",
    "PackageScore": "auditor.judge.scoring",
    "Finding": "auditor.judge.scoring",
    "DependencyGraph": "auditor.resolve.graph",
    "BusFactorReport": "auditor.collectors.backends.git.report",
    "Budget": "auditor.sponsorship.plan",
    "SponsorPlan": "auditor.sponsorship.plan",
    "SourceOptions": "auditor.model",
    "AuditorError": "auditor.errors",
    "InputError": "auditor.errors",
    "DataSourceError": "auditor.errors",
}

__all__ = [
    "AuditResult",
    "AuditorError",
    "Budget",
    "BusFactorReport",
    "DataSourceError",
    "DependencyGraph",
    "Explanation",
    "Finding",
    "GraphResult",
    "InputError",
    "PackageAudit",
    "PackageScore",
    "ScoredReport",
    "ScoringSetup",
    "Settings",
    "Signal",
    "SourceOptions",
    "SponsorPlan",
    "__version__",
    "audit",
    "bus_factor",
    "collect",
    "explain",
    "graph",
    "load_scoring",
    "sponsor",
]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
