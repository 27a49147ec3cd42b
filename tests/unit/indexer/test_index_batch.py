"""The index stage's batch handler with a fake writer, recorder and producer: good records are written
(the latest version of each), poison and engine refusals become dead letters, and an engine outage
propagates so the stage waits instead of dead-lettering."""

from __future__ import annotations

import json

import pytest

from indexer.engine import EngineUnavailable
from indexer.run import IndexBatch
from indexer.writer import BulkDoc, Rejected
from policyradar.settings import Settings
from tests.unit.kafka_fakes import FakeProducer, consumer_record

SETTINGS = Settings(_env_file=None)
DLQ = SETTINGS.topic_dlq


class FakeWriter:
    """Keeps the documents of each write; refuses the ids in ``refuse``; raises ``error`` if given."""

    def __init__(self, refuse: dict[str, tuple[int, str]] | None = None, error: Exception | None = None):
        self.refuse = refuse or {}
        self.error = error
        self.writes: list[list[BulkDoc]] = []
        self.superseded: set[str] = set()

    def write(self, docs: list[BulkDoc]) -> list[Rejected]:
        self.writes.append(list(docs))
        if self.error is not None:
            raise self.error
        return [Rejected(d.id, *self.refuse[d.id]) for d in docs if d.id in self.refuse]


class FakeRecorder:
    def __init__(self) -> None:
        self.percolated: list[list[str]] = []

    def percolate(self, docs: list[dict]) -> int:
        self.percolated.append([d["id"] for d in docs])
        return len(docs)


def enriched(record_id: str, fetched_at: str = "2024-03-05T02:00:00Z", **fields) -> bytes:
    record = {
        "id": record_id,
        "url": f"https://example.gov.cn/{record_id}.html",
        "source_id": "demo",
        "source_kind": "government",
        "jurisdiction": "CN-BJ",
        "language": "zh",
        "title": "通知",
        "fetched_at": fetched_at,
        "text": "北京市给予100万元补贴。",
        "content_hash": "abc",
        "detected_language": "zh",
        "entities": {
            "money": [
                {
                    "text": "100万元",
                    "start": 11,
                    "end": 16,
                    "value": 1e6,
                    "currency": "CNY",
                    "is_subsidy": True,
                    "value_cny": 1e6,
                }
            ],
            "places": [
                {
                    "text": "北京市",
                    "start": 4,
                    "end": 7,
                    "canonical": "Beijing",
                    "level": "municipality",
                    "province": "Beijing",
                }
            ],
        },
        "topics": ["subsidy"],
        "extractor_version": "test",
        **fields,
    }
    return json.dumps(record, ensure_ascii=False).encode()


def handle(*values: bytes | None, writer: FakeWriter | None = None):
    writer, recorder, producer = writer or FakeWriter(), FakeRecorder(), FakeProducer()
    handler = IndexBatch(writer, producer, SETTINGS, recorder)
    handler([consumer_record(value, topic="enriched", offset=i) for i, value in enumerate(values)])
    return handler, writer, recorder, producer


def test_good_records_are_written_as_documents_with_their_fetch_time_as_version():
    handler, writer, recorder, producer = handle(enriched("doc-00000001"), enriched("doc-00000002"))
    [docs] = writer.writes
    assert [(d.id, d.version) for d in docs] == [
        ("doc-00000001", 1709604000000),
        ("doc-00000002", 1709604000000),
    ]
    source = docs[0].source
    assert (source["place_names"], source["provinces"], source["max_subsidy_cny"]) == (
        ["Beijing"],
        ["Beijing"],
        1e6,
    )
    assert "schema_version" not in source
    assert recorder.percolated == [["doc-00000001", "doc-00000002"]]
    assert (producer.sent, handler.dead_letters) == ([], 0)


def test_the_latest_version_of_a_record_in_one_batch_wins():
    _, writer, _, _ = handle(
        enriched("doc-00000001", "2024-03-05T02:00:00Z", title="old"),
        enriched("doc-00000001", "2024-03-06T02:00:00Z", title="new"),
    )
    [docs] = writer.writes
    assert [(d.id, d.version, d.source["title"]) for d in docs] == [("doc-00000001", 1709690400000, "new")]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "invalid enriched record: empty value (a null record, e.g. a tombstone), not a record"),
        (b"{,}", "invalid enriched record: not valid JSON: "),
        (b"[" * 100_000 + b"]" * 100_000, "invalid enriched record: JSON nested too deeply to parse"),
        (b'"a string"', "invalid enriched record: expected a JSON object, got str"),
        (
            enriched("doc-00000009", entities=None),
            "invalid enriched record: EnrichedRecord field 'entities': ",
        ),
        (
            enriched("doc-00000009", schema_version=2),
            "invalid enriched record: EnrichedRecord field 'schema_version'",
        ),
    ],
    ids=["null", "invalid-json", "deeply-nested", "not-an-object", "no-entities", "newer-schema"],
)
def test_poison_becomes_a_dead_letter_and_the_rest_is_written(value, reason):
    handler, writer, recorder, producer = handle(enriched("doc-00000001"), value)
    assert [d.id for d in writer.writes[0]] == ["doc-00000001"]
    assert recorder.percolated == [["doc-00000001"]]
    [letter] = producer.on(DLQ)
    assert letter["reason"].startswith(reason)
    assert (letter["stage"], letter["topic"], letter["offset"], letter["value_is_null"]) == (
        "indexer",
        "enriched",
        1,
        value is None,
    )
    assert handler.dead_letters == 1


def test_a_document_the_engine_refuses_is_dead_lettered_and_not_percolated():
    writer = FakeWriter(refuse={"doc-00000002": (400, "mapper_parsing_exception: failed to parse [topics]")})
    handler, _, recorder, producer = handle(enriched("doc-00000001"), enriched("doc-00000002"), writer=writer)
    [letter] = producer.on(DLQ)
    assert letter["reason"] == "engine refused it (400): mapper_parsing_exception: failed to parse [topics]"
    assert (letter["offset"], producer.keys(DLQ)) == (1, ["enriched-0-1"])
    assert recorder.percolated == [["doc-00000001"]]
    assert handler.dead_letters == 1


def test_an_engine_outage_propagates_and_nothing_is_dead_lettered_or_percolated():
    outage = EngineUnavailable("opensearch: ConnectionError(refused)", None)
    producer, recorder = FakeProducer(), FakeRecorder()
    handler = IndexBatch(FakeWriter(error=outage), producer, SETTINGS, recorder)
    with pytest.raises(EngineUnavailable) as caught:
        handler(
            [consumer_record(enriched("doc-00000001"), topic="enriched"), consumer_record(None, offset=1)]
        )
    assert caught.value is outage
    assert (producer.sent, recorder.percolated, handler.dead_letters) == ([], [], 0)


def test_without_a_recorder_no_matches_are_recorded():
    producer, writer = FakeProducer(), FakeWriter()
    IndexBatch(writer, producer, SETTINGS)([consumer_record(enriched("doc-00000001"))])
    assert [d.id for d in writer.writes[0]] == ["doc-00000001"]
    assert producer.sent == []
