"""Poison of every kind among good records, on both topics: dead-lettered with a reason, never a
crash, never a blocked partition; the good records after them all arrive."""

from __future__ import annotations

import json
import time

import pytest
from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType

from policyradar.kafka_io import read_topic
from tests.faults.harness import produce, produce_records
from tests.faults.records import oversized_record, poison_values, workload

pytestmark = pytest.mark.faults
RECORDS = 1000
BIG_MESSAGES = 8 * 1024 * 1024


def accept_big_messages(settings, topic: str) -> None:
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    try:
        admin.alter_configs(
            [
                ConfigResource(
                    ConfigResourceType.TOPIC, topic, configs={"max.message.bytes": str(BIG_MESSAGES)}
                )
            ]
        )
    finally:
        admin.close()


def test_poison_records_of_every_kind(scenario):
    settings = scenario.settings
    work = workload(RECORDS, prefix="poison")
    big = oversized_record()
    raw_poison = {f"raw-{kind}": value for kind, value in poison_values().items()}
    enriched_poison = {f"enriched-{kind}": value for kind, value in poison_values().items()}
    half = len(work.records) // 2
    produce_records(settings, work.records[:half])
    produce(settings, raw_poison.items())
    accept_big_messages(settings, settings.topic_raw)
    produce(settings, [(big.id, big.model_dump_json().encode())], max_bytes=BIG_MESSAGES)
    produce_records(settings, work.records[half:])
    produce(settings, enriched_poison.items(), topic=settings.topic_enriched)

    scenario.stages.start("process", "process")
    scenario.stages.start("index", "index")
    expected = work.with_extra(big)
    ledger = scenario.settle(
        expected, poison_keys={*raw_poison, *enriched_poison}, healed_at=time.monotonic()
    )
    scenario.stages.assert_alive("process", "index")
    assert ledger.dlq == 2 * len(poison_values())

    letters = {
        json.loads(r.value)["key"]: json.loads(r.value) for r in read_topic(settings, settings.topic_dlq)
    }
    assert "null record" in letters["raw-null-value"]["reason"]
    assert "nested too deeply" in letters["raw-deeply-nested"]["reason"]
    assert "schema_version" in letters["raw-wrong-schema-version"]["reason"]
    assert all(letter["reason"] and letter["offset"] >= 0 for letter in letters.values())
    doc = scenario.engine.get_doc(settings.index_alias, big.id)["_source"]
    assert doc["text_truncated"] is True and len(doc["text"]) < len(big.text)
