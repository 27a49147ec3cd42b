"""``open_checked`` against real local servers: one lookup, the checked address, the original name."""

from __future__ import annotations

import datetime
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from policyradar.urlsafety import FetchError, UnsafeUrlError, open_checked


class Recorder(BaseHTTPRequestHandler):
    seen: list[dict]

    def do_GET(self) -> None:
        self._record(b"")
        if self.path == "/redirect":
            self._reply(302, b"", {"Location": "http://169.254.169.254/latest/meta-data/"})
        else:
            self._reply(200, b"hello")

    def do_POST(self) -> None:
        self._record(self.rfile.read(int(self.headers["Content-Length"])))
        self._reply(204, b"")

    def _record(self, body: bytes) -> None:
        self.seen.append(
            {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
        )

    def _reply(self, status: int, body: bytes, headers: dict | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@contextmanager
def serve(tls: ssl.SSLContext | None = None) -> Iterator[tuple[int, list[dict]]]:
    seen: list[dict] = []
    handler = type("Handler", (Recorder,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def site():
    with serve() as served:
        yield served


class FlippingResolver:
    """Answers each lookup with the next list of addresses, like a rebinding DNS server."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, int]] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append((host, port))
        return self.answers[min(len(self.calls), len(self.answers)) - 1]


def test_the_request_goes_to_the_address_resolved_once_with_the_original_host_header(site):
    port, seen = site
    resolver = FlippingResolver(["127.0.0.1"], ["203.0.113.9"])
    url = f"http://demo.example:{port}/hello?x=1"
    with open_checked(url, allowed=[f"demo.example:{port}"], resolve=resolver, timeout=5) as response:
        assert (response.status, response.read()) == (200, b"hello")
    assert resolver.calls == [("demo.example", port)]
    assert seen[0]["headers"]["Host"] == f"demo.example:{port}" and seen[0]["path"] == "/hello?x=1"


def test_a_rebinding_name_is_refused_on_its_only_lookup(site):
    port, seen = site
    resolver = FlippingResolver(["127.0.0.1"], ["93.184.216.34"])
    with pytest.raises(UnsafeUrlError, match=r"resolves to 127\.0\.0\.1, a loopback address"):
        open_checked(f"http://rebind.example:{port}/hello", resolve=resolver, timeout=5)
    assert len(resolver.calls) == 1 and seen == []


def test_a_webhook_post_arrives_with_its_body_and_headers(site):
    port, seen = site
    body = b'{"alert": "x"}'
    headers = {"Content-Type": "application/json", "webhook-id": "m1"}
    with open_checked(
        f"http://127.0.0.1:{port}/hook",
        method="POST",
        data=body,
        headers=headers,
        timeout=5,
        allowed=[f"127.0.0.1:{port}"],
    ) as response:
        assert response.status == 204
    assert seen[0]["method"] == "POST" and seen[0]["body"] == body
    assert seen[0]["headers"]["webhook-id"] == "m1" and seen[0]["headers"]["Host"] == f"127.0.0.1:{port}"


def test_redirects_are_handed_back_not_followed(site):
    port, seen = site
    with open_checked(
        f"http://127.0.0.1:{port}/redirect", allowed=[f"127.0.0.1:{port}"], timeout=5
    ) as response:
        assert response.status == 302
        assert response.headers["Location"] == "http://169.254.169.254/latest/meta-data/"
    assert len(seen) == 1


def test_an_address_that_does_not_answer_is_a_fetch_error_naming_the_url():
    with ThreadingHTTPServer(("127.0.0.1", 0), Recorder) as closed:
        port = closed.server_address[1]
    url = f"http://demo.example:{port}/"
    with pytest.raises(FetchError, match=f"{url}: cannot fetch"):
        open_checked(url, allowed=["demo.example"], resolve=FlippingResolver(["127.0.0.1"]), timeout=5)


def test_https_checks_the_certificate_and_sends_sni_for_the_original_name(tmp_path):
    ca_file, server_tls, sni = make_tls(tmp_path, "demo.example")
    client_tls = ssl.create_default_context(cafile=str(ca_file))
    with serve(server_tls) as (port, seen):
        resolve = FlippingResolver(["127.0.0.1"])
        allowed = ["demo.example", "other.example"]
        url = f"https://demo.example:{port}/hello"
        with open_checked(url, allowed=allowed, resolve=resolve, tls=client_tls, timeout=5) as response:
            assert response.read() == b"hello"
        assert sni == ["demo.example"] and seen[0]["headers"]["Host"] == f"demo.example:{port}"
        with pytest.raises(FetchError, match="certificate"):
            open_checked(
                f"https://other.example:{port}/hello",
                allowed=allowed,
                resolve=resolve,
                tls=client_tls,
                timeout=5,
            )
        assert len(seen) == 1


def make_tls(folder: Path, name: str) -> tuple[Path, ssl.SSLContext, list[str]]:
    """A throwaway CA, a certificate for ``name`` signed by it, and a server context that records SNI."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_file, key_file)
    sni: list[str] = []
    server.sni_callback = lambda sock, server_name, context: sni.append(server_name)
    return ca_file, server, sni
