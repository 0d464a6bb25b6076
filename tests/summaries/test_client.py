"""Choosing the protocol and talking to both kinds of server."""

from __future__ import annotations

import argparse
from typing import Any

import pytest

from auditor.cache import Cache
from auditor.cli.llm_options import llm_parent, summarizer_from_args
from auditor.errors import InputError
from auditor.summaries import Summarizer, choose_endpoint
from auditor.summaries.summarize import MEMO_TOKENS, PACKAGE_TOKENS
from tests.fakes.llm_server import FakeLLMServer
from tests.summaries.conftest import package


@pytest.mark.parametrize(
    ("url", "api", "expected_api", "chat"),
    [
        ("http://127.0.0.1:11434", "auto", "ollama", "http://127.0.0.1:11434/api/chat"),
        ("http://127.0.0.1:11434/", "auto", "ollama", "http://127.0.0.1:11434/api/chat"),
        ("http://127.0.0.1:11434/api/chat", "auto", "ollama", "http://127.0.0.1:11434/api/chat"),
        ("http://127.0.0.1:8080/v1", "auto", "openai", "http://127.0.0.1:8080/v1/chat/completions"),
        ("http://h:8080/v1/", "auto", "openai", "http://h:8080/v1/chat/completions"),
        (
            "http://h:8080/v1/chat/completions",
            "auto",
            "openai",
            "http://h:8080/v1/chat/completions",
        ),
        ("http://h:8080", "openai", "openai", "http://h:8080/v1/chat/completions"),
        ("https://h/proxy/v1", "auto", "openai", "https://h/proxy/v1/chat/completions"),
        ("http://h:11434/api", "ollama", "ollama", "http://h:11434/api/chat"),
    ],
)
def test_protocol_is_chosen_from_the_url_or_the_api_setting(
    url: str, api: str, expected_api: str, chat: str
) -> None:
    endpoint = choose_endpoint(url, api)
    assert endpoint.api == expected_api
    assert endpoint.chat_url == chat


@pytest.mark.parametrize("url", ["127.0.0.1:11434", "ftp://h/v1", "http://", ""])
def test_unusable_urls_are_input_errors(url: str) -> None:
    with pytest.raises(InputError, match="not an http"):
        choose_endpoint(url)


def test_unknown_api_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown model API"):
        choose_endpoint("http://h", "grpc")


def test_request_bodies(server: FakeLLMServer, cache: Cache) -> None:
    batch = Summarizer(server.url, "qwen2.5:3b", cache=cache).summarize_packages([package()])
    assert batch.warnings == []
    assert batch.summaries["tiny-lib"].text == (
        "tiny-lib is at high risk because one person holds it up."
    )
    assert [r.path for r in server.requests] == [server.models_path, server.chat_path]
    body = server.chats[0].body
    assert body["model"] == "qwen2.5:3b"
    assert body["stream"] is False
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert "2 to 4 sentences" in body["messages"][1]["content"]
    if server.flavor == "ollama":
        assert body["options"]["temperature"] == 0
        assert body["options"]["seed"] == 42
        assert body["options"]["num_predict"] == PACKAGE_TOKENS
        assert "temperature" not in body and "max_tokens" not in body
    else:
        assert body["temperature"] == 0
        assert body["seed"] == 42
        assert body["max_tokens"] == PACKAGE_TOKENS
        assert "options" not in body


def cap_of(body: dict[str, Any]) -> int | None:
    value = body.get("options", {}).get("num_predict", body.get("max_tokens"))
    return value if isinstance(value, int) else None


def test_every_request_caps_the_answer_length(server: FakeLLMServer, cache: Cache) -> None:
    # A runaway answer on a laptop CPU is minutes: each kind of request carries its cap,
    # and the server stops there (the fake, like the real ones, honours it).
    server.answer = " ".join(["word"] * 5000)
    summarizer = Summarizer(server.url, "qwen2.5:3b", cache=cache)
    summarizer.summarize_packages([package()])
    summarizer.sponsorship_memo({"budget": 100, "allocations": []})
    assert [cap_of(r.body) for r in server.chats] == [PACKAGE_TOKENS, MEMO_TOKENS]


