"""The crawler against a local fixture site: entry kinds, GBK pages in every charset variant,
incremental re-crawls, and hostile servers. Each crawl runs as a real ``policyradar crawl`` process."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from policyradar.kafka_io import read_topic
from policyradar.schemas import RawRecord
from tests.fixtures.site_server import (
    EN_TITLES,
    NO_CHARSET_PAGES,
    ZH_TITLE,
    ZH_VARIANTS,
    serve_fixture_site,
)

pytestmark = pytest.mark.integration

SOURCE = """\
id: {id}
name: fixture {id}
publisher_kind: {kind}
jurisdiction: CN
language: {lang}
entry_points:
{entries}
enabled: true
"""


EN_LISTING = """\
  - kind: listing
    url: {base}/en/list.html
    link_selector: "ul.news li a::attr(href)"
    next_page_selector: "div.pages a.next::attr(href)"
"""


@pytest.fixture
def fixture_site():
    with serve_fixture_site() as (base, site):
        yield base, site


def write_source(
    folder: Path, source_id: str, entries: str, *, kind="government", lang="en", extra: str = ""
) -> None:
    text = SOURCE.format(id=source_id, kind=kind, lang=lang, entries=entries) + extra
    (folder / f"{source_id}.yaml").write_text(text, encoding="utf-8")


def crawl(base: str, sources: Path, env_overrides: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    port = base.rsplit(":", 1)[1]
    env = {
        **os.environ,
        **env_overrides,
        "POLICYRADAR_ALLOW_PRIVATE_HOSTS": json.dumps([f"127.0.0.1:{port}"]),
    }
    return subprocess.run(
        [sys.executable, "-m", "launcher", "crawl", "--sources-dir", str(sources), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def dry_run(base: str, sources: Path, tmp_path: Path) -> tuple[list[dict], subprocess.CompletedProcess]:
    out = tmp_path / "records.jsonl"
    result = crawl(base, sources, {}, "--dry-run", str(out), "--log-level", "DEBUG")
    lines = out.read_text(encoding="utf-8").splitlines() if out.exists() else []
    return [json.loads(line) for line in lines], result


def test_listing_pagination_feed_and_sitemap(fixture_site, tmp_path):
    base, _ = fixture_site
    write_source(
        tmp_path,
        "en-listing",
        EN_LISTING.format(base=base),
        extra='selectors:\n  body: "div.body"\n  date: "p.date"\n',
    )
    write_source(tmp_path, "en-feed", f"  - kind: feed\n    url: {base}/feed.xml\n")
    write_source(tmp_path, "en-sitemap", f"  - kind: sitemap\n    url: {base}/news-sitemap.xml\n")
    records, result = dry_run(base, tmp_path, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    by_source: dict[str, list[str]] = {}
    for record in records:
        by_source.setdefault(record["source_id"], []).append(record["title"])
    assert sorted(by_source["en-listing"]) == sorted(EN_TITLES)
    assert sorted(by_source["en-feed"]) == EN_TITLES[:2]
    assert sorted(by_source["en-sitemap"]) == EN_TITLES[2:]
    listing = next(r for r in records if r["source_id"] == "en-listing" and r["title"] == EN_TITLES[0])
    assert listing["published_at"].startswith("2025-01-10") and "1 million yuan" in listing["text"]


def test_gbk_notice_decodes_in_every_charset_variant(fixture_site, tmp_path):
    base, _ = fixture_site
    write_source(
        tmp_path,
        "zh-gbk",
        f"""\
  - kind: listing
    url: {base}/zh/tzgg/index.html
    link_selector: "ul.list a::attr(href)"
""",
        lang="zh",
        extra='selectors:\n  title: "h1.title"\n  date: "div.info"\n  body: "div.TRS_Editor"\n',
    )
    records, result = dry_run(base, tmp_path, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    variants = {r["url"].split("/")[-2]: r for r in records}
    assert set(variants) == set(ZH_VARIANTS)
    for variant, record in variants.items():
        assert record["title"] == ZH_TITLE, variant
        assert "最高500万元" in record["text"] and record["published_at"].startswith("2025-04-16"), variant


def test_big5_and_windows_1251_pages_without_a_charset_are_crawled_right(fixture_site, tmp_path):
    base, _ = fixture_site
    write_source(
        tmp_path,
        "no-charset",
        f"""\
  - kind: listing
    url: {base}/nocharset/index.html
    link_selector: "ul.news li a::attr(href)"
