"""``policyradar crawl``: crawl the enabled sources once and produce raw records to Kafka."""

from __future__ import annotations

import argparse
import logging

from scrapy.crawler import CrawlerProcess

from crawlers.scrapy_settings import SCRAPY_SETTINGS
from crawlers.sources import load_sources
from crawlers.spiders.listing import ListingSpider
from policyradar.errors import PolicyRadarError
from policyradar.kafka_io import ensure_topics
from policyradar.settings import get_settings


def crawl(args: argparse.Namespace) -> int:
    settings = get_settings()
    sources_dir = args.sources_dir or settings.sources_dir
    specs = [s for s in load_sources(sources_dir, args.source or None) if s.enabled or args.source]
    if not specs:
        raise PolicyRadarError(f"no enabled sources under {sources_dir}")
    ensure_topics(settings)
    # Scrapy installs its own root log handler at LOG_LEVEL; drop the CLI's so lines are not doubled.
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    process = CrawlerProcess({**SCRAPY_SETTINGS, "LOG_LEVEL": args.log_level.upper()})
    crawlers = []
    for spec in specs:
        crawler = process.create_crawler(ListingSpider)
        crawlers.append((spec, crawler))
        process.crawl(crawler, spec=spec)
    print(f"crawling {len(specs)} source(s): {', '.join(s.id for s in specs)}")
    process.start()
    return _report(crawlers)


def _report(crawlers: list) -> int:
    failed = False
    for spec, crawler in crawlers:
        stats = crawler.stats.get_stats()
        items = stats.get("item_scraped_count", 0)
        errors = stats.get("log_count/ERROR", 0)
        broken = stats.get("finish_reason") != "finished" or (errors and not items)
        print(
            f"  {spec.id}: {items} records produced, {errors} errors, "
            f"finish reason {stats.get('finish_reason')}{'  <- FAILED' if broken else ''}"
        )
        failed = failed or broken
    return 1 if failed else 0
