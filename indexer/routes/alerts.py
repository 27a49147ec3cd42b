"""``/api/alerts``: a user's own alerts, behind ``Authorization: Bearer <token>``: list, add, get,
edit, pause and resume, remove, the next digest's preview, the delivery history and the private feed
key. Another user's alert is answered as missing (404), never shown or changed."""

import secrets
from collections.abc import Callable
from functools import lru_cache
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Response
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, ValidationError

from indexer.alerts.digest import DigestService
from indexer.alerts.model import Alert
from indexer.alerts.robots import check_robot_url
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
    wecom_url: str | None = Field(
        default=None, description="a WeCom (企业微信) group robot's webhook address"
    )
    dingtalk_url: str | None = Field(
        default=None, description="a DingTalk (钉钉) custom robot's webhook address"
    )
    dingtalk_secret: str | None = Field(
        default=None, max_length=200, description="the DingTalk robot's signing secret (SEC…), if it signs"
    )
    feishu_url: str | None = Field(
        default=None, description="a Feishu/Lark (飞书) custom bot's webhook address"
    )
    feishu_secret: str | None = Field(
        default=None, max_length=200, description="the Feishu bot's signing secret, if it signs"
    )
    remind_days: int | None = Alert.model_fields["remind_days"]
    on_change: bool = Alert.model_fields["on_change"]
    backfill_days: int | None = Field(default=None, ge=0, le=MAX_BACKFILL_DAYS)


class Preview(BaseModel):
    items: int
    text: str


class Delivery(BaseModel):
    """One digest or reminder of an alert: when it was made and sent, to which channels, with how
    many items; ``status`` is ``sent``, ``pending`` or ``retrying`` (a delivery failed: it is tried
    again at ``next_attempt_at``; ``channels`` already reached are not sent to again)."""

    message_id: str
    kind: str
    status: str
    fire_time: str | None
    created_at: str | None
    sent_at: str | None
    items: int
    channels: list[str]
    attempts: int
    next_attempt_at: str | None
    last_error: str | None


ROBOT_FIELDS = {"wecom_url": "wecom", "dingtalk_url": "dingtalk", "feishu_url": "feishu"}
SECRETS_OF = {
    "webhook_url": "webhook_secret",
    "dingtalk_url": "dingtalk_secret",
    "feishu_url": "feishu_secret",
}


def feed_path(alert: Alert) -> str | None:
    """The alert's private Atom feed (its key in the query), or None until it has a key."""
    if not alert.feed_key:
        return None
    return (
        f"/feeds/alerts/{quote(alert.owner, safe='')}/{quote(alert.name, safe='')}.atom?key={alert.feed_key}"
    )


def shown(alert: Alert) -> dict[str, Any]:
    """The alert as its owner sees it: ``public()`` and its feed URL."""
    return {**alert.public(), "feed_url": feed_path(alert)}


def new_feed_key() -> str:
    return secrets.token_urlsafe(24)


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


class Me(BaseModel):
    """Whose token this is: ``user`` is None for no token or an unknown one."""

    user: str | None


