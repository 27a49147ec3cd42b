"""The long-lived crawler's way to Kafka: raw records, quarantined pages, crawl state and run summaries,
sent without ever blocking the reactor.

A record is handed to one sender thread (``KafkaProducer.send`` may block while the broker is away);
its acknowledgement comes back to the reactor, and only then is the page's state updated in memory and
produced to the state topic, and the record counted for its check. A record that is not acknowledged
(Kafka away for longer than the producer's delivery timeout) counts as an error of its check and leaves
the page's state as it was: the next check of the source fetches and emits the page again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from kafka import KafkaProducer

from crawlers.checks import Check
from crawlers.health import CrawlRun
from crawlers.pipelines.kafka import quarantine_message
from crawlers.state import PageState, StateStore
from policyradar.schemas import RawRecord, cap_text, dump_record
from policyradar.settings import Settings

log = logging.getLogger("policyradar.schedule")
CLOSE_FLUSH_SECONDS = 30.0
QUIET_SECONDS = 30.0  # at most one "Kafka refuses" warning this often


class KafkaOutput:
    def __init__(
        self,
        settings: Settings,
        producer: KafkaProducer,
        store: StateStore,
        call_in_reactor: Callable[..., Any],
    ) -> None:
        self.settings = settings
        self.producer = producer
        self.store = store
        self.call_in_reactor = call_in_reactor  # reactor.callFromThread
        self.sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="policyradar-kafka-send")
        # Records sent and not yet settled (reactor thread), and their futures (sender thread).
        self.unsettled: dict[int, tuple[Check, str, PageState]] = {}
        self.futures: dict[int, Any] = {}
        self._next_key = 0
        self._warned_at = 0.0

    # Raw records and quarantined pages ------------------------------------------------------------
    def emit(self, item: dict[str, Any]) -> None:
        """Send one item of a check; the check hears back through ``item_done``."""
        check: Check = item["check"]
        if "quarantine" in item:
            message = quarantine_message(self.settings.topic_dlq, item["quarantine"])
            self.sender.submit(self._send_quarantine, check, message)
            return
        record = cap_text(RawRecord.model_validate(item["record"]), self.settings.max_text_chars)
        self._next_key += 1
        key = self._next_key
        self.unsettled[key] = (check, record.id, item["state"])
        self.sender.submit(self._send_record, key, record.id, dump_record(record))

    def _send_record(self, key: int, doc_id: str, value: bytes) -> None:
        try:
            future = self.producer.send(self.settings.topic_raw, key=doc_id.encode(), value=value)
        except Exception as exc:
            self.call_in_reactor(self._refused, key, exc)
            return
        self.futures[key] = future
        future.add_callback(lambda _meta: self.call_in_reactor(self._acknowledged, key))
        future.add_errback(lambda exc: self.call_in_reactor(self._refused, key, exc))

    def _acknowledged(self, key: int) -> None:
        self.futures.pop(key, None)
        settled = self.unsettled.pop(key, None)
        if settled is None:
            return  # settled already, at shutdown
        check, doc_id, state = settled
        self.store.put(doc_id, state)
        self.sender.submit(self._send_quietly, state.to_message(self.settings.topic_crawl_state, doc_id))
        check.records += 1
        check.item_done(ok=True)

    def _refused(self, key: int, exc: BaseException) -> None:
        self.futures.pop(key, None)
        settled = self.unsettled.pop(key, None)
        if settled is None:
            return
        check, doc_id, _ = settled
        self._warn(f"record {doc_id} of source {check.source_id} not acknowledged", exc)
        check.item_done(ok=False)

    def _send_quarantine(self, check: Check, message: tuple[str, str, bytes]) -> None:
        topic, key, value = message
        try:
            future = self.producer.send(topic, key=key.encode(), value=value)
        except Exception as exc:
            self.call_in_reactor(self._quarantine_done, check, exc)
            return
        future.add_callback(lambda _meta: self.call_in_reactor(self._quarantine_done, check, None))
        future.add_errback(lambda exc: self.call_in_reactor(self._quarantine_done, check, exc))

    def _quarantine_done(self, check: Check, exc: BaseException | None) -> None:
        if exc is not None:
            self._warn(f"quarantined page of source {check.source_id} not recorded", exc)
        check.item_done(ok=exc is None)

    # State records and run summaries: sent, not waited for ----------------------------------------
    def send_run(self, run: CrawlRun) -> None:
        self.sender.submit(self._send_quietly, run.to_message(self.settings.topic_crawl_runs))

    def _send_quietly(self, message: tuple[str, str, bytes]) -> None:
        topic, key, value = message
        try:
            future = self.producer.send(topic, key=key.encode(), value=value)
        except Exception as exc:
            self.call_in_reactor(self._warn, f"{topic} record {key} not sent", exc)
            return
        future.add_errback(
            lambda exc: self.call_in_reactor(self._warn, f"{topic} record {key} not sent", exc)
        )

    def _warn(self, what: str, exc: BaseException) -> None:
        now = time.monotonic()
        if now - self._warned_at >= QUIET_SECONDS:
            self._warned_at = now
            log.warning(
                "%s: Kafka at %s: %s: %s", what, self.settings.kafka_bootstrap, type(exc).__name__, exc
            )

    # Shutdown -------------------------------------------------------------------------------------
    def close(self) -> None:
        """Wait (bounded) for what was sent; commit the state of every acknowledged record; close."""
        self.sender.shutdown(wait=True)
        try:
            self.producer.flush(timeout=CLOSE_FLUSH_SECONDS)
        except Exception as exc:
            log.warning(
                "stopping: not every record was acknowledged (%s); those pages are fetched again", exc
            )
        self._settle_acknowledged()
        try:
            self.producer.flush(timeout=CLOSE_FLUSH_SECONDS)
        except Exception as exc:
            log.warning("stopping: crawl state not fully written (%s); those pages are emitted again", exc)
        self.producer.close(timeout=5)

    def _settle_acknowledged(self) -> None:
        """At shutdown the reactor no longer runs the acknowledgements: do it here, in order."""
        for key in sorted(self.unsettled):
            check, doc_id, state = self.unsettled[key]
            if not self._was_acknowledged(key):
                continue
            del self.unsettled[key]
            self.store.put(doc_id, state)
            self._send_quietly(state.to_message(self.settings.topic_crawl_state, doc_id))
            check.records += 1

    def _was_acknowledged(self, key: int) -> bool:
        future = self.futures.get(key)
        return future is not None and future.is_done and future.succeeded()
