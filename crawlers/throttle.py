"""AutoThrottle that never goes below a host's own delay.

Scrapy's AutoThrottle lowers a slot's delay down to the global ``DOWNLOAD_DELAY`` when the site
answers fast. In the long-lived crawler each host's slot has its own floor (the largest
``politeness.download_delay`` of the sources on that host, put in the downloader's per-slot
settings by ``crawlers.hosts``): AutoThrottle may raise the delay above that floor, never below it.

The delay also counts from the host's last answer, not only from the last request sent: a request
whose sending was held up (a busy reactor) cannot make the next one reach the host early. With a
concurrency of one per host, two requests to the host are at least the delay apart as the host sees
them.
"""

from __future__ import annotations

import time
from typing import Any

from scrapy import Request
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Response


class HostFloorThrottle(AutoThrottle):
    def _response_downloaded(self, response: Response, request: Request, spider: Any = None) -> None:
        super()._response_downloaded(response, request, spider)
        downloader = self.crawler.engine.downloader
        key = request.meta.get("download_slot")
        slot = downloader.slots.get(key)
        floor = downloader.per_slot_settings.get(key, {}).get("delay")
        if slot is None:
            return
        slot.lastseen = max(slot.lastseen, time.monotonic())
        if floor is not None and slot.delay < floor:
            slot.delay = floor
