"""Alerts stored as percolator queries, and the indices of matches, digests and locks.

Nothing here reads a capped page: every listing, percolation and backfill pages through all hits
with ``search_after`` on a sort that ends in a unique keyword.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from indexer.alerts.clauses import ClauseBook, clause_filter, slots_of
from indexer.alerts.due import as_field, first_reminder, next_fire_time
from indexer.alerts.local_book import LocalBook
from indexer.alerts.local_match import LOCAL, PAUSED, BatchFacts, is_local
from indexer.alerts.match_sets import MAPPING as MATCH_SETS_MAPPING
from indexer.alerts.match_sets import match_id, set_alerts, set_body
from indexer.alerts.materialize import materialize, materialize_all
from indexer.alerts.model import Alert, alert_id, index_names
from indexer.alerts.narrowing import MAPPING as NARROW_MAPPING
from indexer.alerts.narrowing import VERSION as NARROW_VERSION
from indexer.alerts.narrowing import alert_narrowing, batch_filter
from indexer.alerts.paging import PAGE_SIZE, raise_for_bulk, search_pages
from indexer.engine import Engine, EngineConflict, EngineError, EngineNotFound
from indexer.mapping import INDEX_BODY
from indexer.query import SearchRequest, build_query, text_clauses, text_query

__all__ = ["PAGE_SIZE", "match_id", "raise_for_bulk", "search_pages"]  # also imported from here
PERCOLATE_BATCH = 256  # documents percolated in one request (the indexer's batch: settings.index_batch_size)
# Matching alerts per page of a percolation: each page runs the whole percolation again, so a page
# holds as many alerts as the alerts index lets one search return (its ``max_result_window``).
PERCOLATE_PAGE = 100_000
ALERTS_WINDOW = {"index": {"max_result_window": PERCOLATE_PAGE}}
SET_PAIRS_PER_REQUEST = 50_000  # (alert, document) pairs named by the match sets of one bulk request
_KEYWORD = {"type": "keyword"}
_DATE = {"type": "date"}
_LONG = {"type": "long"}
_BOOLEAN = {"type": "boolean"}
# Fields added after the first release: put into the mappings of indices that already exist. A
# match's ``deadline`` (its document's, when it has one) and ``reminder_id`` (the message that
# reminded of it) serve reminders; a digest's ``kind`` tells reminders (``reminder``) from digests.
# A match's ``cluster_id`` is its document's (the document's own id when it has none), and
# ``covered_by`` names the match already delivered for the same cluster: a repost is not sent again.
# An alert's ``narrow`` fields (``narrowing.py``) let a percolation skip the alerts no document of the
# batch can match; ``next_due`` and ``next_reminder`` (``due.py``) let the scheduler find the alerts due
# without listing them all. A match's ``instant`` says its alert was instant when it was recorded.
# A match's ``doc_ref`` names its document's summary in the match-docs index (kept once per document
# version, not once per alert; matches recorded before it carry the summary as ``doc``).
# A paused alert (``paused``) is left out of percolation and of the scheduler's due alerts. A digest's
# ``channels`` are those it reached (a retry after a failure skips them), ``last_error`` what failed.
# A match's ``deadline_from`` is when the match set whose deadline it carries was recorded
# (``materialize.py``).
# An alert's ``clauses`` name the clauses of its text it is percolated by (``clauses.py``), and
# ``clause_count`` how many there are; ``local`` says it is matched in Python (``local_match.py``).
_ADDED_FIELDS = {
    "alerts": {
        "narrow": NARROW_MAPPING,
        "clauses": _KEYWORD,
        "clause_count": _LONG,
        "next_due": _DATE,
        "next_reminder": _DATE,
        "paused": {"type": "boolean"},
        "local": _BOOLEAN,
    },
    "matches": {
        "deadline": _DATE,
        "reminder_id": _KEYWORD,
        "cluster_id": _KEYWORD,
        "covered_by": _KEYWORD,
        "instant": {"type": "boolean"},
        "doc_ref": _KEYWORD,
        "deadline_from": _DATE,
    },
    "digests": {
        "fence": _LONG,
        "kind": _KEYWORD,
        "channels": _KEYWORD,
        "last_error": {"type": "text", "index": False},
    },
    "locks": {"token": _LONG},
}


def _bodies(replicas: int) -> dict[str, dict[str, Any]]:
    single = {"number_of_shards": 1, "number_of_replicas": replicas}
    # The percolator index must map every field a stored query can name: the announcement fields.
    announcement_fields = INDEX_BODY["mappings"]["properties"]
    return {
        "alerts": {
            "settings": {**single, **ALERTS_WINDOW},
            "mappings": {
                "dynamic": "strict",
                "properties": {
                    **announcement_fields,
                    "query": {"type": "percolator"},
                    "alert_id": _KEYWORD,
                    "owner": _KEYWORD,
                    "alert": {"type": "object", "enabled": False},
                    **_ADDED_FIELDS["alerts"],
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
                    **_ADDED_FIELDS["matches"],
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
                    **_ADDED_FIELDS["digests"],
                },
            },
        },
        "clauses": {
            "settings": single,
            "mappings": {
                "dynamic": "strict",
                "properties": {
                    **announcement_fields,
                    "query": {"type": "percolator"},
                    "clause_id": _KEYWORD,
                    "empty": _BOOLEAN,
                },
            },
        },
        "match_docs": {
            "settings": single,
            "mappings": {"dynamic": "strict", "properties": {"doc": {"type": "object", "enabled": False}}},
        },
        "match_sets": {"settings": single, "mappings": MATCH_SETS_MAPPING},
        "locks": {
            "settings": single,
            "mappings": {
                "dynamic": "strict",
                "properties": {"owner": _KEYWORD, "expires_at": _DATE, **_ADDED_FIELDS["locks"]},
            },
        },
    }


def ensure_alert_indices(engine: Engine, alias: str, replicas: int | None = None) -> dict[str, str]:
    """Create the alert indices that do not exist yet (one shard each, ``replicas`` replicas, 0 when
    not given) and bring existing ones up to date: new fields, and the replica count when given."""
    names = index_names(alias)
    for key, body in _bodies(replicas or 0).items():
        if engine.index_exists(names[key]):
            # Fields declared since the index was made (announcement fields in the percolator
            # index, ledger fields): adding fields to a mapping is allowed, changing them is not.
            engine.add_fields(names[key], body["mappings"]["properties"])
            if key == "alerts":
                engine.update_settings(names[key], ALERTS_WINDOW)  # indices made before the larger page
            if replicas is not None:
                engine.update_settings(names[key], {"index": {"number_of_replicas": replicas}})
            continue
        try:
            engine.create_index(names[key], body)
        except EngineError:
            if not engine.index_exists(names[key]):
                raise
    return names


def new_webhook_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def alert_query(alert: Alert, rates: Mapping[str, float]) -> dict[str, Any]:
    """The query an alert stands for; its amounts converted to CNY with ``rates``."""
    return build_query(SearchRequest(q=alert.q, **alert.conditions.model_dump()), rates)


def alert_body(alert: Alert, rates: Mapping[str, float], clauses: list[str] | None = None) -> dict[str, Any]:
    """The stored form of an alert: its percolator query, the fields that narrow percolation, when
    it is next due, and the alert itself. With ``clauses`` (the ids of its text's clauses,
    ``clauses.py``), the percolator query holds its filters only; without, its whole query."""
    query = alert_query(alert.model_copy(update={"q": ""}) if clauses else alert, rates)
    return {
        "query": query,
        "clauses": clauses or [],
        "clause_count": len(clauses or []),
        "local": is_local(alert.q, clauses or []),
        "alert_id": alert.id,
        "owner": alert.owner,
        "alert": alert.model_dump(mode="json"),
        "narrow": alert_narrowing(alert.conditions, rates),
        "paused": alert.paused,
        **due_fields(alert),
    }


def whole_text(q: str) -> list[dict[str, Any]] | None:
    """A text that does not split into clauses, as one clause: its whole text query (None: no text)."""
    return [text_query(q)] if q.strip() else None


def due_fields(alert: Alert) -> dict[str, str | None]:
    """``next_due`` and ``next_reminder`` of an alert as saved (``due.py``); an invalid schedule is
    due at once, so that the scheduler reports it; a paused alert is never due."""
    if alert.paused:
        return {"next_due": None, "next_reminder": None}
    try:
        due = next_fire_time(alert)
    except ValueError:
        due = datetime(1970, 1, 1, tzinfo=UTC)
    return {"next_due": as_field(due), "next_reminder": as_field(first_reminder(alert))}


def stored_alerts(engine: Engine, alerts_index: str, owner: str | None = None) -> list[Alert]:
    """The alerts in ``alerts_index`` (of ``owner``, when given), by id; reads only (no index set-up)."""
    query = {"term": {"owner": owner}} if owner else {"match_all": {}}
    pages = search_pages(engine, alerts_index, {"query": query, "_source": ["alert"]}, ["alert_id"])
    return [Alert.model_validate(hit["_source"]["alert"]) for page in pages for hit in page]


class AlertStore:
    """Alerts as percolator queries. ``rates`` (``rates_to_cny(settings.fx_rates)``) convert their
    amounts to CNY; without them, an alert with an amount condition cannot be saved."""

    def __init__(
        self,
        engine: Engine,
        alias: str,
        rates: Mapping[str, float] | None = None,
        replicas: int | None = None,
    ) -> None:
        self.engine = engine
        self.alias = alias
        self.rates = rates or {}
        self.names = ensure_alert_indices(engine, alias, replicas)
        self.clauses = ClauseBook(engine, self.names["clauses"])

    def save(self, alert: Alert) -> Alert:
        body = self._bodies([alert])[0]
        self.engine.index_doc(self.names["alerts"], alert.id, body, refresh="wait_for")
        return alert

    def _bodies(self, alerts: list[Alert]) -> list[dict[str, Any]]:
        """The stored forms of ``alerts``, their texts' clauses stored first."""
        clauses = self.clauses.register([text_clauses(alert.q) or whole_text(alert.q) for alert in alerts])
        return [alert_body(alert, self.rates, ids) for alert, ids in zip(alerts, clauses, strict=True)]

    def save_many(self, alerts: list[Alert]) -> None:
        """Store many alerts with bulk requests (same bodies as ``save``); searchable on return."""
        for start in range(0, len(alerts), PAGE_SIZE):
            operations: list[dict[str, Any]] = []
            chunk = alerts[start : start + PAGE_SIZE]
            for alert, body in zip(chunk, self._bodies(chunk), strict=True):
                operations += [{"index": {"_index": self.names["alerts"], "_id": alert.id}}, body]
            last = start + PAGE_SIZE >= len(alerts)
            response = self.engine.bulk(operations, refresh="wait_for" if last else "false")
            raise_for_bulk(response, "saving alerts")

    def get(self, owner: str, name: str) -> Alert | None:
        doc = self.engine.get_doc(self.names["alerts"], alert_id(owner, name))
        return Alert.model_validate(doc["_source"]["alert"]) if doc else None

    def list(self, owner: str | None = None) -> list[Alert]:
        """Every alert (of ``owner``, when given), by id."""
        return stored_alerts(self.engine, self.names["alerts"], owner)

    def remove(self, owner: str, name: str) -> bool:
        return self.engine.delete_doc(self.names["alerts"], alert_id(owner, name), refresh="wait_for")

    def set_last_fire(self, alert: Alert, fire_time: datetime) -> None:
        self.set_last_fires([(alert, fire_time)])

    def set_last_fires(self, fired: list[tuple[Alert, datetime]]) -> None:
        """Record when alerts last fired and when they are next due; only those fields change (an
        alert edited meanwhile keeps its edit), and an alert removed meanwhile is skipped."""
        changes = []
        for alert, fire_time in fired:
            fired_alert = alert.model_copy(update={"last_fire": fire_time})
            changes.append(
                (
                    alert.id,
                    {
                        "alert": {"last_fire": fire_time.isoformat()},
                        "next_due": due_fields(fired_alert)["next_due"],
                    },
                )
            )
        self.update_fields(changes)

    def update_fields(self, changes: list[tuple[str, dict[str, Any]]]) -> None:
        """Change fields of stored alerts, by id (partial updates; removed alerts are skipped)."""
        for start in range(0, len(changes), PAGE_SIZE):
            operations: list[dict[str, Any]] = []
            for key, doc in changes[start : start + PAGE_SIZE]:
                operations += [{"update": {"_index": self.names["alerts"], "_id": key}}, {"doc": doc}]
            raise_for_bulk(
                self.engine.bulk(operations, refresh="wait_for"),
                "noting when alerts are due",
                accept=(EngineNotFound,),
            )

    def due(self, field: str, now: datetime, size: int) -> list[Alert]:
        """Up to ``size`` alerts whose ``field`` (``next_due`` or ``next_reminder``) is not after
        ``now``, the longest due first: one request, whatever the number of alerts."""
        due = {"range": {field: {"lte": now.astimezone(UTC).isoformat()}}}
        body = {
            "query": {"bool": {"filter": [due], "must_not": [PAUSED]}},
            "sort": [{field: "asc"}, {"alert_id": "asc"}],
            "size": size,
            "_source": ["alert"],
        }
        hits = self.engine.search(self.names["alerts"], body)["hits"]["hits"]
        return [Alert.model_validate(hit["_source"]["alert"]) for hit in hits]

    def set_paused(self, alert: Alert, paused: bool) -> Alert:
        """Pause or resume an alert. Pausing also marks its waiting matches as not instant, so that
        the scheduler's search for instant work does not keep finding them; they go out after it is
        resumed (an instant alert at once; a scheduled one at its first fire time after its last
        digest, which is at once when a fire time passed while it was paused)."""
        changed = alert.model_copy(update={"paused": paused})
        self.save(changed)
        if paused:
            self._hold_waiting_matches(alert.id)
        return changed

    def _hold_waiting_matches(self, key: str) -> None:
        waiting = {
            "bool": {
                "filter": [{"term": {"alert_id": key}}, {"term": {"instant": True}}],
                "must_not": [{"exists": {"field": "message_id"}}, {"exists": {"field": "covered_by"}}],
            }
        }
        body = {"query": waiting, "_source": False}
        for page in search_pages(self.engine, self.names["matches"], body, ["doc_id"]):
            operations: list[dict[str, Any]] = []
            for hit in page:
                operations += [
                    {"update": {"_index": self.names["matches"], "_id": hit["_id"]}},
                    {"doc": {"instant": False}},
                ]
            response = self.engine.bulk(operations, refresh="wait_for")
            raise_for_bulk(response, "holding a paused alert's matches", accept=(EngineNotFound,))

    def get_many(self, keys: list[str]) -> dict[str, Alert]:
        """The stored alerts among ``keys``, by id (one request)."""
        if not keys:
            return {}
        stored = self.engine.get_docs(self.names["alerts"], sorted(keys), ["alert"])
        return {key: Alert.model_validate(source["alert"]) for key, source in stored.items()}

    def upgrade(self) -> int:
        """Store again the alerts saved by an earlier version (same alert, new derived fields: the
        narrowing fields, due dates, text clauses); how many. Run when the scheduler starts."""
        old = {"bool": {"must_not": [{"term": {"narrow.version": NARROW_VERSION}}]}}
        pages = search_pages(
            self.engine, self.names["alerts"], {"query": old, "_source": ["alert"]}, ["alert_id"]
        )
        alerts = [Alert.model_validate(hit["_source"]["alert"]) for page in pages for hit in page]
        if alerts:
            self.save_many(alerts)
        return len(alerts)


