"""What engine query each search request and alert condition becomes: text, facet filters, amounts in
CNY, the nested subsidy filter, dates, sort, pages and facet counts. (Which values are refused is
covered by test_query_validation.py.)"""

from __future__ import annotations

from datetime import date

import pytest

from indexer.query import SEARCH_FIELDS, Conditions, SearchRequest, build_query, search_body
from policyradar.errors import PolicyRadarError
from policyradar.rates import rates_to_cny

RATES = rates_to_cny()  # the shipped rates
MATCH_ALL = [{"match_all": {}}]
NEWEST_FIRST = {"published_at": {"order": "desc", "missing": "_last"}}


def money_filter(*inner: dict) -> dict:
    return {"nested": {"path": "entities.money", "query": {"bool": {"filter": list(inner)}}}}


def test_an_empty_request_matches_everything_without_filters():
    body = search_body(SearchRequest(), RATES)
    assert body["query"] == {"bool": {"must": MATCH_ALL, "filter": []}}
    assert body["post_filter"] == {"bool": {"filter": []}}
    assert (body["from"], body["size"], body["track_total_hits"]) == (0, 10, True)


def test_query_text_goes_through_simple_query_string_over_the_fixed_fields():
    query = build_query(SearchRequest(q='"model makers" -Lhasa'), RATES)
    assert query["bool"]["must"] == [
        {
            "simple_query_string": {
                "query": '"model makers" -Lhasa',  # no glossary term: sent as written
                "fields": SEARCH_FIELDS,
                "default_operator": "and",
                "flags": "AND|OR|NOT|PHRASE|PREFIX|WHITESPACE|PRECEDENCE",
            }
        }
    ]
    assert SEARCH_FIELDS == [
        "title^3",
        "title.cjk^3",
        "text",
        "text.cjk",
        "companies.text",
        "issuer_names.text",
    ]


def test_blank_query_text_matches_everything():
    assert build_query(SearchRequest(q=" \t\n"), RATES)["bool"]["must"] == MATCH_ALL


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("places", "place_names"),
        ("provinces", "provinces"),
        ("companies", "companies"),
        ("topics", "topics"),
        ("sources", "source_id"),
        ("languages", "detected_language"),
    ],
)
def test_each_facet_value_list_becomes_a_terms_filter_on_its_field(name, field):
    conditions = Conditions(**{name: ["a", "b"]})
    assert build_query(conditions, RATES) == {
        "bool": {"must": MATCH_ALL, "filter": [{"terms": {field: ["a", "b"]}}]}
    }


def test_facet_filters_come_in_a_fixed_order_after_the_other_filters():
    conditions = Conditions(topics=["ai"], places=["Beijing"], subsidy_only=True)
    assert build_query(conditions, RATES)["bool"]["filter"] == [
        money_filter({"term": {"entities.money.is_subsidy": True}}),
        {"terms": {"place_names": ["Beijing"]}},
        {"terms": {"topics": ["ai"]}},
    ]


def test_amounts_are_compared_in_cny_at_the_rates_passed_in():
    conditions = Conditions(min_amount=1000, currency="chf")
    assert build_query(conditions, {"CHF": 8.1})["bool"]["filter"] == [
        money_filter({"range": {"entities.money.value_cny": {"gte": 8100.0}}})
    ]


def test_a_currency_without_a_rate_is_refused_not_guessed():
    with pytest.raises(PolicyRadarError, match="no exchange rate for currency 'CHF'"):
        build_query(Conditions(min_amount=1, currency="CHF"), RATES)
    assert build_query(Conditions(places=["x"]), {})["bool"]["filter"]  # no amount: no rate needed


def test_amounts_are_compared_in_cny_at_the_default_rates():
    conditions = Conditions(min_amount=1000, max_amount=2000, currency="usd")
    assert build_query(conditions, RATES)["bool"]["filter"] == [
        money_filter({"range": {"entities.money.value_cny": {"gte": 7180.0, "lte": 14360.0}}})
    ]


