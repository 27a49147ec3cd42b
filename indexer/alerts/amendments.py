"""Amendments for alerts with ``on_change``: when a document an alert has already delivered gets a
new version, the alert's next digest lists it under "Amended" with what changed.

An amendment waits in the matches index like a match, under the id ``{alert id}|{version id}``
(created once: replays and racing indexers change nothing), with no ``deadline`` of its own (its
document's deadline is reminded of through the original match) and its document summary carrying
``amendment``: the version and the fact changes as sentences. The digest service sends and marks
it like any match.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from indexer.alerts.store import PAGE_SIZE, doc_summary, ensure_alert_indices, raise_for_bulk
from indexer.engine import Engine, EngineConflict
from indexer.versions.store import Amended


def amendment_id(alert_key: str, version_id: str) -> str:
    return f"{alert_key}|{version_id}"


def amendment_summary(amended: Amended) -> dict[str, Any]:
    """What a digest shows of an amended document: its summary with the changes."""
    return {
        **doc_summary(amended.doc),
        "amendment": {
            "version_id": amended.version_id,
            "previous": amended.previous,
            "fetched_at": amended.doc.get("fetched_at"),
            "changes": amended.summary or ["the text changed"],
        },
    }


class AmendmentRecorder:
    def __init__(self, engine: Engine, alias: str, replicas: int | None = None) -> None:
        self.engine = engine
        self.names = ensure_alert_indices(engine, alias, replicas)

    def record(self, amended: list[Amended]) -> int:
        """Queue an amendment for every ``on_change`` alert that has delivered one of the amended
        documents; the number newly queued."""
        if not amended:
            return 0
        delivered = self._delivered_to({a.doc_id for a in amended})
        watching = self._watching({alert for alerts in delivered.values() for alert in alerts})
        now = datetime.now(UTC).isoformat()
        operations: list[dict[str, Any]] = []
        for change in amended:
            for alert in sorted(delivered.get(change.doc_id, set()) & set(watching)):
                operations += [
                    {
                        "create": {
                            "_index": self.names["matches"],
                            "_id": amendment_id(alert, change.version_id),
                        }
                    },
                    {
                        "alert_id": alert,
                        "doc_id": change.doc_id,
                        "matched_at": now,
                        "message_id": None,
                        "deadline": None,
                        "instant": watching[alert],
                        "doc": amendment_summary(change),
                    },
                ]
        if not operations:
            return 0
        response = self.engine.bulk(operations, refresh="wait_for")
        raise_for_bulk(response, "queueing amendments", accept=(EngineConflict,))
        return sum(1 for item in response["items"] if item["create"].get("result") == "created")

    def _delivered_to(self, doc_ids: set[str]) -> dict[str, set[str]]:
        """Per document, the alerts that have delivered it (or an amendment of it)."""
        query = {
            "bool": {"filter": [{"terms": {"doc_id": sorted(doc_ids)}}, {"exists": {"field": "message_id"}}]}
        }
        delivered: dict[str, set[str]] = {}
        for bucket in self._pairs(query):
            delivered.setdefault(bucket["doc"], set()).add(bucket["alert"])
        return delivered

    def _pairs(self, query: dict[str, Any]) -> Iterator[dict[str, str]]:
        """Each (alert, document) pair among the matches ``query`` selects, every page read."""
        after: dict[str, Any] | None = None
        while True:
            composite: dict[str, Any] = {
                "size": PAGE_SIZE,
                "sources": [
                    {"alert": {"terms": {"field": "alert_id"}}},
                    {"doc": {"terms": {"field": "doc_id"}}},
                ],
            }
            if after:
                composite["after"] = after
            body = {"size": 0, "query": query, "aggs": {"pairs": {"composite": composite}}}
            result = self.engine.search(self.names["matches"], body)["aggregations"]["pairs"]
            for bucket in result["buckets"]:
                yield bucket["key"]
            after = result.get("after_key")
            if not result["buckets"] or not after:
                return

    def _watching(self, alert_ids: set[str]) -> dict[str, bool]:
        """The alerts among ``alert_ids`` that asked to hear of amendments, and whether each is
        instant (the scheduler finds instant alerts with work by their waiting matches)."""
        fields = ["alert.on_change", "alert.every"]
        stored = self.engine.get_docs(self.names["alerts"], sorted(alert_ids), fields)
        return {
            key: alert.get("every") == "instant"
            for key, source in stored.items()
            if (alert := source.get("alert") or {}).get("on_change")
        }
