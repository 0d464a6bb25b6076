"""A chat client for local model servers: Ollama's native API and the OpenAI-compatible one.

Two protocols because the servers teams run speak one or the other: Ollama answers
``/api/chat`` (and lists models at ``/api/tags``); llama.cpp's server, vLLM, LM Studio and
Ollama itself also answer ``/v1/chat/completions`` (models at ``/v1/models``). Which one
is used: ``api="ollama"`` or ``"openai"`` when given; with ``"auto"`` a URL whose path ends
in ``/v1`` means OpenAI-compatible and anything else means Ollama. In OpenAI mode a URL
without ``/v1`` gets it appended, since that is where every such server mounts its API.

Both requests ask for determinism the same way: temperature 0, seed 42, no streaming,
and a cap on the answer's length (a runaway answer on a laptop CPU is minutes). Ollama
requests also say ``think: false``, since a thinking model would spend the cap thinking.

Failures are typed so the caller can decide: ``ServerUnavailable`` (refused, timed out:
no point asking again in this run) and ``BadAnswer`` (this answer was unusable). The
client raises; ``Summarizer`` turns both into warnings.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from auditor.errors import InputError
from auditor.summaries.sanitize import sanitize

if TYPE_CHECKING:
    # Loaded when a model is really asked: every report imports this package for its
    # Summary type, and a warm audit must not pay for the HTTP stack.
    import requests

Api = Literal["ollama", "openai"]
ApiChoice = Literal["auto", "ollama", "openai"]
API_CHOICES: tuple[ApiChoice, ...] = ("auto", "ollama", "openai")
DEFAULT_URL = "http://127.0.0.1:11434"
SEED = 42
LIST_TIMEOUT = 10.0
CONNECT_TIMEOUT = 5.0


class ServerUnavailable(Exception):
    """The server cannot be reached or did not answer in time."""


class BadAnswer(Exception):
    """The server answered, but not with a usable chat completion."""


@dataclass(frozen=True, kw_only=True)
class Endpoint:
    """Where and how to talk: the protocol and its base URL (no trailing slash)."""

    api: Api
    base: str

    @property
    def chat_url(self) -> str:
        return f"{self.base}/api/chat" if self.api == "ollama" else f"{self.base}/chat/completions"

    @property
    def models_url(self) -> str:
        return f"{self.base}/api/tags" if self.api == "ollama" else f"{self.base}/models"


def choose_endpoint(url: str, api: str = "auto") -> Endpoint:
    """The protocol and base URL for ``url``; InputError for a URL or api we cannot use."""
    if api not in API_CHOICES:
        raise InputError(
            f"unknown model API {api!r}", hint=f"Use one of: {', '.join(API_CHOICES)}."
        )
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(
            f"the model server URL {url!r} is not an http(s) URL",
            hint=f"For Ollama use {DEFAULT_URL}; for an OpenAI-compatible server use "
            "http://HOST:PORT/v1.",
        )
    path = parts.path.rstrip("/")
    for suffix in ("/chat/completions", "/api/chat"):  # a full endpoint URL was pasted
        if path.endswith(suffix):
            path = path[: -len(suffix)]
    is_v1 = path.endswith("/v1")
    chosen: Api = ("openai" if is_v1 else "ollama") if api == "auto" else api
    if chosen == "openai" and not is_v1:
        path = f"{path}/v1"
    if chosen == "ollama" and path.endswith("/api"):
        path = path[: -len("/api")]
    base = urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    return Endpoint(api=chosen, base=base)


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ChatClient:
    """One server, one model: list the server's models, ask for one chat completion."""

    def __init__(
        self,
        endpoint: Endpoint,
        model: str,
        session: requests.Session,
        *,
        timeout: float,
        api_key: str | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.model = model
        self.session = session
        self.timeout = timeout
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        # A proxy from the environment must not capture a server on this machine.
        self._proxies: dict[str, str | None] | None = (
            {"http": None, "https": None} if _is_loopback(endpoint.base) else None
        )

    def list_models(self) -> list[str] | None:
        """The server's model names; None when it does not offer a model list."""
        response = self._send(
            "GET", self.endpoint.models_url, None, min(self.timeout, LIST_TIMEOUT)
        )
        if response.status_code in (404, 405, 501):
            return None
        body = self._json(response)
        key, field = ("models", "name") if self.endpoint.api == "ollama" else ("data", "id")
        items = body.get(key) if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise BadAnswer(f"the model list at {self.endpoint.models_url} has no {key!r} list")
        names: list[str] = []
        for item in items:
            if isinstance(item, dict):
                for k in (field, "model", "name", "id"):
                    value = item.get(k)
                    if isinstance(value, str) and value not in names:
                        names.append(value)
                        break
        return names

    def has_model(self, available: list[str]) -> bool:
        """Whether our model is among ``available``; Ollama reads "x" as "x:latest"."""
        if self.model in available:
            return True
        return (
            self.endpoint.api == "ollama"
            and ":" not in self.model
            and (f"{self.model}:latest" in available)
        )

    def chat(self, messages: list[dict[str, str]], *, max_tokens: int) -> str:
        """The assistant's answer text (not yet sanitised)."""
        body: dict[str, Any]
        if self.endpoint.api == "ollama":
            body = {
                "model": self.model,
                "messages": messages,
                "stream": False,
                # Ollama turns "thinking" on by itself for models that can think (qwen3,
                # deepseek-r1, gpt-oss) when the request does not say, and the thinking
                # then eats the token cap before any answer. Older servers ignore it.
                "think": False,
                "options": {"temperature": 0, "seed": SEED, "num_predict": max_tokens},
            }
        else:
            body = {
                "model": self.model,
                "messages": messages,
                "stream": False,
                "temperature": 0,
                "seed": SEED,
                "max_tokens": max_tokens,
            }
        response = self._send("POST", self.endpoint.chat_url, body, self.timeout)
        data = self._json(response)
        content = _content(data, self.endpoint.api)
        if content is None:
            raise BadAnswer("the answer has no message content (not a chat completion)")
        if not content.strip():
            if _thinking(data):
                raise BadAnswer(
                    "the model spent its whole answer on thinking; use a model without "
                    "thinking or a server that honours think=false"
                )
            raise BadAnswer("the answer is empty")
        return content

    # -- internals ------------------------------------------------------------------------

    def _send(
        self, method: str, url: str, body: dict[str, Any] | None, read_timeout: float
    ) -> requests.Response:
        import requests

        try:
            return self.session.request(
                method,
                url,
                json=body,
                headers=self._headers,
                timeout=(min(CONNECT_TIMEOUT, read_timeout), read_timeout),
                proxies=self._proxies,  # type: ignore[arg-type]
            )
        except requests.Timeout as exc:
            raise ServerUnavailable(
                f"no answer from {self.endpoint.base} within {read_timeout:g}s"
            ) from exc
        except requests.RequestException as exc:
            raise ServerUnavailable(
                f"cannot reach the model server at {self.endpoint.base} ({type(exc).__name__}); "
                "is it running?"
            ) from exc

    def _json(self, response: requests.Response) -> Any:
        if response.status_code >= 400:
            raise BadAnswer(f"HTTP {response.status_code}: {_error_text(response)}")
        try:
            return response.json()
        except ValueError as exc:
            raise BadAnswer("the answer is not JSON") from exc


def _content(data: Any, api: Api) -> str | None:
    if not isinstance(data, dict):
        return None
    if api == "ollama":
        message = data.get("message")
    else:
        choices = data.get("choices")
        first = choices[0] if isinstance(choices, list) and choices else None
        message = first.get("message") if isinstance(first, dict) else None
    content = message.get("content") if isinstance(message, dict) else None
    return content if isinstance(content, str) else None


def _thinking(data: Any) -> bool:
    """Whether an answer carries a model's reasoning (Ollama's ``message.thinking``)."""
    message = data.get("message") if isinstance(data, dict) else None
    thinking = message.get("thinking") if isinstance(message, dict) else None
    return isinstance(thinking, str) and bool(thinking.strip())


def _error_text(response: requests.Response) -> str:
    """The server's own error message, short and printable."""
    try:
        data = response.json()
    except ValueError:
        return sanitize(response.text, limit=200) or response.reason or "error"
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        error = error.get("message")
    text = error if isinstance(error, str) else response.text
    return sanitize(text, limit=200) or "error"
