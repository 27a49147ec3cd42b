"""The web page at ``/`` (its script and style under ``/static``): a 503 with the reason while the
search index does not exist yet or the engine is down."""

import html
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, Response

from indexer.engine import Engine, EngineError
from indexer.routes.errors import RETRY_AFTER_SECONDS
from indexer.search import missing_index_reason, unavailable_reason

WEB_DIR = Path(__file__).resolve().parent.parent / "web"


def index_missing_reason(engine: Engine, alias: str) -> str | None:
    """Why searches cannot be answered now, or None when the index is there."""
    try:
        if engine.index_exists(alias):
            return None
    except EngineError as exc:
        reason = unavailable_reason(exc, alias)
        if reason is None:
            raise
        return reason
    return missing_index_reason(alias)


def pages_router(engine: Engine, alias: str) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    def page() -> Response:
        reason = index_missing_reason(engine, alias)
        if reason:
            return HTMLResponse(
                "<!doctype html><meta charset=utf-8><title>Policy Radar: not ready</title>"
                f"<h1>Policy Radar is not ready</h1><p>{html.escape(reason)}</p>",
                status_code=503,
                headers={"Retry-After": RETRY_AFTER_SECONDS},
            )
        return FileResponse(WEB_DIR / "index.html", media_type="text/html; charset=utf-8")

    return router
