"""The scheduler's eye on source health: it reads new crawl-run summaries as they arrive and tells
the operator when a source turns broken and when it recovers (transitions only, never every run).

Kafka being away never stops the scheduler: the reader logs it once, drops its connection and
tries again at the next tick from where it stopped.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from kafka import KafkaConsumer, TopicPartition

from crawlers.health import CrawlRun, HealthBook, SourceHealth
from policyradar.kafka_io import WHOLE_TOPIC_POLL
from policyradar.metrics import CRAWL_RUNS, PAGES, SOURCE_LAST_SUCCESS
from policyradar.notify import notify_operator
from policyradar.retry import is_dependency_failure
from policyradar.settings import Settings

log = logging.getLogger("policyradar.schedule")


class RunFeed:
    """Crawl-run summaries from the runs topic, each read once, outside any consumer group."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.consumer: KafkaConsumer | None = None
        self.positions: dict[int, int] = {}
        self.away = False

    def read_new(self) -> list[CrawlRun] | None:
        """The summaries written since the last call (all of them the first time); None when Kafka
        cannot be read now."""
        try:
            runs = self.read()
        except Exception as exc:
            if not is_dependency_failure(exc):
                raise
            self._drop_connection()
            if not self.away:
                log.warning("crawl-run summaries cannot be read (Kafka away: %s); will retry", exc)
            self.away = True
            return None
        if self.away:
            log.warning("crawl-run summaries readable again")
        self.away = False
        return runs

    def read(self) -> list[CrawlRun]:
        """The summaries written since the last call; raises what Kafka raised (the connection is
        dropped first, so the next call starts afresh from the same place)."""
        try:
            return self._read()
        except Exception:
            self._drop_connection()
            raise

    def _read(self) -> list[CrawlRun]:
        topic = self.settings.topic_crawl_runs
        if self.consumer is None:
            self.consumer = KafkaConsumer(
                bootstrap_servers=self.settings.kafka_bootstrap,
                group_id=None,
                enable_auto_commit=False,
                max_poll_records=WHOLE_TOPIC_POLL,  # its first read is the whole history
            )
        consumer = self.consumer
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        if set(partitions) != consumer.assignment():
            consumer.assign(partitions)
            for tp in partitions:
                consumer.seek(tp, self.positions.get(tp.partition, 0))
        ends = consumer.end_offsets(partitions) if partitions else {}
        runs: list[CrawlRun] = []
        reached = dict(self.positions)  # kept only once every summary up to it is handed out
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            for tp, records in consumer.poll(timeout_ms=1000).items():
                for record in records:
                    reached[tp.partition] = record.offset + 1
                    runs.extend(_parse(record.value))
        self.positions = reached
        return runs

    def _drop_connection(self) -> None:
        if self.consumer is not None:
            try:
                self.consumer.close()
            except Exception as exc:  # the broker is gone anyway
                log.debug("closing the run reader failed: %s", exc)
        self.consumer = None

    def close(self) -> None:
        self._drop_connection()


def _parse(value: bytes | None) -> list[CrawlRun]:
    try:
        return [CrawlRun(**json.loads(value or b""))]
    except (ValueError, TypeError):
        return []


Notify = Callable[[Settings, str, str, dict], list[str]]


class HealthWatch:
    """Known health per source; notices on each change between healthy and broken."""

    def __init__(
        self,
        settings: Settings,
        feed: RunFeed,
        watched: Callable[[], set[str]],
        *,
        days: int = 14,
        notify: Notify = notify_operator,
    ) -> None:
        self.settings = settings
        self.feed = feed
        self.watched = watched
        self.days = days
        self.notify = notify
        self.book = HealthBook(days)  # per source, what its health needs: bounded by the window
        self.flags: dict[str, list[str]] = {}
        self.baseline_taken = False

    def check(self) -> None:
        """Read new summaries, re-assess the sources they are about, notify on transitions. The first
        successful read (the history so far) only sets what is known: it notifies nothing."""
        new = self.feed.read_new()
        if new is None:
            return
        touched = self.book.fold(new)
        watched = self.watched()
        record_run_metrics([run for run in new if run.source_id in watched], count=self.baseline_taken)
        now = datetime.now(UTC)
        for source_id in sorted(touched & watched):
            health = self.book.assess(source_id, now)
            before = self.flags.get(source_id, [])
            self.flags[source_id] = health.flags
            if self.baseline_taken and bool(before) != health.broken:
                self._tell(health)
        self.baseline_taken = True

    def readiness(self) -> str | None:
        """Why the crawler is not ready (for ``/readyz``), or None: it needs Kafka to be readable."""
        if self.feed.away:
            return f"Kafka at {self.settings.kafka_bootstrap} cannot be read"
        return None

    def _tell(self, health: SourceHealth) -> None:
        if health.broken:
            subject = f"source {health.source_id} is broken"
            text = f"The last crawl of {health.source_id} found:\n" + "".join(
                f"- {f}\n" for f in health.flags
            )
        else:
            subject = f"source {health.source_id} recovered"
            text = f"The last crawl of {health.source_id} found nothing wrong any more.\n"
        flags = f": {'; '.join(health.flags)}" if health.flags else ""
        log.warning("%s%s", subject, flags, extra={"source_id": health.source_id})
        if self.settings.operator_email or self.settings.operator_webhook:
            event = {
                "type": "source.broken" if health.broken else "source.recovered",
                "source_id": health.source_id,
            }
            self.notify(self.settings, subject, text + _how_to_check(), {**event, "flags": health.flags})


_last_success: dict[str, float] = {}


def record_run_metrics(runs: list[CrawlRun], *, count: bool) -> None:
    """Crawl runs by outcome, pages by result and each source's last success, for Prometheus. Runs
    from before this process started (``count`` False) only set the last-success times."""
    for run in runs:
        if not run.failed:
            finished = datetime.fromisoformat(run.finished_at).timestamp()
            latest = max(_last_success.get(run.source_id, 0.0), finished)
            _last_success[run.source_id] = latest
            SOURCE_LAST_SUCCESS.labels(source=run.source_id).set(latest)
        if not count:
            continue
        CRAWL_RUNS.labels(source=run.source_id, outcome="failed" if run.failed else "ok").inc()
        for result, pages in (
            ("fetched", run.records),
            ("unchanged", run.unchanged),
            ("quarantined", run.quarantined),
        ):
            PAGES.labels(source=run.source_id, result=result).inc(pages)


def _how_to_check() -> str:
    return "\n`policyradar sources health` shows every source's state.\n"
