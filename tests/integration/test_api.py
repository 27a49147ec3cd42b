"""The HTTP API on the real engine: search with filters and facets, tokens, per-user alerts, safety."""

from __future__ import annotations

import json

import httpx
import pytest
from pydantic import SecretStr

from indexer.api import create_app
from indexer.index_versions import ensure_index
from indexer.mapping import document_from_record
from indexer.writer import BulkDoc, BulkWriter, version_of
from processors.enrich import enrich
from tests.fixtures.app_server import serve_app
from tests.integration.conftest import make_raw

pytestmark = pytest.mark.integration
TOKENS = {"token-alice": "alice", "token-bob": "bob"}


@pytest.fixture
def client(settings, engine):
    ensure_index(engine, settings.index_alias)
    records = [
        enrich(make_raw(1, text="Beijing will offer up to 50 million yuan in subsidies to Huawei.")),
        enrich(make_raw(2, text="Shenzhen will offer up to 2 million yuan in vouchers to iFlytek.")),
        enrich(
            make_raw(3, language="zh", title="关于算力补贴的通知", text="上海市对企业给予最高3000万元补贴。")
        ),
    ]
    BulkWriter(engine, settings.index_alias, refresh="wait_for").write(
        [BulkDoc(r.id, version_of(r.fetched_at), document_from_record(r)) for r in records]
    )
    configured = settings.model_copy(update={"api_tokens": SecretStr(json.dumps(TOKENS))})
    with serve_app(create_app(configured, engine)) as base, httpx.Client(base_url=base, timeout=30) as http:
        yield http


def test_search_filters_facets_highlights_and_csp(client):
    everything = client.get("/api/search")
    assert everything.status_code == 200 and everything.json()["total"] == 3
    assert "default-src 'self'" in everything.headers["content-security-policy"]
    places = {f["value"]: f["count"] for f in everything.json()["facets"]["places"]}
    assert places["Beijing"] == 1 and places["Shenzhen"] == 1 and places["Shanghai"] == 1
    big = client.get("/api/search", params={"min_amount": 10_000_000, "subsidy_only": True}).json()
    assert sorted(h["title"] for h in big["hits"]) == [
        "Notice 1 on computing subsidies",
        "关于算力补贴的通知",
    ]
    in_usd = client.get("/api/search", params={"min_amount": 5_000_000, "currency": "USD"}).json()
    assert [h["entities"]["places"][0]["canonical"] for h in in_usd["hits"]] == ["Beijing"]
    by_company = client.get("/api/search", params={"company": "iFlytek"}).json()
    assert by_company["total"] == 1
    zh = client.get("/api/search", params={"q": "算力"}).json()
    assert zh["total"] == 1 and "<mark>" in "".join(zh["hits"][0]["highlight"]["title"])
    assert client.get("/api/search", params={"currency": "XXX"}).status_code == 422
    csv_text = client.get("/api/export", params={"format": "csv"}).text
    assert csv_text.startswith("\ufeffid,published_at,title") and csv_text.count("\n") == 4


def test_alerts_need_a_token_and_users_see_only_their_own(client):
    body = {"name": "big", "conditions": {"min_amount": 10_000_000}, "every": "daily"}
    assert client.post("/api/alerts", json=body).status_code == 401
    assert client.post("/api/alerts", json=body, headers={"Authorization": "Bearer wrong"}).status_code == 401
    created = client.post("/api/alerts", json=body, headers={"Authorization": "Bearer token-alice"})
    assert created.status_code == 201 and created.json()["backfilled"] == 2
    assert [
        a["name"] for a in client.get("/api/alerts", headers={"Authorization": "Bearer token-alice"}).json()
    ] == ["big"]
    assert client.get("/api/alerts", headers={"Authorization": "Bearer token-bob"}).json() == []
    assert client.delete("/api/alerts/big", headers={"Authorization": "Bearer token-bob"}).status_code == 404
    preview = client.get("/api/alerts/big/preview", headers={"Authorization": "Bearer token-alice"}).json()
    assert preview["items"] == 2 and "Notice 1 on computing subsidies" in preview["text"]
    assert (
        client.delete("/api/alerts/big", headers={"Authorization": "Bearer token-alice"}).status_code == 204
    )


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9200/_bulk", "http://169.254.169.254/", "file:///etc/passwd"]
)
def test_webhook_urls_pass_the_same_safety_checks(client, url):
    body = {"name": "hook", "webhook_url": url, "every": "instant"}
    response = client.post("/api/alerts", json=body, headers={"Authorization": "Bearer token-alice"})
    assert response.status_code == 422


def test_facet_counts_ignore_their_own_selection_and_deep_pages_are_refused(client):
    picked = client.get("/api/search", params={"place": "Beijing"}).json()
    assert picked["total"] == 1
    places = {f["value"]: f["count"] for f in picked["facets"]["places"]}
    assert places == {"Beijing": 1, "Shenzhen": 1, "Shanghai": 1}  # the other choices keep their counts
    assert [f["value"] for f in picked["facets"]["companies"]] == ["Huawei"]  # other facets follow the pick
    assert picked["hits"][0]["highlight"]["text"]  # a snippet even without query text
    assert client.get("/api/search", params={"page": 600, "size": 20}).status_code == 422
