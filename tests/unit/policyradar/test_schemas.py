import json
from datetime import UTC, datetime

import pytest

from policyradar.errors import SchemaError
from policyradar.schemas import RawRecord, cap_text, dump_record, parse_record


def raw(**overrides):
    base = {
        "id": "0123456789abcdef",
        "url": "http://127.0.0.1/x.html",
        "source_id": "demo",
        "source_kind": "government",
        "jurisdiction": "CN",
        "language": "zh",
        "title": "标题",
        "published_at": None,
        "fetched_at": datetime(2024, 3, 5, tzinfo=UTC).isoformat(),
        "text": "正文",
        "content_hash": "abc",
    }
    return {**base, **overrides}


def test_round_trip_keeps_every_field():
    record = RawRecord.model_validate(raw())
    assert parse_record(RawRecord, dump_record(record)) == record
    assert json.loads(dump_record(record))["schema_version"] == 1


def test_error_names_the_bad_field():
    with pytest.raises(SchemaError, match="source_kind"):
        parse_record(RawRecord, json.dumps(raw(source_kind="blog")))


def test_unknown_fields_and_wrong_schema_version_are_refused():
    with pytest.raises(SchemaError, match="surprise"):
        parse_record(RawRecord, json.dumps(raw(surprise=1)))
    with pytest.raises(SchemaError, match="schema_version"):
        parse_record(RawRecord, json.dumps(raw(schema_version=2)))


def test_bytes_that_are_not_json_are_a_schema_error():
    with pytest.raises(SchemaError, match="not valid JSON"):
        parse_record(RawRecord, b"\xff\xfe not json")


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (None, "null record"),
        (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "nested too deeply"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b"[1, 2]", "expected a JSON object"),
        (b'"just a string"', "expected a JSON object"),
        (b"\xff\xfe\x00garbage\x80", "not valid JSON"),
        (b"", "not valid JSON"),
    ],
)
def test_any_bytes_give_a_record_or_a_schema_error(payload, reason):
    with pytest.raises(SchemaError, match=reason):
        parse_record(RawRecord, payload)


def test_long_texts_are_cut_and_marked():
    record = RawRecord.model_validate(raw(text="一二三四五六七八九十"))
    cut = cap_text(record, 5)
    assert cut.text == record.text[:5] and cut.text_truncated
    assert cap_text(record, len(record.text)) is record
