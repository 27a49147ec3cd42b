"""Policy facts on the real engine (issue 10): the filters on document type, issuer, deadline and "open
for applications" in search, the API and percolated alerts; a search for a parent company finds the
documents that name only its subsidiary; documents indexed without facts stay searchable; an index
made before issue 10 gains the new fields. Records are built here, not extracted."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta

import httpx
import pytest

from indexer.alerts.model import Alert
from indexer.alerts.store import AlertStore, MatchRecorder, match_summaries
from indexer.api import create_app
from indexer.index_versions import ensure_index
from indexer.mapping import INDEX_BODY, document_from_record, versioned_index
from indexer.query import Conditions, SearchRequest
from indexer.search import run_search
from indexer.writer import BulkDoc, BulkWriter, version_of
from policyradar.rates import rates_to_cny
from policyradar.schemas import Company, EnrichedRecord, Entities, Issuer, PolicyFacts
from tests.fixtures.app_server import serve_app
from tests.fixtures.deadlines import shanghai_today
from tests.integration.conftest import make_raw

pytestmark = pytest.mark.integration
RATES = rates_to_cny()
MIIT = "Ministry of Industry and Information Technology"
BJ = "Beijing Municipal Bureau of Economy and Information Technology"


def issuer(canonical: str) -> Issuer:
    return Issuer(text=canonical[:4], start=0, end=4, canonical=canonical)


def record(n: int, *, language: str = "en", text: str | None = None, companies=(), **facts) -> EnrichedRecord:
    raw = make_raw(n, language=language, text=text)
    return EnrichedRecord(
        **raw.model_dump(exclude={"schema_version"}),
        detected_language=language,
        entities=Entities(companies=list(companies)),
        facts=PolicyFacts(**facts),
        extractor_version="test",
    )


def make_records(today: date) -> dict[str, EnrichedRecord]:
    """The test documents, their deadlines set around ``today``."""

    def days(n: int) -> date:
        return today + timedelta(days=n)

    return {
        "open-notice": record(
            1, doc_type="notice", issuers=[issuer(MIIT)], deadline=days(5), apply_from=days(-5)
        ),
        "closes-today": record(2, doc_type="notice", issuers=[issuer(BJ), issuer(MIIT)], deadline=today),
        "closed-notice": record(3, doc_type="notice", issuers=[issuer(BJ)], deadline=days(-1)),
        "draft": record(4, doc_type="draft", issuers=[issuer(BJ)], doc_number="京经信发〔2024〕12号"),
        "cloud-zh": record(
            5,
            language="zh",
            text="阿里云将在杭州建设智算中心，最高补贴500万元。",
            companies=[Company(text="阿里云", start=0, end=3, canonical="Alibaba Cloud", parent="Alibaba")],
            doc_type="news",
        ),
        "no-facts": record(6),
    }


@pytest.fixture
def today() -> date:
    """The engine's "today" for ``open_only``, read as the test starts (not at collection)."""
    return shanghai_today()


@pytest.fixture
def records(today) -> dict[str, EnrichedRecord]:
    return make_records(today)


def write(engine, alias: str, docs: list[dict]) -> None:
    bulk = [BulkDoc(d["id"], version_of(datetime.fromisoformat(d["fetched_at"])), d) for d in docs]
    assert BulkWriter(engine, alias, refresh="wait_for").write(bulk) == []


@pytest.fixture
def indexed(settings, engine, records):
    """The records above in a fresh index, plus one document as indexed before issue 10 (no facts,
    no flat facets of them); returns (alias, engine, {name: id})."""
    alias = settings.index_alias
    ensure_index(engine, alias)
    docs = {name: document_from_record(r) for name, r in records.items()}
    old = copy.deepcopy(document_from_record(record(7)))
    for field in ("facts", "doc_type", "issuer_names", "deadline"):
        old.pop(field)
    write(engine, alias, [*docs.values(), old])
    ids = {name: doc["id"] for name, doc in docs.items()} | {"old": old["id"]}
    return alias, engine, ids


def found(engine, alias: str, ids: dict[str, str], **request) -> set[str]:
    result = run_search(engine, alias, SearchRequest(size=50, **request), rates=RATES)
    names = {v: k for k, v in ids.items()}
    return {names[hit["id"]] for hit in result["hits"]}


def test_each_fact_filter_selects_its_documents(indexed, today):
    alias, engine, ids = indexed
    assert found(engine, alias, ids, doc_types=["notice"]) == {"open-notice", "closes-today", "closed-notice"}
    assert found(engine, alias, ids, doc_types=["draft", "news"]) == {"draft", "cloud-zh"}
    assert found(engine, alias, ids, issuers=[MIIT]) == {"open-notice", "closes-today"}
    assert found(engine, alias, ids, deadline_from=today, deadline_to=today + timedelta(days=5)) == {
        "open-notice",
        "closes-today",
    }
    assert found(engine, alias, ids, deadline_to=today - timedelta(days=1)) == {"closed-notice"}
    # Open: a deadline today or later; no deadline is not open.
    assert found(engine, alias, ids, open_only=True) == {"open-notice", "closes-today"}
    assert found(engine, alias, ids, open_only=True, issuers=[BJ]) == {"closes-today"}


