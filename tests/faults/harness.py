"""The fault suite's harness: real stage processes, the records they move, and the ledger.

A scenario starts real ``policyradar`` processes on the local stack (topics, groups and alias of
its own), injects its fault, waits until the pipeline has caught up, and then counts: what was
produced, what the index holds (and in which version), what reached the dead-letter topic, which
alert matches were recorded, and what the digest delivered.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kafka import KafkaAdminClient, KafkaProducer
from kafka.errors import KafkaError

from indexer.alerts.match_sets import set_alerts
from indexer.alerts.model import Alert, index_names
from indexer.alerts.store import AlertStore, new_webhook_secret, search_pages
from indexer.engine import Engine, EngineError
from indexer.index_versions import ensure_index
from indexer.query import Conditions
from policyradar.kafka_io import read_topic
from policyradar.schemas import RawRecord, dump_record
from policyradar.settings import Settings
from tests.faults.records import WATCHED_SOURCE

ALERT_NAME = "watched-source"
# How long a scenario may take to catch up after its fault (generous: CI machines are slow).
SETTLE_SECONDS = 420


def wait_until(condition: Callable[[], bool], timeout: float, what: str, every: float = 0.5) -> float:
    """Poll ``condition`` until it holds; return the seconds it took; fail with ``what`` on timeout."""
    start = time.monotonic()
    while True:
        try:
            if condition():
                return time.monotonic() - start
        except (KafkaError, EngineError, OSError):
            pass  # the service being waited for may still be coming back
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


@dataclass
class Stages:
    """Stage processes started with the scenario's environment; logs kept for failure messages."""

    env: dict[str, str]
    logs: Path
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str, *args: str, extra_env: dict[str, str] | None = None) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - handed to the child process
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", "launcher", *args],
            env={**self.env, **(extra_env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        return self.procs[name]

    def kill(self, name: str) -> None:
        proc = self.procs[name]
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)

    def alive(self, name: str) -> bool:
        return self.procs[name].poll() is None

    def log(self, name: str, tail: int = 4000) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-tail:] if path.exists() else ""

    def assert_alive(self, *names: str) -> None:
        for name in names:
            assert self.alive(name), f"{name} exited (rc {self.procs[name].returncode}):\n{self.log(name)}"

    def stop_all(self) -> dict[str, int]:
        """SIGTERM every stage still running and return the exit codes."""
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        codes = {}
        for name, proc in self.procs.items():
            try:
                codes[name] = proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                codes[name] = proc.wait()
        return codes


def produce(
    settings: Settings,
    messages: Iterable[tuple[str, bytes | None]],
    *,
    topic: str | None = None,
    max_bytes: int = 1_048_576,
) -> int:
    """Produce ``(key, value)`` pairs (to the raw topic by default), waiting for every ack."""
    producer = KafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap, acks="all", linger_ms=20, max_request_size=max_bytes
    )
    try:
        futures = [
            producer.send(topic or settings.topic_raw, key=key.encode(), value=value)
            for key, value in messages
        ]
        producer.flush()
        for future in futures:
            future.get(timeout=60)
        return len(futures)
    finally:
        producer.close()


def produce_records(settings: Settings, records: Iterable[RawRecord]) -> int:
    return produce(settings, ((r.id, dump_record(r)) for r in records))


def committed_offsets(settings: Settings, group: str) -> int:
    """The sum of the offsets ``group`` has committed (0 before its first commit)."""
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    try:
        offsets = admin.list_group_offsets(group).get(group, {})
    except KafkaError:
        return 0
    finally:
        admin.close()
    return sum(meta.offset for meta in offsets.values() if meta.offset > 0)


def subscribe(engine: Engine, settings: Settings, webhook_url: str) -> Alert:
    """An instant alert on the watched source, delivered to ``webhook_url``."""
    ensure_index(engine, settings.index_alias)
    alert = Alert(
        name=ALERT_NAME,
        owner="fault-suite",
        conditions=Conditions(sources=[WATCHED_SOURCE]),
        every="instant",
        webhook_url=webhook_url,
        webhook_secret=new_webhook_secret(),
    )
    return AlertStore(engine, settings.index_alias).save(alert)


