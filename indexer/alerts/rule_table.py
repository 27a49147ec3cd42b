"""Every local rule decided for a whole batch at once, with arrays.

``BatchFacts.mask`` decides one rule in Python. At 100,000 alerts that, with putting each document's
alerts together, cost the indexer about 1.4 ms a record. ``RuleTable`` holds the rules of a
``LocalBook`` as rows of numbers:

- the rule's clauses, as indexes into the batch's clause masks;
- its facet conditions, as indexes into groups of facet values (a condition is met by any value of
  its group);
- its amount bounds (one of the distinct bounds of every rule), its deadline window;
- its alerts, by their rank among every alert id in sorted order.

A batch's masks are arrays of 64-bit words, one bit per document, and every rule is decided by a few
array operations per condition, whatever the number of rules. The answer is the same as
``BatchFacts.mask``'s for every rule (a unit test compares them on random rules and documents).

A table is built from the book as it is and does not change. ``LocalBook`` builds one again when
enough of its rules changed since, and decides the changed ones with ``BatchFacts.mask`` meanwhile.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np

from indexer.alerts.local_match import BatchFacts, Rule
from indexer.alerts.match_sets import OrderedAlerts

EVERY = 0  # row 0 of the clause and group masks: every document (pads rules with fewer conditions)
NEVER = 0  # row 0 of the value masks: no document (the value of an empty group)
_NO_END = "\U0010ffff"  # above every date string: a window without an end
_WORD = 64


@dataclass(frozen=True)
class _Bounds:
    """The rows with amount bounds, the distinct bounds and which one each row has."""

    rows: np.ndarray
    which: np.ndarray
    low: np.ndarray
    high: np.ndarray
    subsidy: np.ndarray


@dataclass(frozen=True)
class _Window:
    """The rows with a deadline condition, the distinct windows (as ISO date strings) and which one
    each row has."""

    rows: np.ndarray
    which: np.ndarray
    start: np.ndarray
    end: np.ndarray
    open_only: np.ndarray


class RuleTable:
    """The rules of a book, numbered as the book numbers them, with their alerts."""

    def __init__(self, rules: Mapping[int, Rule], members: Mapping[int, Mapping[str, bool]]) -> None:
        self.numbers = sorted(rules)
        self.row_of = {number: row for row, number in enumerate(self.numbers)}
        listed = [rules[number] for number in self.numbers]
        self.clause_index, self.clauses = _clause_rows(listed)
        self.value_index, self.group_values, self.group_starts, self.groups = _group_rows(listed)
        self.bounds = _bounds(listed)
        unbounded = [row for row, rule in enumerate(listed) if rule.low is None and rule.high is None]
        self.subsidy_rows = np.array([row for row in unbounded if listed[row].subsidy], dtype=np.int64)
        self.window = _window(listed)
        self._members(members)

    def __len__(self) -> int:
        return len(self.numbers)

    def _members(self, members: Mapping[int, Mapping[str, bool]]) -> None:
        keys = sorted({key for number in self.numbers for key in members[number]})
        rank = {key: n for n, key in enumerate(keys)}
        self.keys = np.array(keys, dtype=object)
        self.instant = np.zeros(len(keys), dtype=bool)
        counts = [len(members[number]) for number in self.numbers]
        self.member_counts = np.array(counts, dtype=np.int64)
        self.member_starts = np.concatenate([[0], np.cumsum(self.member_counts)[:-1]]).astype(np.int64)
        ranks = []
        for number in self.numbers:
            for key, instant in members[number].items():
                ranks.append(rank[key])
                self.instant[rank[key]] = instant
        self.member_ranks = np.array(ranks, dtype=np.int64)

    def matches(self, facts: BatchFacts, skip: Collection[int] = ()) -> dict[int, OrderedAlerts]:
        """Per document of the batch (its slot) that any rule matches: its alerts (id: whether
        instant), in id order. Rules numbered in ``skip`` are left out."""
        size = facts.size
        if not size or not self.numbers:
            return {}
        words = (size + _WORD - 1) // _WORD
        masks = self._clause_and_facet_masks(facts, words)
        self._apply_amounts(facts, masks, words)
        if len(self.subsidy_rows):
            masks[self.subsidy_rows] &= _words(facts.with_subsidy, words)
        self._apply_deadlines(facts, masks, words)
        skipped = [self.row_of[number] for number in skip if number in self.row_of]
        if skipped:
            masks[skipped] = 0
        return self._alerts_by_slot(masks, size)

    def _clause_and_facet_masks(self, facts: BatchFacts, words: int) -> np.ndarray:
        every = _words(facts.everything, words)
        clause_masks = np.zeros((len(self.clause_index) + 1, words), dtype=np.uint64)
        clause_masks[EVERY] = every
        for key, mask in facts.clauses.items():
            row = self.clause_index.get(key)
            if row is not None:
                clause_masks[row] = _words(mask, words)
        value_masks = np.zeros((len(self.value_index) + 1, words), dtype=np.uint64)
        for name, by_value in facts.facets.items():
            for value, mask in by_value.items():
                row = self.value_index.get((name, value))
                if row is not None:
                    value_masks[row] = _words(mask, words)
        group_masks = np.empty((len(self.group_starts) + 1, words), dtype=np.uint64)
        group_masks[EVERY] = every
        if len(self.group_starts):
            laid = value_masks[self.group_values]
            group_masks[1:] = np.bitwise_or.reduceat(laid, self.group_starts, axis=0)
        masks = clause_masks[self.clauses[:, 0]]
        for column in range(1, self.clauses.shape[1]):
            masks &= clause_masks[self.clauses[:, column]]
        for column in range(self.groups.shape[1]):
            masks &= group_masks[self.groups[:, column]]
        return masks

    def _apply_amounts(self, facts: BatchFacts, masks: np.ndarray, words: int) -> None:
        """A rule with bounds keeps the documents with one mention (a subsidy when asked) within
        them: decided once per distinct bound, then given to its rules."""
        bounds = self.bounds
        if not len(bounds.rows):
            return
        within = np.zeros((len(bounds.low), facts.size), dtype=bool)
        for subsidy, amounts in ((False, facts.amounts), (True, facts.subsidy_amounts)):
            which = np.flatnonzero(bounds.subsidy == subsidy)
            counts = np.array([len(values) for values in amounts], dtype=np.int64)
            having = np.flatnonzero(counts)
            if not len(which) or not len(having):
                continue
            values = np.fromiter((v for slot in having for v in amounts[slot]), dtype=float)
            low, high = bounds.low[which, None], bounds.high[which, None]
            inside = (values[None, :] >= low) & (values[None, :] <= high)
            starts = np.concatenate([[0], np.cumsum(counts[having])[:-1]])
            within[np.ix_(which, having)] = np.logical_or.reduceat(inside, starts, axis=1)
        masks[bounds.rows] &= _packed(within, words)[bounds.which]

    def _apply_deadlines(self, facts: BatchFacts, masks: np.ndarray, words: int) -> None:
        window = self.window
        if not len(window.rows):
            return
        dated = np.array([day is not None for day in facts.days])
        days = np.array([day or "" for day in facts.days], dtype=str)[None, :]
        kept = dated[None, :] & (days >= window.start[:, None]) & (days <= window.end[:, None])
        kept &= ~window.open_only[:, None] | (days >= facts.today)
        masks[window.rows] &= _packed(kept, words)[window.which]

    def _alerts_by_slot(self, masks: np.ndarray, size: int) -> dict[int, OrderedAlerts]:
        live = np.flatnonzero(masks.any(axis=1))
        if not len(live):
            return {}
        by_slot = np.unpackbits(masks[live].view(np.uint8), axis=1, bitorder="little")[:, :size].T.copy()
        found: dict[int, OrderedAlerts] = {}
        for slot in np.flatnonzero(by_slot.any(axis=1)).tolist():
            rows = live[np.flatnonzero(by_slot[slot])]
            counts = self.member_counts[rows]
            firsts = np.repeat(self.member_starts[rows] - (np.cumsum(counts) - counts), counts)
            chosen = np.sort(self.member_ranks[firsts + np.arange(int(counts.sum()))])
            instant = chosen[self.instant[chosen]]
            found[slot] = OrderedAlerts(self.keys[chosen].tolist(), self.keys[instant].tolist())
        return found


def _clause_rows(rules: list[Rule]) -> tuple[dict[str, int], np.ndarray]:
    index: dict[str, int] = {}
    width = max((len(rule.clauses) for rule in rules), default=0)
    rows = np.full((len(rules), max(width, 1)), EVERY, dtype=np.int64)
    for row, rule in enumerate(rules):
        for column, key in enumerate(rule.clauses):
            rows[row, column] = index.setdefault(key, len(index) + 1)
    return index, rows


def _group_rows(rules: list[Rule]) -> tuple[dict[tuple[str, str], int], np.ndarray, np.ndarray, np.ndarray]:
    """The facet value rows, the groups' values laid end to end with where each group starts, and
    each rule's groups (row 0: every document)."""
    values: dict[tuple[str, str], int] = {}
    groups: dict[tuple[str, tuple[str, ...]], int] = {}
    laid: list[int] = []
    starts: list[int] = []
    width = max((len(rule.facets) for rule in rules), default=0)
    rows = np.full((len(rules), width), EVERY, dtype=np.int64)
    for row, rule in enumerate(rules):
        for column, (name, wanted) in enumerate(rule.facets):
            group = groups.get((name, wanted))
            if group is None:
                group = groups[(name, wanted)] = len(groups) + 1
                starts.append(len(laid))
                laid += [values.setdefault((name, value), len(values) + 1) for value in wanted] or [NEVER]
            rows[row, column] = group
    return values, np.array(laid, dtype=np.int64), np.array(starts, dtype=np.int64), rows


