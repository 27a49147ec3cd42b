"""Crawl-run summaries (one Kafka record per source per run) and the health report built on them.

A source is flagged right after a run in which an entry point answered with an HTTP error (or not
at all), an entry point yielded no links, or a title/body/date selector matched nothing on at least
half of the pages checked although it matched pages in earlier runs; and when it went silent.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from crawlers.observe import STATS_KEY
from policyradar.kafka_io import read_topic
from policyradar.settings import Settings


@dataclass(frozen=True)
class CrawlRun:
    source_id: str
    started_at: str
    finished_at: str
    records: int
    unchanged: int
    quarantined: int
    errors: int
    failed: bool
    finish_reason: str | None = None
    # Added later: summaries written before them load with these empty defaults.
    entry_links: dict[str, int] = field(default_factory=dict)  # entry URL -> links it yielded
    entry_errors: dict[str, str] = field(default_factory=dict)  # entry URL -> "HTTP 500", "no response"
    pages_checked: int = 0  # announcement pages on which the selectors were tried
    selector_misses: dict[str, int] = field(default_factory=dict)  # "title"/"body"/"date" -> pages missed

    def to_message(self, topic: str) -> tuple[str, str, bytes]:
        return topic, self.source_id, json.dumps(asdict(self)).encode("utf-8")


@dataclass
class SourceHealth:
    source_id: str
    runs: int = 0
    last_success: str | None = None
    consecutive_failures: int = 0
    recent_records: int = 0
    extraction_failures: int = 0
    usual_per_window: float = 0.0
    went_silent: bool = False
    flags: list[str] = field(default_factory=list)  # why the source looks broken; empty when healthy
    notes: list[str] = field(default_factory=list)

    @property
    def broken(self) -> bool:
        return bool(self.flags)


def read_runs(settings: Settings) -> Iterator[CrawlRun]:
    """Every crawl-run summary on Kafka, oldest offset first, one at a time (the topic holds every
    run of every source for its retention: far more than memory should)."""
    for record in read_topic(settings, settings.topic_crawl_runs):
        run = parse_run(record.value)
        if run is not None:
            yield run


def parse_run(value: bytes | None) -> CrawlRun | None:
    """The summary in ``value``; None when it cannot be read, its times included (an unreadable
    summary only leaves a gap in the history)."""
    try:
        run = CrawlRun(**json.loads(value or b""))
        times = (datetime.fromisoformat(run.started_at), datetime.fromisoformat(run.finished_at))
    except (ValueError, TypeError):
        return None
    return run if all(t.tzinfo is not None for t in times) else None  # naive times cannot be ordered


FOLD_CHUNK = 10_000  # runs folded into the book at a time


def assess(
    source_ids: list[str],
    runs: Iterable[CrawlRun],
    days: int,
    now: datetime | None = None,
    *,
    prune: bool = False,
) -> list[SourceHealth]:
    """Health per source. "Went silent": no new records in the window although the source's
    history says it usually yields at least two in a window of that length. The runs are gone
    through once, each folded into its source's record; their order does not matter. With
    ``prune`` each record forgets window runs as they age out of it, so that memory follows the
    window and not the history (``now`` must then not be earlier than the newest run by more than
    ``CLOCK_SKEW``: true of the clock the runs are read by)."""
    now = now or datetime.now(UTC)
    wanted = set(source_ids)
    book = HealthBook(days, prune=prune)
    chunk: list[CrawlRun] = []
    for run in runs:
        if run.source_id in wanted:
            chunk.append(run)
        if len(chunk) >= FOLD_CHUNK:
            book.fold(chunk)
            chunk = []
    book.fold(chunk)
    return [book.assess(source_id, now) for source_id in source_ids]


def read_health(
    settings: Settings, source_ids: list[str], days: int, now: datetime | None = None
) -> list[SourceHealth]:
    """The health of these sources from the crawl-run summaries on Kafka, folded as they are read."""
    return assess(source_ids, read_runs(settings), days, now, prune=True)


# How far a run may be stamped ahead of the clock that assesses it (crawlers on other hosts) before
# a pruned record could miss runs of the window.
CLOCK_SKEW = timedelta(hours=1)


class WindowRun(NamedTuple):
    """What a record keeps of a run that may still count in the window."""

    started: datetime
    key: str  # started_at as written: runs are ordered by this text, as the report always did
    records: int
    quarantined: int
    failed: bool


class SourceRecord:
    """One source's crawl runs, folded one at a time, keeping only what its health needs: counts,
    the latest run, the last success, the failures since, the selectors that matched before, and
    the window's runs (those that failed or yielded records or quarantined pages).

    Runs may arrive in any order: the answer is the one the whole history sorted by ``started_at``
    gives. With ``prune`` the window forgets runs started more than ``days`` (plus ``CLOCK_SKEW``)
    before the source's newest run, so memory follows the window and not the history; then a
    successful run arriving later than that, newer than the last success known, leaves the
    failure count as it was (it cannot know how many of the forgotten failures came after it).
    """

    def __init__(self, source_id: str, days: int, *, prune: bool = True) -> None:
        self.source_id = source_id
        self.days = days
        self.keep = timedelta(days=days) + CLOCK_SKEW if prune else None
        self.runs = 0
        self.first_key: str | None = None
        self.total_records = 0
        self.consecutive_failures = 0
        self.success_key: str | None = None  # started_at of the latest successful run
        self.last_success: str | None = None  # and its finished_at
        self.latest: CrawlRun | None = None
        self.newest_started: datetime | None = None
        self.matched: set[str] = set()  # selectors that matched on a page in a run before the latest
        self.window: deque[WindowRun] = deque()  # by started, oldest first
        self.window_records = 0
        self.window_quarantined = 0

    def fold(self, run: CrawlRun) -> None:
        """Count ``run`` in (it must be this record's source's)."""
        started = datetime.fromisoformat(run.started_at)
        self.runs += 1
        self.total_records += run.records
        if self.first_key is None or run.started_at < self.first_key:
            self.first_key = run.started_at
        self._order_failures(run, started)
        self._order_latest(run)
        if self.newest_started is None or started > self.newest_started:
            self.newest_started = started
        self._keep_in_window(run, started)

    def window_sums(self, window_start: datetime) -> tuple[int, int]:
        """Records and quarantined pages of the runs started at or after ``window_start``."""
        records, quarantined = self.window_records, self.window_quarantined
        for kept in self.window:
            if kept.started >= window_start:
                break
            records -= kept.records
            quarantined -= kept.quarantined
        return records, quarantined

    def _order_failures(self, run: CrawlRun, started: datetime) -> None:
        """Failures since the last success, in started_at order; a later arrival with the same
        started_at counts as the later run (the sort was stable)."""
        after_last_success = self.success_key is None or run.started_at >= self.success_key
        if not after_last_success:
            return
        if run.failed:
            self.consecutive_failures += 1
            return
        self.success_key, self.last_success = run.started_at, run.finished_at
        if self.latest is None or run.started_at >= self.latest.started_at:
            self.consecutive_failures = 0
        elif not self._forgotten(started):
            self.consecutive_failures = sum(
                1 for kept in self.window if kept.failed and kept.key > run.started_at
            )

    def _order_latest(self, run: CrawlRun) -> None:
        if self.latest is None or run.started_at >= self.latest.started_at:
            if self.latest is not None:
                self.matched |= _matched_selectors(self.latest)
            self.latest = run
        else:
            self.matched |= _matched_selectors(run)

    def _keep_in_window(self, run: CrawlRun, started: datetime) -> None:
        counts = run.failed or run.records or run.quarantined
        if counts and not self._forgotten(started):
            kept = WindowRun(started, run.started_at, run.records, run.quarantined, run.failed)
            if self.window and started < self.window[-1].started:
                self.window.insert(bisect_right(self.window, started, key=_started), kept)
            else:
                self.window.append(kept)
            self.window_records += run.records
            self.window_quarantined += run.quarantined
        while self.window and self._forgotten(self.window[0].started):
            gone = self.window.popleft()
            self.window_records -= gone.records
            self.window_quarantined -= gone.quarantined

    def _forgotten(self, started: datetime) -> bool:
        """Whether a run started then is older than the window keeps."""
        if self.keep is None or self.newest_started is None:
            return False
        return started < self.newest_started - self.keep


def _started(kept: WindowRun) -> datetime:
    return kept.started


def _matched_selectors(run: CrawlRun) -> set[str]:
    return {name for name, misses in run.selector_misses.items() if misses < run.pages_checked}


class HealthBook:
    """Every source's ``SourceRecord`` for one window length, fed runs as they arrive."""

    def __init__(self, days: int, *, prune: bool = True) -> None:
        self.days = days
        self.prune = prune
        self.records: dict[str, SourceRecord] = {}

    def fold(self, runs: list[CrawlRun]) -> set[str]:
        """Fold ``runs`` into their sources' records; the ids of the sources they were about."""
        for run in runs:
            record = self.records.get(run.source_id)
            if record is None:
                record = self.records[run.source_id] = SourceRecord(
                    run.source_id, self.days, prune=self.prune
                )
            record.fold(run)
        return {run.source_id for run in runs}

    def assess(self, source_id: str, now: datetime, days: int | None = None) -> SourceHealth:
        """``source_id``'s health over ``days`` (at most the book's window; the book's by default)."""
        record = self.records.get(source_id) or SourceRecord(source_id, self.days)
        return assess_source(record, now, days)


