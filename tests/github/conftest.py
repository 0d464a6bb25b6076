"""Fixtures for the GitHub collector tests: a fake GitHub on loopback and subjects."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from auditor.collectors.interface import Subject  # noqa: E402
from auditor.repository import RepositoryRef  # noqa: E402
from tests.fakes.github_server import FakeGitHub  # noqa: E402

TOKEN = "ghp_TESTtoken0123456789abcdefSECRET"


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub(valid_tokens={TOKEN}) as server:
        yield server


def subject(package: str, slug: str, host: str = "github.com") -> Subject:
    owner, name = slug.split("/")
    ref = RepositoryRef(
        url=f"https://{host}/{slug}",
        host=host,
        owner=owner,
        name=name,
        confidence="high",
        how="test",
    )
    return Subject(package=package, version="1.0", repository=ref)
