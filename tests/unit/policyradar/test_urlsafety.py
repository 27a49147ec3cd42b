import re

import pytest

from policyradar.urlsafety import UnsafeUrlError, address_problem, check_url, inspect_url

DEMO = ("127.0.0.1:8765",)  # the shipped default allow-list

# Public-looking names and what a hostile DNS server answers for them.
HOSTILE_DNS = {
    "rebind.example.com": ["93.184.216.34", "127.0.0.1"],
    "intranet.example.net": ["10.0.0.5"],
    "meta.attacker.example": ["169.254.169.254"],
    "nat64.attacker.example": ["64:ff9b::a9fe:a9fe"],
    "sixtofour.attacker.example": ["2002:c0a8:101::1"],
    "mapped.attacker.example": ["::ffff:192.168.1.1"],
    "ula.attacker.example": ["fd12:3456::1"],
}


def hostile_dns(host, port):
    return HOSTILE_DNS.get(host, ["93.184.216.34"])


def public(host, port):
    return ["93.184.216.34"]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "only http and https"),
        ("gopher://example.com:70/_GET", "only http and https"),
        ("ftp://example.com/a", "only http and https"),
        ("dict://127.0.0.1:11211/stat", "only http and https"),
        ("javascript:alert(1)", "only http and https"),
        ("//example.com/no-scheme", "only http and https"),
        ("http:///nohost", "has no host"),
        ("http://example.com:99999/", "not a valid URL"),
        ("http://user:pw@example.com/", "credentials"),
        ("http://example.com@127.0.0.1:8765/", "credentials"),
        ("http://127.0.0.1:8765%2F@example.com/", "credentials"),
        ("http://localhost:8765/", "is internal"),
        ("http://LOCALHOST./", "is internal"),
        ("http://admin.localhost/", "is internal"),
        ("http://metadata.google.internal/computeMetadata/v1/", "is internal"),
        ("http://metadata/", "is internal"),
        ("http://db.corp.internal/", "is internal"),
        ("http://127.0.0.1:9200/", "loopback"),
        ("http://2130706433:8765/", "loopback"),
        ("http://017700000001/", "loopback"),
        ("http://0x7f000001/", "loopback"),
        ("http://0x7f.1/", "loopback"),
        ("http://127.1:8765/", "loopback"),
        ("http://127。0。0。1:9200/", "loopback"),
        ("http://１２７.0.0.1/", "loopback"),
        ("http://0/", "unspecified"),
        ("http://0.0.0.0:8765/", "unspecified"),
        ("http://10.0.0.1/", "private"),
        ("http://172.31.255.255/", "private"),
        ("http://192.168.0.1:8080/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("http://100.100.100.200/latest/meta-data/", "cloud metadata"),
        ("http://100.64.0.1/", "shared"),
        ("http://224.0.0.1/", "multicast"),
        ("http://[::1]:8765/", "loopback"),
        ("http://[::]/", "unspecified"),
        ("http://[fe80::1%25eth0]/", "link-local"),
        ("http://[fc00::1]/", "private"),
        ("http://[fd00:ec2::254]/latest/meta-data/", "cloud metadata"),
        ("http://[::ffff:127.0.0.1]:8765/", "IPv4-mapped form of 127.0.0.1, a loopback"),
        ("http://[::ffff:7f00:1]/", "IPv4-mapped form of 127.0.0.1"),
        ("http://[0:0:0:0:0:ffff:a9fe:a9fe]/", "IPv4-mapped form of 169.254.169.254, a cloud metadata"),
        ("http://[::ffff:0:10.0.0.1]/", "IPv4-translated form of 10.0.0.1"),
        ("http://[::127.0.0.1]/", "IPv4-compatible form of 127.0.0.1"),
        ("http://[::a00:1]/", "IPv4-compatible form of 10.0.0.1"),
        ("http://[64:ff9b::127.0.0.1]/", "NAT64 form of 127.0.0.1"),
        ("http://[64:ff9b::a9fe:a9fe]/", "NAT64 form of 169.254.169.254"),
        ("http://[64:ff9b::c0a8:1]/", "NAT64 form of 192.168.0.1, a private"),
        ("http://[64:ff9b:1::5db8:d822]/", "local-use NAT64"),
        ("http://[2002:7f00:1::]/", "6to4 form of 127.0.0.1"),
        ("http://[2002:a9fe:a9fe::1]/", "6to4 form of 169.254.169.254"),
        ("http://[2002:0a00:0001::]/", "6to4 form of 10.0.0.1"),
        ("http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "Teredo"),
        ("http://rebind.example.com/", "rebind.example.com resolves to 127.0.0.1, a loopback"),
        ("https://intranet.example.net/", "resolves to 10.0.0.5, a private"),
        ("http://meta.attacker.example/", "resolves to 169.254.169.254, a cloud metadata"),
        ("http://nat64.attacker.example/", "NAT64 form of 169.254.169.254"),
        ("http://sixtofour.attacker.example/", "6to4 form of 192.168.1.1"),
        ("http://mapped.attacker.example/", "IPv4-mapped form of 192.168.1.1"),
        ("http://ula.attacker.example/", "resolves to fd12:3456::1, a private"),
    ],
)
def test_hostile_urls_are_refused_with_a_reason(url, reason):
    with pytest.raises(UnsafeUrlError, match=re.escape(reason)):
        check_url(url, allowed=DEMO, resolve=hostile_dns)


def test_public_urls_and_the_allow_list_pass():
    assert check_url("https://www.miit.gov.cn/a.html", resolve=public)
    assert check_url("http://127.0.0.1:8765/x", allowed=DEMO, resolve=public)
    assert check_url(
        "http://intranet.example.net:8080/", allowed=["intranet.example.net:8080"], resolve=hostile_dns
    )
    assert check_url("http://intranet.example.net/", allowed=["intranet.example.net"], resolve=hostile_dns)


def test_the_allow_list_holds_only_for_the_listed_port():
    with pytest.raises(UnsafeUrlError, match=r"resolves to 10\.0\.0\.5"):
        check_url(
            "http://intranet.example.net:9200/", allowed=["intranet.example.net:8080"], resolve=hostile_dns
        )


@pytest.mark.parametrize(
    "address",
    ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "::ffff:93.184.216.34", "64:ff9b::5db8:d822"],
)
def test_public_addresses_and_their_ipv6_forms_are_accepted(address):
    assert address_problem(address) is None


def test_6to4_of_a_public_address_is_accepted():
    assert address_problem("2002:5db8:d822::1") is None


def test_a_name_is_resolved_once_and_its_checked_addresses_are_kept():
    calls = []

    def resolve(host, port):
        calls.append((host, port))
        return ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]

    checked = inspect_url("https://Example.COM./a b?q=政策", resolve=resolve)
    assert calls == [("example.com", 443)]
    assert checked.addresses == ("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946")
    assert (checked.host, checked.port) == ("example.com", 443)
    assert checked.target == "/a%20b?q=%E6%94%BF%E7%AD%96"


def test_an_allow_listed_name_is_resolved_for_its_address_but_not_refused():
    checked = inspect_url("http://intranet.example.net:8080/", ["intranet.example.net:8080"], hostile_dns)
    assert checked.addresses == ("10.0.0.5",)
