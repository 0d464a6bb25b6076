"""Fake local model servers on 127.0.0.1: Ollama's native API and an OpenAI-compatible one.

Why real HTTP: the summariser talks through requests exactly as in production, so
timeouts, refused connections, status codes and bodies are exercised by the real client.

``FakeLLMServer("ollama")`` answers ``GET /api/tags`` and ``POST /api/chat``;
``FakeLLMServer("openai")`` answers ``GET /v1/models`` and ``POST /v1/chat/completions``.
Each request is recorded (method, path, parsed JSON body, headers); ``max_concurrent``
is the most chat requests it was answering at once (``hold`` keeps each one open a
while so overlap shows). A chat for a model not in ``models`` gets the server's own
404 error shape. Modes for chat answers: ``ok``; ``slow`` (waits ``delay`` seconds
first); ``not_json``; ``wrong_shape``; ``empty`` (a well-formed answer with no text);
``error`` (HTTP 500). ``list_models=False`` makes the model list a 404, as on servers
that do not offer one. ``closed_port_url()`` is a server that is down.

Like the real servers, and so that a client bug shows here first:

- request bodies are validated before anything else: a missing or non-string ``model``,
  ``messages`` that are not a list of ``{role, content}`` strings, and options of the
  wrong type are refused with HTTP 400 in each server's own error shape (Ollama:
  ``{"error": text}``; OpenAI: ``{"error": {"message", "type": "invalid_request_error",
  "param", "code"}}``);
- Ollama streams NDJSON (``application/x-ndjson``, one chunk per word, then a ``done``
  chunk) unless ``stream`` is false; the OpenAI-compatible server streams server-sent
  events only when ``stream`` is true (its default is false);
- the length cap is honoured: the answer stops after ``options.num_predict`` (Ollama) or
  ``max_tokens`` (OpenAI) tokens, with ``done_reason``/``finish_reason`` ``"length"``;
  without a cap the answer runs to its end. A token here is a whitespace-separated word.

The default answer reads the evidence block of the prompt and names the package and
its level, so tests can tell which answer belongs to which package.
"""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

Flavor = Literal["ollama", "openai"]
Mode = Literal["ok", "slow", "not_json", "wrong_shape", "empty", "error"]
Answer = str | Callable[[dict[str, Any]], str]
BLOCK = re.compile(r"<<<EVIDENCE\n(.*)\nEVIDENCE>>>", re.DOTALL)


JSON = "application/json"
CREATED = "2025-06-01T00:00:00Z"
_ROLES = frozenset({"system", "user", "assistant", "tool"})
_KIND_NAMES = {"num_predict": "integer", "seed": "integer", "temperature": "number"}
_OPENAI_NO_MODEL = "you must provide a model parameter"


def _type_error(flavor: Flavor, field: str, kind: str) -> str:
    """The wording each server uses for a field of the wrong JSON type."""
    if flavor == "ollama":  # Go's encoding/json, as Ollama reports it
        return f"json: cannot unmarshal into Go struct field ChatRequest.{field} of type {kind}"
    return f"'{field}' must be of type {kind}"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    body: Any
    headers: dict[str, str]


def evidence_of(body: dict[str, Any]) -> Any:
    """The JSON data block of the user message in a chat request body."""
    user = next(m["content"] for m in body["messages"] if m["role"] == "user")
    match = BLOCK.search(user)
    assert match is not None, "no evidence block in the user message"
    return json.loads(match.group(1))


def default_answer(body: dict[str, Any]) -> str:
    data = evidence_of(body)
    package = data.get("package") if isinstance(data, dict) else None
    if isinstance(package, dict):
        level = data.get("risk", {}).get("level")
        return f"{package.get('name')} is at {level} risk because one person holds it up."
    return "Fund the projects one person holds up first."


def closed_port_url(path: str = "") -> str:
    """A loopback URL nothing listens on: a server that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout) while we slept is expected, not an error."""


