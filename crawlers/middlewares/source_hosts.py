"""In the long-lived crawler, each check keeps to its own source's hosts (every redirect hop too):
the per-source ``allowed_domains`` of a one-source crawl, for a spider that serves many sources."""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest


class SourceHostsMiddleware:
    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        check = request.meta.get("check")
        if check is None:
            return
        host = (urlsplit(request.url).hostname or "").lower()
        if not any(host == h or host.endswith("." + h) for h in check.spec.hosts):
            raise IgnoreRequest(f"{request.url} is not on a host of source {check.source_id}")
