"""Every local alert kept in memory by the process that matches documents, and kept current.

Listing the candidate local alerts of each batch from the engine cost the indexer a hit per alert a
batch could match: at 100,000 alerts most of the time of a batch. Instead ``LocalBook`` holds every
local alert that is not paused. Alerts asking the same share one ``Rule``, and every rule is decided
per batch by a ``RuleTable`` (``rule_table.py``, arrays: a batch costs a few array operations per
condition whatever the number of rules). The table is built again from the book when more than
``STALE_SHARE`` of its rules (at least ``STALE_MIN``) changed since it was; until then the rules that
changed are left out of it and decided one by one in Python.

It is brought up to date before each batch by one search: the alerts changed since the last one
(their ``_seq_no``, one shard, only grows) and, in the same reader, how many local alerts are not
paused. A changed alert that is now paused, not local, or gone from the listing is dropped. A count
that differs from the book's after the changes (an alert was removed, or a change became visible
out of order) reads the whole listing again: ids and sequence numbers, then only the alerts whose
sequence number differs. So is every ``FULL_READ_SECONDS`` and the first batch.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from indexer.alerts.local_match import LOCAL, LOCAL_SOURCE, PAUSED, BatchFacts, LocalAlert, Rule, bits
from indexer.alerts.paging import search_pages
from indexer.alerts.rule_table import RuleTable
from indexer.engine import Engine

BOOK_SOURCE = [*LOCAL_SOURCE, "local", "paused"]
CHANGES_PAGE = 1000  # changed alerts read per request
LISTING_PAGE = 10_000  # ids listed per request when the whole listing is read
READ_CHUNK = 10_000  # alerts read per request
FULL_READ_SECONDS = 600.0  # the whole listing is read again at least this often
STALE_SHARE = 0.05  # the rule table is built again when more of its rules than this changed...
STALE_MIN = 200  # ...and at least this many
_IN_BOOK = {"bool": {"filter": [LOCAL], "must_not": [PAUSED]}}
_SEQ = "_seq_no"


class LocalBook:
    """The local alerts that are not paused, by id, with their sequence numbers and their rules."""

    def __init__(self, engine: Engine, index: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.engine = engine
        self.index = index
        self.clock = clock
        self.alerts: dict[str, LocalAlert] = {}
        self.versions: dict[str, int] = {}
        # Each distinct rule has a number (cheap to hash, unlike a rule), never given to another.
        self.rule_numbers: dict[Rule, int] = {}
        self.rules: dict[int, Rule] = {}
        self.members: dict[int, dict[str, bool]] = {}  # per rule: its alerts, whether each is instant
        self.table: RuleTable | None = None
        self.stale: set[int] = set()  # rules added, changed or removed since the table was built
        self._next_number = 0
        self.watermark = -1  # the highest sequence number read
        self.read_at: float | None = None  # when the whole listing was last read

    def __len__(self) -> int:
        return len(self.alerts)

    def refresh(self) -> None:
        """Bring the book up to date with the alerts index (see the module's notes), and its rule
        table when too many rules changed (at the first refresh: every rule)."""
        if self.read_at is None or self.clock() - self.read_at >= FULL_READ_SECONDS:
            self.read_all()
        else:
            expected = self._apply_changes()
            if expected != len(self.alerts):
                self.read_all()
        self._current_table()

    def matches(self, facts: BatchFacts) -> dict[int, Mapping[str, bool]]:
        """Per document of the batch (its slot) that some alert matches: those alerts (id: whether
        instant; read only)."""
        found: dict[int, Mapping[str, bool]] = dict(self._current_table().matches(facts, skip=self.stale))
        changed: dict[int, dict[str, bool]] = {}
        for number in self.stale:
            rule = self.rules.get(number)
            if rule is not None:
                for slot in bits(facts.mask(rule)):
                    changed.setdefault(slot, {}).update(self.members[number])
        for slot, alerts in changed.items():
            found[slot] = {**found[slot], **alerts} if slot in found else alerts
        return found

    def _current_table(self) -> RuleTable:
        if self.table is None or len(self.stale) > max(STALE_MIN, STALE_SHARE * len(self.table)):
            self.table = RuleTable(self.rules, self.members)
            self.stale = set()
        return self.table

    def read_all(self) -> None:
        """Read the whole listing: drop what is not in it, read what changed."""
        started = self.clock()
        top = self._highest_seq_no()
        versions = self._listing()
        for key in [key for key in self.alerts if key not in versions]:
            self._drop(key)
        stale = [key for key, seq in versions.items() if self.versions.get(key) != seq]
        for start in range(0, len(stale), READ_CHUNK):
            keys = stale[start : start + READ_CHUNK]
            hits = self._read(keys)
            for key in set(keys) - {hit["_source"]["alert_id"] for hit in hits}:
                self._drop(key)  # removed since it was listed
            for hit in hits:
                self._take(hit)
        self.watermark = top  # what changed after it is read again by the next batch
        self.read_at = started

    def _apply_changes(self) -> int:
        """Apply the alerts changed since the watermark; how many the book should hold."""
        body = {
            "query": {"range": {_SEQ: {"gt": self.watermark}}},
            "_source": BOOK_SOURCE,
            "seq_no_primary_term": True,
            "size": CHANGES_PAGE,
            "sort": [{_SEQ: "asc"}],
            "track_total_hits": False,
            "aggs": {"book": {"global": {}, "aggs": {"held": {"filter": _IN_BOOK}}}},
        }
        response = self.engine.search(self.index, body)
        expected = int(response["aggregations"]["book"]["held"]["doc_count"])
        hits = response["hits"]["hits"]
        while hits:
            for hit in hits:
                self._take(hit)
            if len(hits) < CHANGES_PAGE:
                break
            body = {**body, "search_after": hits[-1]["sort"]}
            body.pop("aggs", None)
            hits = self.engine.search(self.index, body)["hits"]["hits"]
        return expected

    def _take(self, hit: Mapping[str, Any]) -> None:
        """Apply one alert read from the index: kept when local and not paused, else dropped."""
        source = hit["_source"]
        key = source["alert_id"]
        self.watermark = max(self.watermark, hit["_seq_no"])
        self._drop(key)
        if source.get("local") is True and source.get("paused") is not True:
            self._put(LocalAlert.from_source(source), hit["_seq_no"])

    def _put(self, alert: LocalAlert, seq_no: int) -> None:
        number = self.rule_numbers.get(alert.rule)
        if number is None:
            number = self.rule_numbers[alert.rule] = self._next_number
            self._next_number += 1
            self.rules[number] = alert.rule
            self.members[number] = {}
        self.members[number][alert.key] = alert.instant
        self.stale.add(number)
        self.alerts[alert.key] = alert
        self.versions[alert.key] = seq_no

    def _drop(self, key: str) -> None:
        alert = self.alerts.pop(key, None)
        self.versions.pop(key, None)
        if alert is None:
            return
        number = self.rule_numbers[alert.rule]
        members = self.members[number]
        members.pop(key, None)
        self.stale.add(number)
        if not members:
            del self.members[number], self.rules[number], self.rule_numbers[alert.rule]

    def _highest_seq_no(self) -> int:
        body = {
            "query": {"match_all": {}},
            "size": 1,
            "sort": [{_SEQ: "desc"}],
            "_source": False,
            "seq_no_primary_term": True,
        }
        hits = self.engine.search(self.index, body)["hits"]["hits"]
        return int(hits[0]["_seq_no"]) if hits else -1

    def _listing(self) -> dict[str, int]:
        body = {
            "query": _IN_BOOK,
            "_source": False,
            "docvalue_fields": ["alert_id"],
            "seq_no_primary_term": True,
        }
        return {
            hit["fields"]["alert_id"][0]: hit["_seq_no"]
            for hits in search_pages(self.engine, self.index, body, ["alert_id"], LISTING_PAGE)
            for hit in hits
        }

    def _read(self, keys: list[str]) -> list[dict[str, Any]]:
        """These alerts' ``BOOK_SOURCE`` fields with their sequence numbers (one search: several times
        cheaper per alert than a multi-get); an alert removed meanwhile is missing."""
        body = {
            "query": {"ids": {"values": keys}},
            "_source": BOOK_SOURCE,
            "seq_no_primary_term": True,
            "size": len(keys),
        }
        return self.engine.search(self.index, body)["hits"]["hits"]
