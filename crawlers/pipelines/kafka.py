"""Scrapy item pipeline that validates each item as a raw record and produces it to Kafka."""

from __future__ import annotations

from typing import Any

from kafka.producer.future import FutureRecordMetadata
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from policyradar.kafka_io import make_producer
from policyradar.schemas import RawRecord, dump_record
from policyradar.settings import get_settings

FLUSH_EVERY = 200


class KafkaPipeline:
    """Key = document id, acks=all, idempotent producer; everything is flushed before close."""

    def __init__(self, topic: str, make: Any) -> None:
        self.topic = topic
        self._make = make
        self.producer = None
        self.pending: list[FutureRecordMetadata] = []
        self.produced = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> KafkaPipeline:
        if not crawler.settings.getbool("POLICYRADAR_KAFKA_ENABLED", True):
            raise NotConfigured("Kafka output switched off (POLICYRADAR_KAFKA_ENABLED=False)")
        settings = get_settings()
        return cls(settings.topic_raw, lambda: make_producer(settings, client_id="policyradar-crawler"))

    def open_spider(self, spider: Any = None) -> None:
        self.producer = self._make()

    def process_item(self, item: dict[str, Any], spider: Any = None) -> dict[str, Any]:
        try:
            record = RawRecord.model_validate(item)
        except ValueError as exc:
            raise DropItem(f"{item.get('url')}: not a valid raw record: {exc}") from exc
        self.pending.append(self.producer.send(self.topic, key=record.id.encode(), value=dump_record(record)))
        if len(self.pending) >= FLUSH_EVERY:
            self._flush()
        return item

    def close_spider(self, spider: Any = None) -> None:
        try:
            self._flush()
        finally:
            self.producer.close()

    def _flush(self) -> None:
        self.producer.flush()
        pending, self.pending = self.pending, []
        for future in pending:
            future.get(timeout=30)  # raises when the broker did not acknowledge
        self.produced += len(pending)
