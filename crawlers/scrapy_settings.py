"""Scrapy settings for every crawl: polite, bounded and quiet by default, plus the values derived from
the Policy Radar settings object (the only reader of the environment)."""

from __future__ import annotations

from typing import Any

from policyradar.settings import Settings

# Scrapy setting names our own components read. They are derived from ``Settings`` (or, for the
# output, from the ``crawl`` command's arguments) and are not environment variables themselves.
OUTPUT = "RAW_RECORD_OUTPUT"  # "kafka", or "jsonl:PATH" for a dry run
ALLOWED_PRIVATE_HOSTS = "URL_SAFETY_ALLOWED_PRIVATE_HOSTS"  # from POLICYRADAR_ALLOW_PRIVATE_HOSTS
MAX_RETRY_AFTER = "RETRY_AFTER_MAX_WAIT"  # from POLICYRADAR_MAX_RETRY_AFTER

DEFAULT_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8",
}

SCRAPY_SETTINGS: dict[str, Any] = {
    "BOT_NAME": "policyradar",
    "DEFAULT_REQUEST_HEADERS": DEFAULT_HEADERS,
    "USER_AGENT": "PolicyRadarBot/0.1 (+https://github.com/policy-radar/policy-radar)",
    "ROBOTSTXT_OBEY": True,
    "TELNETCONSOLE_ENABLED": False,
    "COOKIES_ENABLED": False,
    "CONCURRENT_REQUESTS": 8,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
    "DOWNLOAD_DELAY": 0.25,
    "AUTOTHROTTLE_ENABLED": True,
    "AUTOTHROTTLE_START_DELAY": 0.25,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
    "DOWNLOAD_TIMEOUT": 30,
    "DOWNLOAD_MAXSIZE": 10 * 1024 * 1024,
    "DOWNLOAD_WARNSIZE": 2 * 1024 * 1024,
    "REDIRECT_MAX_TIMES": 5,
    "RETRY_TIMES": 3,
    "RETRY_HTTP_CODES": [429, 500, 502, 503, 504, 522, 524, 408],
    "ITEM_PIPELINES": {
        "crawlers.pipelines.kafka.KafkaPipeline": 500,
        "crawlers.pipelines.kafka.JsonLinesPipeline": 510,
    },
    "DOWNLOADER_MIDDLEWARES": {
        "crawlers.middlewares.safety.UrlSafetyMiddleware": 40,  # before offsite (50): every hop
        # Above RetryMiddleware (550), so it sees a 429/503 before the retry is scheduled.
        "crawlers.middlewares.backoff.HostBackoffMiddleware": 560,
    },
    # Verify TLS certificates (Scrapy's default accepts any certificate).
    "DOWNLOAD_VERIFY_CERTIFICATES": True,
    "DOWNLOAD_FAIL_ON_DATALOSS": True,
    "HTTPERROR_ALLOWED_CODES": [],
    "METAREFRESH_ENABLED": False,
    "DNS_TIMEOUT": 20,
    # Connect only to addresses that passed the URL-safety check (no DNS-rebinding window).
    "TWISTED_DNS_RESOLVER": "crawlers.resolver.CheckingResolver",
    "LOG_LEVEL": "INFO",
    "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
    "FEED_EXPORT_ENCODING": "utf-8",
}


def derived_settings(settings: Settings) -> dict[str, Any]:
    """The shared Scrapy settings with the values that come from the Policy Radar settings."""
    return {
        **SCRAPY_SETTINGS,
        ALLOWED_PRIVATE_HOSTS: list(settings.allow_private_hosts),
        MAX_RETRY_AFTER: settings.max_retry_after,
    }
