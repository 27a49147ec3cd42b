"""When an alert is next due: its schedule, and the dates the scheduler finds due alerts by.

Each stored alert carries ``next_due`` (when its next digest may go out) and ``next_reminder`` (when
its reminders are next looked at), so a scheduler tick asks for the alerts with a date not after now,
a page at a time, instead of listing every alert. An instant alert is due whenever it has matches
waiting: the matches say so themselves (``instant``), and its ``next_due`` is only set (to ``EPOCH``)
when it is saved, so that what waits for it then goes out at the next tick.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from indexer.alerts.model import Alert
from policyradar.crontab import crontab_trigger

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # "due at once", whatever a test's clock says


def trigger_for(alert: Alert) -> CronTrigger | None:
    """The APScheduler trigger of a scheduled alert (None for instant alerts)."""
    if alert.every == "instant":
        return None
    hour, minute = (int(part) for part in alert.at.split(":"))
    if alert.every == "daily":
        return CronTrigger(hour=hour, minute=minute, timezone=alert.timezone)
    if alert.every == "weekly":
        return CronTrigger(day_of_week="mon", hour=hour, minute=minute, timezone=alert.timezone)
    return crontab_trigger(alert.every, alert.timezone)


def due_fire_time(alert: Alert, now: datetime) -> datetime | None:
    """The latest scheduled fire time after the alert's last fire and not after ``now`` (several
    missed fire times coalesce into one), or None when nothing is due. Instant alerts are always due."""
    trigger = trigger_for(alert)
    if trigger is None:
        return now
    fire = next_fire_time(alert)
    if fire is None or fire > now:
        return None
    while (following := trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))) and following <= now:
        fire = following
    return fire


def next_fire_time(alert: Alert) -> datetime | None:
    """The first scheduled fire time after the alert's last fire (or its creation); for an instant
    alert, ``EPOCH``. Raises ValueError for a schedule that is not valid."""
    trigger = trigger_for(alert)
    if trigger is None:
        return EPOCH
    since = alert.last_fire or alert.created_at
    return trigger.get_next_fire_time(None, since + timedelta(seconds=1))


def first_reminder(alert: Alert) -> datetime | None:
    """When a new alert's reminders are first looked at: at once, if it sends any."""
    return EPOCH if alert.remind_days else None


def next_reminder_after(alert: Alert, now: datetime) -> datetime:
    """The first moment after ``now`` at the alert's time of day (``at``, in its zone): when the
    window of deadlines due a reminder next moves (``reminders.reminder_window``)."""
    zone = ZoneInfo(alert.timezone)
    hour, minute = (int(part) for part in alert.at.split(":"))
    local = now.astimezone(zone)
    moment = datetime.combine(local.date(), time(hour, minute), zone)
    while moment <= now:
        moment = datetime.combine(moment.date() + timedelta(days=1), time(hour, minute), zone)
    return moment.astimezone(UTC)


def as_field(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None