""",
        lang="mixed",
        extra='selectors:\n  body: "div.body"\n',
    )
    records, result = dry_run(base, tmp_path, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    crawled = {r["url"].rsplit("/", 1)[1]: r for r in records if "title" in r}
    assert set(crawled) == {f"{name}.html" for name in NO_CHARSET_PAGES}
    for name, (title, body) in NO_CHARSET_PAGES.items():
        assert crawled[f"{name}.html"]["title"] == title and body in crawled[f"{name}.html"]["text"], name
    (quarantined,) = [r["quarantined"] for r in records if "quarantined" in r]
    assert quarantined["url"].endswith("/nocharset/noise.html")
    assert "no charset declared" in quarantined["reason"]


def test_hostile_pages_are_contained(fixture_site, tmp_path):
    base, site = fixture_site
    write_source(
        tmp_path,
        "hostile",
        f"""\
  - kind: listing
    url: {base}/hostile/index.html
    link_selector: "ul.news li a::attr(href)"
""",
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    records, result = dry_run(base, tmp_path, tmp_path)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert result.returncode == 0, result.stderr[-3000:]
    titles = sorted(r["title"] for r in records if "title" in r)
    assert titles == ["Flapping but recovered", "Rate limited but patient"]
    quarantined = [r["quarantined"] for r in records if "quarantined" in r]
    assert [q["url"].rsplit("/", 1)[1] for q in quarantined] == ["garbled.html"]
    assert "decodes badly" in quarantined[0]["reason"]
    # The redirect loop stopped, the internal redirect was refused, bomb and huge page were cut off.
    hops = len(site.requests["/loop/a"]) + len(site.requests["/loop/b"])
    assert 2 <= hops <= 7
    assert "refused http://127.0.0.1:1/internal-admin" in result.stderr  # same host, other port
    assert (
        "Filtered offsite request to '169.254.169.254'" in result.stderr
        or "refused http://169" in result.stderr
    )
    assert "/bomb.html" in result.stderr and "/huge.html" in result.stderr
    # The 429 host was not asked again before its Retry-After of 3 seconds.
    first, second = site.requests["/limited/a.html"][:2]
    assert second - first >= 3.0
    assert len(site.requests["/flapping/a.html"]) == 3
    # Memory stayed bounded although the bomb inflates to 64 MB and the page streams 50 MB.
    assert max(before, peak_kb) < 600 * 1024


def test_recrawl_emits_nothing_and_an_edit_emits_exactly_one_version(fixture_site, tmp_path, settings):
    base, site = fixture_site
    env = {
        "POLICYRADAR_TOPIC_RAW": settings.topic_raw,
        "POLICYRADAR_TOPIC_ENRICHED": settings.topic_enriched,
        "POLICYRADAR_TOPIC_DLQ": settings.topic_dlq,
        "POLICYRADAR_TOPIC_CRAWL_STATE": settings.topic_crawl_state,
    }
    write_source(
        tmp_path,
        "newsroom",
        f"""\
  - kind: listing
    url: {base}/newsroom/index.html
    link_selector: "div.press-list a.item::attr(href)"
""",
        kind="company",
    )
    write_source(
        tmp_path,
        "en-listing",
        EN_LISTING.format(base=base),
    )
    first = crawl(base, tmp_path, env)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "newsroom: 1 records produced" in first.stdout and "en-listing: 5 records produced" in first.stdout

    again = crawl(base, tmp_path, env)
    assert "newsroom: 0 records produced, 1 unchanged" in again.stdout, again.stdout
    assert "en-listing: 0 records produced, 5 unchanged" in again.stdout, again.stdout
    edit_requests = len(site.requests["/newsroom/2025/edit.html"])

    site.edition = 2
    edited = crawl(base, tmp_path, env)
    assert (
        "newsroom: 1 records produced" in edited.stdout and "en-listing: 0 records produced" in edited.stdout
    )

    records = [RawRecord.model_validate_json(m.value) for m in read_topic(settings, settings.topic_raw)]
    newsroom = [r for r in records if r.source_id == "newsroom"]
    assert len(records) == 7 and len(newsroom) == 2
    assert newsroom[0].id == newsroom[1].id and newsroom[0].content_hash != newsroom[1].content_hash
    assert "edition 2" in newsroom[1].title
    assert edit_requests == 2 and site.not_modified == 1  # the re-crawl asked with If-None-Match
