"""Honour ``Retry-After`` on 429 and 503: the whole host waits, not just the one request.

A 429/503 answer with ``Retry-After`` sets the host's "not before" time; every request to that host
waits until then before it is sent; past ``POLICYRADAR_MAX_RETRY_AFTER`` seconds (600 by default) it is
dropped instead (never sent early). The retry itself is left to Scrapy's RetryMiddleware.
"""

from __future__ import annotations

import asyncio
import time
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from crawlers.scrapy_settings import MAX_RETRY_AFTER

MAX_WAIT_SECONDS = 600.0


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (now if now is not None else time.time()))


class HostBackoffMiddleware:
    def __init__(self, crawler: Crawler, max_wait: float = MAX_WAIT_SECONDS) -> None:
        self.crawler = crawler
        self.max_wait = max_wait
        self.not_before: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HostBackoffMiddleware:
        return cls(crawler, crawler.settings.getfloat(MAX_RETRY_AFTER, MAX_WAIT_SECONDS))

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        wait = self.not_before.get(_host(request.url), 0.0) - time.monotonic()
        if wait > self.max_wait:
            self.crawler.stats.inc_value("policyradar/retry_after_gave_up")
            raise IgnoreRequest(
                f"{_host(request.url)} asked us to come back in {wait:.0f}s; not waiting that long"
            )
        if wait > 0:
            self.crawler.stats.inc_value("policyradar/retry_after_waits")
            await asyncio.sleep(wait)

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        if response.status in (429, 503):
            seconds = retry_after_seconds(response.headers.get("Retry-After", b"").decode("latin-1"))
            if seconds is not None:
                until = time.monotonic() + seconds
                host = _host(request.url)
                self.not_before[host] = max(self.not_before.get(host, 0.0), until)
        return response


def _host(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or ''}"
