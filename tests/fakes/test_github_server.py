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

from .github_schema import Refused, check
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


@pytest.fixture(scope="module")
def gh() -> Iterator[FakeGitHub]:
    with FakeGitHub(valid_tokens={TOKEN}) as server:
        yield server


def refused(response: requests.Response) -> list[dict[str, Any]]:
    """GitHub's refusal: HTTP 200, an ``errors`` list, and no ``data`` at all."""
    assert response.status_code == 200
    body = response.json()
    assert "data" not in body and body["errors"]
    errors: list[dict[str, Any]] = body["errors"]
    return errors


@pytest.mark.parametrize(
    "document",
    [
        '{ repository(owner: "solodev", name: "tinytok") { issues(first: 5, '
        "orderBy: {field: NONSENSE, direction: DESC}) { nodes { createdAt } } } }",
        '{ repository(owner: "solodev", name: "tinytok") { stargazers_count } }',
        '{ repository(owner: "solodev") { stargazerCount } }',
        '{ repository(owner: "solodev", name: 3) { stargazerCount } }',
        '{ repository(owner: "solodev", name: "tinytok") { owner } }',
        "query { rateLimit { cost } }\nfragment Unused on Repository { name }",
        '{ repository(owner: "solodev", name: "tinytok") { stargazerCount }',
    ],
    ids=[
        "bad-enum",
        "unknown-field",
        "missing-arg",
        "wrong-type",
        "no-subselection",
        "unused-fragment",
        "parse-error",
    ],
)
def test_documents_githubs_schema_rejects_are_refused(gh: FakeGitHub, document: str) -> None:
    errors = refused(post(gh, document))
    assert all(e["message"] and e.get("locations") for e in errors)


def test_valid_documents_with_variables_run(gh: FakeGitHub) -> None:
    document = (
        "query($owner: String!, $name: String!) "
        "{ repository(owner: $owner, name: $name) { nameWithOwner stargazerCount } }"
    )
    body = post(gh, document, variables={"owner": "solodev", "name": "tinytok"}).json()
    assert body == {
        "data": {"repository": {"nameWithOwner": "solodev/tinytok", "stargazerCount": 800}}
    }


@pytest.mark.parametrize(
    ("selection", "kind"),
    [
        ("issues { nodes { createdAt } }", "MISSING_PAGINATION_BOUNDARIES"),
        ("issues { edges { node { createdAt } } }", "MISSING_PAGINATION_BOUNDARIES"),
        ("issues(first: 101) { nodes { createdAt } }", "EXCESSIVE_PAGINATION"),
        ("issues(last: 0) { nodes { createdAt } }", "EXCESSIVE_PAGINATION"),
        ("issues(first: 5, last: 5) { nodes { createdAt } }", "EXCESSIVE_PAGINATION"),
        (
            "issues(first: 100) { nodes { comments(first: 100) { nodes { reactions(first: 100)"
            " { nodes { content } } } } } }",
            "MAX_NODE_LIMIT_EXCEEDED",
        ),
    ],
    ids=["no-first", "no-first-edges", "first-101", "last-0", "first-and-last", "over-limit"],
)
def test_pagination_and_node_limits_are_refused(gh: FakeGitHub, selection: str, kind: str) -> None:
    document = f'{{ repository(owner: "solodev", name: "tinytok") {{ {selection} }} }}'
    assert [e["type"] for e in refused(post(gh, document))] == [kind]


def test_a_connection_asked_only_for_its_count_needs_no_first(gh: FakeGitHub) -> None:
    document = (
        '{ repository(owner: "solodev", name: "tinytok") { issues(states: OPEN) { totalCount } } }'
    )
    body = post(gh, document).json()
    assert body["data"]["repository"]["issues"]["totalCount"] >= 1 and "errors" not in body


# GitHub's two documented examples ("Calculating nodes in a call"), with their totals.
SIMPLE = """query { viewer { repositories(first: 50) { edges { repository: node { name
  issues(first: 10) { totalCount edges { node { title bodyHTML } } } } } } } }"""
COMPLEX = """query { viewer {
  repositories(first: 50) { edges { repository: node { name
    pullRequests(first: 20) { edges { pullRequest: node { title
      comments(first: 10) { edges { comment: node { bodyHTML } } } } } }
    issues(first: 20) { totalCount edges { issue: node { title bodyHTML
      comments(first: 10) { edges { comment: node { bodyHTML } } } } } } } } }
  followers(first: 10) { edges { follower: node { login } } } } }"""


@pytest.mark.parametrize(("document", "nodes"), [(SIMPLE, 550), (COMPLEX, 22_060)])
def test_node_count_follows_githubs_documented_formula(document: str, nodes: int) -> None:
    assert check(document).nodes == nodes


def test_the_limit_is_500000_nodes_exactly() -> None:
    def document(labels: int) -> str:
        return (
            '{ repository(owner: "a", name: "b") {'
            " issues(first: 49) { nodes { comments(first: 100) { nodes {"
            " reactions(first: 100) { nodes { content } } } } } }"
            " releases(first: 50) { nodes { releaseAssets(first: 100) { nodes { name } } } }"
            f" labels(first: {labels}) {{ nodes {{ name }} }} }} }}"
        )

    # 49 + 49*100 + 49*100*100 = 494,949; 50 + 50*100 = 5,050; plus the labels.
    assert check(document(1)).nodes == 500_000
    with pytest.raises(Refused) as over:
        check(document(2))
    assert over.value.errors[0]["type"] == "MAX_NODE_LIMIT_EXCEEDED"
    assert "500,001" in over.value.errors[0]["message"]