class FakeLLMServer:
    def __init__(
        self,
        flavor: Flavor,
        *,
        models: tuple[str, ...] = ("qwen2.5:3b", "llama3.2:1b"),
        answer: Answer = default_answer,
        mode: Mode = "ok",
        delay: float = 0.0,
        hold: float = 0.0,
        list_models: bool = True,
        thinks: bool = False,
    ) -> None:
        self.flavor = flavor
        # Like Ollama with qwen3/deepseek-r1/gpt-oss: unless the request says think=false,
        # the model thinks first and the token cap ends it before any answer.
        self.thinks = thinks
        self.models = models
        self.answer = answer
        self.mode = mode
        self.delay = delay
        self.hold = hold
        self.list_models = list_models
        self.requests: list[RecordedRequest] = []
        self.max_concurrent = 0
        self._active = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> FakeLLMServer:
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fake-llm", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeLLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def root(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def url(self) -> str:
        """What a user would pass as --llm-url for this server."""
        return self.root if self.flavor == "ollama" else f"{self.root}/v1"

    @property
    def chat_path(self) -> str:
        return "/api/chat" if self.flavor == "ollama" else "/v1/chat/completions"

    @property
    def models_path(self) -> str:
        return "/api/tags" if self.flavor == "ollama" else "/v1/models"

    @property
    def chats(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == self.chat_path]

    # -- answers --------------------------------------------------------------------------

    def _model_list(self) -> dict[str, Any]:
        if self.flavor == "ollama":
            return {"models": [{"name": m, "model": m, "size": 1} for m in self.models]}
        return {"object": "list", "data": [{"id": m, "object": "model"} for m in self.models]}

    def _known(self, model: object) -> bool:
        if not isinstance(model, str):
            return False
        return model in self.models or (
            self.flavor == "ollama" and f"{model}:latest" in self.models
        )

    def _not_found(self, model: object) -> dict[str, Any]:
        if self.flavor == "ollama":
            return {"error": f'model "{model}" not found, try pulling it first'}
        return {
            "error": {
                "message": f"The model `{model}` does not exist.",
                "type": "invalid_request_error",
                "code": "model_not_found",
            }
        }

    def _invalid(self, body: dict[str, Any]) -> str | None:
        """Why the real server would refuse this body with a 400, or None."""
        model = body.get("model")
        if model is None or model == "":
            return "model is required" if self.flavor == "ollama" else _OPENAI_NO_MODEL
        if not isinstance(model, str):
            return _type_error(self.flavor, "model", "string")
        messages = body.get("messages")
        if messages is None and self.flavor == "openai":
            return "'messages' is a required property"
        if messages is not None and not isinstance(messages, list):
            return _type_error(self.flavor, "messages", "array")
        if self.flavor == "openai" and not messages:
            return "[] is too short - 'messages'"
        for i, message in enumerate(messages or []):
            if not isinstance(message, dict):
                return _type_error(self.flavor, f"messages[{i}]", "object")
            role, content = message.get("role"), message.get("content")
            if not isinstance(role, str) or role not in _ROLES:
                return f"messages[{i}].role: invalid role {role!r}"
            if not isinstance(content, str):
                return _type_error(self.flavor, f"messages[{i}].content", "string")
        if "stream" in body and not isinstance(body["stream"], bool):
            return _type_error(self.flavor, "stream", "boolean")
        if self.flavor == "ollama":
            options = body.get("options", {})
            if not isinstance(options, dict):
                return _type_error(self.flavor, "options", "object")
            checks = {"num_predict": int, "seed": int, "temperature": (int, float)}
            for key, kind in checks.items():
                value = options.get(key)
                if value is not None and (isinstance(value, bool) or not isinstance(value, kind)):
                    return f'option "{key}" must be of type {_KIND_NAMES[key]}'
            return None
        for key in ("max_tokens", "seed"):
            value = body.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                return _type_error(self.flavor, key, "integer")
        if body.get("max_tokens") is not None and body["max_tokens"] < 1:
            return f"{body['max_tokens']} is less than the minimum of 1 - 'max_tokens'"
        temperature = body.get("temperature")
        if temperature is not None:
            if isinstance(temperature, bool) or not isinstance(temperature, int | float):
                return _type_error(self.flavor, "temperature", "number")
            if not 0 <= temperature <= 2:
                return f"{temperature} is not within 0..2 - 'temperature'"
        return None

    def _bad_request(self, reason: str) -> tuple[int, bytes, str]:
        if self.flavor == "ollama":
            doc: dict[str, Any] = {"error": reason}
        else:
            doc = {
                "error": {
                    "message": reason,
                    "type": "invalid_request_error",
                    "param": None,
                    "code": None,
                }
            }
        return 400, json.dumps(doc).encode(), JSON

    def _cap(self, body: dict[str, Any]) -> int | None:
        """The answer's length cap in tokens, as the server reads it from the body."""
        if self.flavor == "ollama":
            value = body.get("options", {}).get("num_predict")
            return None if value is None or value < 0 else int(value)  # -1: no cap
        value = body.get("max_tokens")
        return None if value is None else int(value)

    def _completion(self, body: dict[str, Any]) -> tuple[int, bytes, str]:
        invalid = self._invalid(body)
        if invalid is not None:
            return self._bad_request(invalid)
        if not self._known(body.get("model")):
            return 404, json.dumps(self._not_found(body.get("model"))).encode(), JSON
        if self.mode == "slow" and self._stopping.wait(self.delay):
            return 503, b"{}", JSON
        if self.mode == "not_json":
            return 200, b"<html>502 Bad Gateway</html>", "text/html"
        if self.mode == "wrong_shape":
            return 200, json.dumps({"result": "fine", "choices": "none"}).encode(), JSON
        if self.mode == "error":
            return 500, json.dumps({"error": "out of memory"}).encode(), JSON
        text = (
            ""
            if self.mode == "empty" or not body.get("messages")  # Ollama: a bare model load
            else (self.answer(body) if callable(self.answer) else self.answer)
        )
        words = text.split(" ")
        cap = self._cap(body)
        stop = "stop"
        if cap is not None and len(words) > cap:
            words, stop = words[:cap], "length"
        text = " ".join(words)
        default_stream = self.flavor == "ollama"
        if body.get("stream", default_stream):
            return self._stream(body["model"], words, stop)
        message = {"role": "assistant", "content": text}
        if self.flavor == "ollama" and self.thinks and body.get("think") is not False:
            message = {"role": "assistant", "content": "", "thinking": "Okay, so the user"}
        if self.flavor == "ollama":
            doc: dict[str, Any] = {
                "model": body["model"],
                "created_at": CREATED,
                "message": message,
                "done_reason": stop if body.get("messages") else "load",
                "done": True,
            }
        else:
            doc = {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "model": body["model"],
                "choices": [{"index": 0, "message": message, "finish_reason": stop}],
            }
        return 200, json.dumps(doc).encode(), JSON

    def _stream(self, model: str, words: list[str], stop: str) -> tuple[int, bytes, str]:
        """The whole stream at once: one chunk per word, then the closing chunk."""
        pieces = [w if i == 0 else " " + w for i, w in enumerate(words) if words != [""]]
        if self.flavor == "ollama":
            chunks: list[dict[str, Any]] = [
                {
                    "model": model,
                    "created_at": CREATED,
                    "message": {"role": "assistant", "content": piece},
                    "done": False,
                }
                for piece in pieces
            ]
            chunks.append(
                {
                    "model": model,
                    "created_at": CREATED,
                    "message": {"role": "assistant", "content": ""},
                    "done_reason": stop,
                    "done": True,
                }
            )
            ndjson = "".join(json.dumps(c) + "\n" for c in chunks)
            return 200, ndjson.encode(), "application/x-ndjson"
        events = [
            {
                "id": "chatcmpl-1",
                "object": "chat.completion.chunk",
                "model": model,
                "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
            }
            for piece in pieces
        ]
        events.append(
            {
                "id": "chatcmpl-1",
                "object": "chat.completion.chunk",
                "model": model,
                "choices": [{"index": 0, "delta": {}, "finish_reason": stop}],
            }
        )
        sse = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
        return 200, sse.encode(), "text/event-stream"

    def _chat(self, body: dict[str, Any]) -> tuple[int, bytes, str]:
        with self._lock:
            self._active += 1
            self.max_concurrent = max(self.max_concurrent, self._active)
        try:
            if self.hold:
                self._stopping.wait(self.hold)
            return self._completion(body)
        finally:
            with self._lock:
                self._active -= 1

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _record(self, body: Any) -> None:
                with fake._lock:
                    fake.requests.append(
                        RecordedRequest(
                            method=self.command,
                            path=self.path,
                            body=body,
                            headers={k.lower(): v for k, v in self.headers.items()},
                        )
                    )

            def _send(self, status: int, payload: bytes, content_type: str = JSON) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                self._record(None)
                if self.path == fake.models_path and fake.list_models:
                    self._send(200, json.dumps(fake._model_list()).encode())
                else:
                    self._send(404, b'{"error": "not found"}')

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                self._record(body)
                if self.path != fake.chat_path:
                    self._send(404, b'{"error": "not found"}')
                    return
                if not isinstance(body, dict):
                    self._send(*fake._bad_request("the request body is not a JSON object"))
                    return
                self._send(*fake._chat(body))

        return Handler
