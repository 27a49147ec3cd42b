import pytest
from parsel import Selector

from crawlers.decoding import decode_html
from crawlers.entries import (
    feed_links,
    is_wanted,
    json_api_links,
    json_api_page_url,
    listing_links,
    sitemap_links,
)
from crawlers.middlewares.backoff import retry_after_seconds
from crawlers.sources import JsonApiEntry, ListingEntry, SitemapEntry, SourceSpec

NOTICE = "<html><head>{meta}<title>关于算力券的通知</title></head><body>发布时间：2025年4月16日</body></html>"


@pytest.mark.parametrize(
    ("header", "meta"),
    [
        ("gbk", ""),
        (None, '<meta charset="gb2312">'),
        (None, ""),
        ("utf-8", '<meta charset="gbk">'),
        ("iso-8859-1", ""),
    ],
)
def test_gbk_pages_decode_whatever_the_header_says(header, meta):
    page = decode_html(NOTICE.format(meta=meta).encode("gbk"), header)
    assert "关于算力券的通知" in page.text and page.bad_ratio == 0


def test_utf8_wins_over_a_wrong_gbk_declaration_and_garbage_is_measured():
    assert "通知" in decode_html(NOTICE.format(meta="").encode("utf-8"), "gbk").text
    assert decode_html(bytes(range(128, 256)) * 10, "utf-8").bad_ratio > 0.005


def test_listing_links_are_absolute_and_skip_scripts():
    html = Selector(
        text="<ul><li><a href='./t1.html'>a</a></li><li><a href='javascript:void(0)'>b</a></li></ul>"
        "<a class='next' href='index_1.html'>下一页</a>"
    )
    entry = ListingEntry(
        url="http://x.gov.cn/tzgg/index.html",
        link_selector="ul a::attr(href)",
        next_page_selector="a.next::attr(href)",
    )
    links, next_url = listing_links(html, entry, entry.url)
    assert [link.url for link in links] == ["http://x.gov.cn/tzgg/t1.html"]
    assert next_url == "http://x.gov.cn/tzgg/index_1.html"


def test_rss_atom_sitemap_and_json_entries():
    rss = b"<rss><channel><item><title>A</title><link>http://x.cn/a.html</link></item></channel></rss>"
    atom = (
        b"<feed xmlns='http://www.w3.org/2005/Atom'><entry><title>B</title>"
        b"<link href='/b.html'/><updated>2025-01-02</updated></entry></feed>"
    )
    assert [link.url for link in feed_links(rss, "http://x.cn/feed")] == ["http://x.cn/a.html"]
    assert [(link.url, link.date) for link in feed_links(atom, "http://x.cn/feed")] == [
        ("http://x.cn/b.html", "2025-01-02")
    ]
    sitemap = (
        b"<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'><url><loc>http://x.cn/old.html</loc>"
        b"<lastmod>2024-01-01</lastmod></url><url><loc>http://x.cn/new.html</loc><lastmod>2025-01-01</lastmod>"
        b"</url><url><loc>http://x.cn/about.html</loc></url></urlset>"
    )
    links, children = sitemap_links(
        sitemap, SitemapEntry(kind="sitemap", url="http://x.cn/s.xml", url_pattern=r"/(new|old)\.html$")
    )
    assert [link.url for link in links] == ["http://x.cn/new.html", "http://x.cn/old.html"] and children == []
    entry = JsonApiEntry(
        kind="json_api",
        url="http://x.cn/api?size=10",
        items_path="data.list",
        url_field="link",
        title_field="title",
        page_param="page",
        max_pages=3,
    )
    data = {"data": {"list": [{"link": "/c.html", "title": "C"}, {"title": "no link"}]}}
    assert [(link.url, link.title) for link in json_api_links(data, entry, entry.url)] == [
        ("http://x.cn/c.html", "C")
    ]
    assert json_api_page_url(entry, 2) == "http://x.cn/api?size=10&page=2"


def test_allow_deny_and_host_rules():
    spec = SourceSpec(
        id="s1",
        name="s",
        publisher_kind="government",
        jurisdiction="CN",
        language="zh",
        entry_points=[ListingEntry(url="http://www.x.gov.cn/", link_selector="a::attr(href)")],
        allow=[r"/art/"],
        deny=[r"\.pdf$"],
    )
    assert is_wanted("http://www.x.gov.cn/art/1.html", spec)
    assert not is_wanted("http://www.x.gov.cn/art/1.pdf", spec)
    assert not is_wanted("http://www.x.gov.cn/about.html", spec)
    assert not is_wanted("http://evil.example/art/1.html", spec)


def test_retry_after_in_seconds_or_as_a_date():
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
