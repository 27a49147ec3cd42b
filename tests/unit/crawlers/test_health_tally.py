"""Per-source health records folded run by run give the answers the whole sorted history gave,
whatever order the runs arrive in, and keep only the window's runs."""

import random
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import ClassVar

import pytest

import crawlers.health as health_module
import launcher.sources_desk as desk_module
from crawlers.health import (
    CLOCK_SKEW,
    CrawlRun,
    HealthBook,
    SourceHealth,
    SourceRecord,
    assess,
    assess_source,
)
from crawlers.run_feed import FeedRun
from policyradar.settings import Settings

NOW = datetime(2026, 3, 31, 12, tzinfo=UTC)
LISTING = "https://bureau.example.gov.cn/list.html"


# The report as it was computed before the records: every run of the source, sorted, scanned.
def reference_health(source_id: str, runs: list[CrawlRun], days: int, now: datetime) -> SourceHealth:
    own = sorted((run for run in runs if run.source_id == source_id), key=lambda run: run.started_at)
    window_start = now - timedelta(days=days)
    health = SourceHealth(source_id, runs=len(own))
    for run in own:
        if run.failed:
            health.consecutive_failures += 1
        else:
            health.consecutive_failures = 0
            health.last_success = run.finished_at
        if datetime.fromisoformat(run.started_at) >= window_start:
            health.recent_records += run.records
            health.extraction_failures += run.quarantined
    if not own:
        health.notes.append("never crawled")
        return health
    first = datetime.fromisoformat(own[0].started_at)
    span_days = max((now - first).total_seconds() / 86400, days)
    health.usual_per_window = sum(run.records for run in own) * days / span_days
    health.went_silent = first < window_start and health.recent_records == 0 and health.usual_per_window >= 2
    latest, earlier = own[-1], own[:-1]
    health.flags = [f"entry point {url} failed: {error}" for url, error in latest.entry_errors.items()]
    health.flags += [f"entry point {url} yielded no links" for url, n in latest.entry_links.items() if not n]
    for name, misses in sorted(latest.selector_misses.items()):
        matched_before = any(
            name in r.selector_misses and r.selector_misses[name] < r.pages_checked for r in earlier
        )
        if misses and 2 * misses >= latest.pages_checked and matched_before:
            health.flags.append(
                f"{name} selector matched nothing on {misses} of {latest.pages_checked} pages "
                "(it matched in earlier runs)"
            )
    if health.went_silent:
        health.flags.append(
            f"went silent: no new records in {days} days (usually {health.usual_per_window:.0f})"
        )
    return health


def random_run(rng: random.Random, source_id: str, hours_ago: float) -> CrawlRun:
    started = NOW - timedelta(hours=hours_ago)
    finished = started + timedelta(minutes=rng.randint(1, 30))
    pages = rng.choice([0, 2, 4, 10])
    return CrawlRun(
        source_id,
        started.isoformat(),
        finished.isoformat(),
        records=rng.choice([0, 0, 0, 1, 2, 5]),
        unchanged=rng.randint(0, 3),
        quarantined=rng.choice([0, 0, 0, 1, 3]),
        errors=0,
        failed=rng.random() < 0.35,
        entry_links={LISTING: rng.choice([0, 3, 8, 8])},
        entry_errors={LISTING: "HTTP 500"} if rng.random() < 0.1 else {},
        pages_checked=pages,
        selector_misses={name: rng.randint(0, pages) for name in ("title", "date") if rng.random() < 0.7},
    )


def random_history(rng: random.Random, source_id: str, count: int, oldest_hours: int) -> list[CrawlRun]:
    """Runs on a whole-hour grid, so that some start at the same moment (ties keep arrival order)."""
    return [random_run(rng, source_id, rng.randint(0, oldest_hours)) for _ in range(count)]


def in_order(runs: list[CrawlRun]) -> list[CrawlRun]:
    return sorted(runs, key=lambda run: run.started_at)


def lateness(arrival: list[CrawlRun]) -> timedelta:
    """How far the latest-arriving run started before the newest one that arrived before it."""
    newest, most = datetime.min.replace(tzinfo=UTC), timedelta(0)
    for run in arrival:
        started = datetime.fromisoformat(run.started_at)
        newest = max(newest, started)
        most = max(most, newest - started)
    return most


def folded(runs: list[CrawlRun], days: int, *, prune: bool = True) -> SourceRecord:
    record = SourceRecord(runs[0].source_id if runs else "src", days, prune=prune)
    for run in runs:
        record.fold(run)
    return record


