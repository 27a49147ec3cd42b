"""Five-field crontab expressions read the way crontab(5) reads them.

APScheduler's ``CronTrigger.from_crontab`` passes the day-of-week field through unchanged, and
APScheduler numbers days from Monday = 0, so "1-5" would fire Tuesday to Saturday. crontab counts
from Sunday = 0 (7 is Sunday too): numeric days are rewritten as day names before APScheduler
sees them. Names ("mon-fri") and "*" pass through as they are.
"""

from __future__ import annotations

from apscheduler.triggers.cron import CronTrigger

DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def crontab_trigger(expression: str, timezone: str) -> CronTrigger:
    """The trigger for a five-field crontab expression; ValueError when it is not one."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"expected five fields (minute hour day month weekday), got {len(fields)}")
    minute, hour, day, month, weekday = fields
    return CronTrigger(
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=crontab_weekdays(weekday),
        timezone=timezone,
    )


def crontab_weekdays(field: str) -> str:
    """crontab's day-of-week field as APScheduler day names: "1-5" -> "mon,tue,wed,thu,fri"."""
    return ",".join(_weekday_part(part) for part in field.split(","))


def _weekday_part(part: str) -> str:
    span, _, step_text = part.partition("/")
    if part == "*" or not _numeric(span):
        return part  # names, or "*" without a step: the same in both readings
    step = int(step_text) if step_text else 1
    if step < 1:
        raise ValueError(f"day-of-week step must be at least 1: {part!r}")
    first, last = _bounds(span)
    days = range(first, last + 1, step)
    return ",".join(dict.fromkeys(DAY_NAMES[d] for d in days))


def _numeric(span: str) -> bool:
    return span == "*" or all(piece.isdigit() for piece in span.split("-"))


def _bounds(span: str) -> tuple[int, int]:
    if span == "*":
        return 0, 6
    pieces = [int(piece) for piece in span.split("-")]
    first, last = pieces[0], pieces[-1]
    if len(pieces) > 2 or not 0 <= first <= last <= 7:
        raise ValueError(f"day of week must be 0-7 (0 and 7 are Sunday) in increasing order: {span!r}")
    return first, last
