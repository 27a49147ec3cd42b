"""A source's health record as plain JSON data and back, so that it can be checkpointed on Kafka.

The state is everything ``SourceRecord.fold`` and ``assess_source`` read: a record rebuilt from it
folds later runs and assesses exactly as the record it was taken from. The window's runs are written
as short lists (``[started_at, records, quarantined, failed]``) to keep a busy source's state small.
"""

from __future__ import annotations

from collections import deque
from dataclasses import asdict
from datetime import datetime
from typing import Any

from crawlers.health import CrawlRun, SourceRecord, WindowRun

STATE_VERSION = 1


class StateError(ValueError):
    """A checkpointed state that cannot be read back (another version, a missing or wrong field)."""


def record_state(record: SourceRecord) -> dict[str, Any]:
    """``record`` as JSON-ready data."""
    return {
        "v": STATE_VERSION,
        "source_id": record.source_id,
        "days": record.days,
        "prune": record.keep is not None,
        "runs": record.runs,
        "first_key": record.first_key,
        "total_records": record.total_records,
        "consecutive_failures": record.consecutive_failures,
        "success_key": record.success_key,
        "last_success": record.last_success,
        "latest": asdict(record.latest) if record.latest else None,
        "newest_started": record.newest_started.isoformat() if record.newest_started else None,
        "matched": sorted(record.matched),
        "window": [[kept.key, kept.records, kept.quarantined, kept.failed] for kept in record.window],
    }


def record_from_state(state: dict[str, Any]) -> SourceRecord:
    """The record ``record_state`` was given; raises ``StateError`` naming what is wrong."""
    if state.get("v") != STATE_VERSION:
        raise StateError(f"state version {state.get('v')!r} is not {STATE_VERSION}")
    try:
        record = SourceRecord(state["source_id"], int(state["days"]), prune=bool(state["prune"]))
        record.runs = int(state["runs"])
        record.first_key = state["first_key"]
        record.total_records = int(state["total_records"])
        record.consecutive_failures = int(state["consecutive_failures"])
        record.success_key = state["success_key"]
        record.last_success = state["last_success"]
        record.latest = CrawlRun(**state["latest"]) if state["latest"] else None
        newest = state["newest_started"]
        record.newest_started = datetime.fromisoformat(newest) if newest else None
        record.matched = set(state["matched"])
        record.window = deque(_window_run(*kept) for kept in state["window"])
    except (KeyError, TypeError, ValueError) as exc:
        raise StateError(f"health state of {state.get('source_id')!r}: {exc!r}") from exc
    record.window_records = sum(kept.records for kept in record.window)
    record.window_quarantined = sum(kept.quarantined for kept in record.window)
    return record


def _window_run(key: str, records: int, quarantined: int, failed: bool) -> WindowRun:
    return WindowRun(datetime.fromisoformat(key), key, int(records), int(quarantined), bool(failed))
