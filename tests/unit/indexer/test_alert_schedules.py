"""When an alert fires: daily, weekly, cron and instant schedules in the alert's time zone, missed
fire times coalescing into the latest one, nothing due before the first fire time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from indexer.alerts.digest import due_fire_time, trigger_for
from indexer.alerts.model import Alert

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


def alert(every: str = "daily", at: str = "08:00", timezone: str = "Asia/Shanghai", **fields) -> Alert:
    created = fields.pop("created_at", datetime(2024, 3, 5, 0, 30, tzinfo=UTC))  # 08:30 in Shanghai
    return Alert(name="ai", owner="ops", every=every, at=at, timezone=timezone, created_at=created, **fields)


def test_instant_alerts_have_no_trigger_and_are_always_due():
    now = datetime(2024, 3, 5, 1, 2, 3, tzinfo=UTC)
    assert trigger_for(alert("instant")) is None
    assert due_fire_time(alert("instant"), now) == now


def test_a_daily_alert_fires_at_its_time_in_its_own_zone():
    trigger = trigger_for(alert("daily", at="08:00"))
    fire = trigger.get_next_fire_time(None, datetime(2024, 3, 5, 0, 30, tzinfo=UTC))
    assert fire == datetime(2024, 3, 6, 8, 0, tzinfo=SHANGHAI)
    assert fire == datetime(2024, 3, 6, 0, 0, tzinfo=UTC)


def test_nothing_is_due_before_the_first_fire_time_after_creation():
    # Created at 08:30 Shanghai time: today's 08:00 has passed, so the first fire is tomorrow's.
    assert due_fire_time(alert(), datetime(2024, 3, 5, 23, 59, 59, tzinfo=UTC)) is None


def test_the_first_fire_time_is_due_at_that_very_instant():
    due = due_fire_time(alert(), datetime(2024, 3, 6, 0, 0, tzinfo=UTC))
    assert due == datetime(2024, 3, 6, 8, 0, tzinfo=SHANGHAI)


def test_missed_fire_times_coalesce_into_the_latest():
    last = datetime(2024, 3, 6, 8, 0, tzinfo=SHANGHAI)
    due = due_fire_time(alert(last_fire=last), datetime(2024, 3, 10, 12, 0, tzinfo=UTC))
    assert due == datetime(2024, 3, 10, 8, 0, tzinfo=SHANGHAI)


def test_an_alert_that_fired_at_its_last_time_is_not_due_again_until_the_next():
    last = datetime(2024, 3, 6, 8, 0, tzinfo=SHANGHAI)
    assert due_fire_time(alert(last_fire=last), last) is None
    assert due_fire_time(alert(last_fire=last), last + timedelta(hours=23, minutes=59)) is None
    assert due_fire_time(alert(last_fire=last), last + timedelta(days=1)) == last + timedelta(days=1)


def test_weekly_alerts_fire_on_mondays():
    # 2024-03-05 is a Tuesday; the Mondays after it are the 11th and the 18th.
    assert trigger_for(alert("weekly", at="09:30")).get_next_fire_time(
        None, datetime(2024, 3, 5, tzinfo=UTC)
    ) == datetime(2024, 3, 11, 9, 30, tzinfo=SHANGHAI)
    due = due_fire_time(alert("weekly", at="09:30"), datetime(2024, 3, 20, tzinfo=UTC))
    assert due == datetime(2024, 3, 18, 9, 30, tzinfo=SHANGHAI)


def test_a_cron_schedule_is_due_at_its_latest_matching_minute():
    cron = alert("*/15 * * * *", timezone="UTC", created_at=datetime(2024, 3, 5, 10, 7, tzinfo=UTC))
    assert due_fire_time(cron, datetime(2024, 3, 5, 10, 14, 59, tzinfo=UTC)) is None
    assert due_fire_time(cron, datetime(2024, 3, 5, 10, 44, tzinfo=UTC)) == datetime(
        2024, 3, 5, 10, 30, tzinfo=UTC
    )


@pytest.mark.parametrize("days", ["mon-fri", "1-5"])
def test_cron_weekday_ranges_mean_monday_to_friday_as_in_crontab(days):
    weekdays = alert(f"0 18 * * {days}", timezone="Asia/Shanghai")
    # From Tuesday 08:30 to Sunday noon (Shanghai): Friday 18:00 is the latest weekday fire.
    assert due_fire_time(weekdays, datetime(2024, 3, 10, 4, 0, tzinfo=UTC)) == datetime(
        2024, 3, 8, 18, 0, tzinfo=SHANGHAI
    )


def test_local_time_holds_across_a_daylight_saving_change():
    created = datetime(2024, 3, 8, 20, 0, tzinfo=UTC)
    new_york = alert("daily", at="09:00", timezone="America/New_York", created_at=created)
    before = due_fire_time(new_york, datetime(2024, 3, 9, 14, 0, tzinfo=UTC))
    after = due_fire_time(
        new_york.model_copy(update={"last_fire": before}), datetime(2024, 3, 10, 13, 0, tzinfo=UTC)
    )
    assert before == datetime(2024, 3, 9, 9, 0, tzinfo=NEW_YORK) == datetime(2024, 3, 9, 14, 0, tzinfo=UTC)
    assert after == datetime(2024, 3, 10, 9, 0, tzinfo=NEW_YORK) == datetime(2024, 3, 10, 13, 0, tzinfo=UTC)


def test_the_same_hour_in_two_zones_is_two_different_instants():
    now = datetime(2024, 3, 6, 12, 0, tzinfo=UTC)
    created = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)
    shanghai = due_fire_time(alert(at="18:00", created_at=created), now)
    london = due_fire_time(alert(at="18:00", timezone="Europe/London", created_at=created), now)
    assert shanghai == datetime(2024, 3, 6, 10, 0, tzinfo=UTC)
    assert london == datetime(2024, 3, 5, 18, 0, tzinfo=UTC)


def test_a_cron_expression_the_scheduler_cannot_read_raises_value_error():
    with pytest.raises(ValueError):
        due_fire_time(alert("61 * * * *"), datetime(2024, 3, 6, tzinfo=UTC))
