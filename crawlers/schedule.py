"""``policyradar crawl --schedule``: crawl each source on its own schedule, until stopped.

Each source is one APScheduler job (interval or cron, in the source's timezone) that runs
``policyradar crawl --source ID`` as a child process: never two crawls of one source at once
(``max_instances=1``), a missed run is run once when possible (``coalesce``). The sources folder is
re-read every few seconds, so added, changed and removed files take effect without a restart; a
file that stops validating keeps its last good schedule and is reported.

Several crawler processes split the sources with ``--shard K/N`` (K = 0..N-1): each source belongs
to exactly one shard, chosen by a stable hash of its id.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import logging
import re
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawlers.health_watch import HealthWatch, RunFeed
from crawlers.sources import Schedule, SourceSpec, load_source
from policyradar.crontab import crontab_trigger
from policyradar.errors import ConfigError, PolicyRadarError
from policyradar.metrics import serve_metrics
from policyradar.settings import get_settings, metrics_port
from policyradar.signals import StopFlag

log = logging.getLogger("policyradar.schedule")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_shard(text: str | None) -> tuple[int, int]:
    if not text:
        return 0, 1
    match = re.fullmatch(r"(\d+)/(\d+)", text)
    if not match or not 0 <= int(match[1]) < int(match[2]):
        raise PolicyRadarError(f"--shard {text!r}: expected K/N with 0 <= K < N, e.g. 0/3")
    return int(match[1]), int(match[2])


def in_shard(source_id: str, shard: tuple[int, int]) -> bool:
    index, count = shard
    return int(hashlib.sha256(source_id.encode()).hexdigest(), 16) % count == index


def make_trigger(schedule: Schedule) -> IntervalTrigger | CronTrigger:
    if schedule.cron:
        return crontab_trigger(schedule.cron, schedule.timezone)
    amount, unit = int(schedule.every[:-1]), schedule.every[-1]
    return IntervalTrigger(**{UNITS[unit]: amount}, timezone=schedule.timezone)


class SourceJobs:
    """Keeps the scheduler's jobs equal to the enabled sources of this shard on disk.

    A file that stops loading keeps its last good schedule (or is skipped when it never loaded), and a
    job that cannot be added keeps the previous one: one broken file never touches other sources.
    """

    def __init__(
        self, scheduler: BlockingScheduler, folder: Path, shard: tuple[int, int], crawl_args: list[str]
    ) -> None:
        self.scheduler = scheduler
        self.folder = folder
        self.shard = shard
        self.crawl_args = crawl_args
        self.fingerprints: dict[str, str] = {}
        self.last_good: dict[Path, SourceSpec] = {}  # the last spec each file loaded as
        self.lock = threading.Lock()

    def reconcile(self) -> None:
        with self.lock:
            if not self.folder.is_dir():
                log.error("%s is not a folder (any more): keeping every schedule as it is", self.folder)
                return
            wanted = self._read_specs()
            for source_id in set(self.fingerprints) - set(wanted):
                self._remove(source_id)
            for source_id, spec in wanted.items():
                self._schedule(source_id, spec)

    def _remove(self, source_id: str) -> None:
        with contextlib.suppress(JobLookupError):
            self.scheduler.remove_job(source_id)
        del self.fingerprints[source_id]
        log.info("source %s removed: no longer crawled", source_id)

    def _schedule(self, source_id: str, spec: SourceSpec) -> None:
        fingerprint = spec.model_dump_json()
        if self.fingerprints.get(source_id) == fingerprint:
            return
        known = source_id in self.fingerprints
        try:
            self.scheduler.add_job(
                self.crawl,
                make_trigger(spec.schedule),
                args=[source_id],
                id=source_id,
                name=f"crawl {source_id}",
                replace_existing=True,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=3600,
                next_run_time=None if known else datetime.now(UTC),
            )
        except Exception as exc:  # one source's bad schedule must not stop the others'
            log.error(
                "source %s: cannot schedule it: %s (%s)",
                source_id,
                exc,
                "keeping its previous schedule" if known else "skipped",
            )
            return
        self.fingerprints[source_id] = fingerprint
        log.info(
            "source %s %s: %s",
            source_id,
            "changed" if known else "scheduled",
            spec.schedule.every or spec.schedule.cron,
        )

    def _read_specs(self) -> dict[str, SourceSpec]:
        specs: dict[str, SourceSpec] = {}
        paths = sorted(self.folder.rglob("*.yaml"))
        for path in paths:
            spec = self._load(path)
            if spec is None or not spec.enabled or not in_shard(spec.id, self.shard):
                continue
            if spec.id in specs:
                log.error("%s: source id %r is already used by another file: skipped", path, spec.id)
                continue
            specs[spec.id] = spec
        for gone in set(self.last_good) - set(paths):
            del self.last_good[gone]
        return specs

    def _load(self, path: Path) -> SourceSpec | None:
        """The file's spec; when it does not load, the last spec it loaded as (reported), if any."""
        try:
            spec = load_source(path)
        except ConfigError as exc:
            previous = self.last_good.get(path)
            if previous is None:
                log.error("%s (skipped: it never loaded)", exc)
            else:
                log.error("%s (keeping source %s on its last good schedule)", exc, previous.id)
            return previous
        self.last_good[path] = spec
        return spec

    def crawl(self, source_id: str) -> None:
        context = {"source_id": source_id}
        log.info("crawl of %s started", source_id, extra=context)
        result = subprocess.run(
            [sys.executable, "-m", "launcher", "crawl", "--source", source_id, *self.crawl_args],
            capture_output=True,
            text=True,
            check=False,
        )
        summary = next(
            (line.strip() for line in result.stdout.splitlines() if line.strip().startswith(source_id)), ""
        )
        log.info("crawl of %s finished (exit %s) %s", source_id, result.returncode, summary, extra=context)


