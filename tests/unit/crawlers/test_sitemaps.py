"""Sitemaps as sites publish them: news sitemaps, sitemap indexes and ``.xml.gz`` files, read through
the spider's sitemap callback (stored samples, no network)."""

from __future__ import annotations

import gzip
from pathlib import Path

import scrapy
from scrapy.http import Response

from crawlers.entries import sitemap_links
from crawlers.sources import SitemapEntry, SourceSpec
from crawlers.spiders.source import SourceSpider

SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "sitemaps"
SITE = "https://www.example.gov.cn"


def spider(entry: SitemapEntry) -> SourceSpider:
    spec = SourceSpec(
        id="example-sitemap",
        name="example",
        publisher_kind="government",
        jurisdiction="CN",
        language="zh",
        entry_points=[entry],
    )
    return SourceSpider(spec)


def crawl_sitemap(name: str, entry: SitemapEntry, max_size: int = 0) -> list[scrapy.Request]:
    url = f"{SITE}/sitemaps/{name}"
    request = scrapy.Request(url, meta={"download_maxsize": max_size} if max_size else {})
    response = Response(url, body=(SAMPLES / name).read_bytes(), request=request)
    return list(spider(entry).parse_sitemap(response, entry))


def test_a_gzipped_news_sitemap_yields_its_articles_newest_first():
    entry = SitemapEntry(kind="sitemap", url=f"{SITE}/sitemaps/news-sitemap.xml.gz", url_pattern=r"/art/")
    requests = crawl_sitemap("news-sitemap.xml.gz", entry)
    assert [(r.url, r.cb_kwargs["link"].date) for r in requests] == [
        (f"{SITE}/art/2025/5/8/art_1229_934.html", "2025-05-08T09:30:00+08:00"),
        (f"{SITE}/art/2025/4/16/art_1229_901.html", "2025-04-16"),
        (f"{SITE}/art/2025/3/2/art_1229_877.html", "2025-03-02"),
    ]
    assert requests[1].cb_kwargs["link"].title == "关于发放算力券的通知"


def test_a_sitemap_index_is_followed_to_its_child_sitemaps():
    entry = SitemapEntry(kind="sitemap", url=f"{SITE}/sitemaps/sitemap-index.xml")
    requests = crawl_sitemap("sitemap-index.xml", entry)
    assert [r.url for r in requests] == [
        f"{SITE}/sitemaps/news-sitemap.xml.gz",
        f"{SITE}/sitemaps/pages-2025.xml",
    ]
    assert all(r.callback.__name__ == "parse_sitemap" for r in requests)


def test_a_gzipped_sitemap_bigger_than_the_download_limit_is_refused():
    entry = SitemapEntry(kind="sitemap", url=f"{SITE}/sitemaps/news-sitemap.xml.gz")
    unzipped = len(gzip.decompress((SAMPLES / "news-sitemap.xml.gz").read_bytes()))
    assert crawl_sitemap("news-sitemap.xml.gz", entry, max_size=unzipped - 1) == []
    assert len(crawl_sitemap("news-sitemap.xml.gz", entry, max_size=unzipped)) == 4


def test_a_sitemap_that_is_not_xml_gives_no_links():
    entry = SitemapEntry(kind="sitemap", url=f"{SITE}/sitemap.xml")
    assert sitemap_links(b"<html><body>Not Found</body></html>", entry) == ([], [])
    assert sitemap_links(b"", entry) == ([], [])


def test_a_gzipped_sitemap_cut_short_in_transfer_is_reported_not_raised(caplog):
    entry = SitemapEntry(kind="sitemap", url=f"{SITE}/sitemaps/cut.xml.gz")
    url = entry.url
    body = gzip.compress(b"<urlset/>")[:10]  # the gzip header only: gunzip raises EOFError
    response = Response(url, body=body, request=scrapy.Request(url))
    assert list(spider(entry).parse_sitemap(response, entry)) == []
    assert "cannot be unzipped" in caplog.text
