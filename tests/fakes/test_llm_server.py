"""The fake model servers must refuse what the real ones refuse and stream as they do."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from .llm_server import FakeLLMServer

MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
LONG = " ".join(f"w{i}" for i in range(50))


@pytest.fixture(params=["ollama", "openai"])
def server(request: pytest.FixtureRequest) -> Iterator[FakeLLMServer]:
    with FakeLLMServer(request.param, answer=LONG) as fake:
        yield fake


def chat(server: FakeLLMServer, body: Any) -> requests.Response:
    return requests.post(server.root + server.chat_path, json=body, timeout=10)


def complete(server: FakeLLMServer, **extra: Any) -> dict[str, Any]:
    body = {"model": "qwen2.5:3b", "messages": MESSAGES, "stream": False, **extra}
    response = chat(server, body)
    assert response.status_code == 200, response.text
    doc: dict[str, Any] = response.json()
    return doc


def text_and_stop(server: FakeLLMServer, doc: dict[str, Any]) -> tuple[str, str]:
    if server.flavor == "ollama":
        return doc["message"]["content"], doc["done_reason"]
    choice = doc["choices"][0]
    return choice["message"]["content"], choice["finish_reason"]


@pytest.mark.parametrize(
    "body",
    [
        {"messages": MESSAGES},  # no model
        {"model": 3, "messages": MESSAGES},
        {"model": "qwen2.5:3b", "messages": "Hi"},
        {"model": "qwen2.5:3b", "messages": [{"role": "user", "content": 5}]},
        {"model": "qwen2.5:3b", "messages": [{"role": "wizard", "content": "Hi"}]},
        {"model": "qwen2.5:3b", "messages": MESSAGES, "stream": "no"},
        [1, 2],
    ],
    ids=["no-model", "model-int", "messages-str", "content-int", "bad-role", "stream-str", "list"],
)
def test_malformed_bodies_are_400_in_the_servers_own_shape(
    server: FakeLLMServer, body: Any
) -> None:
    response = chat(server, body)
    assert response.status_code == 400
    error = response.json()["error"]
    if server.flavor == "ollama":
        assert isinstance(error, str) and error
    else:
        assert error["type"] == "invalid_request_error" and error["message"]


@pytest.mark.parametrize(
    ("flavor", "extra"),
    [
        ("ollama", {"options": {"num_predict": "400"}}),
        ("ollama", {"options": "fast"}),
        ("openai", {"max_tokens": "400"}),
        ("openai", {"max_tokens": 0}),
        ("openai", {"temperature": 3}),
        ("openai", {"messages": []}),
    ],
)
def test_options_of_the_wrong_type_are_400(flavor: str, extra: dict[str, Any]) -> None:
    with FakeLLMServer(flavor) as fake:  # type: ignore[arg-type]
        body = {"model": "qwen2.5:3b", "messages": MESSAGES, "stream": False, **extra}
        assert chat(fake, body).status_code == 400


def test_the_length_cap_is_honoured(server: FakeLLMServer) -> None:
    cap = {"options": {"num_predict": 5}} if server.flavor == "ollama" else {"max_tokens": 5}
    text, stop = text_and_stop(server, complete(server, **cap))
    assert text == "w0 w1 w2 w3 w4" and stop == "length"
    text, stop = text_and_stop(server, complete(server))
    assert text == LONG and stop == "stop"


def test_ollama_streams_ndjson_unless_stream_is_false() -> None:
    with FakeLLMServer("ollama", answer="one two three") as fake:
        for body in (
            {"model": "qwen2.5:3b", "messages": MESSAGES},
            {"model": "qwen2.5:3b", "messages": MESSAGES, "stream": True},
        ):
            response = chat(fake, body)
            assert response.headers["Content-Type"] == "application/x-ndjson"
            with pytest.raises(ValueError):
                response.json()  # several JSON documents, one a line
            chunks = [json.loads(line) for line in response.text.splitlines()]
            assert "".join(c["message"]["content"] for c in chunks) == "one two three"
            assert [c["done"] for c in chunks] == [False, False, False, True]
        assert text_and_stop(fake, complete(fake)) == ("one two three", "stop")


def test_openai_streams_only_when_asked() -> None:
    with FakeLLMServer("openai", answer="one two") as fake:
        body = {"model": "qwen2.5:3b", "messages": MESSAGES}
        assert chat(fake, body).json()["choices"][0]["message"]["content"] == "one two"
        streamed = chat(fake, {**body, "stream": True})
        assert streamed.headers["Content-Type"] == "text/event-stream"
        events = [line[6:] for line in streamed.text.split("\n\n") if line]
        assert events[-1] == "[DONE]"
        deltas = [json.loads(e)["choices"][0]["delta"].get("content", "") for e in events[:-1]]
        assert "".join(deltas) == "one two"
