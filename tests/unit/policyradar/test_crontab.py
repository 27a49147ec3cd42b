"""Cron expressions mean what crontab(5) says: days of the week count from Sunday = 0."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from policyradar.crontab import crontab_trigger, crontab_weekdays

UTC = ZoneInfo("UTC")


@pytest.mark.parametrize(
    ("field", "names"),
    [
        ("1-5", "mon,tue,wed,thu,fri"),
        ("0", "sun"),
        ("7", "sun"),
        ("0-6", "sun,mon,tue,wed,thu,fri,sat"),
        ("*/2", "sun,tue,thu,sat"),
        ("1-5/2", "mon,wed,fri"),
        ("1,3,6", "mon,wed,sat"),
        ("mon-fri", "mon-fri"),
        ("*", "*"),
        ("sat,0", "sat,sun"),
    ],
)
def test_numeric_days_become_the_crontab_day_names(field, names):
    assert crontab_weekdays(field) == names


def test_weekdays_fire_monday_to_friday():
    trigger = crontab_trigger("0 18 * * 1-5", "UTC")
    fires, now = [], datetime(2024, 3, 9, tzinfo=UTC)  # a Saturday
    for _ in range(6):
        now = trigger.get_next_fire_time(None, now)
        fires.append(now.strftime("%a"))
        now = now.replace(minute=1)
    assert fires == ["Mon", "Tue", "Wed", "Thu", "Fri", "Mon"]


@pytest.mark.parametrize("expression", ["0 18 * * 8", "0 18 * * 5-1", "0 18 * *", "0 25 * * *", "x 1 * * *"])
def test_expressions_that_are_not_crontab_are_refused(expression):
    with pytest.raises(ValueError):
        crontab_trigger(expression, "UTC")