def test_doc_types_and_issuers_come_back_as_facets_with_counts(indexed):
    alias, engine, _ = indexed
    facets = run_search(engine, alias, SearchRequest(issuers=[BJ]), rates=RATES)["facets"]
    assert {f["value"]: f["count"] for f in facets["doc_types"]} == {"notice": 2, "draft": 1}
    # Each facet counts without its own selection: MIIT's count ignores the BJ filter.
    assert {f["value"]: f["count"] for f in facets["issuers"]} == {BJ: 3, MIIT: 2}


def test_a_search_for_the_parent_finds_a_document_naming_only_its_subsidiary(indexed):
    alias, engine, ids = indexed
    assert found(engine, alias, ids, companies=["Alibaba"]) == {"cloud-zh"}
    assert found(engine, alias, ids, companies=["Alibaba Cloud"]) == {"cloud-zh"}
    # The Chinese text never says "Alibaba": the company names are searched with the text.
    assert found(engine, alias, ids, q="alibaba") == {"cloud-zh"}
    assert found(engine, alias, ids, q="Alibaba 智算") == {"cloud-zh"}


def test_documents_without_facts_stay_searchable_and_are_not_open(indexed):
    alias, engine, ids = indexed
    everything = found(engine, alias, ids, q="subsidies")
    assert {"old", "no-facts"} <= everything
    assert found(engine, alias, ids, q="subsidies", open_only=True) == {"open-notice", "closes-today"}


def test_the_api_takes_the_new_filters_and_returns_the_facts(indexed, settings, today):
    _, engine, ids = indexed
    with serve_app(create_app(settings, engine)) as base, httpx.Client(base_url=base, timeout=30) as http:
        response = http.get("/api/search", params={"doc_type": "notice", "open": "true", "issuer": MIIT})
        assert response.status_code == 200, response.text
        body = response.json()
        assert {hit["id"] for hit in body["hits"]} == {ids["open-notice"], ids["closes-today"]}
        hit = next(h for h in body["hits"] if h["id"] == ids["open-notice"])
        assert (
            hit["facts"]["deadline"] == (today + timedelta(days=5)).isoformat()
            and hit["facts"]["issuers"][0]["canonical"] == MIIT
        )
        refused = http.get("/api/search", params={"doc_type": "memo"})
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["query", "doc_type", 0]
        csv = http.get("/api/export", params={"doc_type": "draft"}).text
        assert "doc_type,issuers,doc_number,deadline" in csv.splitlines()[0]
        assert f"draft,{BJ},京经信发〔2024〕12号," in csv


def alert(name: str, **conditions) -> Alert:
    return Alert(name=name, owner="analyst", conditions=Conditions(**conditions), every="instant")


def test_alerts_on_the_facts_percolate_and_backfill_alike(indexed, settings, today, records):
    alias, engine, ids = indexed
    alerts = [
        alert("open", open_only=True),
        alert("miit-notices", doc_types=["notice"], issuers=[MIIT]),
        alert("june", deadline_from=today - timedelta(days=1), deadline_to=today),
        alert("alibaba", companies=["Alibaba"]),
    ]
    AlertStore(engine, alias, RATES).save_many(alerts)
    recorder = MatchRecorder(engine, alias, rates=RATES)
    docs = [document_from_record(r) for r in records.values()]
    names = list(records)
    fired: dict[str, set[str]] = {}
    for alert_id, slot in recorder.matching_alerts(docs):
        fired.setdefault(alert_id.split("/")[1], set()).add(names[slot])
    expected = {
        "open": {"open-notice", "closes-today"},
        "miit-notices": {"open-notice", "closes-today"},
        "june": {"closes-today", "closed-notice"},
        "alibaba": {"cloud-zh"},
    }
    assert fired == expected
    # Backfill runs the same query on the index: the same documents, and the match keeps the facts.
    for stored in alerts:
        assert recorder.backfill(stored, alias, days=1) == len(expected[stored.name])
    match = engine.get_doc(recorder.names["matches"], f"analyst/open|{ids['open-notice']}")["_source"]
    [summary] = match_summaries(engine, recorder.names, [match])
    assert match["deadline"] == (today + timedelta(days=5)).isoformat() and summary["issuers"] == [MIIT]
    assert summary["doc_type"] == "notice"
    assert summary["apply_from"] == (today - timedelta(days=5)).isoformat()


def test_an_index_made_before_the_facts_gains_them_and_takes_new_records(settings, engine, records):
    alias = settings.index_alias
    old_body = copy.deepcopy(INDEX_BODY)
    properties = old_body["mappings"]["properties"]
    for field in ("facts", "doc_type", "issuer_names", "deadline"):
        properties.pop(field)
    properties["companies"] = {"type": "keyword"}
    properties["entities"]["properties"]["companies"]["properties"].pop("parent")
    index = versioned_index(alias)
    engine.create_index(index, old_body)
    engine.update_aliases([{"add": {"index": index, "alias": alias}}])

    assert ensure_index(engine, alias) == index
    MatchRecorder(engine, alias)  # brings the percolator index up to date too
    docs = [document_from_record(records[name]) for name in ("cloud-zh", "open-notice")]
    write(engine, alias, docs)
    ids = {"cloud-zh": docs[0]["id"], "open-notice": docs[1]["id"]}
    assert found(engine, alias, ids, q="alibaba", companies=["Alibaba"]) == {"cloud-zh"}
    assert found(engine, alias, ids, open_only=True, issuers=[MIIT]) == {"open-notice"}
