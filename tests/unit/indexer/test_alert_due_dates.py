"""When alerts are next due: the dates the scheduler finds due alerts by."""

from __future__ import annotations

from datetime import UTC, datetime

from indexer.alerts.due import EPOCH, due_fire_time, first_reminder, next_fire_time, next_reminder_after
from indexer.alerts.model import Alert

CREATED = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def alert(**fields) -> Alert:
    return Alert(name="a", owner="o", created_at=CREATED, **fields)


def test_a_daily_alert_is_next_due_at_its_first_fire_time_after_creation():
    daily = alert(every="daily", at="08:00")
    assert next_fire_time(daily) == datetime(2025, 3, 4, 0, 0, tzinfo=UTC)  # 08:00 the next morning
    assert due_fire_time(daily, datetime(2025, 3, 4, 0, 0, tzinfo=UTC)) == next_fire_time(daily)


def test_after_a_fire_the_next_due_date_is_the_following_fire_time():
    fired = alert(every="daily", at="08:00", last_fire=datetime(2025, 3, 4, 0, 0, tzinfo=UTC))
    assert next_fire_time(fired) == datetime(2025, 3, 5, 0, 0, tzinfo=UTC)


def test_an_instant_alert_is_due_at_once_when_saved():
    assert next_fire_time(alert(every="instant")) == EPOCH


def test_reminders_are_looked_at_once_at_first_then_daily_at_the_alerts_time():
    reminding = alert(remind_days=3, at="08:00")
    assert first_reminder(reminding) == EPOCH and first_reminder(alert()) is None
    before = datetime(2025, 3, 3, 23, 59, tzinfo=UTC)  # 07:59 in Shanghai
    assert next_reminder_after(reminding, before) == datetime(2025, 3, 4, 0, 0, tzinfo=UTC)
    at = datetime(2025, 3, 4, 0, 0, tzinfo=UTC)
    assert next_reminder_after(reminding, at) == datetime(2025, 3, 5, 0, 0, tzinfo=UTC)
