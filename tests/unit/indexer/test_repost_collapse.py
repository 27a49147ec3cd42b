"""How a search collapses reposts: the collapse and its inner hits in the request body, cluster counts
for the total and facets, and how a collapsed response becomes hits with their copies (a recording
fake engine stands in; the real engine is exercised in tests/integration/test_repost_search.py)."""

from __future__ import annotations

from typing import Any

from indexer.query import CANONICAL_SORT, FACETS, UNCLUSTERED, UNKEYED, SearchRequest, search_body
from indexer.search import format_hit, run_search

BUCKETS = {"values": {"buckets": [{"key": "beijing", "doc_count": 3, "clusters": {"value": 1}}]}}


def test_a_search_collapses_on_the_cluster_and_picks_the_canonical_member_first():
    body = search_body(SearchRequest(q="补贴"), {})
    assert body["collapse"]["field"] == "cluster_id"
    inner = {hits["name"]: hits for hits in body["collapse"]["inner_hits"]}
    assert inner["canonical"]["size"] == 1
    assert inner["canonical"]["sort"] == CANONICAL_SORT
    assert [next(iter(key)) for key in CANONICAL_SORT] == ["is_original", "published_at", "id"]
    assert CANONICAL_SORT[0]["is_original"]["order"] == "desc"
    assert CANONICAL_SORT[1]["published_at"]["order"] == "asc"
    assert "highlight" in inner["canonical"] and "facts" in inner["canonical"]["_source"]
    assert "lsh_bands" not in inner["canonical"]["_source"]


def test_the_total_and_facets_count_clusters_when_collapsed_and_documents_when_expanded():
    collapsed = search_body(SearchRequest(places=["Beijing"]), {})
    assert collapsed["aggs"]["clusters"]["filter"] == {
        "bool": {"filter": [{"terms": {"place_names": ["Beijing"]}}]}
    }
    assert counted_by(collapsed) == {"cluster_key"}
    assert collapsed["aggs"][UNCLUSTERED] == {"missing": {"field": "cluster_id"}}
    assert collapsed["aggs"][UNKEYED] == {"missing": {"field": "cluster_key"}}
    expanded = search_body(SearchRequest(places=["Beijing"], expand_reposts=True), {})
    assert "collapse" not in expanded
    assert set(expanded["aggs"]) == set(FACETS)
    assert "aggs" not in expanded["aggs"]["topics"]["aggs"]["values"]


def counted_by(body: dict[str, Any]) -> set[str]:
    """The fields of every cardinality aggregation in ``body``, at any depth."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "cardinality" in node:
                found.add(node["cardinality"]["field"])
            for value in node.values():
                walk(value)

    walk(body["aggs"])
    return found


def test_clusters_clustered_before_keys_existed_are_counted_by_their_id():
    body = search_body(SearchRequest(places=["Beijing"]), {}, count_by="cluster_id")
    assert counted_by(body) == {"cluster_id"}
    assert UNKEYED not in body["aggs"]


class RecordingEngine:
    """Answers each search with the next canned response and keeps the bodies it was sent."""

    def __init__(self, *responses: dict[str, Any]) -> None:
        self.responses = list(responses)
        self.bodies: list[dict[str, Any]] = []

    def search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        self.bodies.append(body)
        return self.responses.pop(0)


def member(doc_id: str, source: str, published: str) -> dict[str, Any]:
    return {
        "_source": {
            "id": doc_id,
            "url": f"https://{source}.example/{doc_id}",
            "title": f"Notice {doc_id}",
            "published_at": published,
            "source_id": source,
            "cluster_id": "c1",
        }
    }


def collapsed_response(unclustered: int = 0, unkeyed: int = 0) -> dict[str, Any]:
    canonical = {**member("b", "bureau", "2024-03-02"), "highlight": {"text.cjk": ["<mark>补贴</mark>"]}}
    copies = [member("b", "bureau", "2024-03-02"), member("a", "portal", "2024-03-01")]
    hit = {
        "_source": member("a", "portal", "2024-03-01")["_source"],
        "inner_hits": {
            "canonical": {"hits": {"total": {"value": 2}, "hits": [canonical]}},
            "copies": {"hits": {"total": {"value": 2}, "hits": copies}},
        },
    }
    aggs = {name: BUCKETS for name in FACETS}
    return {
        "hits": {"total": {"value": 2}, "hits": [hit]},
        "aggregations": {
            **aggs,
            "clusters": {"count": {"value": 1}},
            UNCLUSTERED: {"doc_count": unclustered},
            UNKEYED: {"doc_count": unkeyed},
        },
    }


def expanded_response() -> dict[str, Any]:
    hits = [
        member("a", "portal", "2024-03-01"),
        {"_source": {**member("z", "old", "2023-01-01")["_source"], "cluster_id": None}},
    ]
    return {"hits": {"total": {"value": 2}, "hits": hits}, "aggregations": {name: BUCKETS for name in FACETS}}


def test_a_collapsed_hit_is_the_canonical_member_with_the_other_copies_listed():
    result = run_search(RecordingEngine(collapsed_response()), "news", SearchRequest(q="补贴"))
    assert (result["total"], result["counts"]) == (1, "clusters")
    [hit] = result["hits"]
    assert (hit["id"], hit["source_id"], hit["highlight"]["text"]) == ("b", "bureau", ["<mark>补贴</mark>"])
    assert hit["copy_count"] == 1
    assert hit["copies"] == [
        {
            "id": "a",
            "url": "https://portal.example/a",
            "title": "Notice a",
            "published_at": "2024-03-01",
            "source_id": "portal",
        }
    ]
    assert result["facets"]["places"] == [{"value": "beijing", "count": 1}]
    assert "also published by 1 source:" in format_hit(hit)
    assert "https://portal.example/a" in format_hit(hit)


def test_a_search_of_keyed_clusters_asks_once():
    engine = RecordingEngine(collapsed_response())
    run_search(engine, "news", SearchRequest(q="补贴"))
    assert len(engine.bodies) == 1 and counted_by(engine.bodies[0]) == {"cluster_key"}


def test_documents_without_a_cluster_key_make_the_search_count_clusters_by_their_id():
    engine = RecordingEngine(collapsed_response(unkeyed=2), collapsed_response())
    result = run_search(engine, "news", SearchRequest(q="补贴"))
    assert counted_by(engine.bodies[1]) == {"cluster_id"} and "collapse" in engine.bodies[1]
    assert (result["total"], result["counts"]) == (1, "clusters")


def test_documents_without_a_cluster_make_the_search_show_every_document_each_its_own_cluster():
    engine = RecordingEngine(collapsed_response(unclustered=1), expanded_response())
    result = run_search(engine, "news", SearchRequest(q="补贴"))
    assert "collapse" in engine.bodies[0] and "collapse" not in engine.bodies[1]
    assert (result["total"], result["counts"]) == (2, "documents")
    assert [(hit["id"], hit["cluster_id"], hit["copy_count"]) for hit in result["hits"]] == [
        ("a", "c1", 0),
        ("z", "z", 0),
    ]
    assert result["facets"]["places"] == [{"value": "beijing", "count": 3}]


def test_an_expanded_search_asks_once_and_counts_documents():
    engine = RecordingEngine(expanded_response())
    result = run_search(engine, "news", SearchRequest(expand_reposts=True))
    assert len(engine.bodies) == 1 and result["counts"] == "documents"
    assert "also published by" not in format_hit(result["hits"][0])
