"""What a subscription is, and the indices that hold alerts, matches, digests and the scheduler lock."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from indexer.query import Conditions, QueryText
from policyradar.crontab import crontab_trigger

SCHEDULE_WORDS = ("instant", "daily", "weekly")
MAX_REMIND_DAYS = 90
SECRET_FIELDS = {"webhook_secret", "dingtalk_secret", "feishu_secret", "feed_key"}


class Alert(BaseModel):
    """A subscription: query text, structured conditions, delivery and schedule."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,79}$")
    owner: str = Field(min_length=1, max_length=80)
    q: QueryText = ""
    conditions: Conditions = Conditions()
    every: str = "daily"  # instant | daily | weekly | a five-field cron expression
    at: str = Field(default="08:00", pattern=r"^\d{2}:\d{2}$")
    timezone: str = "Asia/Shanghai"
    email: list[str] = []
    webhook_url: str | None = None
    webhook_secret: str | None = None
    # Chat group robots (``robots.py``): WeCom (no signing), DingTalk and Feishu (signed when the
    # robot has a signing secret).
    wecom_url: str | None = None
    dingtalk_url: str | None = None
    dingtalk_secret: str | None = None
    feishu_url: str | None = None
    feishu_secret: str | None = None
    # A paused alert matches nothing new and sends nothing until it is resumed.
    paused: bool = False
    # The secret in the alert's private Atom feed URL (never the API token); None until one is made.
    feed_key: str | None = None
    # Remind of each matched item this many days before its deadline (at ``at``, in ``timezone``).
    remind_days: int | None = Field(
        default=None,
        ge=1,
        le=MAX_REMIND_DAYS,
        description="send a reminder this many days before each matched item's application deadline",
    )
    # Also send an item again, under "Amended" with what changed, when a delivered document changes.
    on_change: bool = Field(
        default=False,
        description="when a document this alert has delivered is amended, list it again under "
        "'Amended' in the next digest, with what changed",
    )
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    last_fire: datetime | None = None

    @field_validator("every")
    @classmethod
    def _schedule(cls, value: str) -> str:
        if value in SCHEDULE_WORDS:
            return value
        try:
            crontab_trigger(value, "UTC")
        except ValueError as exc:
            raise ValueError(f"use instant, daily, weekly or a five-field cron expression ({exc})") from exc
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("email")
    @classmethod
    def _emails(cls, values: list[str]) -> list[str]:
        for value in values:
            if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", value):
                raise ValueError(f"{value!r} is not an email address")
        return values

    @property
    def id(self) -> str:
        return alert_id(self.owner, self.name)

    @property
    def channels(self) -> list[str]:
        """The delivery channels the alert has, in the order a digest goes out."""
        return [channel for channel, there in self._channel_fields() if there]

    def _channel_fields(self) -> list[tuple[str, bool]]:
        return [
            ("email", bool(self.email)),
            ("webhook", bool(self.webhook_url)),
            ("wecom", bool(self.wecom_url)),
            ("dingtalk", bool(self.dingtalk_url)),
            ("feishu", bool(self.feishu_url)),
        ]

    def public(self) -> dict[str, Any]:
        """The alert as shown to its owner: secrets are never shown again, only whether a robot signs."""
        shown = self.model_dump(mode="json", exclude=SECRET_FIELDS)
        return {
            **shown,
            "dingtalk_signed": bool(self.dingtalk_secret),
            "feishu_signed": bool(self.feishu_secret),
            "channels": self.channels,
        }


def alert_id(owner: str, name: str) -> str:
    return f"{owner}/{name}"


def index_names(alias: str) -> dict[str, str]:
    return {
        "alerts": f"{alias}-alerts",
        "matches": f"{alias}-alert-matches",
        "digests": f"{alias}-digests",
        "locks": f"{alias}-locks",
        "clauses": f"{alias}-alert-clauses",
        "match_docs": f"{alias}-alert-match-docs",
        "match_sets": f"{alias}-alert-match-sets",
    }
