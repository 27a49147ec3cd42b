"""Versions and amendments on the real broker and engine: a page fetched again with new content keeps
both versions with the diff between them, a replay writes nothing twice, reprocessing writes no
versions, a notice that repeals another is linked to it, and the API lists a document's versions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from indexer.api import create_app
from indexer.index_versions import create_next_version
from indexer.run import _index_batch
from indexer.versions.store import versions_index
from policyradar.kafka_io import consume, make_consumer, make_producer, send_all
from policyradar.schemas import EnrichedRecord, Entities, Issuer, Money, Place, PolicyFacts, dump_record
from tests.fixtures.app_server import serve_app
from tests.integration.conftest import make_raw

pytestmark = pytest.mark.integration
FIRST_FETCH = datetime(2024, 5, 1, 2, 0, tzinfo=UTC)
TITLE = "关于开展2024年算力补贴申报工作的通知"


def notice(
    cap: str, value: float, deadline: date, *, n: int = 1, later: int = 0, **changes
) -> EnrichedRecord:
    """A Chinese call for applications whose subsidy cap and deadline are given; ``later`` days after
    the first fetch. Offsets of the money and place index into title + blank line + text."""
    text = changes.pop("text", None) or (
        f"北京市对符合条件的企业给予最高{cap}补贴。申报截止时间为{deadline.month}月{deadline.day}日。"
    )
    raw = make_raw(n, language="zh", title=changes.pop("title", TITLE), text=text)
    offset = len(raw.title) + 2
    at = offset + text.index(cap)
    money = Money(
        text=cap,
        start=at,
        end=at + len(cap),
        value=value,
        currency="CNY",
        value_cny=value,
        is_subsidy=True,
        qualifier="max",
    )
    place = Place(
        text="北京市",
        start=offset,
        end=offset + 3,
        canonical="Beijing",
        level="municipality",
        province="Beijing",
    )
    facts = PolicyFacts(
        doc_type="notice",
        issuers=[Issuer(text="北京市经济和信息化局", start=0, end=10, canonical="Beijing Economy Bureau")],
        deadline=deadline,
        **changes.pop("facts", {}),
    )
    fields = raw.model_dump(exclude={"schema_version"})
    fields["fetched_at"] = FIRST_FETCH + timedelta(days=later)
    return EnrichedRecord(
        **fields,
        detected_language="zh",
        entities=Entities(money=[money], places=[place]),
        facts=facts,
        extractor_version="test",
    )


V1 = notice("5000万元", 5e7, date(2024, 5, 31))
V2 = notice("1亿元", 1e8, date(2024, 6, 15), later=3)
# A notice and the one that repeals it by its document number.
REPEALED = notice(
    "300万元",
    3e6,
    date(2022, 6, 30),
    n=2,
    title="北京市算力补贴暂行办法",
    facts={"doc_number": "京经信发〔2022〕5号"},
)
REPEALING = notice(
    "1亿元",
    1e8,
    date(2024, 6, 30),
    n=3,
    title="北京市算力补贴办法",
    text="北京市对符合条件的企业给予最高1亿元补贴。京经信发〔2022〕5号同时废止。",
)


def index_through_kafka(settings, engine, records, *, group: str | None = None, into: str | None = None):
    """Send ``records`` to the enriched topic and run the index stage's handler over it until idle."""
    producer = make_producer(settings, client_id="test")
    try:
        send_all(producer, [(settings.topic_enriched, r.id, dump_record(r)) for r in records])
        handler = _index_batch(engine, producer, settings, into=into)
        consumer = make_consumer(settings, settings.topic_enriched, group or settings.group_indexer)
        try:
            consume(consumer, handler, until_idle=True, timeout_ms=500)
        finally:
            consumer.close()
    finally:
        producer.close()


def stored_versions(engine, settings) -> list[dict]:
    index = versions_index(settings.index_alias)
    engine.refresh(index)
    body = {"query": {"match_all": {}}, "sort": [{"fetched_at": "asc"}], "size": 100}
    return [hit["_source"] for hit in engine.search(index, body)["hits"]["hits"]]


def test_a_changed_page_keeps_both_versions_with_the_diff_between_them(settings, engine):
    index_through_kafka(settings, engine, [V1])
    assert stored_versions(engine, settings) == []  # one version so far: the live document is it
    index_through_kafka(settings, engine, [V2])
    first, second = stored_versions(engine, settings)
    assert (first["content_hash"], first["diff"], first["previous"]) == (V1.content_hash, None, None)
    assert first["facts"]["deadline"] == "2024-05-31" and first["text"] == V1.text
    assert second["version_id"] == f"{V2.id}:{V2.content_hash[:16]}"
    assert second["previous"] == first["version_id"]
    assert second["diff"]["summary"] == [
        "deadline moved from 2024-05-31 to 2024-06-15",
        "subsidy cap raised from 50,000,000 CNY to 100,000,000 CNY",
    ]
    assert sorted(second["changed"]) == ["deadline", "money"]
    assert "-北京市对符合条件的企业给予最高5000万元补贴。" in second["diff"]["text"].splitlines()
    live = engine.get_doc(settings.index_alias, V1.id)["_source"]
    assert (live["content_hash"], live["version_count"]) == (V2.content_hash, 2)


