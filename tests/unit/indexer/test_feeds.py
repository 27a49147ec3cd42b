"""The Atom rendering of search hits (indexer.feeds.atom_feed), read back with feedparser: links to
the document page and the original, dates, escaping of crawled text, an empty feed."""

from __future__ import annotations

from datetime import UTC, datetime

import feedparser

from indexer.feeds import atom_feed, document_page_url, entry_summary

SELF = "https://radar.example/feeds/search.atom?q=%E7%AE%97%E5%8A%9B"
NOW = datetime(2024, 6, 1, 8, 0, tzinfo=UTC)


def hit(n: int, **changes) -> dict:
    base = {
        "id": f"doc{n:04d}aaaaaaaa",
        "url": f"https://gov.example/notice/{n}.html",
        "title": f"深圳市算力券实施方案 {n}",
        "published_at": f"2024-05-0{n}T00:00:00",
        "source_id": "sz-gov",
        "topics": ["subsidy", "computing-power"],
        "entities": {
            "money": [{"text": "最高1000万元", "is_subsidy": True}],
            "places": [{"canonical": "Shenzhen", "text": "深圳市"}],
        },
        "facts": {"doc_type": "plan", "doc_number": "深工信〔2024〕3号", "deadline": "2024-06-30"},
    }
    return {**base, **changes}


def parse(body: bytes) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def test_entries_link_to_the_document_page_and_to_the_original():
    parsed = parse(atom_feed("Policy Radar: 算力", SELF, [hit(1), hit(2)], now=NOW))
    assert parsed.feed.title == "Policy Radar: 算力"
    assert parsed.feed.id == SELF
    assert [link.rel for link in parsed.feed.links] == ["self", "alternate"]
    first = parsed.entries[0]
    assert first.title == "深圳市算力券实施方案 1"
    links = {link.rel: link.href for link in first.links}
    assert links == {
        "alternate": "https://radar.example/documents/doc0001aaaaaaaa",
        "related": "https://gov.example/notice/1.html",
    }
    assert first.id == links["alternate"]
    assert first.author == "sz-gov"
    assert [tag.term for tag in first.tags] == ["subsidy", "computing-power"]
    assert first.summary == "plan 深工信〔2024〕3号 · 最高1000万元 (subsidy) · Shenzhen · deadline 2024-06-30"


def test_dates_come_from_publication_and_the_feed_is_as_new_as_its_newest_entry():
    parsed = parse(atom_feed("t", SELF, [hit(1), hit(3), hit(2)], now=NOW))
    assert [e.updated for e in parsed.entries] == [
        "2024-05-01T00:00:00Z",
        "2024-05-03T00:00:00Z",
        "2024-05-02T00:00:00Z",
    ]
    assert parsed.feed.updated == "2024-05-03T00:00:00Z"
    undated = parse(atom_feed("t", SELF, [hit(1, published_at=None)], now=NOW)).entries[0]
    assert undated.updated == "2024-06-01T08:00:00Z" and "published" not in undated


def test_crawled_markup_and_characters_xml_cannot_carry_stay_inert_text():
    title = 'Notice <script>alert(1)</script> & "quotes"\x00\x0b\ufffe'
    body = atom_feed("t", SELF, [hit(1, title=title, url="javascript:alert(1)")], now=NOW)
    assert b"<script>" not in body
    entry = parse(body).entries[0]
    assert entry.title == 'Notice <script>alert(1)</script> & "quotes"'
    assert [link.rel for link in entry.links] == ["alternate"]  # no link to a non-web address


def test_an_empty_search_is_a_valid_feed_dated_now():
    parsed = parse(atom_feed("Policy Radar: nothing", SELF, [], now=NOW))
    assert parsed.entries == []
    assert parsed.feed.updated == "2024-06-01T08:00:00Z"


def test_document_pages_can_live_under_a_site_prefix_and_ids_are_quoted():
    assert (
        document_page_url("https://x.example/radar/", "a/b c")
        == "https://x.example/radar/documents/a%2Fb%20c"
    )
    body = atom_feed("t", SELF, [hit(1)], site_url="https://x.example/radar/", now=NOW)
    assert parse(body).entries[0].link == "https://x.example/radar/documents/doc0001aaaaaaaa"


def test_a_summary_names_only_what_the_hit_carries():
    assert entry_summary({"title": "x"}) == ""
    assert entry_summary({"facts": {"doc_type": "notice"}}) == "notice"
