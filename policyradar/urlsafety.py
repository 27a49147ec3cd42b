"""Refuse user-supplied URLs that point inside the machine or its network (SSRF), or use odd schemes.

Used for source files, ``sources add`` and every redirect hop of a crawl (and webhooks later).
A host is checked by name and by every address it resolves to; an explicit allow-list
(``POLICYRADAR_ALLOW_PRIVATE_HOSTS``, ``host`` or ``host:port`` entries) lets the demo and test
sites on 127.0.0.1 through.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from policyradar.errors import PolicyRadarError

Resolver = Callable[[str, int], list[str]]
METADATA_HOSTS = {"metadata.google.internal", "metadata", "instance-data", "metadata.azure.com"}


class UnsafeUrlError(PolicyRadarError):
    """The URL points somewhere Policy Radar must not fetch."""


def resolve_all(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (IPv4 and IPv6)."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise UnsafeUrlError(f"cannot resolve host {host!r}: {exc.strerror}") from exc
    return sorted({info[4][0] for info in infos})


def check_url(url: str, allowed: Iterable[str] = (), resolve: Resolver = resolve_all) -> str:
    """Return ``url`` when it is safe to fetch; raise UnsafeUrlError saying why not."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrlError(f"{url!r} is not a valid URL: {exc}") from exc
    if parts.scheme not in ("http", "https"):
        raise UnsafeUrlError(f"{url!r}: only http and https URLs are allowed, not {parts.scheme or 'none'!r}")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise UnsafeUrlError(f"{url!r} has no host")
    if parts.username or parts.password:
        raise UnsafeUrlError(f"{url!r}: URLs with credentials are not allowed")
    port = port or (443 if parts.scheme == "https" else 80)
    allow = {entry.lower() for entry in allowed}
    if host in allow or f"{host}:{port}" in allow:
        return url
    if host in METADATA_HOSTS or host == "localhost" or host.endswith(".localhost"):
        raise UnsafeUrlError(f"{url!r}: host {host!r} is internal")
    for address in _addresses(host, port, resolve):
        if not ipaddress.ip_address(address.split("%")[0]).is_global:
            raise UnsafeUrlError(
                f"{url!r}: {host} resolves to {address}, a loopback, private, link-local or reserved "
                "address (add it to POLICYRADAR_ALLOW_PRIVATE_HOSTS if this is intended)"
            )
    return url


def _addresses(host: str, port: int, resolve: Resolver) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    try:  # integer and shortened forms such as http://2130706433/ or http://127.1/
        return [socket.inet_ntoa(socket.inet_aton(host))]
    except OSError:
        return resolve(host, port)
