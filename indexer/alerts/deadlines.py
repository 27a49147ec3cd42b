"""Amended deadlines reach the alerts' matches: when a new version of a document moves (or adds, or
drops) its deadline, every match of that document takes the new one, so digests not yet sent show it
and reminders are timed by it.

A match already reminded of its old deadline is reminded again when the deadline moved later (the
reminder it had was for a date that no longer holds); when the deadline moved earlier, the reminder it
had came even sooner than needed, and it is not sent again. Amendment entries (``amendments.py``)
carry no deadline of their own and are left alone.
"""

from __future__ import annotations

from typing import Any

from indexer.alerts.match_sets import FOLLOW_DEADLINE
from indexer.alerts.store import PAGE_SIZE, ensure_alert_indices, match_id, raise_for_bulk, search_pages
from indexer.engine import Engine, EngineNotFound
from indexer.versions.store import Amended


def new_deadlines(amended: list[Amended]) -> dict[str, str | None]:
    """Per amended document, the deadline of its newest version in the batch (None: it has none)."""
    return {change.doc_id: (change.doc.get("facts") or {}).get("deadline") for change in amended}


class DeadlineFollower:
    """Carries the deadlines of amended documents into the matches recorded for them."""

    def __init__(self, engine: Engine, alias: str, replicas: int | None = None) -> None:
        self.engine = engine
        self.names = ensure_alert_indices(engine, alias, replicas)

    def follow(self, amended: list[Amended]) -> int:
        """Update the matches of ``amended`` whose deadline changed; how many were changed."""
        deadlines = new_deadlines(amended)
        if not deadlines:
            return 0
        operations: list[dict[str, Any]] = []
        for hit in self._stale_matches(deadlines):
            deadline = deadlines[hit["_source"]["doc_id"]]
            operations += [
                {"update": {"_index": self.names["matches"], "_id": hit["_id"], "retry_on_conflict": 5}},
                {"script": {"source": FOLLOW_DEADLINE, "lang": "painless", "params": {"deadline": deadline}}},
            ]
        if not operations:
            return 0
        response = self.engine.bulk(operations, refresh="wait_for")
        raise_for_bulk(response, "moving the deadlines of amended documents", (EngineNotFound,))
        return sum(1 for item in response["items"] if item["update"].get("result") == "updated")

    def _stale_matches(self, deadlines: dict[str, str | None]) -> list[dict[str, Any]]:
        """The matches (not amendment entries) of these documents whose deadline is not the new one."""
        body = {
            "query": {"bool": {"filter": [{"terms": {"doc_id": sorted(deadlines)}}]}},
            "_source": ["alert_id", "doc_id", "deadline"],
        }
        stale = []
        try:
            for page in search_pages(self.engine, self.names["matches"], body, ["_doc"], PAGE_SIZE):
                stale += [hit for hit in page if _is_stale(hit, deadlines)]
        except EngineNotFound:
            return []
        return stale


def _is_stale(hit: dict[str, Any], deadlines: dict[str, str | None]) -> bool:
    source = hit["_source"]
    if hit["_id"] != match_id(source["alert_id"], source["doc_id"]):
        return False  # an amendment entry, not the document's match
    old = (source.get("deadline") or "")[:10] or None
    new = (deadlines[source["doc_id"]] or "")[:10] or None
    return old != new
