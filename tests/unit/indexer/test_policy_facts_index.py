"""The policy facts in the index (issue 10): the document carries them with flat facets, a company's
parent is a company facet value, and the new conditions become filters that percolate (no clock of
ours is baked into a stored query)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from indexer.mapping import INDEX_BODY, document_from_record
from indexer.query import FACETS, Conditions, SearchRequest, build_query, search_body
from indexer.search import format_hit
from policyradar.rates import rates_to_cny
from policyradar.schemas import Company, EnrichedRecord, Entities, Issuer, PolicyFacts

RATES = rates_to_cny()


def record(**fields) -> EnrichedRecord:
    base = {
        "id": "doc-00000001",
        "url": "https://example.gov.cn/1.html",
        "source_id": "demo",
        "source_kind": "government",
        "jurisdiction": "CN-BJ",
        "language": "zh",
        "title": "关于申报2024年算力补贴的通知",
        "fetched_at": datetime(2024, 5, 1, tzinfo=UTC),
        "text": "阿里云……",
        "content_hash": "abc",
        "detected_language": "zh",
        "entities": Entities(),
        "extractor_version": "test",
    }
    return EnrichedRecord(**{**base, **fields})


def test_the_document_carries_the_facts_and_their_flat_facets():
    bureau, finance = "Beijing Municipal Bureau of Economy", "Beijing Municipal Finance Bureau"
    facts = PolicyFacts(
        doc_type="notice",
        issuers=[
            Issuer(text="北京市经济和信息化局", start=0, end=10, canonical=bureau),
            Issuer(text="北京市财政局", start=11, end=17, canonical=finance),
            Issuer(text="市经信局", start=30, end=34, canonical=bureau),
        ],
        doc_number="京经信发〔2024〕12号",
        deadline=date(2024, 6, 30),
        apply_from=date(2024, 6, 1),
    )
    doc = document_from_record(record(facts=facts))
    assert doc["doc_type"] == "notice"
    assert doc["issuer_names"] == [bureau, finance]
    assert doc["deadline"] == "2024-06-30"
    assert doc["facts"]["doc_number"] == "京经信发〔2024〕12号"
    assert doc["facts"]["apply_from"] == "2024-06-01"
    assert doc["facts"]["issuers"][0]["canonical"] == "Beijing Municipal Bureau of Economy"


def test_a_subsidiary_s_parent_is_a_company_facet_value_too():
    companies = [
        Company(text="阿里云", start=0, end=3, canonical="Alibaba Cloud", parent="Alibaba"),
        Company(text="华为", start=5, end=7, canonical="Huawei"),
    ]
    doc = document_from_record(record(entities=Entities(companies=companies)))
    assert doc["companies"] == ["Alibaba", "Alibaba Cloud", "Huawei"]
    assert doc["entities"]["companies"][0]["parent"] == "Alibaba"


def test_a_record_without_facts_gets_empty_facets():
    doc = document_from_record(record())
    assert (doc["doc_type"], doc["issuer_names"], doc["deadline"]) == (None, [], None)
    assert doc["facts"] == {
        "doc_type": None,
        "issuers": [],
        "doc_number": None,
        "deadline": None,
        "apply_from": None,
    }


def test_the_mapping_declares_every_fact_and_facet_with_its_type():
    properties = INDEX_BODY["mappings"]["properties"]
    facts = properties["facts"]["properties"]
    assert set(facts) == set(PolicyFacts.model_fields)
    assert (facts["doc_type"]["type"], facts["doc_number"]["type"]) == ("keyword", "keyword")
    assert (facts["deadline"]["type"], facts["apply_from"]["type"]) == ("date", "date")
    canonical = facts["issuers"]["properties"]["canonical"]
    assert canonical["type"] == "keyword" and canonical["fields"]["text"]["type"] == "text"
    assert properties["deadline"]["type"] == "date" and properties["doc_type"]["type"] == "keyword"
    for name in ("companies", "issuer_names"):
        assert properties[name]["type"] == "keyword" and "text" in properties[name]["fields"]
    assert properties["entities"]["properties"]["companies"]["properties"]["parent"]["type"] == "keyword"


def test_doc_types_and_issuers_are_facets_with_filters_and_counts():
    assert (FACETS["doc_types"], FACETS["issuers"]) == ("doc_type", "issuer_names")
    body = search_body(SearchRequest(doc_types=["notice", "draft"], issuers=["MIIT"]), RATES)
    assert body["post_filter"]["bool"]["filter"] == [
        {"terms": {"doc_type": ["notice", "draft"]}},
        {"terms": {"issuer_names": ["MIIT"]}},
    ]
    by_type = {"terms": {"doc_type": ["notice", "draft"]}}
    assert body["aggs"]["issuers"]["filter"] == {"bool": {"filter": [by_type]}}
    assert "facts" in body["_source"]


def test_a_deadline_range_is_a_range_on_the_flat_deadline():
    query = build_query(Conditions(deadline_from=date(2024, 6, 1), deadline_to=date(2024, 6, 30)), RATES)
    assert query["bool"]["filter"] == [{"range": {"deadline": {"gte": "2024-06-01", "lte": "2024-06-30"}}}]
    only_end = build_query(Conditions(deadline_to=date(2024, 6, 30)), RATES)
    assert only_end["bool"]["filter"] == [{"range": {"deadline": {"lte": "2024-06-30"}}}]


def test_open_means_a_deadline_from_the_engine_s_today_in_china_so_a_stored_alert_stays_current():
    query = build_query(Conditions(open_only=True, doc_types=["notice"]), RATES)
    assert query["bool"]["filter"] == [
        {"range": {"deadline": {"gte": "now/d", "time_zone": "Asia/Shanghai"}}},
        {"terms": {"doc_type": ["notice"]}},
    ]
    # Each query gets its own filter: appending to one (as backfill does) cannot change another.
    query["bool"]["filter"][0]["range"]["deadline"]["lt"] = "x"
    fresh = build_query(Conditions(open_only=True), RATES)["bool"]["filter"][0]
    assert fresh == {"range": {"deadline": {"gte": "now/d", "time_zone": "Asia/Shanghai"}}}


def test_without_the_new_conditions_the_query_is_unchanged():
    assert build_query(Conditions(), RATES) == {"bool": {"must": [{"match_all": {}}], "filter": []}}


def test_the_terminal_shows_a_hit_s_facts_on_one_line():
    hit = {
        "title": "关于申报算力补贴的通知",
        "url": "https://example.gov.cn/1.html",
        "published_at": "2024-05-01T00:00:00",
        "entities": {},
        "facts": {
            "doc_type": "notice",
            "doc_number": "京经信发〔2024〕12号",
            "issuers": [{"canonical": "MIIT"}, {"canonical": "MOF"}, {"canonical": "MIIT"}],
            "deadline": "2024-06-30",
            "apply_from": "2024-06-01",
        },
    }
    lines = format_hit(hit).splitlines()
    assert lines[2] == "    notice 京经信发〔2024〕12号 · by MIIT, MOF · apply 2024-06-01 to 2024-06-30"
    hit["facts"] = {"deadline": "2024-06-30"}
    assert format_hit(hit).splitlines()[2] == "    apply until 2024-06-30"
    del hit["facts"]  # a document indexed before the facts
    assert format_hit(hit).splitlines() == [
        "2024-05-01  关于申报算力补贴的通知",
        "    https://example.gov.cn/1.html",
    ]
