"""URL safety as users meet it: ``sources add`` refuses hostile URLs and hops, and Scrapy's downloader
connects by name only through the checking resolver."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.site_server import serve_fixture_site

pytestmark = pytest.mark.integration

# A bare Scrapy crawl with the project's settings but without the safety middleware, so the only
# thing between a name and a connection is the resolver installed by TWISTED_DNS_RESOLVER.
PROBE = """
import json, sys
import scrapy
from scrapy.crawler import CrawlerProcess
from crawlers.scrapy_settings import ALLOWED_PRIVATE_HOSTS, SCRAPY_SETTINGS

url, allowed = sys.argv[1], json.loads(sys.argv[2])

class Probe(scrapy.Spider):
    name = "probe"

    async def start(self):
        yield scrapy.Request(url, callback=self.fetched, errback=self.failed)

    def fetched(self, response):
        print("FETCHED", response.status, flush=True)

    def failed(self, failure):
        print("FAILED", type(failure.value).__name__, failure.value, flush=True)

settings = {
    **SCRAPY_SETTINGS,
    "ITEM_PIPELINES": {},
    "ROBOTSTXT_OBEY": False,
    "RETRY_ENABLED": False,
    "DOWNLOADER_MIDDLEWARES": {"crawlers.middlewares.safety.UrlSafetyMiddleware": None},
    ALLOWED_PRIVATE_HOSTS: allowed,
    "LOG_LEVEL": "WARNING",
}
process = CrawlerProcess(settings)
process.crawl(Probe)
process.start()
"""


def policyradar(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "launcher", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, **(env or {})},
    )


def probe(tmp_path: Path, url: str, allowed: list[str]) -> subprocess.CompletedProcess:
    script = tmp_path / "probe.py"
    script.write_text(PROBE, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path.cwd())}
    return subprocess.run(
        [sys.executable, str(script), url, json.dumps(allowed)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


@pytest.fixture
def site_port():
    with serve_fixture_site() as (base, _):
        yield int(base.rsplit(":", 1)[1])


def test_the_downloader_refuses_a_name_that_resolves_to_a_private_address(tmp_path, site_port):
    refused = probe(tmp_path, f"http://localhost:{site_port}/en/list.html", [])
    assert "FETCHED" not in refused.stdout and "FAILED" in refused.stdout, refused.stderr[-2000:]
    assert "refused to connect: localhost resolves to 127.0.0.1, a loopback address" in refused.stderr
    other_port = probe(tmp_path, f"http://localhost:{site_port}/en/list.html", ["localhost:1"])
    assert "FAILED" in other_port.stdout and "refused to connect" in other_port.stderr


def test_the_downloader_connects_to_an_allow_listed_name(tmp_path, site_port):
    allowed = probe(tmp_path, f"http://localhost:{site_port}/en/list.html", [f"localhost:{site_port}"])
    assert "FETCHED 200" in allowed.stdout, allowed.stderr[-2000:]


def test_a_crawl_by_name_honours_the_allow_list_of_the_settings(tmp_path, site_port):
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "by-name.yaml").write_text(
        "id: by-name\nname: by name\npublisher_kind: government\njurisdiction: CN\nlanguage: en\n"
        "entry_points:\n  - kind: listing\n"
        f"    url: http://localhost:{site_port}/en/list.html\n"
        '    link_selector: "ul.news li a::attr(href)"\nenabled: true\n',
        encoding="utf-8",
    )
    out = tmp_path / "records.jsonl"
    env = {"POLICYRADAR_ALLOW_PRIVATE_HOSTS": json.dumps([f"localhost:{site_port}"])}
    result = policyradar(
        "crawl", "--sources-dir", str(sources), "--dry-run", str(out), "--limit", "2", env=env
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(out.read_text(encoding="utf-8").splitlines()) >= 2


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://[::ffff:127.0.0.1]:8765/", "IPv4-mapped form of 127.0.0.1"),
        ("http://[64:ff9b::a9fe:a9fe]/latest/", "NAT64 form of 169.254.169.254"),
        ("http://[2002:7f00:1::]:8765/", "6to4 form of 127.0.0.1"),
        ("http://2130706433:9200/", "127.0.0.1, a loopback address"),
        ("http://localhost:8765/", "is internal"),
        ("http://127。0。0。1:9200/", "a loopback address"),
    ],
)
def test_add_refuses_hostile_urls_with_the_reason(tmp_path, url, reason):
    result = policyradar("sources", "add", url, "--out", str(tmp_path / "new"))
    assert result.returncode == 2 and reason in result.stderr
    assert not (tmp_path / "new").exists()


def test_add_refuses_a_redirect_to_a_metadata_address(tmp_path, site_port):
    env = {"POLICYRADAR_ALLOW_PRIVATE_HOSTS": json.dumps([f"127.0.0.1:{site_port}"])}
    url = f"http://127.0.0.1:{site_port}/to-internal.html"
    result = policyradar("sources", "add", url, "--out", str(tmp_path / "new"), env=env)
    assert result.returncode == 2
    assert "169.254.169.254, a cloud metadata address" in result.stderr
    assert not (tmp_path / "new").exists()
