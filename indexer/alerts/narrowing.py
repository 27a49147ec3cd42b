"""Which stored alerts a batch of documents could possibly match, decided before any is run.

Beside its percolator query, each alert stores ``narrow``: keyword fields derived from its conditions.
Per facet condition (places, companies, doc types...), the values it requires, or ``ANY`` when it has
none; the CNY bounds of its amount condition; and ``needs``, what a document must have at all for the
alert to match (an amount, a subsidy, a deadline). A percolation adds a filter made from the batch's own
documents, so the engine runs only the queries of alerts whose every requirement some document of the
batch meets.

The filter is exact: each clause is a necessary condition of the alert's query (a terms filter on
a keyword field matches a document only if the document holds one of the values; an amount bound
only if the document has such an amount), so an alert it leaves out matches no document of the batch.
Alerts stored before ``narrow`` existed have no ``narrow.version`` and are always candidates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from indexer.query import FACETS
from policyradar.rates import to_cny

ANY = "*"  # the facet value of an alert without that condition: a candidate for every document
# 2: text clauses (clauses.py) stored with the alert; 3: ``local`` (local_match.py); 4: a text that
# does not split is one clause
VERSION = "4"
_KEYWORD = {"type": "keyword"}
_DOUBLE = {"type": "double"}
MAPPING: dict[str, Any] = {
    "properties": {
        "version": _KEYWORD,
        **{name: _KEYWORD for name in FACETS},
        "min_cny": _DOUBLE,
        "max_cny": _DOUBLE,
        "needs": _KEYWORD,
    }
}
# What a document must have for an alert to match: an amount (money), a subsidy, a deadline.
MONEY, SUBSIDY, DEADLINE = "money", "subsidy", "deadline"


def alert_narrowing(conditions: Any, rates: Mapping[str, float]) -> dict[str, Any]:
    """The ``narrow`` fields of an alert with these ``Conditions`` (amounts converted with ``rates``)."""
    fields: dict[str, Any] = {"version": VERSION}
    for name in FACETS:
        fields[name] = sorted(set(getattr(conditions, name))) or [ANY]
    needs = []
    # Converted as the query converts them (an amount without a rate cannot be saved at all).
    for bound, amount in (("min_cny", conditions.min_amount), ("max_cny", conditions.max_amount)):
        converted = None if amount is None else to_cny(amount, conditions.currency, rates)
        if converted is not None:
            fields[bound] = converted
    if "min_cny" in fields or "max_cny" in fields:
        needs.append(MONEY)
    if conditions.subsidy_only:
        needs.append(SUBSIDY)
    if conditions.deadline_from or conditions.deadline_to or conditions.open_only:
        needs.append(DEADLINE)
    fields["needs"] = needs
    return fields


def field_values(doc: Mapping[str, Any], field: str) -> list[str]:
    value = doc.get(field)
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _amounts(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    return list((doc.get("entities") or {}).get("money") or [])


def document_properties(doc: Mapping[str, Any]) -> set[str]:
    """Which of ``MONEY``, ``SUBSIDY`` and ``DEADLINE`` a document has (as the queries see them)."""
    money = [m for m in _amounts(doc) if m.get("value_cny") is not None]
    found = {MONEY} if money else set()
    if any(m.get("is_subsidy") is True for m in _amounts(doc)):
        found.add(SUBSIDY)
    if doc.get("deadline"):
        found.add(DEADLINE)
    return found


def batch_filter(docs: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The filter that keeps the alerts some document of ``docs`` could match (and old alerts)."""
    docs = list(docs)
    clauses: list[dict[str, Any]] = []
    for name, field in FACETS.items():
        values = sorted({v for doc in docs for v in field_values(doc, field)})
        clauses.append({"terms": {f"narrow.{name}": [ANY, *values]}})
    properties = set().union(*(document_properties(doc) for doc in docs)) if docs else set()
    missing = sorted({MONEY, SUBSIDY, DEADLINE} - properties)
    amounts = [m["value_cny"] for doc in docs for m in _amounts(doc) if m.get("value_cny") is not None]
    if amounts:
        clauses.append(_bound("min_cny", "lte", max(amounts)))
        clauses.append(_bound("max_cny", "gte", min(amounts)))
    narrowed = {"bool": {"filter": clauses, "must_not": [{"terms": {"narrow.needs": missing}}]}}
    unnarrowed = {"bool": {"must_not": [{"exists": {"field": "narrow.version"}}]}}
    return {"bool": {"should": [narrowed, unnarrowed], "minimum_should_match": 1}}


def _bound(field: str, operator: str, value: float) -> dict[str, Any]:
    """The alert has no such bound, or the batch has an amount on the right side of it."""
    path = f"narrow.{field}"
    return {
        "bool": {
            "should": [
                {"range": {path: {operator: value}}},
                {"bool": {"must_not": [{"exists": {"field": path}}]}},
            ],
            "minimum_should_match": 1,
        }
    }
