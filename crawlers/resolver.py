"""The crawler's DNS resolver: the address Twisted connects to is the address that was checked.

``UrlSafetyMiddleware`` checks every request (every redirect hop too) before it is downloaded, but it
resolves the name itself; Scrapy's downloader then resolves the name again to connect. A hostile DNS
server can answer the first lookup with a public address and the second with 127.0.0.1 or
169.254.169.254 (DNS rebinding). So the middleware stays as the first gate, with clear per-URL
reasons in the crawl log, and this resolver is the last one.

Scrapy installs it on the reactor as the name resolver (``TWISTED_DNS_RESOLVER`` in
``crawlers/scrapy_settings.py``; ``DNS_RESOLVER`` is that setting's deprecated name). Scrapy's HTTP
agent connects through Twisted's ``HostnameEndpoint``, which asks this resolver for the addresses of
the host and then connects to those address literals, with no later lookup; ``reactor.resolve`` and
``connectTCP`` by name (the proxy path) reach it too, through Twisted's adapter. The resolver looks the
name up once (``getaddrinfo`` in the reactor's thread pool, IPv4 and IPv6, bounded by ``DNS_TIMEOUT``,
answers cached per ``DNSCACHE_*``), checks every address with
``policyradar.urlsafety.address_problem`` (cached answers included) and reports the addresses only
when all of them are safe. A refused name yields no address at all: Scrapy then fails the request
with "no results for hostname lookup", and the reason is logged here as a warning.

The allow-list (``POLICYRADAR_ALLOW_PRIVATE_HOSTS``, ``host`` or ``host:port`` entries) is honoured
with its ports: Twisted passes the port of the connection along with the name, so
``intranet.example:8080`` lets that name through for port 8080 only. When the port is unknown (0, on
the ``reactor.resolve`` path) a listed name passes for any port; the middleware, which sees whole
URLs, has already enforced the port. Address literals such as ``127.0.0.1:8765`` never reach a
resolver: Twisted connects to them directly, after the middleware checked them with their port.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from scrapy.crawler import Crawler
from scrapy.utils.datatypes import LocalCache
from twisted.internet import defer, threads
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.interfaces import IHostnameResolver, IHostResolution, IResolutionReceiver
from zope.interface import implementer

from crawlers.scrapy_settings import ALLOWED_PRIVATE_HOSTS
from policyradar.urlsafety import address_problem

ALLOW_SETTING = ALLOWED_PRIVATE_HOSTS
Lookup = Callable[[str], list[str]]
logger = logging.getLogger(__name__)


def system_lookup(name: str) -> list[str]:
    """Every TCP address of ``name`` (IPv4 and IPv6), in the system's order of preference."""
    infos = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def refusal(name: str, port: int, addresses: Sequence[str], allowed: Iterable[str]) -> str | None:
    """Why ``name`` (connected to on ``port``, 0 if unknown) must not be reached at ``addresses``;
    ``None`` when it may be."""
    if _is_allowed(name.lower().rstrip("."), port, allowed):
        return None
    if not addresses:
        return f"{name} resolves to no address"
    for address in addresses:
        problem = address_problem(address)
        if problem:
            return (
                f"{name} resolves to {address}, {problem} "
                "(add it to POLICYRADAR_ALLOW_PRIVATE_HOSTS if this is intended)"
            )
    return None


def _is_allowed(name: str, port: int, allowed: Iterable[str]) -> bool:
    for entry in allowed:
        entry = entry.strip().lower()
        host, _, listed_port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
        if host.rstrip(".") == name and (not listed_port or port == 0 or listed_port == str(port)):
            return True
    return False


@implementer(IHostResolution)
class _Resolution:
    def __init__(self, name: str) -> None:
        self.name = name

    def cancel(self) -> None:  # Twisted never calls it for name lookups
        raise NotImplementedError


@implementer(IHostnameResolver)
class CheckingResolver:
    """A caching name resolver that reports a host's addresses only when every one is safe.

    ``lookup`` (a blocking name-to-addresses function, run in the reactor's thread pool) is a
    parameter so tests can pass a resolver of their own."""

    def __init__(
        self,
        reactor: Any,
        cache_size: int,
        timeout: float,
        allowed: Iterable[str] = (),
        lookup: Lookup = system_lookup,
    ) -> None:
        self.reactor = reactor
        self.timeout = timeout
        self.allowed = tuple(allowed)
        self.lookup = lookup
        self.cache: LocalCache[str, list[str]] | None = LocalCache(cache_size) if cache_size else None

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> CheckingResolver:
        settings = crawler.settings
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(reactor, cache_size, settings.getfloat("DNS_TIMEOUT"), _allow_list(crawler))

    def install_on_reactor(self) -> None:
        self.reactor.installNameResolver(self)

    def resolveHostName(  # Twisted names its interface in camelCase
        self,
        resolutionReceiver: IResolutionReceiver,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Sequence[type] | None = None,
        transportSemantics: str = "TCP",
    ) -> IHostResolution:
        resolution = _Resolution(hostName)
        resolutionReceiver.resolutionBegan(resolution)
        answer = self._addresses(hostName)
        answer.addCallback(self._report, resolutionReceiver, hostName, portNumber, addressTypes)
        answer.addErrback(self._lookup_failed, hostName)
        answer.addBoth(lambda _: resolutionReceiver.resolutionComplete())
        return resolution

    def _addresses(self, name: str) -> defer.Deferred[list[str]]:
        if self.cache is not None and name in self.cache:
            return defer.succeed(self.cache[name])
        found = threads.deferToThreadPool(self.reactor, self.reactor.getThreadPool(), self.lookup, name)
        found.addTimeout(self.timeout, self.reactor)
        return found.addCallback(self._remember, name)

    def _remember(self, addresses: list[str], name: str) -> list[str]:
        if self.cache is not None and addresses:
            self.cache[name] = addresses
        return addresses

    def _report(
        self,
        addresses: list[str],
        receiver: IResolutionReceiver,
        name: str,
        port: int,
        types: Sequence[type] | None,
    ) -> None:
        reason = refusal(name, port, addresses, self.allowed)
        if reason:
            logger.warning("refused to connect: %s", reason)
            return
        for address in addresses:
            kind = IPv6Address if ":" in address else IPv4Address
            if types is None or kind in types:
                receiver.addressResolved(kind("TCP", address, port))

    def _lookup_failed(self, failure: Any, name: str) -> None:
        logger.debug("lookup of %s failed: %s", name, failure.getErrorMessage())


def _allow_list(crawler: Crawler) -> tuple[str, ...]:
    """Scrapy builds the resolver once per process from the process settings, while
    ``policyradar crawl`` sets the allow-list per spider: fall back to the settings it comes from."""
    entries = crawler.settings.get(ALLOW_SETTING)
    if entries is None:
        from policyradar.settings import get_settings

        entries = get_settings().allow_private_hosts
    return tuple(entries)
