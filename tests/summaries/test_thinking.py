"""Ollama thinks by itself with models that can (qwen3, deepseek-r1, gpt-oss) unless the
request says ``think: false``; the thinking then eats the token cap and no answer is left.
The fake behaves so (``thinks=True``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.cache import Cache
from auditor.index.http import make_session
from auditor.summaries import Summarizer
from auditor.summaries.client import BadAnswer, ChatClient, choose_endpoint
from tests.fakes.llm_server import FakeLLMServer
from tests.summaries.conftest import package


def test_a_thinking_model_still_answers(tmp_path: Path) -> None:
    with FakeLLMServer("ollama", models=("qwen3:4b",), thinks=True) as server:
        cache = Cache(tmp_path / "cache.sqlite3")
        try:
            batch = Summarizer(server.url, "qwen3:4b", cache=cache).summarize_packages([package()])
        finally:
            cache.close()
    assert batch.warnings == []
    assert batch.summaries["tiny-lib"].text.startswith("tiny-lib is at high risk")
    assert server.chats[0].body["think"] is False


def test_without_think_false_the_fake_thinks_and_the_client_says_so(tmp_path: Path) -> None:
    """The fake bites: the same request without ``think: false`` gets no answer, only
    thinking, and the client names that instead of a bare "empty"."""
    with FakeLLMServer("ollama", models=("qwen3:4b",), thinks=True) as server:
        Summarizer(server.url, "qwen3:4b").summarize_packages([package()])
        body = dict(server.chats[0].body)
        del body["think"]
        client = ChatClient(
            choose_endpoint(server.url), "qwen3:4b", make_session(retries=0), timeout=5
        )
        response = client.session.post(client.endpoint.chat_url, json=body, timeout=5)
        message = response.json()["message"]
        assert message["content"] == "" and message["thinking"]
        with pytest.raises(BadAnswer, match="spent its whole answer on thinking"):
            client._json = lambda _response: response.json()  # type: ignore[method-assign]
            client.chat(body["messages"], max_tokens=10)


def test_openai_requests_carry_no_ollama_fields() -> None:
    with FakeLLMServer("openai") as server:
        Summarizer(server.url, "qwen2.5:3b").summarize_packages([package()])
    assert "think" not in server.chats[0].body
