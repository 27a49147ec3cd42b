import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawlers.schedule import in_shard, make_trigger, parse_shard
from crawlers.sources import Schedule
from policyradar.errors import PolicyRadarError


def test_every_source_belongs_to_exactly_one_shard():
    ids = [f"source-{n}" for n in range(200)]
    owners = [[k for k in range(3) if in_shard(source_id, (k, 3))] for source_id in ids]
    assert all(len(owner) == 1 for owner in owners)
    assert {owner[0] for owner in owners} == {0, 1, 2}


def test_shard_syntax():
    assert parse_shard("2/3") == (2, 3) and parse_shard(None) == (0, 1)
    for bad in ("3/3", "a/b", "1"):
        with pytest.raises(PolicyRadarError):
            parse_shard(bad)


def test_triggers_from_schedules():
    assert isinstance(make_trigger(Schedule(every="6h")), IntervalTrigger)
    cron = make_trigger(Schedule(cron="30 8 * * 1-5", timezone="Asia/Shanghai"))
    assert isinstance(cron, CronTrigger) and str(cron.timezone) == "Asia/Shanghai"
    with pytest.raises(ValueError, match="exactly one"):
        Schedule(every="1h", cron="* * * * *")
