"""Alert texts percolated once per distinct clause, not once per alert.

Percolating an alert costs the engine its query's parsing, and a text query is the dear part: every
word is expanded by the glossary and analyzed for eight fields. Thousands of alerts share their words,
so a text that splits into top-level clauses (``indexer.query_clauses``) is stored as clause
references: each distinct clause is one percolator document in the clauses index (id: a hash of its
query), and the alert's own percolator query keeps only its filters, cheap to run. A batch is first
percolated against the clauses; the alerts whose every clause matched some document of the batch are
then percolated for their filters, and an alert matches a document when the document matched its
filters and each of its clauses (``MatchRecorder``). The result is the same as percolating the whole
query, because the engine joins top-level clauses with AND; a clause it reduces to nothing (a stop word
such as "OR") it drops from the whole query, so such a clause is stored marked ``empty`` and left out
of the alert's clauses. An alert whose text cannot be split, or whose every clause is empty, keeps
its whole query and no clauses.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from indexer.alerts.paging import raise_for_bulk, search_pages
from indexer.engine import Engine
from indexer.query import FOLDED_FIELDS, SEARCH_FIELDS

EMPTY = "MatchNoDocsQuery"  # how the engine explains a query it reduced to nothing
# The document fields a clause (a text query over SEARCH_FIELDS and FOLDED_FIELDS) reads.
TEXT_FIELDS = sorted({field.split("^")[0].split(".")[0] for field in SEARCH_FIELDS + FOLDED_FIELDS})
CLAUSE_PAGE = 10_000  # matching clauses per page of a percolation


def clause_id(query: dict[str, Any]) -> str:
    """The id of a clause's percolator document: the same query always gets the same id."""
    text = json.dumps(query, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class ClauseBook:
    """The clauses index: stores clauses once and percolates batches against them."""

    def __init__(self, engine: Engine, index: str) -> None:
        self.engine = engine
        self.index = index
        self._empty: dict[str, bool] = {}  # clauses known to be stored: whether each is empty

    def register(self, texts: list[list[dict[str, Any]] | None]) -> list[list[str]]:
        """Store the clauses not stored yet (searchable on return); per alert text (its clause
        queries, or None when it cannot be split), the ids of its non-empty clauses, or [] when the
        alert must keep its whole query."""
        queries = {clause_id(q): q for clauses in texts for q in clauses or []}
        self._learn([key for key in queries if key not in self._empty], queries)
        return [self._usable([clause_id(q) for q in clauses or []]) for clauses in texts]

    def _learn(self, keys: list[str], queries: dict[str, dict[str, Any]]) -> None:
        if not keys:
            return
        stored = self.engine.get_docs(self.index, keys, ["empty"])
        self._empty.update({key: bool(source.get("empty")) for key, source in stored.items()})
        new = [key for key in keys if key not in stored]
        operations: list[dict[str, Any]] = []
        for key in new:
            empty = self.engine.explain_query(self.index, queries[key]).startswith(EMPTY)
            operations += [
                {"index": {"_index": self.index, "_id": key}},
                {"query": queries[key], "clause_id": key, "empty": empty},
            ]
            self._empty[key] = empty
        if operations:
            response = self.engine.bulk(operations, refresh="wait_for")
            raise_for_bulk(response, "storing alert text clauses")

    def _usable(self, keys: list[str]) -> list[str]:
        return list(dict.fromkeys(key for key in keys if not self._empty[key]))

    def matched_slots(self, docs: list[dict[str, Any]]) -> dict[str, set[int]]:
        """Per clause some document of ``docs`` matches, the indexes of those documents. Only the
        fields a text query reads are sent: the engine indexes every field sent in memory first."""
        texts = [{name: doc[name] for name in TEXT_FIELDS if name in doc} for doc in docs]
        percolate = {"percolate": {"field": "query", "documents": texts}}
        body = {
            "query": {"bool": {"must": [percolate], "must_not": [{"term": {"empty": True}}]}},
            "_source": ["clause_id"],
        }
        slots: dict[str, set[int]] = {}
        for hits in search_pages(self.engine, self.index, body, ["clause_id"], CLAUSE_PAGE):
            for hit in hits:
                found = hit.get("fields", {}).get("_percolator_document_slot", [])
                slots[hit["_source"]["clause_id"]] = set(found)
        return slots


def clause_filter(matched: Iterable[str]) -> dict[str, Any]:
    """Keeps the alerts whose every clause is in ``matched``, and those without clauses."""
    whole = {"bool": {"must_not": [{"exists": {"field": "clauses"}}]}}
    matched = sorted(matched)
    if not matched:
        return whole
    every = {"terms_set": {"clauses": {"terms": matched, "minimum_should_match_field": "clause_count"}}}
    return {"bool": {"should": [every, whole], "minimum_should_match": 1}}


def slots_of(hit: dict[str, Any], start: int, clause_slots: dict[str, set[int]]) -> list[int]:
    """The documents (offset by ``start``) an alert's percolator hit matches: those its filters
    matched and, for an alert stored as clauses, every one of its clauses too."""
    found = set(hit.get("fields", {}).get("_percolator_document_slot", []))
    for key in hit["_source"].get("clauses") or []:
        found &= clause_slots.get(key, set())
    return [start + slot for slot in sorted(found)]
