"""``policyradar status``: one screen on the running product, and an exit code for scripts.

Each section is gathered by a small function that returns plain data (a dataclass) and is drawn by
its own rendering function; ``problems`` reads the data and says what needs a human. A section
whose service is down carries ``unavailable`` (the reason) instead of its figures: status never
dies of a dependency, it reports it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO, TypeVar

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError
from rich.console import Console

from crawlers.health_checkpoint import current_health
from crawlers.sources import load_sources
from indexer.alerts.digest import due_fire_time, trigger_for
from indexer.alerts.due import EPOCH
from indexer.alerts.local_match import PAUSED
from indexer.alerts.model import Alert, index_names
from indexer.engine import Engine, EngineError, make_engine
from launcher.stack import stack_states
from launcher.status_model import (
    DeadLetterSection,
    DigestSection,
    IndexSection,
    LagSection,
    PartitionLag,
    ServiceCheck,
    ServicesSection,
    SourcesSection,
    StageLag,
    StatusReport,
    problems,
)
from launcher.status_view import render
from policyradar.errors import PolicyRadarError
from policyradar.logs import NOISY_LOGGERS
from policyradar.settings import Settings, get_settings

# What a section may fail of without status failing: Kafka or the engine away or refusing, bad
# settings or source files (EngineUnavailable is an EngineError). Anything else is a bug: not hidden.
DEPENDENCY_ERRORS = (KafkaError, EngineError, PolicyRadarError, OSError)
CONNECT_TIMEOUT_MS = 5000
REQUEST_TIMEOUT_MS = 10_000
NEWEST_LETTERS = 5
UPCOMING_DIGESTS = 10
SENT_DIGESTS = 5
HEALTH_WINDOW_DAYS = 14  # as `policyradar sources health`
LOCAL_HOSTS = ("127.0.0.1", "localhost")
REASON_CHARS = 160


# Gathering ----------------------------------------------------------------------------------------
S = TypeVar("S")


@dataclass
class KafkaClients:
    admin: KafkaAdminClient
    consumer: KafkaConsumer
    topics: int


def gather(settings: Settings, now: datetime | None = None) -> StatusReport:
    """Every section, computed from the running services."""
    now = now or datetime.now(UTC)
    with _kafka(settings) as (kafka, kafka_error), _engine(settings) as (engine, version, engine_error):
        services = services_section(settings, kafka, kafka_error, version, engine_error)
        on_kafka = _down_reason("Kafka", kafka_error)
        on_engine = _down_reason(settings.engine, engine_error)
        alias, dlq = settings.index_alias, settings.topic_dlq
        return StatusReport(
            checked_at=now.isoformat(),
            services=services,
            lag=_guarded(
                on_kafka,
                lambda: LagSection(stage_lags(settings, kafka.admin, kafka.consumer)),
                lambda why: LagSection(unavailable=why),
            ),
            dead_letters=_guarded(
                on_kafka,
                lambda: dead_letter_section(kafka.consumer, dlq, now),
                lambda why: DeadLetterSection(dlq, unavailable=why),
            ),
            sources=_guarded(
                on_kafka, lambda: sources_section(settings, now), lambda why: SourcesSection(unavailable=why)
            ),
            digests=_guarded(
                on_engine,
                lambda: digest_section(engine, alias, now),
                lambda why: DigestSection(unavailable=why),
            ),
            index=_guarded(
                on_engine,
                lambda: index_section(engine, alias),
                lambda why: IndexSection(alias, unavailable=why),
            ),
        )


def _down_reason(name: str, error: str | None) -> str | None:
    return None if error is None else f"{name} is unreachable ({error})"


def _guarded(down: str | None, build: Callable[[], S], unavailable: Callable[[str], S]) -> S:
    """The section ``build`` makes, or ``unavailable(reason)`` when its service is down or fails."""
    if down is not None:
        return unavailable(down)
    try:
        return build()
    except DEPENDENCY_ERRORS as exc:
        return unavailable(_reason(exc))


def _reason(exc: BaseException) -> str:
    """The first line of the error, cut to ``REASON_CHARS`` (client errors repeat themselves)."""
    text = (str(exc) or type(exc).__name__).splitlines()[0]
    return text if len(text) <= REASON_CHARS else text[: REASON_CHARS - 1] + "…"


@contextlib.contextmanager
def _kafka(settings: Settings) -> Iterator[tuple[KafkaClients | None, str | None]]:
    """An admin client and a group-less consumer and None, or None and why Kafka did not answer."""
    options = {
        "bootstrap_servers": settings.kafka_bootstrap,
        "client_id": "policyradar-status",
        "bootstrap_timeout_ms": CONNECT_TIMEOUT_MS,
        "request_timeout_ms": REQUEST_TIMEOUT_MS,
    }
    admin = consumer = None
    try:
        admin = KafkaAdminClient(**options)
        topics = len(admin.list_topics())
        consumer = KafkaConsumer(group_id=None, enable_auto_commit=False, **options)
        clients, error = KafkaClients(admin, consumer, topics), None
    except DEPENDENCY_ERRORS as exc:
        clients, error = None, _reason(exc)
    try:
        yield clients, error
    finally:
        if consumer is not None:
            consumer.close()
        if admin is not None:
            admin.close()


@contextlib.contextmanager
def _engine(settings: Settings) -> Iterator[tuple[Engine, str, str | None]]:
    """The engine, the version it answered with, and None; or why it did not answer."""
    engine = make_engine(settings)
    try:
        version, error = _engine_version(engine.info()), None
    except DEPENDENCY_ERRORS as exc:
        version, error = "", _reason(exc)
    try:
        yield engine, version, error
    finally:
        engine.close()


def services_section(
    settings: Settings,
    kafka: KafkaClients | None,
    kafka_error: str | None,
    engine_version: str,
    engine_error: str | None,
) -> ServicesSection:
    """Whether Kafka and the engine answer and, when the settings point at it, the local stack."""
    kafka_detail = kafka_error or f"{kafka.topics if kafka else 0} topics"
    engine_detail = engine_error or engine_version
    section = ServicesSection(
        ServiceCheck("kafka", settings.kafka_bootstrap, kafka_error is None, kafka_detail),
        ServiceCheck(settings.engine, settings.search_url, engine_error is None, engine_detail),
    )
    if _uses_local_stack(settings):
        try:
            section.local_stack = [
                {"name": s.name, "address": s.address, "state": s.state, "pid": s.pid, "log": str(s.log_file)}
                for s in stack_states(settings)
            ]
        except DEPENDENCY_ERRORS as exc:
            section.local_stack_unavailable = _reason(exc)
    return section


def _engine_version(info: dict[str, Any]) -> str:
    version = info.get("version", {})
    return f"{version.get('distribution', 'elasticsearch')} {version.get('number', '?')}"


def _uses_local_stack(settings: Settings) -> bool:
    hosts = [address.rsplit(":", 1)[0] for address in settings.kafka_bootstrap.split(",")]
    return all(host in LOCAL_HOSTS for host in hosts)


# Lag ----------------------------------------------------------------------------------------------
def stage_lags(settings: Settings, admin: Any, consumer: Any) -> list[StageLag]:
    """Lag of the processor and the indexer groups on the topics they read."""
    return [
        stage_lag(admin, consumer, "processor", settings.topic_raw, settings.group_processor),
        stage_lag(admin, consumer, "indexer", settings.topic_enriched, settings.group_indexer),
    ]


def stage_lag(admin: Any, consumer: Any, stage: str, topic: str, group: str) -> StageLag:
    """Committed offsets (admin) against the topic's end offsets (a group-less consumer)."""
    partitions = _partitions(consumer, topic)
    begins, ends = _offsets(consumer, partitions)
    offsets = admin.list_group_offsets({group: None}).get(group, {})
    committed = {tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == topic}
    return StageLag(stage, group, topic, partition_lags(begins, ends, committed))