def _is_instant(hit: dict[str, Any]) -> bool:
    return (hit["_source"].get("alert") or {}).get("every") == "instant"


def doc_summary(doc: dict[str, Any]) -> dict[str, Any]:
    """What a digest shows of a document (kept with the match so digests need no other lookup)."""
    entities = doc.get("entities") or {}
    facts = doc.get("facts") or {}  # documents indexed before issue 10 have none
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
        "doc_type": facts.get("doc_type"),
        "issuers": list(dict.fromkeys(i["canonical"] for i in facts.get("issuers") or [])),
        "doc_number": facts.get("doc_number"),
        "deadline": facts.get("deadline"),
        "apply_from": facts.get("apply_from"),
        # Copies of one notice share a cluster; documents indexed before clustering are their own.
        "cluster_id": doc.get("cluster_id") or doc.get("id"),
        "is_original": doc.get("is_original"),
    }


class MatchRecorder:
    """Percolates new documents against every alert and records what they matched: one match set per
    document (``match_sets.py``), which the scheduler turns into matches (``take_in``). Backfill runs
    an alert's query and writes its matches directly (``record``), so it needs the ``rates`` of
    ``AlertStore`` for amount conditions."""

    def __init__(
        self,
        engine: Engine,
        alias: str,
        page_size: int = PAGE_SIZE,
        rates: Mapping[str, float] | None = None,
        replicas: int | None = None,
        narrow: bool = True,
        percolate_page: int = PERCOLATE_PAGE,
        local: bool = True,
    ) -> None:
        self.engine = engine
        self.names = ensure_alert_indices(engine, alias, replicas)
        self.page_size = page_size
        self.rates = rates or {}
        self.narrow = narrow  # False runs every stored query (the bench compares both)
        self.local = local  # False percolates every alert (the bench compares both)
        self.percolate_page = percolate_page
        self.clauses = ClauseBook(engine, self.names["clauses"])
        self.local_book = LocalBook(engine, self.names["alerts"])

    def _matched(self, docs: list[dict[str, Any]], batch: int) -> dict[int, Mapping[str, bool]]:
        """Per index into ``docs`` of a document that matched any alert: the alerts it matched, each
        with whether it is instant. Per chunk of ``batch`` documents, one percolation against the
        text clauses; the alerts that are not local and whose clauses all matched (``clauses.py``),
        narrowed by the chunk's values, are percolated; the local alerts are decided in Python
        (``local_book.py``, ``rule_table.py``). One request per chunk and page of alerts, never one
        per alert."""
        if self.local:
            self.local_book.refresh()
        matched: dict[int, Mapping[str, bool]] = {}
        for start in range(0, len(docs), batch):
            chunk = docs[start : start + batch]
            percolated: list[dict[str, bool]] = [{} for _ in chunk]  # per document of the chunk
            clause_slots = self.clauses.matched_slots(chunk)
            narrowing = [batch_filter(chunk)] if self.narrow else []
            filters = [*narrowing, clause_filter(clause_slots)]
            for key, slot, instant in self._percolated(chunk, start, filters, clause_slots):
                percolated[slot - start][key] = instant
            found: list[Mapping[str, bool]] = list(percolated)
            if self.local:
                for slot, alerts in self.local_book.matches(BatchFacts(chunk, clause_slots)).items():
                    found[slot] = {**found[slot], **alerts} if found[slot] else alerts
            matched.update((start + slot, alerts) for slot, alerts in enumerate(found) if alerts)
        return matched

    def _percolated(
        self,
        chunk: list[dict[str, Any]],
        start: int,
        filters: list[dict[str, Any]],
        clause_slots: dict[str, set[int]],
    ) -> Iterator[tuple[str, int, bool]]:
        skipped = [PAUSED, LOCAL] if self.local else [PAUSED]
        candidates = {"bool": {"filter": filters, "must_not": skipped}}
        if self.local and not self.engine.count(self.names["alerts"], candidates):
            return  # no alert to percolate: the engine need not index the batch in memory for none
        percolate = {"percolate": {"field": "query", "documents": chunk}}
        body = {
            "query": {"bool": {"must": [percolate], "filter": filters, "must_not": skipped}},
            "_source": ["alert_id", "alert.every", "clauses"],
        }
        for hits in search_pages(self.engine, self.names["alerts"], body, ["alert_id"], self.percolate_page):
            for hit in hits:
                for slot in slots_of(hit, start, clause_slots):
                    yield hit["_source"]["alert_id"], slot, _is_instant(hit)

    def matching_alerts(
        self, docs: list[dict[str, Any]], batch: int = PERCOLATE_BATCH
    ) -> list[tuple[str, int]]:
        """(alert id, index into ``docs``) for every alert each document matches; nothing is recorded."""
        matched = self._matched(docs, batch)
        return [(key, slot) for slot in sorted(matched) for key in matched[slot]]

    def percolate(self, docs: list[dict[str, Any]]) -> int:
        """Record, per document that matched any alert, one match set naming every alert it matched
        (``match_sets.py``; the scheduler turns sets into matches); the (alert, document) pairs in
        sets newly recorded (a replay records none)."""
        matched = self._matched(docs, PERCOLATE_BATCH)
        return self.record_sets([(docs[slot], matched[slot]) for slot in sorted(matched)])

    def record_sets(self, sets: list[tuple[dict[str, Any], Mapping[str, bool]]]) -> int:
        """Write each document's summary and its match set (created once: replays change nothing),
        in requests of about ``SET_PAIRS_PER_REQUEST`` pairs; the last refreshes the sets index, so
        the scheduler's next look finds them. The pairs in newly created sets."""
        now = datetime.now(UTC).isoformat()
        operations: list[dict[str, Any]] = []
        pairs = created = 0
        for doc, alerts in sets:
            summary = doc_summary(doc)
            ref = summary_ref(summary)
            body = set_body(summary, ref, alerts, now)
            operations += [
                {"index": {"_index": self.names["match_docs"], "_id": ref}},
                {"doc": summary},
                {"create": {"_index": self.names["match_sets"], "_id": body["set_id"]}},
                body,
            ]
            pairs += len(alerts)
            if pairs >= SET_PAIRS_PER_REQUEST:
                created += self._create_sets(operations, refresh="false")
                operations, pairs = [], 0
        return created + (self._create_sets(operations, refresh="true") if operations else 0)

    def take_in(self, everything: bool = False) -> int:
        """Turn pending match sets into matches (``materialize.py``): a tick's bounded share, or
        ``everything``; how many matches were created."""
        return (
            materialize_all(self.engine, self.names) if everything else materialize(self.engine, self.names)
        )

    def _create_sets(self, operations: list[dict[str, Any]], refresh: str) -> int:
        response = self.engine.bulk(operations, refresh=refresh)
        raise_for_bulk(response, "recording alert matches", accept=(EngineConflict,))
        bodies = operations[3::4]
        return sum(
            len(set_alerts(body["match"]))
            for item, body in zip(response["items"][1::2], bodies, strict=True)
            if item.get("create", {}).get("result") == "created"
        )

    def record(self, pairs: Iterable[tuple[str, dict[str, Any]] | tuple[str, dict[str, Any], bool]]) -> int:
        """Create a match per (alert, document[, whether the alert is instant]) unless it exists:
        replays change nothing. Writes in chunks; the last one refreshes the matches index (at once:
        waiting for the next periodic refresh would cost the indexer up to a second a batch), so
        everything recorded is searchable on return."""
        now = datetime.now(UTC).isoformat()
        created = 0
        chunk: list[dict[str, Any]] = []
        # A document matched by many alerts: one summary, written with the first chunk that needs it
        # (a later chunk is sent only after that one was acknowledged).
        refs: dict[str, tuple[str, dict[str, Any]]] = {}
        for key, doc, *instant in pairs:
            if len(chunk) >= 2 * self.page_size:
                created += self._create(chunk, refresh="false")
                chunk = []
            if doc["id"] not in refs:
                summary = doc_summary(doc)
                refs[doc["id"]] = (summary_ref(summary), summary)
                chunk += [
                    {"index": {"_index": self.names["match_docs"], "_id": refs[doc["id"]][0]}},
                    {"doc": summary},
                ]
            ref, summary = refs[doc["id"]]
            chunk.append({"create": {"_index": self.names["matches"], "_id": match_id(key, doc["id"])}})
            chunk.append(
                {
                    "alert_id": key,
                    "doc_id": doc["id"],
                    "matched_at": now,
                    "message_id": None,
                    "deadline": summary["deadline"],
                    "cluster_id": summary["cluster_id"],
                    "instant": bool(instant and instant[0]),
                    "doc_ref": ref,
                }
            )
        return created + (self._create(chunk, refresh="true") if chunk else 0)

    def _create(self, operations: list[dict[str, Any]], refresh: str) -> int:
        """Write summaries and create matches (in that order within the request): a match never
        names a summary that a failed request left unwritten, since the batch is then retried."""
        response = self.engine.bulk(operations, refresh=refresh)
        raise_for_bulk(response, "recording alert matches", accept=(EngineConflict,))
        return sum(1 for item in response["items"] if item.get("create", {}).get("result") == "created")

    def backfill(self, alert: Alert, alias: str, days: int) -> int:
        """Record what ``alert`` catches among documents fetched in the last ``days`` days."""
        if days <= 0:
            return 0
        since = (datetime.now(UTC) - timedelta(days=days)).isoformat()
        query = alert_query(alert, self.rates)
        query["bool"]["filter"].append({"range": {"fetched_at": {"gte": since}}})
        pages = search_pages(self.engine, alias, {"query": query}, ["id"], self.page_size)
        try:
            instant = alert.every == "instant"
            return self.record((alert.id, hit["_source"], instant) for page in pages for hit in page)
        except EngineNotFound:
            return 0  # nothing indexed yet


