"""Alerts percolated by the clauses of their texts match exactly what a search for the same text
finds, on the real engine: glossary expansions, phrases, prefixes, stop words, operators and
Traditional script included."""

from __future__ import annotations

import pytest

from indexer.alerts.model import Alert
from indexer.alerts.store import AlertStore, MatchRecorder, alert_body
from indexer.index_versions import ensure_index
from indexer.mapping import document_from_record
from indexer.query import text_query
from indexer.writer import BulkDoc, BulkWriter, version_of
from processors.enrich import enrich
from tests.integration.conftest import make_raw

pytestmark = pytest.mark.integration

NOTICES = [
    (
        "Shanghai compute vouchers",
        "Shanghai will cover 30 percent of computing power costs for large models.",
    ),
    (
        "Beijing subsidy",
        "Beijing offers subsidies of 40 million yuan to Alibaba and Baidu for model training.",
    ),
    ("Semiconductor fund", "A fund for semiconductor makers in Hefei, the parts of it that are open."),
    ("关于发放算力券的通知", "上海市对大模型企业发放算力券，补贴比例不超过30%，最高500万元。"),
    ("北京市人工智能补助", "北京市对阿里巴巴等企业的大语言模型训练给予补助。"),
    ("臺灣半導體計畫", "臺灣對晶片企業提供補貼。"),
]
TEXTS = [
    "large models",
    "大模型",
    "算力 补贴",
    "compute voucher",
    "alibaba 训练",
    "Shanghai OR Beijing",  # "OR" is a stop word: the engine drops that clause
    "the subsidies",
    "the OR",  # every clause a stop word: the whole query matches nothing
    '"computing power" Shanghai',
    "semi*",
    "(Hefei | Beijing) fund",
    "Beijing | Hefei",  # an OR at the top level: kept whole
    "subsidies -Alibaba",
    "臺灣 晶片",  # Traditional: kept whole
    "北京市 补助",
    "nothing-like-this",
]


@pytest.fixture
def docs(settings, engine) -> list[dict]:
    ensure_index(engine, settings.index_alias)
    records = [enrich(make_raw(n, title=t, text=x)) for n, (t, x) in enumerate(NOTICES, 1)]
    bulk = [BulkDoc(r.id, version_of(r.fetched_at), document_from_record(r)) for r in records]
    BulkWriter(engine, settings.index_alias, refresh="wait_for").write(bulk)
    return [doc.source for doc in bulk]


def searched(engine, alias: str, text: str) -> set[str]:
    body = {"query": text_query(text), "size": 100, "_source": False}
    return {hit["_id"] for hit in engine.search(alias, body)["hits"]["hits"]}


def test_alerts_by_clauses_match_what_the_search_finds(settings, engine, docs):
    alerts = [Alert(name=f"t{n:02d}", owner="o", q=text) for n, text in enumerate(TEXTS)]
    store = AlertStore(engine, settings.index_alias)
    store.save_many(alerts)
    matched = MatchRecorder(engine, settings.index_alias).matching_alerts(docs)
    by_alert: dict[str, set[str]] = {alert.id: set() for alert in alerts}
    for key, slot in matched:
        by_alert[key].add(docs[slot]["id"])
    expected = {alert.id: searched(engine, settings.index_alias, alert.q) for alert in alerts}
    assert by_alert == expected
    assert sum(1 for found in expected.values() if found) >= 10  # the texts do find things
    stored = {a.q: engine.get_doc(store.names["alerts"], a.id)["_source"] for a in alerts}
    assert len(stored["算力 补贴"]["clauses"]) == 2 and stored["算力 补贴"]["clause_count"] == 2
    assert len(stored["Shanghai OR Beijing"]["clauses"]) == 2  # the stop word left out
    for whole in ("Beijing | Hefei", "臺灣 晶片"):  # does not split: its whole text is one clause
        assert len(stored[whole]["clauses"]) == 1 and stored[whole]["local"] is True
    assert stored["the OR"]["clauses"] == [] and stored["the OR"]["local"] is False  # reduced to nothing


def test_alerts_sharing_a_word_share_its_clause(settings, engine, docs):
    store = AlertStore(engine, settings.index_alias)
    store.save_many(
        [
            Alert(name=f"s{n}", owner="o", q="大模型", conditions={"places": [p]})
            for n, p in enumerate(["Shanghai", "Beijing", "Hefei"])
        ]
    )
    store.save(Alert(name="s3", owner="o", q="大模型 算力"))
    assert engine.count(store.names["clauses"]) == 2
    found = MatchRecorder(engine, settings.index_alias).matching_alerts(docs)
    # 大模型 finds "large models" too (the glossary); Hefei's notice is not about models
    assert sorted(found) == [("o/s0", 0), ("o/s0", 3), ("o/s1", 4), ("o/s3", 0), ("o/s3", 3)]


def test_an_alert_stored_whole_still_matches_and_is_split_on_upgrade(settings, engine, docs):
    alert = Alert(name="old", owner="o", q="算力 补贴")
    store = AlertStore(engine, settings.index_alias)
    old = {k: v for k, v in alert_body(alert, {}).items() if k not in ("narrow", "clauses", "clause_count")}
    engine.index_doc(store.names["alerts"], alert.id, old, refresh="wait_for")
    recorder = MatchRecorder(engine, settings.index_alias)
    before = recorder.matching_alerts(docs)
    assert [docs[slot]["id"] for _, slot in before] == [docs[3]["id"]]
    assert store.upgrade() == 1
    assert len(engine.get_doc(store.names["alerts"], alert.id)["_source"]["clauses"]) == 2
    assert recorder.matching_alerts(docs) == before
