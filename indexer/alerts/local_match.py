"""Deciding in Python which documents of a batch an alert matches, when Python can decide it exactly.

The engine's percolator parses every candidate alert's stored query again for each request; at
100,000 alerts that parsing, not the matching, was most of a percolation. Most alerts need none of
it: an alert whose text is stored as clauses (``clauses.py``), or that has no text, matches a
document exactly when the document matched each of its clauses (known from the clause percolation)
and meets each of its conditions, and every condition is a plain comparison on the document's own
fields, the same the query makes:

- a facet (places, companies, sources...): the document's keyword field holds one of the values;
- an amount or ``subsidy_only``: one money mention (the query is ``nested``: the same mention) has a
  ``value_cny`` within the bounds in CNY (converted when the alert was saved, as its query was) and,
  when asked, ``is_subsidy`` true;
- ``deadline_from``/``deadline_to``: the document's deadline (a date) is within them;
- ``open_only``: its deadline is today or later, today in ``DEADLINE_ZONE`` (the engine's ``now/d``).

Such alerts are stored with ``local: true`` and are fetched (a plain search, no percolation) with
their clauses, ``narrow`` fields and deadline conditions; ``BatchFacts`` then evaluates them against
the batch with bit masks, one bit per document. Alerts with a text that could not be split, and
alerts saved before this, are percolated by the engine as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from indexer.alerts.narrowing import ANY, SUBSIDY, field_values
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

    def slots(self, source: Mapping[str, Any]) -> list[int]:
        """The documents of the batch a stored local alert (its ``LOCAL_SOURCE``) matches."""
        mask = self.everything
        for key in source.get("clauses") or []:
            mask &= self.clauses.get(key, 0)
            if not mask:
                return []
        narrow = source.get("narrow") or {}
        for name in FACETS:
            wanted = narrow.get(name) or [ANY]
            if ANY in wanted:
                continue
            masks = self.facets[name]
            allowed = 0
            for value in wanted:
                allowed |= masks.get(value, 0)
            mask &= allowed
            if not mask:
                return []
        conditions = (source.get("alert") or {}).get("conditions") or {}
        return [
            slot
            for slot in _bits(mask)
            if self._money_holds(slot, narrow) and self._deadline_holds(slot, conditions)
        ]

    def _money_holds(self, slot: int, narrow: Mapping[str, Any]) -> bool:
        low, high = narrow.get("min_cny"), narrow.get("max_cny")
        subsidy = SUBSIDY in (narrow.get("needs") or [])
        if low is None and high is None and not subsidy:
            return True
        return any(_amount_holds(money, low, high, subsidy) for money in self.money[slot])

    def _deadline_holds(self, slot: int, conditions: Mapping[str, Any]) -> bool:
        start, end, open_only = (conditions.get(k) for k in ("deadline_from", "deadline_to", "open_only"))
        if not (start or end or open_only):
            return True
        deadline = self.deadlines[slot]
        if not deadline:
            return False
        day = str(deadline)[:10]
        if start and day < start:
            return False
        if end and day > end:
            return False
        return not (open_only and day < self.today)


def _amount_holds(money: Mapping[str, Any], low: float | None, high: float | None, subsidy: bool) -> bool:
    value = money.get("value_cny")
    if (low is not None or high is not None) and value is None:
        return False
    if low is not None and value < low:
        return False
    if high is not None and value > high:
        return False
    return not subsidy or money.get("is_subsidy") is True
