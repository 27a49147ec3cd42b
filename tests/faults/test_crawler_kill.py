"""The crawler killed with SIGKILL mid-crawl: the next crawl picks up every page it had not yet
delivered, because a page's crawl state is written only after its record is acknowledged."""

from __future__ import annotations

import json
import time

import pytest

from policyradar.ids import document_id
from policyradar.kafka_io import read_topic
from tests.faults.harness import wait_until
from tests.faults.records import WATCHED_SOURCE
from tests.faults.site import generated_site

pytestmark = pytest.mark.faults
ARTICLES = 1000
SPEC = """\
id: {id}
name: generated fault site
publisher_kind: government
jurisdiction: CN
language: zh
entry_points:
  - kind: listing
    url: {base}/list/1.html
    link_selector: "ul.news li a::attr(href)"
    next_page_selector: "div.pages a.next::attr(href)"
    max_pages: 25
selectors:
  title: "h1::text"
  date: "span.date::text"
  body: "div.content"
politeness:
  download_delay: 0
  concurrency: 16
  obey_robots: false
enabled: true
"""


def test_crawler_killed_mid_crawl(scenario, tmp_path):
    settings = scenario.settings
    sources = tmp_path / "sources"
    sources.mkdir()
    with generated_site(ARTICLES) as base:
        (sources / "fault.yaml").write_text(SPEC.format(id=WATCHED_SOURCE, base=base), encoding="utf-8")
        port = base.rsplit(":", 1)[1]
        crawl_env = {
            "POLICYRADAR_ALLOW_PRIVATE_HOSTS": json.dumps([f"127.0.0.1:{port}"]),
            "POLICYRADAR_SOURCES_DIR": str(sources),
        }
        scenario.stages.start("crawl", "crawl", "--log-level", "ERROR", extra_env=crawl_env)
        wait_until(
            lambda: sum(1 for _ in read_topic(settings, settings.topic_raw)) >= 150, 180, "150 pages crawled"
        )
        scenario.stages.assert_alive("crawl")
        scenario.stages.kill("crawl")
        delivered_before = sum(1 for _ in read_topic(settings, settings.topic_raw))
        assert delivered_before < ARTICLES, "the crawl finished before it could be killed"
        scenario.stages.start("crawl-again", "crawl", "--log-level", "ERROR", extra_env=crawl_env)
        healed = time.monotonic()
        scenario.stages.start("process", "process")
        scenario.stages.start("index", "index")
        wait_until(lambda: scenario.stages.procs["crawl-again"].poll() is not None, 300, "the second crawl")
        assert scenario.stages.procs["crawl-again"].returncode == 0, scenario.stages.log("crawl-again")
        ids = {document_id(f"{base}/art/{n}.html") for n in range(1, ARTICLES + 1)}
        scenario.settle_ids(ids, healed_at=healed)
