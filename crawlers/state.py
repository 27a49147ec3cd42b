"""What the crawler remembers about each page, so an unchanged page is not emitted again.

The state lives in a compacted Kafka topic keyed by document id (``policyradar.crawlstate.v1``),
so any crawler process can pick up any source. A state record is written only after the raw record
it describes was acknowledged: a crash in between re-emits the page, which is harmless downstream.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from kafka import KafkaConsumer, TopicPartition

from policyradar.settings import Settings


@dataclass(frozen=True)
class PageState:
    url: str
    source_id: str
    content_hash: str
    etag: str | None = None
    last_modified: str | None = None

    def to_message(self, topic: str, doc_id: str) -> tuple[str, str, bytes]:
        return topic, doc_id, json.dumps(asdict(self), ensure_ascii=False).encode("utf-8")


def load_state(settings: Settings, source_ids: set[str]) -> dict[str, PageState]:
    """The latest state of every page of ``source_ids``, read from the start of the state topic."""
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        enable_auto_commit=False,
        group_id=None,
        consumer_timeout_ms=2000,
    )
    try:
        partitions = [
            TopicPartition(settings.topic_crawl_state, p)
            for p in consumer.partitions_for_topic(settings.topic_crawl_state) or []
        ]
        if not partitions:
            return {}
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        states: dict[str, PageState] = {}
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            for records in consumer.poll(timeout_ms=1000).values():
                for record in records:
                    _apply(states, record.key, record.value, source_ids)
        return states
    finally:
        consumer.close()


def _apply(
    states: dict[str, PageState], key: bytes | None, value: bytes | None, source_ids: set[str]
) -> None:
    if key is None:
        return
    doc_id = key.decode("utf-8", "replace")
    if value is None:  # a tombstone: the page was forgotten
        states.pop(doc_id, None)
        return
    try:
        state = PageState(**json.loads(value))
    except (ValueError, TypeError):
        return  # an unreadable state only costs one re-emission
    if state.source_id in source_ids:
        states[doc_id] = state
