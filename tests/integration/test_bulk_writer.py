"""Bulk upserts on the real OpenSearch node: idempotent by id, newest version wins, bad docs refused."""

from datetime import timedelta

import pytest

from indexer.index_versions import ensure_index
from indexer.mapping import document_from_record
from indexer.writer import BulkDoc, BulkWriter, version_of
from processors.enrich import enrich
from tests.integration.conftest import make_raw

pytestmark = pytest.mark.integration


def bulk_doc(record):
    return BulkDoc(record.id, version_of(record.fetched_at), document_from_record(record))


def test_same_record_twice_is_one_document(settings, engine):
    ensure_index(engine, settings.index_alias)
    writer = BulkWriter(engine, settings.index_alias, refresh="wait_for")
    record = enrich(make_raw(7))
    assert writer.write([bulk_doc(record)]) == []
    assert writer.write([bulk_doc(record)]) == []
    assert engine.count(settings.index_alias) == 1


def test_an_older_version_replayed_late_does_not_overwrite_a_newer_one(settings, engine):
    ensure_index(engine, settings.index_alias)
    writer = BulkWriter(engine, settings.index_alias, refresh="wait_for")
    new = enrich(make_raw(8, title="Revised notice"))
    old = new.model_copy(
        update={"title": "Original notice", "fetched_at": new.fetched_at - timedelta(days=1)}
    )
    writer.write([bulk_doc(new)])
    writer.write([bulk_doc(old)])
    hits = engine.search(settings.index_alias, {"query": {"ids": {"values": [new.id]}}})["hits"]["hits"]
    assert [h["_source"]["title"] for h in hits] == ["Revised notice"]


def test_a_document_the_mapping_refuses_is_returned_not_retried_forever(settings, engine):
    ensure_index(engine, settings.index_alias)
    writer = BulkWriter(engine, settings.index_alias, refresh="wait_for", sleep=lambda _s: None)
    good = enrich(make_raw(9))
    bad = bulk_doc(enrich(make_raw(10)))
    bad.source["published_at"] = "not a date"
    rejected = writer.write([bulk_doc(good), bad])
    assert [(r.id, r.status) for r in rejected] == [(bad.id, 400)]
    assert "published_at" in rejected[0].reason
    assert engine.count(settings.index_alias) == 1