def partition_lags(
    begins: Mapping[int, int], ends: Mapping[int, int], committed: Mapping[int, int]
) -> list[PartitionLag]:
    """Per partition: end minus the committed offset, or minus the beginning where the group never
    committed (it would read everything still kept)."""
    lags = []
    for partition in sorted(ends):
        offset = committed.get(partition)
        if offset is None or offset < 0:
            lags.append(PartitionLag(partition, None, ends[partition], ends[partition] - begins[partition]))
        else:
            lags.append(PartitionLag(partition, offset, ends[partition], max(0, ends[partition] - offset)))
    return lags


def _partitions(consumer: Any, topic: str) -> list[TopicPartition]:
    return [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]


def _offsets(consumer: Any, partitions: list[TopicPartition]) -> tuple[dict[int, int], dict[int, int]]:
    """Beginning and end offset of each partition, by partition number."""
    if not partitions:
        return {}, {}
    begins = consumer.beginning_offsets(partitions)
    ends = consumer.end_offsets(partitions)
    return {tp.partition: begins[tp] for tp in partitions}, {tp.partition: ends[tp] for tp in partitions}


# Dead letters -------------------------------------------------------------------------------------
def dead_letter_section(consumer: Any, topic: str, now: datetime) -> DeadLetterSection:
    """Records kept in the DLQ, how many arrived in the last day, and the newest reasons."""
    partitions = _partitions(consumer, topic)
    begins, ends = _offsets(consumer, partitions)
    since = int((now - timedelta(days=1)).timestamp() * 1000)
    found = consumer.offsets_for_times({tp: since for tp in partitions}) if partitions else {}
    last_day = sum(ends[tp.partition] - hit.offset for tp, hit in found.items() if hit is not None)
    return DeadLetterSection(
        topic,
        total=sum(ends[p] - begins[p] for p in ends),
        last_day=last_day,
        newest=newest_letters(consumer, partitions, begins, ends),
    )