@pytest.mark.parametrize("seed", range(200))
def test_assess_matches_the_sorted_scan_for_runs_in_any_order(seed):
    rng = random.Random(seed)
    runs = random_history(rng, "a", rng.randint(1, 60), 24 * 60) + random_history(rng, "b", 20, 24 * 10)
    runs += [random_run(rng, "a", -rng.randint(1, 30))]  # stamped ahead of the assessing clock
    days = rng.choice([1, 7, 14, 30])
    rng.shuffle(runs)
    expected = [reference_health(s, runs, days, NOW) for s in ("a", "b", "never")]
    assert [asdict(h) for h in assess(["a", "b", "never"], runs, days, NOW)] == [asdict(h) for h in expected]


@pytest.mark.parametrize("seed", range(200))
def test_a_pruned_record_matches_the_sorted_scan_when_runs_arrive_late_within_the_window(seed):
    rng = random.Random(1000 + seed)
    days = rng.choice([1, 7, 14])
    runs = in_order(random_history(rng, "src", rng.randint(1, 120), 24 * 3 * days))
    arrival = [run for _, run in sorted((i + rng.uniform(0, 6), run) for i, run in enumerate(runs))]
    newest = max(datetime.fromisoformat(run.started_at) for run in arrival)
    record = folded(arrival, days)
    too_late = lateness(arrival) >= timedelta(days=days)
    for now in (newest, NOW, NOW + timedelta(days=days / 2)):
        health = asdict(assess_source(record, now))
        expected = asdict(reference_health("src", arrival, days, now))
        if too_late:  # see the too-late test: the failure count may stay higher, the rest is exact
            assert health.pop("consecutive_failures") >= expected.pop("consecutive_failures")
        assert health == expected


def test_a_late_success_among_failures_ends_the_failure_count_where_it_belongs():
    ok = CrawlRun("src", "2026-03-30T00:00:00+00:00", "2026-03-30T00:05:00+00:00", 1, 0, 0, 0, False)
    fails = [
        CrawlRun("src", f"2026-03-30T0{h}:00:00+00:00", f"2026-03-30T0{h}:01:00+00:00", 0, 0, 0, 1, True)
        for h in (1, 2, 3, 4)
    ]
    late_ok = CrawlRun("src", "2026-03-30T02:30:00+00:00", "2026-03-30T02:40:00+00:00", 2, 0, 0, 0, False)
    late_fail = CrawlRun("src", "2026-03-30T00:30:00+00:00", "2026-03-30T00:31:00+00:00", 0, 0, 0, 1, True)
    arrival = [ok, *fails, late_ok, late_fail]
    record = folded(arrival, 14)
    assert (record.consecutive_failures, record.last_success) == (2, "2026-03-30T02:40:00+00:00")
    assert asdict(assess_source(record, NOW)) == asdict(reference_health("src", arrival, 14, NOW))


def test_a_late_run_does_not_replace_the_latest_but_counts_among_the_earlier_ones():
    matched = CrawlRun(
        "src", "2026-03-29T00:00:00+00:00", "2026-03-29T00:01:00+00:00", 1, 0, 0, 0, False,
        entry_links={LISTING: 4}, pages_checked=4, selector_misses={"title": 0},
    )  # fmt: skip
    missing = CrawlRun(
        "src", "2026-03-30T00:00:00+00:00", "2026-03-30T00:01:00+00:00", 1, 0, 0, 0, False,
        entry_links={LISTING: 4}, pages_checked=4, selector_misses={"title": 4},
    )  # fmt: skip
    record = folded([missing, matched], 14)
    assert record.latest is missing
    assert assess_source(record, NOW).flags == [
        "title selector matched nothing on 4 of 4 pages (it matched in earlier runs)"
    ]


def test_a_success_later_than_the_window_keeps_the_failure_count_it_cannot_recount():
    failing = [
        CrawlRun("src", at.isoformat(), at.isoformat(), 0, 0, 0, 1, True)
        for at in (NOW - timedelta(days=d) for d in range(30, -1, -1))
    ]
    too_late = NOW - timedelta(days=20)
    record = folded([*failing, CrawlRun("src", too_late.isoformat(), "late", 1, 0, 0, 0, False)], 14)
    assert record.last_success == "late" and record.consecutive_failures == len(failing)


def test_the_window_forgets_runs_as_it_moves_and_its_sums_follow_now():
    runs = [
        CrawlRun("src", at.isoformat(), at.isoformat(), 1, 0, 1, 0, False)
        for at in (NOW - timedelta(days=40) + timedelta(hours=6 * i) for i in range(4 * 40 + 1))
    ]
    record = folded(runs, 7)
    oldest_kept = min(kept.started for kept in record.window)
    assert oldest_kept >= NOW - timedelta(days=7) - CLOCK_SKEW
    assert len(record.window) == 4 * 7 + 1
    for later in (0, 1.5, 3, 6.9):
        now = NOW + timedelta(days=later)
        health = assess_source(record, now)
        expected = reference_health("src", runs, 7, now)
        assert (health.recent_records, health.extraction_failures) == (
            expected.recent_records,
            expected.extraction_failures,
        )
        assert health.recent_records < 4 * 7 + 1 or later == 0


