"""Checkpoints of the per-source health records on a compacted topic, so that ``sources health``,
``policyradar status``, the web page and a starting crawler read one record per source and the runs
written since, not every crawl run the runs topic keeps.

**Writer.** The long-lived crawler of shard 0 (its health watch folds every run of every source; one
process per shard). After a check that folded new runs, at most every ``CHECKPOINT_SECONDS``, it
writes the entry of each source those runs were about, then, once all are acknowledged, a marker.
Everything goes to partition 0 of the topic, so a reader meets the entries of a write before its
marker. Keys (``writer`` is ``crawl-0ofN``; ``days`` the window the records keep):

- ``{writer}|{days}|{source_id}`` -> ``{"upto": {partition: offset}, "state"}``: the source's record,
  with every run of it before those runs-topic positions folded in (the writer's positions then);
- ``{writer}|{days}|@`` -> ``{"positions": {partition: offset}, "written_at"}``: every entry under that
  writer holds all of its source's runs before these positions.

**Reader.** It picks, among the markers of the shortest window at least as long as its own (a record
tells any shorter window exactly), the one furthest into the runs topic, rebuilds
that writer's records, and folds the runs from the marker's positions on, skipping a source's runs
before its entry's ``upto`` (entries of a write cut short before its marker). The answer is the one a
read of the whole runs topic gives. The whole runs topic is read instead when there is no marker for
such a window (no crawler of shard 0 has run since, or a longer window), when the checkpoint
cannot be read back (named in a warning), when a source's entry was too large to write, and when
the marker is ahead of the runs topic (a recreated topic).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from crawlers.health import FOLD_CHUNK, HealthBook, SourceHealth
from crawlers.health_state import StateError, record_from_state, record_state
from crawlers.run_feed import FeedRun, RunFeed, runs_topic_ends
from policyradar.kafka_io import make_producer, read_topic, send_all
from policyradar.settings import Settings

log = logging.getLogger("policyradar.health")

CHECKPOINT_SECONDS = 60.0  # the shortest time between two checkpoint writes of a health watch
MARKER = "@"
PARTITION = 0  # every checkpoint message goes here: entries are read before their marker
KEY_ROOM = 1024  # bytes of a message besides its value (key, headers, batch overhead)


class CheckpointUnusable(ValueError):
    """A checkpoint that cannot stand in for the runs topic; the reader reads the whole topic."""


def writer_name(shard: tuple[int, int]) -> str | None:
    """The checkpoint writer a crawler of ``shard`` is, or None when it writes none (only shard 0
    writes: every shard's watch folds every run, one copy of the records is enough)."""
    index, count = shard
    return f"crawl-{index}of{count}" if index == 0 else None


@dataclass
class PositionedBook:
    """A ``HealthBook``, where it stands in the runs topic, and for sources rebuilt from a checkpoint
    the positions below which their runs are already folded in."""

    book: HealthBook
    positions: dict[int, int] = field(default_factory=dict)
    folded_below: dict[str, dict[int, int]] = field(default_factory=dict)

    def fold(self, runs: Iterable[FeedRun]) -> set[str]:
        """Fold the runs not yet in their source's record; the ids of the sources folded into."""
        fresh = [
            run
            for partition, offset, run in runs
            if offset >= self.folded_below.get(run.source_id, {}).get(partition, 0)
        ]
        return self.book.fold(fresh)


@dataclass
class Checkpoint:
    writer: str
    positioned: PositionedBook
    written_at: str


def load_checkpoint(settings: Settings, days: int, *, exact: bool = False) -> Checkpoint | None:
    """The checkpoint that can tell a ``days`` window: among those of the shortest window of at least
    ``days`` (exactly ``days`` with ``exact``), the one furthest into the runs topic. None when there
    is none or it cannot stand in for the runs topic (said in a warning); raises what Kafka raised
    when it cannot be read."""
    markers, entries = _read_entries(settings)
    usable = [
        (window, writer) for writer, window in markers if window == days or (window > days and not exact)
    ]
    if not usable:
        return None
    window = min(w for w, _ in usable)
    writer = max(
        (name for w, name in usable if w == window),
        key=lambda name: sum(markers[name, window]["positions"].values()),
    )
    try:
        checkpoint = _rebuilt(writer, window, markers[writer, window], entries.get((writer, window), {}))
        _check_not_ahead(checkpoint.positioned.positions, runs_topic_ends(settings))
    except (CheckpointUnusable, StateError) as exc:
        log.warning("health checkpoint of %s not used (%s): reading the whole runs topic", writer, exc)
        return None
    return checkpoint


Slot = tuple[str, int]  # a writer and the window its records keep


def _read_entries(settings: Settings) -> tuple[dict[Slot, dict], dict[Slot, dict[str, dict]]]:
    """The markers and entries on the topic by writer and window; a message that cannot be read is
    skipped with a warning, and so is the marker of its writer and window."""
    markers: dict[Slot, dict] = {}
    entries: dict[Slot, dict[str, dict]] = {}
    spoiled: set[Slot] = set()
    for record in read_topic(settings, settings.topic_source_health):
        key = (record.key or b"").decode("utf-8", "replace")
        writer, _, rest = key.partition("|")
        window, sep, source_id = rest.partition("|")
        if not sep or not window.isdigit() or record.value is None:
            continue
        slot = (writer, int(window))
        try:
            value = _parsed(record.value, marker=source_id == MARKER)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            log.warning("health checkpoint message %r (offset %d) unreadable: %s", key, record.offset, exc)
            spoiled.add(slot)
            continue
        if source_id == MARKER:
            markers[slot] = value
        else:
            entries.setdefault(slot, {})[source_id] = value
    return {slot: m for slot, m in markers.items() if slot not in spoiled}, entries


def _parsed(raw: bytes, *, marker: bool) -> dict[str, Any]:
    """A marker or an entry, its positions as ints; raises on any other shape."""
    value = json.loads(raw)
    positions = value["positions" if marker else "upto"]
    value["positions" if marker else "upto"] = {int(p): int(o) for p, o in positions.items()}
    if not marker and not value.get("oversized") and not isinstance(value["state"], dict):
        raise TypeError("an entry's state is not an object")
    return value


def _rebuilt(writer: str, days: int, marker: dict, entries: dict[str, dict]) -> Checkpoint:
    positioned = PositionedBook(HealthBook(days), positions=dict(marker["positions"]))
    for source_id, entry in entries.items():
        if entry.get("oversized"):
            raise CheckpointUnusable(f"the entry of {source_id!r} was too large to write")
        positioned.book.records[source_id] = record_from_state(entry["state"])
        positioned.folded_below[source_id] = entry["upto"]
    return Checkpoint(writer, positioned, str(marker.get("written_at", "")))


def _check_not_ahead(positions: dict[int, int], ends: dict[int, int]) -> None:
    ahead = {p: o for p, o in positions.items() if o > ends.get(p, 0)}
    if ahead:
        raise CheckpointUnusable(f"its positions {ahead} are past the runs topic's end {ends}")


def checkpoint_messages(
    settings: Settings, writer: str, positioned: PositionedBook, source_ids: Iterable[str]
) -> list[tuple[str, str, bytes]]:
    """The entries of ``source_ids`` (sources the book has runs of) as messages. An entry too large
    for a message is written as ``oversized`` (readers then read the whole runs topic) and logged."""
    topic, days = settings.topic_source_health, positioned.book.days
    upto = {str(p): o for p, o in sorted(positioned.positions.items())}
    limit = settings.kafka_max_message_bytes - KEY_ROOM
    messages = []
    for source_id in sorted(source_ids):
        record = positioned.book.records.get(source_id)
        if record is None:
            continue
        value = json.dumps({"upto": upto, "state": record_state(record)}).encode("utf-8")
        if len(value) > limit:
            log.error(
                "health checkpoint: the record of source %s is %d bytes, more than a message takes "
                "(%d); readers will read the whole runs topic until it shrinks", source_id, len(value), limit,
            )  # fmt: skip
            value = json.dumps({"upto": upto, "oversized": True}).encode("utf-8")
        messages.append((topic, f"{writer}|{days}|{source_id}", value))
    return messages


def write_checkpoint(
    settings: Settings, writer: str, positioned: PositionedBook, source_ids: Iterable[str]
) -> int:
    """Write the entries of ``source_ids``, then the marker once they are acknowledged; the entries
    written. Raises what Kafka raised (then no marker is written)."""
    messages = checkpoint_messages(settings, writer, positioned, source_ids)
    marker = {
        "positions": {str(p): o for p, o in sorted(positioned.positions.items())},
        "written_at": datetime.now(UTC).isoformat(),
    }
    key = f"{writer}|{positioned.book.days}|{MARKER}"
    producer = make_producer(settings, client_id=f"policyradar-health-{writer}")
    try:
        send_all(producer, messages, partition=PARTITION)
        marker_message = (settings.topic_source_health, key, json.dumps(marker).encode("utf-8"))
        send_all(producer, [marker_message], partition=PARTITION)
    finally:
        producer.close(timeout=10)
    return len(messages)


Progress = Callable[[int], None]  # told the runs read so far, every PROGRESS_RUNS of a long read
PROGRESS_RUNS = 200_000


def current_health(
    settings: Settings,
    source_ids: list[str],
    days: int,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> list[SourceHealth]:
    """The health of these sources over ``days``: from the freshest checkpoint that can tell that
    window and the runs written since, or from the whole runs topic when there is none."""
    positioned = positioned_book(settings, days, progress)
    now = now or datetime.now(UTC)
    return [positioned.book.assess(source_id, now, days) for source_id in source_ids]


def positioned_book(settings: Settings, days: int, progress: Progress | None = None) -> PositionedBook:
    """Every source's record for a window of at least ``days`` (a checkpoint's may be longer), up to
    the current end of the runs topic."""
    began = time.monotonic()
    checkpoint = load_checkpoint(settings, days)
    if checkpoint is None:
        positioned = PositionedBook(HealthBook(days))
        where = "the whole runs topic (no checkpoint)"
    else:
        positioned = checkpoint.positioned
        where = f"the checkpoint of {checkpoint.writer} ({checkpoint.written_at})"
    feed = RunFeed(settings, positioned.positions)
    runs = 0
    try:
        for chunk in feed.chunks(FOLD_CHUNK):
            positioned.fold(chunk)
            before, runs = runs, runs + len(chunk)
            if progress is not None and runs // PROGRESS_RUNS > before // PROGRESS_RUNS:
                progress(runs)
    finally:
        feed.close()
    positioned.positions = feed.positions
    log.info(
        "health of %d sources from %s and %d runs, in %.1f s",
        len(positioned.book.records), where, runs, time.monotonic() - began,
    )  # fmt: skip
    return positioned