def _bounds(rules: list[Rule]) -> _Bounds:
    distinct: dict[tuple[float, float, bool], int] = {}
    rows, which = [], []
    for row, rule in enumerate(rules):
        if rule.low is None and rule.high is None:
            continue
        low = -math.inf if rule.low is None else float(rule.low)
        high = math.inf if rule.high is None else float(rule.high)
        rows.append(row)
        which.append(distinct.setdefault((low, high, rule.subsidy), len(distinct)))
    return _Bounds(
        np.array(rows, dtype=np.int64),
        np.array(which, dtype=np.int64),
        np.array([low for low, _, _ in distinct], dtype=float),
        np.array([high for _, high, _ in distinct], dtype=float),
        np.array([subsidy for _, _, subsidy in distinct], dtype=bool),
    )


def _window(rules: list[Rule]) -> _Window:
    distinct: dict[tuple[str, str, bool], int] = {}
    rows, which = [], []
    for row, rule in enumerate(rules):
        if rule.deadline_from or rule.deadline_to or rule.open_only:
            window = (rule.deadline_from or "", rule.deadline_to or _NO_END, rule.open_only)
            rows.append(row)
            which.append(distinct.setdefault(window, len(distinct)))
    return _Window(
        np.array(rows, dtype=np.int64),
        np.array(which, dtype=np.int64),
        np.array([start for start, _, _ in distinct], dtype=str),
        np.array([end for _, end, _ in distinct], dtype=str),
        np.array([open_only for _, _, open_only in distinct], dtype=bool),
    )


def _words(mask: int, words: int) -> np.ndarray:
    """A Python int bit mask as ``words`` little-endian 64-bit words."""
    return np.frombuffer(mask.to_bytes(words * 8, "little"), dtype="<u8")


def _packed(kept: np.ndarray, words: int) -> np.ndarray:
    """Rows of booleans (one per document) as rows of 64-bit words, as ``_words`` lays them out."""
    packed = np.zeros((kept.shape[0], words * 8), dtype=np.uint8)
    bytes_ = np.packbits(kept, axis=1, bitorder="little")
    packed[:, : bytes_.shape[1]] = bytes_
    return packed.view("<u8")
