"""Input files to a resolved graph: the first stage every command shares.

The CLI hands in plain choices (``GraphRequest``); this module builds the one HTTP session,
the cache and the index client, reads every input and resolves them together. Network
clients are built here or injected, so tests point the same code at loopback fakes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.cache import Cache
from auditor.config import index_location, make_target, target_tags
from auditor.index.client import IndexClient
from auditor.index.simple_api import wheel_prefilter
from auditor.model import DependencyInput, SourceOptions
from auditor.resolve.graph import DependencyGraph
from auditor.resolve.reuse import ResolveOptions, reused_graph

if TYPE_CHECKING:
    import requests


@dataclass(frozen=True, kw_only=True)
class GraphRequest:
    """Everything the user chose that shapes the graph."""

    files: tuple[str, ...] = ()
    environment: bool = False
    python: str | None = None
    source_options: SourceOptions = field(default_factory=SourceOptions)
    python_version: str | None = None
    platform: str | None = None
    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    cache_dir: Path | None = None
    refresh: bool = False
    offline: bool = False
    no_deps: bool = False
    stdin_text: str | None = None
    #: processes reading the index beside the resolver (None: as suits the machine;
    #: 0: none); see ``auditor.index.fetch_process``
    fetch_processes: int | None = None
    #: backtracking rounds before one-by-one resolution takes over (see ``settle``)
    max_rounds: int = 2000


def read_inputs(request: GraphRequest) -> list[DependencyInput]:
    """Parse every input the user named (files, stdin, or an installed environment)."""
    from auditor.sources.detect import read_input

    inputs = [
        read_input(f, request.source_options, stdin_text=request.stdin_text) for f in request.files
    ]
    if request.environment or request.python:
        from auditor.sources.environment import read_environment

        inputs.append(read_environment(request.python))
    return inputs


def index_urls(request: GraphRequest, inputs: list[DependencyInput]) -> tuple[list[str], list[str]]:
    """(indexes in order, trusted hosts): flags win, then the files' own options, then pip's."""
    location = index_location(
        flag_index_url=request.index_url, flag_extra_index_urls=request.extra_index_urls
    )
    primary = location.index_url
    if request.index_url is None:
        for inp in inputs:
            if inp.index.index_url:
                primary = inp.index.index_url
                break
    urls = [primary]
    for url in list(location.extra_index_urls) + [
        u for inp in inputs for u in inp.index.extra_index_urls
    ]:
        if url.rstrip("/") not in {u.rstrip("/") for u in urls}:
            urls.append(url)
    trusted = list(location.trusted_hosts) + [h for inp in inputs for h in inp.index.trusted_hosts]
    return urls, trusted


def build_graph(
    request: GraphRequest,
    *,
    session: requests.Session | Callable[[], requests.Session] | None = None,
    cache: Cache | None = None,
) -> tuple[DependencyGraph, list[str]]:
    """Resolve the request. Returns the graph and warnings worth showing the user.

    ``session`` may be a function making it, called when a request is first needed: a
    warm run then never loads the HTTP stack. A resolution asked before is read from
    the cache without loading the resolver (``reuse``).
    """
    inputs = read_inputs(request)
    target = make_target(request.python_version, request.platform)
    urls, trusted = index_urls(request, inputs)
    own_cache = cache is None
    if cache is None:
        cache = Cache(
            None if request.cache_dir is None else request.cache_dir / "cache.sqlite3",
            refresh=request.refresh,
        )
    index = IndexClient(
        urls,
        session=session if session is not None else _make_session,
        cache=cache,
        offline=request.offline,
        trusted_hosts=trusted,
        # A child process can read pages only through a session it can make itself.
        child_pages=(session is None or getattr(session, "default_http", False))
        and request.fetch_processes != 0,
        fetch_processes=request.fetch_processes,
    )
    options = ResolveOptions(
        target=target,
        tags=(),
        no_deps=request.no_deps,
        offline=request.offline,
        max_rounds=request.max_rounds,
    )
    try:
        graph = reused_graph(inputs, index=index, options=options)
        if graph is None:
            from auditor.resolve.resolver import resolve

            # The target's tags (and the file filter made of them) are worked out only
            # for a resolution: a warm run reads its graph back and needs neither.
            tags = tuple(target_tags(target))
            index.keep_file = wheel_prefilter(tags)
            index.start_fetch_process()
            graph = resolve(inputs, index=index, options=replace(options, tags=tags))
    finally:
        index.close()
        if own_cache:
            cache.close()
    warnings = list(dict.fromkeys([*graph.warnings, *cache.warnings]))
    return graph, warnings


def _make_session() -> requests.Session:
    from auditor.index.http import make_session

    return make_session()
