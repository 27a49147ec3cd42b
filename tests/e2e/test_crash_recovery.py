"""Killing a stage mid-stream loses nothing and duplicates nothing: SIGKILL the processor while it
works through a backlog, start it again, and every document ends up indexed exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from kafka import KafkaAdminClient
from kafka.errors import KafkaError

from indexer.engine import make_engine
from launcher.stack import stack_up
from policyradar.kafka_io import ensure_topics, make_producer, read_topic, send_all
from policyradar.schemas import dump_record
from policyradar.settings import Settings
from tests.fixtures.isolation import isolated_overrides, settings_with
from tests.integration.conftest import make_raw

pytestmark = pytest.mark.e2e
RECORDS = 300


def count_messages(settings: Settings, topic: str) -> int:
    return sum(1 for _ in read_topic(settings, topic))


def committed(settings: Settings) -> int:
    """Records the processor's consumer group has committed so far (0 before its first commit)."""
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    try:
        offsets = admin.list_group_offsets(settings.group_processor).get(settings.group_processor, {})
    except KafkaError:
        return 0  # on a fresh broker the group coordinator appears only once the group first joins
    finally:
        admin.close()
    return sum(meta.offset for meta in offsets.values() if meta.offset > 0)


def test_sigkill_during_processing_loses_and_duplicates_nothing():
    stack_up(Settings(), say=lambda _line: None)
    overrides = isolated_overrides("crash")
    settings = settings_with(overrides)
    env = {**os.environ, **overrides}
    ensure_topics(settings)
    body = " ".join(
        f"Clause {k}: Beijing offers up to {k} million yuan in subsidies to Huawei." for k in range(15)
    )
    records = [make_raw(n, text=body) for n in range(1, RECORDS + 1)]
    producer = make_producer(settings, client_id="test")
    send_all(producer, [(settings.topic_raw, r.id, dump_record(r)) for r in records])
    producer.close()

    # Small batches for the victim, so that it commits early and often before it is killed.
    victim = subprocess.Popen(
        [sys.executable, "-m", "launcher", "process"],
        env={**env, "POLICYRADAR_BATCH_SIZE": "10"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while committed(settings) < 30:
            assert time.monotonic() < deadline and victim.poll() is None, "the processor made no progress"
            time.sleep(0.2)
    finally:
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
    partial = count_messages(settings, settings.topic_enriched)
    assert partial < RECORDS, "the processor finished before it could be killed; make the backlog bigger"

    for stage in ("process", "index"):
        result = subprocess.run(
            [sys.executable, "-m", "launcher", stage, "--until-idle"],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-3000:]

    engine = make_engine(settings)
    try:
        engine.refresh(settings.index_alias)
        assert engine.count(settings.index_alias) == RECORDS
        found = engine.search(
            settings.index_alias, {"query": {"match_all": {}}, "size": RECORDS, "_source": ["id"]}
        )
        assert {hit["_source"]["id"] for hit in found["hits"]["hits"]} == {r.id for r in records}
        # At-least-once upstream: the killed batch may be enriched twice, never lost.
        assert count_messages(settings, settings.topic_enriched) >= RECORDS
        assert count_messages(settings, settings.topic_dlq) == 0
    finally:
        for index in engine.list_indices(f"{settings.index_alias}-*"):
            engine.delete_index(index)
        engine.close()
