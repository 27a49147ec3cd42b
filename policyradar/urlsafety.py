"""Refuse user-supplied URLs that point inside the machine or its network (SSRF), or use odd schemes,
and fetch the ones that pass from the very address that was checked.

Used for source files, ``sources add``, webhooks and every hop of a crawl. A host is checked by name
(schemes, credentials, ``localhost``, ``*.internal``, cloud metadata names) and by every address it
resolves to. An address is refused when it is loopback, private, link-local, shared, reserved,
multicast or unspecified, and so is an IPv6 address that only wraps such an IPv4 address:
IPv4-mapped (``::ffff:127.0.0.1``), IPv4-compatible (``::10.0.0.1``), NAT64 (``64:ff9b::/96``) and
6to4 (``2002::/16``). Local-use NAT64 (``64:ff9b:1::/48``) and Teredo (``2001::/32``) are refused
outright. An explicit allow-list (``POLICYRADAR_ALLOW_PRIVATE_HOSTS``, ``host`` or ``host:port``
entries) lets the demo and test sites on 127.0.0.1 through.

Checking a name and then letting an HTTP client resolve it again leaves a DNS-rebinding window: the
second answer may be private. ``open_checked`` closes it: it resolves once, checks every address,
and has ``httpx`` connect to a checked address (the request URL carries the address), while the
original host name goes in ``Host`` and, through httpx's ``sni_hostname`` request extension, into TLS
SNI and certificate verification. It never follows redirects; ``fetch_following`` follows them one
checked hop at a time and caps the body while it streams. No proxy or ``SSL_*`` variable from the
environment applies (a proxy would resolve the name again). (Crawls close the same window with the
resolver in ``crawlers/resolver.py``.)
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from types import TracebackType
from urllib.parse import quote, urljoin, urlsplit

import httpx

from policyradar.errors import PolicyRadarError

Resolver = Callable[[str, int], list[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
METADATA_HOSTS = {"metadata.google.internal", "metadata", "instance-data", "metadata.azure.com"}
METADATA_ADDRESSES = {
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200", "192.0.0.192")
}
NAT64 = ipaddress.ip_network("64:ff9b::/96")
NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
DEFAULT_TIMEOUT = 20.0
MAX_REDIRECTS = 5
REDIRECT_CODES = (301, 302, 303, 307, 308)
TARGET_SAFE = "/%:@!$&'()*+,;=~-._"


class UnsafeUrlError(PolicyRadarError):
    """The URL points somewhere Policy Radar must not fetch."""


class FetchError(PolicyRadarError):
    """A checked URL could not be fetched (connection, TLS or protocol failure)."""


@dataclass(frozen=True)
class CheckedUrl:
    """A URL that passed the checks, with the addresses a fetch may connect to."""

    url: str
    scheme: str
    host: str  # lower-case ASCII (IDNA) form: sent as Host and used for TLS
    port: int
    target: str  # path and query, as sent on the request line
    addresses: tuple[str, ...]


def resolve_all(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (IPv4 and IPv6), in the resolver's order of preference."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise UnsafeUrlError(f"cannot resolve host {host!r}: {reason}") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def address_problem(address: str) -> str | None:
    """Why an address must not be fetched from (``None`` when it is a public address)."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in NAT64_LOCAL:
            return "a local-use NAT64 address (64:ff9b:1::/48)"
        if ip.teredo:
            return "a Teredo tunnel address (2001::/32)"
        wrapped = _embedded_ipv4(ip)
        if wrapped is not None:
            form, inner = wrapped
            problem = _plain_problem(inner)
            return f"the {form} form of {inner}, {problem}" if problem else None
    return _plain_problem(ip)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> tuple[str, ipaddress.IPv4Address] | None:
    """The IPv4 address an IPv6 address merely wraps, with the name of the wrapping."""
    low32 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.ipv4_mapped is not None:
        return "IPv4-mapped", ip.ipv4_mapped
    if ip in IPV4_TRANSLATED:
        return "IPv4-translated", low32
    if ip in NAT64:
        return "NAT64", low32
    if ip.sixtofour is not None:
        return "6to4", ip.sixtofour
    if ip in IPV4_COMPATIBLE and int(ip) > 1:  # not :: or ::1, which are IPv6's own
        return "IPv4-compatible", low32
    return None