def test_a_single_bound_gives_a_one_sided_range():
    low = build_query(Conditions(min_amount=5, currency="GBP"), RATES)["bool"]["filter"]
    high = build_query(Conditions(max_amount=1_000_000, currency="JPY"), RATES)["bool"]["filter"]
    assert low == [money_filter({"range": {"entities.money.value_cny": {"gte": 46.25}}})]
    assert high == [money_filter({"range": {"entities.money.value_cny": {"lte": 48000.0}}})]


def test_a_zero_minimum_is_still_a_bound():
    assert build_query(Conditions(min_amount=0), RATES)["bool"]["filter"] == [
        money_filter({"range": {"entities.money.value_cny": {"gte": 0.0}}})
    ]


def test_amount_and_subsidy_apply_to_the_same_amount_in_one_nested_query():
    query = build_query(Conditions(min_amount=1_000_000, subsidy_only=True), RATES)
    assert query["bool"]["filter"] == [
        money_filter(
            {"range": {"entities.money.value_cny": {"gte": 1_000_000.0}}},
            {"term": {"entities.money.is_subsidy": True}},
        )
    ]


def test_dates_become_an_inclusive_range_on_the_publication_date():
    both = SearchRequest(date_from=date(2024, 1, 1), date_to=date(2024, 3, 31))
    since = SearchRequest(date_from="2024-02-29")
    assert build_query(both, RATES)["bool"]["filter"] == [
        {"range": {"published_at": {"gte": "2024-01-01", "lte": "2024-03-31"}}}
    ]
    assert build_query(since, RATES)["bool"]["filter"] == [{"range": {"published_at": {"gte": "2024-02-29"}}}]


def test_alert_conditions_have_no_text_and_no_dates():
    query = build_query(Conditions(places=["Shanghai"]), RATES)
    assert query == {"bool": {"must": MATCH_ALL, "filter": [{"terms": {"place_names": ["Shanghai"]}}]}}


def test_relevance_sort_breaks_ties_by_date_and_date_sort_by_relevance():
    assert search_body(SearchRequest(), RATES)["sort"] == ["_score", NEWEST_FIRST]
    assert search_body(SearchRequest(sort="date"), RATES)["sort"] == [NEWEST_FIRST, "_score"]


@pytest.mark.parametrize(("page", "size", "start"), [(1, 10, 0), (2, 10, 10), (3, 25, 50), (10, 1000, 9000)])
def test_pages_start_at_the_right_hit(page, size, start):
    body = search_body(SearchRequest(page=page, size=size), RATES)
    assert (body["from"], body["size"]) == (start, size)


def test_facet_values_filter_hits_after_the_counts_not_in_the_query():
    body = search_body(SearchRequest(q="ai", places=["Beijing"], min_amount=10), RATES)
    assert body["post_filter"] == {"bool": {"filter": [{"terms": {"place_names": ["Beijing"]}}]}}
    assert body["query"]["bool"]["filter"] == [
        money_filter({"range": {"entities.money.value_cny": {"gte": 10.0}}})
    ]


def test_each_facet_count_applies_every_facet_filter_but_its_own():
    body = search_body(SearchRequest(places=["Beijing"], topics=["ai"], expand_reposts=True), RATES)
    by_place = {"terms": {"place_names": ["Beijing"]}}
    by_topic = {"terms": {"topics": ["ai"]}}
    aggs = body["aggs"]
    assert aggs["places"]["filter"] == {"bool": {"filter": [by_topic]}}
    assert aggs["topics"]["filter"] == {"bool": {"filter": [by_place]}}
    assert aggs["companies"]["filter"] == {"bool": {"filter": [by_place, by_topic]}}
    assert aggs["languages"]["aggs"] == {"values": {"terms": {"field": "detected_language", "size": 30}}}
    assert list(aggs) == [
        "places",
        "provinces",
        "companies",
        "topics",
        "sources",
        "languages",
        "doc_types",
        "issuers",
    ]


def test_snippets_are_html_escaped_with_mark_tags():
    highlight = search_body(SearchRequest(q="ai"), RATES)["highlight"]
    assert (highlight["encoder"], highlight["pre_tags"], highlight["post_tags"]) == (
        "html",
        ["<mark>"],
        ["</mark>"],
    )
    assert sorted(highlight["fields"]) == ["text", "text.cjk", "title", "title.cjk"]
