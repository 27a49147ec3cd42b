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


def observed(days_ago: float, **counts) -> CrawlRun:
    at = (NOW - timedelta(days=days_ago)).isoformat()
    return CrawlRun("src", at, at, 3, 0, 0, 0, False, "finished", **counts)


LISTING = "https://bureau.example.gov.cn/tzgg/index.html"
FEED = "https://bureau.example.gov.cn/rss.xml"


def flags_of(*runs: CrawlRun) -> list[str]:
    return assess(["src"], list(runs), days=14, now=NOW)[0].flags


def test_a_healthy_run_flags_nothing():
    run_ok = observed(1, entry_links={LISTING: 20}, pages_checked=5, selector_misses={"title": 0})
    assert flags_of(run_ok) == []


def test_an_entry_point_that_yields_no_links_is_flagged_after_the_first_such_run():
    first = observed(2, entry_links={LISTING: 20, FEED: 10})
    (flag,) = flags_of(first, observed(1, entry_links={LISTING: 0, FEED: 10}))
    assert flag == f"entry point {LISTING} yielded no links"


def test_http_errors_on_entry_points_are_flagged_with_the_status():
    flags = flags_of(observed(1, entry_links={FEED: 4}, entry_errors={LISTING: "HTTP 500"}))
    assert flags == [f"entry point {LISTING} failed: HTTP 500"]


def test_selectors_that_stop_matching_are_flagged_only_if_they_matched_before():
    before = observed(2, entry_links={LISTING: 9}, pages_checked=4, selector_misses={"title": 0, "date": 1})
    now_missing = observed(
        1, entry_links={LISTING: 9}, pages_checked=4, selector_misses={"title": 4, "date": 1}
    )
    assert flags_of(before, now_missing) == [
        "title selector matched nothing on 4 of 4 pages (it matched in earlier runs)"
    ]
    # A selector that never matched is a spec to fix, not a change on the site.
    never = observed(2, entry_links={LISTING: 9}, pages_checked=4, selector_misses={"title": 4})
    assert flags_of(never, now_missing) == []
    # One odd page among many is not a redesign.
    one_odd = observed(1, entry_links={LISTING: 9}, pages_checked=10, selector_misses={"title": 1})
    assert flags_of(before, one_odd) == []


def test_summaries_written_before_the_health_counts_still_load_and_flag_nothing():
    old = {
        "source_id": "src",
        "started_at": NOW.isoformat(),
        "finished_at": NOW.isoformat(),
        "records": 2,
        "unchanged": 0,
        "quarantined": 0,
        "errors": 0,
        "failed": False,
        "finish_reason": "finished",
    }
    run_old = CrawlRun(**old)
    assert run_old.entry_links == {} and flags_of(run_old) == []


def test_went_silent_is_a_flag_too():
    runs = [run(60 - d, 1) for d in range(0, 40, 2)] + [run(d, 0) for d in (10, 5, 1)]
    (health,) = assess(["src"], runs, days=14, now=NOW)
    assert health.broken and health.flags[-1].startswith("went silent: no new records in 14 days")


def test_a_recovered_run_clears_the_flags():
    broken = observed(2, entry_links={LISTING: 0})
    assert flags_of(broken) and not flags_of(broken, observed(1, entry_links={LISTING: 7}))
