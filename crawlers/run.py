"""``policyradar crawl``: crawl sources once and produce raw records to Kafka (or, with
``--dry-run``, write them to a JSON-lines file without touching Kafka)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess

from crawlers.scrapy_settings import SCRAPY_SETTINGS
from crawlers.sources import SourceSpec, load_sources
from crawlers.spiders.source import SourceSpider
from crawlers.state import load_state
from policyradar.errors import PolicyRadarError
from policyradar.kafka_io import ensure_topics
from policyradar.settings import Settings, get_settings


def scrapy_settings(
    spec: SourceSpec, settings: Settings, output: str, log_level: str, limit: int
) -> dict[str, Any]:
    """Scrapy settings for one source: the defaults, the source's politeness overrides, our output."""
    values = {
        **SCRAPY_SETTINGS,
        "LOG_LEVEL": log_level.upper(),
        "POLICYRADAR_OUTPUT": output,
        "POLICYRADAR_ALLOW_PRIVATE_HOSTS": list(settings.allow_private_hosts),
        "ROBOTSTXT_OBEY": spec.politeness.obey_robots,
    }
    if spec.politeness.concurrency is not None:
        values["CONCURRENT_REQUESTS_PER_DOMAIN"] = spec.politeness.concurrency
    if spec.politeness.download_delay is not None:
        values["DOWNLOAD_DELAY"] = spec.politeness.download_delay
    if limit:
        values["CLOSESPIDER_ITEMCOUNT"] = limit
    return values


def select_sources(settings: Settings, args: argparse.Namespace) -> list[SourceSpec]:
    sources_dir = args.sources_dir or settings.sources_dir
    specs = [s for s in load_sources(sources_dir, args.source or None) if s.enabled or args.source]
    if not specs:
        raise PolicyRadarError(f"no enabled sources under {sources_dir} (name one with --source ID)")
    return specs


def crawl(args: argparse.Namespace) -> int:
    settings = get_settings()
    specs = select_sources(settings, args)
    if args.dry_run:
        output, state = f"jsonl:{Path(args.dry_run).resolve()}", {}
    else:
        ensure_topics(settings)
        output, state = "kafka", load_state(settings, {s.id for s in specs})
    # Scrapy installs its own root log handler at LOG_LEVEL; drop the CLI's so lines are not doubled.
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    process = CrawlerProcess({**SCRAPY_SETTINGS, "LOG_LEVEL": args.log_level.upper()})
    crawlers = []
    for spec in specs:
        # A subclass per source carries the source's own settings (politeness, output, limits).
        per_source = scrapy_settings(spec, settings, output, args.log_level, args.limit)
        spider_class = type(f"SourceSpider_{spec.id}", (SourceSpider,), {"custom_settings": per_source})
        crawler = process.create_crawler(spider_class)
        crawlers.append((spec, crawler))
        process.crawl(crawler, spec=spec, state=state)
    print(f"crawling {len(specs)} source(s): {', '.join(s.id for s in specs)}", flush=True)
    process.start()
    return _report(crawlers)


def _report(crawlers: list) -> int:
    failed = False
    for spec, crawler in crawlers:
        stats = crawler.stats.get_stats()
        items = stats.get("item_scraped_count", 0)
        errors = stats.get("log_count/ERROR", 0)
        skipped = stats.get("policyradar/unchanged", 0) + stats.get("policyradar/not_modified", 0)
        quarantined = stats.get("policyradar/quarantined", 0)
        reason = stats.get("finish_reason")
        broken = reason not in ("finished", "closespider_itemcount") or (errors and not items and not skipped)
        print(
            f"  {spec.id}: {items - quarantined} records produced, {skipped} unchanged, "
            f"{quarantined} quarantined, {errors} errors, finish reason {reason}"
            f"{'  <- FAILED' if broken else ''}"
        )
        failed = failed or broken
    return 1 if failed else 0
