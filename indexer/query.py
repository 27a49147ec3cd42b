"""Search requests and the engine queries they become, shared by the CLI, the HTTP API, the web page
and alerts (an alert is a stored search: its query is percolated against every new document).

User text reaches the engine only through ``simple_query_string`` over fixed fields; every other
condition is a term, range or nested filter on a known field. Amounts are compared in CNY.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from policyradar.rates import rates_to_cny

SEARCH_FIELDS = ["title^3", "title.cjk^3", "text", "text.cjk"]
MAX_RESULT_WINDOW = 10_000  # the engine's index.max_result_window
FACETS = {
    "places": "place_names",
    "provinces": "provinces",
    "companies": "companies",
    "topics": "topics",
    "sources": "source_id",
    "languages": "detected_language",
}


class Conditions(BaseModel):
    """Structured conditions on normalised facts (also the conditions of an alert)."""

    model_config = ConfigDict(extra="forbid")

    places: list[str] = []
    provinces: list[str] = []
    companies: list[str] = []
    topics: list[str] = []
    sources: list[str] = []
    languages: list[str] = []
    min_amount: float | None = Field(default=None, ge=0)
    max_amount: float | None = Field(default=None, ge=0)
    currency: str = "CNY"
    subsidy_only: bool = False

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        value = value.upper()
        if value not in rates_to_cny():
            raise ValueError(f"unknown currency {value!r}; known: {sorted(rates_to_cny())}")
        return value


class SearchRequest(Conditions):
    q: str = Field(default="", max_length=500)
    date_from: date | None = None
    date_to: date | None = None
    sort: Literal["relevance", "date"] = "relevance"
    page: int = Field(default=1, ge=1, le=1000)
    size: int = Field(default=10, ge=1, le=1000)

    @model_validator(mode="after")
    def _within_result_window(self) -> SearchRequest:
        if self.page * self.size > MAX_RESULT_WINDOW:
            raise ValueError(f"page x size must stay within the first {MAX_RESULT_WINDOW} results")
        return self


def to_cny(amount: float, currency: str) -> float:
    return amount * rates_to_cny()[currency.upper()]


def build_query(request: Conditions | SearchRequest) -> dict[str, Any]:
    """The ``query`` part: a bool of the text match and every filter (what alerts store)."""
    query = _base_query(request)
    query["bool"]["filter"] += list(_facet_filters(request).values())
    return query


def _base_query(request: Conditions | SearchRequest) -> dict[str, Any]:
    """Text, amounts and dates: every condition except the facet values."""
    must: list[dict[str, Any]] = []
    text = getattr(request, "q", "")
    if text.strip():
        must.append(
            {
                "simple_query_string": {
                    "query": text,
                    "fields": SEARCH_FIELDS,
                    "default_operator": "and",
                    "flags": "AND|OR|NOT|PHRASE|PREFIX|WHITESPACE|PRECEDENCE",
                }
            }
        )
    filters: list[dict[str, Any]] = []
    money = _money_filter(request)
    if money:
        filters.append(money)
    if isinstance(request, SearchRequest) and (request.date_from or request.date_to):
        bounds = {k: v.isoformat() for k, v in (("gte", request.date_from), ("lte", request.date_to)) if v}
        filters.append({"range": {"published_at": bounds}})
    return {"bool": {"must": must or [{"match_all": {}}], "filter": filters}}


def _facet_filters(request: Conditions) -> dict[str, dict[str, Any]]:
    return {
        name: {"terms": {field: values}}
        for name, field in FACETS.items()
        if (values := getattr(request, name))
    }


def _money_filter(request: Conditions) -> dict[str, Any] | None:
    inner: list[dict[str, Any]] = []
    bounds = {}
    if request.min_amount is not None:
        bounds["gte"] = to_cny(request.min_amount, request.currency)
    if request.max_amount is not None:
        bounds["lte"] = to_cny(request.max_amount, request.currency)
    if bounds:
        inner.append({"range": {"entities.money.value_cny": bounds}})
    if request.subsidy_only:
        inner.append({"term": {"entities.money.is_subsidy": True}})
    if not inner:
        return None
    # Nested: the same amount must be large enough *and* a subsidy.
    return {"nested": {"path": "entities.money", "query": {"bool": {"filter": inner}}}}


def search_body(request: SearchRequest) -> dict[str, Any]:
    """The full request body: query, facets with counts, highlighted snippets, sort and page."""
    sort: list[Any] = (
        [{"published_at": {"order": "desc", "missing": "_last"}}, "_score"]
        if request.sort == "date"
        else ["_score", {"published_at": {"order": "desc", "missing": "_last"}}]
    )
    facet_filters = _facet_filters(request)
    # Facet values filter the hits through post_filter, and each facet's counts apply every filter but
    # its own: picking Beijing still shows how many hits Shanghai would give.
    aggs = {
        name: {
            "filter": {"bool": {"filter": [f for other, f in facet_filters.items() if other != name]}},
            "aggs": {"values": {"terms": {"field": field, "size": 30}}},
        }
        for name, field in FACETS.items()
    }
    return {
        "query": _base_query(request),
        "post_filter": {"bool": {"filter": list(facet_filters.values())}},
        "from": (request.page - 1) * request.size,
        "size": request.size,
        "sort": sort,
        "track_total_hits": True,
        "_source": [
            "id",
            "url",
            "title",
            "published_at",
            "source_id",
            "detected_language",
            "entities",
            "topics",
            "max_subsidy_cny",
        ],
        "aggs": aggs,
        "highlight": {
            "encoder": "html",  # the engine escapes the text around <mark>: snippets are safe HTML
            "pre_tags": ["<mark>"],
            "post_tags": ["</mark>"],
            "fields": {
                "title": {"number_of_fragments": 0},
                "title.cjk": {"number_of_fragments": 0},
                "text": {"fragment_size": 160, "number_of_fragments": 2, "no_match_size": 160},
                "text.cjk": {"fragment_size": 120, "number_of_fragments": 2},
            },
        },
    }