def assess_source(record: SourceRecord, now: datetime, days: int | None = None) -> SourceHealth:
    """One source's health over a window of ``days`` ending at ``now``: the record's own window by
    default, or a shorter one (a record keeps every run of its window that counts, so any shorter
    window's sums are exact). With a pruned record, ``now`` should not be earlier than its newest
    run by more than ``CLOCK_SKEW``."""
    if days is not None and days > record.days:
        raise ValueError(f"a record of a {record.days}-day window cannot tell a {days}-day one")
    days = days or record.days
    window_start = now - timedelta(days=days)
    health = SourceHealth(record.source_id)
    if record.latest is None or record.first_key is None:
        health.notes.append("never crawled")
        return health
    health.runs = record.runs
    health.consecutive_failures = record.consecutive_failures
    health.last_success = record.last_success
    health.recent_records, health.extraction_failures = record.window_sums(window_start)
    first = datetime.fromisoformat(record.first_key)
    span_days = max((now - first).total_seconds() / 86400, days)
    health.usual_per_window = record.total_records * days / span_days
    history_before_window = first < window_start
    health.went_silent = history_before_window and health.recent_records == 0 and health.usual_per_window >= 2
    health.flags = latest_run_flags(record.latest, record.matched)
    if health.went_silent:
        health.flags.append(
            f"went silent: no new records in {days} days (usually {health.usual_per_window:.0f})"
        )
    return health


