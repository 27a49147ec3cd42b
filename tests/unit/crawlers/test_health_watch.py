"""The scheduler's health watch: notices on transitions only, and Kafka being away is ridden out."""

from datetime import UTC, datetime

from prometheus_client import REGISTRY

from crawlers.health import CrawlRun
from crawlers.health_watch import HealthWatch
from policyradar.settings import Settings

LISTING = "https://bureau.example.gov.cn/list.html"


class FakeFeed:
    """Hands out prepared batches of runs; None stands for Kafka being away."""

    def __init__(self, *batches):
        self.batches = list(batches)
        self.away = False

    def read_new(self):
        return self.batches.pop(0) if self.batches else []


def a_run(source_id: str, links: int) -> CrawlRun:
    at = datetime.now(UTC).isoformat()
    return CrawlRun(source_id, at, at, 1, 0, 0, 0, False, "finished", entry_links={LISTING: links})


def watch_over(*batches, watched=("src",), email="ops@example.com"):
    sent = []
    settings = Settings(operator_email=email)
    watch = HealthWatch(
        settings,
        FakeFeed(*batches),
        lambda: set(watched),
        notify=lambda _s, subject, text, event: sent.append((subject, event["type"])) or [],
    )
    return watch, sent


def test_only_changes_between_healthy_and_broken_are_told():
    batches = [[a_run("src", 5)], [a_run("src", 0)], [a_run("src", 0)], [a_run("src", 0)], [a_run("src", 4)]]
    watch, sent = watch_over(*batches)
    for _ in batches:
        watch.check()
    assert sent == [("source src is broken", "source.broken"), ("source src recovered", "source.recovered")]


def test_the_history_read_at_start_sets_the_baseline_without_telling():
    watch, sent = watch_over([a_run("src", 5), a_run("src", 0)], [a_run("src", 0)])
    watch.check()
    watch.check()
    assert sent == [] and watch.flags["src"]


def test_kafka_away_for_a_while_changes_nothing_and_later_runs_are_still_seen():
    watch, sent = watch_over([a_run("src", 5)], None, None, [a_run("src", 0)])
    for _ in range(4):
        watch.check()
    assert sent == [("source src is broken", "source.broken")]


def test_sources_of_other_shards_and_a_missing_operator_address_send_nothing():
    watch, sent = watch_over([a_run("other", 5)], [a_run("other", 0)])
    watch.check()
    watch.check()
    quiet, quiet_sent = watch_over([a_run("src", 5)], [a_run("src", 0)], email=None)
    quiet.check()
    quiet.check()
    assert sent == [] and quiet_sent == [] and quiet.flags["src"]


def a_dated_run(source_id: str, day: str, records: int, unchanged: int, *, failed: bool) -> CrawlRun:
    start, end = f"{day}T00:00:00+00:00", f"{day}T00:01:00+00:00"
    return CrawlRun(source_id, start, end, records, unchanged, 1, 0, failed)


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_runs_after_start_are_counted_for_prometheus_and_earlier_ones_only_date_the_last_success():
    old = CrawlRun("metered", "2026-01-01T00:00:00+00:00", "2026-01-01T00:01:00+00:00", 7, 0, 0, 0, False)
    new = CrawlRun("metered", "2026-02-01T00:00:00+00:00", "2026-02-01T00:01:00+00:00", 3, 9, 1, 0, False)
    failed = CrawlRun("metered", "2026-02-02T00:00:00+00:00", "2026-02-02T00:01:00+00:00", 0, 0, 0, 2, True)
    other_shard = CrawlRun(
        "elsewhere", "2026-02-01T00:00:00+00:00", "2026-02-01T00:01:00+00:00", 5, 0, 0, 0, False
    )
    before = {
        r: sample("policyradar_pages_total", source="metered", result=r) for r in ("fetched", "unchanged")
    }
    watch, _ = watch_over([old], [new, failed, other_shard], watched=("metered",))
    watch.check()
    watch.check()
    assert sample("policyradar_pages_total", source="metered", result="fetched") - before["fetched"] == 3
    assert sample("policyradar_pages_total", source="metered", result="unchanged") - before["unchanged"] == 9
    assert sample("policyradar_crawl_runs_total", source="metered", outcome="failed") >= 1
    assert sample("policyradar_pages_total", source="elsewhere", result="fetched") == 0
    last = sample("policyradar_source_last_success_timestamp_seconds", source="metered")
    assert last == datetime(2026, 2, 1, 0, 1, tzinfo=UTC).timestamp()


def test_readiness_says_why_while_kafka_cannot_be_read():
    watch, _ = watch_over()
    watch.feed.away = True
    assert "cannot be read" in (watch.readiness() or "")
    watch.feed.away = False
    assert watch.readiness() is None
