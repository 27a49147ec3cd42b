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
(``local_book.py``). Per batch, ``BatchFacts`` holds what the conditions look at as bit masks, one bit
per document; ``RuleTable`` (``rule_table.py``) decides every rule at once from them, and
``BatchFacts.mask`` decides one rule, the same way, in Python. Only alerts whose whole text the
engine reduces to nothing, and alerts saved before this, are percolated.
"""

from __future__ import annotations

import math
from bisect import bisect_left
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


def bits(mask: int) -> list[int]:
    """The slots whose bits are set in ``mask``, lowest first."""
    found = []
    while mask:
        low = mask & -mask
        found.append(low.bit_length() - 1)
        mask ^= low
    return found


class BatchFacts:
    """What the local conditions look at in a batch of documents, as bit masks over the batch, and
    each document's amounts (in CNY, sorted) and deadline day, for the amount and deadline
    conditions, which are checked on the documents the rest of a rule leaves."""

    def __init__(
        self, docs: list[dict[str, Any]], clause_slots: Mapping[str, set[int]], today: str | None = None
    ) -> None:
        self.size = len(docs)
        self.everything = (1 << len(docs)) - 1
        self.facets: dict[str, dict[str, int]] = {name: {} for name in FACETS}
        for slot, doc in enumerate(docs):
            for name, field in FACETS.items():
                masks = self.facets[name]
                for value in field_values(doc, field):
                    masks[value] = masks.get(value, 0) | (1 << slot)
        self.clauses = {key: _mask(slots) for key, slots in clause_slots.items()}
        money = [list((doc.get("entities") or {}).get("money") or []) for doc in docs]
        self.amounts = [_sorted_amounts(mentions, subsidy_only=False) for mentions in money]
        self.subsidy_amounts = [_sorted_amounts(mentions, subsidy_only=True) for mentions in money]
        self.with_subsidy = _mask(
            slot for slot, mentions in enumerate(money) if any(m.get("is_subsidy") is True for m in mentions)
        )
        self.days = [str(deadline)[:10] if (deadline := doc.get("deadline")) else None for doc in docs]
        self.today = today or datetime.now(ZoneInfo(DEADLINE_ZONE)).date().isoformat()

    def slots(self, rule: Rule) -> list[int]:
        """The documents of the batch an alert with this rule matches."""
        return bits(self.mask(rule))

    def mask(self, rule: Rule) -> int:
        """The documents of the batch an alert with this rule matches, one bit each."""
        mask = self.everything
        for key in rule.clauses:
            mask &= self.clauses.get(key, 0)
            if not mask:
                return 0
        for name, wanted in rule.facets:
            masks = self.facets[name]
            allowed = 0
            for value in wanted:
                allowed |= masks.get(value, 0)
            mask &= allowed
            if not mask:
                return 0
        if rule.facets_only:
            return mask
        if rule.low is not None or rule.high is not None:
            mask = self._amount_mask(mask, rule.low, rule.high, rule.subsidy)
        elif rule.subsidy:
            mask &= self.with_subsidy
        if mask and (rule.deadline_from or rule.deadline_to or rule.open_only):
            mask = self._deadline_mask(mask, rule)
        return mask

    def _amount_mask(self, mask: int, low: float | None, high: float | None, subsidy: bool) -> int:
        """The documents of ``mask`` with one money mention (a subsidy, when asked) from ``low`` to
        ``high`` in CNY: the smallest amount not below ``low`` is not above ``high``."""
        amounts = self.subsidy_amounts if subsidy else self.amounts
        floor = -math.inf if low is None else low
        kept = 0
        for slot in bits(mask):
            values = amounts[slot]
            at = bisect_left(values, floor)
            if at < len(values) and (high is None or values[at] <= high):
                kept |= 1 << slot
        return kept

    def _deadline_mask(self, mask: int, rule: Rule) -> int:
        start, end = rule.deadline_from, rule.deadline_to
        kept = 0
        for slot in bits(mask):
            day = self.days[slot]
            if day is None or (start and day < start) or (end and day > end):
                continue
            if rule.open_only and day < self.today:
                continue
            kept |= 1 << slot
        return kept


def _sorted_amounts(mentions: list[Mapping[str, Any]], subsidy_only: bool) -> list[float]:
    """The CNY values of the mentions (only subsidies when ``subsidy_only``), smallest first."""
    return sorted(
        value
        for money in mentions
        if (value := money.get("value_cny")) is not None
        and (not subsidy_only or money.get("is_subsidy") is True)
    )
