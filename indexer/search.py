"""Search the announcements alias (see ``indexer.query`` for how requests become queries, and
``indexer.request`` for how user input becomes a request)."""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Mapping
from typing import Any

from indexer.engine import Engine, EngineError, EngineNotFound, EngineUnavailable, open_engine
from indexer.query import SearchRequest, search_body
from indexer.request import request_from_args
from policyradar.rates import rates_to_cny
from policyradar.settings import get_settings

RESULT_FIELDS = ["id", "url", "title", "published_at", "source_id", "entities", "topics", "facts"]


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
    """``{"total": N, "hits": [{id, url, title, published_at, source_id, entities, topics, facts,
    highlight}],
    "facets": {name: [{"value", "count"}]}}``. Amounts are converted with ``rates`` (a request with
    amounts and no rates is refused; plain text needs none)."""
    if isinstance(request, str):
        request = SearchRequest(q=request, size=size)
    try:
        response = engine.search(alias, search_body(request, rates or {}))
    except EngineError as exc:
        reason = unavailable_reason(exc, alias)
        if reason is None:
            raise
        raise SearchUnavailable(reason) from exc
    hits = []
    for hit in response["hits"]["hits"]:
        item = {field: hit["_source"].get(field) for field in RESULT_FIELDS}
        item["highlight"] = _snippets(hit.get("highlight", {}))
        hits.append(item)
    facets = {
        name: [{"value": b["key"], "count": b["doc_count"]} for b in agg["values"]["buckets"]]
        for name, agg in response.get("aggregations", {}).items()
    }
    return {"total": response["hits"]["total"]["value"], "hits": hits, "facets": facets}


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
    return "\n".join(lines)


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
    print(f"{result['total']} announcement(s) match (page {request.page})")
    for hit in result["hits"]:
        print(format_hit(hit))
    shown = {name: values[:6] for name, values in result["facets"].items() if values}
    for name, values in shown.items():
        print(f"  {name}: " + ", ".join(f"{v['value']} ({v['count']})" for v in values))
    return 0
