"""``/api/sources``: each source's health (open, like search), and the "add a source" flow for
operators: discover what a page offers, preview the records a spec would yield with their entities
and the alerts they would fire, and save the spec for review.

The work is done by a ``SourcesDesk`` (``indexer.sources_desk``) the launcher hands in; the same
functions serve ``policyradar sources health|add|preview``; an app without one has no such routes.
The alerts a preview would fire come from the percolator, read-only: nothing is recorded or sent.
"""

import threading
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError, model_validator

from indexer.alerts.store import MatchRecorder
from indexer.engine import Engine
from indexer.mapping import document_from_record
from indexer.routes.errors import UNREADABLE_BODY, InvalidRequest, problem
from indexer.routes.roles import operator_holder
from indexer.sources_desk import NothingToPreview, SourceIdTaken, SourcesDesk
from policyradar.api_tokens import SETTING, TokenHolder
from policyradar.errors import PolicyRadarError
from policyradar.retry import is_dependency_failure
from policyradar.schemas import EnrichedRecord
from policyradar.urlsafety import FetchError, UnsafeUrlError

HEALTH_CACHE_SECONDS = 30.0  # the open health view reads a Kafka topic: at most once per window
EXCERPT_CHARS = 300
MAX_URL_CHARS = 2000
SourceUrl = Annotated[str, Field(min_length=1, max_length=MAX_URL_CHARS, description="an http(s) URL")]

OPERATOR_ONLY = {
    401: problem(f"No token, or not a token in {SETTING}"),
    403: problem("The token is a user's, not an operator's"),
    422: problem(
        "The URL is refused (not http(s), credentials, a private address), the spec is invalid or yields "
        "nothing; `loc` names the field",
        InvalidRequest,
    ),
}
SITE_FAILED = {
    502: problem("The site failed: an HTTP error, no answer, a page too large, too many redirects")
}
PREVIEW_BUSY = {429: problem("Another preview is running")}
UNAVAILABLE = {503: problem("Kafka (the crawl-run summaries) is away, or the sources folder does not load")}


class DiscoverIn(BaseModel):
    url: SourceUrl
    id: str | None = Field(
        default=None, pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", description="the new source's id"
    )


class PreviewIn(BaseModel):
    """Either a spec (as ``sources add`` writes it) or a URL to discover one from."""

    spec: dict[str, Any] | None = None
    url: SourceUrl | None = None
    limit: int = Field(default=3, ge=1, le=10, description="records to crawl")

    @model_validator(mode="after")
    def _one_of(self) -> "PreviewIn":
        if (self.spec is None) == (self.url is None):
            raise ValueError("give either 'spec' or 'url'")
        return self


class SaveIn(BaseModel):
    spec: dict[str, Any]


def sources_router(
    engine: Engine, alias: str, holders: dict[str, TokenHolder], desk: SourcesDesk
) -> APIRouter:
    router = APIRouter(prefix="/api/sources", tags=["sources"], responses=UNAVAILABLE)
    Operator = Annotated[TokenHolder, Depends(operator_holder(holders))]
    health = _cached(lambda days: desk.health(days), HEALTH_CACHE_SECONDS)
    one_preview = threading.Lock()  # a preview runs a crawl and the language models: one at a time

    @lru_cache(maxsize=1)
    def percolator() -> MatchRecorder:
        return MatchRecorder(engine, alias)

    @router.get("", summary="Every source with its health: last success, items in the window, flags")
    def api_sources(days: Annotated[int, Query(ge=1, le=365)] = 14) -> list[dict[str, Any]]:
        return _answer(lambda: health(days))

    @router.post(
        "/discover",
        summary="Fetch a page once: its feeds, sitemaps and listing (operators)",
        responses={**OPERATOR_ONLY, **SITE_FAILED, **UNREADABLE_BODY},
    )
    def api_discover(body: DiscoverIn, _operator: Operator) -> dict[str, Any]:
        return _answer(lambda: desk.discover(body.url, body.id), "url")

    @router.post(
        "/preview",
        summary="Dry-run crawl: records, entities, alerts they would fire (operators)",
        responses={**OPERATOR_ONLY, **SITE_FAILED, **UNREADABLE_BODY, **PREVIEW_BUSY},
    )
    def api_preview(body: PreviewIn, operator: Operator) -> dict[str, Any]:
        if not one_preview.acquire(blocking=False):
            raise HTTPException(429, detail="another preview is running; try again in a minute")
        try:
            spec = body.spec or _discovered_spec(desk, body.url or "")
            records = _answer(lambda: desk.preview(spec, body.limit), "spec")
        finally:
            one_preview.release()
        return {"spec": spec, "records": _with_alerts(records, percolator(), operator.user)}

    @router.post(
        "",
        status_code=201,
        summary="Save a spec, disabled, for review (operators)",
        responses={**OPERATOR_ONLY, **UNREADABLE_BODY, 409: problem("The id is taken")},
    )
    def api_save(body: SaveIn, operator: Operator) -> dict[str, Any]:
        path = _answer(lambda: desk.save(body.spec, operator.user), "spec")
        health.clear()
        return {"id": body.spec.get("id"), "path": path, "enabled": False}

    return router


