"""Match sets: what the indexer records of a percolation, one document per document version.

Recording one match document per (alert, document) pair cost the indexer about 50 µs of engine time
a pair, so at 10,000 alerts (about 170 matches a notice) it tripled the indexer's time per record.
Instead the indexer writes one *match set* per percolated document version: the ids of the alerts it
matched (and which of them are instant), its summary's id, deadline and cluster, and ``pending``.
The digest scheduler turns pending sets into the per-alert matches the delivery ledger works on
(``materialize.py``) at the start of each tick, then marks them taken in.

A set's id comes from its summary's id and the alerts it names, and it is created once: a replayed
batch writes the same sets, which the engine refuses as conflicts, so nothing is taken in twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

# Takes the new deadline; forgets the reminder when the deadline moved later (ISO dates compare as
# text). A match whose deadline is already the new one is left as it is.
FOLLOW_DEADLINE = """
String old = ctx._source.deadline;
String next = params.deadline;
if (old == next || (old != null && old.equals(next))) { ctx.op = 'noop'; return; }
if (ctx._source.reminder_id != null && next != null && (old == null || next.compareTo(old) > 0)) {
  ctx._source.reminder_id = null;
}
ctx._source.deadline = next;
if (ctx._source.doc != null) { ctx._source.doc.deadline = next; }
"""


SEPARATOR = "\n"  # between the alert ids of a set


def match_id(alert_key: str, doc_id: str) -> str:
    """The id of the match of an alert and a document."""
    return f"{alert_key}|{doc_id}"


MAPPING = {
    "dynamic": "strict",
    "properties": {
        "set_id": {"type": "keyword"},
        "doc_id": {"type": "keyword"},
        "matched_at": {"type": "date"},
        "pending": {"type": "boolean"},
        "match": {"type": "object", "enabled": False},  # read from the source only
    },
}


def set_id(summary_ref: str, keys: list[str]) -> str:
    """The id of a document version's set: its summary's id and a hash of the alert ids it names
    (``keys``, sorted)."""
    return _set_id(summary_ref, SEPARATOR.join(keys))


def _set_id(summary_ref: str, joined: str) -> str:
    return f"{summary_ref}|{hashlib.sha256(joined.encode()).hexdigest()[:16]}"


class OrderedAlerts(Mapping[str, bool]):
    """A document's alerts (id: whether instant) as ``RuleTable`` finds them: the ids already in
    order and the instant ones listed apart, so that a set is written without sorting them again.
    Read only."""

    __slots__ = ("_lookup", "instant", "ordered")

    def __init__(self, ordered: list[str], instant: list[str]) -> None:
        self.ordered = ordered
        self.instant = instant
        self._lookup: dict[str, bool] | None = None

    def __getitem__(self, key: str) -> bool:
        if self._lookup is None:
            self._lookup = dict.fromkeys(self.ordered, False) | dict.fromkeys(self.instant, True)
        return self._lookup[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.ordered)

    def __len__(self) -> int:
        return len(self.ordered)


def set_body(
    summary: dict[str, Any],
    summary_ref: str,
    alerts: Mapping[str, bool] | Iterable[tuple[str, bool]],
    now: str,
) -> dict[str, Any]:
    """A pending set: the alerts a document's percolation found (alert id: whether it is instant, or
    such pairs), with what each match takes from the document (``summary``: ``doc_summary``) and
    when it was matched."""
    if isinstance(alerts, OrderedAlerts):
        keys, instant = alerts.ordered, alerts.instant
    else:
        chosen = alerts if isinstance(alerts, Mapping) else dict(alerts)
        keys = sorted(chosen)
        instant = [key for key in keys if chosen[key]]
    joined = SEPARATOR.join(keys)
    return {
        "set_id": _set_id(summary_ref, joined),
        "doc_id": summary["id"],
        "matched_at": now,
        "pending": True,
        "match": {
            "doc_ref": summary_ref,
            "deadline": summary.get("deadline"),
            "cluster_id": summary.get("cluster_id"),
            "alerts": _packed(keys, joined),
            "instant": _packed(instant, SEPARATOR.join(instant)),
        },
    }


def _packed(keys: list[str], joined: str) -> str | list[str]:
    """Alert ids as one string, one per line (``joined``): a list of thousands of short strings costs
    the engine and both ends' JSON several times more. A list when an id holds a line break itself
    (then the string has more breaks than the ids need)."""
    return keys if keys and joined.count(SEPARATOR) >= len(keys) else joined


def set_alerts(match: dict[str, Any], field: str = "alerts") -> list[str]:
    """The alert ids a set's ``match`` names (``field``: ``alerts``, or ``instant`` for those that
    were instant), packed or, as sets written before packing were, a list."""
    value = match.get(field) or []
    return value.split(SEPARATOR) if isinstance(value, str) else list(value)