def test_versions_in_one_batch_and_a_replay_of_everything_are_stored_once(settings, engine):
    v3 = notice("1亿元", 1e8, date(2024, 6, 30), later=5)
    index_through_kafka(settings, engine, [V1, V2, v3])
    stored = stored_versions(engine, settings)
    assert [v["content_hash"] for v in stored] == [V1.content_hash, V2.content_hash, v3.content_hash]
    assert stored[2]["diff"]["summary"] == ["deadline moved from 2024-06-15 to 2024-06-30"]
    index_through_kafka(settings, engine, [], group=f"{settings.group_indexer}-replay")  # the topic again
    index_through_kafka(settings, engine, [V2, V1])  # old versions sent again, out of order
    assert stored_versions(engine, settings) == stored
    live = engine.get_doc(settings.index_alias, V1.id)["_source"]
    assert (live["content_hash"], live["version_count"]) == (v3.content_hash, 3)


def test_the_same_content_fetched_again_is_no_new_version(settings, engine):
    refetched = V1.model_copy(update={"fetched_at": FIRST_FETCH + timedelta(days=1)})
    index_through_kafka(settings, engine, [V1, refetched])
    index_through_kafka(settings, engine, [refetched])
    assert stored_versions(engine, settings) == []
    assert engine.get_doc(settings.index_alias, V1.id)["_source"]["version_count"] == 1


def test_reprocessing_into_a_named_index_keeps_no_versions(settings, engine):
    index_through_kafka(settings, engine, [V1])
    target = create_next_version(engine, settings.index_alias)
    index_through_kafka(settings, engine, [V2], into=target)
    assert stored_versions(engine, settings) == []
    assert engine.get_doc(target, V2.id)["_source"]["content_hash"] == V2.content_hash


def test_reprocessing_keeps_the_version_count_and_the_revision_links_of_the_live_index(settings, engine):
    repealed, repealing = REPEALED, REPEALING
    index_through_kafka(settings, engine, [V1, repealed])
    index_through_kafka(settings, engine, [V2, repealing])
    engine.refresh(versions_index(settings.index_alias))
    target = create_next_version(engine, settings.index_alias)
    index_through_kafka(settings, engine, [V2, repealed, repealing], group="reprocess", into=target)
    assert engine.get_doc(target, V2.id)["_source"]["version_count"] == 2
    assert engine.get_doc(target, repealed.id)["_source"]["version_count"] == 1
    assert engine.get_doc(target, repealing.id)["_source"]["revises"] == [repealed.id]


def test_a_notice_that_repeals_another_is_linked_to_it_by_number_or_title(settings, engine):
    old = REPEALED
    other = notice("300万元", 3e6, date(2022, 6, 30), n=3, title="北京市数据要素补贴实施细则")
    text = (
        "北京市对符合条件的企业给予最高1亿元补贴。本办法自2024年7月1日起施行，"
        "《北京市算力补贴暂行办法》（京经信发〔2022〕5号）同时废止。"
    )
    new = notice("1亿元", 1e8, date(2024, 6, 30), n=4, text=text, facts={"doc_number": "京经信发〔2024〕9号"})
    by_title = notice(
        "1亿元",
        1e8,
        date(2024, 6, 30),
        n=5,
        text="北京市给予最高1亿元补贴。原《北京市数据要素补贴实施细则》不再执行。",
    )
    index_through_kafka(settings, engine, [old, other])
    index_through_kafka(settings, engine, [new, by_title])
    assert engine.get_doc(settings.index_alias, new.id)["_source"]["revises"] == [old.id]
    assert engine.get_doc(settings.index_alias, by_title.id)["_source"]["revises"] == [other.id]
    assert "revises" not in engine.get_doc(settings.index_alias, old.id)["_source"]


def test_the_api_lists_versions_newest_first_and_answers_404_for_an_unknown_id(settings, engine):
    unchanged = notice("200万元", 2e6, date(2024, 7, 1), n=6)
    index_through_kafka(settings, engine, [V1, unchanged])
    index_through_kafka(settings, engine, [V2])
    with serve_app(create_app(settings, engine)) as base, httpx.Client(base_url=base, timeout=30) as client:
        check_versions_api(client, unchanged)


def check_versions_api(client: httpx.Client, unchanged: EnrichedRecord) -> None:
    body = client.get(f"/api/documents/{V1.id}/versions").json()
    assert (body["id"], body["count"]) == (V1.id, 2)
    newest, oldest = body["versions"]
    assert (newest["content_hash"], oldest["content_hash"]) == (V2.content_hash, V1.content_hash)
    assert newest["diff"]["summary"][0] == "deadline moved from 2024-05-31 to 2024-06-15"
    assert oldest["diff"] is None and newest["text"] is None
    with_text = client.get(f"/api/documents/{V1.id}/versions", params={"text": "true"}).json()
    assert with_text["versions"][0]["text"] == V2.text
    single = client.get(f"/api/documents/{unchanged.id}/versions").json()
    assert single["count"] == 1 and single["versions"][0]["content_hash"] == unchanged.content_hash
    missing = client.get("/api/documents/no-such-document/versions")
    assert missing.status_code == 404 and "no-such-document" in missing.json()["detail"]
    assert "/api/documents/{doc_id}/versions" in client.get("/openapi.json").json()["paths"]
