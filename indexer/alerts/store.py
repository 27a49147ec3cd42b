"""Alerts stored as percolator queries, and the indices of matches, digests and locks."""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from indexer.alerts.model import Alert, alert_id, index_names
from indexer.engine import Engine, status_of
from indexer.mapping import INDEX_BODY
from indexer.query import SearchRequest, build_query

_KEYWORD = {"type": "keyword"}
_DATE = {"type": "date"}


def _bodies() -> dict[str, dict[str, Any]]:
    single = {"number_of_shards": 1, "number_of_replicas": 0}
    # The percolator index must map every field a stored query can name: the announcement fields.
    announcement_fields = INDEX_BODY["mappings"]["properties"]
    return {
        "alerts": {
            "settings": single,
            "mappings": {
                "dynamic": "strict",
                "properties": {
                    **announcement_fields,
                    "query": {"type": "percolator"},
                    "alert_id": _KEYWORD,
                    "owner": _KEYWORD,
                    "alert": {"type": "object", "enabled": False},
                },
            },
        },
        "matches": {
            "settings": single,
            "mappings": {
                "dynamic": "strict",
                "properties": {
                    "alert_id": _KEYWORD,
                    "doc_id": _KEYWORD,
                    "matched_at": _DATE,
                    "message_id": _KEYWORD,
                    "doc": {"type": "object", "enabled": False},
                },
            },
        },
        "digests": {
            "settings": single,
            "mappings": {
                "dynamic": "strict",
                "properties": {
                    "alert_id": _KEYWORD,
                    "status": _KEYWORD,
                    "fire_time": _DATE,
                    "created_at": _DATE,
                    "sent_at": _DATE,
                    "match_ids": _KEYWORD,
                    "attempts": {"type": "integer"},
                    "next_attempt_at": _DATE,
                },
            },
        },
        "locks": {
            "settings": single,
            "mappings": {"dynamic": "strict", "properties": {"owner": _KEYWORD, "expires_at": _DATE}},
        },
    }


def ensure_alert_indices(engine: Engine, alias: str) -> dict[str, str]:
    names = index_names(alias)
    for key, body in _bodies().items():
        if not engine.index_exists(names[key]):
            try:
                engine.create_index(names[key], body)
            except Exception:
                if not engine.index_exists(names[key]):
                    raise
    return names


def new_webhook_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


class AlertStore:
    def __init__(self, engine: Engine, alias: str) -> None:
        self.engine = engine
        self.alias = alias
        self.names = ensure_alert_indices(engine, alias)

    def save(self, alert: Alert) -> Alert:
        query = build_query(SearchRequest(q=alert.q, **alert.conditions.model_dump()))
        body = {
            "query": query,
            "alert_id": alert.id,
            "owner": alert.owner,
            "alert": alert.model_dump(mode="json"),
        }
        self.engine.index_doc(self.names["alerts"], alert.id, body, refresh="wait_for")
        return alert

    def get(self, owner: str, name: str) -> Alert | None:
        doc = self.engine.get_doc(self.names["alerts"], alert_id(owner, name))
        return Alert.model_validate(doc["_source"]["alert"]) if doc else None

    def list(self, owner: str | None = None) -> list[Alert]:
        query = {"term": {"owner": owner}} if owner else {"match_all": {}}
        response = self.engine.search(
            self.names["alerts"], {"query": query, "size": 1000, "sort": ["alert_id"]}
        )
        return [Alert.model_validate(hit["_source"]["alert"]) for hit in response["hits"]["hits"]]

    def remove(self, owner: str, name: str) -> bool:
        return self.engine.delete_doc(self.names["alerts"], alert_id(owner, name), refresh="wait_for")

    def set_last_fire(self, alert: Alert, fire_time: datetime) -> None:
        self.engine.update_doc(
            self.names["alerts"],
            alert.id,
            {"alert": {**alert.model_dump(mode="json"), "last_fire": fire_time.isoformat()}},
            refresh="wait_for",
        )


