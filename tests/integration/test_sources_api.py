"""``/api/sources`` on the real OpenSearch and Kafka against the local fixture site: each source's health
from crawl-run summaries on a topic of the test's own, the operators' add-a-source flow (discover,
preview with entities and the alerts the records would fire, save for review) through the launcher's
sources desk, the token roles, and hostile URLs refused by name."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml
from pydantic import SecretStr

from crawlers.health import CrawlRun
from crawlers.sources import load_source
from indexer.alerts.model import Alert, index_names
from indexer.alerts.store import AlertStore
from indexer.api import create_app
from indexer.engine import Engine
from indexer.query import Conditions
from launcher.sources_desk import LauncherSourcesDesk
from policyradar.kafka_io import make_producer, send_all
from policyradar.settings import Settings
from tests.fixtures.app_server import serve_app
from tests.fixtures.site_server import FixtureSite, serve_fixture_site

pytestmark = pytest.mark.integration

TOKENS = {"t-olga": {"user": "olga", "role": "operator"}, "t-ulla": "ulla", "t-bob": "bob"}
OPERATOR = {"Authorization": "Bearer t-olga"}
USER = {"Authorization": "Bearer t-ulla"}
BIG = 2_500_000  # olga's alert: subsidies of at least this; the fixture articles offer n million yuan


@dataclass
class Api:
    http: httpx.Client
    site: str
    fixture: FixtureSite
    settings: Settings
    engine: Engine


def feed_spec(source_id: str, url: str, enabled: bool = True) -> str:
    return (
        f"id: {source_id}\nname: Fixture {source_id}\npublisher_kind: media\njurisdiction: CN\n"
        f"language: en\nentry_points:\n  - kind: feed\n    url: {url}\nenabled: {str(enabled).lower()}\n"
    )


def record_runs(settings: Settings, runs: list[CrawlRun]) -> None:
    producer = make_producer(settings, client_id="test-sources-api")
    try:
        send_all(producer, [run.to_message(settings.topic_crawl_runs) for run in runs])
    finally:
        producer.close(timeout=5)


def crawl_run(source_id: str, hours_ago: float, records: int, **extra) -> CrawlRun:
    started = datetime.now(UTC) - timedelta(hours=hours_ago)
    return CrawlRun(
        source_id=source_id,
        started_at=started.isoformat(),
        finished_at=(started + timedelta(minutes=1)).isoformat(),
        records=records,
        unchanged=0,
        quarantined=extra.pop("quarantined", 0),
        errors=0,
        failed=extra.pop("failed", False),
        **extra,
    )


@pytest.fixture
def api(settings: Settings, engine: Engine, tmp_path: Path) -> Iterator[Api]:
    with serve_fixture_site() as (base, fixture):
        sources = tmp_path / "sources"
        (sources / "cn").mkdir(parents=True)
        (sources / "cn" / "steady.yaml").write_text(feed_spec("steady", f"{base}/feed.xml"))
        (sources / "cn" / "broken.yaml").write_text(feed_spec("broken", f"{base}/gone.xml"))
        (sources / "cn" / "idle.yaml").write_text(feed_spec("idle", f"{base}/feed.xml", enabled=False))
        configured = settings.model_copy(
            update={
                "api_tokens": SecretStr(json.dumps(TOKENS)),
                "allow_private_hosts": (f"127.0.0.1:{base.rsplit(':', 1)[1]}",),
                "sources_dir": sources,
            }
        )
        app = create_app(configured, engine, LauncherSourcesDesk(configured))
        with serve_app(app) as url, httpx.Client(base_url=url, timeout=300) as http:
            yield Api(http, base, fixture, configured, engine)


def save_alerts(api: Api) -> None:
    store = AlertStore(api.engine, api.settings.index_alias, {"CNY": 1.0})
    email = ["analyst@example.com"]
    store.save(
        Alert(name="big", owner="olga", conditions=Conditions(min_amount=BIG, subsidy_only=True), email=email)
    )
    store.save(Alert(name="compute", owner="bob", q="computing", email=email))


# ------------------------------------------------------------------------------------------ health


def test_health_lists_every_source_with_last_success_items_and_flags_for_anyone(api):
    record_runs(
        api.settings,
        [
            crawl_run("steady", 30, 4),
            crawl_run("steady", 2, 3),
            crawl_run("broken", 3, 2),
            crawl_run("broken", 1, 0, entry_errors={f"{api.site}/gone.xml": "HTTP 404"}),
        ],
    )
    answer = api.http.get("/api/sources", params={"days": 14})  # no token: health is open, like search
    assert answer.status_code == 200, answer.text
    by_id = {row["id"]: row for row in answer.json()}
    assert set(by_id) == {"steady", "broken", "idle"}
    steady, broken, idle = by_id["steady"], by_id["broken"], by_id["idle"]
    assert steady["runs"] == 2 and steady["recent_records"] == 7 and steady["flags"] == []
    assert steady["last_success"].startswith((datetime.now(UTC) - timedelta(hours=2)).date().isoformat())
    assert broken["flags"] == [f"entry point {api.site}/gone.xml failed: HTTP 404"]
    assert idle["enabled"] is False and idle["runs"] == 0 and idle["notes"] == ["never crawled"]
    assert api.http.get("/api/sources", params={"days": 0}).status_code == 422


def test_an_app_without_a_sources_desk_has_no_sources_routes(settings, engine):
    with serve_app(create_app(settings, engine)) as url:
        assert httpx.get(url + "/api/sources", timeout=30).status_code == 404
        paths = httpx.get(url + "/openapi.json", timeout=30).json()["paths"]
    assert not [path for path in paths if path.startswith("/api/sources")]


# ------------------------------------------------------------------------------------------- roles


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/sources/discover", {"url": "https://example.gov.cn/"}),
        ("/api/sources/preview", {"url": "https://example.gov.cn/"}),
        ("/api/sources", {"spec": {"id": "x"}}),
    ],
)
def test_adding_sources_needs_an_operator_token(api, path, body):
    assert api.http.post(path, json=body).status_code == 401
    assert api.http.post(path, json=body, headers={"Authorization": "Bearer wrong"}).status_code == 401
    refused = api.http.post(path, json=body, headers=USER)
    assert refused.status_code == 403
    assert "operator" in refused.json()["detail"] and "POLICYRADAR_API_TOKENS" in refused.json()["detail"]


# ---------------------------------------------------------------------------------- hostile inputs


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("file:///etc/passwd", "only http and https URLs are allowed"),
        ("gopher://example.com/", "only http and https URLs are allowed"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("http://127.0.0.1:9200/", "127.0.0.1"),
        ("http://user:pw@example.com/", "credentials"),
    ],
)
def test_discover_refuses_hostile_urls_naming_the_url(api, url, says):
    refused = api.http.post("/api/sources/discover", json={"url": url}, headers=OPERATOR)
    assert refused.status_code == 422, refused.text
    [problem] = refused.json()["detail"]
    assert problem["loc"] == ["body", "url"] and problem["type"] == "unsafe_url" and says in problem["msg"]


def test_a_redirect_to_an_internal_address_and_a_huge_page_are_refused(api):
    hop = api.http.post(
        "/api/sources/discover", json={"url": f"{api.site}/to-internal.html"}, headers=OPERATOR
    )
    assert hop.status_code == 422 and "169.254.169.254" in hop.json()["detail"][0]["msg"]
    huge = api.http.post("/api/sources/discover", json={"url": f"{api.site}/huge.html"}, headers=OPERATOR)
    assert huge.status_code == 502
    assert "huge.html" in huge.json()["detail"] and "larger than" in huge.json()["detail"]


def test_a_spec_with_a_private_entry_point_is_refused_before_any_crawl(api):
    spec = load_source_dict(feed_spec("sneaky", "http://10.0.0.8/feed.xml"))
    refused = api.http.post("/api/sources/preview", json={"spec": spec}, headers=OPERATOR)
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "spec"]
    assert "10.0.0.8" in refused.json()["detail"][0]["msg"]


def test_an_invalid_spec_is_refused_naming_its_fields(api):
    spec = {**load_source_dict(feed_spec("ok-id", f"{api.site}/feed.xml")), "id": "Bad Id!", "language": "fr"}
    refused = api.http.post("/api/sources", json={"spec": spec}, headers=OPERATOR)
    assert refused.status_code == 422
    assert {tuple(p["loc"]) for p in refused.json()["detail"]} == {
        ("body", "spec", "id"),
        ("body", "spec", "language"),
    }
    assert not (api.settings.sources_dir / "_review").exists()


def load_source_dict(text: str) -> dict:
    return yaml.safe_load(text)


# ------------------------------------------------------------------------------ the add-source flow


def test_discover_preview_and_save_a_listing_as_sources_add_would(api):
    save_alerts(api)
    found = api.http.post(
        "/api/sources/discover", json={"url": f"{api.site}/en/list.html", "id": "city-news"}, headers=OPERATOR
    )
    assert found.status_code == 200, found.text
    discovery = found.json()
    assert discovery["listing_selector"] == "ul.news li a::attr(href)"
    assert discovery["next_page_selector"] == "a:contains('Next')::attr(href)"
    assert discovery["sample_links"][0] == f"{api.site}/en/news/1.html"
    spec = discovery["spec"]
    assert spec["id"] == "city-news" and spec["enabled"] is False
    assert spec["entry_points"] == [
        {
            "kind": "listing",
            "url": f"{api.site}/en/list.html",
            "link_selector": "ul.news li a::attr(href)",
            "next_page_selector": "a:contains('Next')::attr(href)",
        }
    ]

    previewed = api.http.post("/api/sources/preview", json={"spec": spec, "limit": 3}, headers=OPERATOR)
    assert previewed.status_code == 200, previewed.text
    records = previewed.json()["records"]
    assert len(records) == 3 and all(r["url"].startswith(f"{api.site}/en/news/") for r in records)
    for record in records:
        [money] = record["entities"]["money"]
        assert money["is_subsidy"] and money["qualifier"] == "max" and money["currency"] == "CNY"
        big = money["value"] >= BIG
        assert record["alerts_fired"] == (2 if big else 1), record  # bob's "compute" fires for every one
        assert record["your_alerts"] == (["big"] if big else [])  # bob's alert name stays private
    names = index_names(api.settings.index_alias)
    for recorded in (names["matches"], names["match_sets"]):  # nothing recorded
        assert not api.engine.index_exists(recorded) or api.engine.count(recorded) == 0

    saved = api.http.post("/api/sources", json={"spec": spec}, headers=OPERATOR)
    assert saved.status_code == 201, saved.text
    path = Path(saved.json()["path"])
    assert path == api.settings.sources_dir / "_review" / "city-news.yaml"
    written = load_source(path)
    assert written.enabled is False and written.entry_points[0].url == f"{api.site}/en/list.html"
    assert "olga" in (written.notes or "")
    listed = {row["id"]: row for row in api.http.get("/api/sources").json()}
    assert listed["city-news"]["in_review"] is True and listed["city-news"]["enabled"] is False

    again = api.http.post("/api/sources", json={"spec": {**spec, "enabled": True}}, headers=OPERATOR)
    assert again.status_code == 409 and "city-news" in again.json()["detail"]
    assert load_source(path).enabled is False


def test_a_spec_that_yields_nothing_says_what_the_crawl_reported(api):
    spec = load_source_dict(feed_spec("empty-feed", f"{api.site}/nowhere.xml"))
    refused = api.http.post("/api/sources/preview", json={"spec": spec, "limit": 1}, headers=OPERATOR)
    assert refused.status_code == 422, refused.text
    [problem] = refused.json()["detail"]
    assert problem["type"] == "nothing_to_preview" and "'empty-feed' yielded no records" in problem["msg"]
