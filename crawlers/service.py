"""The long-lived crawler of one shard (``crawl --schedule``): every source in one Scrapy engine.

At start it reads the compacted crawl-state topic once into memory (waiting for Kafka as long as it
takes), then runs one reactor until SIGTERM: a tick every half second takes the sources that are due
from the timetable and starts their checks, at most ``--max-parallel`` at once and two per host (a
slow or hanging host holds back only its own sources); the folder is re-read and the health watch
fed on threads, so neither ever holds up a check. Requests of all sources share the downloader: its
slots are keyed by host, each with the delay and concurrency of the strictest source on that host.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, deque
from typing import Any
from urllib.parse import urlsplit

from kafka import KafkaProducer
from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.reactor import install_reactor

from crawlers.checks import Check
from crawlers.health_checkpoint import writer_name
from crawlers.health_watch import HealthWatch
from crawlers.hosts import apply_policies, host_policies
from crawlers.output import KafkaOutput
from crawlers.run_feed import RunFeed
from crawlers.schedule import SourceFolder, SourceJobs, in_shard
from crawlers.scrapy_settings import SCRAPY_SETTINGS, derived_settings
from crawlers.sources import SourceSpec
from crawlers.spiders.catalogue import CatalogueSpider
from crawlers.state import StateStore
from crawlers.timetable import Timetable
from policyradar.kafka_io import ensure_topics, make_producer
from policyradar.metrics import serve_metrics
from policyradar.retry import Outage, is_dependency_failure
from policyradar.settings import Settings, metrics_port
from policyradar.signals import StopFlag

log = logging.getLogger("policyradar.schedule")
TICK_SECONDS = 0.5
CHECKS_PER_HOST = 2
START_RATE = 6.0  # checks per second: the first checks after a start are spread at about this rate
MIN_START_SPREAD = 60.0
STOP_GRACE_SECONDS = 20.0


def start_spread(sources: int) -> float:
    """Seconds over which the first checks after a start are spread (never more than an interval)."""
    return max(MIN_START_SPREAD, sources / START_RATE)


def catalogue_settings(settings: Settings, log_level: str, max_parallel: int) -> dict[str, Any]:
    """Scrapy settings of the long-lived crawler: the one-shot crawl's, for one spider of many sources."""
    return {
        **derived_settings(settings),
        "LOG_LEVEL": log_level.upper(),
        "LOG_INSTALL_ROOT_HANDLER": False,
        # Every spider middleware wraps each response's output in one more asynchronous generator.
        # The long-lived crawler keeps only those that do something for it: links are counted in
        # its callback wrapper and statuses by an extension (crawlers.observe.CheckObserver); depth
        # is neither limited nor used for priority, and the meta-copy check only warns developers.
        "SPIDER_MIDDLEWARES": {
            "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
            "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
        },
        # Scrapy starts this many asyncio tasks for every response's output (100 by default), even
        # for the one listing or page a check's response yields; items here only go to a queue.
        "CONCURRENT_ITEMS": 1,
        "ITEM_PIPELINES": {"crawlers.pipelines.kafka.CatalogueKafkaPipeline": 500},
        "DOWNLOADER_MIDDLEWARES": {
            **SCRAPY_SETTINGS["DOWNLOADER_MIDDLEWARES"],
            "crawlers.middlewares.source_hosts.SourceHostsMiddleware": 45,
        },
        # Each request's callback is a fresh wrapper (it carries its check): Scrapy's check for
        # generator callbacks that return a value would read and parse its source every time (a fifth
        # of the crawler's CPU, measured with py-spy on bench/bench_catalogue.py).
        "WARN_ON_GENERATOR_RETURN_VALUE": False,
        # A request a spider middleware drops gets no callback and no errback, and its check would
        # wait for it for ever: no middleware may drop one silently (long URLs, depth).
        "URLLENGTH_LIMIT": 0,
        "DEPTH_LIMIT": 0,
        # Checks dedupe their own requests; a later check must be able to ask again.
        "DUPEFILTER_CLASS": "scrapy.dupefilters.BaseDupeFilter",
        # Requests waiting for a host's delay count as active: room for every running check's.
        "CONCURRENT_REQUESTS": max(64, 16 * max_parallel),
        # Next request from the least busy host, so one slow host never holds up the queue.
        "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.DownloaderAwarePriorityQueue",
        "EXTENSIONS": {
            "scrapy.extensions.throttle.AutoThrottle": None,
            "crawlers.throttle.HostFloorThrottle": 0,
            "crawlers.observe.CheckObserver": 0,
        },
        "DOWNLOAD_DELAY_JITTER": 0,  # a host's delay is a floor between two of its requests
        "STATS_DUMP": False,
        "LOGSTATS_INTERVAL": 0,
        # Nothing reads the engine's stats in this process (each check keeps its own counts, for its
        # run summary): counting every request and response there, bytes and all, is work for none.
        "STATS_CLASS": "scrapy.statscollectors.DummyStatsCollector",
        "DOWNLOADER_STATS": False,
    }


