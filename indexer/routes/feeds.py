"""``GET /feeds/search.atom``: any search as an Atom feed, with the query parameters of ``/api/search``.

Newest first unless ``sort`` is given; ``size`` hits (10 by default, at most ``MAX_FEED_ENTRIES``)."""

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from indexer.engine import Engine
from indexer.feeds import ATOM_MEDIA_TYPE, atom_feed
from indexer.query import SearchRequest
from indexer.routes.errors import INVALID, UNAVAILABLE
from indexer.routes.search import search_request
from indexer.search import run_search

MAX_FEED_ENTRIES = 100
FEED_CONTENT = {ATOM_MEDIA_TYPE.split(";")[0]: {"schema": {"type": "string"}}}


def feed_title(request: SearchRequest) -> str:
    return f"Policy Radar: {request.q}" if request.q.strip() else "Policy Radar: announcements"


def feeds_router(engine: Engine, alias: str, rates: Mapping[str, float]) -> APIRouter:
    router = APIRouter(prefix="/feeds", responses={**INVALID, **UNAVAILABLE})
    Search = Annotated[SearchRequest, Depends(search_request(rates))]

    @router.get(
        "/search.atom",
        summary="A search as an Atom feed (the query parameters of /api/search; newest first by default)",
        response_class=Response,
        responses={200: {"content": FEED_CONTENT, "description": "The Atom feed"}},
    )
    def search_feed(search: Search, http: Request) -> Response:
        changes: dict[str, object] = {"size": min(search.size, MAX_FEED_ENTRIES)}
        if "sort" not in http.query_params:
            changes["sort"] = "date"
        result = run_search(engine, alias, search.model_copy(update=changes), rates=rates)
        body = atom_feed(feed_title(search), str(http.url), result["hits"], site_url=str(http.base_url))
        return Response(body, media_type=ATOM_MEDIA_TYPE)

    return router
