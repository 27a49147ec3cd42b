"""Search the announcements alias (see ``indexer.query`` for how requests become queries, and
``indexer.request`` for how user input becomes a request)."""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Mapping
from typing import Any

from indexer.engine import Engine, EngineError, EngineNotFound, EngineUnavailable, open_engine
from indexer.query import (
    CLUSTER_FIELD,
    COPY_FIELDS,
    FACETS,
    MAX_LISTED_COPIES,
    UNCLUSTERED,
    UNKEYED,
    SearchRequest,
    search_body,
)
from indexer.request import request_from_args
from policyradar.rates import rates_to_cny
from policyradar.settings import get_settings

RESULT_FIELDS = [
    *("id", "url", "title", "published_at", "source_id", "entities", "topics", "facts"),
    *("version_count", "revises", "drafts"),
]


class SearchUnavailable(EngineError):
    """The engine cannot answer searches now: the index does not exist yet or the engine is down."""


def missing_index_reason(alias: str) -> str:
    return (
        f"the search index {alias!r} does not exist yet: index announcements first "
        "(policyradar index, or make demo)"
    )


def unavailable_reason(exc: Exception, alias: str) -> str | None:
    """Why the engine cannot answer at all (index missing, engine unreachable or overloaded), or None
    when ``exc`` is some other failure."""
    if isinstance(exc, SearchUnavailable):
        return str(exc)
    if isinstance(exc, EngineNotFound) and "index_not_found" in str(exc):
        return missing_index_reason(alias)
    if isinstance(exc, EngineUnavailable):
        if exc.unreachable:
            return "the search engine cannot be reached; try again shortly"
        return f"the search engine is overloaded or unavailable (HTTP {exc.status}); try again shortly"
    return None