def newest_letters(
    consumer: Any,
    partitions: list[TopicPartition],
    begins: Mapping[int, int],
    ends: Mapping[int, int],
    count: int = NEWEST_LETTERS,
) -> list[dict[str, Any]]:
    """The last ``count`` letters of each partition, read by seeking; the newest ``count`` of all."""
    wanted = [tp for tp in partitions if ends[tp.partition] > begins[tp.partition]]
    if not wanted:
        return []
    consumer.assign(wanted)
    for tp in wanted:
        consumer.seek(tp, max(begins[tp.partition], ends[tp.partition] - count))
    letters = []
    deadline = datetime.now(UTC) + timedelta(milliseconds=REQUEST_TIMEOUT_MS)
    while any(consumer.position(tp) < ends[tp.partition] for tp in wanted) and datetime.now(UTC) < deadline:
        for records in consumer.poll(timeout_ms=500).values():
            letters += [letter_summary(r.value, r.partition, r.offset, r.timestamp) for r in records]
    letters.sort(key=lambda letter: letter["written_ms"], reverse=True)
    return letters[:count]


def letter_summary(value: bytes | None, partition: int, offset: int, written_ms: int) -> dict[str, Any]:
    """What the screen shows of a dead letter (``DeadLetter.to_message``); an unreadable one says so."""
    try:
        body = json.loads(value or b"")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        body = {"reason": "(not a dead letter written by Policy Radar)"}
    keys = ("stage", "reason", "topic", "partition", "offset", "failed_at")
    return {
        **{key: body.get(key) for key in keys},
        "dlq_partition": partition,
        "dlq_offset": offset,
        "written_ms": written_ms,
    }


# Sources ------------------------------------------------------------------------------------------
def sources_section(settings: Settings, now: datetime) -> SourcesSection:
    """Counts of the sources and the enabled ones the health watch flags (``sources health``)."""
    specs = load_sources(settings.sources_dir)
    enabled = {spec.id for spec in specs if spec.enabled}
    report = current_health(settings, sorted(enabled), HEALTH_WINDOW_DAYS, now)
    return SourcesSection(
        sources=len(specs),
        enabled=len(enabled),
        never_crawled=sum(1 for health in report if not health.runs),
        flagged=[{"source_id": h.source_id, "flags": list(h.flags)} for h in report if h.broken],
    )


# Digests ------------------------------------------------------------------------------------------
def digest_section(engine: Engine, alias: str, now: datetime) -> DigestSection:
    """Alerts, their next digests, the last digests sent, and pending ones that failed to go out.
    A fixed number of requests whatever the number of alerts: they are counted, and only the ones
    due soonest are read."""
    names = index_names(alias)
    section = DigestSection()
    if engine.index_exists(names["alerts"]):
        section.alerts = engine.count(names["alerts"])
        section.upcoming = upcoming_digests(soonest_scheduled(engine, names["alerts"], UPCOMING_DIGESTS), now)
    if engine.index_exists(names["digests"]):
        sent = {"term": {"status": "sent"}}
        section.last_sent = _digests(engine, names["digests"], sent, {"sent_at": "desc"}, SENT_DIGESTS)
        failing = {"bool": {"filter": [{"term": {"status": "pending"}}, {"range": {"attempts": {"gte": 1}}}]}}
        section.failing = _digests(engine, names["digests"], failing, {"next_attempt_at": "asc"}, 100)
    return section


