"""The crawler's name resolver hands Twisted only addresses that pass the URL-safety check."""

from __future__ import annotations

import logging
import socket
from types import SimpleNamespace

import pytest
from scrapy.settings import Settings
from scrapy.utils.misc import load_object
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.interfaces import IResolutionReceiver
from twisted.internet.task import Clock
from twisted.python.failure import Failure
from zope.interface import implementer

from crawlers.resolver import CheckingResolver
from crawlers.scrapy_settings import SCRAPY_SETTINGS, derived_settings
from policyradar.settings import Settings as PolicyRadarSettings

HOSTILE_DNS = {
    "news.example.gov.cn": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
    "rebind.example.com": ["127.0.0.1"],
    "mixed.example.com": ["93.184.216.34", "10.0.0.5"],
    "intranet.example": ["10.0.0.5"],
    "nat64.example.com": ["64:ff9b::a9fe:a9fe"],
    "sixtofour.example.com": ["2002:7f00:1::1"],
    "mapped.example.com": ["::ffff:192.168.1.1"],
}


class SyncThreadPool:
    def callInThreadWithCallback(self, on_result, func, *args, **kwargs):
        try:
            result = func(*args, **kwargs)
        except Exception:
            on_result(False, Failure())
        else:
            on_result(True, result)


class FakeReactor(Clock):
    """Runs "threaded" lookups at once, so a test needs no running reactor."""

    def __init__(self) -> None:
        super().__init__()
        self.pool = SyncThreadPool()
        self.name_resolver = None

    def getThreadPool(self):
        return self.pool

    def callFromThread(self, func, *args, **kwargs):
        func(*args, **kwargs)

    def installNameResolver(self, resolver):
        self.name_resolver = resolver


@implementer(IResolutionReceiver)
class Receiver:
    def __init__(self) -> None:
        self.addresses: list = []
        self.complete = False

    def resolutionBegan(self, resolution) -> None:
        self.resolution = resolution

    def addressResolved(self, address) -> None:
        self.addresses.append(address)

    def resolutionComplete(self) -> None:
        self.complete = True


class CountingDns:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, name: str) -> list[str]:
        self.calls.append(name)
        if name not in HOSTILE_DNS:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return HOSTILE_DNS[name]


def resolve(name: str, port: int, allowed=(), dns=None) -> Receiver:
    resolver = CheckingResolver(FakeReactor(), 100, 5.0, allowed, dns or CountingDns())
    receiver = Receiver()
    resolver.resolveHostName(receiver, name, port)
    assert receiver.complete
    return receiver


def test_public_addresses_are_handed_over_with_the_port():
    assert resolve("news.example.gov.cn", 443).addresses == [
        IPv4Address("TCP", "93.184.216.34", 443),
        IPv6Address("TCP", "2606:2800:220:1:248:1893:25c8:1946", 443),
    ]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("rebind.example.com", "resolves to 127.0.0.1, a loopback address"),
        ("mixed.example.com", "resolves to 10.0.0.5, a private"),
        ("intranet.example", "resolves to 10.0.0.5, a private"),
        ("nat64.example.com", "resolves to 64:ff9b::a9fe:a9fe, the NAT64 form of 169.254.169.254"),
        ("sixtofour.example.com", "resolves to 2002:7f00:1::1, the 6to4 form of 127.0.0.1"),
        ("mapped.example.com", "resolves to ::ffff:192.168.1.1, the IPv4-mapped form of 192.168.1.1"),
    ],
)
def test_a_public_looking_name_resolving_inside_yields_no_address(name, reason, caplog):
    with caplog.at_level(logging.WARNING, logger="crawlers.resolver"):
        assert resolve(name, 80).addresses == []
    assert f"refused to connect: {name} {reason}" in caplog.text


def test_the_allow_list_lets_a_name_through_on_its_listed_port_only():
    allowed = ["intranet.example:8080"]
    assert resolve("intranet.example", 8080, allowed).addresses == [IPv4Address("TCP", "10.0.0.5", 8080)]
    assert resolve("intranet.example", 9200, allowed).addresses == []
    # Port 0: reactor.resolve() does not say; the middleware has enforced the port already.
    assert resolve("intranet.example", 0, allowed).addresses == [IPv4Address("TCP", "10.0.0.5", 0)]
    assert resolve("intranet.example", 9200, ["intranet.example"]).addresses != []


def test_cached_answers_are_checked_again():
    dns = CountingDns()
    resolver = CheckingResolver(FakeReactor(), 100, 5.0, ["intranet.example:8080"], dns)
    first, second = Receiver(), Receiver()
    resolver.resolveHostName(first, "intranet.example", 8080)
    resolver.resolveHostName(second, "intranet.example", 9200)
    assert dns.calls == ["intranet.example"]
    assert first.addresses and second.addresses == [] and second.complete


def test_a_failed_lookup_completes_with_no_address():
    assert resolve("no-such-host.example", 80).addresses == []


def test_crawls_install_the_checking_resolver_with_the_allow_list():
    ours = PolicyRadarSettings(allow_private_hosts=("demo.test:8765",))
    settings = Settings(derived_settings(ours))
    reactor = FakeReactor()
    resolver_class = load_object(settings["TWISTED_DNS_RESOLVER"])
    resolver = resolver_class.from_crawler(SimpleNamespace(settings=settings), reactor)
    resolver.install_on_reactor()
    assert reactor.name_resolver is resolver and isinstance(resolver, CheckingResolver)
    assert resolver.allowed == ("demo.test:8765",) and resolver.timeout == SCRAPY_SETTINGS["DNS_TIMEOUT"]
