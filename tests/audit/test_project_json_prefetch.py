"""Project documents are fetched side by side while the collectors read them in order."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path
from typing import Any

import networkx as nx
import requests
from requests.adapters import HTTPAdapter

from auditor.cache import Cache
from auditor.collectors.run import map_repositories
from auditor.config import make_target
from auditor.index.client import IndexClient
from auditor.index.http import make_session
from auditor.model import Origin, PackageStatus, Requirement, ResolvedPackage
from auditor.resolve.graph import DependencyGraph
from tests.fakes.index_server import FakeIndex

NAMES = ("requests", "idna", "certifi", "urllib3")


def _graph(names: tuple[str, ...]) -> DependencyGraph:
    g = nx.DiGraph()
    for name in names:
        pkg = ResolvedPackage(
            name=name, display_name=name, version="1", status=PackageStatus.RESOLVED
        )
        g.add_node(name, package=pkg)
    for parent, child in itertools.pairwise(names):
        g.add_edge(parent, child)
    req = Requirement(
        name=names[0], display_name=names[0], origin=Origin(path="r.txt", line=1), text=names[0]
    )
    return DependencyGraph(
        g, {names[0]: [req]}, target=make_target("3.12", "linux"), inputs=["r.txt"]
    )


class _Rendezvous(HTTPAdapter):
    """Holds each project-JSON request until ``parties`` of them are in flight at once:
    fetched one after another, the first one waits alone and the barrier breaks."""

    def __init__(self, parties: int) -> None:
        super().__init__()
        self.barrier = threading.Barrier(parties, timeout=10)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if "/pypi/" in (request.url or ""):
            self.barrier.wait()
        return super().send(request, **kwargs)


def test_documents_are_fetched_side_by_side_and_each_once() -> None:
    with FakeIndex.recorded() as fake:
        session = make_session()
        session.mount("http://", _Rendezvous(len(NAMES)))
        client = IndexClient([fake.simple_url], session=session, cache=Cache(None))
        mapped = map_repositories(_graph(NAMES), client)
        for name in NAMES:
            assert fake.count(f"/pypi/{name}/json") == 1
    assert set(mapped) == set(NAMES)
    # the answers are the documents' own: each of these projects links its repository
    assert all(mapped[n].ref is not None for n in NAMES), mapped


def test_a_failure_is_recorded_as_if_asked_in_order() -> None:
    with FakeIndex.recorded() as fake:
        fake.fail("/pypi/idna/json", 500)
        client = IndexClient([fake.simple_url], session=make_session(), cache=Cache(None))
        mapped = map_repositories(_graph(NAMES), client)
        assert mapped["idna"].ref is None
        assert mapped["requests"].ref is not None
        failure = client.project_json_failure("idna")
        assert failure is not None and "500" in failure
        assert client.project_json_failure("requests") is None


def test_documents_in_the_cache_start_no_fetching_threads(tmp_path: Path) -> None:
    with FakeIndex.recorded() as fake:
        cache = Cache(tmp_path / "c.sqlite3")
        first = IndexClient([fake.simple_url], session=make_session(), cache=cache)
        for name in NAMES:
            first.project_json(name)
        asked = fake.count("/pypi/")
        warm = IndexClient([fake.simple_url], session=make_session(), cache=cache)
        with warm.fetching_project_json(NAMES):
            workers = [t.name for t in threading.enumerate() if t.name.startswith("project-json")]
            docs = [warm.project_json(n) for n in NAMES]
        assert workers == []
        assert fake.count("/pypi/") == asked
        assert all(isinstance(d, dict) for d in docs)
        cache.close()
