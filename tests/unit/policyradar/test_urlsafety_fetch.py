"""``open_checked`` and ``fetch_following`` against real local servers: one lookup, the checked
address, the original name, every redirect hop checked again, the body capped."""

from __future__ import annotations

import datetime
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from policyradar.urlsafety import FetchError, UnsafeUrlError, fetch_following, open_checked


class Recorder(BaseHTTPRequestHandler):
    seen: list[dict]

    def do_GET(self) -> None:
        self._record(b"")
        if self.path == "/redirect":
            self._reply(302, b"", {"Location": "http://169.254.169.254/latest/meta-data/"})
        elif self.path == "/to-private":
            self._reply(301, b"", {"Location": "http://10.0.0.5/admin"})
        elif self.path.startswith("/hops/"):
            left = int(self.path.rsplit("/", 1)[1])
            self._reply(302, b"", {"Location": f"/hops/{left - 1}"}) if left else self._reply(200, b"landed")
        elif self.path == "/big":
            self._reply(200, b"x" * 5000)
        elif self.path == "/big-unannounced":  # HTTP/1.0, no Content-Length: the body ends at close
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"x" * 5000)
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


class Recording(httpx.BaseTransport):
    """Stands in for the network: records the requests httpx would send and answers 204."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(204)


def test_a_name_answering_public_then_private_is_connected_to_at_its_first_public_answer():
    network = Recording()
    resolver = FlippingResolver(["93.184.216.34"], ["127.0.0.1"])
    with open_checked("https://rebind.example/hook", resolve=resolver, transport=network) as response:
        assert response.status == 204
    sent = network.requests[0]
    assert resolver.calls == [("rebind.example", 443)]
    assert str(sent.url) == "https://93.184.216.34/hook"
    assert sent.headers["Host"] == "rebind.example"
    assert sent.extensions["sni_hostname"] == "rebind.example"


def test_a_name_answering_a_public_and_a_private_address_is_refused_before_any_request(site):
    port, seen = site
    resolver = FlippingResolver(["93.184.216.34", "127.0.0.1"])
    with pytest.raises(UnsafeUrlError, match=r"resolves to 127\.0\.0\.1, a loopback address"):
        open_checked(f"http://rebind.example:{port}/hello", resolve=resolver, timeout=5)
    assert seen == []


def test_the_next_checked_address_is_tried_when_the_first_refuses_the_connection(site):
    port, seen = site
    resolver = FlippingResolver(["127.0.0.2", "127.0.0.1"])  # the site listens on 127.0.0.1 only
    url = f"http://demo.example:{port}/hello"
    with open_checked(url, allowed=["demo.example"], resolve=resolver, timeout=5) as response:
        assert response.read() == b"hello"
    assert len(seen) == 1


def test_proxies_from_the_environment_are_not_used(site, monkeypatch):
    port, seen = site
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    with open_checked(f"http://127.0.0.1:{port}/hello", allowed=[f"127.0.0.1:{port}"], timeout=5) as response:
        assert response.read() == b"hello"
    assert seen[0]["path"] == "/hello"


def test_redirects_are_followed_hop_by_hop_up_to_the_limit(site):
    port, seen = site
    allowed = [f"127.0.0.1:{port}"]
    page = fetch_following(f"http://127.0.0.1:{port}/hops/2", max_bytes=100, max_redirects=2, allowed=allowed)
    assert (page.url, page.status, page.body) == (f"http://127.0.0.1:{port}/hops/0", 200, b"landed")
    with pytest.raises(FetchError, match="more than 2 redirects"):
        fetch_following(f"http://127.0.0.1:{port}/hops/3", max_bytes=100, max_redirects=2, allowed=allowed)
    assert [hop["path"] for hop in seen] == ["/hops/2", "/hops/1", "/hops/0", "/hops/3", "/hops/2", "/hops/1"]


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/to-private", "10.0.0.5, a private or reserved address"),
        ("/redirect", "169.254.169.254, a cloud metadata address"),
    ],
)
def test_a_redirect_to_a_private_address_is_refused_after_the_first_hop(site, path, reason):
    port, seen = site
    with pytest.raises(UnsafeUrlError, match=reason):
        fetch_following(f"http://127.0.0.1:{port}{path}", max_bytes=100, allowed=[f"127.0.0.1:{port}"])
    assert [hop["path"] for hop in seen] == [path]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/big", "body of 5000 bytes is larger than 4999 bytes"),
        ("/big-unannounced", "body is larger than 4999 bytes"),
    ],
)
def test_a_body_over_the_cap_is_cut_off_with_an_error_naming_the_url(site, path, message):
    port, _ = site
    url = f"http://127.0.0.1:{port}{path}"
    with pytest.raises(FetchError, match=f"{url}: {message}"):
        fetch_following(url, max_bytes=4999, allowed=[f"127.0.0.1:{port}"])
    assert len(fetch_following(url, max_bytes=5000, allowed=[f"127.0.0.1:{port}"]).body) == 5000


def test_https_refuses_a_certificate_the_system_authorities_did_not_sign(tmp_path):
    _, server_tls, sni = make_tls(tmp_path, "demo.example")
    with serve(server_tls) as (port, seen):
        resolve = FlippingResolver(["127.0.0.1"])
        with pytest.raises(FetchError, match="certificate verify failed"):
            open_checked(
                f"https://demo.example:{port}/", allowed=["demo.example"], resolve=resolve, timeout=5
            )
        assert sni == ["demo.example"] and seen == []


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
