"""Scrapy item pipeline: raw records to Kafka (key = document id, acks=all, idempotent producer),
quarantined pages to the DLQ, and the page's crawl state once its record is acknowledged."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from kafka.producer.future import FutureRecordMetadata
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from crawlers.scrapy_settings import OUTPUT
from crawlers.state import PageState
from policyradar.kafka_io import make_producer, send_all
from policyradar.schemas import RawRecord, cap_text, dump_record
from policyradar.settings import Settings, get_settings

FLUSH_EVERY = 200


class KafkaPipeline:
    def __init__(self, settings: Settings, make: Any) -> None:
        self.settings = settings
        self._make = make
        self.producer = None
        self.pending: list[tuple[FutureRecordMetadata, str, PageState]] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> KafkaPipeline:
        if crawler.settings.get(OUTPUT, "kafka") != "kafka":
            raise NotConfigured  # another pipeline writes the output
        settings = get_settings()
        return cls(settings, lambda: make_producer(settings, client_id="policyradar-crawler"))

    def open_spider(self, spider: Any = None) -> None:
        self.producer = self._make()

    def process_item(self, item: dict[str, Any], spider: Any = None) -> dict[str, Any]:
        if "quarantine" in item:
            send_all(self.producer, [quarantine_message(self.settings.topic_dlq, item["quarantine"])])
            return item
        try:
            record = cap_text(RawRecord.model_validate(item["record"]), self.settings.max_text_chars)
        except ValueError as exc:
            raise DropItem(f"{item['record'].get('url')}: not a valid raw record: {exc}") from exc
        future = self.producer.send(
            self.settings.topic_raw, key=record.id.encode(), value=dump_record(record)
        )
        self.pending.append((future, record.id, item["state"]))
        if len(self.pending) >= FLUSH_EVERY:
            self._flush()
        return item

    def close_spider(self, spider: Any = None) -> None:
        try:
            self._flush()
        finally:
            self.producer.close()

    def _flush(self) -> None:
        """Wait for every raw record's acknowledgement, then record the state of those pages."""
        self.producer.flush()
        pending, self.pending = self.pending, []
        for future, _, _ in pending:
            future.get(timeout=30)  # raises when the broker did not acknowledge
        topic = self.settings.topic_crawl_state
        send_all(self.producer, [state.to_message(topic, doc_id) for _, doc_id, state in pending])


class JsonLinesPipeline:
    """Dry-run output: raw records as JSON lines to a file (``crawl --dry-run``)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.handle = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JsonLinesPipeline:
        output = crawler.settings.get(OUTPUT, "kafka")
        if not output.startswith("jsonl:"):
            raise NotConfigured
        return cls(output.removeprefix("jsonl:"))

    def open_spider(self, spider: Any = None) -> None:
        self.handle = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close_spider

    def process_item(self, item: dict[str, Any], spider: Any = None) -> dict[str, Any]:
        if "record" in item:
            record = RawRecord.model_validate(item["record"])
            self.handle.write(record.model_dump_json() + "\n")
        else:
            self.handle.write(json.dumps({"quarantined": item["quarantine"]}, ensure_ascii=False) + "\n")
        self.handle.flush()
        return item

    def close_spider(self, spider: Any = None) -> None:
        self.handle.close()


def quarantine_message(topic: str, page: dict[str, str]) -> tuple[str, str, bytes]:
    body = {"schema_version": 1, "stage": "crawler", "failed_at": datetime.now(UTC).isoformat(), **page}
    return topic, page["url"], json.dumps(body, ensure_ascii=False).encode("utf-8")


class CatalogueKafkaPipeline:
    """The long-lived crawler's pipeline: hands each item to the crawler's ``KafkaOutput``, which
    sends it without blocking the reactor and settles the item's check when Kafka answers."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CatalogueKafkaPipeline:
        return cls(crawler)

    def process_item(self, item: dict[str, Any], spider: Any = None) -> dict[str, Any]:
        try:
            self.crawler.spider.output.emit(item)
        except ValueError as exc:
            url = item.get("record", {}).get("url")
            raise DropItem(f"{url}: not a valid raw record: {exc}") from exc
        return item
