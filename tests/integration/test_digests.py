"""Digests on the real engine, delivered to a real SMTP server and a real webhook receiver.
Each scenario asserts exact counts: every matched item reaches each subscription exactly once."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest

from indexer.alerts.digest import DigestService, due_fire_time
from indexer.alerts.lease import Lease, LeaseLost
from indexer.alerts.model import Alert
from indexer.alerts.send import verify
from indexer.alerts.store import AlertStore, MatchRecorder, new_webhook_secret
from indexer.index_versions import ensure_index
from indexer.mapping import document_from_record
from indexer.query import Conditions
from indexer.writer import BulkDoc, BulkWriter, version_of
from policyradar.rates import rates_to_cny
from processors.enrich import enrich
from tests.fixtures.receivers import smtp_server, webhook_receiver
from tests.integration.conftest import make_raw

pytestmark = pytest.mark.integration
HOSTILE = 'Notice <script>alert(1)</script> <img src=x onerror="alert(2)"> {{7*7}}'


class Crash(Exception):
    """Stands for the process dying between sending a digest and marking it."""


@pytest.fixture
def world(settings, engine):
    """An index with alerts support, and a helper that indexes documents the way the indexer does."""
    ensure_index(engine, settings.index_alias)
    recorder = MatchRecorder(engine, settings.index_alias)
    writer = BulkWriter(engine, settings.index_alias, refresh="wait_for")

    def index(*numbers: int, title: str | None = None) -> list[str]:
        records = [enrich(make_raw(n, title=title)) for n in numbers]
        docs = [BulkDoc(r.id, version_of(r.fetched_at), document_from_record(r)) for r in records]
        writer.write(docs)
        recorder.percolate([d.source for d in docs])
        return [r.id for r in records]

    return settings.model_copy(update={"allow_private_hosts": ("127.0.0.1",)}), engine, index


def subscribe(settings, engine, *, every="daily", email=None, webhook=None, created_days_ago=0, **conditions):
    alert = Alert(
        name=f"alert-{every.replace(' ', '')}",
        owner="analyst",
        q="subsidies",
        conditions=Conditions(**conditions),
        every=every,
        at="08:00",
        timezone="Asia/Shanghai",
        email=email or [],
        webhook_url=webhook,
        webhook_secret=new_webhook_secret() if webhook else None,
        created_at=datetime.now(UTC) - timedelta(days=created_days_ago),
    )
    rates = rates_to_cny(settings.fx_rates)
    AlertStore(engine, settings.index_alias, rates).save(alert)
    MatchRecorder(engine, settings.index_alias, rates=rates).backfill(alert, settings.index_alias, days=7)
    return alert


def service(settings, engine, **hooks) -> DigestService:
    return DigestService(engine, settings.index_alias, settings, **hooks)


def webhook_ids(hook) -> list[str]:
    return [headers["webhook-id"] for headers, _ in hook.deliveries]


def test_email_digest_arrives_escaped_and_is_not_sent_again_after_a_restart(world):
    settings, engine, index = world
    with smtp_server() as (port, inbox):
        settings = settings.model_copy(update={"smtp_port": port})
        index(1, 2)
        index(3, title=HOSTILE + " about subsidies")
        alert = subscribe(
            settings, engine, email=["analyst@example.com"], created_days_ago=2, min_amount=2_000_000
        )
        sent = service(settings, engine).run_due()
        assert len(sent) == 1 and len(inbox.messages) == 1
        message = inbox.messages[0]
        assert (
            message["Message-ID"] == f"<{sent[0]}@policyradar>"
            and "2 new announcements" in message["Subject"]
        )
        html = message.get_body(("html",)).get_content()
        text = message.get_body(("plain",)).get_content()
        assert "&lt;script&gt;" in html and "&lt;img src=x onerror=" in html
        assert "<script" not in html and "<img" not in html
        hostile_line = next(line for line in text.splitlines() if "Notice <script>" in line)
        assert "{{7*7}}" in hostile_line  # shown literally: the template did not evaluate it
        # A restarted scheduler (a new service) at the same moment sends nothing more.
        assert service(settings, engine).run_due() == [] and len(inbox.messages) == 1
        assert AlertStore(engine, settings.index_alias).get("analyst", alert.name).last_fire is not None


def test_crash_between_sending_and_marking_resends_the_same_message_once(world):
    settings, engine, index = world
    index(1, 2, 3)
    with webhook_receiver() as (url, hook):
        alert = subscribe(settings, engine, webhook=url, created_days_ago=2)

        def crash(message_id: str) -> None:
            raise Crash(message_id)

        with pytest.raises(Crash):
            service(settings, engine, after_send=crash).run_due()
        assert len(hook.deliveries) == 1
        resent = service(settings, engine).run_due()
        assert len(hook.deliveries) == 2 and webhook_ids(hook)[0] == webhook_ids(hook)[1] == resent[0]
        first, second = (json.loads(body) for _, body in hook.deliveries)
        assert [i["id"] for i in first["items"]] == [i["id"] for i in second["items"]] and len(
            first["items"]
        ) == 3
        for headers, body in hook.deliveries:
            assert verify(alert.webhook_secret, headers, body)
        assert not verify(alert.webhook_secret, hook.deliveries[0][0], hook.deliveries[0][1] + b" ")
        assert service(settings, engine).run_due() == [] and len(hook.deliveries) == 2


def test_scheduler_down_over_several_fire_times_sends_one_digest_when_back(world):
    settings, engine, index = world
    index(4, 5)
    with webhook_receiver() as (url, hook):
        alert = subscribe(settings, engine, webhook=url, created_days_ago=5)
        now = datetime.now(UTC)
        expected_fire = due_fire_time(alert, now)
        assert expected_fire is not None and expected_fire > alert.created_at + timedelta(days=3)
        assert len(service(settings, engine).run_due(now)) == 1 and len(hook.deliveries) == 1
        stored = AlertStore(engine, settings.index_alias).get("analyst", alert.name)
        assert stored.last_fire == expected_fire and due_fire_time(stored, now) is None


def test_an_item_indexed_late_goes_out_in_the_next_digest_exactly_once(world):
    settings, engine, index = world
    index(6)
    with webhook_receiver() as (url, hook):
        subscribe(settings, engine, every="instant", webhook=url)
        assert len(service(settings, engine).run_due()) == 1
        late = index(7)  # published long ago, indexed only now
        assert len(service(settings, engine).run_due()) == 1
        assert service(settings, engine).run_due() == []
        items = [[i["id"] for i in json.loads(body)["items"]] for _, body in hook.deliveries]
        assert len(items) == 2 and items[1] == late and len(items[0]) == 1


def test_two_schedulers_never_both_act(world):
    settings, engine, index = world
    index(8, 9)
    with webhook_receiver() as (url, hook):
        subscribe(settings, engine, every="instant", webhook=url)
        services = [service(settings, engine) for _ in range(2)]
        leases = [Lease(engine, services[0].names["locks"], f"scheduler-{n}", 30) for n in range(2)]
        for n in range(2):
            services[n].lease = leases[n]
        holders: list[int] = []
        barrier = threading.Barrier(2)

        def tick(n: int) -> None:
            for _ in range(5):
                barrier.wait()
                if leases[n].acquire():
                    holders.append(n)
                    services[n].run_due()

        threads = [threading.Thread(target=tick, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(set(holders)) == 1 and len(holders) == 5
        assert len(hook.deliveries) == 1 and len(json.loads(hook.deliveries[0][1])["items"]) == 2
        # The holder's lease expires: the other scheduler can take over.
        later = datetime.now(UTC) + timedelta(seconds=31)
        assert leases[1 - holders[0]].acquire(now=later)


class Clock:
    """A scheduler's own clock, moved by hand (a pause is the clock jumping forward)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def fenced_service(settings, engine, name: str, clock: Clock, **hooks) -> DigestService:
    digests = service(settings, engine, **hooks)
    digests.lease = Lease(engine, digests.names["locks"], name, 30, clock=clock, floor=digests.highest_fence)
    return digests


