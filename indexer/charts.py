"""The search page's charts, computed by the engine from the same search as the result list.

Two views of everything a search matches (its text and every filter; paging does not matter):

- the **timeline**: matching announcements per week (Monday to Sunday) or per calendar month of
  ``published_at``, in UTC days like the ``date_from``/``date_to`` filters, so clicking a bar and
  filtering on its first and last day finds the bar's count again; announcements without a date are
  counted apart (``undated``);
- **subsidy money by province**: for each province the documents name (the document-level
  ``provinces`` field: each document once per province, however many of its places lie there), how
  many matching announcements name it and the sum in CNY of their subsidy amounts. Amounts are the
  nested ``entities.money`` records with ``is_subsidy``; each distinct amount counts once per
  announcement and province: the same sum written twice in one notice (title and body) is one amount,
  two different amounts are both added. When the search has an amount range, only amounts within it
  are summed. A notice naming two provinces counts in both, so the provinces do not add up to a
  national total.

Counts count what the result list counts: notices (repost clusters) when reposts are collapsed, else
documents; with clusters, an amount counts once per cluster (its copies repeat it) and province.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any, Literal

from indexer.engine import Engine
from indexer.query import CLUSTER_FIELD, CLUSTER_KEY_FIELD, UNCLUSTERED, UNKEYED, SearchRequest, build_query
from policyradar.rates import to_cny

Interval = Literal["week", "month"]
INTERVALS: tuple[Interval, ...] = ("week", "month")
# "auto" shows weeks while the matching announcements span at most this many calendar months.
AUTO_WEEKS_UP_TO_MONTHS = 6
MAX_PROVINCES = 100  # more than China's 34 provincial-level divisions: every province is listed
MAX_AMOUNTS = 500  # distinct subsidy amounts per province; beyond them a province's sum is partial
CLUSTER_PRECISION = 3000  # clusters are counted exactly up to this many per bucket
DATE_FIELD = "published_at"
MONEY_PATH = "entities.money"


def charts_body(
    request: SearchRequest, rates: Mapping[str, float], clusters: bool, count_by: str = CLUSTER_KEY_FIELD
) -> dict[str, Any]:
    """A size-0 search: the request's query with every filter, and the aggregations of both charts
    (a histogram per week and per month: the caller picks one). With ``clusters``, each bucket also
    counts the clusters in it: the distinct values of ``count_by`` (``cluster_key``, or ``cluster_id``
    when aggregation ``unkeyed`` finds documents without a key)."""
    counted = count_by if clusters else None
    body = {
        "query": build_query(request, rates),
        "size": 0,
        "track_total_hits": True,
        "aggs": {
            **{interval: _histogram(interval, counted) for interval in INTERVALS},
            "undated": {"missing": {"field": DATE_FIELD}, "aggs": _counted(counted)},
            "provinces": _provinces(_amount_bounds(request, rates), counted),
            UNCLUSTERED: {"missing": {"field": CLUSTER_FIELD}},
        },
    }
    if counted == CLUSTER_KEY_FIELD:
        body["aggs"][UNKEYED] = {"missing": {"field": CLUSTER_KEY_FIELD}}
    return body


def _counted(clusters: str | None) -> dict[str, Any]:
    """Distinct values of the field ``clusters``; nothing when documents are counted."""
    if clusters is None:
        return {}
    return {"clusters": {"cardinality": {"field": clusters, "precision_threshold": CLUSTER_PRECISION}}}


def _histogram(interval: Interval, clusters: str | None) -> dict[str, Any]:
    histogram = {
        "field": DATE_FIELD,
        "calendar_interval": interval,
        "min_doc_count": 0,
        "format": "yyyy-MM-dd",
    }
    return {"date_histogram": histogram, "aggs": _counted(clusters)}


def _amount_bounds(request: SearchRequest, rates: Mapping[str, float]) -> dict[str, float]:
    """The request's amount range in CNY (``build_query`` has refused a currency without a rate)."""
    given = (("gte", request.min_amount), ("lte", request.max_amount))
    converted = {op: to_cny(amount, request.currency, rates) for op, amount in given if amount is not None}
    return {op: value for op, value in converted.items() if value is not None}


