"""Refuse requests to internal addresses and odd schemes, on every hop (redirects included).

This is the first gate, with a reason per URL; the name resolver in ``crawlers/resolver.py`` is the
last one, so the address the downloader connects to is checked too (no DNS-rebinding window)."""

from __future__ import annotations

from functools import lru_cache

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

from crawlers.scrapy_settings import ALLOWED_PRIVATE_HOSTS
from policyradar.urlsafety import UnsafeUrlError, check_url, resolve_all


class UrlSafetyMiddleware:
    """Runs ``check_url`` on each request before it is downloaded; a refused request is dropped
    with the reason logged and counted (``policyradar/unsafe_url``)."""

    def __init__(self, crawler: Crawler, allowed: tuple[str, ...]) -> None:
        self.crawler = crawler
        self.allowed = allowed
        self._resolve = lru_cache(maxsize=1024)(resolve_all)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> UrlSafetyMiddleware:
        return cls(crawler, tuple(crawler.settings.getlist(ALLOWED_PRIVATE_HOSTS)))

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        try:
            check_url(request.url, self.allowed, self._resolve)
        except UnsafeUrlError as exc:
            self.crawler.stats.inc_value("policyradar/unsafe_url")
            if self.crawler.spider is not None:
                self.crawler.spider.logger.error("refused %s: %s", request.url, exc)
            raise IgnoreRequest(str(exc)) from exc
