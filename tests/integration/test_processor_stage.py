"""The process stage on the real broker: enriched output, poison records to the DLQ, no blocking."""

import json

import pytest

from policyradar.kafka_io import consume, make_consumer, make_producer, read_topic, send_all
from policyradar.schemas import EnrichedRecord, dump_record, parse_record
from processors.run import EnrichBatch
from tests.integration.conftest import make_raw

pytestmark = pytest.mark.integration


def test_good_records_are_enriched_and_poison_records_dead_lettered(settings):
    producer = make_producer(settings, client_id="test")
    good = [
        make_raw(1),
        make_raw(
            2,
            language="zh",
            title="关于算力补贴的通知",
            text="上海市对华为给予最高500万元奖励，按合同金额的30%给予补贴。",
        ),
    ]
    send_all(
        producer,
        [
            (settings.topic_raw, good[0].id, dump_record(good[0])),
            (settings.topic_raw, "poison-1", b"\x00 this is not json"),
            (settings.topic_raw, "poison-2", json.dumps({"id": "short"}).encode()),
            (settings.topic_raw, good[1].id, dump_record(good[1])),
        ],
    )

    handler = EnrichBatch(producer, settings)
    consumer = make_consumer(settings, settings.topic_raw, settings.group_processor)
    try:
        assert consume(consumer, handler, until_idle=True, timeout_ms=500) == 4
    finally:
        consumer.close()
        producer.close()

    enriched = [parse_record(EnrichedRecord, m.value) for m in read_topic(settings, settings.topic_enriched)]
    by_id = {r.id: r for r in enriched}
    assert set(by_id) == {good[0].id, good[1].id}
    zh = by_id[good[1].id].entities
    assert [(m.value, m.currency, m.is_subsidy, m.qualifier) for m in zh.money] == [
        (5_000_000, "CNY", True, "max")
    ]
    assert [p.value for p in zh.percent] == [30]
    assert [c.canonical for c in zh.companies] == ["Huawei"]

    letters = [json.loads(m.value) for m in read_topic(settings, settings.topic_dlq)]
    assert sorted(letter["key"] for letter in letters) == ["poison-1", "poison-2"]
    assert all(letter["stage"] == "processor" and letter["offset"] >= 0 for letter in letters)
    assert any("not valid JSON" in letter["reason"] for letter in letters)
    assert any("field 'id'" in letter["reason"] or "field 'url'" in letter["reason"] for letter in letters)