class CrawlService:
    def __init__(
        self,
        settings: Settings,
        folder: SourceFolder,
        *,
        shard_text: str,
        max_parallel: int,
        reload_seconds: float,
        log_level: str,
    ) -> None:
        self.settings = settings
        self.folder = folder
        self.shard_text = shard_text
        self.max_parallel = max(1, max_parallel)
        self.reload_seconds = reload_seconds
        self.log_level = log_level
        self.timetable = Timetable()
        self.jobs = SourceJobs(self.timetable, start_spread, time.time)
        self.ready: deque[tuple[str, float]] = deque()
        self.running: dict[str, Check] = {}
        self.host_load: Counter[str] = Counter()
        self.stop = StopFlag()
        self.loading = True
        self.stopping_since: float | None = None
        self.crawler: Crawler | None = None
        self.spider: CatalogueSpider | None = None
        self._busy: set[str] = set()  # housekeeping jobs running on threads
        self.watch = HealthWatch(
            settings,
            RunFeed(settings),
            lambda: set(self.jobs.fingerprints),
            writer=writer_name(folder.shard),
            from_checkpoint=True,
        )

    # Start and stop -------------------------------------------------------------------------------
    def run(self) -> int:
        self.stop.install()
        health = serve_metrics(
            self.settings.metrics_host, metrics_port(self.settings, "crawl"), self._readiness
        )
        try:
            connected = self._connect()
            if connected is not None:
                self._crawl(*connected)
        finally:
            self.watch.feed.close()
            if health is not None:
                health.stop()
        return 0

    def _connect(self) -> tuple[StateStore, KafkaProducer] | None:
        """The crawl state of this shard and a producer, once Kafka answers (None on SIGTERM)."""
        outage = Outage("crawl", self.stop.wait)
        shard = self.folder.shard
        while not self.stop():
            began = time.monotonic()
            try:
                ensure_topics(self.settings)
                store = StateStore()
                store.load(self.settings, lambda source_id: in_shard(source_id, shard))
                producer = make_producer(self.settings, client_id="policyradar-crawler")
            except Exception as exc:
                if not is_dependency_failure(exc):
                    raise
                if outage.failed(exc):
                    return None
                continue
            outage.succeeded()
            log.info(
                "crawl state: %d pages of shard %s read in %.1f s",
                len(store),
                self.shard_text,
                time.monotonic() - began,
            )
            return store, producer
        return None

    def _crawl(self, store: StateStore, producer: KafkaProducer) -> None:
        process = CrawlerProcess(catalogue_settings(self.settings, self.log_level, self.max_parallel))
        logging.getLogger("scrapy").setLevel(self.log_level.upper())
        install_reactor(process.settings["TWISTED_REACTOR"], process.settings["ASYNCIO_EVENT_LOOP"])
        crawler = process.create_crawler(CatalogueSpider)
        crawler.signals.connect(self._opened, signal=signals.spider_opened)
        from twisted.internet import reactor

        output = KafkaOutput(self.settings, producer, store, reactor.callFromThread)
        self.output = output
        self.crawler = crawler
        self._reload_now()  # schedules read before the reactor runs: the first tick has them
        process.crawl(crawler, state=store, output=output)
        process.start(stop_after_crawl=False, install_signal_handlers=False)
        output.close()

    def _opened(self, spider: CatalogueSpider) -> None:
        from twisted.internet import task

        self.spider = spider
        self.loading = False
        apply_policies(self.crawler.engine.downloader, self._policies())
        where = f"{self.folder.folder} (shard {self.shard_text})"
        print(
            f"scheduling {len(self.jobs.specs)} source(s) from {where}; Ctrl-C or SIGTERM to stop",
            flush=True,
        )
        self._loop = task.LoopingCall(self._tick)
        self._loop.start(TICK_SECONDS, now=True)

    def _readiness(self) -> str | None:
        if self.loading:
            return "the crawl state is being read"
        return self.watch.readiness()

    # The tick -------------------------------------------------------------------------------------
    def _tick(self) -> None:
        now = time.time()
        if self.stop():
            self._stopping(now)
            return
        for source_id, due in self.timetable.pop_due(now):
            if source_id in self.running:
                log.info("crawl of %s skipped: its previous check is still running", source_id)
                continue
            self.ready.append((source_id, due))
        self._admit()
        self._housekeeping(now)

    def _admit(self) -> None:
        """Start ready checks, oldest first, within the limits; those of a busy host wait."""
        if self.stop() or self.spider is None:
            return
        waiting: deque[tuple[str, float]] = deque()
        while self.ready and len(self.running) < self.max_parallel:
            source_id, due = self.ready.popleft()
            spec = self.jobs.specs.get(source_id)
            if spec is None or source_id in self.running:
                continue  # removed, or started meanwhile
            if self.host_load[_host(spec)] >= CHECKS_PER_HOST:
                waiting.append((source_id, due))
                continue
            self._begin(spec, due)
        waiting.extend(self.ready)
        self.ready = waiting

    def _begin(self, spec: SourceSpec, due: float) -> None:
        check = Check(spec, due, on_done=self._done)
        self.running[spec.id] = check
        self.host_load[_host(spec)] += 1
        log.info(
            "crawl of %s started (%.1f s after its slot)", spec.id, check.lag, extra={"source_id": spec.id}
        )
        self.spider.begin(check)

    def _done(self, check: Check) -> None:
        self.running.pop(check.source_id, None)
        self.host_load[_host(check.spec)] -= 1
        self.spider.forget(check)
        context = {"source_id": check.source_id}
        if check.stopped:
            log.info(
                "crawl of %s stopped unfinished (the crawler is stopping)", check.source_id, extra=context
            )
            return
        run = check.run()
        self.output.send_run(run)
        log.info(
            "crawl of %s finished (exit %d) %s: %d records produced, %d unchanged, %d quarantined, "
            "%d errors, in %.1f s",
            check.source_id,
            1 if run.failed else 0,
            check.source_id,
            run.records,
            run.unchanged,
            run.quarantined,
            run.errors,
            (check.finished_at or check.started) - check.started,
            extra=context,
        )
        from twisted.internet import reactor

        reactor.callLater(0, self._admit)

    # Sources folder and health, on threads --------------------------------------------------------
    def _housekeeping(self, now: float) -> None:
        if now - getattr(self, "_last_housekeeping", 0.0) < self.reload_seconds:
            return
        self._last_housekeeping = now
        self._in_thread("reload", self.folder.read, self._reloaded)
        self._in_thread("health", self.watch.check, None)

    def _in_thread(self, name: str, work: Any, then: Any) -> None:
        from twisted.internet import threads

        if name in self._busy:
            return
        self._busy.add(name)
        deferred = threads.deferToThread(work)
        if then is not None:
            deferred.addCallback(then)
        deferred.addErrback(lambda failure: log.error("%s failed: %s", name, failure.getTraceback()))
        deferred.addBoth(lambda _: self._busy.discard(name))

    def _reload_now(self) -> None:
        self._reloaded(self.folder.read())

    def _reloaded(self, wanted: dict[str, SourceSpec] | None) -> None:
        if wanted is None or not self.jobs.apply(wanted):
            return
        if self.spider is not None:
            apply_policies(self.crawler.engine.downloader, self._policies())

    def _policies(self) -> dict:
        scrapy = self.crawler.settings
        return host_policies(
            self.jobs.specs.values(),
            scrapy.getfloat("DOWNLOAD_DELAY"),
            scrapy.getint("CONCURRENT_REQUESTS_PER_DOMAIN"),
        )

    # Stopping -------------------------------------------------------------------------------------
    def _stopping(self, now: float) -> None:
        """No new checks; running ones get a grace period to end; then the engine stops."""
        if self.stopping_since is None:
            self.stopping_since = now
            log.info(
                "stopping: waiting up to %.0f s for %d running check(s)",
                STOP_GRACE_SECONDS,
                len(self.running),
            )
        if self.running and now - self.stopping_since < STOP_GRACE_SECONDS:
            return
        self._loop.stop()
        self.spider.end_all()
        deferred = deferred_from_coro(self.crawler.stop_async())
        deferred.addBoth(lambda _: self._stop_reactor())

    def _stop_reactor(self) -> None:
        from twisted.internet import reactor

        if reactor.running:
            reactor.stop()


def _host(spec: SourceSpec) -> str:
    return (urlsplit(spec.entry_points[0].url).hostname or "").lower()
