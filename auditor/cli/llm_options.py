"""The ``--summarize`` flags, shared by ``audit`` and ``sponsor``, and the Summarizer they ask for.

Why a parent parser: both commands take the same flags with the same defaults, and the
environment (``AUDITOR_LLM_URL``, ``AUDITOR_LLM_MODEL``, ``AUDITOR_LLM_API_KEY``) is read
here, in the CLI layer, at the moment a Summarizer is built, never by the library. The
``--llm-*`` flags alone do nothing: summaries are asked for with ``--summarize`` only, so
a shell profile exporting ``AUDITOR_LLM_URL`` never turns them on by surprise. The API key
has no flag on purpose, so it stays out of shell history and process listings.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from auditor.cache import Cache
    from auditor.summaries import Summarizer

# The summaries package's defaults, repeated so that ``--help`` does not load it (and
# requests with it); a test holds them equal to ``auditor.summaries``.
API_CHOICES = ("auto", "ollama", "openai")
DEFAULT_URL = "http://127.0.0.1:11434"
DEFAULT_MODEL = "qwen2.5:3b"

URL_ENV = "AUDITOR_LLM_URL"
MODEL_ENV = "AUDITOR_LLM_MODEL"
KEY_ENV = "AUDITOR_LLM_API_KEY"


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def llm_parent() -> argparse.ArgumentParser:
    """Flags for optional summaries from a local model."""
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group(
        "summaries from a local model (optional; never change a score or the exit code)"
    )
    g.add_argument(
        "--summarize",
        action="store_true",
        help="add a short generated narrative per risky package (and a memo for sponsor)",
    )
    g.add_argument(
        "--llm-url",
        metavar="URL",
        default=None,
        help=f"model server (default: ${URL_ENV}, else Ollama at {DEFAULT_URL}); "
        "a URL ending in /v1 is treated as OpenAI-compatible",
    )
    g.add_argument(
        "--llm-model",
        metavar="NAME",
        default=None,
        help=f"model name as the server lists it (default: ${MODEL_ENV}, else {DEFAULT_MODEL})",
    )
    g.add_argument(
        "--llm-api",
        choices=API_CHOICES,
        default="auto",
        help="protocol: ollama (/api/chat), openai (/v1/chat/completions), or auto from "
        "the URL (default: auto)",
    )
    g.add_argument(
        "--llm-timeout",
        type=_positive_float,
        default=60.0,
        metavar="SECONDS",
        help="seconds to wait for each answer (default: 60)",
    )
    g.add_argument(
        "--llm-concurrency",
        type=_positive_int,
        default=2,
        metavar="N",
        help="requests in flight at once (default: 2)",
    )
    return p


def summarizer_from_args(args: argparse.Namespace, cache: Cache | None) -> Summarizer | None:
    """The Summarizer the flags ask for, or None without ``--summarize``.

    No request is made here; a malformed URL raises InputError at once.
    """
    if not getattr(args, "summarize", False):
        return None
    from auditor.summaries import Summarizer

    url = args.llm_url or os.environ.get(URL_ENV) or DEFAULT_URL
    model = args.llm_model or os.environ.get(MODEL_ENV) or DEFAULT_MODEL
    return Summarizer(
        url,
        model,
        api=args.llm_api,
        cache=cache,
        timeout=args.llm_timeout,
        concurrency=args.llm_concurrency,
        api_key=os.environ.get(KEY_ENV) or None,
    )


@contextmanager
def summarizer_session(args: argparse.Namespace) -> Iterator[tuple[Summarizer | None, Cache]]:
    """The Summarizer the flags ask for (None without ``--summarize``) and its cache.

    The cache is the audit's own SQLite file, so summaries are reused across runs; it is
    closed when the block ends. Callers add ``cache.warnings`` to their warnings.
    """
    from auditor.cache import Cache
    from auditor.cli.common import cache_dir

    directory = cache_dir(args)
    cache = Cache(None if directory is None else directory / "cache.sqlite3", refresh=args.refresh)
    try:
        yield summarizer_from_args(args, cache), cache
    finally:
        cache.close()
