"""Crawl-run summaries (one Kafka record per source per run) and the health report built on them."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from crawlers.sources import load_sources
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
    notes: list[str] = field(default_factory=list)


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
    window_start = now - timedelta(days=days)
    report = []
    for source_id in source_ids:
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
        if own:
            first = datetime.fromisoformat(own[0].started_at)
            span_days = max((now - first).total_seconds() / 86400, days)
            health.usual_per_window = sum(run.records for run in own) * days / span_days
            history_before_window = first < window_start
            health.went_silent = (
                history_before_window and health.recent_records == 0 and health.usual_per_window >= 2
            )
        else:
            health.notes.append("never crawled")
        report.append(health)
    return report


def health_command(args: argparse.Namespace) -> int:
    settings = get_settings()
    ids = [spec.id for spec in load_sources(settings.sources_dir)]
    report = assess(ids, read_runs(settings), args.days)
    if args.json:
        print(json.dumps([asdict(h) for h in report], ensure_ascii=False, indent=2))
        return 0
    print(
        f"{'source':<34}{'runs':>5}  {'last success':<20}{'fails':>6}{'items/' + str(args.days) + 'd':>10}"
        f"{'quarantined':>12}  flags"
    )
    for h in report:
        flags = ", ".join([*(["WENT SILENT"] if h.went_silent else []), *h.notes])
        print(
            f"{h.source_id:<34}{h.runs:>5}  {(h.last_success or '-')[:19]:<20}{h.consecutive_failures:>6}"
            f"{h.recent_records:>10}{h.extraction_failures:>12}  {flags}"
        )
    return 0


def run_summary(spec_id: str, stats: dict[str, Any], failed: bool) -> CrawlRun:
    started = stats.get("start_time") or datetime.now(UTC)
    finished = stats.get("finish_time") or datetime.now(UTC)
    quarantined = stats.get("policyradar/quarantined", 0)
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
    )


def _iso(value: datetime) -> str:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
