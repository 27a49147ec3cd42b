"""Digests and the delivery ledger: every matched item reaches each subscription exactly once.

How: a digest is first written to the ledger as *pending*, under a message id derived from the alert,
the fire time and a part number (so two schedulers racing for the same fire time write the same id,
and only one write succeeds), with the ids of the matches it carries (at most ``MAX_ITEMS``: more
waiting matches go out at once as further parts). Then it is sent; then its matches are marked with
the message id and the digest is marked *sent*. A crash between sending and marking leaves the
digest pending: the next run resends it with the same message id and the same items before making
any new digest, so at most one digest per alert is ever pending. Matches not yet in a digest —
including items indexed late — wait for the next one, however late the scheduler comes back.

Reminders (``Alert.remind_days``) go through the same ledger: a reminder is a digest of ``kind``
``reminder`` (id from the alert, the day and a part number, see ``reminders.py``) carrying the
delivered matches whose deadline is due; sending marks them with ``reminder_id``, so each item is
reminded of once per alert, across restarts. A digest that delivers an item already inside its
reminder window counts as its reminder (the digest shows its deadline).

Under a lease (the scheduler), the lease is checked right before each delivery and each ledger
write, and digest documents carry the lease's fencing token: a write with an older token than the
one a digest already carries is refused by the engine itself (see ``lease.py``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from indexer.alerts.due import as_field, next_reminder_after
from indexer.alerts.due import due_fire_time as due_fire_time  # where it lived before due.py
from indexer.alerts.due import trigger_for as trigger_for
from indexer.alerts.lease import Lease, LeaseLost
from indexer.alerts.model import Alert
from indexer.alerts.reminders import REMINDER, due_reminder, reminder_day, reminder_id_for, reminder_window
from indexer.alerts.render import fold_copies, render_digest, render_reminder
from indexer.alerts.robots import digest_message
from indexer.alerts.send import DeliveryError, robots_of, send_email, send_robot, send_webhook
from indexer.alerts.store import (
    AlertStore,
    MatchRecorder,
    due_fields,
    match_summaries,
    raise_for_bulk,
    search_pages,
)
from indexer.engine import Engine, EngineConflict, EngineNotFound
from policyradar.metrics import ALERTS_STORED, DIGESTS, DIGESTS_PENDING, MATCHES_TAKEN_IN
from policyradar.rates import rates_to_cny
from policyradar.settings import Settings

log = logging.getLogger("policyradar.digest")
MESSAGE_NAMESPACE = uuid.UUID("6f1c1f3e-3b1e-4d5c-9a8e-2a3f4c5d6e7f")
MAX_ITEMS = 500  # items per digest message; more go out as further messages in the same run
# Alerts a tick handles at most per kind of work (scheduled digests, instant alerts with matches
# waiting, reminders): the rest are handled at the next tick, so a tick's requests are bounded
# whatever the number of alerts.
DUE_PAGE = 200
MAX_ERROR_CHARS = 2000  # of a failed attempt's error, kept in the ledger for the delivery history
HISTORY_SIZE = 50  # digests and reminders shown in an alert's delivery history
# A digest write that carries the writer's fencing token; refused (a no-op) when the digest already
# carries a newer token, i.e. a newer lease holder has taken it over.
FENCED_WRITE = (
    "if (ctx._source.fence != null && ctx._source.fence > params.fence) { ctx.op = 'none' } "
    "else { ctx._source.putAll(params.doc); ctx._source.fence = params.fence }"
)


def utc_now() -> datetime:
    return datetime.now(UTC)


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
    robot: Callable[..., None] = send_robot  # WeCom, DingTalk and Feishu robots
    after_send: Callable[[str], None] = lambda message_id: None  # tests use it to crash here
    before_send: Callable[[str], None] = lambda message_id: None  # tests use it to pause here
    lease: Lease | None = None  # the scheduler's: deliveries and ledger writes are fenced by it
    max_items: int = MAX_ITEMS
    due_page: int = DUE_PAGE  # alerts a run looks at per kind of work (scheduled, instant, reminders)
    clock: Callable[[], datetime] = utc_now  # what "now" is for schedules, reminders and "closing soon"
    names: dict[str, str] = field(init=False)
    # Per (alert id, kind) held back by a failed delivery this run: how long until its retry.
    backing_off: dict[tuple[str, str | None], timedelta] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        rates = rates_to_cny(self.settings.fx_rates)
        self.store = AlertStore(self.engine, self.alias, rates, replicas=self.settings.index_replicas)
        self.recorder = MatchRecorder(self.engine, self.alias, rates=rates)
        self.names = self.store.names
        self.store.upgrade()  # alerts saved before narrowing and due dates: derive their fields

    # What is waiting ------------------------------------------------------------------------------
    def undelivered(self, alert: Alert) -> list[tuple[str, dict[str, Any]]]:
        """The oldest matches not yet in a sent digest, as many as one digest carries."""
        query = {
            "bool": {
                "filter": [{"term": {"alert_id": alert.id}}],
                "must_not": [{"exists": {"field": "message_id"}}, {"exists": {"field": "covered_by"}}],
            }
        }
        return self._matches(query)

    def fresh(self, alert: Alert) -> list[tuple[str, dict[str, Any]]]:
        """``undelivered``, after setting aside the reposts of notices an earlier digest of this alert
        delivered: each is marked ``covered_by`` that delivery's match and is never sent."""
        while items := self.undelivered(alert):
            covered = self.delivered_copies(alert, items)
            if not covered:
                return items
            self._mark_covered(covered)
        return []

    def delivered_copies(self, alert: Alert, items: list[tuple[str, dict[str, Any]]]) -> dict[str, str]:
        """Per waiting match among ``items`` whose cluster this alert has delivered: the first
        delivered match of that cluster. Matches recorded before clustering have no ``cluster_id``:
        their document's id stands for it (the first member's id is its cluster's)."""
        clusters = sorted({doc.get("cluster_id") or doc["id"] for _, doc in items})
        query = {
            "bool": {
                "filter": [{"term": {"alert_id": alert.id}}, {"exists": {"field": "message_id"}}],
                "should": [{"terms": {"cluster_id": clusters}}, {"terms": {"doc_id": clusters}}],
                "minimum_should_match": 1,
            }
        }
        body = {"query": query, "_source": ["doc_id", "cluster_id"]}
        delivered: dict[str, str] = {}
        for page in search_pages(self.engine, self.names["matches"], body, ["matched_at", "doc_id"]):
            for hit in page:
                source = hit["_source"]
                delivered.setdefault(source.get("cluster_id") or source["doc_id"], hit["_id"])
        return {
            match: delivered[cluster]
            for match, doc in items
            if (cluster := doc.get("cluster_id") or doc["id"]) in delivered
            and not doc.get("amendment")  # an amendment of a delivered notice is news (on_change)
        }

    def _mark_covered(self, covered: dict[str, str]) -> None:
        self._check_lease()
        operations: list[dict[str, Any]] = []
        for match, delivered in covered.items():
            operations += [
                {"update": {"_index": self.names["matches"], "_id": match}},
                {"doc": {"covered_by": delivered}},
            ]
        response = self.engine.bulk(operations, refresh="wait_for")
        raise_for_bulk(response, "setting reposts aside", (EngineNotFound,))
        log.info("%d repost(s) of notices already delivered set aside", len(covered))

    def pending(self, alert: Alert, kind: str | None = None) -> dict[str, Any] | None:
        """The alert's oldest pending digest (``kind=REMINDER``: its pending reminder)."""
        query: dict[str, Any] = {
            "bool": {"filter": [{"term": {"alert_id": alert.id}}, {"term": {"status": "pending"}}]}
        }
        reminders = {"term": {"kind": REMINDER}}
        if kind == REMINDER:
            query["bool"]["filter"].append(reminders)
        else:
            query["bool"]["must_not"] = [reminders]
        hits = self.engine.search(self.names["digests"], {"query": query, "size": 1, "sort": ["created_at"]})
        hits = hits["hits"]["hits"]
        return {"id": hits[0]["_id"], **hits[0]["_source"]} if hits else None

    def due_reminders(self, alert: Alert, now: datetime) -> list[tuple[str, dict[str, Any]]]:
        """Delivered matches not yet reminded of whose deadline is due a reminder at ``now``, soonest
        first (as many as one message carries)."""
        window = reminder_window(alert, now)
        if window is None:
            return []
        query = {
            "bool": {
                "filter": [
                    {"term": {"alert_id": alert.id}},
                    {"exists": {"field": "message_id"}},
                    {"range": {"deadline": {"gte": window[0].isoformat(), "lte": window[1].isoformat()}}},
                ],
                "must_not": [{"exists": {"field": "reminder_id"}}],
            }
        }
        return self._matches(query, sort=["deadline", "doc_id"])

    def _matches(
        self, query: dict[str, Any], sort: list[str] | None = None
    ) -> list[tuple[str, dict[str, Any]]]:
        body = {"query": query, "size": self.max_items, "sort": sort or ["matched_at", "doc_id"]}
        hits = self.engine.search(self.names["matches"], body)["hits"]["hits"]
        summaries = match_summaries(self.engine, self.names, [hit["_source"] for hit in hits])
        return [(hit["_id"], summary) for hit, summary in zip(hits, summaries, strict=True)]

    def _waiting(self, alert_ids: list[str] | None = None) -> dict[str, Any]:
        """Matches not yet sent nor set aside (of ``alert_ids``, when given)."""
        query: dict[str, Any] = {
            "bool": {"must_not": [{"exists": {"field": "message_id"}}, {"exists": {"field": "covered_by"}}]}
        }
        if alert_ids is not None:
            query["bool"]["filter"] = [{"terms": {"alert_id": alert_ids}}]
        return query

    def with_work(self, alert_ids: list[str]) -> set[str]:
        """Which of ``alert_ids`` have matches waiting or a pending digest: one request."""
        if not alert_ids:
            return set()
        query = {
            "bool": {
                "filter": [{"terms": {"alert_id": alert_ids}}],
                "should": [
                    {"bool": {"filter": [{"term": {"_index": self.names["matches"]}}, self._waiting()]}},
                    {"term": {"status": "pending"}},
                ],
                "minimum_should_match": 1,
            }
        }
        aggs = {"alerts": {"terms": {"field": "alert_id", "size": len(alert_ids)}}}
        body = {"size": 0, "query": query, "aggs": aggs}
        result = self.engine.search(self._ledger(), body)["aggregations"]["alerts"]
        return {bucket["key"] for bucket in result["buckets"]}

    def instant_with_work(self, size: int = DUE_PAGE) -> list[str]:
        """Up to ``size`` ids of instant alerts with matches waiting (matches say whether their alert
        was instant), those waiting longest first: one request."""
        query = self._waiting()
        query["bool"]["filter"] = [{"term": {"instant": True}}]
        terms = {"field": "alert_id", "size": size, "order": {"oldest": "asc"}}
        aggs = {"alerts": {"terms": terms, "aggs": {"oldest": {"min": {"field": "matched_at"}}}}}
        result = self.engine.search(self.names["matches"], {"size": 0, "query": query, "aggs": aggs})
        return [bucket["key"] for bucket in result["aggregations"]["alerts"]["buckets"]]

    def count_with_work(self) -> int:
        """How many alerts have matches waiting or a pending digest (exact up to 40,000): one request."""
        query = {
            "bool": {
                "should": [
                    {"bool": {"filter": [{"term": {"_index": self.names["matches"]}}, self._waiting()]}},
                    {"term": {"status": "pending"}},
                ],
                "minimum_should_match": 1,
            }
        }
        aggs = {"alerts": {"cardinality": {"field": "alert_id", "precision_threshold": 40_000}}}
        result = self.engine.search(self._ledger(), {"size": 0, "query": query, "aggs": aggs})
        return int(result["aggregations"]["alerts"]["value"])

    def _ledger(self) -> str:
        return f"{self.names['matches']},{self.names['digests']}"

    def highest_fence(self) -> int:
        """The highest fencing token any digest carries (a new lease document starts above it)."""
        body = {"size": 0, "aggs": {"fence": {"max": {"field": "fence"}}}}
        value = self.engine.search(self.names["digests"], body)["aggregations"]["fence"]["value"]
        return int(value or 0)

    def preview(self, alert: Alert) -> tuple[str, int]:
        """The next digest as text, without sending anything. Pending match sets are taken in first,
        as much as one scheduler tick takes (``materialize.TICK_MATCHES``): a preview costs what a
        tick does however far behind the scheduler is, and a backlog beyond that waits for it."""
        self.recorder.take_in()
        pending = self.pending(alert)
        if pending:
            items = self._matches({"ids": {"values": pending["match_ids"]}})
        else:  # reposts of notices already delivered would be set aside, not sent
            items = self.undelivered(alert)
            covered = self.delivered_copies(alert, items) if items else {}
            items = [(match, doc) for match, doc in items if match not in covered]
        message_id = pending["id"] if pending else "(preview)"
        today = self.clock().astimezone(ZoneInfo(alert.timezone)).date()
        docs = [doc for _, doc in items]
        text, _ = render_digest(alert, docs, message_id, today)
        return text, len(fold_copies(docs))

    def history(self, alert: Alert, size: int = HISTORY_SIZE) -> list[dict[str, Any]]:
        """The alert's latest digests and reminders, newest first: when, which channels were reached,
        how many items, and the status (``sent``, ``pending``, or ``retrying`` after a failure)."""
        body = {
            "query": {"term": {"alert_id": alert.id}},
            "size": size,
            "sort": [{"created_at": "desc"}],
        }
        hits = self.engine.search(self.names["digests"], body)["hits"]["hits"]
        return [delivery_entry(hit["_id"], hit["_source"]) for hit in hits]

    # Sending --------------------------------------------------------------------------------------
    def fire(self, alert: Alert, fire_time: datetime) -> list[str]:
        """Send the alert's pending digest, then every waiting match in digests of at most
        ``max_items`` items; the message ids sent. A digest backing off after a failed delivery
        holds everything back until its retry time."""
        sent, held = self._resend_pending(alert)
        if held:
            return sent
        part = 0
        while items := self.fresh(alert):
            created, part = self._create_pending(alert, fire_time, part, [match for match, _ in items])
            if created is None:
                break  # another scheduler made this digest; it is pending and sent from there
            sent.append(self._send(alert, created, items))
            part += 1
        return sent

    def remind(self, alert: Alert, now: datetime) -> list[str]:
        """Send the alert's pending reminder, then reminders of every delivered item whose deadline
        is due (``reminders.py``); the message ids sent."""
        sent, held = self._resend_pending(alert, REMINDER)
        if held:
            return sent
        day, part = reminder_day(alert, now), 0
        while items := self.due_reminders(alert, now):
            ids = [match for match, _ in items]
            created, part = self._create_pending(alert, now, part, ids, kind=REMINDER, day=day)
            if created is None:
                break  # another scheduler made this reminder; it is pending and sent from there
            sent.append(self._send(alert, created, items))
            part += 1
        return sent

    def _resend_pending(self, alert: Alert, kind: str | None = None) -> tuple[list[str], bool]:
        """Send the alert's pending digests (or reminders) again; (message ids sent, whether one is
        backing off after a failed delivery and holds everything back until its retry time)."""
        sent: list[str] = []
        while (pending := self.pending(alert, kind)) is not None:
            retry_at = pending.get("next_attempt_at")
            if retry_at and datetime.fromisoformat(retry_at) > datetime.now(UTC):
                self.backing_off[alert.id, kind] = datetime.fromisoformat(retry_at) - datetime.now(UTC)
                return sent, True
            self._claim(pending)
            items = self._matches({"ids": {"values": pending["match_ids"]}})
            sent.append(self._send(alert, pending, items))
        return sent, False

    def _send(self, alert: Alert, pending: dict[str, Any], items: list[tuple[str, dict[str, Any]]]) -> str:
        self.before_send(pending["id"])
        self._check_lease()
        reminder = pending.get("kind") == REMINDER
        fire_time = datetime.fromisoformat(str(pending["fire_time"]))
        docs = [doc for _, doc in items]
        delivered, failures = self._deliver_all(alert, pending, docs, fire_time)
        if failures:
            DIGESTS.labels(outcome="failed").inc()
            self._note_failure(pending, delivered, failures)
            raise DeliveryError("; ".join(failures))
        DIGESTS.labels(outcome="sent").inc()
        self.after_send(pending["id"])
        match_ids = [match for match, _ in items]
        # An item a digest delivers inside its reminder window has had its reminder: the digest.
        reminded = (
            match_ids
            if reminder
            else [m for m, doc in items if due_reminder(alert, doc.get("deadline"), fire_time)]
        )
        self.mark_sent(pending["id"], [] if reminder else match_ids, reminded, channels=delivered)
        what = "reminder" if reminder else "digest"
        log.info("%s %s for %s sent with %d item(s)", what, pending["id"], alert.id, len(items))
        return pending["id"]

    def _create_pending(
        self,
        alert: Alert,
        fire_time: datetime,
        part: int,
        match_ids: list[str],
        kind: str = "digest",
        day: date | None = None,
    ) -> tuple[dict[str, Any] | None, int]:
        """Write the digest (or the reminder of ``day``) as pending, under the first free part number
        of this fire time (or day); None when a pending one of that id already exists."""
        body = {
            "alert_id": alert.id,
            "kind": kind,
            "status": "pending",
            "fire_time": fire_time.isoformat(),
            "created_at": datetime.now(UTC).isoformat(),
            "sent_at": None,
            "match_ids": match_ids,
            "attempts": 0,
            "fence": self._check_lease(),
        }
        while True:
            if kind == REMINDER:
                message_id = reminder_id_for(alert, day or fire_time.date(), part)
            else:
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

    def _deliver_all(
        self, alert: Alert, pending: dict[str, Any], items: list[dict[str, Any]], fire_time: datetime
    ) -> tuple[list[str], list[str]]:
        """Send to each of the alert's channels not yet reached by an earlier attempt of this digest
        (``channels`` in the ledger); (every channel reached, one line per channel that failed)."""
        sends = self._channel_sends(alert, pending, items, fire_time)
        delivered = [channel for channel in pending.get("channels") or [] if channel in sends]
        failures = []
        for channel, send in sends.items():
            if channel in delivered:
                continue
            try:
                send()
            except DeliveryError as exc:
                failures.append(str(exc))
            else:
                delivered.append(channel)
        return delivered, failures

    def _channel_sends(
        self, alert: Alert, pending: dict[str, Any], items: list[dict[str, Any]], fire_time: datetime
    ) -> dict[str, Callable[[], None]]:
        """One call per channel of the alert that sends this digest (or reminder) there."""
        message_id = pending["id"]
        kind = REMINDER if pending.get("kind") == REMINDER else "digest"
        today = fire_time.astimezone(ZoneInfo(alert.timezone)).date()
        folded = fold_copies(items)
        extra: dict[str, Any] = {}
        if kind == REMINDER:
            text, html, extra["subject"] = render_reminder(alert, items, message_id, today)
        else:
            text, html = render_digest(alert, items, message_id, today)
        sends: dict[str, Callable[[], None]] = {}
        if alert.email:
            sends["email"] = lambda: self.email(
                self.settings, alert, message_id, text, html, len(folded), **extra
            )
        if alert.webhook_url:
            payload = _payload(kind, alert, message_id, folded)
            sends["webhook"] = lambda: self.webhook(self.settings, alert, message_id, payload)
        message = digest_message(alert.name, kind, folded, message_id)
        for platform, robot in robots_of(alert).items():
            sends[platform] = lambda robot=robot: self.robot(self.settings, alert, robot, message)
        return sends

    def _note_failure(self, pending: dict[str, Any], delivered: list[str], failures: list[str]) -> None:
        """Record a failed attempt: when to retry, the channels already reached (not sent to again)
        and what went wrong."""
        attempts = int(pending.get("attempts") or 0) + 1
        retry_at = datetime.now(UTC) + timedelta(seconds=min(2**attempts, 3600))
        changes = {
            "attempts": attempts,
            "next_attempt_at": retry_at.isoformat(),
            "channels": delivered,
            "last_error": "; ".join(failures)[:MAX_ERROR_CHARS],
        }
        self._write_digest(pending["id"], changes)

    def mark_sent(
        self,
        message_id: str,
        match_ids: list[str],
        reminded: list[str] | None = None,
        channels: list[str] | None = None,
    ) -> None:
        """Mark the matches (delivered in ``match_ids``, reminded of in ``reminded``) and then the
        digest sent to ``channels`` (fenced: refused for a former lease holder)."""
        self._check_lease()
        marks: dict[str, dict[str, str]] = {match: {"message_id": message_id} for match in match_ids}
        for match in reminded or []:
            marks.setdefault(match, {})["reminder_id"] = message_id
        operations: list[dict[str, Any]] = []
        for match, changes in marks.items():
            operations += [
                {"update": {"_index": self.names["matches"], "_id": match}},
                {"doc": changes},
            ]
        if operations:
            raise_for_bulk(
                self.engine.bulk(operations, refresh="wait_for"), "marking matches sent", (EngineNotFound,)
            )
        sent = {"status": "sent", "sent_at": datetime.now(UTC).isoformat()}
        self._write_digest(message_id, {**sent, **({"channels": channels} if channels is not None else {})})

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
        """Take in the match sets the indexer recorded (``materialize.py``, a bounded share), fire the
        alerts that are due and have something to send, then send the reminders that are due; a
        failed delivery stays pending and is retried after its back-off. A bounded number of
        requests whatever the number of alerts: at most ``due_page`` alerts of each kind of work are
        looked at (``due.py``), the longest due first; the rest wait for the next run. Raises
        LeaseLost (having sent nothing more) if the lease is lost."""
        now = now or self.clock()
        MATCHES_TAKEN_IN.inc(self.recorder.take_in())
        ALERTS_STORED.set(self.engine.count(self.names["alerts"]))
        DIGESTS_PENDING.set(self.count_with_work())
        self.backing_off = {}
        sent = self._fire_scheduled(now) + self._fire_instant(now)
        return sent + self._remind_due(now)

    def _fire_scheduled(self, now: datetime) -> list[str]:
        """Digests of the alerts whose ``next_due`` has come (instant alerts just saved among them)."""
        alerts = self.store.due("next_due", now, self.due_page)
        busy = self.with_work([alert.id for alert in alerts])
        sent: list[str] = []
        fired: list[tuple[Alert, datetime]] = []  # noted together at the end
        changes: list[tuple[str, dict[str, Any]]] = []
        for alert in alerts:
            try:
                fire_time = due_fire_time(alert, now)
            except ValueError as exc:
                log.error("alert %s: its schedule %r is invalid (%s); skipped", alert.id, alert.every, exc)
                changes.append((alert.id, {"next_due": None}))
                continue
            if fire_time is None:  # saved with a date that is not its schedule's: put it right
                changes.append((alert.id, {"next_due": due_fields(alert)["next_due"]}))
                continue
            retry = self._fire_or_retry(alert, fire_time, now, busy, sent)
            if retry is not None:
                changes.append((alert.id, {"next_due": as_field(retry)}))
            elif alert.every == "instant":
                changes.append((alert.id, {"next_due": None}))  # its matches say when it is due
            else:
                fired.append((alert, fire_time))
        self._check_lease()
        self.store.set_last_fires(fired)
        self.store.update_fields(changes)
        return sent

    def _fire_instant(self, now: datetime) -> list[str]:
        """Digests of the instant alerts with matches waiting."""
        alerts = self.store.get_many(self.instant_with_work(self.due_page))
        sent: list[str] = []
        changes: list[tuple[str, dict[str, Any]]] = []
        for alert in alerts.values():
            if alert.every != "instant" or alert.paused:
                continue  # made a scheduled alert since (its schedule sends them), or paused
            retry = self._fire_or_retry(alert, now, now, {alert.id}, sent)
            if retry is not None:
                changes.append((alert.id, {"next_due": as_field(retry)}))
        self._check_lease()
        self.store.update_fields(changes)
        return sent

    def _fire_or_retry(
        self, alert: Alert, fire_time: datetime, now: datetime, busy: set[str], sent: list[str]
    ) -> datetime | None:
        """Fire the alert if it has work (adding to ``sent``); when a failed delivery holds it back,
        when to try again (on the clock of ``now``), else None."""
        if alert.id not in busy:
            return None
        try:
            sent += self.fire(alert, fire_time)
        except DeliveryError as exc:
            log.error("%s (the digest stays pending and is retried)", exc)
            return now
        wait = self.backing_off.get((alert.id, None))
        return None if wait is None else now + wait

    def _remind_due(self, now: datetime) -> list[str]:
        """Reminders of the alerts whose ``next_reminder`` has come: the window of deadlines due a
        reminder moves once a day, at the alert's time of day."""
        sent: list[str] = []
        changes: list[tuple[str, dict[str, Any]]] = []
        for alert in self.store.due("next_reminder", now, self.due_page):
            if not alert.remind_days:
                changes.append((alert.id, {"next_reminder": None}))
                continue
            try:
                sent += self.remind(alert, now)
            except DeliveryError as exc:
                log.error("%s (the reminder stays pending and is retried)", exc)
                changes.append((alert.id, {"next_reminder": as_field(now)}))
                continue
            wait = self.backing_off.get((alert.id, REMINDER))
            later = now + wait if wait is not None else next_reminder_after(alert, now)
            changes.append((alert.id, {"next_reminder": as_field(later)}))
        self._check_lease()
        self.store.update_fields(changes)
        return sent


def _payload(kind: str, alert: Alert, message_id: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """A webhook's body: ``policyradar.digest`` or ``policyradar.reminder`` with its items."""
    return {
        "type": f"policyradar.{kind}",
        "message_id": message_id,
        "alert": alert.name,
        "owner": alert.owner,
        "items": items,
    }


def delivery_entry(message_id: str, digest: dict[str, Any]) -> dict[str, Any]:
    """A digest of the ledger as the delivery history shows it."""
    status = digest.get("status")
    if status == "pending" and digest.get("attempts"):
        status = "retrying"
    return {
        "message_id": message_id,
        "kind": digest.get("kind") or "digest",
        "status": status,
        "fire_time": digest.get("fire_time"),
        "created_at": digest.get("created_at"),
        "sent_at": digest.get("sent_at"),
        "items": len(digest.get("match_ids") or []),
        "channels": digest.get("channels") or [],
        "attempts": digest.get("attempts") or 0,
        "next_attempt_at": digest.get("next_attempt_at") if status != "sent" else None,
        "last_error": digest.get("last_error"),
    }
