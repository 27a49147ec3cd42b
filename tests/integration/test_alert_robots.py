"""Digests to WeCom, DingTalk and Feishu robots on the real engine, delivered to local receivers that
check each platform's signing and message shape; failures are recorded and retried, never lost, and a
retry does not send again to the channels already reached. Also: pausing an alert."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest

from indexer.alerts.digest import DigestService
from indexer.alerts.model import Alert
from indexer.alerts.store import AlertStore, MatchRecorder
from indexer.index_versions import ensure_index
from indexer.mapping import document_from_record
from indexer.writer import BulkDoc, BulkWriter, version_of
from policyradar.rates import rates_to_cny
from processors.enrich import enrich
from tests.fixtures.receivers import RobotInbox, robot_receiver
from tests.integration.conftest import make_raw

pytestmark = pytest.mark.integration
SECRETS = {"dingtalk": "SECdingtalk-secret", "feishu": "feishu-secret"}


@pytest.fixture
def world(settings, engine):
    """Settings that let the local receivers through, and a helper that indexes and percolates."""
    ensure_index(engine, settings.index_alias)
    local = settings.model_copy(
        update={"allow_private_hosts": ("127.0.0.1",), "robot_extra_hosts": ("127.0.0.1",)}
    )
    recorder = MatchRecorder(engine, settings.index_alias)
    writer = BulkWriter(engine, settings.index_alias, refresh="wait_for")

    def index(*numbers: int) -> None:
        records = [enrich(make_raw(n)) for n in numbers]
        docs = [BulkDoc(r.id, version_of(r.fetched_at), document_from_record(r)) for r in records]
        writer.write(docs)
        recorder.percolate([d.source for d in docs])

    return local, engine, index


@contextmanager
def robots(secrets: dict[str, str] | None = None) -> Iterator[dict[str, tuple[str, RobotInbox]]]:
    """A receiver per platform; DingTalk and Feishu check signatures with ``secrets``."""
    secrets = SECRETS if secrets is None else secrets
    with ExitStack() as stack:
        yield {
            platform: stack.enter_context(robot_receiver(platform, secrets.get(platform)))
            for platform in ("wecom", "dingtalk", "feishu")
        }


def subscribe(settings, engine, receivers, secrets=SECRETS) -> Alert:
    alert = Alert(
        name="robots",
        owner="analyst",
        q="subsidies",
        every="instant",
        wecom_url=receivers["wecom"][0],
        dingtalk_url=receivers["dingtalk"][0],
        dingtalk_secret=secrets.get("dingtalk"),
        feishu_url=receivers["feishu"][0],
        feishu_secret=secrets.get("feishu"),
    )
    AlertStore(engine, settings.index_alias, rates_to_cny(settings.fx_rates)).save(alert)
    return alert


def service(settings, engine) -> DigestService:
    return DigestService(engine, settings.index_alias, settings)


def test_a_digest_reaches_each_robot_in_its_platforms_format_signed(world):
    settings, engine, index = world
    with robots() as receivers:
        alert = subscribe(settings, engine, receivers)
        index(1, 2)
        sent = service(settings, engine).run_due()
        assert len(sent) == 1
        for platform, (_, inbox) in receivers.items():
            assert inbox.refusals == [] and len(inbox.accepted) == 1, platform
        wecom = receivers["wecom"][1].accepted[0]["markdown"]["content"]
        assert "robots: 2 new announcements" in wecom and "[Notice 1 on computing subsidies](" in wecom
        dingtalk_path = receivers["dingtalk"][1].requests[0][0]
        assert (
            "access_token=t1" in dingtalk_path
            and "&timestamp=" in dingtalk_path
            and "&sign=" in dingtalk_path
        )
        feishu = receivers["feishu"][1].accepted[0]
        titles = [p[0]["text"] for p in feishu["content"]["post"]["zh_cn"]["content"] if p[0]["tag"] == "a"]
        assert sorted(titles) == ["Notice 1 on computing subsidies", "Notice 2 on computing subsidies"]
        [entry] = service(settings, engine).history(alert)
        assert entry["status"] == "sent" and entry["items"] == 2 and entry["message_id"] == sent[0]
        assert sorted(entry["channels"]) == ["dingtalk", "feishu", "wecom"]


def test_a_refused_message_is_recorded_retried_and_not_sent_again_where_it_arrived(world):
    settings, engine, index = world
    with robots() as receivers:
        alert = subscribe(settings, engine, receivers)
        receivers["dingtalk"][1].fail_next = 1
        index(1)
        assert service(settings, engine).run_due() == []
        [entry] = service(settings, engine).history(alert)
        assert entry["status"] == "retrying" and entry["attempts"] == 1
        assert sorted(entry["channels"]) == ["feishu", "wecom"]
        assert "DingTalk robot" in entry["last_error"] and "rate limited" in entry["last_error"]
        time.sleep(2.2)  # the first retry waits 2 s
        sent = service(settings, engine).run_due()
        assert sent == [entry["message_id"]]
        counts = {platform: len(inbox.accepted) for platform, (_, inbox) in receivers.items()}
        assert counts == {"wecom": 1, "dingtalk": 1, "feishu": 1}
        assert len(receivers["dingtalk"][1].requests) == 2
        [done] = service(settings, engine).history(alert)
        assert done["status"] == "sent" and sorted(done["channels"]) == ["dingtalk", "feishu", "wecom"]


def test_a_wrong_signing_secret_keeps_the_digest_pending_and_says_why(world):
    settings, engine, index = world
    with robots() as receivers:
        alert = subscribe(settings, engine, receivers, secrets={"dingtalk": "SECwrong", "feishu": "wrong"})
        index(1)
        assert service(settings, engine).run_due() == []
        assert receivers["dingtalk"][1].refusals == ["sign not match"]
        assert receivers["feishu"][1].refusals == ["sign not match"]
        [entry] = service(settings, engine).history(alert)
        assert entry["status"] == "retrying" and entry["channels"] == ["wecom"]
        assert "errcode 310000: sign not match" in entry["last_error"]
        assert "code 310000: sign not match" in entry["last_error"].split("Feishu", 1)[1]


def test_a_paused_alert_matches_and_sends_nothing_until_resumed(world):
    settings, engine, index = world
    with robots() as receivers:
        alert = subscribe(settings, engine, receivers)
        store = AlertStore(engine, settings.index_alias)
        index(1)  # waiting when the alert is paused: held, sent after it is resumed
        store.set_paused(alert, True)
        index(2)  # arrives while paused: not matched
        assert service(settings, engine).run_due() == []
        assert all(inbox.requests == [] for _, inbox in receivers.values())
        resumed = store.set_paused(store.get("analyst", "robots"), False)
        assert resumed.paused is False
        sent = service(settings, engine).run_due()
        assert len(sent) == 1
        content = receivers["wecom"][1].accepted[0]["markdown"]["content"]
        assert "Notice 1 on" in content and "Notice 2 on" not in content
