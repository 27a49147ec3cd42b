"""The HTTP API (FastAPI, OpenAPI docs at /docs) and the web page, served by ``policyradar serve``.

Reads are open; writes (alerts) need ``Authorization: Bearer <token>`` with a token from
``POLICYRADAR_API_TOKENS``, and a user sees and changes only their own alerts.
"""

# No "from __future__ import annotations" here: FastAPI must see the dependency objects themselves.

import csv
import io
import json
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ValidationError

from indexer.alerts.digest import DigestService
from indexer.alerts.model import Alert
from indexer.alerts.store import new_webhook_secret
from indexer.engine import Engine, make_engine
from indexer.query import Conditions, SearchRequest
from indexer.search import run_search
from policyradar.settings import Settings, get_settings
from policyradar.urlsafety import UnsafeUrlError, check_url

WEB_DIR = Path(__file__).resolve().parent / "web"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_CSP = "default-src 'self' 'unsafe-inline' https:; img-src 'self' data: https:"
EXPORT_LIMIT = 1000


class AlertIn(BaseModel):
    """An alert as a user submits it (the owner comes from the token)."""

    name: str
    q: str = ""
    conditions: Conditions = Conditions()
    every: str = "daily"
    at: str = "08:00"
    timezone: str = "Asia/Shanghai"
    email: list[str] = []
    webhook_url: str | None = None
    backfill_days: int | None = None


def search_params(
    q: str = "",
    place: Annotated[list[str] | None, Query()] = None,
    province: Annotated[list[str] | None, Query()] = None,
    company: Annotated[list[str] | None, Query()] = None,
    topic: Annotated[list[str] | None, Query()] = None,
    source: Annotated[list[str] | None, Query()] = None,
    language: Annotated[list[str] | None, Query()] = None,
    min_amount: float | None = None,
    max_amount: float | None = None,
    currency: str = "CNY",
    subsidy_only: bool = False,
    date_from: date | None = None,
    date_to: date | None = None,
    sort: Literal["relevance", "date"] = "relevance",
    page: int = 1,
    size: int = 10,
) -> SearchRequest:
    try:
        return SearchRequest(
            q=q,
            places=place or [],
            provinces=province or [],
            companies=company or [],
            topics=topic or [],
            sources=source or [],
            languages=language or [],
            min_amount=min_amount,
            max_amount=max_amount,
            currency=currency,
            subsidy_only=subsidy_only,
            date_from=date_from,
            date_to=date_to,
            sort=sort,
            page=page,
            size=size,
        )
    except ValidationError as exc:
        raise HTTPException(422, detail=json.loads(exc.json(include_url=False))) from exc


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = engine or make_engine(settings)
    alias = settings.index_alias

    @lru_cache(maxsize=1)
    def alerts() -> DigestService:
        """Built on first use (it makes sure the alert indices exist), then shared by all requests."""
        return DigestService(engine, alias, settings)

    tokens: dict[str, str] = json.loads(settings.api_tokens.get_secret_value() or "{}")
    app = FastAPI(
        title="Policy Radar",
        version="0.1.0",
        description="Search AI-policy announcements and manage alerts on their facts.",
    )

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        docs = request.url.path in ("/docs", "/redoc")
        response.headers["Content-Security-Policy"] = DOCS_CSP if docs else CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    def user(authorization: Annotated[str | None, Header()] = None) -> str:
        token = (authorization or "").removeprefix("Bearer ").strip()
        if not token or token not in tokens:
            raise HTTPException(401, detail="a valid API token is needed (Authorization: Bearer <token>)")
        return tokens[token]

    @app.get("/api/search", summary="Search with filters, facets and highlighted snippets")
    def api_search(request: Annotated[SearchRequest, Depends(search_params)]) -> dict[str, Any]:
        return run_search(engine, alias, request)

    @app.get("/api/export", summary="The current result set as CSV or JSON (up to 1000 rows)")
    def api_export(
        request: Annotated[SearchRequest, Depends(search_params)], format: Literal["csv", "json"] = "csv"
    ) -> Response:
        rows = export_rows(
            run_search(engine, alias, request.model_copy(update={"page": 1, "size": EXPORT_LIMIT}))
        )
        if format == "json":
            return JSONResponse(
                rows, headers={"Content-Disposition": 'attachment; filename="policyradar.json"'}
            )
        return Response(
            to_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="policyradar.csv"'},
        )

    @app.get("/api/alerts", summary="Your alerts")
    def api_alerts(owner: Annotated[str, Depends(user)]) -> list[dict[str, Any]]:
        return [a.public() for a in alerts().store.list(owner)]

    @app.post("/api/alerts", status_code=201, summary="Add or replace one of your alerts")
    def api_add_alert(body: AlertIn, owner: Annotated[str, Depends(user)]) -> dict[str, Any]:
        if body.webhook_url:
            try:
                check_url(body.webhook_url, settings.allow_private_hosts)
            except UnsafeUrlError as exc:
                raise HTTPException(422, detail=str(exc)) from exc
        try:
            alert = Alert(
                owner=owner,
                webhook_secret=new_webhook_secret() if body.webhook_url else None,
                **body.model_dump(exclude={"backfill_days"}),
            )
        except ValidationError as exc:
            raise HTTPException(422, detail=json.loads(exc.json(include_url=False))) from exc
        alerts().store.save(alert)
        days = settings.backfill_days if body.backfill_days is None else body.backfill_days
        caught = alerts().recorder.backfill(alert, alias, days)
        return {**alert.public(), "backfilled": caught, "webhook_secret": alert.webhook_secret}

    @app.delete("/api/alerts/{name}", status_code=204, summary="Remove one of your alerts")
    def api_remove_alert(name: str, owner: Annotated[str, Depends(user)]) -> Response:
        if not alerts().store.remove(owner, name):
            raise HTTPException(404, detail=f"no alert named {name!r}")
        return Response(status_code=204)

    @app.get("/api/alerts/{name}/preview", summary="The alert's next digest as text (nothing is sent)")
    def api_preview(name: str, owner: Annotated[str, Depends(user)]) -> dict[str, Any]:
        alert = alerts().store.get(owner, name)
        if alert is None:
            raise HTTPException(404, detail=f"no alert named {name!r}")
        text, count = alerts().preview(alert)
        return {"items": count, "text": text}

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(WEB_DIR / "index.html", media_type="text/html; charset=utf-8")

    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")
    return app


