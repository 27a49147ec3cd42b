"""One spider for every source of a crawler shard, alive as long as the crawler.

``crawl --schedule`` starts a check of a source by injecting the source's entry requests into this
spider's engine. Every request carries its check (``meta["check"]``), so the parse methods of
``SourceSpider`` know whose page they read, and the check knows when its last request and record are
done. All sources share one Scrapy engine and so one downloader, whose slots are keyed by host:
sources on one host share that host's delay and concurrency.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Response
from twisted.python.failure import Failure

from crawlers.checks import Check
from crawlers.observe import entry_of
from crawlers.sources import SourceSpec
from crawlers.spiders.source import SourceSpider
from crawlers.state import StateStore
from policyradar.urlsafety import UnsafeUrlError


class CatalogueSpider(SourceSpider):
    name = "catalogue"

    def __init__(self, state: StateStore, **kwargs: Any) -> None:
        scrapy.Spider.__init__(self, name="catalogue", **kwargs)
        self.state = state
        self.allowed_domains = None  # each check keeps to its own source's hosts (SourceHostsMiddleware)
        self.checks: set[Check] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> CatalogueSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._keep_open, signal=signals.spider_idle)
        crawler.signals.connect(spider._dropped, signal=signals.request_dropped)
        crawler.signals.connect(spider._item_failed, signal=signals.item_dropped)
        crawler.signals.connect(spider._item_failed, signal=signals.item_error)
        return spider

    async def start(self) -> Any:
        return
        yield  # an async generator without start requests: checks arrive through begin()

    def begin(self, check: Check) -> None:
        """Start ``check``: its entry requests go to the engine now."""
        self.checks.add(check)
        requests = list(self.entry_requests(check.spec, None, check))
        if not requests:
            check.request_opened()
            check.request_closed()
            return
        for request in requests:
            self.crawler.engine.crawl(request)

    def end_all(self) -> None:
        """The crawler is stopping: every unfinished check ends now."""
        for check in list(self.checks):
            check.end_early()

    def forget(self, check: Check) -> None:
        self.checks.discard(check)

    # Seams of SourceSpider ------------------------------------------------------------------------
    def spec_for(self, response: Response | None) -> SourceSpec:
        return _check_of(response).spec

    def entry_requests(  # type: ignore[override]
        self, spec: SourceSpec, parent: Response | None, check: Check | None = None
    ) -> Iterator[scrapy.Request]:
        self._starting = check
        try:
            yield from super().entry_requests(spec, parent)
        finally:
            self._starting = None

    def request_to(
        self, url: str, callback: Any, parent: Response | None, **kwargs: Any
    ) -> Iterator[scrapy.Request]:
        check = _check_of(parent) if parent is not None else self._starting
        if check is None or check.finished_at is not None or not check.first_request_to(url):
            return
        meta = {**kwargs.pop("meta", {}), "check": check}
        politeness = check.spec.politeness
        if not politeness.obey_robots:
            meta["dont_obey_robotstxt"] = True
        headers = {**politeness.headers, **kwargs.pop("headers", {})}
        request = scrapy.Request(
            url,
            _tracked(check, callback),
            errback=functools.partial(self._failed, check),
            meta=meta,
            headers=headers,
            dont_filter=True,  # the check dedupes its own requests; later checks ask again
            **kwargs,
        )
        check.request_opened()  # only once the request exists: a check waits for every one it opened
        yield request

    def _count(self, what: str, response: Response | None = None) -> None:
        super()._count(what, response)
        check = _check_of(response) if response is not None else None
        if check is not None:
            check.count(what)

    # Signals and failures -------------------------------------------------------------------------
    def _keep_open(self) -> None:
        raise DontCloseSpider

    def _dropped(self, request: scrapy.Request, spider: Any = None) -> None:
        check = request.meta.get("check")
        if check is not None:
            check.request_closed()

    def _item_failed(self, item: Any, *args: Any, **kwargs: Any) -> None:
        check = item.get("check") if isinstance(item, dict) else None
        if check is not None:
            check.item_done(ok=False)

    def _failed(self, check: Check, failure: Failure) -> None:
        try:
            if not failure.check(IgnoreRequest) or isinstance(failure.value.__cause__, UnsafeUrlError):
                check.errors += 1
                url = getattr(getattr(failure, "request", None), "url", "a request")
                self.logger.warning("%s: %s failed: %s", check.source_id, url, failure.value)
        finally:
            check.request_closed()


def _tracked(check: Check, callback: Any) -> Any:
    """``callback`` that tags the items it yields with ``check``, counts the links each entry document
    yields (``sources health``), and closes the request at its end. It keeps the callback's name, by
    which entry documents are told from pages."""

    @functools.wraps(callback)
    def run(response: Response, **kwargs: Any) -> Iterator[Any]:
        entry = entry_of(response)
        try:
            for output in callback(response, **kwargs) or ():
                check.observations.count_link(entry, output)
                if isinstance(output, dict):
                    check.item_queued()
                    output = {**output, "check": check}
                yield output
        except Exception:
            check.errors += 1
            raise
        finally:
            check.request_closed()

    return run


def _check_of(response: Response | None) -> Check:
    return response.meta["check"]