def run_search(
    engine: Engine,
    alias: str,
    request: SearchRequest | str,
    size: int = 10,
    rates: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """``{"total": N, "counts": "clusters" | "documents", "hits": [...], "facets": {name: [{"value",
    "count"}]}}``. Each hit has ``RESULT_FIELDS``, ``highlight``, ``cluster_id`` and ``copies``: the
    other matching copies of its notice (``{id, url, title, published_at, source_id}``, at most
    ``MAX_LISTED_COPIES``), with ``copy_count`` their exact number. Reposts are collapsed into their
    cluster's canonical member unless ``request.expand_reposts``; then every document is a hit, with
    no copies listed, and the total and facets count documents. Amounts are converted with
    ``rates`` (a request with amounts and no rates is refused; plain text needs none)."""
    if isinstance(request, str):
        request = SearchRequest(q=request, size=size)
    response = _search(engine, alias, search_body(request, rates or {}))
    collapsed = not request.expand_reposts
    if collapsed and response["aggregations"][UNCLUSTERED]["doc_count"]:
        # Documents indexed before clustering are each their own cluster: show every document.
        collapsed = False
        expanded = request.model_copy(update={"expand_reposts": True})
        response = _search(engine, alias, search_body(expanded, rates or {}))
    elif collapsed and response["aggregations"][UNKEYED]["doc_count"]:
        # Documents clustered before cluster keys existed: count clusters by their ids (slower).
        response = _search(engine, alias, search_body(request, rates or {}, count_by=CLUSTER_FIELD))
    aggregations = response.get("aggregations", {})
    hits = [_collapsed_hit(hit) if collapsed else _hit(hit) for hit in response["hits"]["hits"]]
    return {
        "total": aggregations["clusters"]["count"]["value"]
        if collapsed
        else response["hits"]["total"]["value"],
        "counts": "clusters" if collapsed else "documents",
        "hits": hits,
        "facets": {name: _facet(aggregations[name], collapsed) for name in FACETS},
    }


def _search(engine: Engine, alias: str, body: dict[str, Any]) -> dict[str, Any]:
    try:
        return engine.search(alias, body)
    except EngineError as exc:
        reason = unavailable_reason(exc, alias)
        if reason is None:
            raise
        raise SearchUnavailable(reason) from exc


def _hit(hit: dict[str, Any], copies: list[dict[str, Any]] | None = None, count: int = 0) -> dict[str, Any]:
    source = hit["_source"]
    item = {field: source.get(field) for field in RESULT_FIELDS}
    item["highlight"] = _snippets(hit.get("highlight", {}))
    item["cluster_id"] = source.get("cluster_id") or source.get("id")  # unclustered: its own
    item["copies"] = copies or []
    item["copy_count"] = count
    return item


def _collapsed_hit(hit: dict[str, Any]) -> dict[str, Any]:
    """The cluster's canonical member, with the other members that match listed as its copies."""
    canonical = hit["inner_hits"]["canonical"]["hits"]["hits"][0]
    members = hit["inner_hits"]["copies"]["hits"]
    shown_id = canonical["_source"].get("id")
    copies = [
        {field: m["_source"].get(field) for field in COPY_FIELDS if field != "is_original"}
        for m in members["hits"]
        if m["_source"].get("id") != shown_id
    ]
    return _hit(canonical, copies[:MAX_LISTED_COPIES], members["total"]["value"] - 1)


def _facet(aggregation: dict[str, Any], clusters: bool) -> list[dict[str, Any]]:
    return [
        {"value": b["key"], "count": b["clusters"]["value"] if clusters else b["doc_count"]}
        for b in aggregation["values"]["buckets"]
    ]


def _snippets(highlight: dict[str, list[str]]) -> dict[str, list[str]]:
    """Prefer the sub-field that matched: English stemming or CJK bigrams."""
    title = highlight.get("title") or highlight.get("title.cjk") or []
    text = highlight.get("text") or highlight.get("text.cjk") or []
    return {"title": title[:1], "text": text}


def format_hit(hit: dict[str, Any]) -> str:
    """A few lines for a terminal: date, title, URL and the headline entities."""
    entities = hit.get("entities") or {}
    money = ", ".join(_money_label(m) for m in entities.get("money", [])[:6])
    places = ", ".join(dict.fromkeys(p["canonical"] for p in entities.get("places", [])))
    companies = ", ".join(dict.fromkeys(c["canonical"] for c in entities.get("companies", [])))
    ratios = ", ".join(p["text"] for p in entities.get("percent", []))
    lines = [f"{(hit.get('published_at') or '')[:10]}  {hit['title']}", f"    {hit['url']}"]
    facts = _facts_line(hit.get("facts") or {})
    if facts:
        lines.append(f"    {facts}")
    for label, value in (("money", money), ("ratios", ratios), ("places", places), ("companies", companies)):
        if value:
            lines.append(f"    {label}: {value}")
    return "\n".join(lines + _copy_lines(hit))


def _copy_lines(hit: dict[str, Any]) -> list[str]:
    """``also published by 2 sources:`` and a line per copy (date, source, URL)."""
    count = hit.get("copy_count") or 0
    if not count:
        return []
    lines = [f"    {also_published_by(count)}:"]
    for copy in hit.get("copies") or []:
        date = (copy.get("published_at") or "")[:10] or "date unknown"
        lines.append(f"      {date}  {copy.get('source_id') or ''}  {copy['url']}")
    if count > len(hit.get("copies") or []):
        lines.append(f"      ... and {count - len(hit['copies'])} more (--expand-reposts lists every copy)")
    return lines


def also_published_by(count: int) -> str:
    return f"also published by {count} source{'' if count == 1 else 's'}"


def _facts_line(facts: dict[str, Any]) -> str:
    """``notice 京经信发〔2024〕12号 · by MIIT, MOF · apply 2024-06-01 to 2024-06-30``, or what is known."""
    parts = [" ".join(p for p in (facts.get("doc_type"), facts.get("doc_number")) if p)]
    issuers = list(dict.fromkeys(i["canonical"] for i in facts.get("issuers") or []))
    if issuers:
        parts.append("by " + ", ".join(issuers))
    if facts.get("deadline"):
        start = f"{facts['apply_from']} to " if facts.get("apply_from") else "until "
        parts.append(f"apply {start}{facts['deadline']}")
    return " · ".join(p for p in parts if p)


def _money_label(money: dict[str, Any]) -> str:
    """``500万元 (subsidy, max)``: the amount as written and what kind of amount it is."""
    notes = ["subsidy"] if money["is_subsidy"] else []
    if money.get("qualifier"):
        notes.append(money["qualifier"])
    return f"{money['text']} ({', '.join(notes)})" if notes else money["text"]


def search_command(args: argparse.Namespace) -> int:
    settings = get_settings()
    if not getattr(args, "verbose", False):
        # The client libraries log each failed request with a traceback; our error line says it all.
        for name in ("opensearch", "elastic_transport"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
    rates = rates_to_cny(settings.fx_rates)
    request = request_from_args(args, rates)
    with open_engine(settings) as engine:
        result = run_search(engine, settings.index_alias, request, rates=rates)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    counted = "notice(s), reposts collapsed," if result["counts"] == "clusters" else "announcement(s)"
    print(f"{result['total']} {counted} match (page {request.page})")
    for hit in result["hits"]:
        print(format_hit(hit))
    shown = {name: values[:6] for name, values in result["facets"].items() if values}
    for name, values in shown.items():
        print(f"  {name}: " + ", ".join(f"{v['value']} ({v['count']})" for v in values))
    return 0
