"""``policyradar crawl``: crawl sources once and produce raw records to Kafka (or, with
``--dry-run``, write them to a JSON-lines file without touching Kafka)."""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from scrapy.crawler import CrawlerProcess

from crawlers.health import run_summary
from crawlers.scrapy_settings import DEFAULT_HEADERS, OUTPUT, derived_settings
from crawlers.sources import SourceSpec, load_sources
from crawlers.spiders.source import SourceSpider
from crawlers.state import load_state
from policyradar.errors import DependencyUnavailable, PolicyRadarError
from policyradar.kafka_io import ensure_topics, make_producer, send_all
from policyradar.retry import Outage, is_dependency_failure
from policyradar.settings import Settings, get_settings
from policyradar.signals import StopFlag

log = logging.getLogger("policyradar.crawl")
T = TypeVar("T")
# How long a crawl waits for Kafka to come back before it gives up (a scheduled crawl is simply
# tried again at its next run).
KAFKA_WAIT_SECONDS = 120.0


def scrapy_settings(
    spec: SourceSpec, settings: Settings, output: str, log_level: str, limit: int
) -> dict[str, Any]:
    """Scrapy settings for one source: the defaults, the source's politeness overrides, our output."""
    values = {
        **derived_settings(settings),
        "LOG_LEVEL": log_level.upper(),
        OUTPUT: output,
        "ROBOTSTXT_OBEY": spec.politeness.obey_robots,
        # Counts links per entry point, entry-point errors and selector misses for ``sources health``.
        "SPIDER_MIDDLEWARES": {"crawlers.observe.CrawlObserver": 950},
    }
    if spec.politeness.concurrency is not None:
        values["CONCURRENT_REQUESTS_PER_DOMAIN"] = spec.politeness.concurrency
    if spec.politeness.headers:
        values["DEFAULT_REQUEST_HEADERS"] = {**DEFAULT_HEADERS, **spec.politeness.headers}
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
    if getattr(args, "schedule", False):
        from crawlers.schedule import schedule_command

        return schedule_command(args)
    settings = get_settings()
    specs = select_sources(settings, args)
    if args.dry_run:
        output, state = f"jsonl:{Path(args.dry_run).resolve()}", {}
    else:
        state = wait_for_kafka(settings, lambda: _prepare(settings, {s.id for s in specs}))
        output = "kafka"
    process = _crawler_process(settings, args.log_level)
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
    return _report(crawlers, settings, record_runs=not args.dry_run)


def _crawler_process(settings: Settings, log_level: str) -> CrawlerProcess:
    """Scrapy's process. In text mode Scrapy installs its own root log handler at ``log_level`` (the
    CLI's is dropped so lines are not doubled); in JSON mode the CLI's JSON handler stays for every line."""
    values = {**derived_settings(settings), "LOG_LEVEL": log_level.upper()}
    if settings.log_format == "json":
        for handler in logging.getLogger().handlers:
            handler.setLevel(log_level.upper())  # Scrapy lowers the loggers' own levels
        return CrawlerProcess({**values, "LOG_INSTALL_ROOT_HANDLER": False})
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    return CrawlerProcess(values)


def _prepare(settings: Settings, source_ids: set[str]) -> dict:
    ensure_topics(settings)
    return load_state(settings, source_ids)


def wait_for_kafka(
    settings: Settings,
    action: Callable[[], T],
    budget: float = KAFKA_WAIT_SECONDS,
    wait: Callable[[float], bool] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """``action()``, tried again with capped, jittered backoff while Kafka is away, for at most
    ``budget`` seconds; then (or on SIGTERM) DependencyUnavailable."""
    outage = Outage("crawl", wait or StopFlag().install().wait, clock=clock)
    deadline = clock() + budget
    while True:
        try:
            result = action()
        except Exception as exc:
            if not is_dependency_failure(exc):
                raise
            if clock() >= deadline or outage.failed(exc):
                raise DependencyUnavailable(
                    f"Kafka at {settings.kafka_bootstrap} is unavailable: {type(exc).__name__}: {exc}"
                ) from exc
            continue
        outage.succeeded()
        return result


def _report(crawlers: list, settings: Settings, record_runs: bool) -> int:
    """Print one line per source and, for real crawls, record each run for ``sources health``."""
    summaries = []
    for spec, crawler in crawlers:
        stats = crawler.stats.get_stats()
        reason = stats.get("finish_reason")
        run = run_summary(spec.id, stats, failed=False)
        broken = reason not in ("finished", "closespider_itemcount") or bool(
            run.errors and not run.records and not run.unchanged
        )
        summaries.append(replace(run, failed=broken))
        print(
            f"  {spec.id}: {run.records} records produced, {run.unchanged} unchanged, "
            f"{run.quarantined} quarantined, {run.errors} errors, finish reason {reason}"
            f"{'  <- FAILED' if broken else ''}"
        )
    if record_runs and not _record_runs(settings, summaries):
        return 1
    return 1 if any(run.failed for run in summaries) else 0


def _record_runs(settings: Settings, summaries: list) -> bool:
    """Send the run summaries for ``sources health``; False (logged) when Kafka is away."""
    try:
        producer = make_producer(settings, client_id="policyradar-crawler-runs")
        try:
            send_all(producer, [run.to_message(settings.topic_crawl_runs) for run in summaries])
        finally:
            producer.close(timeout=5)
    except Exception as exc:
        if not is_dependency_failure(exc):
            raise
        log.error(
            "crawl-run summaries not recorded: Kafka at %s is unavailable: %s", settings.kafka_bootstrap, exc
        )
        print(f"crawl-run summaries not recorded: Kafka is unavailable ({type(exc).__name__})", flush=True)
        return False
    return True