def test_cli_flags_choose_the_protocol(openai: FakeLLMServer) -> None:
    parser = argparse.ArgumentParser(parents=[llm_parent()])
    args = parser.parse_args(
        ["--summarize", "--llm-url", openai.root, "--llm-api", "openai", "--llm-timeout", "5"]
    )
    summarizer = summarizer_from_args(args, None)
    assert summarizer is not None and summarizer.api == "openai"
    assert summarizer.timeout == 5.0 and summarizer.concurrency == 2
    batch = summarizer.summarize_packages([package()])
    assert list(batch.summaries) == ["tiny-lib"]
    assert openai.chats[0].path == "/v1/chat/completions"


def test_cli_defaults_come_from_the_environment(
    openai: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    parser = argparse.ArgumentParser(parents=[llm_parent()])
    assert summarizer_from_args(parser.parse_args([]), None) is None
    default = summarizer_from_args(parser.parse_args(["--summarize"]), None)
    assert default is not None
    assert (default.endpoint.base, default.model, default.api) == (
        "http://127.0.0.1:11434",
        "qwen2.5:3b",
        "ollama",
    )
    monkeypatch.setenv("AUDITOR_LLM_URL", openai.url)
    monkeypatch.setenv("AUDITOR_LLM_MODEL", "llama3.2:1b")
    monkeypatch.setenv("AUDITOR_LLM_API_KEY", "local-secret")
    summarizer = summarizer_from_args(parser.parse_args(["--summarize"]), None)
    assert summarizer is not None and summarizer.api == "openai"
    summarizer.summarize_packages([package()])
    assert openai.chats[0].body["model"] == "llama3.2:1b"
    assert openai.chats[0].headers["authorization"] == "Bearer local-secret"


@pytest.mark.parametrize(
    "flags", [["--llm-timeout", "0"], ["--llm-concurrency", "0"], ["--llm-api", "grpc"]]
)
def test_cli_rejects_bad_values(flags: list[str]) -> None:
    parser = argparse.ArgumentParser(parents=[llm_parent()])
    with pytest.raises(SystemExit):
        parser.parse_args(["--summarize", *flags])


def test_cli_rejects_a_malformed_url_before_any_request() -> None:
    parser = argparse.ArgumentParser(parents=[llm_parent()])
    with pytest.raises(InputError):
        summarizer_from_args(parser.parse_args(["--summarize", "--llm-url", "localhost"]), None)


def test_wrong_model_lists_the_models_the_server_has(server: FakeLLMServer) -> None:
    summarizer = Summarizer(server.url, "qwen2.5:7b")
    with pytest.raises(InputError) as raised:
        summarizer.summarize_packages([package()])
    assert "'qwen2.5:7b' is not on the" in raised.value.message
    assert raised.value.hint is not None
    assert "qwen2.5:3b, llama3.2:1b" in raised.value.hint
    assert server.chats == []


def test_a_server_without_models_says_to_fetch_one() -> None:
    with FakeLLMServer("ollama", models=()) as server, pytest.raises(InputError) as raised:
        Summarizer(server.url, "qwen2.5:3b").preflight()
    assert raised.value.hint is not None and "ollama pull" in raised.value.hint


def test_ollama_reads_a_bare_name_as_latest() -> None:
    with FakeLLMServer("ollama", models=("llama3:latest",)) as server:
        batch = Summarizer(server.url, "llama3").summarize_packages([package()])
    assert list(batch.summaries) == ["tiny-lib"]


def test_a_server_without_a_model_list_is_asked_anyway() -> None:
    with FakeLLMServer("openai", list_models=False) as server:
        batch = Summarizer(server.url, "qwen2.5:3b").summarize_packages([package()])
    assert list(batch.summaries) == ["tiny-lib"] and batch.warnings == []


def test_model_missing_at_chat_time_is_a_warning() -> None:
    """The list said yes (no list offered) but the chat says no: a warning, no summary."""
    with FakeLLMServer("ollama", list_models=False) as server:
        batch = Summarizer(server.url, "nope").summarize_packages([package()])
    assert batch.summaries == {}
    assert len(batch.warnings) == 1 and "HTTP 404" in batch.warnings[0]
    assert "not found" in batch.warnings[0]
