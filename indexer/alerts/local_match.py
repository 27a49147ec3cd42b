"""Deciding in Python which documents of a batch an alert matches.

The engine's percolator parses every candidate alert's stored query again for each request. Almost
no alert needs it: an alert's text is percolated apart, as clauses (``clauses.py``; a text that does
not split is one clause, its whole text query), and an alert with clauses or no text matches a
document exactly when the document matched each of its clauses and meets each of its conditions,
every one a plain comparison on the document's own fields, the same the query makes:

- a facet (places, companies, sources...): the document's keyword field holds one of the values;
- an amount or ``subsidy_only``: one money mention (the query is ``nested``: the same mention) has a
  ``value_cny`` within the bounds in CNY (converted when the alert was saved, as its query was) and,
  when asked, ``is_subsidy`` true;
- ``deadline_from``/``deadline_to``: the document's deadline (a date) is within them;
- ``open_only``: its deadline is today or later, today in ``DEADLINE_ZONE`` (the engine's ``now/d``).

Such alerts are stored with ``local: true``. Per batch, a plain search narrowed like the percolation
lists the candidates' ids and sequence numbers (``LocalAlerts``: each alert's fields are read once and
kept until it changes), and ``BatchFacts`` evaluates them with bit masks, one bit per document. Only
alerts whose whole text the engine reduces to nothing, and alerts saved before this, are percolated.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from indexer.alerts.narrowing import ANY, SUBSIDY, field_values
from indexer.alerts.paging import search_pages
from indexer.engine import Engine
from indexer.query import DEADLINE_ZONE, FACETS

# What a local evaluation reads of a stored alert.
LOCAL_SOURCE = [
    "alert_id",
    "alert.every",
    "alert.conditions.deadline_from",
    "alert.conditions.deadline_to",
    "alert.conditions.open_only",
    "clauses",
    "narrow",
]
LOCAL_PAGE = 10_000  # candidate alerts listed per request
CACHE_LIMIT = 500_000  # alerts kept parsed; past it the cache starts again (alerts removed linger)


@dataclass(frozen=True, slots=True)
class LocalAlert:
    """What a local match needs of a stored alert, parsed once."""

    key: str
    instant: bool
    clauses: tuple[str, ...]
    facets: tuple[tuple[str, tuple[str, ...]], ...]  # (facet, values) of its facet conditions
    low: float | None  # CNY bounds of an amount on one money mention
    high: float | None
    subsidy: bool  # that mention a subsidy
    deadline_from: str | None
    deadline_to: str | None
    open_only: bool
    facets_only: bool  # no amount, subsidy or deadline condition

    @classmethod
    def from_source(cls, source: Mapping[str, Any]) -> LocalAlert:
        """From the stored alert's ``LOCAL_SOURCE`` fields."""
        narrow = source.get("narrow") or {}
        alert = source.get("alert") or {}
        conditions = alert.get("conditions") or {}
        facets = tuple(
            (name, tuple(wanted)) for name in FACETS if ANY not in (wanted := narrow.get(name) or [ANY])
        )
        low, high = narrow.get("min_cny"), narrow.get("max_cny")
        subsidy = SUBSIDY in (narrow.get("needs") or [])
        deadline_from, deadline_to = conditions.get("deadline_from"), conditions.get("deadline_to")
        open_only = bool(conditions.get("open_only"))
        money = low is not None or high is not None or subsidy
        return cls(
            key=source["alert_id"],
            instant=alert.get("every") == "instant",
            clauses=tuple(source.get("clauses") or []),
            facets=facets,
            low=low,
            high=high,
            subsidy=subsidy,
            deadline_from=deadline_from,
            deadline_to=deadline_to,
            open_only=open_only,
            facets_only=not (money or deadline_from or deadline_to or open_only),
        )