def _plain_problem(ip: IPAddress) -> str | None:
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    for flag, label in (
        ("is_loopback", "a loopback address"),
        ("is_unspecified", "an unspecified address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
        ("is_private", "a private or reserved address"),
    ):
        if getattr(ip, flag):
            return label
    return None if ip.is_global else "a reserved or shared address"


def check_url(url: str, allowed: Iterable[str] = (), resolve: Resolver = resolve_all) -> str:
    """Return ``url`` when it is safe to fetch; raise UnsafeUrlError saying why not."""
    _check(url, allowed, resolve, need_addresses=False)
    return url


def inspect_url(url: str, allowed: Iterable[str] = (), resolve: Resolver = resolve_all) -> CheckedUrl:
    """Check ``url`` (raising UnsafeUrlError) and return it with the checked addresses to connect to.

    Names are resolved exactly once; an allow-listed name is resolved too (but not checked)."""
    return _check(url, allowed, resolve, need_addresses=True)


def _check(url: str, allowed: Iterable[str], resolve: Resolver, need_addresses: bool) -> CheckedUrl:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrlError(f"{url!r} is not a valid URL: {exc}") from exc
    if parts.scheme not in ("http", "https"):
        raise UnsafeUrlError(f"{url!r}: only http and https URLs are allowed, not {parts.scheme or 'none'!r}")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrlError(f"{url!r}: URLs with credentials are not allowed")
    host = _ascii_host(url, parts.hostname or "")
    port = port or (443 if parts.scheme == "https" else 80)
    checked = CheckedUrl(url, parts.scheme, host, port, _request_target(parts.path, parts.query), ())
    if _is_allowed(host, port, allowed):
        addresses = _addresses(host, port, resolve) if need_addresses else []
        return replace(checked, addresses=tuple(addresses))
    if host in METADATA_HOSTS or host.endswith((".internal", ".localhost")) or host == "localhost":
        raise UnsafeUrlError(f"{url!r}: host {host!r} is internal")
    addresses = _addresses(host, port, resolve)
    if not addresses:
        raise UnsafeUrlError(f"{url!r}: {host} resolves to no address")
    for address in addresses:
        problem = address_problem(address)
        if problem:
            raise UnsafeUrlError(
                f"{url!r}: {host} resolves to {address}, {problem} "
                "(add it to POLICYRADAR_ALLOW_PRIVATE_HOSTS if this is intended)"
            )
    return replace(checked, addresses=tuple(addresses))


def _ascii_host(url: str, hostname: str) -> str:
    """The host in lower-case ASCII: IDNA maps full-width digits and ideographic dots to ASCII,
    so ``１２７。0。0。1`` is checked as the 127.0.0.1 it would connect to."""
    host = hostname.rstrip(".").lower()
    if not host:
        raise UnsafeUrlError(f"{url!r} has no host")
    if ":" in host:  # an IPv6 literal; urlsplit already checked its form
        return host
    try:
        return host.encode("idna").decode("ascii").rstrip(".").lower()
    except UnicodeError as exc:
        raise UnsafeUrlError(f"{url!r}: host {hostname!r} is not a valid host name") from exc


def _request_target(path: str, query: str) -> str:
    """Path and query for the request line: non-ASCII, spaces and control characters %-escaped."""
    target = quote(path or "/", safe=TARGET_SAFE)
    return f"{target}?{quote(query, safe=TARGET_SAFE + '?')}" if query else target


def _is_allowed(host: str, port: int, allowed: Iterable[str]) -> bool:
    allow = {entry.strip().lower() for entry in allowed}
    return bool(allow & {host, f"{host}:{port}", f"[{host}]:{port}"})


def _addresses(host: str, port: int, resolve: Resolver) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host.split("%")[0]))]
    except ValueError:
        pass
    try:  # integer and shortened forms such as http://2130706433/, http://127.1/ or http://0x7f.1/
        return [socket.inet_ntoa(socket.inet_aton(host))]
    except OSError:
        return resolve(host, port)


