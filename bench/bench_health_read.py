"""How long `sources health` and `policyradar status` take to assess sources from the crawl-run topic,
with and without a health checkpoint.

Produces ``--runs`` crawl-run summaries of ``--sources`` sources (one every 0.36 s of simulated time,
so 10,000 sources polled every 30 minutes; one run in 50 failed, one in 7 yielded a record) into a
fresh topic, then times, side by side:

- the bare read of the runs topic (``read_topic``, the baseline);
- ``read_health``: read the whole topic, parse, fold into pruned per-source records, assess;
- the health watch's first check as the crawler of shard 0 runs it: the same read, plus writing a
  checkpoint entry per source and the marker;
- ``current_health`` (what ``sources health`` and ``status`` call) after ``--since`` more summaries
  (30 minutes of runs by default): read the checkpoint, then only the runs since, fold, assess.

Each assessment runs in a fresh process, so that its peak RSS is its own. The topics are deleted
at the end.

    .venv/bin/python bench/bench_health_read.py [--runs 200000] [--sources 10000] [--since 5000] [--small]
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
from crawlers.health_checkpoint import current_health
from crawlers.health_watch import HealthWatch
from crawlers.run_feed import RunFeed
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


def produce(settings: Settings, runs: int, sources: int, total: int, first: int = 0) -> float:
    """Seconds to write summaries ``first`` to ``first + runs`` of ``total`` (keyed by source, as
    crawlers write them; the last of ``total`` ends now)."""
    start = datetime.now(UTC) - timedelta(seconds=total * SECONDS_BETWEEN_RUNS)
    producer = make_producer(settings, client_id="bench-health-read")
    try:
        began = time.perf_counter()
        for n in range(first, first + runs):
            run = summary(n, sources, start)
            value = json.dumps(asdict(run)).encode()
            producer.send(settings.topic_crawl_runs, key=run.source_id.encode(), value=value)
        producer.flush()
        return time.perf_counter() - began
    finally:
        producer.close()


def assess_all(
    settings: Settings, sources: int, now: datetime, checkpointed: bool
) -> tuple[float, float, list[dict]]:
    """In a fresh process (so that its peak RSS is the assessment's own): seconds, peak RSS in MiB,
    the report; from the whole topic, or with ``checkpointed`` as ``sources health`` does."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ids = [source_id(n) for n in range(sources)]
    began = time.perf_counter()
    if checkpointed:
        report = current_health(settings, ids, WINDOW_DAYS, now)
    else:
        report = read_health(settings, ids, WINDOW_DAYS, now)
    seconds = time.perf_counter() - began
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    way = "checkpoint" if checkpointed else "whole topic"
    print(f"assessing process ({way}): peak RSS {before:.0f} MiB before reading, {rss:.0f} MiB after")
    return seconds, rss, [asdict(h) for h in report]


def write_checkpoint_as_shard_zero(settings: Settings, sources: int) -> tuple[float, int, float]:
    """Seconds of the health watch's first check with checkpoint writing, the entries on the
    checkpoint topic and their size in MB."""
    watched = {source_id(n) for n in range(sources)}
    watch = HealthWatch(
        settings, RunFeed(settings), lambda: watched, notify=lambda *_: [], writer="crawl-0of1",
        from_checkpoint=True,
    )  # fmt: skip
    began = time.perf_counter()
    try:
        watch.check()
    finally:
        watch.feed.close()
    seconds = time.perf_counter() - began
    records = list(read_topic(settings, settings.topic_source_health))
    return seconds, len(records), sum(len(r.value or b"") for r in records) / 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200_000, help="crawl-run summaries on the topic")
    parser.add_argument("--sources", type=int, default=10_000, help="sources they are about")
    parser.add_argument(
        "--since", type=int, default=5_000, help="summaries written after the checkpoint (30 minutes)"
    )
    parser.add_argument("--small", action="store_true", help="tiny numbers (a smoke run of seconds)")
    args = parser.parse_args(argv)
    if args.small:
        args.runs, args.sources, args.since = 2000, 100, 50
    settings = settings_with(isolated_overrides("bench-health-read"))
    print(f"topic {settings.topic_crawl_runs} (deleted at the end)")
    ensure_topics(settings)
    try:
        return run(settings, args.runs, args.sources, args.since)
    finally:
        delete_isolated_topics(settings)


def run(settings: Settings, runs: int, sources: int, since: int) -> int:
    total = runs + since
    produced = produce(settings, runs, sources, total)
    print(f"{runs:,} summaries of {sources:,} sources written in {produced:.1f} s")
    began = time.perf_counter()
    read = sum(1 for _ in read_topic(settings, settings.topic_crawl_runs))
    bare = time.perf_counter() - began
    now = datetime.now(UTC)
    whole, whole_rss, _ = in_fresh_process(settings, sources, now, checkpointed=False)
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as fresh:
        # Apart, so that this process stays small: a child's peak RSS starts from its parent's.
        written, entries, megabytes = fresh.submit(write_checkpoint_as_shard_zero, settings, sources).result()
    print(f"checkpoint: {entries:,} entries, {megabytes:.1f} MB")
    produce(settings, since, sources, total, first=runs)
    print(f"{since:,} more summaries written after the checkpoint")
    now = datetime.now(UTC)
    fast, fast_rss, report = in_fresh_process(settings, sources, now, checkpointed=True)
    _, _, expected = in_fresh_process(settings, sources, now, checkpointed=False)
    print("\n| step | seconds | runs a second |")
    print("|---|---|---|")
    print(f"| bare read of the topic (`read_topic`) | {bare:.1f} | {read / bare:,.0f} |")
    print(f"| `read_health` (read, parse, fold, assess) | {whole:.1f} | {runs / whole:,.0f} |")
    print(f"| shard 0's first check, writing the checkpoint | {written:.1f} | {runs / written:,.0f} |")
    print(f"| `current_health` (checkpoint + {since:,} runs since) | {fast:.1f} | {total / fast:,.0f} |")
    print(
        f"\nread_health / bare read: {whole / bare:.1f}x; "
        f"peak RSS of the assessing process {whole_rss:.0f} MiB"
    )
    print(
        f"current_health / read_health: {fast / whole:.2f}x; current_health / bare read: {fast / bare:.2f}x; "
        f"peak RSS {fast_rss:.0f} MiB"
    )
    crawled = sum(1 for h in report if h["runs"])
    flagged = sum(1 for h in report if h["flags"])
    print(f"{crawled:,} of {sources:,} sources assessed with runs, {flagged} flagged")
    if read != runs or crawled != min(total, sources):
        raise SystemExit(f"expected {runs} runs read and {min(total, sources)} sources with runs")
    if report != expected:
        raise SystemExit("the checkpointed health differs from the whole topic's")
    print("the checkpointed health equals the whole topic's for every source")
    return 0


def in_fresh_process(
    settings: Settings, sources: int, now: datetime, *, checkpointed: bool
) -> tuple[float, float, list[dict]]:
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as fresh:
        return fresh.submit(assess_all, settings, sources, now, checkpointed).result()


if __name__ == "__main__":
    raise SystemExit(main())
