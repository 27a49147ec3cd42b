"""When a reminder of a matched item's deadline is due (``Alert.remind_days``), in the alert's time zone.

An item is due a reminder from the alert's time of day (``at``) ``remind_days`` days before its
deadline, through the deadline day itself; a scheduler that was down over that moment reminds when it
comes back, never after the deadline. The digest service sends reminders through the same ledger as
digests (see ``digest.py``); this module only says which deadlines are due and names the messages.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from indexer.alerts.model import Alert

REMINDER = "reminder"  # the ``kind`` of a reminder in the ledger (digests have none, or "digest")
_NAMESPACE = uuid.UUID("0c7d1c55-8a5e-4f0e-9d36-3b1f4e2a9c61")


def local_today(alert: Alert, now: datetime) -> date:
    return now.astimezone(ZoneInfo(alert.timezone)).date()


def reminder_day(alert: Alert, now: datetime) -> date:
    """The latest day, in the alert's zone, whose ``at`` moment is not after ``now``."""
    local = now.astimezone(ZoneInfo(alert.timezone))
    hour, minute = (int(part) for part in alert.at.split(":"))
    return local.date() if local.time() >= time(hour, minute) else local.date() - timedelta(days=1)


def reminder_window(alert: Alert, now: datetime) -> tuple[date, date] | None:
    """The deadlines due a reminder at ``now`` (first, last), or None when the alert sends none."""
    if not alert.remind_days:
        return None
    return local_today(alert, now), reminder_day(alert, now) + timedelta(days=alert.remind_days)


def due_reminder(alert: Alert, deadline: str | None, now: datetime) -> bool:
    """Whether an item with ``deadline`` (ISO date, or None) is due a reminder at ``now``."""
    window = reminder_window(alert, now)
    if window is None or not deadline:
        return False
    return window[0] <= date.fromisoformat(deadline[:10]) <= window[1]


def reminder_id_for(alert: Alert, day: date, part: int = 0) -> str:
    """The message id of the alert's reminder on ``day`` (the same for every scheduler)."""
    key = f"{alert.id}|{REMINDER}|{day.isoformat()}" + (f"|{part}" if part else "")
    return f"rem_{uuid.uuid5(_NAMESPACE, key).hex}"