class CheckedResponse:
    """A response from a checked address: status and headers at once, the body on ``read``.

    Use it as a context manager (or call ``close``), which closes the connection."""

    def __init__(self, url: str, response: httpx.Response, client: httpx.Client) -> None:
        self.url = url
        self._response = response
        self._client = client

    @property
    def status(self) -> int:
        return self._response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self._response.headers

    @property
    def charset(self) -> str | None:
        """The ``charset`` of the ``Content-Type`` header, if any."""
        return self._response.charset_encoding

    def read(self, max_bytes: int | None = None) -> bytes:
        """The body as sent (no decompression); FetchError once it grows past ``max_bytes``."""
        declared = self.headers.get("Content-Length", "")
        if max_bytes is not None and declared.isdigit() and int(declared) > max_bytes:
            raise FetchError(f"{self.url}: body of {declared} bytes is larger than {max_bytes} bytes")
        body = bytearray()
        try:
            for chunk in self._response.iter_raw():
                body += chunk
                if max_bytes is not None and len(body) > max_bytes:
                    raise FetchError(f"{self.url}: body is larger than {max_bytes} bytes")
        except httpx.HTTPError as exc:
            raise FetchError(f"{self.url}: cannot read the body: {exc}") from exc
        return bytes(body)

    def close(self) -> None:
        self._response.close()
        self._client.close()

    def __enter__(self) -> CheckedResponse:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


@dataclass(frozen=True)
class FetchedPage:
    """The end of a chain of checked hops: final URL, status, body and declared charset."""

    url: str
    status: int
    body: bytes
    charset: str | None


def open_checked(
    url: str,
    *,
    method: str = "GET",
    data: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    allowed: Iterable[str] = (),
    resolve: Resolver = resolve_all,
    tls: ssl.SSLContext | None = None,
    transport: httpx.BaseTransport | None = None,
) -> CheckedResponse:
    """Check ``url``, then send one request to a checked address (no second resolution).

    Returns the response whatever its status (redirects are not followed: check the next hop with
    another call, or use ``fetch_following``). Use it as a context manager, which closes the
    connection. Raises UnsafeUrlError when the URL is refused and FetchError when no checked address
    can be connected to, or the one connected to does not answer properly. ``tls`` replaces the
    default context (system CAs, host name checked) for https; ``transport`` replaces the network
    (tests)."""
    checked = inspect_url(url, allowed, resolve)
    client = _client(timeout, tls, transport)
    failure: Exception | None = None
    for address in checked.addresses:
        request = pinned_request(checked, address, method, data, headers)
        try:
            return CheckedResponse(url, client.send(request, stream=True), client)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            failure = exc  # nothing was sent: the next checked address may answer
        except httpx.HTTPError as exc:
            failure = exc
            break  # the request may have arrived: sending it again elsewhere could repeat it
    client.close()
    raise FetchError(f"{url}: cannot fetch: {failure}")


def pinned_request(
    checked: CheckedUrl,
    address: str,
    method: str = "GET",
    data: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Request:
    """A request whose URL names the checked ``address`` (so httpx connects there and resolves
    nothing), with the original host name in ``Host`` and as TLS server name."""
    target = httpx.URL(
        scheme=checked.scheme, host=address, port=checked.port, raw_path=checked.target.encode("ascii")
    )
    default_port = 443 if checked.scheme == "https" else 80
    host = f"[{checked.host}]" if ":" in checked.host else checked.host
    host_header = host if checked.port == default_port else f"{host}:{checked.port}"
    all_headers = {"Host": host_header, "Accept-Encoding": "identity", **dict(headers or {})}
    return httpx.Request(
        method, target, headers=all_headers, content=data, extensions={"sni_hostname": checked.host}
    )


def _client(
    timeout: float, tls: ssl.SSLContext | None, transport: httpx.BaseTransport | None
) -> httpx.Client:
    """No redirects, no proxies or certificate files from the environment, the system CAs."""
    return httpx.Client(
        verify=tls or ssl.create_default_context(),
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        trust_env=False,
        transport=transport,
    )


def fetch_following(
    url: str,
    *,
    max_bytes: int,
    max_redirects: int = MAX_REDIRECTS,
    headers: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    allowed: Iterable[str] = (),
    resolve: Resolver = resolve_all,
    tls: ssl.SSLContext | None = None,
    transport: httpx.BaseTransport | None = None,
) -> FetchedPage:
    """GET ``url``, following at most ``max_redirects`` redirects, each hop checked and fetched from
    the address that was checked; the body is cut off with FetchError past ``max_bytes``. The last
    hop's status is returned whatever it is. Raises UnsafeUrlError or FetchError."""
    for _ in range(max_redirects + 1):
        with open_checked(
            url,
            headers=headers,
            timeout=timeout,
            allowed=allowed,
            resolve=resolve,
            tls=tls,
            transport=transport,
        ) as response:
            location = response.headers.get("Location")
            if response.status in REDIRECT_CODES and location:
                url = urljoin(url, location)
                continue
            return FetchedPage(url, response.status, response.read(max_bytes), response.charset)
    raise FetchError(f"{url}: more than {max_redirects} redirects")
