"""The clause percolation sends the engine only the fields a text query reads."""

from __future__ import annotations

from typing import Any

from indexer.alerts.clauses import TEXT_FIELDS, ClauseBook


class FakeEngine:
    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []

    def search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        self.bodies.append(body)
        hit = {"_source": {"clause_id": "c1"}, "fields": {"_percolator_document_slot": [1]}, "sort": ["c1"]}
        return {"hits": {"hits": [hit]}}


def test_only_text_fields_are_percolated_and_slots_come_back_per_clause():
    assert TEXT_FIELDS == ["companies", "folded", "issuer_names", "text", "title"]
    engine = FakeEngine()
    docs = [
        {"id": "a", "title": "T", "text": "x", "entities": {"money": [{"value": 1}]}, "place_names": ["P"]},
        {"id": "b", "title": "U", "companies": ["C"], "folded": {"text": "y"}},
    ]
    assert ClauseBook(engine, "clauses").matched_slots(docs) == {"c1": {1}}  # type: ignore[arg-type]
    sent = engine.bodies[0]["query"]["bool"]["must"][0]["percolate"]["documents"]
    assert sent == [{"title": "T", "text": "x"}, {"title": "U", "companies": ["C"], "folded": {"text": "y"}}]
