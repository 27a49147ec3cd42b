"""``policyradar crawl --schedule``: crawl each source on its own schedule, until stopped.

One long-lived process per shard runs every source of the shard in one Scrapy engine (one Twisted
reactor; ``crawlers/service.py``): a check of a source is a handful of requests injected into that
engine, not a new process. The timetable (``crawlers/timetable.py``) spreads the sources over their
intervals; never two checks of one source at once (a run due while the last one is still going is
skipped). The sources folder is re-read every few seconds (only files whose size or time changed
are parsed again), so added, changed and removed files take effect without a restart; a file that
stops validating keeps its last good schedule and is reported.

Several crawler processes split the sources with ``--shard K/N`` (K = 0..N-1): each source belongs
to exactly one shard, chosen by a stable hash of its id.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import logging
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawlers.sources import Schedule, SourceSpec, load_source
from crawlers.timetable import first_due
from policyradar.crontab import crontab_trigger
from policyradar.errors import ConfigError, PolicyRadarError

log = logging.getLogger("policyradar.schedule")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_shard(text: str | None) -> tuple[int, int]:
    if not text:
        return 0, 1
    match = re.fullmatch(r"(\d+)/(\d+)", text)
    if not match or not 0 <= int(match[1]) < int(match[2]):
        raise PolicyRadarError(f"--shard {text!r}: expected K/N with 0 <= K < N, e.g. 0/3")
    return int(match[1]), int(match[2])


@functools.lru_cache(maxsize=1 << 17)
def in_shard(source_id: str, shard: tuple[int, int]) -> bool:
    """Whether ``source_id`` belongs to ``shard`` (remembered: the folder is re-read every few seconds)."""
    index, count = shard
    return int(hashlib.sha256(source_id.encode()).hexdigest(), 16) % count == index


def make_trigger(schedule: Schedule) -> IntervalTrigger | CronTrigger:
    if schedule.cron:
        return crontab_trigger(schedule.cron, schedule.timezone)
    amount, unit = int(schedule.every[:-1]), schedule.every[-1]
    return IntervalTrigger(**{UNITS[unit]: amount}, timezone=schedule.timezone)


class FileStamp(NamedTuple):
    mtime_ns: int
    size: int
    inode: int

    @classmethod
    def of(cls, path: str | Path) -> FileStamp | None:
        try:
            stat = os.stat(path)
        except OSError:
            return None
        return cls(stat.st_mtime_ns, stat.st_size, stat.st_ino)


def yaml_files(folder: Path) -> list[str]:
    """Every ``*.yaml`` below ``folder`` (what ``folder.rglob("*.yaml")`` finds: symlinked folders are
    not entered), in the order of their sorted paths. Plain strings: the folder is read every few
    seconds, and making and sorting thousands of ``Path`` objects cost more than the stat calls."""
    found: list[tuple[list[str], str]] = []
    for where, folders, files in os.walk(folder):
        for name in (*folders, *files):
            if name.endswith(".yaml"):
                path = os.path.join(where, name)
                found.append((path.split(os.sep), path))
    found.sort(key=lambda pair: pair[0])
    return [path for _, path in found]


class SourceFolder:
    """The enabled sources of this shard on disk. A file is parsed again only when its size, time or
    inode changed; a file that stops loading keeps its last good spec (or is skipped when it never
    loaded), reported once per change of the file."""

    def __init__(self, folder: Path, shard: tuple[int, int]) -> None:
        self.folder = folder
        self.shard = shard
        self.stamps: dict[str, FileStamp | None] = {}
        self.loaded: dict[str, SourceSpec | None] = {}  # what each file stands for now
        self.last_good: dict[str, SourceSpec] = {}

    def read(self) -> dict[str, SourceSpec] | None:
        """Source id -> spec for the enabled sources of this shard; None when the folder is gone."""
        if not self.folder.is_dir():
            log.error("%s is not a folder (any more): keeping every schedule as it is", self.folder)
            return None
        paths = yaml_files(self.folder)
        specs: dict[str, SourceSpec] = {}
        for path in paths:
            spec, fresh = self._current(path)
            if spec is None or not spec.enabled or not in_shard(spec.id, self.shard):
                continue
            if spec.id in specs:
                if fresh:
                    log.error("%s: source id %r is already used by another file: skipped", path, spec.id)
                continue
            specs[spec.id] = spec
        for gone in set(self.stamps).difference(paths):
            self.stamps.pop(gone, None)
            self.loaded.pop(gone, None)
            self.last_good.pop(gone, None)
        return specs

    def _current(self, path: str) -> tuple[SourceSpec | None, bool]:
        """The file's spec, and whether the file was (re)read just now."""
        stamp = FileStamp.of(path)
        if stamp is not None and self.stamps.get(path) == stamp:
            return self.loaded.get(path), False
        self.stamps[path] = stamp
        self.loaded[path] = self._load(path)
        return self.loaded[path], True

    def _load(self, path: str) -> SourceSpec | None:
        """The file's spec; when it does not load, the last spec it loaded as (reported), if any."""
        try:
            spec = load_source(Path(path))
        except ConfigError as exc:
            previous = self.last_good.get(path)
            if previous is None:
                log.error("%s (skipped: it never loaded)", exc)
            else:
                log.error("%s (keeping source %s on its last good schedule)", exc, previous.id)
            return previous
        self.last_good[path] = spec
        return spec


