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

Such alerts are stored with ``local: true``. The process that matches keeps them in memory
(``local_book.py``), and per batch ``BatchFacts`` evaluates the candidates' rules with bit masks, one
bit per document. Only alerts whose whole text the engine reduces to nothing, and alerts saved before
this, are percolated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from indexer.alerts.narrowing import ANY, SUBSIDY, field_values
from indexer.query import DEADLINE_ZONE, FACETS

# What a local evaluation reads of a stored alert.
PAUSED = {"term": {"paused": True}}  # used under ``must_not``: alerts saved before pausing existed pass
LOCAL = {"term": {"local": True}}  # matched in Python, not by the percolator
LOCAL_SOURCE = [
    "alert_id",
    "alert.every",
    "alert.conditions.deadline_from",
    "alert.conditions.deadline_to",
    "alert.conditions.open_only",
    "clauses",
    "narrow",
]


@dataclass(frozen=True, slots=True)
class Rule:
    """What a local alert requires of a document, parsed once; alerts that ask the same share one."""

    clauses: tuple[str, ...]
    facets: tuple[tuple[str, tuple[str, ...]], ...]  # (facet, values) of its facet conditions
    low: float | None  # CNY bounds of an amount on one money mention
    high: float | None
    subsidy: bool  # that mention a subsidy
    deadline_from: str | None
    deadline_to: str | None
    open_only: bool
    facets_only: bool  # no amount, subsidy or deadline condition


@dataclass(frozen=True, slots=True)
class LocalAlert:
    """A stored alert matched in Python: its id, whether it is instant, and its rule."""

    key: str
    instant: bool
    rule: Rule

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
        rule = Rule(
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
        return cls(key=source["alert_id"], instant=alert.get("every") == "instant", rule=rule)


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

    def slots(self, rule: Rule) -> list[int]:
        """The documents of the batch an alert with this rule matches."""
        mask = self.everything
        for key in rule.clauses:
            mask &= self.clauses.get(key, 0)
            if not mask:
                return []
        for name, wanted in rule.facets:
            masks = self.facets[name]
            allowed = 0
            for value in wanted:
                allowed |= masks.get(value, 0)
            mask &= allowed
            if not mask:
                return []
        if rule.facets_only:
            return _bits(mask)
        return [
            slot for slot in _bits(mask) if self._money_holds(slot, rule) and self._deadline_holds(slot, rule)
        ]

    def _money_holds(self, slot: int, rule: Rule) -> bool:
        if rule.low is None and rule.high is None and not rule.subsidy:
            return True
        return any(_amount_holds(money, rule.low, rule.high, rule.subsidy) for money in self.money[slot])

    def _deadline_holds(self, slot: int, rule: Rule) -> bool:
        start, end = rule.deadline_from, rule.deadline_to
        if not (start or end or rule.open_only):
            return True
        deadline = self.deadlines[slot]
        if not deadline:
            return False
        day = str(deadline)[:10]
        if start and day < start:
            return False
        if end and day > end:
            return False
        return not (rule.open_only and day < self.today)


def _amount_holds(money: Mapping[str, Any], low: float | None, high: float | None, subsidy: bool) -> bool:
    value = money.get("value_cny")
    if (low is not None or high is not None) and value is None:
        return False
    if low is not None and value < low:
        return False
    if high is not None and value > high:
        return False
    return not subsidy or money.get("is_subsidy") is True