def recent_matches(engine: Engine, names: dict[str, str], key: str, size: int) -> list[dict[str, Any]]:
    """The latest ``size`` documents alert ``key`` matched (reposts set aside left out), newest first,
    each as its digest summary with ``matched_at``. ``names``: the alert indices (``index_names``)."""
    query = {
        "bool": {"filter": [{"term": {"alert_id": key}}], "must_not": [{"exists": {"field": "covered_by"}}]}
    }
    body = {"query": query, "size": size, "sort": [{"matched_at": "desc"}, {"doc_id": "asc"}]}
    sources = [hit["_source"] for hit in engine.search(names["matches"], body)["hits"]["hits"]]
    summaries = match_summaries(engine, names, sources)
    return [
        {**summary, "matched_at": source["matched_at"]}
        for summary, source in zip(summaries, sources, strict=True)
    ]


def summary_ref(summary: dict[str, Any]) -> str:
    """The id of a document summary in the match-docs index: its document's id and a hash of it."""
    digest = hashlib.sha256(json.dumps(summary, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return f"{summary['id']}:{digest[:16]}"


def match_summaries(
    engine: Engine, names: dict[str, str], sources: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """What a digest shows of each match's document: the summary recorded with it (one request for
    all), with the match's own deadline, which follows amendments (``deadlines.py``). Matches
    recorded before summaries were kept apart carry theirs; a summary that cannot be found (never
    expected) leaves the document's id and deadline."""
    refs = sorted({source["doc_ref"] for source in sources if source.get("doc_ref")})
    stored = engine.get_docs(names["match_docs"], refs) if refs else {}
    summaries = []
    for source in sources:
        if source.get("doc") is not None or not source.get("doc_ref"):
            summaries.append(source.get("doc") or {"id": source["doc_id"]})
            continue
        summary = (stored.get(source["doc_ref"]) or {}).get("doc") or {"id": source["doc_id"]}
        summaries.append({**summary, "deadline": source.get("deadline")})
    return summaries
