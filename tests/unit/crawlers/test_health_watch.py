"""The scheduler's health watch: notices on transitions only, and Kafka being away is ridden out."""

from datetime import UTC, datetime

from crawlers.health import CrawlRun
from crawlers.health_watch import HealthWatch
from policyradar.settings import Settings

LISTING = "https://bureau.example.gov.cn/list.html"


class FakeFeed:
    """Hands out prepared batches of runs; None stands for Kafka being away."""

    def __init__(self, *batches):
        self.batches = list(batches)

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
