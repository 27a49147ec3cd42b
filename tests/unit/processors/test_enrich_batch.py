"""The process stage's batch handler with a fake producer: good records come out enriched, every kind
of poison becomes a dead letter that says why, and nothing is left without an answer."""

from __future__ import annotations

import json

import pytest

from policyradar.settings import Settings
from processors.run import EnrichBatch
from tests.unit.kafka_fakes import FakeProducer, consumer_record

SETTINGS = Settings(_env_file=None, nlp_profile="rules")
ENRICHED, DLQ = SETTINGS.topic_enriched, SETTINGS.topic_dlq


def raw(record_id: str = "rec-00000001", **fields) -> dict:
    return {
        "id": record_id,
        "url": f"https://example.gov.cn/{record_id}.html",
        "source_id": "demo",
        "source_kind": "government",
        "jurisdiction": "CN-BJ",
        "language": "zh",
        "title": "北京市人工智能补贴",
        "fetched_at": "2024-03-05T02:00:00Z",
        "text": "北京市对百度公司给予最高500万元补贴。",
        "content_hash": "abc",
        **fields,
    }


def run(*values: bytes | None, settings: Settings = SETTINGS) -> tuple[EnrichBatch, FakeProducer]:
    producer = FakeProducer()
    handler = EnrichBatch(producer, settings)
    handler([consumer_record(value, topic="raw", offset=i) for i, value in enumerate(values)])
    return handler, producer


def encoded(record: dict) -> bytes:
    return json.dumps(record, ensure_ascii=False).encode()


def test_a_good_record_comes_out_enriched_under_its_id():
    handler, producer = run(encoded(raw()))
    [enriched] = producer.on(ENRICHED)
    assert producer.keys(ENRICHED) == ["rec-00000001"]
    assert (enriched["detected_language"], enriched["topics"]) == ("zh", ["subsidy"])
    assert [(m["text"], m["value_cny"], m["is_subsidy"]) for m in enriched["entities"]["money"]] == [
        ("500万元", 5_000_000.0, True)
    ]
    assert [c["canonical"] for c in enriched["entities"]["companies"]] == ["Baidu"]
    assert [p["canonical"] for p in enriched["entities"]["places"]] == ["Beijing", "Beijing"]
    assert (handler.dead_letters, producer.on(DLQ), producer.flushes) == (0, [], 1)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "invalid raw record: empty value (a null record, e.g. a tombstone), not a record"),
        (
            b"{not json",
            "invalid raw record: not valid JSON: Expecting property name enclosed in double quotes",
        ),
        (b"\xff\xfe\x00", "invalid raw record: not valid JSON: "),
        (b"[" * 100_000 + b"]" * 100_000, "invalid raw record: JSON nested too deeply to parse"),
        (b"[1, 2]", "invalid raw record: expected a JSON object, got list"),
        (encoded(raw(id="short")), "invalid raw record: RawRecord field 'id': String should have at least 8"),
        (
            encoded(raw(source_kind="blog")),
            "invalid raw record: RawRecord field 'source_kind': Input should be",
        ),
        (
            encoded(raw(extra=1)),
            "invalid raw record: RawRecord field 'extra': Extra inputs are not permitted",
        ),
    ],
    ids=[
        "null",
        "invalid-json",
        "not-utf8",
        "deeply-nested",
        "not-an-object",
        "short-id",
        "bad-kind",
        "extra",
    ],
)
def test_poison_becomes_a_dead_letter_that_says_why(value, reason):
    handler, producer = run(encoded(raw("rec-00000001")), value, encoded(raw("rec-00000003")))
    assert producer.keys(ENRICHED) == ["rec-00000001", "rec-00000003"]
    [letter] = producer.on(DLQ)
    assert letter["reason"].startswith(reason)
    assert (letter["stage"], letter["topic"], letter["partition"], letter["offset"]) == (
        "processor",
        "raw",
        0,
        1,
    )
    assert letter["value_is_null"] is (value is None)
    assert letter["value_bytes"] == len(value or b"")
    assert handler.dead_letters == 1


def test_dead_letters_count_across_batches():
    producer = FakeProducer()
    handler = EnrichBatch(producer, SETTINGS)
    handler([consumer_record(None), consumer_record(b"x", offset=1)])
    handler([consumer_record(b"[]", offset=2)])
    assert handler.dead_letters == 3
    assert [letter["offset"] for letter in producer.on(DLQ)] == [0, 1, 2]


def test_an_overlong_text_is_cut_to_the_configured_length_and_marked():
    settings = Settings(_env_file=None, nlp_profile="rules", max_text_chars=10)
    _, producer = run(encoded(raw(text="北京市对百度公司给予最高500万元补贴。")), settings=settings)
    [enriched] = producer.on(ENRICHED)
    assert (enriched["text"], enriched["text_truncated"]) == ("北京市对百度公司给予", True)
    assert enriched["entities"]["money"] == []


def test_a_record_that_cannot_fit_a_message_even_cut_short_is_dead_lettered():
    settings = Settings(_env_file=None, nlp_profile="rules", kafka_max_message_bytes=4096 + 200)
    handler, producer = run(encoded(raw()), settings=settings)
    assert producer.on(ENRICHED) == []
    [letter] = producer.on(DLQ)
    assert letter["reason"] == "enriched record does not fit the 200-byte message limit even cut short"
    assert handler.dead_letters == 1
