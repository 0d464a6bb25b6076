"""Fixtures for the resolution pipeline: the recorded fake index and helpers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.cache import Cache
from auditor.config import make_target, target_tags
from auditor.index.client import IndexClient
from auditor.index.http import make_session
from auditor.resolve.resolver import ResolveOptions
from tests.fakes import FakeIndex


@pytest.fixture
def fake_index() -> Iterator[FakeIndex]:
    with FakeIndex.recorded() as fake:
        yield fake


@pytest.fixture
def empty_index() -> Iterator[FakeIndex]:
    with FakeIndex() as fake:
        yield fake


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[Cache]:
    c = Cache(tmp_path / "cache.sqlite3")
    yield c
    c.close()


def client(fake: FakeIndex, cache: Cache, **kw: object) -> IndexClient:
    return IndexClient([fake.simple_url], session=make_session(retries=0), cache=cache, **kw)  # type: ignore[arg-type]


def options(python: str = "3.12", platform: str = "linux", **kw: object) -> ResolveOptions:
    target = make_target(python, platform)
    return ResolveOptions(target=target, tags=tuple(target_tags(target)), **kw)  # type: ignore[arg-type]
