"""The session's TLS: one context per CA bundle, and verification exactly as strict.

A loopback HTTPS server with a certificate from a throwaway CA (made here with
``cryptography``) closes every connection, so each request opens a new one: the case
where urllib3 used to build a context and load the bundle again for each.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from auditor.index import http
from auditor.index.http import make_session, warm_tls


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name | None,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool,
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    else:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        ).add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")  # every request on a new connection
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Path]]:
    """(URL of the server, bundle holding its CA, bundle holding another CA)."""
    folder = tmp_path_factory.mktemp("tls")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("auditor test CA", ca_key, None, ca_key, ca=True)
    other_key = ec.generate_private_key(ec.SECP256R1())
    other = _certificate("someone else's CA", other_key, None, other_key, ca=True)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = _certificate("127.0.0.1", leaf_key, ca.subject, ca_key, ca=False)
    (folder / "leaf.pem").write_bytes(_pem(leaf))
    (folder / "leaf.key").write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    bundle = folder / "ca.pem"
    bundle.write_bytes(_pem(ca))
    wrong = folder / "other.pem"
    wrong.write_bytes(_pem(other))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "leaf.pem", folder / "leaf.key")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/", bundle, wrong
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every CA bundle loaded into a TLS context, by anyone (none made yet)."""
    monkeypatch.setattr(http, "_CONTEXTS", {})
    seen: list[Any] = []
    original = ssl.SSLContext.load_verify_locations

    def spy(self: ssl.SSLContext, *args: Any, **kwargs: Any) -> None:
        seen.append(kwargs.get("cafile") or kwargs.get("capath") or (args[0] if args else None))
        original(self, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", spy)
    return seen


def test_a_bundle_is_loaded_once_for_many_connections(
    tls: tuple[str, Path, Path], loads: list[Any]
) -> None:
    url, bundle, _ = tls
    session = make_session()
    for _ in range(5):
        assert session.get(url, timeout=10, verify=str(bundle)).text == "ok"
    assert [str(x) for x in loads] == [str(bundle)]


def test_sessions_share_a_bundle_s_context(tls: tuple[str, Path, Path], loads: list[Any]) -> None:
    url, bundle, _ = tls
    for _ in range(3):
        assert make_session().get(url, timeout=10, verify=str(bundle)).status_code == 200
    assert [str(x) for x in loads] == [str(bundle)]


def test_a_warmed_context_serves_the_first_request(
    tls: tuple[str, Path, Path], loads: list[Any]
) -> None:
    url, bundle, _ = tls
    session = make_session()
    warm_tls(session, url, verify=str(bundle))
    assert [str(x) for x in loads] == [str(bundle)]  # made before any request
    assert session.get(url, timeout=10, verify=str(bundle)).status_code == 200
    assert len(loads) == 1
    warm_tls(session, url.replace("https:", "http:"), verify=str(bundle))  # plain HTTP:
    warm_tls(session, url, verify=False)  # and no verification: nothing to load
    assert len(loads) == 1


def test_the_bundle_from_the_environment_is_loaded_once(
    tls: tuple[str, Path, Path], loads: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, bundle, _ = tls
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    session = make_session()
    for _ in range(3):
        assert session.get(url, timeout=10).status_code == 200
    assert [str(x) for x in loads] == [str(bundle)]


def test_a_server_the_bundle_does_not_vouch_for_is_refused(tls: tuple[str, Path, Path]) -> None:
    url, bundle, wrong = tls
    session = make_session(retries=0)
    # The right bundle first, so a shared context exists: it must not serve the other.
    assert session.get(url, timeout=10, verify=str(bundle)).status_code == 200
    with pytest.raises(requests.exceptions.SSLError):
        session.get(url, timeout=10, verify=str(wrong))
    with pytest.raises(requests.exceptions.SSLError):
        make_session(retries=0).get(url, timeout=10)  # the default bundle has no test CA
    assert session.get(url, timeout=10, verify=str(bundle)).status_code == 200


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_no_verification_when_asked_for_none(tls: tuple[str, Path, Path]) -> None:
    url, _, _ = tls
    assert make_session().get(url, timeout=10, verify=False).text == "ok"


def test_a_missing_bundle_is_named(tls: tuple[str, Path, Path], tmp_path: Path) -> None:
    url, _, _ = tls
    missing = tmp_path / "nowhere.pem"
    with pytest.raises(OSError, match=r"nowhere\.pem"):
        make_session().get(url, timeout=10, verify=str(missing))


def test_a_folder_of_certificates_works_as_a_bundle(
    tls: tuple[str, Path, Path], tmp_path: Path, loads: list[Any]
) -> None:
    url, bundle, _ = tls
    folder = tmp_path / "certs"
    folder.mkdir()
    # OpenSSL looks a folder's certificates up by subject hash: name it so.
    ca = x509.load_pem_x509_certificate(bundle.read_bytes())
    name = _subject_hash(ca)
    (folder / f"{name}.0").write_bytes(bundle.read_bytes())
    session = make_session()
    for _ in range(3):
        assert session.get(url, timeout=10, verify=str(folder)).status_code == 200
    assert [str(x) for x in loads] == [str(folder)]


def _subject_hash(cert: x509.Certificate) -> str:
    """OpenSSL's ``-subject_hash`` of a certificate (the name ``c_rehash`` gives it)."""
    import subprocess

    pem = cert.public_bytes(serialization.Encoding.PEM)
    try:
        out = subprocess.run(
            ["openssl", "x509", "-noout", "-subject_hash"],
            input=pem,
            capture_output=True,
            check=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        pytest.skip("no openssl command to name a certificate folder's entries")
    return out.stdout.decode().strip()


def test_the_client_makes_the_index_s_context_before_forking(
    tls: tuple[str, Path, Path], loads: list[Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from auditor.cache import Cache
    from auditor.index import fetch_process
    from auditor.index.client import IndexClient

    url, bundle, _ = tls
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    monkeypatch.setattr(fetch_process, "can_fork", lambda: True)
    client = IndexClient(
        [f"{url}simple"], session=make_session(), cache=Cache(tmp_path / "c"), child_pages=True
    )
    monkeypatch.setattr(client, "_page_child", lambda: None)  # no process started here
    client.start_fetch_process()
    assert [str(x) for x in loads] == [str(bundle)]


def test_a_request_through_a_proxy_keeps_requests_own_trust_settings(
    tls: tuple[str, Path, Path], loads: list[Any]
) -> None:
    """urllib3 checks an HTTPS proxy's certificate against the pool's bundle: a pool
    through a proxy keeps it, rather than a shared context that would leave it unset."""
    _, bundle, _ = tls
    session = make_session()
    adapter = session.get_adapter("https://index.invalid/")
    request = requests.Request("GET", "https://index.invalid/simple/").prepare()
    proxied = adapter.get_connection_with_tls_context(  # type: ignore[attr-defined]
        request, str(bundle), proxies={"https": "https://proxy.invalid:3128"}
    )
    adapter.cert_verify(proxied, str(request.url), str(bundle), None)  # type: ignore[attr-defined]
    assert proxied.conn_kw.get("ssl_context") is None
    assert proxied.ca_certs == str(bundle)
    direct = adapter.get_connection_with_tls_context(  # type: ignore[attr-defined]
        request, str(bundle), proxies={}
    )
    adapter.cert_verify(direct, str(request.url), str(bundle), None)  # type: ignore[attr-defined]
    assert direct.conn_kw.get("ssl_context") is not None and direct.ca_certs is None
