"""Digests and the delivery ledger: every matched item reaches each subscription exactly once.

How: a digest is first written to the ledger as *pending*, under a message id derived from the alert,
the fire time and a part number (so two schedulers racing for the same fire time write the same id,
and only one write succeeds), with the ids of the matches it carries (at most ``MAX_ITEMS``: more
waiting matches go out at once as further parts). Then it is sent; then its matches are marked with
the message id and the digest is marked *sent*. A crash between sending and marking leaves the
digest pending: the next run resends it with the same message id and the same items before making
any new digest, so at most one digest per alert is ever pending. Matches not yet in a digest —
including items indexed late — wait for the next one, however late the scheduler comes back.

Under a lease (the scheduler), the lease is checked right before each delivery and each ledger
write, and digest documents carry the lease's fencing token: a write with an older token than the
one a digest already carries is refused by the engine itself (see ``lease.py``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.triggers.cron import CronTrigger

from indexer.alerts.lease import Lease, LeaseLost
from indexer.alerts.model import Alert
from indexer.alerts.render import render_digest
from indexer.alerts.send import DeliveryError, send_email, send_webhook
from indexer.alerts.store import PAGE_SIZE, AlertStore, MatchRecorder, raise_for_bulk
from indexer.engine import Engine, EngineConflict, EngineNotFound
from policyradar.crontab import crontab_trigger
from policyradar.metrics import ALERTS_STORED, DIGESTS, DIGESTS_PENDING
from policyradar.rates import rates_to_cny
from policyradar.settings import Settings

log = logging.getLogger("policyradar.digest")
MESSAGE_NAMESPACE = uuid.UUID("6f1c1f3e-3b1e-4d5c-9a8e-2a3f4c5d6e7f")
MAX_ITEMS = 500  # items per digest message; more go out as further messages in the same run
# A digest write that carries the writer's fencing token; refused (a no-op) when the digest already
# carries a newer token, i.e. a newer lease holder has taken it over.
FENCED_WRITE = (
    "if (ctx._source.fence != null && ctx._source.fence > params.fence) { ctx.op = 'none' } "
    "else { ctx._source.putAll(params.doc); ctx._source.fence = params.fence }"
)


def trigger_for(alert: Alert) -> CronTrigger | None:
    """The APScheduler trigger of a scheduled alert (None for instant alerts)."""
    if alert.every == "instant":
        return None
    hour, minute = (int(part) for part in alert.at.split(":"))
    if alert.every == "daily":
        return CronTrigger(hour=hour, minute=minute, timezone=alert.timezone)
    if alert.every == "weekly":
        return CronTrigger(day_of_week="mon", hour=hour, minute=minute, timezone=alert.timezone)
    return crontab_trigger(alert.every, alert.timezone)


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


def message_id_for(alert: Alert, fire_time: datetime, part: int = 0) -> str:
    key = f"{alert.id}|{fire_time.astimezone(UTC).isoformat()}" + (f"|{part}" if part else "")
    return f"msg_{uuid.uuid5(MESSAGE_NAMESPACE, key).hex}"


@dataclass
class DigestService:
    engine: Engine
    alias: str
    settings: Settings
    email: Callable[..., None] = send_email
    webhook: Callable[..., None] = send_webhook
    after_send: Callable[[str], None] = lambda message_id: None  # tests use it to crash here
    before_send: Callable[[str], None] = lambda message_id: None  # tests use it to pause here
    lease: Lease | None = None  # the scheduler's: deliveries and ledger writes are fenced by it
    max_items: int = MAX_ITEMS
    names: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        rates = rates_to_cny(self.settings.fx_rates)
        self.store = AlertStore(self.engine, self.alias, rates, replicas=self.settings.index_replicas)
        self.recorder = MatchRecorder(self.engine, self.alias, rates=rates)
        self.names = self.store.names

    # What is waiting ------------------------------------------------------------------------------
    def undelivered(self, alert: Alert) -> list[tuple[str, dict[str, Any]]]:
        """The oldest matches not yet in a sent digest, as many as one digest carries."""
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
        body = {"query": query, "size": self.max_items, "sort": ["matched_at", "doc_id"]}
        return [
            (hit["_id"], hit["_source"]["doc"])
            for hit in self.engine.search(self.names["matches"], body)["hits"]["hits"]
        ]

    def alerts_with_work(self) -> set[str]:
        """Ids of the alerts that have a pending digest or matches not yet sent."""
        waiting = {"bool": {"must_not": [{"exists": {"field": "message_id"}}]}}
        return self._alert_ids(self.names["matches"], waiting) | self._alert_ids(
            self.names["digests"], {"term": {"status": "pending"}}
        )

    def _alert_ids(self, index: str, query: dict[str, Any]) -> set[str]:
        ids: set[str] = set()
        after: dict[str, Any] | None = None
        while True:
            composite: dict[str, Any] = {
                "size": PAGE_SIZE,
                "sources": [{"id": {"terms": {"field": "alert_id"}}}],
            }
            if after:
                composite["after"] = after
            body = {"size": 0, "query": query, "aggs": {"alerts": {"composite": composite}}}
            result = self.engine.search(index, body)["aggregations"]["alerts"]
            ids.update(bucket["key"]["id"] for bucket in result["buckets"])
            after = result.get("after_key")
            if not result["buckets"] or not after:
                return ids

    def highest_fence(self) -> int:
        """The highest fencing token any digest carries (a new lease document starts above it)."""
        body = {"size": 0, "aggs": {"fence": {"max": {"field": "fence"}}}}
        value = self.engine.search(self.names["digests"], body)["aggregations"]["fence"]["value"]
        return int(value or 0)

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
    def fire(self, alert: Alert, fire_time: datetime) -> list[str]:
        """Send the alert's pending digest, then every waiting match in digests of at most
        ``max_items`` items; the message ids sent. A digest backing off after a failed delivery
        holds everything back until its retry time."""
        sent: list[str] = []
        while (pending := self.pending(alert)) is not None:
            retry_at = pending.get("next_attempt_at")
            if retry_at and datetime.fromisoformat(retry_at) > datetime.now(UTC):
                return sent  # backing off after a failed delivery
            self._claim(pending)
            items = self._matches({"ids": {"values": pending["match_ids"]}})
            sent.append(self._send(alert, pending, items))
        part = 0
        while items := self.undelivered(alert):
            created, part = self._create_pending(alert, fire_time, part, [match for match, _ in items])
            if created is None:
                break  # another scheduler made this digest; it is pending and sent from there
            sent.append(self._send(alert, created, items))
            part += 1
        return sent

    def _send(self, alert: Alert, pending: dict[str, Any], items: list[tuple[str, dict[str, Any]]]) -> str:
        self.before_send(pending["id"])
        self._check_lease()
        try:
            self._deliver(alert, pending["id"], [doc for _, doc in items])
        except DeliveryError:
            DIGESTS.labels(outcome="failed").inc()
            self._note_failure(pending)
            raise
        DIGESTS.labels(outcome="sent").inc()
        self.after_send(pending["id"])
        self.mark_sent(pending["id"], [match for match, _ in items])
        log.info("digest %s for %s sent with %d item(s)", pending["id"], alert.id, len(items))
        return pending["id"]

    def _create_pending(
        self, alert: Alert, fire_time: datetime, part: int, match_ids: list[str]
    ) -> tuple[dict[str, Any] | None, int]:
        """Write the digest as pending (under the first free part number of this fire time); None
        when a pending digest of that id already exists."""
        body = {
            "alert_id": alert.id,
            "status": "pending",
            "fire_time": fire_time.isoformat(),
            "created_at": datetime.now(UTC).isoformat(),
            "sent_at": None,
            "match_ids": match_ids,
            "attempts": 0,
            "fence": self._check_lease(),
        }
        while True:
            message_id = message_id_for(alert, fire_time, part)
            try:
                self.engine.index_doc(
                    self.names["digests"], message_id, body, op_type="create", refresh="wait_for"
                )
                return {"id": message_id, **body}, part
            except EngineConflict:
                existing = self.engine.get_doc(self.names["digests"], message_id)
                if existing is None or existing["_source"]["status"] != "sent":
                    return None, part
                part += 1  # that part went out earlier: this one is the next

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
        self._write_digest(pending["id"], {"attempts": attempts, "next_attempt_at": retry_at.isoformat()})

    def mark_sent(self, message_id: str, match_ids: list[str]) -> None:
        """Mark the matches and then the digest sent (fenced: refused for a former lease holder)."""
        self._check_lease()
        operations: list[dict[str, Any]] = []
        for match in match_ids:
            operations += [
                {"update": {"_index": self.names["matches"], "_id": match}},
                {"doc": {"message_id": message_id}},
            ]
        if operations:
            raise_for_bulk(
                self.engine.bulk(operations, refresh="wait_for"), "marking matches sent", (EngineNotFound,)
            )
        self._write_digest(message_id, {"status": "sent", "sent_at": datetime.now(UTC).isoformat()})

    # Fencing --------------------------------------------------------------------------------------
    def _check_lease(self) -> int:
        """The lease's token (0 without a lease); raises LeaseLost when the lease is no longer ours."""
        return self.lease.check() if self.lease else 0

    def _claim(self, pending: dict[str, Any]) -> None:
        """Put our token on a pending digest written under an older lease, so its former writer's
        late writes are refused from now on."""
        if self.lease and pending.get("fence") != self.lease.token:
            self._write_digest(pending["id"], {})

    def _write_digest(self, message_id: str, changes: dict[str, Any]) -> None:
        fence = self._check_lease()
        operations = [
            {"update": {"_index": self.names["digests"], "_id": message_id}},
            {
                "script": {
                    "source": FENCED_WRITE,
                    "lang": "painless",
                    "params": {"fence": fence, "doc": changes},
                }
            },
        ]
        response = self.engine.bulk(operations, refresh="wait_for")
        raise_for_bulk(response, "writing the digest ledger")
        if response["items"][0]["update"].get("result") == "noop":
            raise LeaseLost(f"digest {message_id} was taken over by a newer scheduler (our token: {fence})")

    def run_due(self, now: datetime | None = None) -> list[str]:
        """Fire every alert that is due and has something to send; a failed delivery stays pending
        and is retried next time. Raises LeaseLost (having sent nothing more) if the lease is lost."""
        now = now or datetime.now(UTC)
        busy = self.alerts_with_work()
        alerts = self.store.list()
        ALERTS_STORED.set(len(alerts))
        DIGESTS_PENDING.set(len(busy))
        sent: list[str] = []
        fired: list[tuple[Alert, datetime]] = []  # noted together at the end
        for alert in alerts:
            try:
                fire_time = due_fire_time(alert, now)
            except ValueError as exc:
                log.error("alert %s: its schedule %r is invalid (%s); skipped", alert.id, alert.every, exc)
                continue
            if fire_time is None:
                continue
            if alert.id in busy:
                try:
                    sent += self.fire(alert, fire_time)
                except DeliveryError as exc:
                    log.error("%s (the digest stays pending and is retried)", exc)
                    continue
            if alert.every != "instant":
                fired.append((alert, fire_time))
        if fired:
            self._check_lease()
            self.store.set_last_fires(fired)
        return sent
