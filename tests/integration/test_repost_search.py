"""Reposts in search on the real engine (issue 11): one hit per cluster, its canonical member (the
issuer's own page, else the earliest published) with the other copies listed; expand shows every copy;
the total and facets count clusters; a document without a cluster is its own. Documents are built here,
their ``cluster_id`` (with or without ``cluster_key``) and ``is_original`` set by hand (the indexer
computes them)."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from indexer.api import create_app
from indexer.clusters.key import set_cluster
from indexer.index_versions import ensure_index
from indexer.mapping import document_from_record
from indexer.query import SearchRequest
from indexer.search import run_search
from indexer.writer import BulkDoc, BulkWriter, version_of
from policyradar.schemas import EnrichedRecord, Entities, PolicyFacts
from tests.fixtures.app_server import serve_app
from tests.integration.conftest import make_raw

pytestmark = pytest.mark.integration
# The fields the indexer's clustering adds (mapped here too, for an index made before they were).
CLUSTER_FIELDS = {"cluster_id": {"type": "keyword"}, "is_original": {"type": "boolean"}}


def copy_of(
    n: int, source: str, day: int, cluster: str | None, original: bool = False, keyed: bool = True
) -> dict:
    raw = make_raw(n).model_copy(update={"source_id": source, "published_at": datetime(2024, 3, day)})
    record = EnrichedRecord(
        **raw.model_dump(exclude={"schema_version"}),
        detected_language="en",
        entities=Entities(),
        facts=PolicyFacts(),
        extractor_version="test",
    )
    doc = document_from_record(record) | {"topics": ["computing-power"], "is_original": original}
    if cluster is not None and keyed:
        set_cluster(doc, cluster)
    elif cluster is not None:  # clustered before cluster keys existed
        doc["cluster_id"] = cluster
    return doc


def write(engine, alias: str, docs: list[dict]) -> None:
    ensure_index(engine, alias)
    for index in engine.alias_targets(alias):
        engine.add_fields(index, CLUSTER_FIELDS)
    bulk = [BulkDoc(d["id"], version_of(datetime.fromisoformat(d["fetched_at"])), d) for d in docs]
    assert BulkWriter(engine, alias, refresh="wait_for").write(bulk) == []


@pytest.fixture(params=["keyed", "clustered before keys"])
def reposted(request, settings, engine):
    """A bureau's notice reposted by a portal (first) and a district site; a notice on two news
    sites, no original among them; a notice on one site. Returns (alias, engine, {name: id}). The
    documents have a ``cluster_key`` (counted by it), or only ``cluster_id`` (counted by that)."""
    keyed = request.param == "keyed"
    docs = {
        "bureau": copy_of(1, "bureau", 3, "notice-a", original=True, keyed=keyed),
        "portal": copy_of(2, "portal", 1, "notice-a", keyed=keyed),
        "district": copy_of(3, "district", 2, "notice-a", keyed=keyed),
        "news-late": copy_of(4, "news", 6, "notice-b", keyed=keyed),
        "news-early": copy_of(5, "wire", 5, "notice-b", keyed=keyed),
        "alone": copy_of(6, "bureau", 4, "notice-c", keyed=keyed),
    }
    write(engine, settings.index_alias, list(docs.values()))
    return settings.index_alias, engine, {name: doc["id"] for name, doc in docs.items()}


def names_of(ids: dict[str, str], found: list[str]) -> list[str]:
    named = {v: k for k, v in ids.items()}
    return [named[i] for i in found]


def test_a_search_shows_each_notice_once_as_its_canonical_member_with_its_copies(reposted):
    alias, engine, ids = reposted
    result = run_search(engine, alias, SearchRequest(q="subsidies", sort="date"))
    assert (result["total"], result["counts"]) == (3, "clusters")
    hits = {names_of(ids, [hit["id"]])[0]: hit for hit in result["hits"]}
    assert set(hits) == {"bureau", "news-early", "alone"}  # the original, else the earliest
    bureau = hits["bureau"]
    assert bureau["copy_count"] == 2 and bureau["cluster_id"] == "notice-a"
    assert names_of(ids, [c["id"] for c in bureau["copies"]]) == ["portal", "district"]
    assert [c["source_id"] for c in bureau["copies"]] == ["portal", "district"]
    assert bureau["copies"][0]["url"].endswith("/2.html") and bureau["copies"][0]["published_at"].startswith(
        "2024-03-01"
    )
    assert bureau["highlight"]["text"]  # the canonical member's own snippets
    assert names_of(ids, [c["id"] for c in hits["news-early"]["copies"]]) == ["news-late"]
    assert hits["alone"]["copies"] == [] and hits["alone"]["copy_count"] == 0


def test_expanding_shows_every_copy_and_counts_documents(reposted):
    alias, engine, ids = reposted
    result = run_search(engine, alias, SearchRequest(expand_reposts=True, size=50))
    assert (result["total"], result["counts"]) == (6, "documents")
    assert sorted(names_of(ids, [hit["id"] for hit in result["hits"]])) == sorted(ids)
    assert {f["value"]: f["count"] for f in result["facets"]["topics"]} == {"computing-power": 6}


def test_totals_facets_and_pages_count_clusters(reposted):
    alias, engine, _ = reposted
    result = run_search(engine, alias, SearchRequest(size=2))
    assert result["total"] == 3 and len(result["hits"]) == 2
    assert {f["value"]: f["count"] for f in result["facets"]["topics"]} == {"computing-power": 3}
    assert {f["value"]: f["count"] for f in result["facets"]["sources"]}["bureau"] == 2
    second = run_search(engine, alias, SearchRequest(size=2, page=2))
    assert len(second["hits"]) == 1
    shown = {hit["id"] for hit in result["hits"] + second["hits"]}
    assert len(shown) == 3


def test_a_source_filter_shows_that_sites_copy_and_lists_only_copies_that_match(reposted):
    alias, engine, ids = reposted
    result = run_search(engine, alias, SearchRequest(sources=["district"]))
    assert result["total"] == 1
    [hit] = result["hits"]
    assert names_of(ids, [hit["id"]]) == ["district"] and hit["copy_count"] == 0


def test_documents_indexed_without_a_cluster_are_each_their_own(settings, engine):
    old = [copy_of(7, "bureau", 1, None), copy_of(8, "portal", 2, None)]
    write(engine, settings.index_alias, [*old, copy_of(9, "news", 3, "notice-x")])
    result = run_search(engine, settings.index_alias, SearchRequest(q="subsidies"))
    assert (result["total"], result["counts"]) == (3, "documents")
    assert {hit["cluster_id"] for hit in result["hits"]} == {old[0]["id"], old[1]["id"], "notice-x"}


def test_the_api_collapses_by_default_and_expands_on_request(reposted, settings):
    _, engine, ids = reposted
    with serve_app(create_app(settings, engine)) as base, httpx.Client(base_url=base, timeout=30) as http:
        collapsed = http.get("/api/search", params={"q": "subsidies"}).json()
        expanded = http.get("/api/search", params={"q": "subsidies", "expand": "true"}).json()
        assert http.get("/api/search", params={"expand": "sometimes"}).status_code == 422
    assert (collapsed["total"], collapsed["counts"]) == (3, "clusters")
    bureau = next(hit for hit in collapsed["hits"] if hit["id"] == ids["bureau"])
    assert bureau["copy_count"] == 2 and {c["source_id"] for c in bureau["copies"]} == {"portal", "district"}
    assert (expanded["total"], expanded["counts"]) == (6, "documents")
