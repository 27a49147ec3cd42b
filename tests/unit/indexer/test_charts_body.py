"""The charts' engine request and how its answer is read (indexer/charts.py), without an engine."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from indexer.charts import charts_body, charts_from_response, period_end, pick_interval, run_charts
from indexer.query import SearchRequest

RATES = {"CNY": 1.0, "USD": 7.0}


def amount_bucket(value: float, documents: int, clusters: int | None = None) -> dict[str, Any]:
    announcements: dict[str, Any] = {"doc_count": documents}
    if clusters is not None:
        announcements["clusters"] = {"value": clusters}
    return {"key": value, "doc_count": documents, "announcements": announcements}


def province_bucket(name: str, documents: int, amounts: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    with_subsidy = {"doc_count": extra.pop("with_subsidy", documents)}
    bucket: dict[str, Any] = {
        "key": name,
        "doc_count": documents,
        "money": {
            "subsidies": {
                "amounts": {"buckets": amounts, "sum_other_doc_count": extra.pop("other", 0)},
                "announcements": with_subsidy,
            }
        },
    }
    if "clusters" in extra:
        bucket["clusters"] = {"value": extra["clusters"]}
        with_subsidy["clusters"] = {"value": extra["clusters"]}
    return bucket


def month(start: str, count: int) -> dict[str, Any]:
    return {"key_as_string": start, "doc_count": count}


def answer(
    months: list[dict[str, Any]], provinces: list[dict[str, Any]], unclustered: int = 0, unkeyed: int = 0
) -> dict[str, Any]:
    return {
        "aggregations": {
            "month": {"buckets": months},
            "week": {"buckets": [month("2024-01-01", 1)]},
            "undated": {"doc_count": 2},
            "provinces": {"buckets": provinces},
            "unclustered": {"doc_count": unclustered},
            "unkeyed": {"doc_count": unkeyed},
        }
    }


def test_a_period_ends_on_the_sunday_or_on_the_last_day_of_its_month():
    assert period_end(date(2024, 1, 8), "week") == date(2024, 1, 14)
    assert period_end(date(2024, 2, 1), "month") == date(2024, 2, 29)
    assert period_end(date(2023, 2, 1), "month") == date(2023, 2, 28)
    assert period_end(date(2024, 12, 1), "month") == date(2024, 12, 31)


def test_auto_picks_weeks_up_to_six_months_of_matches_and_months_beyond():
    six = {"month": {"buckets": [month(f"2024-0{m}-01", 1) for m in range(1, 7)]}}
    seven = {"month": {"buckets": [month(f"2024-0{m}-01", 1) for m in range(1, 8)]}}
    assert pick_interval(six) == "week"
    assert pick_interval(seven) == "month"


def test_every_filter_is_in_the_query_so_the_charts_count_what_the_search_shows():
    request = SearchRequest(q="算力", provinces=["Guangdong"], topics=["subsidy"], date_from=date(2024, 1, 1))
    body = charts_body(request, RATES, clusters=True)
    assert body["size"] == 0 and "post_filter" not in body
    filters = body["query"]["bool"]["filter"]
    assert {"terms": {"provinces": ["Guangdong"]}} in filters
    assert {"terms": {"topics": ["subsidy"]}} in filters
    assert {"range": {"published_at": {"gte": "2024-01-01"}}} in filters
    assert body["aggs"]["month"]["date_histogram"]["calendar_interval"] == "month"
    assert body["aggs"]["week"]["date_histogram"]["calendar_interval"] == "week"
    assert body["aggs"]["month"]["aggs"]["clusters"]["cardinality"]["field"] == "cluster_key"
    assert body["aggs"]["unkeyed"] == {"missing": {"field": "cluster_key"}}
    by_id = charts_body(request, RATES, clusters=True, count_by="cluster_id")
    assert by_id["aggs"]["month"]["aggs"]["clusters"]["cardinality"]["field"] == "cluster_id"
    assert charts_body(request, RATES, clusters=False)["aggs"]["month"]["aggs"] == {}


def test_the_amount_range_bounds_the_subsidies_summed_in_cny():
    request = SearchRequest(min_amount=1_000_000, max_amount=2_000_000, currency="USD")
    subsidies = charts_body(request, RATES, clusters=False)["aggs"]["provinces"]["aggs"]["money"]["aggs"][
        "subsidies"
    ]
    assert subsidies["filter"]["bool"]["filter"] == [
        {"term": {"entities.money.is_subsidy": True}},
        {"range": {"entities.money.value_cny": {"gte": 7_000_000.0, "lte": 14_000_000.0}}},
    ]
    plain = charts_body(SearchRequest(), RATES, clusters=False)["aggs"]["provinces"]["aggs"]["money"]["aggs"]
    assert plain["subsidies"]["filter"]["bool"]["filter"] == [{"term": {"entities.money.is_subsidy": True}}]


def test_each_distinct_amount_counts_once_per_announcement_that_names_it():
    guangdong = province_bucket("Guangdong", 3, [amount_bucket(10e6, 2), amount_bucket(5e5, 1)])
    beijing = province_bucket("Beijing", 5, [amount_bucket(5e6, 1)])
    zhejiang = province_bucket("Zhejiang", 1, [], with_subsidy=0)
    result = charts_from_response(answer([month("2024-01-01", 4)], [beijing, zhejiang, guangdong]), False)
    assert result["counts"] == "documents"
    assert result["provinces"] == [
        {
            "province": "Guangdong",
            "count": 3,
            "with_subsidy": 3,
            "subsidy_cny": 20_500_000.0,
            "amounts": 3,
            "complete": True,
        },
        {
            "province": "Beijing",
            "count": 5,
            "with_subsidy": 5,
            "subsidy_cny": 5e6,
            "amounts": 1,
            "complete": True,
        },
        {
            "province": "Zhejiang",
            "count": 1,
            "with_subsidy": 0,
            "subsidy_cny": 0.0,
            "amounts": 0,
            "complete": True,
        },
    ]


def test_with_clusters_the_counts_and_the_sum_count_notices_not_copies():
    shanghai = province_bucket("Shanghai", 4, [amount_bucket(2e6, documents=3, clusters=1)], clusters=2)
    shanghai["money"]["subsidies"]["announcements"]["clusters"] = {"value": 1}
    months = [{**month("2024-01-01", 4), "clusters": {"value": 2}}]
    response = answer(months, [shanghai])
    response["aggregations"]["undated"]["clusters"] = {"value": 1}
    result = charts_from_response(response, True, "month")
    assert result["counts"] == "clusters"
    assert result["timeline"] == [{"start": "2024-01-01", "end": "2024-01-31", "count": 2}]
    assert result["undated"] == 1
    assert result["provinces"][0]["count"] == 2 and result["provinces"][0]["subsidy_cny"] == 2e6


def test_a_province_with_more_distinct_amounts_than_listed_says_its_sum_is_partial():
    crowded = province_bucket("Jiangsu", 900, [amount_bucket(1e6, 1)], other=400)
    assert charts_from_response(answer([], [crowded]), False)["provinces"][0]["complete"] is False


class RecordingEngine:
    """Answers each search with the next canned answer and keeps the bodies it was sent."""

    def __init__(self, answers: list[dict[str, Any]]) -> None:
        self.answers = answers
        self.bodies: list[dict[str, Any]] = []

    def search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        self.bodies.append(body)
        return self.answers[len(self.bodies) - 1]


@pytest.mark.parametrize(("unclustered", "searches", "counts"), [(0, 1, "clusters"), (3, 2, "documents")])
def test_documents_without_a_cluster_make_the_charts_count_documents(unclustered, searches, counts):
    first = answer([{**month("2024-01-01", 1), "clusters": {"value": 1}}], [], unclustered)
    first["aggregations"]["week"]["buckets"][0]["clusters"] = {"value": 1}
    first["aggregations"]["undated"]["clusters"] = {"value": 0}
    engine = RecordingEngine([first, answer([month("2024-01-01", 1)], [])])
    result = run_charts(engine, "alias", SearchRequest(), RATES)  # type: ignore[arg-type]
    assert len(engine.bodies) == searches and result["counts"] == counts
    assert ("clusters" in engine.bodies[-1]["aggs"]["month"]["aggs"]) is (counts == "clusters")


def test_documents_clustered_before_keys_existed_make_the_charts_count_clusters_by_their_id():
    first = answer([month("2024-01-01", 1)], [], unkeyed=2)
    counted = answer([{**month("2024-01-01", 1), "clusters": {"value": 1}}], [])
    counted["aggregations"]["week"]["buckets"][0]["clusters"] = {"value": 1}
    counted["aggregations"]["undated"]["clusters"] = {"value": 0}
    engine = RecordingEngine([first, counted])
    result = run_charts(engine, "alias", SearchRequest(), RATES)  # type: ignore[arg-type]
    assert len(engine.bodies) == 2 and result["counts"] == "clusters"
    assert engine.bodies[1]["aggs"]["month"]["aggs"]["clusters"]["cardinality"]["field"] == "cluster_id"
