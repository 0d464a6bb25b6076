"""Optional narratives from a local model (Ollama or any OpenAI-compatible server).

The model only puts evidence into words: it reads frozen evidence and returns text
marked as generated, and nothing it says reaches a score, a finding or an exit code.
"""

from __future__ import annotations

from auditor.summaries.client import API_CHOICES, DEFAULT_URL, Endpoint, choose_endpoint
from auditor.summaries.evidence import (
    FindingFacts,
    PackageEvidence,
    evidence_from,
    select_evidence,
    to_jsonable,
)
from auditor.summaries.sanitize import sanitize
from auditor.summaries.summarize import (
    DEFAULT_MODEL,
    MEMO_KEY,
    NAMESPACE,
    Summarizer,
    Summary,
    SummaryBatch,
)

__all__ = [
    "API_CHOICES",
    "DEFAULT_MODEL",
    "DEFAULT_URL",
    "MEMO_KEY",
    "NAMESPACE",
    "Endpoint",
    "FindingFacts",
    "PackageEvidence",
    "Summarizer",
    "Summary",
    "SummaryBatch",
    "choose_endpoint",
    "evidence_from",
    "sanitize",
    "select_evidence",
    "to_jsonable",
]
