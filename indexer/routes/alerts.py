"""``/api/alerts``: a user's own alerts, behind ``Authorization: Bearer <token>``."""

from collections.abc import Callable
from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Response
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, ValidationError

from indexer.alerts.digest import DigestService
from indexer.alerts.model import Alert
from indexer.alerts.store import new_webhook_secret
from indexer.engine import Engine
from indexer.query import Conditions, QueryText, validate_request
from indexer.routes.errors import INVALID, NOT_FOUND, UNAUTHORIZED, UNAVAILABLE, UNREADABLE_BODY, invalid
from policyradar.rates import rates_to_cny
from policyradar.settings import Settings
from policyradar.urlsafety import UnsafeUrlError, check_url

bearer = HTTPBearer(auto_error=False, description="A token from POLICYRADAR_API_TOKENS")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


MAX_BACKFILL_DAYS = 3660


class AlertIn(BaseModel):
    """An alert as a user submits it (the owner comes from the token). ``Alert`` validates it again; the
    constraints repeated here put its rules in the schema."""

    name: str = Alert.model_fields["name"]
    q: QueryText = ""
    conditions: Conditions = Conditions()
    every: str = Field(
        default="daily",
        pattern=r"^(instant|daily|weekly|\S+(\s+\S+){4})$",
        description="instant, daily, weekly or a five-field cron expression",
    )
    at: str = Alert.model_fields["at"]
    timezone: str = Field(default="Asia/Shanghai", description="an IANA time zone name")
    email: list[str] = []
    webhook_url: str | None = None
    remind_days: int | None = Alert.model_fields["remind_days"]
    on_change: bool = Alert.model_fields["on_change"]
    backfill_days: int | None = Field(default=None, ge=0, le=MAX_BACKFILL_DAYS)


class Preview(BaseModel):
    items: int
    text: str


def token_user(tokens: dict[str, str]) -> Callable[..., str]:
    def user(credentials: Credentials) -> str:
        if credentials is None or credentials.credentials not in tokens:
            raise HTTPException(
                401,
                detail="a valid API token is needed (Authorization: Bearer <token>)",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return tokens[credentials.credentials]

    return user


def alerts_router(engine: Engine, alias: str, settings: Settings, tokens: dict[str, str]) -> APIRouter:
    router = APIRouter(prefix="/api/alerts", responses={**UNAUTHORIZED, **INVALID, **UNAVAILABLE})
    Owner = Annotated[str, Depends(token_user(tokens))]

    @lru_cache(maxsize=1)
    def alerts() -> DigestService:
        """Built on first use (it makes sure the alert indices exist), then shared by all requests."""
        return DigestService(engine, alias, settings)

    def owned(owner: str, name: str) -> Alert:
        alert = alerts().store.get(owner, name)
        if alert is None:
            raise HTTPException(404, detail=f"no alert named {name!r}")
        return alert

    @router.get("", summary="Your alerts")
    def api_alerts(owner: Owner) -> list[dict[str, Any]]:
        return [a.public() for a in alerts().store.list(owner)]

    @router.post("", status_code=201, summary="Add or replace one of your alerts", responses=UNREADABLE_BODY)
    def api_add_alert(body: AlertIn, owner: Owner) -> dict[str, Any]:
        alert = _new_alert(body, owner, settings)
        alerts().store.save(alert)
        days = settings.backfill_days if body.backfill_days is None else body.backfill_days
        caught = alerts().recorder.backfill(alert, alias, days)
        return {**alert.public(), "backfilled": caught, "webhook_secret": alert.webhook_secret}

    @router.delete("/{name}", status_code=204, summary="Remove one of your alerts", responses=NOT_FOUND)
    def api_remove_alert(name: str, owner: Owner) -> Response:
        if not alerts().store.remove(owner, name):
            raise HTTPException(404, detail=f"no alert named {name!r}")
        return Response(status_code=204)

    @router.get(
        "/{name}/preview", summary="The alert's next digest as text (nothing is sent)", responses=NOT_FOUND
    )
    def api_preview(name: str, owner: Owner) -> Preview:
        text, count = alerts().preview(owned(owner, name))
        return Preview(items=count, text=text)

    return router


def _new_alert(body: AlertIn, owner: str, settings: Settings) -> Alert:
    if body.webhook_url:
        try:
            check_url(body.webhook_url, settings.allow_private_hosts)
        except UnsafeUrlError as exc:
            problem = {"loc": ("body", "webhook_url"), "msg": str(exc), "type": "unsafe_url"}
            raise RequestValidationError([problem]) from exc
    fields = {
        **body.model_dump(exclude={"backfill_days"}),
        "owner": owner,
        "webhook_secret": new_webhook_secret() if body.webhook_url else None,
    }
    try:
        # Validated again with the exchange rates: the conditions' currency must be a known one.
        return validate_request(Alert, fields, rates_to_cny(settings.fx_rates))
    except ValidationError as exc:
        raise invalid(exc, "body") from exc