def latest_run_flags(latest: CrawlRun, matched_before: set[str]) -> list[str]:
    """What the latest run says is broken: entry points that failed or yielded no links, and
    selectors that stopped matching (``matched_before``: those that matched in earlier runs)."""
    flags = [f"entry point {url} failed: {error}" for url, error in latest.entry_errors.items()]
    flags += [f"entry point {url} yielded no links" for url, links in latest.entry_links.items() if not links]
    for name, misses in sorted(latest.selector_misses.items()):
        stopped = misses and 2 * misses >= latest.pages_checked and name in matched_before
        if stopped:
            flags.append(
                f"{name} selector matched nothing on {misses} of {latest.pages_checked} pages "
                "(it matched in earlier runs)"
            )
    return flags


def run_summary(spec_id: str, stats: dict[str, Any], failed: bool) -> CrawlRun:
    started = stats.get("start_time") or datetime.now(UTC)
    finished = stats.get("finish_time") or datetime.now(UTC)
    quarantined = stats.get("policyradar/quarantined", 0)
    observed = stats.get(STATS_KEY) or {}
    return CrawlRun(
        source_id=spec_id,
        started_at=_iso(started),
        finished_at=_iso(finished),
        records=stats.get("item_scraped_count", 0) - quarantined,
        unchanged=stats.get("policyradar/unchanged", 0) + stats.get("policyradar/not_modified", 0),
        quarantined=quarantined,
        errors=stats.get("log_count/ERROR", 0),
        failed=failed,
        finish_reason=stats.get("finish_reason"),
        entry_links=observed.get("entry_links", {}),
        entry_errors=observed.get("entry_errors", {}),
        pages_checked=observed.get("pages_checked", 0),
        selector_misses=observed.get("selector_misses", {}),
    )


def _iso(value: datetime) -> str:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