def _provinces(bounds: dict[str, float], clusters: str | None) -> dict[str, Any]:
    subsidy = [{"term": {f"{MONEY_PATH}.is_subsidy": True}}]
    if bounds:
        subsidy.append({"range": {f"{MONEY_PATH}.value_cny": bounds}})
    # Each distinct amount, with the announcements (parent documents, or clusters) that name it.
    amounts = {
        "terms": {"field": f"{MONEY_PATH}.value_cny", "size": MAX_AMOUNTS},
        "aggs": {"announcements": {"reverse_nested": {}, "aggs": _counted(clusters)}},
    }
    subsidies = {
        "filter": {"bool": {"filter": subsidy}},
        "aggs": {"amounts": amounts, "announcements": {"reverse_nested": {}, "aggs": _counted(clusters)}},
    }
    return {
        "terms": {"field": "provinces", "size": MAX_PROVINCES},
        "aggs": {
            **_counted(clusters),
            "money": {"nested": {"path": MONEY_PATH}, "aggs": {"subsidies": subsidies}},
        },
    }


def unclustered_documents(response: dict[str, Any]) -> int:
    """Matching documents without a cluster (indexed before clustering): while there are any, the
    charts count documents, as the result list does."""
    return int(response["aggregations"][UNCLUSTERED]["doc_count"])


def charts_from_response(
    response: dict[str, Any], clusters: bool, interval: Interval | Literal["auto"] = "auto"
) -> dict[str, Any]:
    """``{"counts", "interval", "timeline": [{"start", "end", "count"}], "undated", "provinces":
    [{"province", "count", "with_subsidy", "subsidy_cny", "amounts", "complete"}]}`` from the
    answer to ``charts_body``; provinces ranked by money, then count, then name."""
    aggs = response["aggregations"]
    chosen = pick_interval(aggs) if interval == "auto" else interval
    provinces = [_province(bucket, clusters) for bucket in aggs["provinces"]["buckets"]]
    provinces.sort(key=lambda p: (-p["subsidy_cny"], -p["count"], p["province"]))
    return {
        "counts": "clusters" if clusters else "documents",
        "interval": chosen,
        "timeline": [_period(bucket, chosen, clusters) for bucket in aggs[chosen]["buckets"]],
        "undated": _count(aggs["undated"], clusters),
        "provinces": provinces,
    }


def pick_interval(aggs: dict[str, Any]) -> Interval:
    """Weeks while the matching dates span at most ``AUTO_WEEKS_UP_TO_MONTHS`` calendar months."""
    return "week" if len(aggs["month"]["buckets"]) <= AUTO_WEEKS_UP_TO_MONTHS else "month"


def _count(bucket: dict[str, Any], clusters: bool) -> int:
    return int(bucket["clusters"]["value"]) if clusters else int(bucket["doc_count"])


def period_end(start: date, interval: Interval) -> date:
    """The last day of the week (Sunday) or month that begins on ``start``."""
    if interval == "week":
        return start + timedelta(days=6)
    return start.replace(day=calendar.monthrange(start.year, start.month)[1])


def _period(bucket: dict[str, Any], interval: Interval, clusters: bool) -> dict[str, Any]:
    start = date.fromisoformat(bucket["key_as_string"][:10])
    return {
        "start": start.isoformat(),
        "end": period_end(start, interval).isoformat(),
        "count": _count(bucket, clusters),
    }


def _province(bucket: dict[str, Any], clusters: bool) -> dict[str, Any]:
    subsidies = bucket["money"]["subsidies"]
    amounts = subsidies["amounts"]
    total = sum(float(a["key"]) * _count(a["announcements"], clusters) for a in amounts["buckets"])
    return {
        "province": str(bucket["key"]),
        "count": _count(bucket, clusters),
        "with_subsidy": _count(subsidies["announcements"], clusters),
        "subsidy_cny": total,
        "amounts": sum(_count(a["announcements"], clusters) for a in amounts["buckets"]),
        "complete": not amounts["sum_other_doc_count"],
    }


def run_charts(
    engine: Engine,
    alias: str,
    request: SearchRequest,
    rates: Mapping[str, float],
    interval: Interval | Literal["auto"] = "auto",
) -> dict[str, Any]:
    """Both charts for ``request``: clusters counted unless it expands reposts or some matching
    document has no cluster yet (then documents, like ``indexer.search.run_search``)."""
    clusters = not request.expand_reposts
    response = engine.search(alias, charts_body(request, rates, clusters))
    if clusters and unclustered_documents(response):
        clusters = False
        response = engine.search(alias, charts_body(request, rates, clusters))
    elif clusters and response["aggregations"][UNKEYED]["doc_count"]:
        # Documents clustered before cluster keys existed: count clusters by their ids (slower).
        response = engine.search(alias, charts_body(request, rates, clusters, count_by=CLUSTER_FIELD))
    return charts_from_response(response, clusters, interval)
