"""One check of one source in the long-lived crawler: its requests and records in flight, what it
saw, and the run summary it ends with.

A check is finished when every request it made has been answered (or failed, or was dropped) and
every record it emitted has been acknowledged by Kafka (or has failed): only then is the source free
for its next check, so a page's state is always current before the source is looked at again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from crawlers.health import CrawlRun
from crawlers.observe import Observations
from crawlers.sources import SourceSpec


@dataclass(eq=False)
class Check:
    spec: SourceSpec
    due: float  # when the timetable wanted it (epoch seconds)
    on_done: Callable[[Check], None]
    started: float = field(default_factory=time.time)
    observations: Observations = field(default_factory=Observations)
    records: int = 0
    unchanged: int = 0
    quarantined: int = 0
    errors: int = 0
    open_requests: int = 0
    pending_items: int = 0
    seen: set[str] = field(default_factory=set)
    stopped: bool = False  # the crawler stopped before the check could end
    finished_at: float | None = None

    def __repr__(self) -> str:  # items carry their check; Scrapy may log them
        return f"<check of {self.spec.id}>"

    @property
    def source_id(self) -> str:
        return self.spec.id

    @property
    def lag(self) -> float:
        """Seconds between when the check was due and when it started."""
        return max(0.0, self.started - self.due)

    def first_request_to(self, url: str) -> bool:
        """True the first time ``url`` is asked for in this check (a loop of pages is cut short)."""
        if url in self.seen:
            return False
        self.seen.add(url)
        return True

    def request_opened(self) -> None:
        self.open_requests += 1

    def request_closed(self) -> None:
        self.open_requests -= 1
        self._maybe_done()

    def item_queued(self) -> None:
        self.pending_items += 1

    def item_done(self, *, ok: bool) -> None:
        self.pending_items -= 1
        if not ok:
            self.errors += 1
        self._maybe_done()

    def count(self, what: str) -> None:
        if what in ("unchanged", "not_modified"):
            self.unchanged += 1
        elif what == "quarantined":
            self.quarantined += 1
        elif what == "entry_failed":
            self.errors += 1

    def end_early(self) -> None:
        """The crawler is stopping: the check ends with what it has (nothing left is committed)."""
        if self.finished_at is None:
            self.stopped = True
            self._finish()

    def _maybe_done(self) -> None:
        if self.open_requests <= 0 and self.pending_items <= 0 and self.finished_at is None:
            self._finish()

    def _finish(self) -> None:
        self.finished_at = time.time()
        self.on_done(self)

    def run(self) -> CrawlRun:
        """The run summary ``sources health`` and the health watch read."""
        observed = self.observations.summary(self.spec, finished=not self.stopped)
        failed = self.stopped or bool(self.errors and not self.records and not self.unchanged)
        return CrawlRun(
            source_id=self.spec.id,
            started_at=_iso(self.started),
            finished_at=_iso(self.finished_at or time.time()),
            records=self.records,
            unchanged=self.unchanged,
            quarantined=self.quarantined,
            errors=self.errors,
            failed=failed,
            finish_reason="shutdown" if self.stopped else "finished",
            entry_links=observed["entry_links"],
            entry_errors=observed["entry_errors"],
            pages_checked=observed["pages_checked"],
            selector_misses=observed["selector_misses"],
        )


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()
