"""The listing-page spider: follow announcement links (and pagination) from HTML listing pages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.http import Response

from crawlers.extract import ExtractionError, extract_page
from crawlers.sources import ListingEntry, SourceSpec
from policyradar.ids import content_hash, document_id


class ListingSpider(scrapy.Spider):
    name = "listing"

    def __init__(self, spec: SourceSpec, **kwargs: Any) -> None:
        super().__init__(name=f"listing:{spec.id}", **kwargs)
        self.spec = spec
        self.allowed_domains = spec.hosts

    async def start(self) -> Any:
        for entry in self.spec.entry_points:
            yield scrapy.Request(
                entry.url, callback=self.parse_listing, cb_kwargs={"entry": entry, "page": 1}
            )

    def parse_listing(self, response: Response, entry: ListingEntry, page: int) -> Iterator[scrapy.Request]:
        links = response.css(entry.link_selector).getall()
        if not links:
            self.logger.warning(
                "%s: link selector %r matched nothing on %s", self.spec.id, entry.link_selector, response.url
            )
        for href in links:
            yield response.follow(href, callback=self.parse_article)
        if entry.next_page_selector and page < entry.max_pages:
            next_href = response.css(entry.next_page_selector).get()
            if next_href:
                yield response.follow(
                    next_href, callback=self.parse_listing, cb_kwargs={"entry": entry, "page": page + 1}
                )

    def parse_article(self, response: Response) -> Iterator[dict[str, Any]]:
        try:
            fields = extract_page(response.selector, self.spec.selectors)
        except ExtractionError as exc:
            self.crawler.stats.inc_value("policyradar/extraction_failed")
            self.logger.error("%s: cannot extract %s: %s", self.spec.id, response.url, exc)
            return
        yield {
            "id": document_id(response.url),
            "url": response.url,
            "source_id": self.spec.id,
            "source_kind": self.spec.publisher_kind,
            "jurisdiction": self.spec.jurisdiction,
            "language": self.spec.language,
            "title": fields.title,
            "published_at": fields.published_at,
            "fetched_at": datetime.now(UTC),
            "text": fields.text,
            "content_hash": content_hash(fields.title, fields.text),
        }
