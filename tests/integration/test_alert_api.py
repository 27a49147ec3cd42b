"""The alerts API behind the web page's "My alerts", on the real engine: get, edit, pause and resume,
history, robot fields, the private Atom feed (read with feedparser), and one user never reaching
another's alert."""

from __future__ import annotations

import json

import feedparser
import httpx
import pytest
from pydantic import SecretStr

from indexer.alerts.digest import DigestService
from indexer.api import create_app
from indexer.index_versions import ensure_index
from indexer.mapping import document_from_record
from indexer.writer import BulkDoc, BulkWriter, version_of
from processors.enrich import enrich
from tests.fixtures.app_server import serve_app
from tests.fixtures.receivers import webhook_receiver
from tests.integration.conftest import make_raw

pytestmark = pytest.mark.integration
TOKENS = {"token-alice": "alice", "token-bob": "bob"}
ALICE = {"Authorization": "Bearer token-alice"}
BOB = {"Authorization": "Bearer token-bob"}
BIG = {"name": "big subsidies", "q": "subsidies", "conditions": {"min_amount": 10_000_000}, "every": "daily"}


@pytest.fixture
def client(settings, engine):
    ensure_index(engine, settings.index_alias)
    records = [
        enrich(make_raw(1, text="Beijing will offer up to 50 million yuan in subsidies to Huawei.")),
        enrich(make_raw(2, text="Shenzhen will offer up to 2 million yuan in subsidies to iFlytek.")),
        enrich(make_raw(3, title="<b>Shanghai</b> & subsidies", text="上海市对企业给予最高3000万元补贴。")),
    ]
    BulkWriter(engine, settings.index_alias, refresh="wait_for").write(
        [BulkDoc(r.id, version_of(r.fetched_at), document_from_record(r)) for r in records]
    )
    configured = settings.model_copy(
        update={
            "api_tokens": SecretStr(json.dumps(TOKENS)),
            "allow_private_hosts": ("127.0.0.1",),
            "robot_extra_hosts": ("127.0.0.1:9999",),
        }
    )
    with serve_app(create_app(configured, engine)) as base, httpx.Client(base_url=base, timeout=30) as http:
        yield http


def test_another_user_cannot_read_edit_pause_delete_or_see_the_history_of_an_alert(client):
    assert client.post("/api/alerts", json=BIG, headers=ALICE).status_code == 201
    path = "/api/alerts/big subsidies"
    for method, suffix, body in [
        ("GET", "", None),
        ("PUT", "", BIG),
        ("POST", "/pause", None),
        ("POST", "/resume", None),
        ("GET", "/history", None),
        ("GET", "/preview", None),
        ("POST", "/feed-key", None),
        ("DELETE", "", None),
    ]:
        answer = client.request(method, path + suffix, json=body, headers=BOB)
        assert answer.status_code == 404, (method, suffix, answer.text)
        assert client.request(method, path + suffix, json=body).status_code == 401
    mine = client.get(path, headers=ALICE).json()
    assert mine["paused"] is False and mine["q"] == "subsidies"
    assert client.get("/api/alerts", headers=BOB).json() == []


def test_an_edit_keeps_secrets_fire_times_and_the_feed_key_and_a_rename_is_refused(client):
    created = client.post(
        "/api/alerts", json={**BIG, "webhook_url": "http://127.0.0.1:9/hook"}, headers=ALICE
    )
    secret, feed = created.json()["webhook_secret"], created.json()["feed_url"]
    assert secret.startswith("whsec_") and feed.startswith("/feeds/alerts/alice/big%20subsidies.atom?key=")
    edited = client.put(
        "/api/alerts/big subsidies",
        json={**BIG, "every": "weekly", "webhook_url": "http://127.0.0.1:9/hook"},
        headers=ALICE,
    )
    assert edited.status_code == 200, edited.text
    assert (
        edited.json()["every"] == "weekly" and edited.json()["webhook_secret"] is None
    )  # same secret, not shown
    assert edited.json()["feed_url"] == feed and edited.json()["created_at"] == created.json()["created_at"]
    moved = client.put(
        "/api/alerts/big subsidies", json={**BIG, "webhook_url": "http://127.0.0.1:10/hook"}, headers=ALICE
    )
    assert moved.json()["webhook_secret"].startswith("whsec_") and moved.json()["webhook_secret"] != secret
    renamed = client.put("/api/alerts/big subsidies", json={**BIG, "name": "other"}, headers=ALICE)
    assert renamed.status_code == 422 and renamed.json()["detail"][0]["loc"] == ["body", "name"]