def schedule_command(args: argparse.Namespace) -> int:
    settings = get_settings()
    log.setLevel(logging.INFO)
    folder = args.sources_dir or settings.sources_dir
    # Crawls run on "default"; re-reading sources and watching health on threads of their own, so a
    # slow Kafka read never takes a crawl's place.
    executors = {"default": ThreadPoolExecutor(args.max_parallel), "housekeeping": ThreadPoolExecutor(2)}
    scheduler = BlockingScheduler(executors=executors, timezone=UTC)
    crawl_args = ["--sources-dir", str(folder), "--log-level", args.log_level]
    jobs = SourceJobs(scheduler, folder, parse_shard(args.shard), crawl_args)
    jobs.reconcile()
    scheduler.add_job(
        jobs.reconcile,
        IntervalTrigger(seconds=args.reload_seconds),
        id="_reload-sources",
        executor="housekeeping",
        max_instances=1,
        coalesce=True,
    )
    watch = HealthWatch(settings, RunFeed(settings), lambda: set(jobs.fingerprints.copy()))
    scheduler.add_job(
        watch.check,
        IntervalTrigger(seconds=args.reload_seconds),
        id="_health-watch",
        executor="housekeeping",
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )
    stop = StopFlag()
    stop.install()
    threading.Thread(target=_stop_when(stop, scheduler), daemon=True).start()
    health = serve_metrics(settings.metrics_host, metrics_port(settings, "crawl"), watch.readiness)
    print(
        f"scheduling {len(jobs.fingerprints)} source(s) from {folder} (shard {args.shard or '0/1'}); "
        "Ctrl-C or SIGTERM to stop",
        flush=True,
    )
    try:
        scheduler.start()
    finally:
        watch.feed.close()
        if health is not None:
            health.stop()
    return 0


def _stop_when(stop: StopFlag, scheduler: BlockingScheduler):
    def watch() -> None:
        while not stop():
            threading.Event().wait(0.5)
        scheduler.shutdown(wait=True)

    return watch
