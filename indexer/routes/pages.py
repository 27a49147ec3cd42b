"""The web pages: the search page at ``/`` and a document's page at ``/documents/{doc_id}`` (static
shells whose scripts call the JSON API; scripts and style under ``/static``). A 503 with the reason
while the search index does not exist yet or the engine is down; a 404 page for an unknown document."""

import html
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, Response

from indexer.engine import Engine, EngineError
from indexer.routes.documents import find_document
from indexer.routes.errors import RETRY_AFTER_SECONDS
from indexer.search import missing_index_reason, unavailable_reason

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
HTML = "text/html; charset=utf-8"


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


def not_ready_page(reason: str) -> HTMLResponse:
    return HTMLResponse(
        "<!doctype html><meta charset=utf-8><title>Policy Radar: not ready</title>"
        f"<h1>Policy Radar is not ready</h1><p>{html.escape(reason)}</p>",
        status_code=503,
        headers={"Retry-After": RETRY_AFTER_SECONDS},
    )


def not_found_page(doc_id: str) -> HTMLResponse:
    """A page of its own for an id the index does not hold (in both languages: no script runs)."""
    shown = html.escape(doc_id[:200])
    return HTMLResponse(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Document not found — Policy Radar</title>"
        '<link rel="icon" href="data:,"><link rel="stylesheet" href="../static/style.css"></head>'
        '<body><header class="site-header"><p class="brand"><a href="../">Policy Radar</a></p></header>'
        '<main class="document not-found" id="not-found">'
        "<h1>Document not found</h1>"
        f'<p>No document has the id <code class="doc-id">{shown}</code>. It may have been removed '
        "from the index, or the link is mistyped.</p>"
        '<p lang="zh">未找到该文件：索引中没有这个编号。</p>'
        '<p><a href="../">Back to the search</a> · <a href="../" lang="zh">返回搜索</a></p>'
        "</main></body></html>",
        status_code=404,
    )


def pages_router(engine: Engine, alias: str) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    def page() -> Response:
        reason = index_missing_reason(engine, alias)
        if reason:
            return not_ready_page(reason)
        return FileResponse(WEB_DIR / "index.html", media_type=HTML)

    @router.get("/sources")
    def sources_page() -> Response:
        """Sources with their health, and adding one (operators): a shell for sources.js."""
        return FileResponse(WEB_DIR / "sources.html", media_type=HTML)

    @router.get("/documents/{doc_id}")
    def document_page(doc_id: str) -> Response:
        reason = index_missing_reason(engine, alias)
        if reason:
            return not_ready_page(reason)
        if find_document(engine, alias, doc_id, ["id"]) is None:
            return not_found_page(doc_id)
        return FileResponse(WEB_DIR / "document.html", media_type=HTML)

    @router.get("/alerts")
    def alerts_page() -> Response:
        """My alerts (sign-in, list, edit, pause, delete, preview, history): a shell for alerts.js."""
        return FileResponse(WEB_DIR / "alerts.html", media_type=HTML)

    return router
