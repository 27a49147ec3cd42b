"""Hostile query parameters against the API on uvicorn and the real engine: out-of-range amounts, dates,
pages and sizes, engine query syntax, control characters, emoji and right-to-left text. Each answer is
a 200 with a valid body or a 422 whose body names the parameter, never a 5xx; and the API and the page
answer 503 with the reason while the index does not exist or the engine cannot be reached."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import httpx
import pytest
from pydantic import SecretStr

from indexer.api import create_app
from indexer.engine import make_engine
from indexer.index_versions import ensure_index
from indexer.mapping import document_from_record
from indexer.routes.search import EXPORT_FIELDS, SearchResult
from indexer.writer import BulkDoc, BulkWriter, version_of
from policyradar.settings import Settings
from processors.enrich import enrich
from tests.fixtures.app_server import serve_app
from tests.fixtures.isolation import isolated_overrides, settings_with
from tests.integration.conftest import make_raw

pytestmark = pytest.mark.integration

OK = None  # the case must be answered 200
HOSTILE: list[tuple[str, dict[str, str | list[str]], str | None]] = [
    ("amount above every float", {"min_amount": "1e400"}, "min_amount"),
    ("amount nan", {"min_amount": "nan"}, "min_amount"),
    ("amount NaN", {"max_amount": "NaN"}, "max_amount"),
    ("amount inf", {"min_amount": "inf"}, "min_amount"),
    ("amount -inf", {"min_amount": "-inf"}, "min_amount"),
    ("amount Infinity", {"max_amount": "Infinity"}, "max_amount"),
    ("negative amount", {"min_amount": "-1"}, "min_amount"),
    ("negative max amount", {"max_amount": "-0.01"}, "max_amount"),
    ("amount that overflows in CNY", {"max_amount": "1e308", "currency": "USD"}, "max_amount"),
    ("min above max", {"min_amount": "10", "max_amount": "5"}, "max_amount"),
    ("amount not a number", {"min_amount": "ten"}, "min_amount"),
    ("largest amount allowed", {"min_amount": "1e15", "currency": "GBP"}, OK),
    ("page zero", {"page": "0"}, "page"),
    ("negative page", {"page": "-1"}, "page"),
    ("page 10**9", {"page": str(10**9)}, "page"),
    ("page 10**30", {"page": str(10**30)}, "page"),
    ("fractional page", {"page": "1.5"}, "page"),
    ("size -1", {"size": "-1"}, "size"),
    ("size zero", {"size": "0"}, "size"),
    ("size 100000", {"size": "100000"}, "size"),
    ("page past the result window", {"page": "11", "size": "1000"}, "page"),
    ("last page inside the result window", {"page": "10", "size": "1000"}, OK),
    ("page 10001 of one", {"page": "10001", "size": "1"}, "page"),
    ("from after to", {"date_from": "2024-05-01", "date_to": "2024-01-01"}, "date_to"),
    ("month 13", {"date_from": "2024-13-45"}, "date_from"),
    ("30 February", {"date_to": "2024-02-30"}, "date_to"),
    ("date in words", {"date_from": "yesterday"}, "date_from"),
    ("year one", {"date_from": "0001-01-01"}, OK),
    ("year 9999", {"date_to": "9999-12-31"}, OK),
    ("10k-character text", {"q": "x" * 10_000}, "q"),
    ("unbalanced quote", {"q": '"unbalanced subsidy'}, OK),
    ("Lucene field and open group", {"q": "title:(a OR"}, OK),
    ("dangling operators", {"q": "a AND OR b"}, OK),
    ("lone backslash", {"q": "\\"}, OK),
    ("regex syntax", {"q": "/[a-/"}, OK),
    ("wildcard flood", {"q": "a* " * 160}, OK),
    ("wildcards only", {"q": "*?*?*?*"}, OK),
    ("deep parentheses", {"q": "(" * 400 + "subsidy"}, OK),
    ("fuzzy and slop operators", {"q": 'subsidy~2 "a b"~999999999 ^3'}, OK),
    ("null byte in text", {"q": "sub\x00sidy"}, "q"),
    ("escape sequence in text", {"q": "\x1b[31mred"}, "q"),
    ("markup in text", {"q": "<script>alert(1)</script>"}, OK),
    ("SQL in text", {"q": "'; DROP TABLE announcements; --"}, OK),
    ("emoji", {"q": "😀🚀 补贴"}, OK),
    ("right-to-left text and override", {"q": "مرحبا \u202esubsidy"}, OK),
    ("unknown currency", {"currency": "ZZZ"}, "currency"),
    ("emoji currency", {"currency": "💶"}, "currency"),
    ("lower-case currency", {"currency": "usd", "min_amount": "1"}, OK),
    ("10k-character place", {"place": "x" * 10_000}, "place"),
    ("null byte in a place", {"place": "Bei\x00jing"}, "place"),
    ("51 companies", {"company": [f"c{i}" for i in range(51)]}, "company"),
    ("unknown sort", {"sort": "random"}, "sort"),
    ("not a boolean", {"subsidy_only": "maybe"}, "subsidy_only"),
]


@pytest.fixture(scope="module")
def api(stack: Settings) -> Iterator[httpx.Client]:
    """One server for all cases, on an isolated alias holding a few real documents."""
    settings = settings_with(isolated_overrides("hostile"), base=stack)
    engine = make_engine(settings)
    ensure_index(engine, settings.index_alias)
    records = [
        enrich(make_raw(1, text="Beijing will offer up to 50 million yuan in subsidies to Huawei.")),
        enrich(
            make_raw(2, language="zh", title="关于算力补贴的通知", text="上海市对企业给予最高3000万元补贴。")
        ),
    ]
    BulkWriter(engine, settings.index_alias, refresh="wait_for").write(
        [BulkDoc(r.id, version_of(r.fetched_at), document_from_record(r)) for r in records]
    )
    try:
        with serve_app(create_app(settings, engine)) as base, httpx.Client(base_url=base, timeout=60) as http:
            yield http
    finally:
        for index in engine.list_indices(f"{settings.index_alias}*"):
            engine.delete_index(index)
        engine.close()


def test_the_cases_run_against_real_documents(api):
    found = api.get("/api/search", params={"q": "subsidy"}).json()  # and 补贴, through the glossary
    assert sorted(hit["title"] for hit in found["hits"]) == [
        "Notice 1 on computing subsidies",
        "关于算力补贴的通知",
    ]


@pytest.mark.parametrize("path", ["/api/search", "/api/export"])
@pytest.mark.parametrize(("params", "named"), [(p, n) for _, p, n in HOSTILE], ids=[c[0] for c in HOSTILE])
def test_hostile_parameters_get_a_200_or_a_422_that_names_them(api, path, params, named):
    response = api.get(path, params=params)
    if named is OK:
        assert response.status_code == 200, response.text[:300]
        if path == "/api/search":
            SearchResult.model_validate(response.json())
        else:
            assert response.text.splitlines()[0] == "\ufeff" + ",".join(EXPORT_FIELDS)  # BOM first
        return
    assert response.status_code == 422, response.text[:300]
    problems = response.json()["detail"]
    assert problems and all(p["loc"][0] == "query" and p["msg"] and p["type"] for p in problems)
    assert named in {p["loc"][1] for p in problems}
    assert len(response.content) < 2000  # the input is not echoed back


def test_matrix_is_wide_enough():
    assert len(HOSTILE) >= 40
    assert sum(named is OK for _, _, named in HOSTILE) >= 10


def test_api_and_page_answer_503_with_the_reason_while_the_index_does_not_exist(settings, engine):
    configured = settings.model_copy(update={"api_tokens": SecretStr(json.dumps({"t": "alice"}))})
    with serve_app(create_app(configured, engine)) as base, httpx.Client(base_url=base, timeout=30) as http:
        for path in ("/api/search", "/api/export"):
            response = http.get(path, params={"q": "subsidy"})
            assert response.status_code == 503 and response.headers["retry-after"]
            assert "does not exist yet" in response.json()["detail"]
            assert settings.index_alias in response.json()["detail"]
        page = http.get("/")
        assert page.status_code == 503 and "does not exist yet" in page.text
        assert page.headers["content-type"].startswith("text/html")
        assert http.get("/healthz").text == "ok\n"
        ready = http.get("/readyz")
        assert ready.status_code == 503 and "does not exist yet" in ready.text
        ensure_index(engine, settings.index_alias)
        assert http.get("/api/search").status_code == 200
        assert http.get("/").status_code == 200
        assert (http.get("/readyz").status_code, http.get("/readyz").text) == (200, "ready\n")
        metrics = http.get("/metrics").text
        assert 'policyradar_http_requests_total{route="/api/search",status="5xx"}' in metrics
        assert 'policyradar_http_requests_total{route="/api/search",status="2xx"}' in metrics


def test_api_and_page_answer_503_while_the_engine_cannot_be_reached(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    unreachable = settings.model_copy(update={"search_url": f"http://127.0.0.1:{closed_port}"})
    engine = make_engine(unreachable)
    try:
        with (
            serve_app(create_app(unreachable, engine)) as base,
            httpx.Client(base_url=base, timeout=60) as http,
        ):
            response = http.get("/api/search")
            assert response.status_code == 503 and "cannot be reached" in response.json()["detail"]
            assert http.get("/").status_code == 503
            assert http.get("/healthz").status_code == 200
            ready = http.get("/readyz")
            assert ready.status_code == 503 and "cannot be reached" in ready.text
    finally:
        engine.close()
