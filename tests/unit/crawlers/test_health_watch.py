"""The scheduler's health watch: notices on transitions only, and Kafka being away is ridden out."""

from datetime import UTC, datetime

from kafka.errors import KafkaTimeoutError
from prometheus_client import REGISTRY

import crawlers.health_watch as watch_module
from crawlers.health import CrawlRun, HealthBook
from crawlers.health_checkpoint import Checkpoint, PositionedBook
from crawlers.health_watch import HealthWatch
from crawlers.run_feed import FeedRun
from policyradar.settings import Settings

LISTING = "https://bureau.example.gov.cn/list.html"


class FakeFeed:
    """Hands out prepared batches of runs; None stands for Kafka being away."""

    def __init__(self, *batches):
        self.batches = list(batches)
        self.away = False
        self.offset = 0

    def read_new(self):
        batch = self.batches.pop(0) if self.batches else []
        if batch is None:
            return None
        fed = [FeedRun(0, self.offset + n, run) for n, run in enumerate(batch)]
        self.offset += len(batch)
        return fed


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


class Written:
    """Stands for the checkpoint topic: what each write was handed; ``fail`` raises Kafka being away."""

    def __init__(self):
        self.writes: list[tuple[str, set[str], dict]] = []
        self.fail = False

    def __call__(self, _settings, writer, positioned, sources):
        if self.fail:
            raise KafkaTimeoutError("broker away")
        self.writes.append((writer, set(sources), dict(positioned.positions)))
        return len(sources)


class PositionedFeed(FakeFeed):
    def read_new(self):
        fed = super().read_new()
        if fed is not None:
            self.positions = {0: self.offset}
        return fed


def writing_watch(monkeypatch, *batches, checkpoint=None, every=0.0, sent=None):
    written = Written()
    monkeypatch.setattr(watch_module, "write_checkpoint", written)
    monkeypatch.setattr(watch_module, "load_checkpoint", lambda _settings, _days, exact: checkpoint)
    monkeypatch.setattr(watch_module, "CHECKPOINT_SECONDS", every)
    feed = PositionedFeed(*batches)
    feed.positions = {}
    watch = HealthWatch(
        Settings(operator_email="ops@example.com"),
        feed,
        lambda: {"a", "b"},
        notify=lambda _s, subject, _text, _event: (sent if sent is not None else []).append(subject) or [],
        writer="crawl-0of1",
        from_checkpoint=True,
    )
    return watch, written


def test_the_first_checkpoint_holds_every_source_and_later_ones_only_the_sources_that_ran(monkeypatch):
    watch, written = writing_watch(monkeypatch, [a_run("a", 5), a_run("b", 5)], [a_run("b", 0)], [])
    for _ in range(3):
        watch.check()
    assert written.writes == [("crawl-0of1", {"a", "b"}, {0: 2}), ("crawl-0of1", {"b"}, {0: 3})]


def test_a_checkpoint_kafka_refused_is_written_at_a_later_check_with_everything_since(monkeypatch):
    watch, written = writing_watch(monkeypatch, [a_run("a", 5)], [a_run("b", 5)], [])
    watch.check()
    written.fail = True
    watch.check()
    written.fail = False
    watch.check()
    assert written.writes == [("crawl-0of1", {"a"}, {0: 1}), ("crawl-0of1", {"b"}, {0: 2})]


def test_a_watch_started_from_its_own_checkpoint_writes_only_changes_and_keeps_the_flags(monkeypatch):
    book = PositionedBook(HealthBook(14), positions={0: 7})
    book.fold([FeedRun(0, 5, a_run("a", 0)), FeedRun(0, 6, a_run("b", 4))])
    watch, written = writing_watch(
        monkeypatch, [a_run("b", 3)], [a_run("a", 2)], checkpoint=Checkpoint("crawl-0of1", book, "t")
    )
    watch.feed.offset = 7
    watch.check()
    assert watch.flags["a"] and not watch.flags["b"]  # "a" is known broken without a run since
    watch.check()
    assert written.writes == [("crawl-0of1", {"b"}, {0: 8}), ("crawl-0of1", {"a"}, {0: 9})]
    assert watch.feed.positions == {0: 9}


def test_a_watch_started_from_another_writers_checkpoint_writes_everything_under_its_own_name(monkeypatch):
    book = PositionedBook(HealthBook(14), positions={0: 1})
    book.fold([FeedRun(0, 0, a_run("a", 5))])
    other = Checkpoint("crawl-0of3", book, "t")
    watch, written = writing_watch(monkeypatch, [a_run("b", 3)], checkpoint=other)
    watch.feed.offset = 1
    watch.check()
    assert written.writes == [("crawl-0of1", {"a", "b"}, {0: 2})]


def test_after_a_checkpoint_the_first_check_tells_nothing_and_later_changes_are_told(monkeypatch):
    book = PositionedBook(HealthBook(14), positions={0: 2})
    book.fold([FeedRun(0, 0, a_run("a", 0)), FeedRun(0, 1, a_run("b", 4))])
    sent: list[str] = []
    watch, _ = writing_watch(
        monkeypatch,
        [],
        [a_run("a", 3)],
        [a_run("b", 0)],
        checkpoint=Checkpoint("crawl-0of1", book, "t"),
        sent=sent,
    )
    watch.feed.offset = 2
    watch.check()
    assert sent == []  # "a" was broken before the restart: not news
    watch.check()
    watch.check()
    assert sent == ["source a recovered", "source b is broken"]


def test_checkpoints_are_written_at_most_every_interval_and_nothing_is_left_out(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(watch_module.time, "monotonic", lambda: clock[0])
    watch, written = writing_watch(monkeypatch, [a_run("a", 5)], [a_run("b", 5)], [a_run("a", 4)], every=60.0)
    watch.check()
    clock[0] += 30
    watch.check()  # too soon: "b" waits
    clock[0] += 31
    watch.check()
    assert written.writes == [("crawl-0of1", {"a"}, {0: 1}), ("crawl-0of1", {"a", "b"}, {0: 3})]
