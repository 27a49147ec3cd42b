"""When each source of a crawler shard is due: one heap of due times, read by the reactor's tick.

Sources are spread, not bunched: after a start (or a change of its spec) a source's first check
comes at a fraction of its interval that depends only on its id (deterministic jitter), and the
next ones every interval after that, so 10,000 sources polled every 30 minutes arrive at an even
5.6 per second instead of all at once. ``cron`` sources run at their times plus a per-source
offset of up to a minute, so that a catalogue of "0 8 * * *" sources does not start in one second.
A run that comes due while the previous one of that source is still going is skipped (coalesced):
the timetable always moves on to the next due time after now.
"""

from __future__ import annotations

import hashlib
import heapq
import math
from datetime import UTC, datetime

from crawlers.sources import Schedule
from policyradar.crontab import crontab_trigger

UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
CRON_SPREAD_SECONDS = 60.0
MIN_INTERVAL_SECONDS = 1.0


def slot_fraction(source_id: str) -> float:
    """A number in [0, 1) fixed by the source id: where in its interval the source is checked."""
    digest = hashlib.sha256(f"slot:{source_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def interval_seconds(schedule: Schedule) -> float | None:
    """The interval of an ``every`` schedule in seconds; None for ``cron``."""
    if not schedule.every:
        return None
    text = schedule.every.replace(" ", "")
    return max(MIN_INTERVAL_SECONDS, int(text[:-1]) * UNIT_SECONDS[text[-1]])


def first_due(source_id: str, schedule: Schedule, now: float, spread: float) -> float:
    """The first check after a start: within ``spread`` seconds (and within one interval)."""
    window = min(spread, interval_seconds(schedule) or spread)
    return now + slot_fraction(source_id) * window


def following_due(source_id: str, schedule: Schedule, due: float, now: float) -> float:
    """The next due time after ``now`` for a source last due at ``due``."""
    interval = interval_seconds(schedule)
    if interval is not None:
        return due + interval * (math.floor((now - due) / interval) + 1)
    offset = slot_fraction(source_id) * CRON_SPREAD_SECONDS
    trigger = crontab_trigger(schedule.cron or "", schedule.timezone)
    after = datetime.fromtimestamp(now - offset + 1e-3, UTC)
    fire = trigger.get_next_fire_time(None, after)
    return fire.timestamp() + offset


class Timetable:
    def __init__(self) -> None:
        self._heap: list[tuple[float, int, str]] = []
        self._plans: dict[str, tuple[float, int, Schedule]] = {}
        self._generation = 0

    def __len__(self) -> int:
        return len(self._plans)

    def __contains__(self, source_id: str) -> bool:
        return source_id in self._plans

    def plan(self, source_id: str, schedule: Schedule, due: float) -> None:
        """Check ``source_id`` at ``due``, then on its schedule (replaces any earlier plan)."""
        self._generation += 1
        self._plans[source_id] = (due, self._generation, schedule)
        heapq.heappush(self._heap, (due, self._generation, source_id))

    def remove(self, source_id: str) -> None:
        self._plans.pop(source_id, None)

    def next_due(self, source_id: str) -> float | None:
        plan = self._plans.get(source_id)
        return plan[0] if plan else None

    def pop_due(self, now: float) -> list[tuple[str, float]]:
        """Every source due at ``now`` with the time it was due, each planned again for its next time."""
        due_now = []
        while self._heap and self._heap[0][0] <= now:
            due, generation, source_id = heapq.heappop(self._heap)
            plan = self._plans.get(source_id)
            if plan is None or plan[1] != generation:
                continue  # removed or planned again since
            due_now.append((source_id, due))
            self.plan(source_id, plan[2], following_due(source_id, plan[2], due, now))
        if len(self._heap) > 2 * len(self._plans) + 1024:
            self._compact()
        return due_now

    def _compact(self) -> None:
        self._heap = [(due, gen, sid) for sid, (due, gen, _) in self._plans.items()]
        heapq.heapify(self._heap)