def me_router(tokens: dict[str, str]) -> APIRouter:
    """``GET /api/me``: who the bearer token belongs to, answered 200 either way, so that a sign-in
    form can check a token without a failed request."""
    router = APIRouter()

    @router.get("/api/me", summary="Who the token in Authorization belongs to (user null if nobody)")
    def api_me(credentials: Credentials) -> Me:
        return Me(user=tokens.get(credentials.credentials) if credentials else None)

    return router


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
        return [shown(a) for a in alerts().store.list(owner)]

    @router.post("", status_code=201, summary="Add or replace one of your alerts", responses=UNREADABLE_BODY)
    def api_add_alert(body: AlertIn, owner: Owner) -> dict[str, Any]:
        alert = _new_alert(body, owner, settings)
        return _saved(alert, body.backfill_days, reveal=bool(alert.webhook_secret))

    def _saved(alert: Alert, backfill_days: int | None, reveal: bool) -> dict[str, Any]:
        alerts().store.save(alert)
        days = settings.backfill_days if backfill_days is None else backfill_days
        caught = alerts().recorder.backfill(alert, alias, days) if not alert.paused else 0
        secret = {"webhook_secret": alert.webhook_secret if reveal else None}
        return {**shown(alert), "backfilled": caught, **secret}

    @router.get("/{name}", summary="One of your alerts", responses=NOT_FOUND)
    def api_alert(name: str, owner: Owner) -> dict[str, Any]:
        return shown(owned(owner, name))

    @router.put(
        "/{name}",
        summary="Edit one of your alerts (secrets, feed key, pause and fire times are kept)",
        responses={**NOT_FOUND, **UNREADABLE_BODY},
    )
    def api_edit_alert(name: str, body: AlertIn, owner: Owner) -> dict[str, Any]:
        before = owned(owner, name)
        if body.name != name:
            problem = {"loc": ("body", "name"), "msg": "an alert cannot be renamed", "type": "value_error"}
            raise RequestValidationError([problem])
        alert = _edited(before, _new_alert(body, owner, settings))
        reveal = alert.webhook_secret != before.webhook_secret and bool(alert.webhook_secret)
        return _saved(alert, body.backfill_days, reveal=reveal)

    @router.post("/{name}/pause", summary="Pause an alert: it matches and sends nothing", responses=NOT_FOUND)
    def api_pause(name: str, owner: Owner) -> dict[str, Any]:
        return shown(alerts().store.set_paused(owned(owner, name), True))

    @router.post("/{name}/resume", summary="Resume a paused alert", responses=NOT_FOUND)
    def api_resume(name: str, owner: Owner) -> dict[str, Any]:
        return shown(alerts().store.set_paused(owned(owner, name), False))

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

    @router.get(
        "/{name}/history",
        summary="The alert's latest digests and reminders: when, where, how many items, status",
        responses=NOT_FOUND,
    )
    def api_history(name: str, owner: Owner) -> list[Delivery]:
        return [Delivery(**entry) for entry in alerts().history(owned(owner, name))]

    @router.post(
        "/{name}/feed-key",
        summary="Make a new private feed URL for the alert (the old one stops working)",
        responses=NOT_FOUND,
    )
    def api_feed_key(name: str, owner: Owner) -> dict[str, Any]:
        alert = owned(owner, name).model_copy(update={"feed_key": new_feed_key()})
        alerts().store.save(alert)
        return shown(alert)

    both = APIRouter()
    both.include_router(router)
    both.include_router(me_router(tokens))
    return both


def _refuse(field: str, exc: UnsafeUrlError) -> RequestValidationError:
    return RequestValidationError([{"loc": ("body", field), "msg": str(exc), "type": "unsafe_url"}])


def _check_addresses(body: AlertIn, settings: Settings) -> None:
    """Webhook and robot addresses pass the URL checks; robots must be on their platform's host."""
    if body.webhook_url:
        try:
            check_url(body.webhook_url, settings.allow_private_hosts)
        except UnsafeUrlError as exc:
            raise _refuse("webhook_url", exc) from exc
    for field, platform in ROBOT_FIELDS.items():
        url = getattr(body, field)
        if url:
            try:
                check_robot_url(platform, url, settings)
            except UnsafeUrlError as exc:
                raise _refuse(field, exc) from exc


def _new_alert(body: AlertIn, owner: str, settings: Settings) -> Alert:
    _check_addresses(body, settings)
    fields = {
        **body.model_dump(exclude={"backfill_days"}),
        "owner": owner,
        "webhook_secret": new_webhook_secret() if body.webhook_url else None,
        "feed_key": new_feed_key(),
    }
    try:
        # Validated again with the exchange rates: the conditions' currency must be a known one.
        return validate_request(Alert, fields, rates_to_cny(settings.fx_rates))
    except ValidationError as exc:
        raise invalid(exc, "body") from exc


def _edited(before: Alert, after: Alert) -> Alert:
    """``after`` keeping what an edit does not change: when it was made and last fired, whether it is
    paused, its feed key, and each secret whose address stays the same (a robot secret left out is
    kept; an empty one removes it)."""
    kept: dict[str, Any] = {
        "created_at": before.created_at,
        "last_fire": before.last_fire,
        "paused": before.paused,
        "feed_key": before.feed_key or after.feed_key,
    }
    for url_field, secret_field in SECRETS_OF.items():
        same_address = getattr(before, url_field) == getattr(after, url_field)
        if url_field == "webhook_url":
            if same_address and before.webhook_secret:
                kept[secret_field] = before.webhook_secret
        elif getattr(after, secret_field) is None and same_address:
            kept[secret_field] = getattr(before, secret_field)
        elif getattr(after, secret_field) == "":
            kept[secret_field] = None
    return after.model_copy(update=kept)