class SourceJobs:
    """Keeps the timetable equal to the sources read from the folder: new sources are checked at
    once, changed ones at their new slot, removed ones no more."""

    def __init__(self, timetable, spread: Callable[[int], float], clock: Callable[[], float]) -> None:
        self.timetable = timetable
        self.spread = spread  # number of sources -> seconds over which first checks are spread
        self.clock = clock
        self.specs: dict[str, SourceSpec] = {}
        self.fingerprints: dict[str, str] = {}
        self.started = False

    def apply(self, wanted: dict[str, SourceSpec]) -> bool:
        """Bring the timetable in line with ``wanted``; True when any source changed."""
        changed = False
        for source_id in set(self.specs) - set(wanted):
            self.timetable.remove(source_id)
            del self.specs[source_id], self.fingerprints[source_id]
            log.info("source %s removed: no longer crawled", source_id)
            changed = True
        now, spread = self.clock(), self.spread(len(wanted))
        for source_id, spec in wanted.items():
            changed |= self._schedule(source_id, spec, now, spread)
        self.started = True
        return changed

    def _schedule(self, source_id: str, spec: SourceSpec, now: float, spread: float) -> bool:
        if self.specs.get(source_id) is spec:  # the folder hands back the same spec for an unchanged file
            return False
        fingerprint = spec.model_dump_json()
        if self.fingerprints.get(source_id) == fingerprint:
            self.specs[source_id] = spec
            return False
        known = source_id in self.fingerprints
        try:
            make_trigger(spec.schedule)
        except Exception as exc:  # one source's bad schedule must not stop the others'
            log.error(
                "source %s: cannot schedule it: %s (%s)",
                source_id,
                exc,
                "keeping its previous schedule" if known else "skipped",
            )
            return False
        # A source added while running is checked at once; at a start or after a change its first
        # check comes at its slot, so that a restart does not check every source at the same time.
        due = now if self.started and not known else first_due(source_id, spec.schedule, now, spread)
        self.timetable.plan(source_id, spec.schedule, due)
        self.specs[source_id] = spec
        self.fingerprints[source_id] = fingerprint
        log.info(
            "source %s %s: %s",
            source_id,
            "changed" if known else "scheduled",
            spec.schedule.every or spec.schedule.cron,
        )
        return True


def schedule_command(args: argparse.Namespace) -> int:
    from crawlers.service import CrawlService
    from policyradar.settings import get_settings

    settings = get_settings()
    log.setLevel(logging.INFO)
    folder = args.sources_dir or settings.sources_dir
    service = CrawlService(
        settings,
        SourceFolder(folder, parse_shard(args.shard)),
        shard_text=args.shard or "0/1",
        max_parallel=args.max_parallel,
        reload_seconds=args.reload_seconds,
        log_level=args.log_level,
    )
    return service.run()
