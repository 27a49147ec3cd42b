"""Crawl-run summaries read from the runs topic outside any consumer group, each once, with where
each came from (partition and offset), so that a reader can start where a checkpoint stopped.

Kafka being away never raises out of ``read_new``: it logs once, drops the connection and answers
None; the next call starts afresh from the same place.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import NamedTuple

from kafka import KafkaConsumer, TopicPartition

from crawlers.health import CrawlRun, parse_run
from policyradar.kafka_io import WHOLE_TOPIC_POLL
from policyradar.retry import is_dependency_failure
from policyradar.settings import Settings

log = logging.getLogger("policyradar.schedule")


class FeedRun(NamedTuple):
    """A crawl-run summary and its place in the runs topic."""

    partition: int
    offset: int
    run: CrawlRun


class RunFeed:
    """The summaries written since the last call, from ``positions`` (partition -> next offset; the
    start of each partition when not given) on."""

    def __init__(self, settings: Settings, positions: dict[int, int] | None = None) -> None:
        self.settings = settings
        self.consumer: KafkaConsumer | None = None
        self.positions: dict[int, int] = dict(positions or {})
        self.away = False

    def read_new(self) -> list[FeedRun] | None:
        """The summaries written since the last call (all of them the first time); None when Kafka
        cannot be read now."""
        try:
            runs = self.read()
        except Exception as exc:
            if not is_dependency_failure(exc):
                raise
            if not self.away:
                log.warning("crawl-run summaries cannot be read (Kafka away: %s); will retry", exc)
            self.away = True
            return None
        if self.away:
            log.warning("crawl-run summaries readable again")
        self.away = False
        return runs

    def read(self) -> list[FeedRun]:
        """The summaries written since the last call; raises what Kafka raised (the connection is
        dropped first, so the next call starts afresh from the same place)."""
        try:
            return self._read()
        except Exception:
            self._drop_connection()
            raise

    def chunks(self, size: int = 10_000) -> Iterator[list[FeedRun]]:
        """The summaries written since the last call, ``size`` at a time (a whole history is never
        one list); the position moves on once the last chunk has been handed out. Raises what Kafka
        raised (the connection is dropped first)."""
        try:
            yield from self._chunks(size)
        except Exception:
            self._drop_connection()
            raise

    def _read(self) -> list[FeedRun]:
        return [run for chunk in self._chunks(None) for run in chunk]

    def _chunks(self, size: int | None) -> Iterator[list[FeedRun]]:
        topic = self.settings.topic_crawl_runs
        if self.consumer is None:
            self.consumer = KafkaConsumer(
                bootstrap_servers=self.settings.kafka_bootstrap,
                group_id=None,
                enable_auto_commit=False,
                # A position past the end (a recreated topic) starts again from the beginning.
                auto_offset_reset="earliest",
                max_poll_records=WHOLE_TOPIC_POLL,  # its first read may be the whole history
            )
        consumer = self.consumer
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        if set(partitions) != consumer.assignment():
            consumer.assign(partitions)
            for tp in partitions:
                consumer.seek(tp, self.positions.get(tp.partition, 0))
        ends = consumer.end_offsets(partitions) if partitions else {}
        chunk: list[FeedRun] = []
        reached = dict(self.positions)  # kept only once every summary up to it is handed out
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            for tp, records in consumer.poll(timeout_ms=1000).items():
                for record in records:
                    reached[tp.partition] = record.offset + 1
                    run = parse_run(record.value)
                    if run is not None:
                        chunk.append(FeedRun(tp.partition, record.offset, run))
            if size is not None and len(chunk) >= size:
                yield chunk
                chunk = []
        yield chunk
        self.positions = reached

    def _drop_connection(self) -> None:
        if self.consumer is not None:
            try:
                self.consumer.close()
            except Exception as exc:  # the broker is gone anyway
                log.debug("closing the run reader failed: %s", exc)
        self.consumer = None

    def close(self) -> None:
        self._drop_connection()


def runs_topic_ends(settings: Settings) -> dict[int, int]:
    """The runs topic's end offset per partition (empty when the topic does not exist yet)."""
    topic = settings.topic_crawl_runs
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap, group_id=None, enable_auto_commit=False
    )
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
        ends = consumer.end_offsets(partitions) if partitions else {}
        return {tp.partition: offset for tp, offset in ends.items()}
    finally:
        consumer.close()