def export_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for hit in result["hits"]:
        entities = hit.get("entities") or {}
        rows.append(
            {
                "id": hit["id"],
                "published_at": hit.get("published_at"),
                "title": hit["title"],
                "url": hit["url"],
                "source_id": hit.get("source_id"),
                "amounts": "; ".join(
                    f"{m['text']}{' (subsidy)' if m['is_subsidy'] else ''}" for m in entities.get("money", [])
                ),
                "places": "; ".join(dict.fromkeys(p["canonical"] for p in entities.get("places", []))),
                "companies": "; ".join(dict.fromkeys(c["canonical"] for c in entities.get("companies", []))),
                "topics": "; ".join(hit.get("topics") or []),
            }
        )
    return rows


def to_csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer,
        fieldnames=[
            "id",
            "published_at",
            "title",
            "url",
            "source_id",
            "amounts",
            "places",
            "companies",
            "topics",
        ],
    )
    writer.writeheader()
    for row in rows:
        # A leading =, +, - or @ would make a spreadsheet evaluate the cell: neutralise it.
        writer.writerow({k: f"'{v}" if isinstance(v, str) and v[:1] in "=+-@" else v for k, v in row.items()})
    return buffer.getvalue()


def serve_command(args: Any) -> int:
    import uvicorn

    settings = get_settings()
    host, port = args.host or settings.api_host, args.port or settings.api_port
    print(f"Policy Radar web page on http://{host}:{port}/ (API docs at /docs)", flush=True)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
    return 0
