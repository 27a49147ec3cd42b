"""Repost clusters on the real OpenSearch node: copies indexed in turn, by two indexers at the same
moment, replayed, amended, and into a named index as reprocess does."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from kafka.consumer.fetcher import ConsumerRecord

from indexer.clusters import assign as assign_module
from indexer.clusters.assign import RepostClusters, sketch_document
from indexer.clusters.key import cluster_key, set_cluster
from indexer.index_versions import create_next_version, ensure_index
from indexer.mapping import document_from_record
from indexer.query import SearchRequest, search_body
from indexer.run import IndexBatch
from indexer.writer import BulkDoc, BulkWriter, version_of
from policyradar.ids import content_hash, document_id
from policyradar.kafka_io import make_producer
from policyradar.schemas import EnrichedRecord, Entities, dump_record

pytestmark = pytest.mark.integration

NOTICE = """关于组织申报2024年度人工智能产业发展专项资金的通知
各区经信部门、有关企业：
为贯彻落实《杭州市人工智能产业发展若干措施》，现就组织申报2024年度市人工智能产业发展专项资金有关事项通知如下。
一、支持方向。对租用智能算力开展大模型训练的企业，按照实际费用的30%给予补贴，单个企业每年最高不超过500万元。
二、申报条件。申报企业应在本市注册，上一年度研发投入不低于1000万元，且近三年无重大违法记录。
三、申报材料。申报单位须提交申报书、算力租用合同、发票及支付凭证、审计报告等材料，并对真实性负责。
四、申报时间。申报截止时间为2024年5月31日，逾期不予受理。
五、联系方式。市经信局数字经济处，联系电话：0571-85251234。
杭州市经济和信息化局
2024年4月15日"""


def repost(site: str) -> str:
    title, body = NOTICE.split("\n", 1)
    header = (
        f"首页 > 信息公开 > {site}\n{title}\n来源：杭州市经济和信息化局 发布时间：2024-04-16 浏览次数：87"
    )
    return f"{header}\n{body}\n打印本页 关闭窗口"


def record(url: str, text: str, kind: str = "government", fetched: datetime | None = None) -> EnrichedRecord:
    title, body = text.split("\n", 1)
    return EnrichedRecord(
        id=document_id(url),
        url=url,
        source_id="test",
        source_kind=kind,
        jurisdiction="CN-Zhejiang",
        language="zh",
        title=title,
        published_at=datetime(2024, 4, 15),
        fetched_at=fetched or datetime.now(UTC),
        text=body,
        content_hash=content_hash(title, body),
        detected_language="zh",
        entities=Entities(),
        extractor_version="test",
    )


def message(rec: EnrichedRecord, offset: int = 0) -> ConsumerRecord:
    value = dump_record(rec)
    return ConsumerRecord("t", 0, 0, offset, 0, 0, rec.id.encode(), value, [], None, 0, len(value), 0)


@pytest.fixture
def producer(settings):
    producer = make_producer(settings, client_id="test-clusters")
    yield producer
    producer.close()


def indexer(engine, settings, producer, index: str | None = None) -> IndexBatch:
    target = index or settings.index_alias
    writer = BulkWriter(engine, target, refresh="wait_for")
    clusters = RepostClusters(engine, target, refresh="wait_for")  # as the indexer runs by default
    return IndexBatch(writer, producer, settings, clusters=clusters)


def stored(engine, index: str) -> dict[str, dict]:
    hits = engine.search(index, {"size": 100, "query": {"match_all": {}}})["hits"]["hits"]
    return {hit["_id"]: hit["_source"] for hit in hits}


def test_a_repost_indexed_later_joins_the_original_cluster_and_only_the_issuer_page_is_original(
    settings, engine, producer
):
    ensure_index(engine, settings.index_alias)
    original = record("https://jxj.hangzhou.gov.cn/art/1.html", NOTICE)
    copy = record("https://news.example.com/a/9.html", repost("转载"), kind="media")
    next_year = NOTICE.replace("2024", "2025").replace("5月31日", "6月30日")
    other_year = record("https://jxj.hangzhou.gov.cn/art/2.html", next_year)
    batch = indexer(engine, settings, producer)
    batch([message(original)])
    batch([message(copy), message(other_year, 1)])
    docs = stored(engine, settings.index_alias)
    assert docs[copy.id]["cluster_id"] == docs[original.id]["cluster_id"] == original.id
    assert docs[other_year.id]["cluster_id"] == other_year.id
    assert (docs[original.id]["is_original"], docs[copy.id]["is_original"]) == (True, False)
    assert len(docs[original.id]["lsh_bands"]) == 42


def test_two_indexers_writing_copies_at_the_same_moment_end_in_one_cluster(settings, engine, producer):
    ensure_index(engine, settings.index_alias)
    copies = [record(f"https://district{n}.example.gov.cn/art/1.html", repost(f"区{n}")) for n in (1, 2)]
    batches = [indexer(engine, settings, producer) for _ in copies]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(batch: IndexBatch, rec: EnrichedRecord) -> None:
        try:
            start.wait()
            batch([message(rec)])
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=pair) for pair in zip(batches, copies, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    engine.refresh(settings.index_alias)
    docs = stored(engine, settings.index_alias)
    assert {doc["cluster_id"] for doc in docs.values()} == {min(c.id for c in copies)}


def test_settle_merges_two_clusters_that_missed_each_other_into_the_smallest_id(settings, engine, producer):
    ensure_index(engine, settings.index_alias)
    copies = sorted(
        (record(f"https://site{n}.example.gov.cn/art/1.html", repost(f"站{n}")) for n in range(2)),
        key=lambda r: r.id,
    )
    # Two indexers that did not see each other: each document wrote itself as its own cluster.
    for rec in copies:
        clusters = RepostClusters(engine, settings.index_alias)
        writer = BulkWriter(engine, settings.index_alias, refresh="wait_for")
        doc = BulkDoc(rec.id, version_of(rec.fetched_at), document_from_record(rec))
        clusters.assign([doc])
        set_cluster(doc.source, rec.id)
        writer.write([doc])
    moved = RepostClusters(engine, settings.index_alias).settle([doc])
    engine.refresh(settings.index_alias)
    docs = stored(engine, settings.index_alias)
    assert moved == 1
    assert {d["cluster_id"] for d in docs.values()} == {copies[0].id}
    assert {d["cluster_key"] for d in docs.values()} == {cluster_key(copies[0].id)}


def without_write_time(doc: dict) -> dict:
    return {name: value for name, value in doc.items() if name != "indexed_at"}


def test_a_replayed_batch_changes_nothing_but_the_write_time(settings, engine, producer):
    ensure_index(engine, settings.index_alias)
    records = [record(f"https://site{n}.example.gov.cn/art/1.html", repost(f"站{n}")) for n in range(3)]
    batch = indexer(engine, settings, producer)
    batch([message(r, n) for n, r in enumerate(records)])
    engine.refresh(settings.index_alias)
    before = stored(engine, settings.index_alias)
    batch([message(r, n) for n, r in enumerate(records)])
    engine.refresh(settings.index_alias)
    after = stored(engine, settings.index_alias)
    assert all(after[i]["indexed_at"] > before[i]["indexed_at"] for i in before)  # rewritten, and only that
    assert {i: without_write_time(d) for i, d in after.items()} == {
        i: without_write_time(d) for i, d in before.items()
    }
    assert len({d["cluster_id"] for d in after.values()}) == 1


def test_an_amended_page_stays_in_its_cluster(settings, engine, producer):
    ensure_index(engine, settings.index_alias)
    url = "https://jxj.hangzhou.gov.cn/art/1.html"
    first = record(url, NOTICE, fetched=datetime.now(UTC) - timedelta(days=1))
    copy = record("https://site.example.gov.cn/art/1.html", repost("转载"))
    amended = record(url, NOTICE.replace("500万元", "1000万元").replace("5月31日", "6月15日"))
    batch = indexer(engine, settings, producer)
    batch([message(first)])
    batch([message(copy)])
    batch([message(amended)])
    docs = stored(engine, settings.index_alias)
    assert docs[first.id]["cluster_id"] == docs[copy.id]["cluster_id"] == first.id


def test_reprocess_clusters_inside_the_named_index(settings, engine, producer):
    ensure_index(engine, settings.index_alias)
    live = record("https://jxj.hangzhou.gov.cn/art/1.html", NOTICE)
    indexer(engine, settings, producer)([message(live)])
    target = create_next_version(engine, settings.index_alias)
    copy = record("https://site.example.gov.cn/art/1.html", repost("转载"))
    indexer(engine, settings, producer, index=target)([message(copy)])
    assert stored(engine, target)[copy.id]["cluster_id"] == copy.id  # the live index is not consulted


def test_search_hits_do_not_carry_the_band_hashes(settings, engine, producer):
    ensure_index(engine, settings.index_alias)
    indexer(engine, settings, producer)([message(record("https://jxj.hangzhou.gov.cn/art/1.html", NOTICE))])
    body = search_body(SearchRequest(q="人工智能", expand_reposts=True), {})
    hits = engine.search(settings.index_alias, body)["hits"]["hits"]
    assert hits and all("lsh_bands" not in hit["_source"] for hit in hits)


SECOND_NOTICE = """关于开展2024年度数据要素市场化配置改革试点申报工作的通知
各区数据局、有关单位：
为加快培育数据要素市场，现组织开展2024年度数据要素市场化配置改革试点申报工作，有关事项通知如下。
一、试点方向。围绕公共数据授权运营、数据资产入表、数据交易流通等方向开展试点。
二、支持政策。对入选试点的项目，按照项目实际投入的20%给予资助，单个项目最高不超过300万元。
三、申报时间。申报截止时间为2024年7月15日。
杭州市数据资源管理局
2024年5月20日"""


def test_an_indexer_knows_what_was_indexed_before_it_started_and_what_others_wrote_since(
    settings, engine, producer, monkeypatch
):
    # With no margin another indexer's write is read at the next batch, and settle looks for none:
    # a copy can only find it through what the indexer read.
    monkeypatch.setattr(assign_module, "SETTLE_MARGIN", timedelta(0))
    ensure_index(engine, settings.index_alias)
    original = record("https://jxj.hangzhou.gov.cn/art/1.html", NOTICE)
    indexer(engine, settings, producer)([message(original)])
    late, other = indexer(engine, settings, producer), indexer(engine, settings, producer)
    first_copy = record("https://district1.example.gov.cn/art/1.html", repost("区1"))
    late([message(first_copy)])  # its first batch reads the index
    second = record("https://data.hangzhou.gov.cn/art/5.html", SECOND_NOTICE)
    other([message(second)])
    title, body = SECOND_NOTICE.split("\n", 1)
    second_copy = record("https://news.example.com/a/7.html", f"{title}\n来源：杭州市数据资源管理局\n{body}")
    late([message(second_copy)])
    docs = stored(engine, settings.index_alias)
    assert docs[first_copy.id]["cluster_id"] == original.id
    assert docs[second_copy.id]["cluster_id"] == second.id
    assert late.clusters is not None and second.id in late.clusters.known.bands


def test_a_replayed_older_version_leaves_the_newer_one_in_the_indexers_copy(settings, engine, producer):
    ensure_index(engine, settings.index_alias)
    url = "https://jxj.hangzhou.gov.cn/art/1.html"
    older = record(url, NOTICE, fetched=datetime.now(UTC) - timedelta(days=1))
    newer = record(url, NOTICE.replace("500万元", "1000万元").replace("5月31日", "6月15日"))
    batch = indexer(engine, settings, producer)
    batch([message(newer)])
    batch([message(older)])  # refused by the index as older: nothing of it is kept
    assert batch.clusters is not None and batch.writer.superseded == {older.id}
    bands = batch.clusters.known.bands
    row = bands._row_of[newer.id]
    expected = sketch_document(document_from_record(newer)).signature
    assert (bands._signatures[row] == expected).all()
    assert stored(engine, settings.index_alias)[newer.id]["text"] == newer.text
