"""``policyradar alerts add|list|remove|pause|resume``, ``digest NAME --preview`` and ``scheduler``."""

from __future__ import annotations

import argparse
import json
import logging
import secrets
from collections.abc import Mapping
from pathlib import Path

from pydantic import ValidationError

from indexer.alerts.digest import DigestService
from indexer.alerts.model import Alert
from indexer.alerts.robots import check_robot_url
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
from policyradar.urlsafety import UnsafeUrlError, check_url

OPTION_OF = {
    "remind_days": "--remind-days",
    "dingtalk_secret": "--dingtalk-secret",
    "feishu_secret": "--feishu-secret",
}
ROBOT_OPTIONS = {"wecom": "--wecom", "dingtalk": "--dingtalk", "feishu": "--feishu"}


def check_robot_options(args: argparse.Namespace) -> None:
    """Each robot address given is one of its platform's (or an extra host) and passes the URL checks."""
    settings = get_settings()
    for platform, option in ROBOT_OPTIONS.items():
        url = getattr(args, platform, None)
        if not url:
            continue
        try:
            check_robot_url(platform, url, settings)
        except UnsafeUrlError as exc:
            raise PolicyRadarError(f"{option}: {exc}") from exc
    for platform in ("dingtalk", "feishu"):
        if getattr(args, f"{platform}_secret", None) and not getattr(args, platform, None):
            raise PolicyRadarError(f"--{platform}-secret needs --{platform} URL")


def _validation_message(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "alert"
    where = OPTION_OF.get(where, where)  # the option that set it
    return f"{where}: {first['msg']}"


def alert_from_args(args: argparse.Namespace, rates: Mapping[str, float]) -> Alert:
    """The alert ``alerts add`` describes: its query text and conditions parsed as ``search`` parses
    them (a bad value names its option), its schedule and delivery checked by ``Alert``."""
    settings = get_settings()
    if args.webhook:
        check_url(args.webhook, settings.allow_private_hosts)
    check_robot_options(args)
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
            wecom_url=getattr(args, "wecom", None),
            dingtalk_url=getattr(args, "dingtalk", None),
            dingtalk_secret=getattr(args, "dingtalk_secret", None),
            feishu_url=getattr(args, "feishu", None),
            feishu_secret=getattr(args, "feishu_secret", None),
            feed_key=secrets.token_urlsafe(24),
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
        where = ", ".join(alert.channels) or "no delivery"
        conditions = alert.conditions.model_dump(exclude_defaults=True, mode="json")
        remind = f" (reminds {alert.remind_days} day(s) before deadlines)" if alert.remind_days else ""
        remind += " (and of amendments)" if alert.on_change else ""
        remind += " [paused]" if alert.paused else ""
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


def pause_command(args: argparse.Namespace) -> int:
    """Pause (``alerts pause``) or resume (``alerts resume``) an alert."""
    paused = args.action == "pause"
    settings = get_settings()
    with open_engine(settings) as engine:
        store = AlertStore(engine, settings.index_alias)
        alert = store.get(args.user, args.name)
        if alert is None:
            raise PolicyRadarError(f"no alert named {args.name!r} for {args.user}")
        store.set_paused(alert, paused)
    print(f"alert {args.name!r} {'paused' if paused else 'resumed'}")
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