def indexed_versions(engine: Engine, alias: str) -> dict[str, str]:
    """id -> content_hash of every document behind ``alias`` (paged to the end)."""
    engine.refresh(alias)
    found: dict[str, str] = {}
    after = None
    while True:
        body = {"size": 1000, "sort": [{"id": "asc"}], "_source": ["id", "content_hash"]}
        if after:
            body["search_after"] = after
        hits = engine.search(alias, body)["hits"]["hits"]
        if not hits:
            return found
        for hit in hits:
            assert hit["_source"]["id"] not in found, f"{hit['_source']['id']} is indexed twice"
            found[hit["_source"]["id"]] = hit["_source"]["content_hash"]
        after = hits[-1]["sort"]


def recorded_matches(engine: Engine, settings: Settings, alert: Alert) -> list[str]:
    """Document ids of the matches recorded for ``alert`` (one entry per match document)."""
    index = index_names(settings.index_alias)["matches"]  # a name only: no index set-up per poll
    engine.refresh(index)
    body = {"query": {"term": {"alert_id": alert.id}}, "size": 10_000, "_source": ["doc_id"]}
    return [hit["_source"]["doc_id"] for hit in engine.search(index, body)["hits"]["hits"]]


def matched_docs(engine: Engine, settings: Settings, alert: Alert) -> set[str]:
    """Document ids ``alert`` matched: in match sets the indexer recorded and the scheduler has not
    taken in yet, or in match documents (sets are read first: one taken in meanwhile is in both)."""
    index = index_names(settings.index_alias)["match_sets"]
    engine.refresh(index)
    body = {"query": {"term": {"pending": True}}, "_source": ["doc_id", "match.alerts"]}
    pending = {
        hit["_source"]["doc_id"]
        for page in search_pages(engine, index, body, ["set_id"])
        for hit in page
        if alert.id in set_alerts(hit["_source"]["match"])
    }
    return pending | set(recorded_matches(engine, settings, alert))


def delivered_items(deliveries: list[tuple[dict[str, str], bytes]]) -> Counter:
    """How often each document reached the subscriber, counting a redelivered message id once
    (a webhook receiver deduplicates by ``webhook-id``, as the Standard Webhooks spec asks)."""
    seen: dict[str, list[str]] = {}
    for headers, body in deliveries:
        payload = json.loads(body)
        seen[headers["webhook-id"]] = [item["id"] for item in payload["items"]]
    return Counter(doc_id for items in seen.values() for doc_id in items)


def dlq_keys(settings: Settings) -> list[str]:
    return [json.loads(r.value)["key"] for r in read_topic(settings, settings.topic_dlq)]


@dataclass
class Ledger:
    scenario: str
    produced: int
    indexed: int
    lost: int
    duplicates: int
    stale: int
    dlq: int
    matches: int
    delivered: int
    recovery_seconds: float

    def line(self) -> str:
        return (
            f"{self.scenario:<34} produced {self.produced:>5}  indexed {self.indexed:>5}  "
            f"lost {self.lost}  duplicates {self.duplicates}  stale {self.stale}  DLQ {self.dlq:>2}  "
            f"matches {self.matches:>4}  delivered {self.delivered:>4}  "
            f"recovery {self.recovery_seconds:6.1f} s"
        )

    def row(self) -> str:
        return (
            f"| {self.scenario} | {self.produced} | {self.indexed} | {self.lost} | {self.duplicates} | "
            f"{self.dlq} | {self.matches} / {self.delivered} | {self.recovery_seconds:.1f} |"
        )


def environment(overrides: dict[str, str], **extra: str) -> dict[str, str]:
    return {**os.environ, **overrides, **extra}
