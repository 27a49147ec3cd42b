"""The fields users type are defined once (indexer.request.REQUEST_FIELDS): the CLI options of
``search`` and ``alerts add``, the API's query parameters and the web page's names all come from it,
and the CLI and the API turn the same input into the same request."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI
from pydantic import SecretStr

from indexer.alerts.cli import alert_from_args
from indexer.api import create_app
from indexer.query import Conditions, SearchRequest
from indexer.request import ALERT_FIELDS, REQUEST_FIELDS, cli_name, request_from_args
from indexer.routes.errors import install_error_handlers
from indexer.routes.search import search_request
from launcher.cli import build_parser
from policyradar.errors import PolicyRadarError
from policyradar.rates import rates_to_cny
from policyradar.settings import Settings
from tests.fixtures.app_server import serve_app

RATES = rates_to_cny({"CHF": 8.1})
Request = Annotated[SearchRequest, Depends(search_request(RATES))]  # module level: FastAPI resolves it
APP_JS = Path(__file__).resolve().parents[3] / "indexer" / "web" / "app.js"
SAME_SEARCH = [
    (["subsidy"], "q=subsidy"),
    (
        ["算力", "--place", "Shenzhen", "--place", "Beijing", "--province", "Guangdong", "--language", "zh"],
        "q=算力&place=Shenzhen&place=Beijing&province=Guangdong&language=zh",
    ),
    (
        ["--company", "Huawei", "--topic", "subsidy", "--source", "demo-gov-en", "--subsidy-only"],
        "company=Huawei&topic=subsidy&source=demo-gov-en&subsidy_only=true",
    ),
    (
        ["--min-amount", "1e6", "--max-amount", "5e6", "--currency", "chf"],
        "min_amount=1000000&max_amount=5000000&currency=chf",
    ),
    (
        ["--from", "2024-01-01", "--to", "2024-03-31", "--sort", "date", "--page", "3", "--size", "25"],
        "date_from=2024-01-01&date_to=2024-03-31&sort=date&page=3&size=25",
    ),
    (
        ["--doc-type", "notice", "--doc-type", "draft", "--issuer", "MIIT", "--open"],
        "doc_type=notice&doc_type=draft&issuer=MIIT&open=true",
    ),
    (
        ["--deadline-from", "2024-06-01", "--deadline-to", "2024-06-30"],
        "deadline_from=2024-06-01&deadline_to=2024-06-30",
    ),
]


def help_of(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit):
        build_parser().parse_args([*argv, "--help"])
    return capsys.readouterr().out


@pytest.fixture(scope="module")
def request_api():
    """An app on a loopback port whose only route answers with the request the search dependency
    made (no engine behind it)."""
    app = FastAPI()
    install_error_handlers(app, "news")

    @app.get("/request")
    def made(request: Request) -> dict:
        return request.model_dump(mode="json")

    with serve_app(app) as url, httpx.Client(base_url=url) as client:
        yield client


def test_every_field_of_the_request_model_has_one_entry_in_the_table():
    assert sorted(f.field for f in REQUEST_FIELDS) == sorted(SearchRequest.model_fields)
    assert len({f.name for f in REQUEST_FIELDS}) == len(REQUEST_FIELDS)


def test_alerts_take_the_query_text_and_every_condition():
    assert {f.field for f in ALERT_FIELDS} == {"q", *Conditions.model_fields}


def test_every_field_is_an_option_of_search(capsys):
    shown = help_of(capsys, "search")
    for spec in REQUEST_FIELDS:
        assert re.search(rf"(^|\s){re.escape(cli_name(spec.field))}\b", shown), spec.field
        assert spec.help.split(",")[0] in shown.replace("\n", " ")


def test_every_alert_field_is_an_option_of_alerts_add(capsys):
    shown = help_of(capsys, "alerts", "add")
    for spec in ALERT_FIELDS:
        assert re.search(rf"\s{re.escape(cli_name(spec.field, alert=True))}\b", shown), spec.field
    assert "--page" not in shown and "--from" not in shown


def test_the_cli_keeps_its_spellings():
    assert [cli_name(f) for f in ("q", "places", "min_amount", "subsidy_only", "date_from", "date_to")] == [
        "QUERY",
        "--place",
        "--min-amount",
        "--subsidy-only",
        "--from",
        "--to",
    ]
    assert cli_name("q", alert=True) == "--query"


@pytest.mark.parametrize("path", ["/api/search", "/api/export"])
def test_every_field_is_a_query_parameter_of_the_api_with_its_bounds(path):
    schema = create_app(Settings(), engine=object()).openapi()  # the engine is never called here
    params = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
    assert {f.name for f in REQUEST_FIELDS} <= set(params)
    for spec in REQUEST_FIELDS:
        assert params[spec.name]["in"] == "query" and params[spec.name]["schema"]["description"] == spec.help
    assert (params["size"]["schema"]["minimum"], params["size"]["schema"]["maximum"]) == (1, 1000)
    assert params["q"]["schema"]["maxLength"] == 500
    assert params["place"]["schema"]["maxItems"] == 50
    assert params["place"]["schema"]["items"]["maxLength"] == 200
    amount = params["min_amount"]["schema"]["anyOf"][0]
    assert (amount["minimum"], amount["maximum"]) == (0, 1e15)


def test_the_web_page_sends_the_table_s_parameter_names():
    pairs = dict(re.findall(r'\["(\w+)", "(\w+)", "[^"]+"\]', APP_JS.read_text(encoding="utf-8")))
    lists = {
        f.field: f.name for f in REQUEST_FIELDS if SearchRequest.model_fields[f.field].annotation is not str
    }
    assert pairs == {field: name for field, name in lists.items() if field in pairs}
    assert set(pairs) == {
        "places",
        "provinces",
        "companies",
        "topics",
        "sources",
        "languages",
        "doc_types",
        "issuers",
    }


@pytest.mark.parametrize(("argv", "query"), SAME_SEARCH)
def test_a_cli_search_and_the_same_api_query_make_equal_requests(request_api, argv, query):
    from_cli = request_from_args(build_parser().parse_args(["search", *argv]), RATES)
    response = request_api.get(f"/request?{query}")
    assert response.status_code == 200, response.text
    assert SearchRequest.model_validate(response.json()) == from_cli
    assert from_cli != SearchRequest()


def test_the_cli_and_the_api_refuse_an_unknown_currency_with_the_same_words(request_api):
    with pytest.raises(PolicyRadarError) as caught:
        request_from_args(build_parser().parse_args(["search", "--currency", "ZZZ"]), RATES)
    problem = request_api.get("/request?currency=ZZZ").json()["detail"][0]
    assert problem["loc"] == ["query", "currency"] and problem["type"] == "unknown_currency"
    assert str(caught.value) == f"--currency: {problem['msg']}"
    assert problem["msg"].startswith("unknown currency 'ZZZ'; known: CHF, CNY")


def test_alerts_add_parses_its_conditions_as_search_does():
    argv = ["--place", "Shenzhen", "--min-amount", "5", "--currency", "usd", "--subsidy-only"]
    args = build_parser().parse_args(["alerts", "add", "big", "--query", "chips", *argv])
    alert = alert_from_args(args, RATES)
    searched = request_from_args(build_parser().parse_args(["search", "chips", *argv]), RATES)
    assert alert.q == searched.q == "chips"
    assert alert.conditions == searched.conditions()
    assert alert.conditions.currency == "USD"


def test_a_bad_alert_condition_names_its_option():
    args = build_parser().parse_args(["alerts", "add", "x", "--currency", "ZZZ"])
    with pytest.raises(PolicyRadarError, match=r"^--currency: unknown currency 'ZZZ'"):
        alert_from_args(args, RATES)
    args = build_parser().parse_args(["alerts", "add", "x", "--query", "a\x00b"])
    with pytest.raises(PolicyRadarError, match=r"^--query: must not contain control characters"):
        alert_from_args(args, RATES)


def test_options_not_given_leave_the_model_defaults():
    assert request_from_args(build_parser().parse_args(["search"]), RATES) == SearchRequest()


def test_the_alerts_api_refuses_an_unknown_currency_in_the_body_with_the_same_words():
    settings = Settings(api_tokens=SecretStr('{"token-alice": "alice"}'), fx_rates={"CHF": 8.1})
    app = create_app(settings, engine=object())  # refused before the engine is reached
    body = {"name": "big", "conditions": {"min_amount": 5, "currency": "ZZZ"}}
    with serve_app(app) as url:
        response = httpx.post(f"{url}/api/alerts", json=body, headers={"Authorization": "Bearer token-alice"})
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", "conditions", "currency"] and problem["type"] == "unknown_currency"
    assert problem["msg"].startswith("unknown currency 'ZZZ'; known: CHF, CNY")
