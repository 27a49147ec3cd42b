"""Kafka helpers shared by every stage: topics, a safe producer, and the consume loop.

The loop commits a batch's offsets only after the batch handler returned, and the handlers
return only after everything they produced or wrote was acknowledged: at-least-once delivery,
made effectively-once downstream by writes keyed on the document id.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import TopicAlreadyExistsError

from policyradar.metrics import serve_metrics
from policyradar.progress import progress_report
from policyradar.retry import Outage, is_dependency_failure
from policyradar.settings import Settings, metrics_port
from policyradar.signals import StopFlag
from policyradar.stage_metrics import StageMonitor

log = logging.getLogger(__name__)

BatchHandler = Callable[[list[ConsumerRecord]], None]


def ensure_topics(settings: Settings) -> None:
    """Create the raw, enriched, dead-letter, crawl-state, crawl-run and source-health topics if they
    do not exist yet."""
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap, client_id="policyradar-admin")
    try:
        existing = set(admin.list_topics())
        common = {}
        if settings.topic_min_insync_replicas is not None:
            common["min.insync.replicas"] = str(settings.topic_min_insync_replicas)
        wanted = {
            settings.topic_raw: common,
            settings.topic_enriched: common,
            settings.topic_dlq: common,
            # The latest crawl state per document id: only the newest value per key matters.
            settings.topic_crawl_state: {**common, "cleanup.policy": "compact"},
            settings.topic_crawl_runs: common,
            # Checkpoints of the per-source health records: only the newest entry per key matters,
            # and segments roll every 10 minutes so that readers find few superseded entries.
            settings.topic_source_health: {
                **common,
                "cleanup.policy": "compact",
                "segment.ms": "600000",
                "min.cleanable.dirty.ratio": "0.25",
            },
        }
        missing = [
            NewTopic(
                name,
                num_partitions=settings.topic_partitions,
                replication_factor=settings.topic_replication_factor,
                topic_configs=configs,
            )
            for name, configs in wanted.items()
            if name not in existing
        ]
        if missing:
            # Another process may create them between our list and create: that is fine.
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(missing)
    finally:
        admin.close()


def make_producer(settings: Settings, client_id: str) -> KafkaProducer:
    """An idempotent producer that waits for every in-sync replica (acks=all)."""
    return KafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=20,
        retries=2**31 - 1,
        max_in_flight_requests_per_connection=5,
        max_request_size=settings.kafka_max_message_bytes,
    )


def make_consumer(
    settings: Settings, topic: str, group_id: str, batch_size: int | None = None
) -> KafkaConsumer:
    """A consumer in ``group_id`` that never auto-commits and starts from the oldest record; a poll
    returns at most ``batch_size`` records (``settings.batch_size`` when not given)."""
    return KafkaConsumer(
        topic,
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=group_id,
        client_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=batch_size or settings.batch_size,
        # A crashed copy's partitions move to the others after this long without heartbeats.
        session_timeout_ms=settings.consumer_session_timeout_ms,
        heartbeat_interval_ms=max(1000, settings.consumer_session_timeout_ms // 3),
        isolation_level="read_committed",
    )


# Records one poll of a whole-topic read returns (the client's default, 500, makes a long topic's
# read several times slower: each poll has its own overhead).
WHOLE_TOPIC_POLL = 10_000


def read_topic(settings: Settings, topic: str) -> Iterator[ConsumerRecord]:
    """Every record of ``topic`` from its start to its current end, outside any consumer group."""
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=None,
        enable_auto_commit=False,
        max_poll_records=WHOLE_TOPIC_POLL,
    )
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
        if not partitions:
            return
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            for records in consumer.poll(timeout_ms=1000).values():
                yield from records
    finally:
        consumer.close()


FLUSH_SECONDS = 120


def send_all(
    producer: KafkaProducer, messages: Iterable[tuple[str, str, bytes]], partition: int | None = None
) -> int:
    """Produce ``(topic, key, value)`` messages (all to ``partition`` when given, else by key) and
    block until every one is acknowledged."""
    where = {} if partition is None else {"partition": partition}
    futures = [
        producer.send(topic, key=key.encode("utf-8"), value=value, **where) for topic, key, value in messages
    ]
    # Bounded: with the broker gone, an unbounded flush can wait for ever instead of raising the
    # KafkaTimeoutError that makes the stage back off, re-join and redo the batch.
    producer.flush(timeout=FLUSH_SECONDS)
    for future in futures:
        future.get(timeout=30)  # raises if the broker did not acknowledge
    return len(futures)


# A dead letter keeps at most this much of the record's value: the whole record stays in its own
# topic at the offset the letter names, and an oversized copy could not be produced anyway.
DLQ_VALUE_BYTES = 256 * 1024


@dataclass(frozen=True)
class DeadLetter:
    """Why a record could not be processed, and the record itself, for the DLQ topic."""

    stage: str
    reason: str
    record: ConsumerRecord

    def to_message(self, dlq_topic: str) -> tuple[str, str, bytes]:
        rec = self.record
        raw_key = rec.key.decode("utf-8", "replace") if rec.key else ""
        value = rec.value or b""
        body: dict[str, Any] = {
            "schema_version": 1,
            "stage": self.stage,
            "reason": self.reason,
            "topic": rec.topic,
            "partition": rec.partition,
            "offset": rec.offset,
            "key": raw_key,
            "value": value[:DLQ_VALUE_BYTES].decode("utf-8", "replace"),
            "value_bytes": len(value),
            "value_is_null": rec.value is None,
            "failed_at": datetime.now(UTC).isoformat(),
        }
        return (
            dlq_topic,
            raw_key or f"{rec.topic}-{rec.partition}-{rec.offset}",
            json.dumps(body, ensure_ascii=False).encode("utf-8"),
        )


def where(record: ConsumerRecord) -> str:
    """``topic[partition]@offset`` for log lines about one record."""
    return f"{record.topic}[{record.partition}]@{record.offset}"


@dataclass
class Progress:
    """Records handled by a stage so far (kept across reconnects)."""

    handled: int = 0
    last_report: float = field(default_factory=time.monotonic)


def consume(
    consumer: KafkaConsumer,
    handle: BatchHandler,
    *,
    until_idle: bool,
    timeout_ms: int,
    say: Callable[[str], None] | None = None,
    stop: Callable[[], bool] = lambda: False,
    progress: Progress | None = None,
    on_batch: Callable[[], None] = lambda: None,
    monitor: StageMonitor | None = None,
) -> int:
    """Poll batches, hand each to ``handle``, commit after it returns; return records handled.

    With ``until_idle`` the loop ends once every assigned partition is read to its end. Progress
    (records handled, lag) goes to ``say`` as plain lines; without ``say``, to a live bar when
    stdout is a terminal and the run ends when idle, else as lines to stdout.
    """
    progress = progress or Progress()
    with progress_report(say, until_idle) as report:
        while not stop():
            polled = consumer.poll(timeout_ms=timeout_ms)
            batch = [record for records in polled.values() for record in records]
            if batch:
                started = time.monotonic()
                handle(batch)
                consumer.commit()
                on_batch()
                if monitor:
                    monitor.batch_done(consumer, len(batch), time.monotonic() - started)
                progress.handled += len(batch)
                if time.monotonic() - progress.last_report > report.interval:
                    report.update(progress.handled, _lag(consumer))
                    progress.last_report = time.monotonic()
            elif until_idle and _caught_up(consumer):
                break
            elif monitor:
                monitor.connected(consumer)
        if until_idle and progress.handled:
            report.finish(progress.handled)
    return progress.handled


def run_stage(
    settings: Settings,
    topic: str,
    group: str,
    build_handler: Callable[[KafkaProducer], BatchHandler],
    *,
    client_id: str,
    until_idle: bool,
    stage: str,
    batch_size: int | None = None,
) -> int:
    """A stage's main loop: consume ``topic`` in ``group`` until stopped (SIGTERM, Ctrl-C) or, with
    ``until_idle``, until caught up; return the records handled.

    ``build_handler`` gets a fresh producer and returns the batch handler; it may talk to the
    stage's dependencies (create topics, indices), so it runs again after every reconnect. When
    Kafka or the search engine goes away, the consumer and producer are closed without committing,
    the stage waits with capped, jittered backoff and re-joins its group: work resumes from the
    last committed offsets, so the interrupted batch is done again (writes are idempotent).
    Anything else that escapes the handler ends the stage: it is not cured by waiting. Meanwhile
    the stage serves ``/metrics``, ``/healthz`` and ``/readyz`` on its metrics port. ``batch_size``:
    the most records a batch holds (``settings.batch_size`` when not given).
    """
    stop = StopFlag().install()
    outage = Outage(client_id, stop.wait)
    progress = Progress()
    monitor = StageMonitor(stage, settings.ready_max_lag)
    with _health_endpoints(settings, stage, monitor):
        while not stop():
            try:
                ensure_topics(settings)
                with _stage_clients(settings, topic, group, client_id, batch_size) as (consumer, producer):
                    handle = build_handler(producer)
                    return consume(
                        consumer,
                        handle,
                        until_idle=until_idle,
                        timeout_ms=settings.poll_timeout_ms,
                        stop=stop,
                        progress=progress,
                        on_batch=outage.succeeded,
                        monitor=monitor,
                    )
            except Exception as exc:
                if not is_dependency_failure(exc):
                    raise
                monitor.disconnected(exc)
                if outage.failed(exc):
                    break
    return progress.handled


@contextlib.contextmanager
def _health_endpoints(settings: Settings, stage: str, monitor: StageMonitor) -> Iterator[None]:
    """``/metrics``, ``/healthz`` and ``/readyz`` of the stage while it runs."""
    server = serve_metrics(settings.metrics_host, metrics_port(settings, stage), monitor.readiness)
    try:
        yield
    finally:
        if server is not None:
            server.stop()


@contextlib.contextmanager
def _stage_clients(
    settings: Settings, topic: str, group: str, client_id: str, batch_size: int | None = None
) -> Iterator[tuple[KafkaConsumer, KafkaProducer]]:
    """A consumer and producer for one connected spell; closed without committing when it ends."""
    producer = make_producer(settings, client_id=client_id)
    try:
        consumer = make_consumer(settings, topic, group, batch_size)
    except BaseException:
        producer.close(timeout=5)
        raise
    try:
        yield consumer, producer
    finally:
        # Nothing is committed here: what was not committed after an acknowledged batch is redone.
        _quietly(lambda: consumer.close(autocommit=False, timeout_ms=5000))
        _quietly(lambda: producer.close(timeout=5))


def _quietly(close: Callable[[], None]) -> None:
    """Close a client whose broker may be gone; a failure to say goodbye changes nothing."""
    try:
        close()
    except Exception as exc:  # the connection is being dropped anyway
        log.debug("closing a Kafka client failed: %s", exc)


def _lag(consumer: KafkaConsumer) -> int:
    """Records not yet read on the assigned partitions."""
    assigned = list(consumer.assignment())
    ends = consumer.end_offsets(assigned) if assigned else {}
    return sum(max(0, ends[tp] - consumer.position(tp)) for tp in assigned)


def _caught_up(consumer: KafkaConsumer) -> bool:
    assigned = consumer.assignment()
    if not assigned:
        return False
    ends = consumer.end_offsets(list(assigned))
    return all(consumer.position(tp) >= ends[tp] for tp in assigned)
