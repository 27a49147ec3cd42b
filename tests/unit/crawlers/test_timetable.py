from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from crawlers.sources import Schedule
from crawlers.timetable import Timetable, first_due, following_due, interval_seconds, slot_fraction

HALF_HOUR = Schedule(every="30m")


def test_first_checks_of_many_sources_spread_evenly_over_the_interval():
    now = 1_000_000.0
    dues = sorted(first_due(f"source-{n}", HALF_HOUR, now, spread=1800) for n in range(10_000))
    assert now <= dues[0] and dues[-1] < now + 1800
    per_minute = [sum(1 for d in dues if now + 60 * m <= d < now + 60 * (m + 1)) for m in range(30)]
    assert min(per_minute) > 250 and max(per_minute) < 420  # about 333 a minute, never a burst


def test_a_source_keeps_its_slot_whatever_else_is_in_the_catalogue():
    assert slot_fraction("beijing-kw") == slot_fraction("beijing-kw")
    assert slot_fraction("beijing-kw") != slot_fraction("beijing-jxj")
    assert first_due("a", HALF_HOUR, 0.0, spread=60) < 60  # a short start spread caps the first wait


def test_a_late_source_skips_the_runs_it_missed_and_keeps_its_rhythm():
    assert following_due("a", HALF_HOUR, due=100.0, now=100.0) == 1900.0
    assert following_due("a", HALF_HOUR, due=100.0, now=5000.0) == 5500.0  # 100 + 3 x 1800


def test_cron_sources_fire_at_their_time_plus_a_per_source_offset_under_a_minute():
    schedule = Schedule(cron="30 8 * * 1-5", timezone="Asia/Shanghai")
    monday_7am = datetime(2025, 6, 2, 7, 0, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()
    due = following_due("cn-bureau", schedule, due=0.0, now=monday_7am)
    fire = datetime.fromtimestamp(due, ZoneInfo("Asia/Shanghai"))
    assert (fire.hour, fire.minute, fire.weekday()) == (8, 30, 0)
    assert interval_seconds(schedule) is None and fire.second < 60


def test_the_timetable_hands_out_each_due_source_once_and_plans_its_next_check():
    table = Timetable()
    table.plan("a", Schedule(every="10s"), 5.0)
    table.plan("b", Schedule(every="1h"), 50.0)
    assert table.pop_due(4.0) == []
    assert table.pop_due(6.0) == [("a", 5.0)]
    assert table.pop_due(6.0) == []
    assert table.next_due("a") == 15.0
    table.plan("a", Schedule(every="10s"), 7.0)  # replanned: the old entry is void
    table.remove("b")
    assert table.pop_due(60.0) == [("a", 7.0)]
    assert "b" not in table and len(table) == 1
    assert datetime.fromtimestamp(table.next_due("a"), UTC).second == 7  # 7 + 6 x 10 = 67 s
