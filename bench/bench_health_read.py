"""How long `sources health` and `policyradar status` take to assess sources from the crawl-run topic.

Produces ``--runs`` crawl-run summaries of ``--sources`` sources (one every 0.36 s of simulated time,
so 10,000 sources polled every 30 minutes; one run in 50 failed, one in 7 yielded a record) into a
fresh topic, then times, side by side, the bare read of the topic (``read_topic``, the baseline) and
``read_health`` (read, parse, fold into pruned per-source records, assess every source), with the
process's peak RSS. The topic is deleted at the end.

    .venv/bin/python bench/bench_health_read.py [--runs 200000] [--sources 10000] [--small]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawlers.health import CrawlRun, read_health
from policyradar.kafka_io import ensure_topics, make_producer, read_topic
from policyradar.settings import Settings
from tests.fixtures.isolation import delete_isolated_topics, isolated_overrides, settings_with

SECONDS_BETWEEN_RUNS = 0.36  # 10,000 sources every 30 minutes
WINDOW_DAYS = 14


def source_id(n: int) -> str:
    return f"src-{n:05d}"


def summary(n: int, sources: int, start: datetime) -> CrawlRun:
    started = start + timedelta(seconds=n * SECONDS_BETWEEN_RUNS)
    return CrawlRun(
        source_id(n % sources),
        started.isoformat(),
        (started + timedelta(seconds=3)).isoformat(),
        records=1 if n % 7 == 0 else 0,
        unchanged=5,
        quarantined=0,
        errors=0,
        failed=n % 50 == 0,
    )


def produce(settings: Settings, runs: int, sources: int) -> float:
    """Seconds to write ``runs`` summaries (keyed by source, as crawlers write them)."""
    start = datetime.now(UTC) - timedelta(seconds=runs * SECONDS_BETWEEN_RUNS)
    producer = make_producer(settings, client_id="bench-health-read")
    try:
        began = time.perf_counter()
        for n in range(runs):
            run = summary(n, sources, start)
            value = json.dumps(asdict(run)).encode()
            producer.send(settings.topic_crawl_runs, key=run.source_id.encode(), value=value)
        producer.flush()
        return time.perf_counter() - began
    finally:
        producer.close()


def assess_all(settings: Settings, sources: int) -> tuple[float, float, int, int]:
    """In a fresh process (so that its peak RSS is the assessment's own): seconds, peak RSS in MiB,
    sources with runs, sources flagged."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    began = time.perf_counter()
    report = read_health(settings, [source_id(n) for n in range(sources)], WINDOW_DAYS)
    seconds = time.perf_counter() - began
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"assessing process: peak RSS {before:.0f} MiB before reading, {rss:.0f} MiB after")
    return seconds, rss, sum(1 for h in report if h.runs), sum(1 for h in report if h.broken)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200_000, help="crawl-run summaries on the topic")
    parser.add_argument("--sources", type=int, default=10_000, help="sources they are about")
    parser.add_argument("--small", action="store_true", help="tiny numbers (a smoke run of seconds)")
    args = parser.parse_args(argv)
    if args.small:
        args.runs, args.sources = 2000, 100
    settings = settings_with(isolated_overrides("bench-health-read"))
    print(f"topic {settings.topic_crawl_runs} (deleted at the end)")
    ensure_topics(settings)
    try:
        return run(settings, args.runs, args.sources)
    finally:
        delete_isolated_topics(settings)


def run(settings: Settings, runs: int, sources: int) -> int:
    produced = produce(settings, runs, sources)
    print(f"{runs:,} summaries of {sources:,} sources written in {produced:.1f} s")
    began = time.perf_counter()
    read = sum(1 for _ in read_topic(settings, settings.topic_crawl_runs))
    bare = time.perf_counter() - began
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as fresh:
        assessed, rss, crawled, flagged = fresh.submit(assess_all, settings, sources).result()
    print("\n| step | seconds | runs a second |")
    print("|---|---|---|")
    print(f"| bare read of the topic (`read_topic`) | {bare:.1f} | {read / bare:,.0f} |")
    print(f"| `read_health` (read, parse, fold, assess) | {assessed:.1f} | {runs / assessed:,.0f} |")
    print(
        f"\nread_health / bare read: {assessed / bare:.1f}x; peak RSS of the assessing process {rss:.0f} MiB"
    )
    print(f"{crawled:,} of {sources:,} sources assessed with runs, {flagged} flagged")
    if read != runs or crawled != min(runs, sources):
        raise SystemExit(f"expected {runs} runs read and {min(runs, sources)} sources with runs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