def match_id(alert_key: str, doc_id: str) -> str:
    return f"{alert_key}|{doc_id}"


def doc_summary(doc: dict[str, Any]) -> dict[str, Any]:
    """What a digest shows of a document (kept with the match so digests need no other lookup)."""
    entities = doc.get("entities") or {}
    return {
        "id": doc.get("id"),
        "url": doc.get("url"),
        "title": doc.get("title"),
        "published_at": doc.get("published_at"),
        "source_id": doc.get("source_id"),
        "money": [
            {k: m.get(k) for k in ("text", "value", "currency", "value_cny", "is_subsidy", "qualifier")}
            for m in entities.get("money", [])
        ],
        "places": sorted({p["canonical"] for p in entities.get("places", [])}),
        "provinces": list(
            dict.fromkeys(p["province"] for p in entities.get("places", []) if p.get("province"))
        ),
        "companies": sorted({c["canonical"] for c in entities.get("companies", [])}),
    }


class MatchRecorder:
    """Percolates new documents against every alert and records each match once (by id)."""

    def __init__(self, engine: Engine, alias: str) -> None:
        self.engine = engine
        self.names = ensure_alert_indices(engine, alias)

    def matching_alerts(self, docs: list[dict[str, Any]], batch: int = 100) -> list[tuple[str, int]]:
        """(alert id, index into ``docs``) for every alert each document matches; nothing is recorded."""
        found: list[tuple[str, int]] = []
        for start in range(0, len(docs), batch):
            body = {
                "query": {"percolate": {"field": "query", "documents": docs[start : start + batch]}},
                "size": 1000,
                "_source": ["alert_id"],
            }
            for hit in self.engine.search(self.names["alerts"], body)["hits"]["hits"]:
                for slot in hit.get("fields", {}).get("_percolator_document_slot", []):
                    found.append((hit["_source"]["alert_id"], start + slot))
        return found

    def percolate(self, docs: list[dict[str, Any]]) -> int:
        """Record a match for every (alert, document) pair the documents produce; new matches count."""
        return self.record([(alert, docs[slot]) for alert, slot in self.matching_alerts(docs)])

    def record(self, pairs: list[tuple[str, dict[str, Any]]]) -> int:
        """Create a match per (alert, document) unless it exists: replays change nothing."""
        if not pairs:
            return 0
        now = datetime.now(UTC).isoformat()
        operations: list[dict[str, Any]] = []
        for key, doc in pairs:
            operations.append({"create": {"_index": self.names["matches"], "_id": match_id(key, doc["id"])}})
            operations.append(
                {
                    "alert_id": key,
                    "doc_id": doc["id"],
                    "matched_at": now,
                    "message_id": None,
                    "doc": doc_summary(doc),
                }
            )
        response = self.engine.bulk(operations, refresh="wait_for")
        failures = [
            i["create"] for i in response["items"] if i["create"].get("status", 500) not in (201, 409)
        ]
        if failures:
            raise RuntimeError(f"recording alert matches failed: {failures[0].get('error')}")
        return sum(1 for i in response["items"] if i["create"].get("status") == 201)

    def backfill(self, alert: Alert, alias: str, days: int) -> int:
        """Record what ``alert`` catches among documents fetched in the last ``days`` days."""
        if days <= 0:
            return 0
        since = (datetime.now(UTC) - timedelta(days=days)).isoformat()
        query = build_query(SearchRequest(q=alert.q, **alert.conditions.model_dump()))
        query["bool"]["filter"].append({"range": {"fetched_at": {"gte": since}}})
        try:
            response = self.engine.search(alias, {"query": query, "size": 1000})
        except Exception as exc:
            if status_of(exc) == 404:
                return 0  # nothing indexed yet
            raise
        return self.record([(alert.id, hit["_source"]) for hit in response["hits"]["hits"]])
