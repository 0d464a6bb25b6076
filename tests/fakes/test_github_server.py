"""The fake GitHub must refuse what GitHub refuses, or the tests built on it prove nothing.

These tests pin the fake's own contract: requests are logged before they are answered,
GraphQL documents are validated against GitHub's published schema, node limits follow
GitHub's documented formula, and REST answers GitHub's status codes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from .github_server import FakeGitHub, Fault, RecordedRequest

TOKEN = "ghp_fakeServerTestToken0123456789"
AUTH = {"Authorization": f"token {TOKEN}"}


class SlowRecording(FakeGitHub):
    """Takes its time to log a request: an answer sent before the log exposes the race."""

    def _record(self, request: RecordedRequest) -> None:
        time.sleep(0.2)
        super()._record(request)


@pytest.fixture
def slow() -> Iterator[FakeGitHub]:
    with SlowRecording() as server:
        yield server


@pytest.mark.parametrize(
    "fault",
    [
        None,
        Fault(prefix="/graphql", graphql_rate_limited=True),
        Fault(prefix="/graphql", malformed=True),
        Fault(prefix="/graphql", status=502),
    ],
    ids=["answer", "graphql-rate-limited", "malformed", "server-error"],
)
def test_a_request_is_logged_before_its_answer_leaves(
    slow: FakeGitHub, fault: Fault | None
) -> None:
    if fault is not None:
        slow.add_fault(fault)
    requests.post(
        f"{slow.base_url}/graphql", json={"query": "{ rateLimit { cost } }"}, headers=AUTH
    )
    assert slow.count("POST /graphql") == 1


def post(fake: FakeGitHub, document: str, **extra: Any) -> requests.Response:
    return requests.post(
        f"{fake.base_url}/graphql", json={"query": document, **extra}, headers=AUTH
    )
