"""Search the announcements alias. User text reaches the engine only through simple_query_string."""

from __future__ import annotations

import argparse
import json
from typing import Any

from indexer.engine import Engine, make_engine
from policyradar.settings import get_settings

SEARCH_FIELDS = ["title^3", "title.cjk^3", "text", "text.cjk"]
RESULT_FIELDS = ["id", "url", "title", "published_at", "source_id", "entities", "topics"]


def search_body(query: str, size: int = 10, offset: int = 0) -> dict[str, Any]:
    """The request body for a free-text search; an empty query matches everything, newest first."""
    text_query: dict[str, Any] = (
        {"simple_query_string": {"query": query, "fields": SEARCH_FIELDS, "default_operator": "and"}}
        if query.strip()
        else {"match_all": {}}
    )
    return {
        "query": text_query,
        "size": size,
        "from": offset,
        "track_total_hits": True,
        "_source": RESULT_FIELDS,
        "sort": ["_score", {"published_at": {"order": "desc", "missing": "_last"}}],
    }


def run_search(engine: Engine, alias: str, query: str, size: int = 10) -> dict[str, Any]:
    """``{"total": N, "hits": [{id, url, title, published_at, source_id, entities}]}``."""
    response = engine.search(alias, search_body(query, size))
    hits = [{field: hit["_source"].get(field) for field in RESULT_FIELDS} for hit in response["hits"]["hits"]]
    return {"total": response["hits"]["total"]["value"], "hits": hits}


def format_hit(hit: dict[str, Any]) -> str:
    """A few lines for a terminal: date, title, URL and the headline entities."""
    entities = hit.get("entities") or {}
    money = ", ".join(_money_label(m) for m in entities.get("money", [])[:6])
    places = ", ".join(dict.fromkeys(p["canonical"] for p in entities.get("places", [])))
    companies = ", ".join(dict.fromkeys(c["canonical"] for c in entities.get("companies", [])))
    ratios = ", ".join(p["text"] for p in entities.get("percent", []))
    lines = [f"{(hit.get('published_at') or '')[:10]}  {hit['title']}", f"    {hit['url']}"]
    for label, value in (("money", money), ("ratios", ratios), ("places", places), ("companies", companies)):
        if value:
            lines.append(f"    {label}: {value}")
    return "\n".join(lines)


def _money_label(money: dict[str, Any]) -> str:
    """``500万元 (subsidy, max)``: the amount as written and what kind of amount it is."""
    notes = ["subsidy"] if money["is_subsidy"] else []
    if money.get("qualifier"):
        notes.append(money["qualifier"])
    return f"{money['text']} ({', '.join(notes)})" if notes else money["text"]


def search_command(args: argparse.Namespace) -> int:
    settings = get_settings()
    engine = make_engine(settings)
    try:
        result = run_search(engine, settings.index_alias, args.query, args.size)
    finally:
        engine.close()
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print(f"{result['total']} announcement(s) match {args.query!r}")
    for hit in result["hits"]:
        print(format_hit(hit))
    return 0