def soonest_scheduled(engine: Engine, alerts_index: str, count: int) -> list[Alert]:
    """The ``count`` scheduled alerts that are not paused with the earliest ``next_due`` (when the
    scheduler next looks at them: ``indexer/alerts/due.py``). Instant alerts carry ``EPOCH`` or
    nothing there, and an alert whose schedule is not valid nothing, so they are not read, but for
    an instant alert waiting to retry a failed delivery: those are skipped as the pages go."""
    scheduled = {"range": {"next_due": {"gt": EPOCH.isoformat()}}}
    body: dict[str, Any] = {
        "query": {"bool": {"filter": [scheduled], "must_not": [PAUSED]}},
        "sort": [{"next_due": "asc"}, {"alert_id": "asc"}],
        "size": 2 * count,
        "_source": ["alert"],
    }
    found: list[Alert] = []
    while len(found) < count:
        hits = engine.search(alerts_index, body)["hits"]["hits"]
        alerts = [Alert.model_validate(hit["_source"]["alert"]) for hit in hits]
        found += [alert for alert in alerts if alert.every != "instant"]
        if len(hits) < body["size"]:
            break
        body = {**body, "search_after": hits[-1]["sort"]}
    return found[:count]


def upcoming_digests(
    alerts: list[Alert], now: datetime, count: int = UPCOMING_DIGESTS
) -> list[dict[str, Any]]:
    """The ``count`` soonest digests of scheduled alerts; one whose time passed unsent is overdue."""
    upcoming = []
    for alert in alerts:
        try:
            fire, overdue = next_fire(alert, now)
        except ValueError:  # an invalid schedule: the scheduler skips it too
            continue
        if fire is not None:
            upcoming.append({"alert_id": alert.id, "every": alert.every, "at": fire, "overdue": overdue})
    upcoming.sort(key=lambda digest: digest["at"])
    return [{**digest, "at": digest["at"].astimezone(UTC).isoformat()} for digest in upcoming[:count]]


def next_fire(alert: Alert, now: datetime) -> tuple[datetime | None, bool]:
    """When the alert's next digest is due and whether that time has already passed (None for
    instant alerts, which send as matches arrive)."""
    trigger = trigger_for(alert)
    if trigger is None:
        return None, False
    due = due_fire_time(alert, now)
    if due is not None:
        return due, True
    return trigger.get_next_fire_time(None, now), False


def _digests(
    engine: Engine, index: str, query: dict[str, Any], sort: dict[str, str], size: int
) -> list[dict[str, Any]]:
    body = {"query": query, "sort": [sort], "size": size, "_source": {"excludes": ["fence"]}}
    return [
        {
            "message_id": hit["_id"],
            "alert_id": hit["_source"].get("alert_id"),
            "items": len(hit["_source"].get("match_ids") or []),
            **{key: hit["_source"].get(key) for key in ("sent_at", "attempts", "next_attempt_at")},
        }
        for hit in engine.search(index, body)["hits"]["hits"]
    ]


# Index --------------------------------------------------------------------------------------------
def index_section(engine: Engine, alias: str) -> IndexSection:
    indices = engine.alias_targets(alias)
    return IndexSection(alias, documents=engine.count(alias) if indices else 0, indices=indices)


# Command ------------------------------------------------------------------------------------------
def status_command(args: argparse.Namespace) -> int:
    """Print the screen (or ``--json``); exit 1 and say why on stderr when something needs a human."""
    settings = get_settings()
    if not getattr(args, "verbose", False):
        _quiet_clients()
    report = gather(settings)
    return report_status(report, settings.ready_max_lag, as_json=args.json, out=sys.stdout, err=sys.stderr)


def report_status(report: StatusReport, max_lag: int, *, as_json: bool, out: TextIO, err: TextIO) -> int:
    """Write the report to ``out`` and each problem to ``err``; the exit code (1: needs a human)."""
    found = problems(report, max_lag)
    if as_json:
        print(json.dumps(report.to_dict(found), ensure_ascii=False, indent=2), file=out)
    else:
        render(report, found, Console(file=out))
    for problem in found:
        print(f"policyradar status: {problem}", file=err)
    return 1 if found else 0


def _quiet_clients() -> None:
    """Status reports every failure of Kafka and the engine itself: their clients' own error lines
    (a metadata refresh cancelled while closing, a refused connection) would only repeat it."""
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)
