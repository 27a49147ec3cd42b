"""``policyradar alerts add|list|remove``, ``digest NAME --preview`` and ``scheduler``."""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Mapping
from pathlib import Path

from pydantic import ValidationError

from indexer.alerts.digest import DigestService
from indexer.alerts.model import Alert
from indexer.alerts.scheduler import DigestScheduler, lease_bound_service
from indexer.alerts.store import AlertStore, MatchRecorder, new_webhook_secret
from indexer.engine import open_engine
from indexer.mapping import document_from_record
from indexer.request import request_from_args
from policyradar.errors import PolicyRadarError
from policyradar.metrics import serve_metrics
from policyradar.rates import rates_to_cny
from policyradar.schemas import EnrichedRecord
from policyradar.settings import get_settings, metrics_port
from policyradar.signals import StopFlag
from policyradar.urlsafety import check_url


def _validation_message(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "alert"
    where = "--remind-days" if where == "remind_days" else where  # the option that set it
    return f"{where}: {first['msg']}"


def alert_from_args(args: argparse.Namespace, rates: Mapping[str, float]) -> Alert:
    """The alert ``alerts add`` describes: its query text and conditions parsed as ``search`` parses
    them (a bad value names its option), its schedule and delivery checked by ``Alert``."""
    settings = get_settings()
    if args.webhook:
        check_url(args.webhook, settings.allow_private_hosts)
    request = request_from_args(args, rates, alert=True)
    try:
        return Alert(
            name=args.name,
            owner=args.user,
            q=request.q,
            conditions=request.conditions(),
            every=args.every,
            at=args.at,
            timezone=args.timezone,
            email=args.email or [],
            webhook_url=args.webhook,
            webhook_secret=new_webhook_secret() if args.webhook else None,
            remind_days=getattr(args, "remind_days", None),
            on_change=getattr(args, "on_change", False),
        )
    except ValidationError as exc:
        raise PolicyRadarError(_validation_message(exc)) from exc


def add_command(args: argparse.Namespace) -> int:
    settings = get_settings()
    rates = rates_to_cny(settings.fx_rates)
    alert = alert_from_args(args, rates)
    days = settings.backfill_days if args.backfill is None else args.backfill
    with open_engine(settings) as engine:
        AlertStore(engine, settings.index_alias, rates).save(alert)
        recorder = MatchRecorder(engine, settings.index_alias, rates=rates)
        caught = recorder.backfill(alert, settings.index_alias, days)
    print(
        f"alert {alert.name!r} saved for {alert.owner} ({alert.every}); {caught} new match(es) from the last "
        f"{days} day(s)"
    )
    if alert.webhook_secret:
        print(f"webhook signing secret (shown once): {alert.webhook_secret}")
    return 0


def match_command(args: argparse.Namespace) -> int:
    """Percolate enriched records against every alert without recording anything."""
    settings = get_settings()
    records = [
        EnrichedRecord.model_validate_json(line)
        for line in Path(args.file).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    docs = [document_from_record(record) for record in records]
    fired: dict[int, list[str]] = {}
    with open_engine(settings) as engine:
        for alert, slot in MatchRecorder(engine, settings.index_alias).matching_alerts(docs):
            fired.setdefault(slot, []).append(alert)
    for slot, record in enumerate(records):
        alerts = ", ".join(sorted(fired.get(slot, []))) or "none"
        print(f"{record.title[:70]}\n    alerts it would fire: {alerts}")
    return 0


def list_command(args: argparse.Namespace) -> int:
    settings = get_settings()
    with open_engine(settings) as engine:
        alerts = AlertStore(engine, settings.index_alias).list(args.user)
    if args.json:
        print(json.dumps([a.public() for a in alerts], ensure_ascii=False, indent=2))
        return 0
    for alert in alerts:
        where = (
            ", ".join([*alert.email, *([alert.webhook_url] if alert.webhook_url else [])]) or "no delivery"
        )
        conditions = alert.conditions.model_dump(exclude_defaults=True, mode="json")
        remind = f" (reminds {alert.remind_days} day(s) before deadlines)" if alert.remind_days else ""
        remind += " (and of amendments)" if alert.on_change else ""
        print(f"{alert.name:<28} {alert.every:<10} q={alert.q!r} {conditions} -> {where}{remind}")
    print(f"{len(alerts)} alert(s)")
    return 0


def remove_command(args: argparse.Namespace) -> int:
    settings = get_settings()
    with open_engine(settings) as engine:
        removed = AlertStore(engine, settings.index_alias).remove(args.user, args.name)
    if not removed:
        raise PolicyRadarError(f"no alert named {args.name!r} for {args.user}")
    print(f"removed alert {args.name!r}")
    return 0


def digest_command(args: argparse.Namespace) -> int:
    settings = get_settings()
    with open_engine(settings) as engine:
        alert = AlertStore(engine, settings.index_alias).get(args.user, args.name)
        if alert is None:
            raise PolicyRadarError(f"no alert named {args.name!r} for {args.user}")
        text, count = DigestService(engine, settings.index_alias, settings).preview(alert)
    print(text if count else f"nothing new for {args.name!r} yet")
    return 0


def scheduler_command(args: argparse.Namespace) -> int:
    """Send digests on their schedules until SIGTERM/SIGINT; only the scheduler holding the lease
    acts. Waits for the search engine at start and through outages instead of exiting."""
    settings = get_settings()
    logging.getLogger("policyradar").setLevel(logging.INFO)
    stop = StopFlag().install()
    with open_engine(settings) as engine:
        scheduler = DigestScheduler(
            lambda: lease_bound_service(engine, settings), settings.digest_tick_seconds, stop
        )
        health = serve_metrics(
            settings.metrics_host, metrics_port(settings, "scheduler"), scheduler.readiness
        )
        try:
            if not scheduler.start():
                return 0
            tick = settings.digest_tick_seconds
            print(f"digest scheduler {scheduler.owner} running (tick {tick}s); Ctrl-C to stop", flush=True)
            scheduler.run()
        finally:
            if health is not None:
                health.stop()
    return 0
