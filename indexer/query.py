"""Search requests and the engine queries they become, shared by the CLI, the HTTP API, the web page
and alerts (an alert is a stored search: its query is percolated against every new document).

User text reaches the engine only through ``simple_query_string`` over fixed fields; every other
condition is a term, range or nested filter on a known field. Amounts are compared in CNY, converted
with the exchange rates the caller passes in (``rates_to_cny(settings.fx_rates)``): nothing here reads
the settings. How users spell the fields (CLI options, query parameters) is in ``indexer.request``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from indexer.clusters.key import CLUSTER_ID_FIELD, CLUSTER_KEY_FIELD
from indexer.glossary import default_glossary
from indexer.query_clauses import top_level_clauses
from indexer.text_fold import fold_script, has_han
from policyradar.errors import PolicyRadarError
from policyradar.rates import to_cny
from policyradar.schemas import DocType

# Title and body, plus the names of companies (with their parents) and issuers: a search for
# "Alibaba" finds a Chinese notice that names only 阿里云 (Alibaba Cloud, parent Alibaba). The name
# fields use the English analyzer like the titles, so that a stop word of the query ("subsidies for
# developers") is dropped everywhere instead of being required in a name.
SEARCH_FIELDS = ["title^3", "title.cjk^3", "text", "text.cjk", "companies.text", "issuer_names.text"]
# The folded copies of Traditional Chinese titles and bodies (``indexer.mapping``), searched when the
# folded, expanded query holds Chinese characters.
FOLDED_FIELDS = ["folded.title^3", "folded.text"]
MAX_RESULT_WINDOW = 10_000  # the engine's index.max_result_window
MAX_AMOUNT = 1e15  # a thousand trillion in any currency: above every budget, finite after conversion
MAX_QUERY_CHARS = 500
MAX_PAGE_SIZE = 1000
MAX_VALUES = 50  # values of one facet filter
MAX_VALUE_CHARS = 200
FACETS = {
    "places": "place_names",
    "provinces": "provinces",
    "companies": "companies",
    "topics": "topics",
    "sources": "source_id",
    "languages": "detected_language",
    "doc_types": "doc_type",
    "issuers": "issuer_names",
}
# Reposts: copies of one notice share a ``cluster_id`` (documents indexed before clustering have none
# until ``reprocess``: a search that matches any of them shows every document). A search shows one hit
# per cluster, its canonical member: the issuer's own page (``is_original``) if one matches, else the
# earliest published.
# Clusters are counted by ``cluster_key``, a number for the cluster id (indexer/clusters/key.py:
# several times cheaper to count); documents clustered before it existed are counted by ``cluster_id``.
CLUSTER_FIELD = CLUSTER_ID_FIELD
UNCLUSTERED = "unclustered"  # the aggregation that counts matching documents without a cluster
UNKEYED = "unkeyed"  # the one that counts matching documents without a cluster key
CANONICAL_SORT: list[Any] = [
    {"is_original": {"order": "desc", "missing": "_last", "unmapped_type": "boolean"}},
    {"published_at": {"order": "asc", "missing": "_last"}},
    {"id": "asc"},
]
MAX_LISTED_COPIES = 50  # other copies listed under a hit; their count is always exact
COPY_FIELDS = ["id", "url", "title", "published_at", "source_id", "is_original"]
# Clusters are counted exactly up to this many (the engine's cardinality precision), closely above.
CLUSTER_COUNT_PRECISION = 40_000
# The same for each facet value. Facet values are ranked by documents and their clusters counted only
# for the values shown: ranking every value of every facet by its cluster count held hundreds of
# megabytes of engine memory a search at 50,000 documents (bench/bench_search.py), and the engine's
# memory breaker then refused searches.
FACET_CLUSTER_PRECISION = 1_000
RESULT_SOURCE = [
    "id",
    "url",
    "title",
    "published_at",
    "source_id",
    "detected_language",
    "entities",
    "topics",
    "max_subsidy_cny",
    "facts",
    "cluster_id",
    "is_original",
    "version_count",
    "revises",
    "drafts",
]
HIGHLIGHT: dict[str, Any] = {
    "encoder": "html",  # the engine escapes the text around <mark>: snippets are safe HTML
    "pre_tags": ["<mark>"],
    "post_tags": ["</mark>"],
    "fields": {
        "title": {"number_of_fragments": 0},
        "title.cjk": {"number_of_fragments": 0},
        "text": {"fragment_size": 160, "number_of_fragments": 2, "no_match_size": 160},
        "text.cjk": {"fragment_size": 120, "number_of_fragments": 2},
    },
}
# "Open for applications": a deadline on or after today, today being the day the query runs. The
# engine resolves ``now`` when it evaluates the query, for a search as for a percolated alert (stored
# percolator queries are parsed at percolation time), so an alert's ``open`` means "the deadline is
# on or after the day the document is matched". Days are China's (policy deadlines are local dates).
DEADLINE_ZONE = "Asia/Shanghai"


def open_filter() -> dict[str, Any]:
    """Deadline today or later (the engine's today, in ``DEADLINE_ZONE``); documents without a
    deadline are not open."""
    return {"range": {"deadline": {"gte": "now/d", "time_zone": DEADLINE_ZONE}}}


def _printable(text: str) -> str:
    """Refuse control characters (NUL and the like); tabs and line breaks are ordinary spaces."""
    bad = next((c for c in text if unicodedata.category(c) == "Cc" and c not in "\t\n\r"), None)
    if bad is not None:
        raise PydanticCustomError(
            "control_character",
            "must not contain control characters (found U+{code})",
            {"code": f"{ord(bad):04X}"},
        )
    return text


QueryText = Annotated[str, Field(max_length=MAX_QUERY_CHARS), AfterValidator(_printable)]
FacetValue = Annotated[str, Field(max_length=MAX_VALUE_CHARS), AfterValidator(_printable)]
FacetValues = Annotated[list[FacetValue], Field(max_length=MAX_VALUES)]
Amount = Annotated[float | None, Field(ge=0, le=MAX_AMOUNT, allow_inf_nan=False)]
DocTypes = Annotated[list[DocType], Field(max_length=MAX_VALUES)]


class Conditions(BaseModel):
    """Structured conditions on normalised facts (also the conditions of an alert).

    Every bound users can get wrong is checked here, once, for the CLI, the HTTP API and alerts. The
    known currencies depend on the settings, so they come in with the validation context
    (``validate_request``); without it the currency is only normalised (stored alerts, checked when
    they were saved, load that way).
    """

    model_config = ConfigDict(extra="forbid")

    places: FacetValues = []
    provinces: FacetValues = []
    companies: FacetValues = []
    topics: FacetValues = []
    sources: FacetValues = []
    languages: FacetValues = []
    min_amount: Amount = None
    max_amount: Amount = None
    currency: str = "CNY"
    subsidy_only: bool = False
    doc_types: DocTypes = []
    issuers: FacetValues = []
    deadline_from: date | None = None
    deadline_to: date | None = None
    open_only: bool = False

    @field_validator("max_amount")
    @classmethod
    def _not_below_min(cls, value: float | None, info: ValidationInfo) -> float | None:
        low = info.data.get("min_amount")
        if value is not None and low is not None and value < low:
            raise PydanticCustomError(
                "amount_order", "must not be below the minimum amount ({low})", {"low": f"{low:g}"}
            )
        return value

    @field_validator("deadline_to")
    @classmethod
    def _deadline_not_before_from(cls, value: date | None, info: ValidationInfo) -> date | None:
        return _not_before(value, info.data.get("deadline_from"))

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str, info: ValidationInfo) -> str:
        value = value.upper()
        rates = (info.context or {}).get(RATES)
        if rates is not None and value not in rates:
            raise PydanticCustomError(
                "unknown_currency",
                "unknown currency '{value}'; known: {known}",
                {"value": value[:20], "known": ", ".join(sorted(rates))},
            )
        return value


class SearchRequest(Conditions):
    """A search: query text and conditions, dates, sort and page. Made from user input by
    ``indexer.request`` (CLI options, query parameters)."""

    q: QueryText = ""
    date_from: date | None = None
    date_to: date | None = None
    sort: Literal["relevance", "date", "subsidy"] = "relevance"
    size: int = Field(default=10, ge=1, le=MAX_PAGE_SIZE)
    page: int = Field(default=1, ge=1, le=MAX_RESULT_WINDOW)
    expand_reposts: bool = False  # every copy of a notice as a hit of its own

    @field_validator("date_to")
    @classmethod
    def _not_before_from(cls, value: date | None, info: ValidationInfo) -> date | None:
        return _not_before(value, info.data.get("date_from"))

    @field_validator("page")
    @classmethod
    def _within_result_window(cls, value: int, info: ValidationInfo) -> int:
        size = info.data.get("size")
        if size is not None and value * size > MAX_RESULT_WINDOW:
            raise PydanticCustomError(
                "beyond_result_window",
                "page {page} of {size} hits per page goes past hit {window}, the deepest the engine "
                "pages to; narrow the search",
                {"page": value, "size": size, "window": MAX_RESULT_WINDOW},
            )
        return value

    def conditions(self) -> Conditions:
        """The part an alert keeps (with ``q``)."""
        return Conditions.model_validate(self.model_dump(include=set(Conditions.model_fields)))


def _not_before(value: date | None, start: date | None) -> date | None:
    """``value``, the end of a date range, unless it comes before the range's ``start``."""
    if value is not None and start is not None and value < start:
        raise PydanticCustomError(
            "date_order", "must not be before the start date ({start})", {"start": start.isoformat()}
        )
    return value


RATES = "rates"  # the validation context's key for the exchange rates to CNY
Model = TypeVar("Model", bound=BaseModel)


def validate_request(model: type[Model], data: Mapping[str, Any], rates: Mapping[str, float]) -> Model:
    """``model`` (a request, its conditions or an alert) from ``data``, its currency checked against
    ``rates`` as well as every bound."""
    return model.model_validate(data, context={RATES: rates})


def field_errors(exc: ValidationError) -> list[dict[str, Any]]:
    """Each problem as ``{"loc": [field, ...], "msg", "type"}``; the input is not echoed back (it may be
    10,000 characters long, or a NaN that JSON cannot carry)."""
    return [
        {"loc": list(error["loc"]), "msg": error["msg"], "type": error["type"]}
        for error in exc.errors(include_url=False)
    ]


def build_query(request: Conditions | SearchRequest, rates: Mapping[str, float]) -> dict[str, Any]:
    """The ``query`` part: a bool of the text match and every filter (what alerts store). Amounts are
    converted to CNY with ``rates``."""
    query = _base_query(request, rates)
    query["bool"]["filter"] += list(_facet_filters(request).values())
    return query


def text_query(text: str, *, fold: bool = True, expand: bool = True) -> dict[str, Any]:
    """The text match of a search: ``text`` folded to Simplified script (``indexer.text_fold``) and its
    glossary terms expanded to their equivalents (``indexer.glossary``), over the fields and the folded
    copies of Traditional documents; when folding changed ``text``, the text as written also matches
    (documents indexed before folding, highlighting in the script of the query). ``fold=False,
    expand=False`` gives the match as it was before both (``policyradar eval-search`` compares them)."""
    folded, query, fields = _expanded(text, fold=fold, expand=expand)
    match = _text_query(query, fields)
    if folded == text:
        return match
    return {"bool": {"should": [match, _text_query(text, SEARCH_FIELDS)], "minimum_should_match": 1}}


def text_clauses(text: str) -> list[dict[str, Any]] | None:
    """``text_query(text)`` as queries a document must all match, one per top-level clause of the
    expanded text, each over the same fields (``indexer.query_clauses``); ``None`` when the text cannot
    be split that way: folding changed it, it has an operator at the top level, or it is empty. A
    clause the analyzers reduce to nothing (a stop word) is dropped by the engine from the whole
    query; the caller must drop it too (``indexer.alerts.clauses`` asks the engine)."""
    folded, query, fields = _expanded(text, fold=True, expand=True)
    clauses = top_level_clauses(query) if folded == text else None
    if not clauses:
        return None
    return [_text_query(clause, fields) for clause in clauses]


def _expanded(text: str, *, fold: bool, expand: bool) -> tuple[str, str, list[str]]:
    """``text`` folded to Simplified script, then with its glossary terms expanded, and the fields
    that expanded text is searched over."""
    folded = fold_script(text) if fold else text
    query = default_glossary().expand(folded) if expand else folded
    fields = SEARCH_FIELDS + FOLDED_FIELDS if fold and has_han(query) else SEARCH_FIELDS
    return folded, query, fields


def _text_query(text: str, fields: list[str]) -> dict[str, Any]:
    return {
        "simple_query_string": {
            "query": text,
            "fields": fields,
            "default_operator": "and",
            "flags": "AND|OR|NOT|PHRASE|PREFIX|WHITESPACE|PRECEDENCE",
        }
    }


def _base_query(request: Conditions | SearchRequest, rates: Mapping[str, float]) -> dict[str, Any]:
    """Text, amounts and dates: every condition except the facet values."""
    must: list[dict[str, Any]] = []
    text = getattr(request, "q", "")
    if text.strip():
        must.append(text_query(text))
    filters: list[dict[str, Any]] = []
    money = _money_filter(request, rates)
    if money:
        filters.append(money)
    if isinstance(request, SearchRequest) and (request.date_from or request.date_to):
        filters.append(_date_range("published_at", request.date_from, request.date_to))
    if request.deadline_from or request.deadline_to:
        filters.append(_date_range("deadline", request.deadline_from, request.deadline_to))
    if request.open_only:
        filters.append(open_filter())
    return {"bool": {"must": must or [{"match_all": {}}], "filter": filters}}


def _date_range(field: str, start: date | None, end: date | None) -> dict[str, Any]:
    bounds = {k: v.isoformat() for k, v in (("gte", start), ("lte", end)) if v}
    return {"range": {field: bounds}}


def _facet_filters(request: Conditions) -> dict[str, dict[str, Any]]:
    return {
        name: {"terms": {field: values}}
        for name, field in FACETS.items()
        if (values := getattr(request, name))
    }


def _money_filter(request: Conditions, rates: Mapping[str, float]) -> dict[str, Any] | None:
    inner: list[dict[str, Any]] = []
    bounds = {}
    if request.min_amount is not None:
        bounds["gte"] = _in_cny(request.min_amount, request.currency, rates)
    if request.max_amount is not None:
        bounds["lte"] = _in_cny(request.max_amount, request.currency, rates)
    if bounds:
        inner.append({"range": {"entities.money.value_cny": bounds}})
    if request.subsidy_only:
        inner.append({"term": {"entities.money.is_subsidy": True}})
    if not inner:
        return None
    # Nested: the same amount must be large enough *and* a subsidy.
    return {"nested": {"path": "entities.money", "query": {"bool": {"filter": inner}}}}


def _in_cny(amount: float, currency: str, rates: Mapping[str, float]) -> float:
    converted = to_cny(amount, currency, rates)
    if converted is None:  # a request checked with these rates never gets here
        known = ", ".join(sorted(rates)) or "none"
        raise PolicyRadarError(f"no exchange rate for currency {currency!r} (known: {known})")
    return converted


def search_body(
    request: SearchRequest, rates: Mapping[str, float], count_by: str = CLUSTER_KEY_FIELD
) -> dict[str, Any]:
    """The full request body: query, facets with counts, highlighted snippets, sort and page.

    Unless ``request.expand_reposts``, hits are collapsed on ``CLUSTER_FIELD``: each hit carries inner
    hits ``canonical`` (the member shown, with its snippets) and ``copies`` (every matching member,
    canonical first), and the total and facet counts are clusters (aggregation ``clusters``, and
    ``clusters`` inside each facet bucket) rather than documents, counted by the field ``count_by``
    (``cluster_key``, or ``cluster_id`` when aggregation ``unkeyed`` finds documents without a key)."""
    facet_filters = _facet_filters(request)
    collapse = not request.expand_reposts
    body: dict[str, Any] = {
        "query": _base_query(request, rates),
        "post_filter": {"bool": {"filter": list(facet_filters.values())}},
        "from": (request.page - 1) * request.size,
        "size": request.size,
        "sort": _sort(request),
        "track_total_hits": True,
        "_source": RESULT_SOURCE,
        "aggs": _facet_aggs(facet_filters, count_by if collapse else None),
        "highlight": HIGHLIGHT,
    }
    if collapse:
        body["collapse"] = _collapse()
        body["aggs"]["clusters"] = {
            "filter": {"bool": {"filter": list(facet_filters.values())}},
            "aggs": {"count": _cluster_count(count_by, CLUSTER_COUNT_PRECISION)},
        }
        # Matching documents without a cluster (indexed before clustering, not yet backfilled) would
        # collapse into one hit: when there are any, the caller searches again with every copy shown.
        body["aggs"][UNCLUSTERED] = {"missing": {"field": CLUSTER_FIELD}}
        if count_by == CLUSTER_KEY_FIELD:
            body["aggs"][UNKEYED] = {"missing": {"field": CLUSTER_KEY_FIELD}}
    return body


def _sort(request: SearchRequest) -> list[Any]:
    """Relevance, newest first (``date``), or largest subsidy first (``subsidy``: a document's largest
    subsidy in CNY; documents without one last); ties newest first."""
    newest = {"published_at": {"order": "desc", "missing": "_last"}}
    if request.sort == "subsidy":
        return [{"max_subsidy_cny": {"order": "desc", "missing": "_last"}}, newest, "_score"]
    return [newest, "_score"] if request.sort == "date" else ["_score", newest]


def _facet_aggs(facet_filters: dict[str, dict[str, Any]], clusters: str | None) -> dict[str, Any]:
    """Each facet's values with counts: documents, or, with ``clusters`` (the field clusters are
    counted by), the clusters under ``clusters`` in each bucket; values are ranked by documents.
    Facet values filter the hits through post_filter, and each facet's counts apply every filter but
    its own: picking Beijing still shows how many hits Shanghai would give."""
    aggs = {}
    for name, field in FACETS.items():
        values: dict[str, Any] = {"terms": {"field": field, "size": 30}}
        if clusters:
            values["terms"]["collect_mode"] = "breadth_first"  # clusters counted for the 30 kept only
            values["aggs"] = {"clusters": _cluster_count(clusters, FACET_CLUSTER_PRECISION)}
        others = [f for other, f in facet_filters.items() if other != name]
        aggs[name] = {"filter": {"bool": {"filter": others}}, "aggs": {"values": values}}
    return aggs


def _cluster_count(field: str, precision: int) -> dict[str, Any]:
    return {"cardinality": {"field": field, "precision_threshold": precision}}


def _collapse() -> dict[str, Any]:
    """One hit per cluster; the engine runs the inner hits with the query and post_filter, so the
    members listed are those that match the search and its filters."""
    return {
        "field": CLUSTER_FIELD,
        "inner_hits": [
            {
                "name": "canonical",
                "size": 1,
                "sort": CANONICAL_SORT,
                "_source": RESULT_SOURCE,
                "highlight": HIGHLIGHT,
            },
            {
                "name": "copies",
                "size": MAX_LISTED_COPIES + 1,  # the canonical member is among them
                "sort": CANONICAL_SORT,
                "_source": COPY_FIELDS,
            },
        ],
    }
