"""Indices made by an older version gain the fields declared since, so new records still fit (and, for the
folded copies of Traditional text of mapping version 2, are found by them)."""

from __future__ import annotations

import copy

import pytest

from indexer.alerts.model import index_names
from indexer.alerts.store import MatchRecorder, ensure_alert_indices
from indexer.index_versions import ensure_index
from indexer.mapping import INDEX_BODY, document_from_record, versioned_index
from indexer.search import run_search
from indexer.writer import BulkDoc, BulkWriter, version_of
from policyradar.schemas import cap_text
from processors.enrich import enrich
from tests.integration.conftest import make_raw

pytestmark = pytest.mark.integration


def without_text_truncated(body: dict) -> dict:
    old = copy.deepcopy(body)
    old["mappings"]["properties"].pop("text_truncated")
    return old


def test_old_indices_gain_new_fields_and_accept_truncated_records(settings, engine):
    alias = settings.index_alias
    index = versioned_index(alias)
    engine.create_index(index, without_text_truncated(INDEX_BODY))
    engine.update_aliases([{"add": {"index": index, "alias": alias}}])
    ensure_alert_indices(engine, alias)  # the alert indices as they stand today
    alerts = index_names(alias)["alerts"]
    engine.delete_index(alerts)
    engine.create_index(
        alerts,
        {
            "mappings": {
                "dynamic": "strict",
                "properties": {
                    **without_text_truncated(INDEX_BODY)["mappings"]["properties"],
                    "query": {"type": "percolator"},
                    "alert_id": {"type": "keyword"},
                    "owner": {"type": "keyword"},
                    "alert": {"type": "object", "enabled": False},
                },
            }
        },
    )

    assert ensure_index(engine, alias) == index
    recorder = MatchRecorder(engine, alias)  # upgrades the alert indices on start
    record = enrich(cap_text(make_raw(1), max_chars=20))
    doc = BulkDoc(record.id, version_of(record.fetched_at), document_from_record(record))
    assert BulkWriter(engine, alias, refresh="wait_for").write([doc]) == []
    assert recorder.matching_alerts([doc.source]) == []
    stored = engine.get_doc(alias, record.id)["_source"]
    assert stored["text_truncated"] is True


def without_folded(body: dict) -> dict:
    """The announcement mapping of version 1, before the folded copies of Traditional text."""
    old = copy.deepcopy(body)
    old["mappings"]["properties"].pop("folded")
    return old


def test_a_version_1_index_gains_the_folded_fields_and_finds_traditional_text_in_simplified(settings, engine):
    alias = settings.index_alias
    index = versioned_index(alias, 1)
    engine.create_index(index, without_folded(INDEX_BODY))
    engine.update_aliases([{"add": {"index": index, "alias": alias}}])
    old = enrich(make_raw(1, language="zh", title="算力補貼通知", text="資助本地企業使用算力。"))
    old_doc = {key: value for key, value in document_from_record(old).items() if key != "folded"}
    assert (
        BulkWriter(engine, alias, refresh="wait_for").write(
            [BulkDoc(old.id, version_of(old.fetched_at), old_doc)]
        )
        == []
    )

    # Kept: the version 1 index, upgraded in place (its strict mapping would refuse ``folded`` otherwise).
    assert ensure_index(engine, alias) == index
    new = enrich(
        make_raw(2, language="zh", title="人工智能資助計劃", text="資助本地大學使用超算中心的算力。")
    )
    doc = document_from_record(new)
    assert doc["folded"]["title"] == "人工智能资助计划"
    assert (
        BulkWriter(engine, alias, refresh="wait_for").write(
            [BulkDoc(new.id, version_of(new.fetched_at), doc)]
        )
        == []
    )

    assert [hit["id"] for hit in run_search(engine, alias, "人工智能资助计划")["hits"]] == [new.id]
    # A document indexed before folding is still found by the text as written.
    assert [hit["id"] for hit in run_search(engine, alias, "算力補貼")["hits"]] == [old.id]
