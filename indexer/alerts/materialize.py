"""Taking match sets in: each pending set (``match_sets.py``) becomes one match per alert it names.

The digest scheduler does this at the start of each tick, oldest sets first, up to about
``TICK_MATCHES`` matches a tick (a backlog is taken in over the next ticks). Matches are written, then
their sets marked taken in: a crash in between takes the same sets in again, which changes nothing,
since a match is created once under its id (alert id, document id).

When a match already exists (an earlier version of the document matched the same alert), a set
from a later version carries its deadline over (``FOLLOW_LATER``: the same rule as ``deadlines.py``,
applied only when the set is newer than the deadline the match has), so an amended deadline reaches
matches whichever order versions and the indexer's own deadline updates come in. An instant alert
paused since its set was recorded gets matches that are not instant (``AlertStore.set_paused``).
"""

from __future__ import annotations

import sys
from typing import Any

from indexer.alerts.match_sets import FOLLOW_DEADLINE, match_id, set_alerts
from indexer.alerts.paging import PAGE_SIZE, raise_for_bulk
from indexer.engine import Engine, EngineConflict, EngineNotFound, bulk_item_error

SETS_PAGE = 100  # pending sets read per request
TICK_MATCHES = 20_000  # matches a tick takes in at most (about: whole sets are taken)
MATCHES_PER_REQUEST = PAGE_SIZE

# Runs on a match that already exists: a newer set's deadline replaces an older one's.
FOLLOW_LATER = (
    """
String since = ctx._source.deadline_from != null ? ctx._source.deadline_from : ctx._source.matched_at;
if (since != null && params.at.compareTo(since) <= 0) { ctx.op = 'noop'; return; }
ctx._source.deadline_from = params.at;
"""
    + FOLLOW_DEADLINE
)


def materialize(engine: Engine, names: dict[str, str], max_matches: int | None = None) -> int:
    """Take pending match sets in, oldest first, until about ``max_matches`` matches (a tick's share,
    ``TICK_MATCHES``, when not given) were written or none is left; how many matches were created.
    ``names``: the alert indices (``index_names``)."""
    max_matches = TICK_MATCHES if max_matches is None else max_matches
    created = taken = 0
    while taken < max_matches:
        page = pending_sets(engine, names["match_sets"], SETS_PAGE)
        sets = _within(page, max_matches - taken)
        if not sets:
            break
        paused = paused_among(engine, names["alerts"], sets)
        created += write_matches(engine, names["matches"], sets, paused)
        mark_taken(engine, names["match_sets"], sets)
        taken += sum(len(set_alerts(s["_source"]["match"])) for s in sets)
        if len(sets) < SETS_PAGE:
            break
    return created


def _within(page: list[dict[str, Any]], room: int) -> list[dict[str, Any]]:
    """The first sets of ``page`` that name at most ``room`` alerts together (at least one set)."""
    kept: list[dict[str, Any]] = []
    for hit in page:
        room -= len(set_alerts(hit["_source"]["match"]))
        if kept and room < 0:
            break
        kept.append(hit)
    return kept


def materialize_all(engine: Engine, names: dict[str, str]) -> int:
    """Take every pending set in (the tests and benches; the scheduler and previews take a bounded
    share at a time); how many matches were created."""
    return materialize(engine, names, sys.maxsize)


def pending_sets(engine: Engine, index: str, size: int) -> list[dict[str, Any]]:
    body = {
        "query": {"term": {"pending": True}},
        "sort": [{"matched_at": "asc"}, {"set_id": "asc"}],
        "size": size,
        "track_total_hits": False,
    }
    try:
        return list(engine.search(index, body)["hits"]["hits"])
    except EngineNotFound:
        return []


def paused_among(engine: Engine, alerts_index: str, sets: list[dict[str, Any]]) -> set[str]:
    """The instant alerts named in ``sets`` that are paused now (one request, none when the sets
    name no instant alert)."""
    instant = sorted({key for s in sets for key in set_alerts(s["_source"]["match"], "instant")})
    if not instant:
        return set()
    stored = engine.get_docs(alerts_index, instant, ["paused"])
    return {key for key, source in stored.items() if source.get("paused")}


def match_body(source: dict[str, Any], key: str, instant: bool) -> dict[str, Any]:
    match = source["match"]
    return {
        "alert_id": key,
        "doc_id": source["doc_id"],
        "matched_at": source["matched_at"],
        "message_id": None,
        "deadline": match["deadline"],
        "cluster_id": match["cluster_id"],
        "instant": instant,
        "doc_ref": match["doc_ref"],
    }


def write_matches(engine: Engine, index: str, sets: list[dict[str, Any]], paused: set[str]) -> int:
    """Create each set's matches; an existing match takes a newer set's deadline. Created count."""
    created = 0
    operations: list[dict[str, Any]] = []
    bodies: list[dict[str, Any]] = []
    for hit in sets:
        source = hit["_source"]
        instant = set(set_alerts(source["match"], "instant")) - paused
        for key in set_alerts(source["match"]):
            body = match_body(source, key, key in instant)
            operations += [{"create": {"_index": index, "_id": match_id(key, body["doc_id"])}}, body]
            bodies.append(body)
            if len(bodies) >= MATCHES_PER_REQUEST:
                created += _create(engine, index, operations, bodies)
                operations, bodies = [], []
    if bodies:
        created += _create(engine, index, operations, bodies)
    engine.refresh(index)  # what the scheduler reads next must see them
    return created


def _create(
    engine: Engine, index: str, operations: list[dict[str, Any]], bodies: list[dict[str, Any]]
) -> int:
    response = engine.bulk(operations)
    raise_for_bulk(response, "taking alert matches in", accept=(EngineConflict,))
    existing = []
    created = 0
    for item, body in zip(response["items"], bodies, strict=True):
        if item["create"].get("result") == "created":
            created += 1
        elif isinstance(bulk_item_error(item, ""), EngineConflict):
            existing.append(body)
    _follow_deadlines(engine, index, existing)
    return created


def _follow_deadlines(engine: Engine, index: str, existing: list[dict[str, Any]]) -> None:
    if not existing:
        return
    operations: list[dict[str, Any]] = []
    for body in existing:
        params = {"deadline": body["deadline"], "at": body["matched_at"]}
        operations += [
            {
                "update": {
                    "_index": index,
                    "_id": match_id(body["alert_id"], body["doc_id"]),
                    "retry_on_conflict": 5,
                }
            },
            {"script": {"source": FOLLOW_LATER, "lang": "painless", "params": params}},
        ]
    raise_for_bulk(engine.bulk(operations), "carrying deadlines over to matches", (EngineNotFound,))


def mark_taken(engine: Engine, index: str, sets: list[dict[str, Any]]) -> None:
    operations: list[dict[str, Any]] = []
    for hit in sets:
        operations += [{"update": {"_index": index, "_id": hit["_id"]}}, {"doc": {"pending": False}}]
    raise_for_bulk(engine.bulk(operations, refresh="true"), "marking match sets taken in")
