"""The one generic spider: a source spec says where its announcements are listed (HTML listing
pages, feeds, sitemaps, JSON APIs) and how its pages look; no code per site."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import scrapy
from parsel import Selector
from scrapy.http import Response
from scrapy.utils.gz import gunzip, gzip_magic_number

from crawlers.decoding import decode_html
from crawlers.entries import (
    Link,
    feed_links,
    is_wanted,
    json_api_links,
    json_api_page_url,
    link_date,
    listing_links,
    load_json,
    sitemap_links,
    templated_pages,
)
from crawlers.extract import ExtractionError, extract_page
from crawlers.sources import FeedEntry, JsonApiEntry, ListingEntry, SitemapEntry, SourceSpec
from crawlers.state import PageState
from policyradar.ids import content_hash, document_id

# Share of undecodable characters above which a page is quarantined instead of indexed.
MAX_BAD_RATIO = 0.005


class SourceSpider(scrapy.Spider):
    name = "source"

    def __init__(self, spec: SourceSpec, state: dict[str, PageState] | None = None, **kwargs: Any) -> None:
        super().__init__(name=f"source:{spec.id}", **kwargs)
        self.spec = spec
        self.state = state or {}
        self.allowed_domains = spec.hosts
        if spec.politeness.download_delay is not None:
            self.download_delay = spec.politeness.download_delay

    async def start(self) -> Any:
        for request in self.entry_requests(self.spec, None):
            yield request

    # Seams for the long-lived crawler (``crawlers/spiders/catalogue.py``), where one spider serves
    # many sources: which source a response belongs to, and how a follow-up request is made.
    def spec_for(self, response: Response | None) -> SourceSpec:
        return self.spec

    def request_to(
        self, url: str, callback: Any, parent: Response | None, **kwargs: Any
    ) -> Iterator[scrapy.Request]:
        """The request for ``url`` (one, or none when the crawl already asked for it)."""
        yield scrapy.Request(url, callback, **kwargs)

    def entry_requests(self, spec: SourceSpec, parent: Response | None) -> Iterator[scrapy.Request]:
        for entry in spec.entry_points:
            if isinstance(entry, ListingEntry):
                yield from self.request_to(
                    entry.url, self.parse_listing, parent, cb_kwargs={"entry": entry, "page": 1}
                )
                for url in templated_pages(entry):
                    yield from self.request_to(
                        url, self.parse_listing, parent, cb_kwargs={"entry": entry, "page": entry.max_pages}
                    )
            elif isinstance(entry, FeedEntry):
                yield from self.request_to(entry.url, self.parse_feed, parent)
            elif isinstance(entry, SitemapEntry):
                yield from self.request_to(entry.url, self.parse_sitemap, parent, cb_kwargs={"entry": entry})
            elif isinstance(entry, JsonApiEntry):
                yield from self.request_to(
                    entry.url, self.parse_json_api, parent, cb_kwargs={"entry": entry, "page": 1}
                )

    # Entry documents ------------------------------------------------------------------------------
    def parse_listing(self, response: Response, entry: ListingEntry, page: int) -> Iterator[scrapy.Request]:
        links, next_url = listing_links(self._html(response), entry, response.url)
        yield from self._follow(links, response)
        if next_url and page < entry.max_pages:
            yield from self.request_to(
                next_url, self.parse_listing, response, cb_kwargs={"entry": entry, "page": page + 1}
            )

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        yield from self._follow(feed_links(response.body, response.url), response)

    def parse_sitemap(self, response: Response, entry: SitemapEntry) -> Iterator[scrapy.Request]:
        try:
            body = self._sitemap_body(response)
        except (OSError, EOFError, ValueError, struct.error) as exc:  # a cut or corrupt .gz
            self._count("entry_failed", response)
            self.logger.error(
                "%s: sitemap %s cannot be unzipped: %s", self.spec_for(response).id, response.url, exc
            )
            return
        links, children = sitemap_links(body, entry)
        for child in children:
            yield from self.request_to(child, self.parse_sitemap, response, cb_kwargs={"entry": entry})
        yield from self._follow(links, response)

    def parse_json_api(self, response: Response, entry: JsonApiEntry, page: int) -> Iterator[scrapy.Request]:
        try:
            data = load_json(response.body)
        except ValueError as exc:
            self._count("entry_failed", response)
            self.logger.error("%s: %s is not JSON: %s", self.spec_for(response).id, response.url, exc)
            return
        links = json_api_links(data, entry, response.url)
        yield from self._follow(links, response)
        if links and page < entry.max_pages and entry.page_param:
            url = json_api_page_url(entry, page + 1)
            yield from self.request_to(
                url, self.parse_json_api, response, cb_kwargs={"entry": entry, "page": page + 1}
            )

    def _follow(self, links: list[Link], response: Response) -> Iterator[scrapy.Request]:
        spec = self.spec_for(response)
        wanted = [link for link in links if is_wanted(link.url, spec)]
        if not links:
            self._count("entry_empty", response)
            self.logger.warning("%s: no announcement links found on %s", spec.id, response.url)
        for link in wanted:
            yield from self.request_to(
                link.url,
                self.parse_article,
                response,
                cb_kwargs={"link": link},
                headers=self._conditional_headers(link.url),
                meta={"handle_httpstatus_list": [304]},
            )

    # Announcement pages ---------------------------------------------------------------------------
    def parse_article(self, response: Response, link: Link) -> Iterator[dict[str, Any]]:
        doc_id = document_id(link.url)
        if response.status == 304:
            self._count("not_modified", response)
            return
        spec = self.spec_for(response)
        decoded = decode_html(response.body, _header_charset(response), spec.encoding)
        unusable = decoded.unusable_reason(MAX_BAD_RATIO)
        if unusable:
            yield self._quarantine(link.url, unusable, response)
            return
        try:
            fields = extract_page(Selector(text=decoded.text), spec.selectors)
        except ExtractionError as exc:
            yield self._quarantine(link.url, f"cannot extract the announcement: {exc}", response)
            return
        digest = content_hash(fields.title, fields.text)
        previous = self.state.get(doc_id)
        if previous is not None and previous.content_hash == digest:
            self._count("unchanged", response)
            return
        yield {
            "record": {
                "id": doc_id,
                "url": link.url,
                "source_id": spec.id,
                "source_kind": spec.publisher_kind,
                "jurisdiction": spec.jurisdiction,
                "language": spec.language,
                "title": fields.title,
                "published_at": fields.published_at or link_date(link),
                "fetched_at": datetime.now(UTC),
                "text": fields.text,
                "content_hash": digest,
            },
            "state": PageState(
                url=link.url,
                source_id=spec.id,
                content_hash=digest,
                etag=_header(response, b"ETag"),
                last_modified=_header(response, b"Last-Modified"),
            ),
        }

    # Helpers --------------------------------------------------------------------------------------
    def _html(self, response: Response) -> Selector:
        encoding = self.spec_for(response).encoding
        return Selector(text=decode_html(response.body, _header_charset(response), encoding).text)

    def _sitemap_body(self, response: Response) -> bytes:
        """The sitemap's XML. A ``.xml.gz`` file arrives still zipped (HttpCompressionMiddleware only
        undoes ``Content-Encoding``); it may unzip to no more than the download size limit."""
        if not gzip_magic_number(response):
            return response.body
        crawler = getattr(self, "crawler", None)
        max_size = crawler.settings.getint("DOWNLOAD_MAXSIZE") if crawler is not None else 0
        return gunzip(response.body, max_size=response.meta.get("download_maxsize", max_size))

    def _conditional_headers(self, url: str) -> dict[str, str]:
        previous = self.state.get(document_id(url))
        headers = {}
        if previous and previous.etag:
            headers["If-None-Match"] = previous.etag
        if previous and previous.last_modified:
            headers["If-Modified-Since"] = previous.last_modified
        return headers

    def _quarantine(self, url: str, reason: str, response: Response) -> dict[str, Any]:
        source_id = self.spec_for(response).id
        self._count("quarantined", response)
        self.logger.error("%s: quarantined %s: %s", source_id, url, reason)
        return {"quarantine": {"url": url, "source_id": source_id, "reason": reason}}

    def _count(self, what: str, response: Response | None = None) -> None:
        crawler = getattr(self, "crawler", None)  # None outside a crawl (a spider built in a test)
        if crawler is not None:
            crawler.stats.inc_value(f"policyradar/{what}")


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _header_charset(response: Response) -> str | None:
    content_type = _header(response, b"Content-Type") or ""
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"' ")
    return None
