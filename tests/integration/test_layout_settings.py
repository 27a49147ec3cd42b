"""Partitions, replication and shards are settings used by the code that creates topics and indices."""

from __future__ import annotations

import time

import pytest
from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType

from indexer.index_versions import ensure_index
from indexer.mapping import IndexLayout
from policyradar.kafka_io import ensure_topics
from policyradar.settings import Settings

pytestmark = pytest.mark.integration


def topic_config(settings: Settings, topic: str) -> dict[str, str]:
    """The configuration the topic was given (values that differ from the broker's defaults)."""
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    try:
        result = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    finally:
        admin.close()
    return {name: entry["value"] for name, entry in result["topic"][topic].items()}


def partitions_of(settings: Settings, topic: str) -> dict:
    """The topic's description once the controller has placed its partitions (they follow creation)."""
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    try:
        deadline = time.monotonic() + 20
        while True:
            described = admin.describe_topics([topic])[0]
            if described["partitions"] or time.monotonic() > deadline:
                return described
            time.sleep(0.2)
    finally:
        admin.close()


def test_topics_are_made_with_the_configured_partitions_and_min_insync_replicas(settings: Settings):
    layout = settings.model_copy(
        update={
            "topic_raw": f"{settings.topic_raw}-layout",
            "topic_partitions": 2,
            "topic_min_insync_replicas": 1,
        }
    )
    ensure_topics(layout)
    described = partitions_of(layout, layout.topic_raw)
    assert len(described["partitions"]) == 2
    assert all(len(p["replica_nodes"]) == layout.topic_replication_factor for p in described["partitions"])
    assert topic_config(layout, layout.topic_raw)["min.insync.replicas"] == "1"


def test_a_new_index_gets_the_configured_shards_and_an_existing_one_its_replicas(settings, engine):
    index = ensure_index(engine, settings.index_alias, layout=IndexLayout(shards=2, replicas=0))
    read = engine._raw_client.indices.get_settings(index=index)[index]["settings"]["index"]
    assert (read["number_of_shards"], read["number_of_replicas"]) == ("2", "0")
    assert ensure_index(engine, settings.index_alias, layout=IndexLayout(shards=5, replicas=1)) == index
    read = engine._raw_client.indices.get_settings(index=index)[index]["settings"]["index"]
    assert (read["number_of_shards"], read["number_of_replicas"]) == ("2", "1")
