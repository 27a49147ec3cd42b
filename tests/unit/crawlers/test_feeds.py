"""Feeds as sites publish them, read by feedparser."""

from crawlers.entries import Link, feed_links


def test_a_gbk_feed_is_read_in_the_charset_it_declares():
    feed = (
        '<?xml version="1.0" encoding="gbk"?><rss version="2.0"><channel><item>'
        "<title>关于算力券的通知</title><link>t20250416_1.html</link>"
        "<pubDate>Wed, 16 Apr 2025 09:00:00 +0800</pubDate></item></channel></rss>"
    ).encode("gbk")
    assert feed_links(feed, "http://jxj.example.gov.cn/rss/") == [
        Link(
            "http://jxj.example.gov.cn/rss/t20250416_1.html",
            "关于算力券的通知",
            "Wed, 16 Apr 2025 09:00:00 +0800",
        )
    ]


def test_an_atom_entry_links_to_its_alternate_page_not_to_itself():
    feed = (
        b"<feed xmlns='http://www.w3.org/2005/Atom'><entry><title>B</title>"
        b"<link rel='self' href='http://x.cn/feed/b.xml'/><link rel='alternate' href='http://x.cn/b.html'/>"
        b"<published>2025-01-02T08:00:00Z</published></entry></feed>"
    )
    assert [link.url for link in feed_links(feed, "http://x.cn/feed")] == ["http://x.cn/b.html"]


def test_rss_1_items_are_read_too():
    feed = (
        b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' xmlns='http://purl.org/rss/1.0/'"
        b" xmlns:dc='http://purl.org/dc/elements/1.1/'><channel rdf:about='http://x.cn/'><title>X</title></channel>"
        b"<item rdf:about='http://x.cn/c.html'><title>C</title><link>http://x.cn/c.html</link>"
        b"<dc:date>2025-02-03</dc:date></item></rdf:RDF>"
    )
    assert [(link.url, link.date) for link in feed_links(feed, "http://x.cn/rss")] == [
        ("http://x.cn/c.html", "2025-02-03")
    ]
