"""The search request model checks every bound once, for the CLI, the API and alerts; the CLI turns a
bad value into one line naming its option; engine outages become a clear reason, not a traceback."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from indexer.engine import EngineError, EngineNotFound, EngineUnavailable
from indexer.query import (
    MAX_RESULT_WINDOW,
    Conditions,
    SearchRequest,
    field_errors,
    search_body,
    validate_request,
)
from indexer.request import cli_name
from indexer.search import SearchUnavailable, run_search, unavailable_reason
from launcher.cli import main
from policyradar.rates import rates_to_cny

RATES = rates_to_cny()

REFUSED = [
    ({"min_amount": math.inf}, "min_amount"),
    ({"min_amount": -math.inf}, "min_amount"),
    ({"min_amount": math.nan}, "min_amount"),
    ({"max_amount": "1e400"}, "max_amount"),
    ({"min_amount": -1}, "min_amount"),
    ({"max_amount": 1e16}, "max_amount"),
    ({"min_amount": 10, "max_amount": 5}, "max_amount"),
    ({"currency": "ZZZ"}, "currency"),
    ({"currency": "💶"}, "currency"),
    ({"page": 0}, "page"),
    ({"page": 10**9}, "page"),
    ({"size": -1}, "size"),
    ({"size": 100_000}, "size"),
    ({"page": 11, "size": 1000}, "page"),
    ({"date_from": "2024-05-01", "date_to": "2024-01-01"}, "date_to"),
    ({"date_from": "2024-13-45"}, "date_from"),
    ({"q": "x" * 10_000}, "q"),
    ({"q": "a\x00b"}, "q"),
    ({"places": ["x" * 10_000]}, "places"),
    ({"companies": [f"c{i}" for i in range(51)]}, "companies"),
    ({"doc_types": ["memo"]}, "doc_types"),
    ({"issuers": ["x" * 201]}, "issuers"),
    ({"deadline_from": "2024-07-01", "deadline_to": "2024-06-30"}, "deadline_to"),
    ({"deadline_to": "30/06/2024"}, "deadline_to"),
]
ACCEPTED = [
    {"q": '"unbalanced'},
    {"q": "title:(a OR"},
    {"q": "/[a-/"},
    {"q": "😀 مرحبا \u202e"},
    {"q": "tab\tand\nnewline"},
    {"min_amount": 1e15, "currency": "GBP"},
    {"min_amount": 5, "max_amount": 5},
    {"date_from": "2024-01-01", "date_to": "2024-01-01"},
    {"page": 10, "size": 1000},
    {"currency": "usd"},
]


@pytest.mark.parametrize(("fields", "named"), REFUSED)
def test_out_of_range_values_are_refused_naming_the_field(fields, named):
    with pytest.raises(ValidationError) as caught:
        validate_request(SearchRequest, fields, RATES)
    assert [e["loc"][0] for e in field_errors(caught.value)] == [named]


@pytest.mark.parametrize("fields", ACCEPTED)
def test_odd_but_harmless_values_are_accepted(fields):
    request = validate_request(SearchRequest, fields, RATES)
    body = search_body(request, RATES)
    assert body["from"] + body["size"] <= MAX_RESULT_WINDOW


def test_amount_bounds_hold_for_alert_conditions_too():
    with pytest.raises(ValidationError):
        Conditions(min_amount=math.inf)
    with pytest.raises(ValidationError):
        Conditions(min_amount=20, max_amount=10)


def test_the_currency_is_checked_against_the_rates_passed_in():
    assert validate_request(Conditions, {"currency": "chf"}, {"CHF": 8.1}).currency == "CHF"
    with pytest.raises(ValidationError) as caught:
        validate_request(Conditions, {"currency": "CHF"}, RATES)
    assert field_errors(caught.value)[0]["msg"].startswith("unknown currency 'CHF'; known: CNY, EUR")


def test_without_rates_the_currency_is_only_normalised_as_stored_alerts_load():
    assert Conditions.model_validate({"currency": "chf"}).currency == "CHF"


def test_error_reports_do_not_echo_the_input():
    with pytest.raises(ValidationError) as caught:
        SearchRequest(q="y" * 10_000, min_amount=math.nan)
    problems = field_errors(caught.value)
    assert {p["loc"][0] for p in problems} == {"q", "min_amount"}
    assert all(set(p) == {"loc", "msg", "type"} for p in problems)
    assert "yyyy" not in repr(problems)


def test_the_result_window_error_says_what_to_do():
    with pytest.raises(ValidationError) as caught:
        SearchRequest(page=101, size=100)
    message = field_errors(caught.value)[0]["msg"]
    assert "10000" in message and "narrow the search" in message


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["--min-amount", "1e400"], "--min-amount"),
        (["--min-amount", "nan"], "--min-amount"),
        (["--max-amount", "inf"], "--max-amount"),
        (["--min-amount=-inf"], "--min-amount"),
        (["--min-amount=-5"], "--min-amount"),
        (["--min-amount", "9", "--max-amount", "3"], "--max-amount"),
        (["--page", "0"], "--page"),
        (["--page", str(10**9)], "--page"),
        (["--size=-1"], "--size"),
        (["--size", "100000"], "--size"),
        (["--page", "11", "--size", "1000"], "--page"),
        (["--from", "2024-05-01", "--to", "2024-01-01"], "--to"),
        (["--from", "2024-13-45"], "--from"),
        (["--to", "soon"], "--to"),
        (["--currency", "ZZZ"], "--currency"),
        (["--place", "x" * 10_000], "--place"),
        (["x" * 10_000], "QUERY"),
    ],
)
def test_the_cli_prints_one_line_naming_the_option(capsys, argv, option):
    assert main(["search", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"policyradar search: error: {option}: ")


def test_cli_names_follow_the_options():
    assert [cli_name(f) for f in ("min_amount", "places", "companies", "date_from", "q")] == [
        "--min-amount",
        "--place",
        "--company",
        "--from",
        "QUERY",
    ]


class FailingEngine:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def search(self, index, body):
        raise self.error


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (
            EngineNotFound("opensearch: NotFoundError(404, 'index_not_found_exception')", 404),
            "does not exist yet",
        ),
        (EngineUnavailable("opensearch: ConnectionError(refused)", None), "cannot be reached"),
        (
            EngineUnavailable("opensearch: TransportError(503)", 503),
            r"overloaded or unavailable \(HTTP 503\)",
        ),
    ],
)
def test_an_engine_that_cannot_answer_gives_a_reason(error, says):
    with pytest.raises(SearchUnavailable, match=says) as caught:
        run_search(FailingEngine(error), "news", SearchRequest())
    assert unavailable_reason(caught.value, "news") == str(caught.value)
    if "exist" in says:
        assert "'news'" in str(caught.value)


def test_other_engine_errors_are_not_dressed_up_as_outages():
    refused = EngineError("opensearch: RequestError(400, 'parse_exception')", 400)
    assert unavailable_reason(refused, "news") is None
    with pytest.raises(EngineError) as caught:
        run_search(FailingEngine(refused), "news", SearchRequest())
    assert caught.value is refused
