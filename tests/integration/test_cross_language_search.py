"""Search across scripts and languages on the real engine: Traditional and Simplified script find each
other (folding at index and query time), and the glossary lets an English query find a Chinese notice
and the reverse. Alerts, stored searches percolated against new documents, do the same."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from indexer.alerts.model import Alert
from indexer.alerts.store import AlertStore, MatchRecorder, alert_id
from indexer.index_versions import ensure_index
from indexer.mapping import document_from_record
from indexer.search import run_search
from indexer.writer import BulkDoc, BulkWriter, version_of
from policyradar.rates import rates_to_cny
from processors.enrich import enrich
from tests.integration.conftest import make_raw

pytestmark = pytest.mark.integration

NOTICES = {
    "voucher-zh": (
        "深圳市关于发放2024年第一批算力券的通知",
        "面向中小企业发放算力券，可抵扣算力服务费用的50%。",
    ),
    "annotation-zh": (
        "国家数据局确定首批数据标注基地",
        "推动数据标注产业高质量发展，为训练提供高质量数据集。",
    ),
    "hk-traditional": (
        "「人工智能資助計劃」第二期接受申請",
        "資助本地大學及企業使用超算中心的算力，資助上限為港幣1,500萬元。",
    ),
    "model-en": (
        "Beijing backs large model developers",
        "The city will help firms that train a large model on local clusters.",
    ),
    "robots-en": (
        "Factory robots get a new maker",
        "Shenzhen welcomes a maker of welding arms for car plants.",
    ),
}


@pytest.fixture
def indexed(settings, engine) -> dict[str, str]:
    """The notices indexed into this test's alias; their names mapped to their document ids."""
    ensure_index(engine, settings.index_alias)
    ids, docs = {}, []
    for n, (name, (title, text)) in enumerate(NOTICES.items(), start=1):
        record = enrich(
            make_raw(n, language="zh" if "zh" in name or "trad" in name else "en", title=title, text=text)
        )
        ids[name] = record.id
        docs.append(BulkDoc(record.id, version_of(record.fetched_at), document_from_record(record)))
    assert BulkWriter(engine, settings.index_alias, refresh="wait_for").write(docs) == []
    return ids


def found(engine, alias: str, q: str, ids: dict[str, str]) -> set[str]:
    names = {doc_id: name for name, doc_id in ids.items()}
    return {names[hit["id"]] for hit in run_search(engine, alias, q)["hits"]}


def test_a_traditional_query_finds_a_simplified_notice(settings, engine, indexed):
    assert found(engine, settings.index_alias, "數據標註基地", indexed) == {"annotation-zh"}
    assert found(engine, settings.index_alias, "發放算力券", indexed) == {"voucher-zh"}


def test_a_simplified_query_finds_a_traditional_notice(settings, engine, indexed):
    assert found(engine, settings.index_alias, "人工智能资助计划", indexed) == {"hk-traditional"}
    assert found(engine, settings.index_alias, "資助計劃", indexed) == {"hk-traditional"}  # as written too


def test_computing_voucher_finds_the_chinese_voucher_notice(settings, engine, indexed):
    assert found(engine, settings.index_alias, "computing voucher", indexed) == {"voucher-zh"}
    assert found(engine, settings.index_alias, "computing vouchers Shenzhen", indexed) == {"voucher-zh"}


def test_a_chinese_large_model_query_finds_the_english_notice(settings, engine, indexed):
    assert found(engine, settings.index_alias, "大模型", indexed) == {"model-en"}


def test_terms_outside_the_glossary_stay_in_their_language(settings, engine, indexed):
    assert found(engine, settings.index_alias, "welding arms", indexed) == {"robots-en"}
    assert found(engine, settings.index_alias, "焊接", indexed) == set()


def test_an_english_alert_matches_a_chinese_notice_and_a_traditional_one_a_simplified_alert(
    settings, engine, indexed
):
    alias = settings.index_alias
    rates = rates_to_cny(settings.fx_rates)
    store = AlertStore(engine, alias, rates)
    for name, q in (("annotation", "data annotation"), ("hk", "人工智能资助计划")):
        store.save(
            Alert(name=name, owner="analyst", q=q, email=["a@example.com"], created_at=datetime.now(UTC))
        )
    recorder = MatchRecorder(engine, alias, rates=rates)
    docs = [
        engine.get_doc(alias, indexed[name])["_source"]
        for name in ("annotation-zh", "hk-traditional", "model-en")
    ]
    matched = set(recorder.matching_alerts(docs))
    assert matched == {(alert_id("analyst", "annotation"), 0), (alert_id("analyst", "hk"), 1)}
