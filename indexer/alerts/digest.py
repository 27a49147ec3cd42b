"""Digests and the delivery ledger: every matched item reaches each subscription exactly once.

How: a digest is first written to the ledger as *pending*, under a message id derived from the alert
and the fire time (so two schedulers racing for the same fire time write the same id, and only one
write succeeds), with the ids of the matches it carries. Then it is sent; then its matches are
marked with the message id and the digest is marked *sent*. A crash between sending and marking
leaves the digest pending: the next run resends it with the same message id and the same items
before making any new digest. Matches not yet in a digest — including items indexed late — wait for
the next one, however late the scheduler comes back.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.triggers.cron import CronTrigger

from indexer.alerts.model import Alert
from indexer.alerts.render import render_digest
from indexer.alerts.send import DeliveryError, send_email, send_webhook
from indexer.alerts.store import AlertStore, MatchRecorder
from indexer.engine import Engine, status_of
from policyradar.settings import Settings

log = logging.getLogger("policyradar.digest")
MESSAGE_NAMESPACE = uuid.UUID("6f1c1f3e-3b1e-4d5c-9a8e-2a3f4c5d6e7f")
MAX_ITEMS = 500


def trigger_for(alert: Alert) -> CronTrigger | None:
    """The APScheduler trigger of a scheduled alert (None for instant alerts)."""
    if alert.every == "instant":
        return None
    hour, minute = (int(part) for part in alert.at.split(":"))
    if alert.every == "daily":
        return CronTrigger(hour=hour, minute=minute, timezone=alert.timezone)
    if alert.every == "weekly":
        return CronTrigger(day_of_week="mon", hour=hour, minute=minute, timezone=alert.timezone)
    return CronTrigger.from_crontab(alert.every, timezone=alert.timezone)


def due_fire_time(alert: Alert, now: datetime) -> datetime | None:
    """The latest scheduled fire time after the alert's last fire and not after ``now`` (several
    missed fire times coalesce into one), or None when nothing is due. Instant alerts are always due."""
    trigger = trigger_for(alert)
    if trigger is None:
        return now
    since = alert.last_fire or alert.created_at
    fire = trigger.get_next_fire_time(None, since + timedelta(seconds=1))
    if fire is None or fire > now:
        return None
    while (following := trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))) and following <= now:
        fire = following
    return fire


def message_id_for(alert: Alert, fire_time: datetime) -> str:
    return f"msg_{uuid.uuid5(MESSAGE_NAMESPACE, f'{alert.id}|{fire_time.astimezone(UTC).isoformat()}').hex}"


@dataclass
class DigestService:
    engine: Engine
    alias: str
    settings: Settings
    email: Callable[..., None] = send_email
    webhook: Callable[..., None] = send_webhook
    after_send: Callable[[str], None] = lambda message_id: None  # tests use it to crash here
    names: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.store = AlertStore(self.engine, self.alias)
        self.recorder = MatchRecorder(self.engine, self.alias)
        self.names = self.store.names

    # What is waiting ------------------------------------------------------------------------------
    def undelivered(self, alert: Alert) -> list[tuple[str, dict[str, Any]]]:
        query = {
            "bool": {
                "filter": [{"term": {"alert_id": alert.id}}],
                "must_not": [{"exists": {"field": "message_id"}}],
            }
        }
        return self._matches(query)

    def pending(self, alert: Alert) -> dict[str, Any] | None:
        query = {"bool": {"filter": [{"term": {"alert_id": alert.id}}, {"term": {"status": "pending"}}]}}
        hits = self.engine.search(self.names["digests"], {"query": query, "size": 1, "sort": ["created_at"]})
        hits = hits["hits"]["hits"]
        return {"id": hits[0]["_id"], **hits[0]["_source"]} if hits else None

    def _matches(self, query: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        body = {"query": query, "size": MAX_ITEMS, "sort": ["matched_at", "doc_id"]}
        return [
            (hit["_id"], hit["_source"]["doc"])
            for hit in self.engine.search(self.names["matches"], body)["hits"]["hits"]
        ]

    def preview(self, alert: Alert) -> tuple[str, int]:
        """The next digest as text, without sending or marking anything."""
        pending = self.pending(alert)
        items = (
            self._matches({"ids": {"values": pending["match_ids"]}}) if pending else self.undelivered(alert)
        )
        message_id = pending["id"] if pending else "(preview)"
        text, _ = render_digest(alert, [doc for _, doc in items], message_id)
        return text, len(items)

    # Sending --------------------------------------------------------------------------------------
    def fire(self, alert: Alert, fire_time: datetime) -> str | None:
        """Send the alert's next digest (finishing a pending one first); the message id, or None."""
        pending = self.pending(alert)
        if pending is None:
            items = self.undelivered(alert)
            if not items:
                return None
            pending = self._create_pending(alert, fire_time, [match for match, _ in items])
            if pending is None:
                return None  # another scheduler already made and handles this digest
        else:
            retry_at = pending.get("next_attempt_at")
            if retry_at and datetime.fromisoformat(retry_at) > datetime.now(UTC):
                return None  # backing off after a failed delivery
            items = self._matches({"ids": {"values": pending["match_ids"]}})
        try:
            self._deliver(alert, pending["id"], [doc for _, doc in items])
        except DeliveryError:
            self._note_failure(pending)
            raise
        self.after_send(pending["id"])
        self._mark_sent(pending["id"], [match for match, _ in items])
        log.info("digest %s for %s sent with %d item(s)", pending["id"], alert.id, len(items))
        return pending["id"]

    def _create_pending(
        self, alert: Alert, fire_time: datetime, match_ids: list[str]
    ) -> dict[str, Any] | None:
        message_id = message_id_for(alert, fire_time)
        body = {
            "alert_id": alert.id,
            "status": "pending",
            "fire_time": fire_time.isoformat(),
            "created_at": datetime.now(UTC).isoformat(),
            "sent_at": None,
            "match_ids": match_ids,
            "attempts": 0,
        }
        try:
            self.engine.index_doc(
                self.names["digests"], message_id, body, op_type="create", refresh="wait_for"
            )
        except Exception as exc:
            if status_of(exc) == 409:
                return None
            raise
        return {"id": message_id, **body}

    def _deliver(self, alert: Alert, message_id: str, items: list[dict[str, Any]]) -> None:
        text, html = render_digest(alert, items, message_id)
        if alert.email:
            self.email(self.settings, alert, message_id, text, html, len(items))
        if alert.webhook_url:
            payload = {
                "type": "policyradar.digest",
                "message_id": message_id,
                "alert": alert.name,
                "owner": alert.owner,
                "items": items,
            }
            self.webhook(self.settings, alert, message_id, payload)

    def _note_failure(self, pending: dict[str, Any]) -> None:
        attempts = int(pending.get("attempts") or 0) + 1
        retry_at = datetime.now(UTC) + timedelta(seconds=min(2**attempts, 3600))
        self.engine.update_doc(
            self.names["digests"],
            pending["id"],
            {"attempts": attempts, "next_attempt_at": retry_at.isoformat()},
            refresh="wait_for",
        )

    def _mark_sent(self, message_id: str, match_ids: list[str]) -> None:
        operations: list[dict[str, Any]] = []
        for match in match_ids:
            operations += [
                {"update": {"_index": self.names["matches"], "_id": match}},
                {"doc": {"message_id": message_id}},
            ]
        if operations:
            self.engine.bulk(operations, refresh="wait_for")
        self.engine.update_doc(
            self.names["digests"],
            message_id,
            {"status": "sent", "sent_at": datetime.now(UTC).isoformat()},
            refresh="wait_for",
        )

    def run_due(self, now: datetime | None = None) -> list[str]:
        """Fire every alert that is due; a failed delivery stays pending and is retried next time."""
        now = now or datetime.now(UTC)
        sent = []
        for alert in self.store.list():
            fire_time = due_fire_time(alert, now)
            if fire_time is None:
                continue
            try:
                message_id = self.fire(alert, fire_time)
            except DeliveryError as exc:
                log.error("%s (the digest stays pending and is retried)", exc)
                continue
            if message_id:
                sent.append(message_id)
            if alert.every != "instant":
                self.store.set_last_fire(alert, fire_time)
        return sent
