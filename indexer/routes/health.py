"""``/healthz`` (the process answers), ``/readyz`` (searches can be answered: the engine is reachable
and the index exists) and ``/metrics`` (Prometheus) on the API's own port."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from indexer.engine import Engine
from indexer.routes.pages import index_missing_reason


def health_router(engine: Engine, alias: str) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/healthz")
    def healthz() -> Response:
        return PlainTextResponse("ok\n")

    @router.get("/readyz")
    def readyz() -> Response:
        reason = index_missing_reason(engine, alias)
        if reason:
            return PlainTextResponse(f"not ready: {reason}\n", status_code=503)
        return PlainTextResponse("ready\n")

    @router.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