def test_pause_and_resume_show_in_the_alert_and_its_schedule(client):
    client.post("/api/alerts", json=BIG, headers=ALICE)
    paused = client.post("/api/alerts/big subsidies/pause", headers=ALICE).json()
    assert paused["paused"] is True
    assert client.get("/api/alerts", headers=ALICE).json()[0]["paused"] is True
    assert client.post("/api/alerts/big subsidies/resume", headers=ALICE).json()["paused"] is False


def test_robot_fields_are_checked_against_their_platform_and_secrets_never_shown(client):
    body = {
        **BIG,
        "wecom_url": "http://127.0.0.1:9999/cgi-bin/webhook/send?key=k",
        "dingtalk_url": "http://127.0.0.1:9999/robot/send?access_token=t",
        "dingtalk_secret": "SECsecret",
        "feishu_url": "http://127.0.0.1:9999/open-apis/bot/v2/hook/h",
    }
    created = client.post("/api/alerts", json=body, headers=ALICE)
    assert created.status_code == 201, created.text
    shown = client.get("/api/alerts/big subsidies", headers=ALICE).json()
    assert shown["channels"] == ["wecom", "dingtalk", "feishu"]
    assert shown["dingtalk_signed"] is True and shown["feishu_signed"] is False
    assert "SECsecret" not in json.dumps(shown) and "dingtalk_secret" not in shown and "feed_key" not in shown
    kept = client.put(
        "/api/alerts/big subsidies", json={**body, "dingtalk_secret": None}, headers=ALICE
    ).json()
    assert kept["dingtalk_signed"] is True  # left out: kept
    for field, url in [
        ("wecom_url", "https://hooks.example.com/cgi-bin/webhook/send?key=k"),
        ("dingtalk_url", "http://127.0.0.1:9200/_bulk"),
        ("feishu_url", "https://open.feishu.cn.evil.example/open-apis/bot/v2/hook/h"),
    ]:
        refused = client.post("/api/alerts", json={**BIG, field: url}, headers=ALICE)
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", field], field


def test_the_private_feed_lists_what_the_alert_matched_and_needs_its_key(client):
    created = client.post("/api/alerts", json={**BIG, "conditions": {}}, headers=ALICE).json()
    assert created["backfilled"] == 3
    feed_url = created["feed_url"]
    answer = client.get(feed_url)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/atom+xml")
    assert "token-alice" not in feed_url and "token-alice" not in answer.text
    parsed = feedparser.parse(answer.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == "Policy Radar · big subsidies"
    titles = sorted(entry.title for entry in parsed.entries)
    assert titles == [
        "<b>Shanghai</b> & subsidies",
        "Notice 1 on computing subsidies",
        "Notice 2 on computing subsidies",
    ]
    assert all(entry.link.startswith(str(client.base_url) + "/documents/") for entry in parsed.entries)
    wrong = feed_url.split("key=")[0] + "key=guess"
    assert client.get(wrong).status_code == 404
    assert client.get(feed_url.split("?")[0]).status_code == 404
    assert client.get(feed_url.replace("/alice/", "/bob/")).status_code == 404
    renewed = client.post("/api/alerts/big subsidies/feed-key", headers=ALICE).json()["feed_url"]
    assert renewed != feed_url and client.get(feed_url).status_code == 404
    assert client.get(renewed).status_code == 200


def test_the_history_lists_each_digest_with_its_items_channels_and_status(client, settings, engine):
    with webhook_receiver() as (url, hook):
        client.post("/api/alerts", json={**BIG, "every": "instant", "webhook_url": url}, headers=ALICE)
        local = settings.model_copy(update={"allow_private_hosts": ("127.0.0.1",)})
        sent = DigestService(engine, settings.index_alias, local).run_due()
        assert len(sent) == 1 and len(hook.deliveries) == 1
    history = client.get("/api/alerts/big subsidies/history", headers=ALICE).json()
    assert [(h["message_id"], h["status"], h["items"], h["channels"], h["kind"]) for h in history] == [
        (sent[0], "sent", 2, ["webhook"], "digest")
    ]
    preview = client.get("/api/alerts/big subsidies/preview", headers=ALICE).json()
    assert preview["items"] == 0
