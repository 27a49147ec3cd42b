"""Every version of every document, in ``<alias>-versions``: one document per (document id, content
hash), id ``{doc_id}:{content_hash[:16]}``, with its title, text, entities, facts, dates and its
``diff`` against the version before it.

A document's first version is written when its second arrives (copied from the live index then), so
a page that never changes costs one real-time lookup of its hash and nothing more. Versions are
written with ``create`` before the live document is, so a replay, a crash between the two writes or
two indexers racing write each version once and never lose one: a version already stored keeps the
diff it was stored with.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from indexer.engine import Engine, EngineConflict, EngineError, EngineUnavailable, bulk_item_error
from indexer.versions.diff import version_diff

log = logging.getLogger(__name__)

# What a version keeps of its document.
VERSION_FIELDS = [
    "id",
    "url",
    "source_id",
    "title",
    "text",
    "entities",
    "facts",
    "published_at",
    "fetched_at",
]
_LIVE_FIELDS = ["content_hash", "fetched_at", "version_count"]
_STORED = {"type": "text", "index": False}
_OPAQUE = {"type": "object", "enabled": False}
_KEYWORD = {"type": "keyword"}
VERSIONS_MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "version_id": _KEYWORD,
        "doc_id": _KEYWORD,
        "content_hash": _KEYWORD,
        "url": _KEYWORD,
        "source_id": _KEYWORD,
        "title": _STORED,
        "text": _STORED,
        "entities": _OPAQUE,
        "facts": _OPAQUE,
        "published_at": {"type": "date"},
        "fetched_at": {"type": "date"},
        "recorded_at": {"type": "date"},
        "previous": _KEYWORD,  # the version this one's diff is against (None: the first known)
        "changed": _KEYWORD,  # the fields whose facts changed (deadline, money, ...)
        "diff": _OPAQUE,
    },
}


def versions_index(alias: str) -> str:
    return f"{alias}-versions"


def version_id(doc_id: str, content_hash: str) -> str:
    return f"{doc_id}:{content_hash[:16]}"


def ensure_versions_index(engine: Engine, alias: str, replicas: int | None = None) -> str:
    """Create ``<alias>-versions`` (one shard) unless it exists; an existing one gets new fields."""
    index = versions_index(alias)
    if engine.index_exists(index):
        engine.add_fields(index, VERSIONS_MAPPING["properties"])
        return index
    body = {
        "settings": {"number_of_shards": 1, "number_of_replicas": replicas or 0},
        "mappings": VERSIONS_MAPPING,
    }
    try:
        engine.create_index(index, body)
    except EngineError:  # another indexer created it meanwhile
        if not engine.index_exists(index):
            raise
    return index


@dataclass(frozen=True)
class Amended:
    """A document that changed: its new version and what changed."""

    doc_id: str
    version_id: str
    previous: str
    doc: dict[str, Any]  # the new version's document
    summary: list[str]  # the fact changes as sentences


@dataclass
class _Latest:
    """The latest version known of a document while a batch is read."""

    content_hash: str
    fetched_at: str
    count: int
    doc: dict[str, Any] | None  # None: in the live index, read only when needed


@dataclass
class _Plan:
    snapshots: dict[str, dict[str, Any]] = field(default_factory=dict)  # version id -> earlier doc
    changes: list[tuple[_Latest, dict[str, Any]]] = field(default_factory=list)
    older: list[dict[str, Any]] = field(default_factory=list)  # versions older than the live one


class VersionKeeper:
    """Finds the documents of a batch whose content changed and stores their versions."""

    def __init__(
        self, engine: Engine, alias: str, replicas: int | None = None, refresh: str = "false"
    ) -> None:
        self.engine = engine
        self.alias = alias
        self.refresh = refresh
        self.index = ensure_versions_index(engine, alias, replicas)

    def keep(self, docs: Iterable[dict[str, Any]]) -> list[Amended]:
        """Store the versions ``docs`` (the batch's documents, several per id allowed) bring, set each
        document's ``version_count``, and return the documents that changed, oldest change first."""
        docs = sorted(docs, key=lambda d: _instant(d["fetched_at"]))
        live = self.engine.get_docs(self.alias, list(dict.fromkeys(d["id"] for d in docs)), _LIVE_FIELDS)
        plan = self._plan(docs, live)
        self._read_live(plan)
        versions, amended = self._versions(plan)
        self._create(versions)
        return amended

    def _plan(self, docs: list[dict[str, Any]], live: dict[str, dict[str, Any]]) -> _Plan:
        plan = _Plan()
        latest = {
            doc_id: _Latest(s["content_hash"], s["fetched_at"], int(s.get("version_count") or 1), None)
            for doc_id, s in live.items()
            if s.get("content_hash")
        }
        for doc in docs:
            known = latest.get(doc["id"])
            if known is None:
                latest[doc["id"]] = _Latest(doc["content_hash"], doc["fetched_at"], 1, doc)
            elif doc["content_hash"] == known.content_hash:
                pass
            elif _instant(doc["fetched_at"]) <= _instant(known.fetched_at):
                plan.older.append(doc)
            else:
                plan.changes.append((known, doc))
                latest[doc["id"]] = _Latest(doc["content_hash"], doc["fetched_at"], known.count + 1, doc)
            doc["version_count"] = latest[doc["id"]].count
        return plan

    def _read_live(self, plan: _Plan) -> None:
        """Fill in the earlier versions that are only in the live index (one request)."""
        wanted = [doc["id"] for known, doc in plan.changes if known.doc is None]
        sources = self.engine.get_docs(self.alias, wanted, [*VERSION_FIELDS, "content_hash"])
        for known, doc in plan.changes:
            if known.doc is None:
                known.doc = sources.get(doc["id"]) or {**doc, "content_hash": known.content_hash}

    def _versions(self, plan: _Plan) -> tuple[list[dict[str, Any]], list[Amended]]:
        versions: dict[str, dict[str, Any]] = {}
        amended: list[Amended] = []
        for known, doc in plan.changes:
            earlier = known.doc or {}
            previous = version_id(doc["id"], known.content_hash)
            versions.setdefault(previous, _version(earlier, None, None))
            current = _version(doc, earlier, previous)
            versions[current["version_id"]] = current
            summary = current["diff"]["summary"]
            amended.append(Amended(doc["id"], current["version_id"], previous, doc, summary))
        for doc in plan.older:
            earlier = self._stored_before(doc)
            previous = earlier.get("version_id") if earlier else None
            versions.setdefault(version_id(doc["id"], doc["content_hash"]), _version(doc, earlier, previous))
        return list(versions.values()), amended

    def _stored_before(self, doc: dict[str, Any]) -> dict[str, Any] | None:
        """The latest stored version of ``doc`` fetched before it (for a version that arrives late)."""
        body = {
            "query": {
                "bool": {
                    "filter": [
                        {"term": {"doc_id": doc["id"]}},
                        {"range": {"fetched_at": {"lt": doc["fetched_at"]}}},
                    ]
                }
            },
            "sort": [{"fetched_at": "desc"}],
            "size": 1,
        }
        hits = self.engine.search(self.index, body)["hits"]["hits"]
        return {**hits[0]["_source"], "id": doc["id"]} if hits else None

    def _create(self, versions: list[dict[str, Any]]) -> None:
        if not versions:
            return
        operations: list[dict[str, Any]] = []
        for version in versions:
            operations += [{"create": {"_index": self.index, "_id": version["version_id"]}}, version]
        response = self.engine.bulk(operations, refresh=self.refresh)
        for item in response["items"]:
            error = bulk_item_error(item, "storing a version")
            if error is None or isinstance(error, EngineConflict):  # a conflict: stored before, kept
                continue
            if isinstance(error, EngineUnavailable):  # not now: the batch is done again
                raise error
            # Refused for good: one such version must not hold up the batch (the live write decides
            # the record's fate: written, or dead-lettered with the engine's reason).
            log.warning("%s; the version is not kept", error)

    def history(self, doc_id: str, limit: int = 100) -> list[dict[str, Any]]:
        """The stored versions of ``doc_id``, newest first (at most ``limit``)."""
        return history(self.engine, self.alias, doc_id, limit)


def version_counts(engine: Engine, alias: str, doc_ids: list[str]) -> dict[str, int]:
    """How many versions are stored for each of ``doc_ids`` (those with none are left out)."""
    index = versions_index(alias)
    if not doc_ids or not engine.index_exists(index):
        return {}
    body = {
        "size": 0,
        "query": {"terms": {"doc_id": doc_ids}},
        "aggs": {"docs": {"terms": {"field": "doc_id", "size": len(doc_ids)}}},
    }
    buckets = engine.search(index, body)["aggregations"]["docs"]["buckets"]
    return {bucket["key"]: int(bucket["doc_count"]) for bucket in buckets}


def history(engine: Engine, alias: str, doc_id: str, limit: int = 100) -> list[dict[str, Any]]:
    """The stored versions of ``doc_id``, newest first (at most ``limit``); [] when none or no index."""
    body = {
        "query": {"term": {"doc_id": doc_id}},
        "sort": [{"fetched_at": "desc"}, {"version_id": "desc"}],
        "size": limit,
    }
    index = versions_index(alias)
    if not engine.index_exists(index):
        return []
    return [hit["_source"] for hit in engine.search(index, body)["hits"]["hits"]]


def _version(doc: dict[str, Any], earlier: dict[str, Any] | None, previous: str | None) -> dict[str, Any]:
    diff = _diff_or_none(earlier, doc) if earlier is not None else None
    return {
        "version_id": version_id(doc["id"], doc["content_hash"]),
        "doc_id": doc["id"],
        "content_hash": doc["content_hash"],
        **{name: doc.get(name) for name in VERSION_FIELDS if name != "id"},
        "recorded_at": datetime.now(UTC).isoformat(),
        "previous": previous,
        "changed": sorted({c["field"] for c in diff["changes"]}) if diff else [],
        "diff": diff,
    }


def _diff_or_none(earlier: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any] | None:
    """The diff of two versions; a diff that fails (a defect of ours, never of the record) is
    logged and the version kept without one, so that it cannot stop the batch for good."""
    try:
        return version_diff(earlier, doc)
    except Exception:
        log.exception("cannot diff document %s against its previous version; kept without a diff", doc["id"])
        return None


def _instant(value: str | datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
