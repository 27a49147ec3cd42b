"""Crawl-run summaries (one Kafka record per source per run) and the health report built on them.

A source is flagged right after a run in which an entry point answered with an HTTP error (or not
at all), an entry point yielded no links, or a title/body/date selector matched nothing on at least
half of the pages checked although it matched pages in earlier runs; and when it went silent.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from crawlers.observe import STATS_KEY
from crawlers.sources import SourceSpec, load_sources
from policyradar.kafka_io import read_topic
from policyradar.settings import Settings, get_settings


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


def read_runs(settings: Settings) -> list[CrawlRun]:
    runs = []
    for record in read_topic(settings, settings.topic_crawl_runs):
        try:
            runs.append(CrawlRun(**json.loads(record.value)))
        except (ValueError, TypeError):
            continue  # an unreadable summary only leaves a gap in the history
    return sorted(runs, key=lambda run: run.started_at)


def assess(
    source_ids: list[str], runs: list[CrawlRun], days: int, now: datetime | None = None
) -> list[SourceHealth]:
    """Health per source. "Went silent": no new records in the window although the source's
    history says it usually yields at least two in a window of that length."""
    now = now or datetime.now(UTC)
    return [assess_source(source_id, runs, days, now) for source_id in source_ids]


def assess_source(source_id: str, runs: list[CrawlRun], days: int, now: datetime) -> SourceHealth:
    window_start = now - timedelta(days=days)
    health = SourceHealth(source_id)
    own = [run for run in runs if run.source_id == source_id]
    health.runs = len(own)
    for run in own:
        if run.failed:
            health.consecutive_failures += 1
        else:
            health.consecutive_failures = 0
            health.last_success = run.finished_at
        if datetime.fromisoformat(run.started_at) >= window_start:
            health.recent_records += run.records
            health.extraction_failures += run.quarantined
    if not own:
        health.notes.append("never crawled")
        return health
    first = datetime.fromisoformat(own[0].started_at)
    span_days = max((now - first).total_seconds() / 86400, days)
    health.usual_per_window = sum(run.records for run in own) * days / span_days
    history_before_window = first < window_start
    health.went_silent = history_before_window and health.recent_records == 0 and health.usual_per_window >= 2
    health.flags = latest_run_flags(own[-1], own[:-1])
    if health.went_silent:
        health.flags.append(
            f"went silent: no new records in {days} days (usually {health.usual_per_window:.0f})"
        )
    return health


def latest_run_flags(latest: CrawlRun, earlier: list[CrawlRun]) -> list[str]:
    """What the latest run says is broken: entry points that failed or yielded no links, and
    selectors that stopped matching."""
    flags = [f"entry point {url} failed: {error}" for url, error in latest.entry_errors.items()]
    flags += [f"entry point {url} yielded no links" for url, links in latest.entry_links.items() if not links]
    for name, misses in sorted(latest.selector_misses.items()):
        stopped = misses and 2 * misses >= latest.pages_checked and _matched_before(name, earlier)
        if stopped:
            flags.append(
                f"{name} selector matched nothing on {misses} of {latest.pages_checked} pages "
                "(it matched in earlier runs)"
            )
    return flags


def _matched_before(selector: str, earlier: list[CrawlRun]) -> bool:
    return any(
        selector in run.selector_misses and run.selector_misses[selector] < run.pages_checked
        for run in earlier
    )


def health_report(
    settings: Settings, days: int, now: datetime | None = None
) -> tuple[list[SourceSpec], list[SourceHealth]]:
    """Every source file under the sources folder and its health (same order), from the crawl-run
    summaries on Kafka: what ``sources health`` prints and the web page's sources view shows."""
    specs = load_sources(settings.sources_dir)
    return specs, assess([spec.id for spec in specs], read_runs(settings), days, now)


def health_command(args: argparse.Namespace) -> int:
    """Print the report; exit 1 when an enabled source is flagged (and say which and why)."""
    settings = get_settings()
    specs, report = health_report(settings, args.days)
    enabled = {spec.id for spec in specs if spec.enabled}
    flagged = [h for h in report if h.broken and h.source_id in enabled]
    if args.json:
        print(json.dumps([asdict(h) for h in report], ensure_ascii=False, indent=2))
    else:
        _print_table(report, args.days)
    for health in flagged:
        print(f"FLAGGED {health.source_id}: {'; '.join(health.flags)}", file=sys.stderr)
    if flagged:
        print(f"{len(flagged)} source(s) flagged", file=sys.stderr)
    return 1 if flagged else 0


def _print_table(report: list[SourceHealth], days: int) -> None:
    print(
        f"{'source':<34}{'runs':>5}  {'last success':<20}{'fails':>6}{'items/' + str(days) + 'd':>10}"
        f"{'quarantined':>12}  flags"
    )
    for h in report:
        flags = ", ".join(
            [*(["BROKEN"] if h.broken else []), *(["WENT SILENT"] if h.went_silent else []), *h.notes]
        )
        print(
            f"{h.source_id:<34}{h.runs:>5}  {(h.last_success or '-')[:19]:<20}{h.consecutive_failures:>6}"
            f"{h.recent_records:>10}{h.extraction_failures:>12}  {flags}"
        )


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
