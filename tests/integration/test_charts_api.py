"""``GET /api/search/charts`` on the real OpenSearch node: the timeline and the subsidy money by
province of a search, checked against the search itself and against sums made in Python from the
records (tests/integration/charts_records.py)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from indexer.api import create_app
from indexer.engine import Engine
from policyradar.schemas import EnrichedRecord
from policyradar.settings import Settings
from tests.fixtures.app_server import serve_app
from tests.integration.charts_records import (
    chart_records,
    expected_provinces,
    index_for_charts,
    portal_copy,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def records() -> dict[str, EnrichedRecord]:
    return chart_records()


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[httpx.Client]:
    with serve_app(create_app(settings, engine)) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


@pytest.fixture
def indexed(settings: Settings, engine: Engine, records: dict[str, EnrichedRecord]) -> list[EnrichedRecord]:
    index_for_charts(engine, settings.index_alias, list(records.values()))
    return list(records.values())


def charts(client: httpx.Client, params: dict | list | None = None) -> dict:
    response = client.get("/api/search/charts", params=params or {})
    assert response.status_code == 200, response.text
    return response.json()


def search_total(client: httpx.Client, params: dict | list) -> int:
    response = client.get("/api/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()["total"]


def by_province(answer: dict) -> dict[str, dict]:
    return {
        p["province"]: {"count": p["count"], "subsidy_cny": p["subsidy_cny"]} for p in answer["provinces"]
    }


def test_the_timeline_counts_the_matching_announcements_per_month_with_empty_months_between(client, indexed):
    answer = charts(client, {"interval": "month"})
    assert answer["counts"] == "documents"  # these documents have no cluster yet: each counts
    assert answer["interval"] == "month"
    assert [(p["start"], p["end"], p["count"]) for p in answer["timeline"]] == [
        ("2024-01-01", "2024-01-31", 1),
        ("2024-02-01", "2024-02-29", 2),
        ("2024-03-01", "2024-03-31", 0),
        ("2024-04-01", "2024-04-30", 2),
    ]
    assert answer["undated"] == 1


def test_auto_shows_weeks_from_monday_to_sunday_when_the_matches_span_a_few_months(client, indexed):
    answer = charts(client)
    assert answer["interval"] == "week"
    weeks = answer["timeline"]
    assert weeks[0] == {"start": "2024-01-08", "end": "2024-01-14", "count": 1}  # 10 January 2024
    assert weeks[-1] == {"start": "2024-04-15", "end": "2024-04-21", "count": 1}
    assert sum(w["count"] for w in weeks) == 5
    assert all(w["count"] == 0 for w in weeks if w["start"] == "2024-03-04")


@pytest.mark.parametrize("interval", ["week", "month"])
def test_filtering_on_a_bars_first_and_last_day_finds_its_count_again(client, indexed, interval):
    for period in charts(client, {"interval": interval})["timeline"]:
        total = search_total(client, {"date_from": period["start"], "date_to": period["end"]})
        assert total == period["count"], period


def test_province_money_adds_each_distinct_subsidy_once_per_announcement_and_province(client, indexed):
    answer = charts(client)
    expected = expected_provinces(indexed)
    assert by_province(answer) == expected
    # 1000万元 written three times in the Shenzhen notice counts once, with its 50万元 beside it; the
    # notice naming Shanghai and Shenzhen counts in both provinces.
    assert expected["Guangdong"] == {"count": 3, "subsidy_cny": 10_000_000 + 500_000 + 5_000_000 + 2_000_000}
    assert expected["Shanghai"] == {"count": 1, "subsidy_cny": 2_000_000}
    assert [p["province"] for p in answer["provinces"]][:2] == ["Guangdong", "Beijing"]  # most money first
    guangdong = answer["provinces"][0]
    assert guangdong["with_subsidy"] == 3 and guangdong["amounts"] == 4 and guangdong["complete"] is True
    zhejiang = next(p for p in answer["provinces"] if p["province"] == "Zhejiang")
    assert zhejiang == {
        "province": "Zhejiang",
        "count": 1,
        "with_subsidy": 0,
        "subsidy_cny": 0.0,
        "amounts": 0,
        "complete": True,
    }


def test_clicking_a_province_finds_its_count_again(client, indexed):
    for province in charts(client)["provinces"]:
        assert search_total(client, {"province": province["province"]}) == province["count"]


def test_the_charts_follow_the_search_text_and_its_filters(client, indexed, records):
    only_zh = charts(client, {"language": "zh", "interval": "month"})
    zh = [r for r in indexed if r.language == "zh"]
    assert by_province(only_zh) == expected_provinces(zh)
    assert sum(p["count"] for p in only_zh["timeline"]) + only_zh["undated"] == len(zh)

    beijing = charts(client, {"q": "Beijing"})
    assert by_province(beijing) == expected_provinces([records["beijing"]])

    # An amount range also bounds the amounts summed: 50万元 is left out, 1000万元 stays.
    large = charts(client, {"min_amount": 3_000_000, "province": "Guangdong"})
    assert by_province(large)["Guangdong"] == {"count": 2, "subsidy_cny": 10_000_000 + 5_000_000}

    in_usd = charts(client, {"min_amount": 1_000_000, "currency": "USD", "province": "Guangdong"})
    assert by_province(in_usd)["Guangdong"]["subsidy_cny"] == 10_000_000  # only 1000万元 is over $1M


def test_copies_of_one_notice_count_once_unless_every_copy_is_asked_for(settings, engine, client, records):
    copy = portal_copy(records["guangzhou"])
    everything = [*records.values(), copy]
    clusters = {r.id: r.id for r in records.values()} | {copy.id: records["guangzhou"].id}
    index_for_charts(engine, settings.index_alias, everything, clusters)

    collapsed = charts(client, {"interval": "month"})
    assert collapsed["counts"] == "clusters"
    assert by_province(collapsed) == expected_provinces(everything, clusters)
    assert by_province(collapsed)["Guangdong"]["count"] == 3
    assert collapsed["timeline"][1]["count"] == 2  # February: Guangzhou (two copies) and Beijing
    assert search_total(client, {"date_from": "2024-02-01", "date_to": "2024-02-29"}) == 2

    expanded = charts(client, {"interval": "month", "expand": "true"})
    assert expanded["counts"] == "documents"
    assert by_province(expanded) == expected_provinces(everything)
    assert by_province(expanded)["Guangdong"] == {"count": 4, "subsidy_cny": 22_500_000}
    assert expanded["timeline"][1]["count"] == 3


def test_bad_parameters_are_refused_as_search_refuses_them(client, indexed):
    wrong_interval = client.get("/api/search/charts", params={"interval": "year"})
    assert wrong_interval.status_code == 422
    assert wrong_interval.json()["detail"][0]["loc"] == ["query", "interval"]
    backwards = client.get("/api/search/charts", params={"date_from": "2024-05-01", "date_to": "2024-01-01"})
    assert backwards.status_code == 422
    assert backwards.json()["detail"][0]["loc"] == ["query", "date_to"]


def test_without_an_index_the_charts_answer_503_with_the_reason(client):
    response = client.get("/api/search/charts")
    assert response.status_code == 503
    assert "does not exist yet" in response.json()["detail"]
    assert response.headers["Retry-After"]
