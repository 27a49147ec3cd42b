"""The scheduler's eye on source health: it reads new crawl-run summaries as they arrive and tells
the operator when a source turns broken and when it recovers (transitions only, never every run).

It starts from the freshest health checkpoint (``crawlers.health_checkpoint``) and the runs written
since, or from the whole runs topic when there is none; the crawler of shard 0 also writes the
checkpoints. Kafka being away never stops the scheduler: the reader logs it once, drops its
connection and tries again at the next tick from where it stopped; a checkpoint that could not be
written is written at a later check.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from crawlers.health import CrawlRun, HealthBook, SourceHealth
from crawlers.health_checkpoint import CHECKPOINT_SECONDS, PositionedBook, load_checkpoint, write_checkpoint
from crawlers.run_feed import RunFeed
from policyradar.metrics import CRAWL_RUNS, PAGES, SOURCE_LAST_SUCCESS
from policyradar.notify import notify_operator
from policyradar.retry import is_dependency_failure
from policyradar.settings import Settings

log = logging.getLogger("policyradar.schedule")


Notify = Callable[[Settings, str, str, dict], list[str]]


class HealthWatch:
    """Known health per source; notices on each change between healthy and broken; with a
    ``writer`` name, checkpoints of the records (see ``crawlers.health_checkpoint``)."""

    def __init__(
        self,
        settings: Settings,
        feed: RunFeed,
        watched: Callable[[], set[str]],
        *,
        days: int = 14,
        notify: Notify = notify_operator,
        writer: str | None = None,
        from_checkpoint: bool = False,
    ) -> None:
        self.settings = settings
        self.feed = feed
        self.watched = watched
        self.days = days
        self.notify = notify
        self.writer = writer
        self.from_checkpoint = from_checkpoint
        # Per source, what its health needs (bounded by the window), and where it stands in the topic.
        self.positioned = PositionedBook(HealthBook(days))
        self.flags: dict[str, list[str]] = {}
        self.baseline_taken = False
        self.started = False
        self.unwritten: set[str] | None = None  # sources whose checkpoint entry is behind; None: all
        self.written_positions: dict[int, int] | None = None
        self.last_write = float("-inf")
        self.write_failing = False

    @property
    def book(self) -> HealthBook:
        return self.positioned.book

    def check(self) -> None:
        """Read new summaries, re-assess the sources they are about, notify on transitions, write a
        checkpoint when one is due. The first successful read (the history so far) only sets what is
        known: it notifies nothing."""
        if not self.started and not self._start():
            return
        new = self.feed.read_new()
        if new is None:
            return
        folded = self.positioned.fold(new)
        self.positioned.positions = dict(getattr(self.feed, "positions", {}))
        if self.unwritten is not None:
            self.unwritten |= folded  # at once: whatever fails below, the next checkpoint has them
        watched = self.watched()
        runs = [item.run for item in new if item.run.source_id in watched]
        record_run_metrics(runs, count=self.baseline_taken)
        touched = set(folded)
        if not self.baseline_taken:
            touched |= set(self.book.records)  # sources known from a checkpoint have flags too
            seed_last_success(self.book, watched)
        now = datetime.now(UTC)
        for source_id in sorted(touched & watched):
            health = self.book.assess(source_id, now)
            before = self.flags.get(source_id, [])
            self.flags[source_id] = health.flags
            if self.baseline_taken and bool(before) != health.broken:
                self._tell(health)
        self.baseline_taken = True
        self._checkpoint()

    def _start(self) -> bool:
        """Rebuild the records from the freshest checkpoint when asked to; False when Kafka cannot be
        read now (the next check tries again)."""
        if self.from_checkpoint:
            try:
                checkpoint = load_checkpoint(self.settings, self.days, exact=True)
            except Exception as exc:
                if not is_dependency_failure(exc):
                    raise
                log.warning("health checkpoint cannot be read (Kafka away: %s); will retry", exc)
                return False
            if checkpoint is not None:
                self.positioned = checkpoint.positioned
                self.feed.positions = dict(checkpoint.positioned.positions)
                if checkpoint.writer == self.writer:
                    self.unwritten = set()  # its own entries are all there: only changes are written
                log.info(
                    "health: %d sources' records from the checkpoint of %s (%s)",
                    len(self.book.records), checkpoint.writer, checkpoint.written_at,
                )  # fmt: skip
        self.started = True
        return True

    def _checkpoint(self) -> None:
        """Write the entries of the sources folded since the last write and the marker, when a write is
        due; Kafka being away leaves them for a later check."""
        if self.writer is None or time.monotonic() - self.last_write < CHECKPOINT_SECONDS:
            return
        positions = self.positioned.positions
        if self.unwritten == set() and positions == self.written_positions:
            return
        sources = set(self.book.records) if self.unwritten is None else self.unwritten
        try:
            written = write_checkpoint(self.settings, self.writer, self.positioned, sources)
        except Exception as exc:
            if not is_dependency_failure(exc):
                raise
            if not self.write_failing:
                log.warning("health checkpoint cannot be written (Kafka away: %s); will retry", exc)
            self.write_failing = True
            return
        if self.write_failing:
            log.warning("health checkpoint written again")
        self.write_failing = False
        self.unwritten, self.written_positions = set(), dict(positions)
        self.last_write = time.monotonic()
        log.debug("health checkpoint: %d entries and the marker written", written)

    def readiness(self) -> str | None:
        """Why the crawler is not ready (for ``/readyz``), or None: it needs Kafka to be readable."""
        if self.feed.away:
            return f"Kafka at {self.settings.kafka_bootstrap} cannot be read"
        return None

    def _tell(self, health: SourceHealth) -> None:
        if health.broken:
            subject = f"source {health.source_id} is broken"
            text = f"The last crawl of {health.source_id} found:\n" + "".join(
                f"- {f}\n" for f in health.flags
            )
        else:
            subject = f"source {health.source_id} recovered"
            text = f"The last crawl of {health.source_id} found nothing wrong any more.\n"
        flags = f": {'; '.join(health.flags)}" if health.flags else ""
        log.warning("%s%s", subject, flags, extra={"source_id": health.source_id})
        if self.settings.operator_email or self.settings.operator_webhook:
            event = {
                "type": "source.broken" if health.broken else "source.recovered",
                "source_id": health.source_id,
            }
            self.notify(self.settings, subject, text + _how_to_check(), {**event, "flags": health.flags})


_last_success: dict[str, float] = {}


def seed_last_success(book: HealthBook, watched: set[str]) -> None:
    """Each watched source's last success from its record (runs read from a checkpoint are not seen
    one by one)."""
    for source_id in watched:
        record = book.records.get(source_id)
        if record is not None and record.last_success:
            _set_last_success(source_id, datetime.fromisoformat(record.last_success).timestamp())


def _set_last_success(source_id: str, finished: float) -> None:
    latest = max(_last_success.get(source_id, 0.0), finished)
    _last_success[source_id] = latest
    SOURCE_LAST_SUCCESS.labels(source=source_id).set(latest)


def record_run_metrics(runs: list[CrawlRun], *, count: bool) -> None:
    """Crawl runs by outcome, pages by result and each source's last success, for Prometheus. Runs
    from before this process started (``count`` False) only set the last-success times."""
    for run in runs:
        if not run.failed:
            _set_last_success(run.source_id, datetime.fromisoformat(run.finished_at).timestamp())
        if not count:
            continue
        CRAWL_RUNS.labels(source=run.source_id, outcome="failed" if run.failed else "ok").inc()
        for result, pages in (
            ("fetched", run.records),
            ("unchanged", run.unchanged),
            ("quarantined", run.quarantined),
        ):
            PAGES.labels(source=run.source_id, result=result).inc(pages)


def _how_to_check() -> str:
    return "\n`policyradar sources health` shows every source's state.\n"
