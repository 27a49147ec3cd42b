"""The HTTP API (FastAPI, OpenAPI docs at /docs) and the web page, served by ``policyradar serve``.

Reads are open; writes (alerts) need ``Authorization: Bearer <token>`` with a token from
``POLICYRADAR_API_TOKENS``, and a user sees and changes only their own alerts; adding sources needs
an operator's token (``policyradar.api_tokens``). The routes live in
``indexer.routes``: search and export, document versions, alerts, the page; their error bodies in
``indexer.routes.errors``.
"""

# No "from __future__ import annotations" here: FastAPI must see the dependency objects themselves.

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles

from indexer.engine import Engine, make_engine
from indexer.routes.alert_feeds import alert_feeds_router
from indexer.routes.alerts import alerts_router
from indexer.routes.charts import charts_router
from indexer.routes.documents import documents_router
from indexer.routes.errors import install_error_handlers
from indexer.routes.feeds import feeds_router
from indexer.routes.health import health_router
from indexer.routes.pages import WEB_DIR, pages_router
from indexer.routes.search import search_router
from indexer.routes.sources import sources_router
from indexer.routes.versions import versions_router
from indexer.sources_desk import SourcesDesk
from policyradar.api_tokens import api_token_holders
from policyradar.metrics import HTTP_REQUESTS
from policyradar.rates import rates_to_cny
from policyradar.settings import Settings, get_settings

__all__ = ["WEB_DIR", "create_app", "serve_command"]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_CSP = "default-src 'self' 'unsafe-inline' https:; img-src 'self' data: https:"


def count_request(request: Request, status: int) -> None:
    """One more request for Prometheus, labelled by route template (never the raw path: no unbounded
    label values) and status class."""
    route = request.scope.get("route")
    path = getattr(route, "path", None) or "unmatched"
    HTTP_REQUESTS.labels(route=path, status=f"{status // 100}xx").inc()


def create_app(
    settings: Settings | None = None, engine: Engine | None = None, sources: SourcesDesk | None = None
) -> FastAPI:
    """The app; with ``sources`` (the launcher's desk) it also serves ``/api/sources``."""
    settings = settings or get_settings()
    engine = engine or make_engine(settings)
    alias = settings.index_alias
    holders = api_token_holders(settings.api_tokens.get_secret_value())
    tokens = {token: holder.user for token, holder in holders.items()}
    app = FastAPI(
        title="Policy Radar",
        version="0.1.0",
        description="Search AI-policy announcements and manage alerts on their facts.",
    )

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        try:
            response = await call_next(request)
        except Exception:
            count_request(request, 500)  # an error no handler answered: the client gets a 500
            raise
        count_request(request, response.status_code)
        docs = request.url.path in ("/docs", "/redoc")
        response.headers["Content-Security-Policy"] = DOCS_CSP if docs else CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    install_error_handlers(app, alias)
    app.include_router(search_router(engine, alias, rates_to_cny(settings.fx_rates)))
    app.include_router(charts_router(engine, alias, rates_to_cny(settings.fx_rates)))
    app.include_router(versions_router(engine, alias))
    app.include_router(documents_router(engine, alias))
    app.include_router(feeds_router(engine, alias, rates_to_cny(settings.fx_rates)))
    app.include_router(alerts_router(engine, alias, settings, tokens))
    app.include_router(alert_feeds_router(engine, alias))
    if sources is not None:
        app.include_router(sources_router(engine, alias, holders, sources))
    app.include_router(pages_router(engine, alias))
    app.include_router(health_router(engine, alias))
    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")
    return app


def serve_command(args: Any, sources: Callable[[Settings], SourcesDesk] | None = None) -> int:
    """Serve the app; ``sources`` makes its sources desk (``launcher.serve`` passes one)."""
    import uvicorn

    settings = get_settings()
    host, port = args.host or settings.api_host, args.port or settings.api_port
    print(f"Policy Radar web page on http://{host}:{port}/ (API docs at /docs)", flush=True)
    desk = sources(settings) if sources else None
    uvicorn.run(create_app(settings, sources=desk), host=host, port=port, log_level="warning")
    return 0
