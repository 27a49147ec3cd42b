"""``policyradar status --json`` on the real stack: lag per stage, the DLQ, the index, the exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from indexer.index_versions import ensure_index
from indexer.mapping import versioned_index
from indexer.run import IndexBatch
from indexer.writer import BulkWriter
from policyradar.kafka_io import consume, make_consumer, make_producer, read_topic, send_all
from policyradar.schemas import dump_record
from policyradar.settings import Settings
from processors.run import EnrichBatch
from tests.integration.conftest import make_raw

pytestmark = pytest.mark.integration


def isolated_environment(settings: Settings) -> dict[str, str]:
    """This process's environment with the test's own topics, groups and alias."""
    names = (
        "topic_raw",
        "topic_enriched",
        "topic_dlq",
        "topic_crawl_state",
        "topic_crawl_runs",
        "topic_source_health",
        "group_processor",
        "group_indexer",
        "index_alias",
    )
    return {**os.environ, **{f"POLICYRADAR_{name.upper()}": str(getattr(settings, name)) for name in names}}


def run_status(settings: Settings) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "launcher", "status", "--json"],
        env=isolated_environment(settings),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def process_until_idle(settings: Settings, producer) -> None:
    consumer = make_consumer(settings, settings.topic_raw, settings.group_processor)
    try:
        consume(consumer, EnrichBatch(producer, settings), until_idle=True, timeout_ms=500)
    finally:
        consumer.close()


def index_without_committing(settings: Settings, engine, producer) -> None:
    """Index the enriched records through the indexer's batch handler, outside its group (so the
    indexer group never commits and its lag is the whole topic)."""
    ensure_index(engine, settings.index_alias)
    writer = BulkWriter(engine, settings.index_alias, refresh="wait_for")
    IndexBatch(writer, producer, settings)(list(read_topic(settings, settings.topic_enriched)))


def test_status_reports_lag_the_fresh_dead_letter_and_the_index_and_exits_1(settings, engine):
    producer = make_producer(settings, client_id="test-status")
    try:
        first = [make_raw(n) for n in (1, 2, 3)]
        send_all(producer, [(settings.topic_raw, r.id, dump_record(r)) for r in first])
        send_all(producer, [(settings.topic_raw, "poison", b"\x00 not json at all")])
        process_until_idle(settings, producer)
        later = [make_raw(n) for n in (4, 5)]
        send_all(producer, [(settings.topic_raw, r.id, dump_record(r)) for r in later])
        index_without_committing(settings, engine, producer)
    finally:
        producer.close()

    result = run_status(settings)
    report = json.loads(result.stdout)

    assert result.returncode == 1, result.stderr
    dead_letter_problem = f"1 dead letter(s) written to {settings.topic_dlq} in the last 24 hours"
    assert report["problems"] == [dead_letter_problem] and report["ok"] is False
    assert f"policyradar status: {dead_letter_problem}" in result.stderr

    assert report["services"]["kafka"]["reachable"] and report["services"]["engine"]["reachable"]
    processor, indexer = report["lag"]["stages"]
    assert (processor["group"], processor["topic"]) == (settings.group_processor, settings.topic_raw)
    assert processor["total"] == 2  # the two records produced after the processor caught up
    assert sum(p["committed"] for p in processor["partitions"] if p["committed"] is not None) == 4
    assert (indexer["group"], indexer["topic"]) == (settings.group_indexer, settings.topic_enriched)
    assert indexer["total"] == 3 and all(p["committed"] is None for p in indexer["partitions"])

    dlq = report["dead_letters"]
    assert (dlq["total"], dlq["last_day"]) == (1, 1)
    [letter] = dlq["newest"]
    assert letter["stage"] == "processor" and letter["topic"] == settings.topic_raw
    assert "not valid JSON" in letter["reason"]

    assert report["index"] == {
        "alias": settings.index_alias,
        "documents": 3,
        "indices": [versioned_index(settings.index_alias)],
        "unavailable": None,
    }
    assert report["sources"]["unavailable"] is None and report["sources"]["flagged"] == []
    assert report["digests"] == {
        "alerts": 0,
        "upcoming": [],
        "last_sent": [],
        "failing": [],
        "unavailable": None,
    }


def test_the_digest_section_counts_alerts_and_reads_only_the_soonest_scheduled_ones(settings, engine):
    from indexer.alerts.model import Alert
    from indexer.alerts.store import AlertStore
    from launcher.status import digest_section, next_fire

    ensure_index(engine, settings.index_alias)
    store = AlertStore(engine, settings.index_alias)
    created = datetime.now(UTC) - timedelta(minutes=1)
    hourly = "0 * * * *"
    alerts = [Alert(name=f"h{n}", owner="u", q="算力", every=hourly, created_at=created) for n in range(12)]
    alerts += [
        Alert(name="daily", owner="u", q="算力", every="daily", at="03:00", created_at=created),
        Alert(name="instant", owner="u", q="算力", every="instant", created_at=created),
    ]
    for alert in alerts:
        store.save(alert)
    store.set_paused(alerts[0], True)
    now = datetime.now(UTC)
    # an instant alert waiting to retry a failed delivery has a due time too, before every other one
    store.update_fields([(alerts[-1].id, {"next_due": (now + timedelta(seconds=1)).isoformat()})])
    engine.refresh(store.names["alerts"])

    section = digest_section(engine, settings.index_alias, now)

    assert section.alerts == 14
    scheduled = [a for a in alerts[1:] if a.every != "instant"]  # not paused, not instant: 12
    soonest = sorted(scheduled, key=lambda a: (next_fire(a, now)[0], a.id))[:10]
    assert [digest["alert_id"] for digest in section.upcoming] == [a.id for a in soonest]
