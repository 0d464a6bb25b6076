"""Fake model servers and hand-built evidence for the summary tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.cache import Cache
from auditor.summaries import FindingFacts, PackageEvidence
from tests.fakes.llm_server import FakeLLMServer


@pytest.fixture(autouse=True)
def _no_llm_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("AUDITOR_LLM_URL", "AUDITOR_LLM_MODEL", "AUDITOR_LLM_API_KEY"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def ollama() -> Iterator[FakeLLMServer]:
    with FakeLLMServer("ollama") as server:
        yield server


@pytest.fixture
def openai() -> Iterator[FakeLLMServer]:
    with FakeLLMServer("openai") as server:
        yield server


@pytest.fixture(params=["ollama", "openai"])
def server(request: pytest.FixtureRequest) -> Iterator[FakeLLMServer]:
    with FakeLLMServer(request.param) as fake:
        yield fake


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[Cache]:
    store = Cache(tmp_path / "cache.db")
    yield store
    store.close()


def package(name: str = "tiny-lib", *, description: str | None = None) -> PackageEvidence:
    return PackageEvidence(
        name=name,
        version="1.2.3",
        level="high",
        risk=70,
        vendor_level="none",
        state="active",
        direct=False,
        reach=2,
        depth=2,
        findings=(
            FindingFacts(
                rule="single-maintainer",
                severity="high",
                outcome="hit",
                summary="One person wrote most of the code.",
                evidence=({"signal": "truck_factor", "op": "<=", "expected": 1, "value": 1},),
            ),
        ),
        signals=(("truck_factor", 1), ("last_commit_days", 12)),
        unknown_signals=(("issue_response_median_hours", "no GitHub token"),),
        paths=(("app", name),),
        required_at=("requirements.txt:3",),
        description=description,
    )
