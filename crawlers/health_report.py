"""``policyradar sources health``: every source file's health, from the freshest checkpoint and the
crawl runs written since (``crawlers.health_checkpoint``)."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import datetime

from crawlers.health import SourceHealth
from crawlers.health_checkpoint import Progress, current_health
from crawlers.sources import SourceSpec, load_sources
from policyradar.settings import Settings, get_settings


def health_report(
    settings: Settings, days: int, now: datetime | None = None, progress: Progress | None = None
) -> tuple[list[SourceSpec], list[SourceHealth]]:
    """Every source file under the sources folder and its health (same order), from the crawl-run
    summaries on Kafka (through the freshest checkpoint): what ``sources health`` prints."""
    specs = load_sources(settings.sources_dir)
    return specs, current_health(settings, [spec.id for spec in specs], days, now, progress)


def say_runs_read(runs: int) -> None:
    """Progress of a long read of the runs topic, on stderr (the report goes to stdout)."""
    print(f"... {runs:,} crawl-run summaries read", file=sys.stderr, flush=True)


def health_command(args: argparse.Namespace) -> int:
    """Print the report; exit 1 when an enabled source is flagged (and say which and why)."""
    settings = get_settings()
    specs, report = health_report(settings, args.days, progress=say_runs_read)
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
