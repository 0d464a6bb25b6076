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

    def _completion(self, body: dict[str, Any]) -> tuple[int, bytes]:
        if not self._known(body.get("model")):
            return 404, json.dumps(self._not_found(body.get("model"))).encode()
        if self.mode == "slow" and self._stopping.wait(self.delay):
            return 503, b"{}"
        if self.mode == "not_json":
            return 200, b"<html>502 Bad Gateway</html>"
        if self.mode == "wrong_shape":
            return 200, json.dumps({"result": "fine", "choices": "none"}).encode()
        if self.mode == "error":
            return 500, json.dumps({"error": "out of memory"}).encode()
        text = (
            ""
            if self.mode == "empty"
            else (self.answer(body) if callable(self.answer) else self.answer)
        )
        message = {"role": "assistant", "content": text}
        if self.flavor == "ollama" and self.thinks and body.get("think") is not False:
            message = {"role": "assistant", "content": "", "thinking": "Okay, so the user"}
        if self.flavor == "ollama":
            doc: dict[str, Any] = {
                "model": body["model"],
                "created_at": "2025-06-01T00:00:00Z",
                "message": message,
                "done": True,
            }
        else:
            doc = {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "model": body["model"],
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            }
        return 200, json.dumps(doc).encode()

    def _chat(self, body: dict[str, Any]) -> tuple[int, bytes]:
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

            def _send(self, status: int, payload: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
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
                if self.path != fake.chat_path or not isinstance(body, dict):
                    self._send(404, b'{"error": "not found"}')
                    return
                self._send(*fake._chat(body))

        return Handler
