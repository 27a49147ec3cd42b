"""Links to announcements from each kind of entry document: listing page, feed, sitemap, JSON API.

Pure functions of the document's content, so they are tested on stored samples without a network.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import feedparser
import lxml.etree
from parsel import Selector
from scrapy.utils.sitemap import Sitemap

from crawlers.dates import parse_date
from crawlers.sources import JsonApiEntry, ListingEntry, SitemapEntry, SourceSpec


@dataclass(frozen=True)
class Link:
    url: str
    title: str | None = None
    date: str | None = None


def listing_links(html: Selector, entry: ListingEntry, page_url: str) -> tuple[list[Link], str | None]:
    """Announcement links on a listing page and the next page's URL (if any).

    The link selector also runs over list fragments that the page embeds for a script to draw
    (Hanweb JCMS keeps them as CDATA records in ``<script type="text/xml">``)."""
    hrefs = html.css(entry.link_selector).getall()
    for fragment in _embedded_fragments(html):
        hrefs += Selector(text=fragment).css(entry.link_selector).getall()
    links = [
        Link(urljoin(page_url, href.strip()))
        for href in dict.fromkeys(h.strip() for h in hrefs)
        if href and not href.startswith(("javascript:", "#", "mailto:"))
    ]
    next_href = html.css(entry.next_page_selector).get() if entry.next_page_selector else None
    return links, urljoin(page_url, next_href.strip()) if next_href and next_href.strip() else None


_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)


def _embedded_fragments(html: Selector) -> list[str]:
    """HTML held in CDATA sections of ``<script type="text/xml">`` blocks."""
    scripts = html.css('script[type="text/xml"]::text').getall()
    return [fragment for script in scripts for fragment in _CDATA.findall(script) if "<a" in fragment]


def templated_pages(entry: ListingEntry) -> list[str]:
    """Pages 2 … max_pages of a listing whose pager is drawn by script (``index_{n}.html``)."""
    if not entry.page_url_template:
        return []
    return [urljoin(entry.url, entry.page_url_template.format(n=n)) for n in range(1, entry.max_pages)]


def feed_links(body: bytes | str, feed_url: str) -> list[Link]:
    """Items of an RSS (0.9x, 1.0, 2.0) or Atom feed, read by feedparser (which honours the feed's
    own encoding declaration); relative links are resolved against ``feed_url``."""
    feed = feedparser.parse(body, response_headers={"content-location": feed_url})
    links = []
    for item in feed.entries:
        href = (item.get("link") or "").strip()
        if href:
            date = item.get("published") or item.get("updated")
            links.append(Link(urljoin(feed_url, href), _clean(item.get("title")), _clean(date)))
    return links


def sitemap_links(body: bytes | str, entry: SitemapEntry) -> tuple[list[Link], list[str]]:
    """URLs of a sitemap (newest first where dates are given) and the child sitemaps of an index,
    read by Scrapy's sitemap parser. ``body`` is the XML (the spider unzips a ``.xml.gz`` file first)."""
    sitemap = _read_sitemap(body.encode("utf-8") if isinstance(body, str) else body)
    if sitemap is not None and sitemap.type == "sitemapindex":
        return [], [found["loc"] for found in sitemap if found.get("loc")]
    if sitemap is None or sitemap.type != "urlset":
        return [], []
    pattern = re.compile(entry.url_pattern) if entry.url_pattern else None
    links = []
    for found in sitemap:
        loc = found.get("loc", "")
        if not loc or (pattern and not pattern.search(loc)):
            continue
        date = found.get("news_publication_date") or found.get("lastmod")
        links.append(Link(loc, _clean(found.get("news_title")), _clean(date)))
    dated = sorted(links, key=lambda link: link.date or "", reverse=True)
    return dated[: entry.max_urls], []


class _NewsSitemap(Sitemap):
    """Scrapy's sitemap reader, also keeping the ``<news:news>`` block's publication date and title
    (as ``news_publication_date``, ``news_title``): Scrapy keeps only the direct children of ``<url>``."""

    __slots__ = ()

    def _process_sitemap_element(self, elem: Any) -> dict[str, Any] | None:
        news = {
            f"news_{self._get_tag_name(child)}": (child.text or "").strip()
            for block in elem
            if self._get_tag_name(block) == "news"
            for child in block
        }
        found = super()._process_sitemap_element(elem)
        return {**found, **news} if found else None


def _read_sitemap(body: bytes) -> _NewsSitemap | None:
    try:
        return _NewsSitemap(body)
    except (lxml.etree.XMLSyntaxError, StopIteration):
        return None


def json_api_links(data: Any, entry: JsonApiEntry, api_url: str) -> list[Link]:
    """Items of a JSON listing API: ``items_path`` (dotted; empty for a top-level list) finds the
    list, ``url_field``/``title_field``/``date_field`` (dotted) are read inside each item."""
    items = dig(data, entry.items_path)
    links = []
    for item in items if isinstance(items, list) else []:
        url = dig(item, entry.url_field)
        if not isinstance(url, str | int) or not str(url).strip():
            continue
        links.append(
            Link(
                urljoin(api_url, str(url).strip()),
                _text_field(item, entry.title_field),
                _text_field(item, entry.date_field),
            )
        )
    return links


def dig(value: Any, dotted: str | None) -> Any:
    """``dig({"a": [{"b": 1}]}, "a.0.b") == 1``; a missing step gives None."""
    for key in (dotted or "").split("."):
        if not key:
            continue
        if isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        elif isinstance(value, dict):
            value = value.get(key)
        else:
            return None
    return value


def _text_field(item: Any, dotted: str | None) -> str | None:
    value = dig(item, dotted) if dotted else None
    return _clean(str(value)) if value not in (None, "") else None


def json_api_page_url(entry: JsonApiEntry, page: int) -> str:
    """The API URL for page ``page`` (the entry URL itself for page 1 or without a page parameter)."""
    if page == 1 or not entry.page_param:
        return entry.url
    parts = urlsplit(entry.url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != entry.page_param]
    return urlunsplit(parts._replace(query=urlencode([*query, (entry.page_param, str(page))])))


def load_json(body: bytes) -> Any:
    return json.loads(body.decode("utf-8-sig"))


def is_wanted(url: str, spec: SourceSpec) -> bool:
    """The source's allow/deny patterns (allow empty = everything) and its hosts only."""
    host = urlsplit(url).hostname or ""
    if not any(host == h or host.endswith("." + h) for h in spec.hosts):
        return False
    if spec.deny and any(re.search(p, url) for p in spec.deny):
        return False
    return not spec.allow or any(re.search(p, url) for p in spec.allow)


def link_date(link: Link):
    return parse_date(link.date) if link.date else None


def _clean(value: str | None) -> str | None:
    return " ".join(value.split()) if value and value.strip() else None