def test_runs_that_count_for_nothing_in_the_window_are_not_kept():
    quiet = [
        CrawlRun("src", at.isoformat(), at.isoformat(), 0, 5, 0, 0, False)
        for at in (NOW - timedelta(hours=h) for h in range(100, 0, -1))
    ]
    assert len(folded(quiet, 14).window) == 0


def test_after_ten_thousand_runs_a_record_holds_only_the_window():
    start = NOW - timedelta(minutes=30 * 10_000)
    runs = [
        CrawlRun("src", at.isoformat(), at.isoformat(), 1, 0, 0, 0, i % 7 == 0)
        for i, at in enumerate(start + timedelta(minutes=30 * i) for i in range(10_000))
    ]
    book = HealthBook(14)
    book.fold(runs)
    record = book.records["src"]
    runs_in_window_and_skew = 14 * 48 + 2 + 1  # one every 30 minutes over 14 days and an hour, both ends
    assert record.runs == 10_000 and len(record.window) <= runs_in_window_and_skew
    assert asdict(assess_source(record, NOW)) == asdict(reference_health("src", runs, 14, NOW))


class BatchFeed:
    """Stands for the crawl-run topic read from where the last read stopped."""

    batches: ClassVar[list[list[CrawlRun]]] = []
    made: ClassVar[int] = 0

    def __init__(self, _settings, _positions=None):
        BatchFeed.made += 1
        self.offset = 0

    def chunks(self, _size):
        batch = BatchFeed.batches.pop(0) if BatchFeed.batches else []
        yield [FeedRun(0, self.offset + n, run) for n, run in enumerate(batch)]
        self.offset += len(batch)

    def close(self):
        pass


def test_the_sources_desk_folds_only_the_runs_written_since_its_last_call(tmp_path, monkeypatch):
    (tmp_path / "src.yaml").write_text(
        "id: src\nname: Src\npublisher_kind: media\njurisdiction: CN\nlanguage: en\n"
        "entry_points:\n  - kind: feed\n    url: https://example.gov.cn/rss.xml\n"
    )
    rng = random.Random(7)
    first, second = random_history(rng, "src", 30, 24 * 20), random_history(rng, "src", 5, 24)
    monkeypatch.setattr(desk_module, "RunFeed", BatchFeed)
    monkeypatch.setattr(desk_module, "load_checkpoint", lambda _settings, _days: None)  # none on Kafka
    BatchFeed.batches, BatchFeed.made = [first, second], 0
    desk = desk_module.LauncherSourcesDesk(Settings(sources_dir=tmp_path))
    assert desk.health(14)[0]["runs"] == 30
    (row,) = desk.health(14)
    assert row["runs"] == 35 and BatchFeed.made == 1
    expected = asdict(reference_health("src", first + second, 14, datetime.now(UTC)))
    assert {key: row[key] for key in ("runs", "consecutive_failures", "last_success")} == {
        key: expected[key] for key in ("runs", "consecutive_failures", "last_success")
    }
    for days in (1, 2, 3, 4, 5):
        desk.health(days)
    assert list(desk.books) == [2, 3, 4, 5]  # the window asked for least recently is forgotten


@pytest.mark.parametrize("seed", range(50))
def test_runs_streamed_in_chunks_into_pruned_records_give_the_sorted_scans_answer(seed, monkeypatch):
    """What ``status`` and ``sources health`` do with the whole crawl-runs topic: never a list of it."""
    monkeypatch.setattr(health_module, "FOLD_CHUNK", 7)
    rng = random.Random(seed)
    runs = random_history(rng, "a", rng.randint(1, 60), 24 * 60) + random_history(rng, "b", 20, 24 * 10)
    runs += [random_run(rng, "a", -rng.uniform(0, 0.9))]  # stamped ahead of the clock, within the skew
    days = rng.choice([1, 7, 14, 30])
    runs.sort(key=lambda run: run.finished_at)  # as the topic holds them: each sent when it ended
    expected = [asdict(reference_health(s, runs, days, NOW)) for s in ("a", "b", "never")]
    streamed = assess(["a", "b", "never"], (run for run in runs), days, NOW, prune=True)
    assert [asdict(h) for h in streamed] == expected


@pytest.mark.parametrize("seed", range(100))
def test_a_record_tells_any_shorter_window_as_a_record_of_that_window_would(seed):
    rng = random.Random(4000 + seed)
    runs = in_order(random_history(rng, "src", rng.randint(1, 150), 24 * 40))
    record = folded(runs, 14)
    for days in (1, 3, 7, 14):
        for now in (NOW, NOW + timedelta(hours=rng.randint(0, 24 * 5))):
            assert asdict(assess_source(record, now, days)) == asdict(
                reference_health("src", runs, days, now)
            )
    with pytest.raises(ValueError, match="14-day window cannot tell a 30-day one"):
        assess_source(record, NOW, 30)
