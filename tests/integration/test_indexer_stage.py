"""The index stage on the real broker and engine: poison records go to the DLQ, good ones are
indexed and percolated, and nothing is committed before the engine acknowledged the batch."""

import json

import pytest

from indexer.alerts.model import Alert
from indexer.alerts.store import AlertStore, MatchRecorder
from indexer.index_versions import ensure_index
from indexer.run import IndexBatch
from indexer.writer import BulkWriter
from policyradar.kafka_io import consume, make_consumer, make_producer, read_topic, send_all
from policyradar.schemas import dump_record
from processors.enrich import enrich
from tests.integration.conftest import make_raw

pytestmark = pytest.mark.integration


def test_poison_records_are_dead_lettered_and_good_ones_indexed_and_matched(settings, engine):
    ensure_index(engine, settings.index_alias)
    AlertStore(engine, settings.index_alias).save(Alert(name="all-subsidies", owner="t", q="subsidies"))
    good = [enrich(make_raw(n)) for n in (1, 2)]
    producer = make_producer(settings, client_id="test")
    send_all(
        producer,
        [
            (settings.topic_enriched, good[0].id, dump_record(good[0])),
            (settings.topic_enriched, "broken", b'{"schema_version": 1, "id": "x"}'),
            (settings.topic_enriched, good[1].id, dump_record(good[1])),
        ],
    )
    writer = BulkWriter(engine, settings.index_alias, refresh="wait_for")
    handler = IndexBatch(writer, producer, settings, MatchRecorder(engine, settings.index_alias))
    consumer = make_consumer(settings, settings.topic_enriched, settings.group_indexer)
    try:
        assert consume(consumer, handler, until_idle=True, timeout_ms=500) == 3
    finally:
        consumer.close()
        producer.close()
    assert engine.count(settings.index_alias) == 2
    assert handler.recorder.take_in(everything=True) == 2  # the scheduler's part: sets become matches
    matches = engine.search(handler.recorder.names["matches"], {"query": {"match_all": {}}})["hits"]["hits"]
    assert sorted(hit["_source"]["doc_id"] for hit in matches) == sorted(r.id for r in good)
    letters = [json.loads(m.value) for m in read_topic(settings, settings.topic_dlq)]
    assert [(letter["stage"], letter["key"]) for letter in letters] == [("indexer", "broken")]
    assert "invalid enriched record" in letters[0]["reason"]
