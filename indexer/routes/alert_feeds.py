"""``/feeds/alerts/{owner}/{name}.atom?key=…``: an alert's private Atom feed, the latest documents it
matched (newest first, reposts set aside left out), for feed readers that cannot send a token.

The key is the alert's own random ``feed_key`` (made when the alert is added, replaced with
``POST /api/alerts/{name}/feed-key``), never the API token; an unknown alert and a wrong key get the
same 404, so the URL tells nothing without its key. Rendered by ``indexer.feeds.atom_feed``.
"""

import hmac
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response

from indexer.alerts.model import Alert
from indexer.alerts.store import AlertStore, recent_matches
from indexer.engine import Engine
from indexer.feeds import ATOM_MEDIA_TYPE, atom_feed

FEED_SIZE = 50


def alert_feeds_router(engine: Engine, alias: str) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @lru_cache(maxsize=1)
    def store() -> AlertStore:
        return AlertStore(engine, alias)

    @router.get("/feeds/alerts/{owner}/{name}.atom")
    def alert_feed(owner: str, name: str, request: Request, key: str = "") -> Response:
        alert = store().get(owner, name)
        if (
            alert is None
            or not alert.feed_key
            or not hmac.compare_digest(key.encode(), alert.feed_key.encode())
        ):
            raise HTTPException(404, detail="no such feed")
        items = recent_matches(engine, store().names, alert.id, FEED_SIZE)
        body = atom_feed(feed_title(alert), str(request.url), [as_hit(item) for item in items])
        headers = {"Cache-Control": "private, no-store"}
        return Response(body, media_type=ATOM_MEDIA_TYPE, headers=headers)

    return router


def feed_title(alert: Alert) -> str:
    return f"Policy Radar · {alert.name}" + (" (paused)" if alert.paused else "")


def as_hit(item: dict[str, Any]) -> dict[str, Any]:
    """A match's digest summary in the shape of a search hit, as ``atom_feed`` reads it."""
    return {
        "id": item.get("id"),
        "title": item.get("title"),
        "url": item.get("url"),
        "published_at": item.get("published_at") or item.get("matched_at"),
        "source_id": item.get("source_id"),
        "entities": {
            "money": item.get("money") or [],
            "places": [{"canonical": place} for place in item.get("places") or []],
        },
        "facts": {key: item.get(key) for key in ("doc_type", "doc_number", "deadline")},
    }
