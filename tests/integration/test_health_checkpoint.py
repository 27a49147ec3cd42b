"""Health checkpoints on the real Kafka: the health read from the freshest checkpoint and the runs
written since is the health a read of the whole runs topic gives, also when entries of a write cut
short before its marker are on the topic; a watch restarted from its own checkpoint writes only the
sources that ran since."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import pytest

from crawlers.health import CrawlRun, read_health
from crawlers.health_checkpoint import (
    PARTITION,
    checkpoint_messages,
    current_health,
    load_checkpoint,
    positioned_book,
)
from crawlers.health_watch import HealthWatch
from crawlers.run_feed import RunFeed
from policyradar.kafka_io import make_producer, read_topic, send_all
from policyradar.settings import Settings
from tests.integration.test_sources_api import record_runs
from tests.unit.crawlers.test_health_tally import random_history

pytestmark = pytest.mark.integration

WRITER = "crawl-0of1"
SOURCES = [f"bureau-{n:02d}" for n in range(12)]


def history(rng: random.Random, per_source: int) -> list[CrawlRun]:
    runs = [run for source in SOURCES for run in random_history(rng, source, per_source, 24 * 40)]
    rng.shuffle(runs)
    return runs


def recent(rng: random.Random, per_source: int) -> list[CrawlRun]:
    """Runs of the last 20 days, so that 7- and 14-day windows have something to count."""
    runs = []
    for source in SOURCES:
        for _ in range(per_source):
            started = datetime.now(UTC) - timedelta(hours=rng.uniform(1, 24 * 20))
            finished = (started + timedelta(minutes=2)).isoformat()
            failed = rng.random() < 0.3
            records = 0 if failed else rng.choice([0, 1, 3])
            runs.append(
                CrawlRun(source, started.isoformat(), finished, records, 2, rng.choice([0, 1]), 0, failed)
            )
    return runs


def watch(settings: Settings) -> HealthWatch:
    return HealthWatch(
        settings, RunFeed(settings), lambda: set(SOURCES), notify=lambda *_: [], writer=WRITER,
        from_checkpoint=True,
    )  # fmt: skip


def entries_of(settings: Settings) -> list[str]:
    keys = [(r.key or b"").decode() for r in read_topic(settings, settings.topic_source_health)]
    return [key.rsplit("|", 1)[1] for key in keys]


def both_ways(settings: Settings, now: datetime, days: int = 14) -> tuple[list[dict], list[dict]]:
    ids = [*SOURCES, "never-crawled"]
    fast = [asdict(h) for h in current_health(settings, ids, days, now)]
    whole = [asdict(h) for h in read_health(settings, ids, days, now)]
    return fast, whole


def test_health_from_the_checkpoint_and_the_runs_since_is_the_whole_topics_answer(settings):
    rng = random.Random(11)
    first = history(rng, 20)
    record_runs(settings, first)
    assert load_checkpoint(settings, 14) is None
    watcher = watch(settings)
    watcher.check()
    checkpoint = load_checkpoint(settings, 14)
    assert checkpoint is not None and checkpoint.writer == WRITER
    assert sum(checkpoint.positioned.positions.values()) == len(first)
    assert set(checkpoint.positioned.book.records) == {run.source_id for run in first}
    record_runs(settings, history(rng, 3) + recent(rng, 4))
    fast, whole = both_ways(settings, datetime.now(UTC))
    assert fast == whole and any(h["runs"] == 27 for h in fast)
    assert any(h["recent_records"] for h in fast)
    # A shorter window is told from the 14-day records; a longer one reads the whole topic.
    week_fast, week_whole = both_ways(settings, datetime.now(UTC), days=7)
    assert week_fast == week_whole
    assert load_checkpoint(settings, 7) is not None and load_checkpoint(settings, 30) is None


def test_entries_of_a_write_cut_short_before_its_marker_are_not_counted_twice(settings):
    rng = random.Random(12)
    record_runs(settings, history(rng, 10))
    watch(settings).check()
    record_runs(settings, history(rng, 4))
    # A writer that folded the new runs and wrote some entries, then died before the marker.
    ahead = positioned_book(settings, 14)
    send_all_entries(settings, ahead, SOURCES[:5])
    record_runs(settings, history(rng, 2))
    fast, whole = both_ways(settings, datetime.now(UTC))
    assert fast == whole and all(h["runs"] == 16 for h in fast[: len(SOURCES)])


def send_all_entries(settings: Settings, positioned, sources: list[str]) -> None:
    producer = make_producer(settings, client_id="test-health-checkpoint")
    try:
        send_all(producer, checkpoint_messages(settings, WRITER, positioned, sources), partition=PARTITION)
    finally:
        producer.close(timeout=5)


def test_a_watch_restarted_from_its_own_checkpoint_writes_only_the_sources_that_ran(settings):
    rng = random.Random(13)
    record_runs(settings, history(rng, 5))
    first = watch(settings)
    first.check()
    assert Counter(entries_of(settings)) == Counter([*SOURCES, "@"])
    record_runs(settings, [run for run in history(rng, 1) if run.source_id in SOURCES[:3]])
    restarted = watch(settings)
    restarted.check()
    assert restarted.unwritten == set()
    assert Counter(entries_of(settings)) == Counter([*SOURCES, *SOURCES[:3], "@", "@"])
    fast, whole = both_ways(settings, datetime.now(UTC))
    assert fast == whole