def _discovered_spec(desk: SourcesDesk, url: str) -> dict[str, Any]:
    found = _answer(lambda: desk.discover(url, None), "url")
    if found["spec"] is None:
        raise HTTPException(422, detail=f"{found['url']}: no feed, sitemap or listing found to crawl")
    return found["spec"]


def _answer(work: Callable[[], Any], field: str = "") -> Any:
    """Run ``work``; its failures as the API's answers, each naming what was wrong."""
    try:
        return work()
    except UnsafeUrlError as exc:
        raise _invalid(field, str(exc), "unsafe_url") from exc
    except ValidationError as exc:
        raise RequestValidationError(
            [
                {"loc": ["body", field, *err["loc"]], "msg": err["msg"], "type": err["type"]}
                for err in exc.errors(include_input=False, include_url=False)
            ]
        ) from exc
    except FetchError as exc:
        raise HTTPException(502, detail=f"the site failed: {exc}") from exc
    except SourceIdTaken as exc:
        raise HTTPException(409, detail=str(exc)) from exc
    except NothingToPreview as exc:
        raise _invalid(field, str(exc), "nothing_to_preview") from exc
    except PolicyRadarError as exc:
        raise HTTPException(503, detail=str(exc)) from exc
    except Exception as exc:
        if not is_dependency_failure(exc):
            raise
        raise HTTPException(503, detail=f"Kafka is unavailable: {type(exc).__name__}: {exc}") from exc


def _invalid(field: str, message: str, kind: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ["body", field], "msg": message, "type": kind}])


def _with_alerts(records: list[dict[str, Any]], percolator: MatchRecorder, user: str) -> list[dict[str, Any]]:
    """Each record for the page, with the alerts it would fire: how many over all users, and the
    names of the caller's own (other users' alert names stay private)."""
    enriched = [EnrichedRecord.model_validate(r) for r in records if "title" in r]
    fired: dict[int, list[str]] = {}
    for alert_id, slot in percolator.matching_alerts([document_from_record(r) for r in enriched]):
        fired.setdefault(slot, []).append(alert_id)
    shown = [{"url": r["url"], "quarantined": r["reason"]} for r in records if "title" not in r]
    for slot, record in enumerate(enriched):
        ids = fired.get(slot, [])
        shown.append(
            {
                **record.model_dump(mode="json", include={"id", "url", "title", "published_at", "topics"}),
                "language": record.detected_language,
                "excerpt": record.text[:EXCERPT_CHARS],
                "entities": record.entities.model_dump(mode="json", exclude={"people", "dates"}),
                "facts": record.facts.model_dump(mode="json"),
                "alerts_fired": len(ids),
                "your_alerts": sorted(i.split("/", 1)[1] for i in ids if i.startswith(f"{user}/")),
            }
        )
    return shown


class _cached:
    """``fn(days)`` kept for ``seconds``; ``clear()`` forgets it."""

    def __init__(self, fn: Callable[[int], Any], seconds: float) -> None:
        self.fn, self.seconds = fn, seconds
        self.kept: dict[int, tuple[float, Any]] = {}
        self.lock = threading.Lock()

    def __call__(self, days: int) -> Any:
        with self.lock:
            now = time.monotonic()
            if days in self.kept and now - self.kept[days][0] < self.seconds:
                return self.kept[days][1]
            value = self.fn(days)
            self.kept[days] = (now, value)
            return value

    def clear(self) -> None:
        with self.lock:
            self.kept.clear()
