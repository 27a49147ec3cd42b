"""What one crawl of a source saw, for ``sources health``: links found per entry point, HTTP errors
on entry points, and announcement pages on which the source's selectors matched nothing.

A spider middleware (it sees which links each entry document yielded) that also listens to
``response_received`` (it sees every final status, also those HttpErrorMiddleware then drops). When
the spider closes it leaves its counts in the crawl's stats under ``policyradar/health``.

The long-lived crawler counts links in the wrapper each of its callbacks already has
(``crawlers/spiders/catalogue.py``) and only listens to ``response_received`` (``CheckObserver``): a
spider middleware costs an asynchronous generator per response, for every source check.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

import scrapy
from parsel import Selector
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawlers.decoding import decode_html
from crawlers.sources import SourceSpec
from crawlers.spiders.source import MAX_BAD_RATIO

STATS_KEY = "policyradar/health"
ENTRY_CALLBACKS = {"parse_listing", "parse_feed", "parse_sitemap", "parse_json_api"}
ARTICLE_CALLBACK = "parse_article"


class Observations:
    """What one crawl of one source saw."""

    def __init__(self) -> None:
        self.links: dict[str, int] = {}
        self.statuses: dict[str, int] = {}
        self.pages_checked = 0
        self.misses: dict[str, int] = {}

    def count_link(self, entry: str | None, output: Any) -> None:
        if entry is not None and isinstance(output, scrapy.Request) and _callback(output) == ARTICLE_CALLBACK:
            self.links[entry] = self.links.get(entry, 0) + 1

    def response(self, response: Response, request: scrapy.Request, spec: SourceSpec) -> None:
        first_url = request.meta.get("redirect_urls", [request.url])[0]
        if _callback(request) in ENTRY_CALLBACKS and first_url in _entry_urls(spec):
            self.statuses.setdefault(first_url, response.status)
        elif _callback(request) == ARTICLE_CALLBACK and response.status == 200:
            self._check_selectors(response, spec)

    def _check_selectors(self, response: Response, spec: SourceSpec) -> None:
        wanted = {name: css for name, css in spec.selectors.model_dump().items() if css}
        if not wanted:
            return
        charset = _header_charset(response)
        decoded = decode_html(response.body, charset, spec.encoding)
        if decoded.unusable_reason(MAX_BAD_RATIO):
            return
        html = Selector(text=decoded.text)
        self.pages_checked += 1
        for name, css in wanted.items():
            if not html.css(css):
                self.misses[name] = self.misses.get(name, 0) + 1
            else:
                self.misses.setdefault(name, 0)

    def summary(self, spec: SourceSpec, finished: bool) -> dict[str, Any]:
        """Counts for the run summary; an entry point never answered counts as an error only when
        the crawl ran to its end (a crawl stopped early may simply not have got to it)."""
        errors = {url: f"HTTP {status}" for url, status in self.statuses.items() if status >= 400}
        if finished:
            errors |= {url: "no response" for url in _entry_urls(spec) if url not in self.statuses}
        answered = [url for url in _entry_urls(spec) if url not in errors and url in self.statuses]
        return {
            "entry_links": {url: self.links.get(url, 0) for url in answered},
            "entry_errors": errors,
            "pages_checked": self.pages_checked,
            "selector_misses": dict(self.misses),
        }


class CrawlObserver:
    """Feeds the crawl's ``Observations``: the spider's own (one source per crawl), or, in the
    long-lived crawler, those of the source check a request belongs to (``request.meta["check"]``)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.single = Observations()
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlObserver:
        return cls(crawler)

    # Links per entry point ------------------------------------------------------------------------
    # Without a ``spider`` argument: Scrapy 2.13+ passes none to middlewares that do not ask for it.
    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        entry, seen = entry_of(response), self._observations(response.request)
        for output in result:
            seen.count_link(entry, output)
            yield output

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        entry, seen = entry_of(response), self._observations(response.request)
        async for output in result:
            seen.count_link(entry, output)
            yield output

    # Statuses of entry points, selectors on pages -------------------------------------------------
    def response_received(self, response: Response, request: scrapy.Request, spider: scrapy.Spider) -> None:
        check = request.meta.get("check")
        spec: SourceSpec | None = check.spec if check is not None else getattr(spider, "spec", None)
        if spec is not None:
            self._observations(request).response(response, request, spec)

    def spider_closed(self, spider: scrapy.Spider, reason: str) -> None:
        spec: SourceSpec | None = getattr(spider, "spec", None)
        if spec is None:
            return
        self.crawler.stats.set_value(STATS_KEY, self.summary(spec, finished=reason == "finished"))

    def summary(self, spec: SourceSpec, finished: bool) -> dict[str, Any]:
        return self.single.summary(spec, finished)

    def _observations(self, request: scrapy.Request | None) -> Observations:
        check = request.meta.get("check") if request is not None else None
        return check.observations if check is not None else self.single


class CheckObserver:
    """The long-lived crawler's observer: statuses of entry points and selectors on pages, for the
    check each response belongs to. An extension, not a spider middleware (links are counted by the
    catalogue spider's callback wrapper)."""

    def __init__(self, crawler: Crawler) -> None:
        crawler.signals.connect(self.response_received, signal=signals.response_received)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CheckObserver:
        return cls(crawler)

    def response_received(self, response: Response, request: scrapy.Request, spider: scrapy.Spider) -> None:
        check = request.meta.get("check")
        if check is not None:
            check.observations.response(response, request, check.spec)


def _entry_urls(spec: SourceSpec) -> list[str]:
    return [entry.url for entry in spec.entry_points]


def entry_of(response: Response) -> str | None:
    """The entry point (its URL in the spec) whose document ``response`` is, or None for pages."""
    request = response.request
    if request is None or _callback(request) not in ENTRY_CALLBACKS:
        return None
    entry = request.cb_kwargs.get("entry")
    if entry is not None:
        return entry.url
    return request.meta.get("redirect_urls", [request.url])[0]


def _callback(request: scrapy.Request) -> str:
    return getattr(request.callback, "__name__", "")


def _header_charset(response: Response) -> str | None:
    content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"' ")
    return None
