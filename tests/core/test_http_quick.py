"""``QuickGet``: the fetch processes' GETs, sent as ``session.get`` would send them.

A loopback server records every request it receives. Each test sends the same GET
through ``session.get`` and through ``QuickGet`` and compares what the server saw and
what came back; the cases where requests does more than send (credentials, netrc, a
proxy, cookies, redirects, retries, errors) each have their own test.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from auditor.index.http import QuickGet, make_session


@dataclass
class _Seen:
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    failures_left: int = 0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: _Seen

    def do_GET(self) -> None:
        self.seen.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        path = self.path.rsplit("/", 1)[-1] if self.path.startswith("http") else self.path
        if path.startswith("/old"):
            return self._answer(301, b"", {"Location": "/new"})
        if path.startswith("/cookie"):
            return self._answer(200, b"set", {"Set-Cookie": "session=abc; Path=/"})
        if path.startswith("/slow"):
            time.sleep(1.5)
        if path.startswith("/flaky") and self.seen.failures_left > 0:
            self.seen.failures_left -= 1
            return self._answer(503, b"busy", {})
        return self._answer(200, b'{"files": []}', {"Content-Type": "application/json"})

    def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, _Seen]]:
    seen = _Seen()
    handler = type("Handler", (_Handler,), {"seen": seen})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No proxy, no netrc, no CA bundle from the machine running the tests."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))


def _headers(seen: _Seen) -> dict[str, str]:
    return {k: v for k, v in seen.requests[-1][1].items() if k != "host"}


def test_the_request_and_the_answer_are_those_of_session_get(server: tuple[str, _Seen]) -> None:
    base, seen = server
    url = f"{base}/simple/six/"
    headers = {"Accept": "application/vnd.pypi.simple.v1+json"}
    slow = make_session().get(url, headers=headers, timeout=(5, 5))
    sent_slow = _headers(seen)
    quick = QuickGet(make_session()).get(url, headers=headers, timeout=(5, 5))
    assert seen.requests[-1][0] == "/simple/six/"
    assert _headers(seen) == sent_slow
    assert (quick.status_code, quick.content, quick.url) == (slow.status_code, slow.content, url)
    assert quick.headers["Content-Type"] == "application/json"
    assert quick.elapsed.total_seconds() > 0


def test_a_plain_get_skips_the_session_s_per_request_work(
    server: tuple[str, _Seen], monkeypatch: pytest.MonkeyPatch
) -> None:
    base, _ = server
    quick = QuickGet(make_session())
    quick.get(f"{base}/a/", timeout=(5, 5))  # the first GET to a host plans the others

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("went through Session.request")

    monkeypatch.setattr(requests.Session, "request", refuse)
    assert quick.get(f"{base}/b/", timeout=(5, 5)).status_code == 200


def test_a_redirect_is_followed_as_requests_follows_it(server: tuple[str, _Seen]) -> None:
    base, _ = server
    got = QuickGet(make_session()).get(f"{base}/old", timeout=(5, 5))
    assert got.status_code == 200
    assert got.url == f"{base}/new"
    assert [r.status_code for r in got.history] == [301]


def test_a_proxy_from_the_environment_is_used(
    server: tuple[str, _Seen], monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy, seen = server  # the recording server stands in for the proxy
    monkeypatch.setenv("HTTP_PROXY", proxy)
    target = "http://index.invalid/simple/six/"
    got = QuickGet(make_session()).get(target, timeout=(5, 5))
    assert got.status_code == 200
    assert seen.requests[-1][0] == target  # a proxy is sent the whole URL


def test_credentials_in_the_url_are_sent(server: tuple[str, _Seen]) -> None:
    base, seen = server
    url = base.replace("http://", "http://user:secret@") + "/simple/"
    QuickGet(make_session()).get(url, timeout=(5, 5))
    assert seen.requests[-1][1]["authorization"].startswith("Basic ")


@pytest.fixture
def loopback_netrc(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A netrc file with credentials for the loopback server."""
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login user password secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))


@pytest.mark.usefixtures("loopback_netrc")
def test_a_netrc_entry_is_sent(server: tuple[str, _Seen]) -> None:
    base, seen = server
    QuickGet(make_session()).get(f"{base}/simple/", timeout=(5, 5))
    assert seen.requests[-1][1]["authorization"].startswith("Basic ")


def test_a_cookie_the_server_sets_is_sent_back(server: tuple[str, _Seen]) -> None:
    base, seen = server
    quick = QuickGet(make_session())
    quick.get(f"{base}/cookie", timeout=(5, 5))
    quick.get(f"{base}/simple/", timeout=(5, 5))
    assert seen.requests[-1][1].get("cookie") == "session=abc"


def test_the_session_s_retries_apply(server: tuple[str, _Seen]) -> None:
    base, seen = server
    seen.failures_left = 2
    got = QuickGet(make_session()).get(f"{base}/flaky", timeout=(5, 5))
    assert got.status_code == 200
    assert [p for p, _ in seen.requests] == ["/flaky"] * 3


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_refused_connection_fails_as_session_get_fails() -> None:
    url = f"http://127.0.0.1:{_closed_port()}/simple/"
    with pytest.raises(requests.ConnectionError) as slow:
        make_session(retries=0).get(url, timeout=(5, 5))
    with pytest.raises(requests.ConnectionError) as quick:
        QuickGet(make_session(retries=0)).get(url, timeout=(5, 5))
    assert type(quick.value) is type(slow.value)
    assert str(quick.value).split(" object at ")[0] == str(slow.value).split(" object at ")[0]


def test_a_read_timeout_fails_as_session_get_fails(server: tuple[str, _Seen]) -> None:
    base, _ = server
    with pytest.raises(requests.RequestException) as slow:
        make_session(retries=0).get(f"{base}/slow", timeout=(5, 0.2))
    with pytest.raises(requests.RequestException) as quick:
        QuickGet(make_session(retries=0)).get(f"{base}/slow", timeout=(5, 0.2))
    assert type(quick.value) is type(slow.value)
    assert str(quick.value) == str(slow.value)
    assert "Read timed out" in str(quick.value)


@pytest.mark.parametrize("path", ["/simple/x/../six/", "/simple/./six/", "", "/simple/%7esix/"])
def test_each_url_is_sent_as_requests_prepares_it(server: tuple[str, _Seen], path: str) -> None:
    base, seen = server
    quick = QuickGet(make_session())
    quick.get(f"{base}/simple/first/", timeout=(5, 5))  # the host's plan is made
    slow = make_session().get(base + path, timeout=(5, 5))
    sent_slow = seen.requests[-1][0]
    got = quick.get(base + path, timeout=(5, 5))
    assert seen.requests[-1][0] == sent_slow
    assert got.url == slow.url


@pytest.mark.usefixtures("loopback_netrc")
def test_a_caller_s_authorization_header_is_treated_as_requests_treats_it(
    server: tuple[str, _Seen],
) -> None:
    base, seen = server
    mine = {"Authorization": "Bearer mine"}
    make_session().get(f"{base}/simple/", headers=mine, timeout=(5, 5))
    sent_slow = seen.requests[-1][1]["authorization"]
    QuickGet(make_session()).get(f"{base}/simple/", headers=mine, timeout=(5, 5))
    assert seen.requests[-1][1]["authorization"] == sent_slow