def digest_doc(engine, digests: DigestService, message_id: str) -> dict:
    return engine.get_doc(digests.names["digests"], message_id)["_source"]


def test_the_fencing_token_grows_each_time_the_lease_changes_hands_and_only_then(settings, engine):
    clock = Clock()
    locks = service(settings, engine).names["locks"]
    first, second = (Lease(engine, locks, f"scheduler-{n}", 30, clock=clock, floor=lambda: 41) for n in "ab")
    assert first.acquire() and first.token == 42  # a new lease document starts above the ledger's tokens
    assert first.acquire() and first.token == 42  # a renewal keeps it
    assert not second.acquire() and second.token is None
    clock.now += timedelta(seconds=31)
    assert second.acquire() and second.token == 43
    with pytest.raises(LeaseLost, match="scheduler-b holds it with token 43"):
        first.check()
    second.release()  # the document stays: the count goes on
    assert first.acquire() and first.token == 44 and first.check() == 44


def test_a_paused_former_lease_holder_cannot_send_or_mark(world):
    settings, engine, index = world
    index(10, 11)
    with webhook_receiver() as (url, hook):
        subscribe(settings, engine, every="instant", webhook=url)
        clock = Clock()
        second = fenced_service(settings, engine, "scheduler-b", clock)

        def pause(message_id: str) -> None:
            """The first scheduler stalls (GC, VM freeze) past its lease; the second takes over."""
            clock.now += timedelta(seconds=31)
            assert second.lease.acquire() and second.lease.token == first.lease.token + 1
            assert second.run_due() == [message_id]

        first = fenced_service(settings, engine, "scheduler-a", clock, before_send=pause)
        assert first.lease.acquire()
        stale_token = first.lease.token
        with pytest.raises(LeaseLost, match="scheduler-b holds it"):
            first.run_due()
        assert len(hook.deliveries) == 1  # only the second scheduler delivered
        message_id = webhook_ids(hook)[0]
        items = [i["id"] for i in json.loads(hook.deliveries[0][1])["items"]]
        assert len(items) == 2
        sent = digest_doc(engine, second, message_id)
        assert sent["status"] == "sent" and sent["fence"] == second.lease.token

        # Paused again right after a lease check that still passed: the ledger itself refuses the
        # stale token, and the digest stays as the second scheduler left it.
        class PassedCheck:
            token = stale_token

            def check(self) -> int:
                return stale_token

        first.lease = PassedCheck()
        with pytest.raises(LeaseLost, match=f"our token: {stale_token}"):
            first.mark_sent(message_id, sent["match_ids"])
        assert digest_doc(engine, second, message_id) == sent
        assert second.run_due() == [] and len(hook.deliveries) == 1
