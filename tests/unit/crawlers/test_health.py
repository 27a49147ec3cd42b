from datetime import UTC, datetime, timedelta

from crawlers.health import CrawlRun, assess

NOW = datetime(2026, 3, 31, tzinfo=UTC)


def run(days_ago: float, records: int, failed: bool = False, quarantined: int = 0) -> CrawlRun:
    at = (NOW - timedelta(days=days_ago)).isoformat()
    return CrawlRun("src", at, at, records, 0, quarantined, 1 if failed else 0, failed)


def test_a_source_that_usually_yields_but_went_quiet_is_flagged():
    runs = [run(60 - d, 1) for d in range(0, 40, 2)] + [run(d, 0) for d in (10, 5, 1)]
    (health,) = assess(["src"], runs, days=14, now=NOW)
    assert health.went_silent and health.recent_records == 0 and health.consecutive_failures == 0


def test_failures_are_counted_from_the_last_success():
    runs = [run(5, 3), run(3, 0, failed=True), run(2, 0, failed=True), run(1, 1, quarantined=2)]
    (health,) = assess(["src"], runs, days=14, now=NOW)
    assert health.consecutive_failures == 0 and health.recent_records == 4 and health.extraction_failures == 2
    runs.append(run(0.5, 0, failed=True))
    assert assess(["src"], runs, days=14, now=NOW)[0].consecutive_failures == 1


def test_a_new_or_rare_source_is_not_called_silent():
    assert not assess(["src"], [run(3, 0)], days=14, now=NOW)[0].went_silent
    assert assess(["other"], [], days=14, now=NOW)[0].notes == ["never crawled"]