class LocalAlerts:
    """The local alerts a query selects, parsed, read a page at a time. A page lists only ids and
    sequence numbers (doc values: no stored source is read); an alert's fields are read once and
    kept until its sequence number changes, so an edited alert is read again at its next batch and
    a removed one is never listed."""

    def __init__(self, engine: Engine, index: str) -> None:
        self.engine = engine
        self.index = index
        self.cache: dict[str, tuple[int, int, LocalAlert]] = {}

    def pages(self, query: dict[str, Any]) -> Iterator[list[LocalAlert]]:
        body = {
            "query": query,
            "_source": False,
            "docvalue_fields": ["alert_id"],
            "seq_no_primary_term": True,
        }
        for hits in search_pages(self.engine, self.index, body, ["alert_id"], LOCAL_PAGE):
            versions = {hit["fields"]["alert_id"][0]: (hit["_seq_no"], hit["_primary_term"]) for hit in hits}
            yield self._parsed(versions)

    def _parsed(self, versions: dict[str, tuple[int, int]]) -> list[LocalAlert]:
        stale = [key for key, version in versions.items() if self.cache.get(key, (None, None))[:2] != version]
        if stale:
            if len(self.cache) + len(stale) > CACHE_LIMIT:
                self.cache.clear()
            stored = self._read(stale)
            for key in stale:
                if key in stored:
                    self.cache[key] = (*versions[key], LocalAlert.from_source(stored[key]))
                else:  # removed since it was listed: left out
                    self.cache.pop(key, None)
        return [entry[2] for key in versions if (entry := self.cache.get(key)) is not None]

    def _read(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        """The ``LOCAL_SOURCE`` fields of these alerts (one search: several times cheaper per alert
        than a multi-get here), by id; an alert removed meanwhile is missing."""
        body = {"query": {"ids": {"values": keys}}, "_source": LOCAL_SOURCE, "size": len(keys)}
        hits = self.engine.search(self.index, body)["hits"]["hits"]
        return {hit["_id"]: hit["_source"] for hit in hits}


def is_local(q: str, clauses: list[str]) -> bool:
    """Whether an alert with text ``q`` stored with these clause ids can be matched in Python."""
    return not q.strip() or bool(clauses)


def _mask(slots: Iterable[int]) -> int:
    mask = 0
    for slot in slots:
        mask |= 1 << slot
    return mask


def _bits(mask: int) -> list[int]:
    found = []
    while mask:
        low = mask & -mask
        found.append(low.bit_length() - 1)
        mask ^= low
    return found


class BatchFacts:
    """What the local conditions look at in a batch of documents, as bit masks over the batch."""

    def __init__(
        self, docs: list[dict[str, Any]], clause_slots: Mapping[str, set[int]], today: str | None = None
    ) -> None:
        self.everything = (1 << len(docs)) - 1
        self.facets: dict[str, dict[str, int]] = {name: {} for name in FACETS}
        for slot, doc in enumerate(docs):
            for name, field in FACETS.items():
                masks = self.facets[name]
                for value in field_values(doc, field):
                    masks[value] = masks.get(value, 0) | (1 << slot)
        self.clauses = {key: _mask(slots) for key, slots in clause_slots.items()}
        self.money = [list((doc.get("entities") or {}).get("money") or []) for doc in docs]
        self.deadlines = [doc.get("deadline") for doc in docs]
        self.today = today or datetime.now(ZoneInfo(DEADLINE_ZONE)).date().isoformat()

    def slots(self, alert: LocalAlert) -> list[int]:
        """The documents of the batch a local alert matches."""
        mask = self.everything
        for key in alert.clauses:
            mask &= self.clauses.get(key, 0)
            if not mask:
                return []
        for name, wanted in alert.facets:
            masks = self.facets[name]
            allowed = 0
            for value in wanted:
                allowed |= masks.get(value, 0)
            mask &= allowed
            if not mask:
                return []
        if alert.facets_only:
            return _bits(mask)
        return [
            slot
            for slot in _bits(mask)
            if self._money_holds(slot, alert) and self._deadline_holds(slot, alert)
        ]

    def _money_holds(self, slot: int, alert: LocalAlert) -> bool:
        if alert.low is None and alert.high is None and not alert.subsidy:
            return True
        return any(_amount_holds(money, alert.low, alert.high, alert.subsidy) for money in self.money[slot])

    def _deadline_holds(self, slot: int, alert: LocalAlert) -> bool:
        start, end = alert.deadline_from, alert.deadline_to
        if not (start or end or alert.open_only):
            return True
        deadline = self.deadlines[slot]
        if not deadline:
            return False
        day = str(deadline)[:10]
        if start and day < start:
            return False
        if end and day > end:
            return False
        return not (alert.open_only and day < self.today)


def _amount_holds(money: Mapping[str, Any], low: float | None, high: float | None, subsidy: bool) -> bool:
    value = money.get("value_cny")
    if (low is not None or high is not None) and value is None:
        return False
    if low is not None and value < low:
        return False
    if high is not None and value > high:
        return False
    return not subsidy or money.get("is_subsidy") is True
