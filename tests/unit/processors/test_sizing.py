"""An enriched record always fits one Kafka message: a long text is cut, never the whole record lost."""

from datetime import UTC, datetime

from policyradar.schemas import EnrichedRecord, Entities, Money
from processors.enrich import serialise_within


def record_with(text: str, amounts: int) -> EnrichedRecord:
    money = [
        Money(text="100万元", start=7 + 10 * i, end=12 + 10 * i, value=1e6, currency="CNY", is_subsidy=True)
        for i in range(amounts)
    ]
    return EnrichedRecord(
        id="0123456789abcdef",
        url="http://127.0.0.1/x.html",
        source_id="demo",
        source_kind="government",
        jurisdiction="CN",
        language="zh",
        title="通知",
        fetched_at=datetime(2024, 3, 5, tzinfo=UTC),
        text=text,
        content_hash="abc",
        detected_language="zh",
        entities=Entities(money=money),
        extractor_version="test",
    )


def test_a_record_that_fits_is_kept_whole():
    record = record_with("补贴100万元。" * 10, amounts=3)
    value = serialise_within(record, 1_000_000)
    assert EnrichedRecord.model_validate_json(value) == record


def test_an_oversized_record_is_cut_to_fit_with_its_flag_and_only_entities_inside_the_cut():
    record = record_with("补贴100万元，" * 200_000, amounts=5_000)
    value = serialise_within(record, 1_000_000)
    assert value is not None and len(value) <= 1_000_000
    cut = EnrichedRecord.model_validate_json(value)
    assert cut.text_truncated and record.text.startswith(cut.text) and len(cut.text) < len(record.text)
    limit = len(cut.title) + 2 + len(cut.text)
    assert cut.entities.money and all(m.end <= limit for m in cut.entities.money)


def test_a_limit_nothing_can_meet_gives_none():
    assert serialise_within(record_with("补贴", amounts=0), 10) is None
